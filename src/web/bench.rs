//! The lab's tokenizer exposed to JavaScript, for the benchmark page and browser tests
//! (Trunk publishes these exports as `window.wasmBindings`).

use wasm_bindgen::prelude::*;

use crate::core::tokenize::{Encoder, EncodingSpec};

/// One encoding built from a rank file's bytes.
#[wasm_bindgen]
pub struct LabTokenizer {
    enc: Encoder,
}

#[wasm_bindgen]
impl LabTokenizer {
    /// `name`: `gpt2`, `cl100k_base` or `o200k_base`; `rank_file`: the `.tiktoken` file's bytes.
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str, rank_file: &[u8]) -> Result<LabTokenizer, JsError> {
        let spec = EncodingSpec::by_name(name)
            .ok_or_else(|| JsError::new(&format!("unknown encoding {name}")))?;
        let enc = spec.build(rank_file).map_err(|e| JsError::new(&e))?;
        Ok(LabTokenizer { enc })
    }

    /// Token ids of `text`, special tokens as plain text (tiktoken's `encode_ordinary`).
    pub fn encode(&mut self, text: &str) -> Vec<u32> {
        self.enc.encode_ordinary(text)
    }

    /// Number of tokens of `text`.
    pub fn count(&mut self, text: &str) -> usize {
        self.enc.encode_ordinary(text).len()
    }
}
