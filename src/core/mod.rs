//! Pure, deterministic data engineering: data in, data out, no browser types.

pub mod ab;
pub mod archive;
pub mod bundles;
pub mod data_loop;
pub mod dataset;
pub mod drills;
pub mod embed;
pub mod imdb;
pub mod job;
pub mod labs;
pub mod llm;
pub mod model;
pub mod quality;
pub mod release;
pub mod stats;
pub mod storyboard;
#[cfg(test)]
pub(crate) mod testing;
pub mod text;
pub mod tokenize;
pub mod urlstate;
pub mod worddiff;
