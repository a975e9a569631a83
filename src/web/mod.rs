//! Thin browser glue (wasm32 only): no logic here that a native test could cover.

pub mod bench;
pub mod clipboard;
pub mod dataset_store;
pub mod embed;
pub mod experiment_log;
pub mod fetch;
pub mod files;
pub mod idb;
pub mod leave;
pub mod llm;
pub mod model;
pub mod panic;
pub mod storage;
pub mod tick;
pub mod url;
pub mod worker;
