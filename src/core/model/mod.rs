//! A model inside the page (issue #20): a small llama-family GGUF model run in a worker, so generation,
//! refinement and the rubric work with no Ollama at all. Everything here is pure Rust without web types —
//! the file checks, the model's own tokenizer and chat template, and the engine — and is tested natively
//! against llama.cpp on the same files.

pub mod engine;
pub mod json_guard;
pub mod json_schema;
pub mod library;
pub mod serve;
pub mod template;
pub mod tokenizer;
pub mod widen;
