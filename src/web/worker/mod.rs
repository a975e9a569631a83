//! The background workers: long jobs (quality gates over 50k rows, the IMDb archive, the baselines) run in
//! Web Workers, so the page keeps drawing and Cancel works at once (it ends the worker).
//!
//! A worker runs the worker bundle (`src/bin/lab-worker.rs`, see `core::bundles`): `static/worker.js`
//! imports its wasm-bindgen glue, whose `main` calls [`serve`]. The page bundles carry none of the jobs'
//! worker side, and the worker carries no page.
//!
//! One protocol for every job, defined in `core::job::protocol`: the page posts a `Request` and hears
//! `Reply`s, as JSON beside named attachments ([`transport`]). The folder is layered so that nothing
//! imports back up: [`transport`] (message shapes, used by all) ← [`pool`] (page side: workers, sending,
//! cancel) ← the jobs' page-side calls ([`quality`], [`imdb`], [`ab`], [`tokens`]); and [`serve`] (worker side) → the jobs'
//! worker-side handlers.

pub mod ab;
mod encoders;
pub mod imdb;
pub mod pool;
pub mod quality;
mod serve;
pub mod tokens;
pub mod transport;

pub use pool::{cancel, parallelism};
pub use serve::serve;
