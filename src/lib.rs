//! datalab — a browser lab for the data engineering of LLM training data.
//!
//! Three layers, and the folders say so:
//! - [`core`]: the data engineering itself in plain Rust, no web types; tested natively with `cargo test`.
//! - `web` (wasm32 only): thin browser glue — fetching, storage, URL state, yielding to the event loop.
//! - `ui` (wasm32 only): the Leptos shell, shared widgets and one folder per lab page.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(target_arch = "wasm32")]
pub mod ui;

/// What a lab bundle's bin does when built natively: the lab only runs in a browser.
#[cfg(not(target_arch = "wasm32"))]
pub fn native_main() {
    eprintln!("datalab runs in the browser: use `scripts/serve.sh` (see README.md).");
}
