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

/// Times the extension lab's corpus work inside the page, for `scripts/bench.sh`: one plain GPT-2 pass
/// over the corpus, the before/after impact measurement, and candidate mining — each with fresh encoders
/// (cold caches). Returns a JSON string of milliseconds and counts.
#[wasm_bindgen(js_name = benchExtension)]
pub fn bench_extension(
    rank_file: &[u8],
    terms: &str,
    merges: bool,
    corpus: &str,
) -> Result<String, JsError> {
    use crate::core::tokenize::extend::{
        corpus::parse_corpus, impact, mining, parse_terms, version, Mode,
    };
    use crate::web::tick::now_ms;
    let spec = EncodingSpec::by_name("gpt2").expect("gpt2");
    let fresh = || spec.build(rank_file).map_err(|e| JsError::new(&e));
    let parsed = parse_corpus(corpus);
    let texts = parsed.texts();
    let mode = if merges {
        Mode::ReachableMerges
    } else {
        Mode::AddedTokens
    };

    let mut base = fresh()?;
    let t0 = now_ms();
    let plain: usize = texts.iter().map(|t| base.encode_ordinary(t).len()).sum();
    let plain_ms = now_ms() - t0;

    let mut base = fresh()?;
    let v = version::build(
        "gpt2",
        "bench",
        &base,
        mode,
        &parse_terms(terms),
        None,
        "",
        "",
    )
    .version;
    let mut ext = v.encoder(&base).map_err(|e| JsError::new(&e.to_string()))?;
    let t0 = now_ms();
    let imp = impact::measure(&v, &mut base, &mut ext, &texts, false);
    let impact_ms = now_ms() - t0;

    let mut base = fresh()?;
    let t0 = now_ms();
    let mined = mining::mine(&mut base, &texts, &mining::MiningOptions::default());
    let mine_ms = now_ms() - t0;

    Ok(serde_json::json!({
        "records": texts.len(),
        "plain_tokens": plain,
        "plain_ms": plain_ms,
        "before": imp.total_before,
        "after": imp.total_after,
        "impact_ms": impact_ms,
        "mine_ms": mine_ms,
        "candidates": mined.candidates.len(),
        "top": mined.candidates.first().map(|c| c.term.clone()),
    })
    .to_string())
}
