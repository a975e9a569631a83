//! Archives the lab writes and reads (a workspace export is one zip file).

pub mod gzip;
pub mod tar;
pub mod zip;
