//! The Leptos user interface (wasm32 only): the shell, the deck's design pieces, shared widgets, and one
//! folder per lab page. A lab page wires `core` functions to signals and widgets; it computes nothing that
//! `core` could.

pub mod app;
pub mod design;
pub mod jobs;
pub mod labs;
pub mod services;
pub mod widgets;
