//! Widgets shared by lab pages.

pub mod bar_chart;
pub mod checkbox;
pub mod histogram;
pub mod outcome;
pub mod progress;
pub mod s_curve;
pub mod token_chips;
