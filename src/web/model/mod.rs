//! The in-page model (issue #20) in the browser: a worker of its own runs the engine
//! ([`serve`], worker side), and the page talks to it as if it were an Ollama server ([`client`]): a
//! request becomes a `Response` whose body streams the same NDJSON lines Ollama sends, so `web::llm`'s
//! one code path serves Ollama, OpenAI-compatible servers and the model in the page alike.

pub mod client;
pub mod library;
mod serve;

pub use serve::serve;
