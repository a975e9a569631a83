//! One folder per lab page.

pub mod ab;
pub mod data_loop;
pub mod drills;
pub mod extend;
pub mod generate;
pub mod imdb;
pub mod quality;
pub mod refine;
pub mod runbook;
pub mod tokenizer;
pub mod workspace;
