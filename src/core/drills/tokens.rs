//! The tokens check: does a pre-tokenized dataset (JSONL rows with `text` and `input_ids`, the usual form
//! of a tokenized corpus) fit the tokenizer a model will read it with? Per row: are the ids what the model
//! tokenizer makes of `text`, are they all below its vocabulary size, and does decoding them give `text`
//! back. Also the tokenizer-mismatch drill's files.
//!
//! TODO(helper): implement to the API below.
