//! Release discipline (slides 23–24, 27–29): the release gates of slide 24 evaluated from the labs'
//! records, version tags, the runbook's run order with live verification points, the pipeline spec and its
//! replay, and the portfolio pack — the dataset card, Croissant metadata, datasheet and quality report
//! that real tools read.

pub mod card;
pub mod gates;
pub mod pack;
pub mod report;
pub mod runbook;
pub mod spec;
pub mod tag;
pub mod tokenizer;
