//! Services several labs share, kept outside any lab's folder: the dataset workspace (the current version,
//! its rows and the store every lab reads and writes) and the tokenizer engine (rank files loaded once,
//! encoding in slices). A lab uses them; no lab reaches into another lab's folder for them.

pub mod tokenizer;
pub mod workspace;
