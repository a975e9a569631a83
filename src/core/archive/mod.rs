//! Archives the lab writes and reads (a workspace export is one zip file).

pub mod zip;
