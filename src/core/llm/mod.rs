//! Talking to a local language model, as plain data: request and response shapes of Ollama's and
//! OpenAI-compatible APIs, the NDJSON stream reader, what a failed connection means, and the deck's two
//! generation recipes (Magpie sampling and reflection refinement) with the judge rubric that scores them.
//!
//! Nothing here opens a socket: `web::llm` sends the bytes these modules build and feeds back the bytes
//! that arrive, so every parser is tested natively on awkward input.

pub mod bridge;
pub mod bundle;
pub mod call;
pub mod classroom;
pub mod connection;
pub mod judge;
pub mod magpie;
pub mod ndjson;
pub mod ollama;
pub mod openai;
pub mod ps;
pub mod reflection;
pub mod retry;
pub mod review;
