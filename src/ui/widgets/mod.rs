//! Widgets shared by lab pages.

pub mod bar_chart;
pub mod checkbox;
pub mod class_panel;
pub mod code_bridge;
pub mod histogram;
pub mod import_panel;
pub mod in_page_model;
pub mod line_chart;
pub mod llm_connection;
pub mod outcome;
pub mod progress;
pub mod s_curve;
pub mod storyboard;
pub mod token_chips;
pub mod version_bar;
pub mod word_diff;
