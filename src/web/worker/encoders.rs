//! Worker side: the base encodings a worker has built, kept for its later jobs. A rank file arrives with
//! the first job that needs it (attachment `ranks`) and is parsed once per worker.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::Uint8Array;
use wasm_bindgen::JsValue;

use crate::core::tokenize::encodings::EncodingSpec;
use crate::core::tokenize::ranks::sha256_hex;
use crate::core::tokenize::Encoder;

/// A base encoding built in this worker.
pub struct Base {
    pub encoder: Encoder,
    /// The longest token, in bytes (the gates' token-length check needs it).
    pub max_token_bytes: usize,
    /// SHA-256 of its rank file (extension versions name the file they were made from).
    pub sha256: String,
}

thread_local! {
    static BASES: RefCell<HashMap<String, Base>> = RefCell::new(HashMap::new());
}

/// Runs `f` with encoding `name`, building it from `ranks` (the rank file's bytes) the first time.
pub fn with<R>(name: &str, ranks: &JsValue, f: impl FnOnce(&mut Base) -> R) -> Result<R, String> {
    if !BASES.with(|m| m.borrow().contains_key(name)) {
        let spec =
            EncodingSpec::by_name(name).ok_or_else(|| format!("Unknown encoding {name}."))?;
        if ranks.is_undefined() || ranks.is_null() {
            return Err(format!("The rank file of {name} did not reach the worker."));
        }
        let bytes = Uint8Array::new(ranks).to_vec();
        let encoder = spec.build(&bytes)?;
        let max_token_bytes = (0..encoder.n_vocab() as u32)
            .filter_map(|id| encoder.token_bytes(id).map(<[u8]>::len))
            .max()
            .unwrap_or(1);
        let base = Base {
            encoder,
            max_token_bytes,
            sha256: sha256_hex(&bytes),
        };
        BASES.with(|m| m.borrow_mut().insert(name.to_string(), base));
    }
    BASES.with(|m| {
        let mut m = m.borrow_mut();
        Ok(f(m.get_mut(name).expect("built above")))
    })
}
