//! The background workers: long jobs (quality gates over 50k rows, the IMDb archive, the baselines) run in
//! Web Workers, so the page keeps drawing and Cancel works at once (it ends the worker).
//!
//! A worker runs this same wasm module — no second build. `static/worker.js` imports the page's own
//! wasm-bindgen glue and starts it; `main` sees there is no window and calls [`serve`].
//!
//! One protocol for every job, defined in `core::job::protocol`: the page posts a `Request` and hears
//! `Reply`s, as JSON beside named attachments ([`transport`]). The folder is layered so that nothing
//! imports back up: [`transport`] (message shapes, used by all) ← [`pool`] (page side: workers, sending,
//! cancel) ← the jobs' page-side calls ([`quality`], [`imdb`]); and [`serve`] (worker side) → the jobs'
//! worker-side handlers.

pub mod imdb;
pub mod pool;
pub mod quality;
mod serve;
pub mod transport;

pub use pool::{cancel, parallelism};
pub use serve::serve;

/// Whether we are running inside a worker (no window).
pub fn in_worker() -> bool {
    web_sys::window().is_none()
}
