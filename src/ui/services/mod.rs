//! Services several labs share, kept outside any lab's folder: the dataset workspace (the current version,
//! its rows and the store every lab reads and writes), the tokenizer engine (rank files loaded once,
//! encoding in slices), the model connection and the sample dataset a first run starts from. A lab uses them; no lab reaches into another lab's
//! folder for them.

pub mod llm;
pub mod sample;
pub mod tokenizer;
pub mod workspace;
