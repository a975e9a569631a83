//! A/B experiments (ADDON-B-LAB-04; slides 10 and 20): does a data or tokenizer change help? A ladder of
//! arms, each changing one thing against an earlier rung; per arm a proxy model trained on its rows and
//! scored on a fixed evaluation set in bits per byte; a paired bootstrap per comparison; and a verdict
//! under a rule fixed before the run, kept in an append-only log.

pub mod compare;
pub mod log;
pub mod measure;
pub mod ngram;
pub mod plan;
pub mod proxy;
pub mod rubric;
pub mod spec;
