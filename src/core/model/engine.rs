//! The in-page model: a GGUF file of a llama-family model (llama: SmolLM2; qwen2: Qwen2.5) run by `candle`'s
//! quantized kernels, with the file's own tokenizer and chat template, and Ollama's sampling options.
//!
//! Pure Rust with no web types: the same code runs in the page's model worker and in the native tests that
//! compare its token ids with llama.cpp's on the same file.

use std::io::Cursor;

use candle_core::quantized::gguf_file::{Content, Value};
use candle_core::quantized::GgmlDType;
use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};
use candle_transformers::models::{quantized_llama, quantized_qwen2};

use super::json_guard::JsonGuard;
use super::json_schema::{Schema, SchemaGuard};
use super::template::{ChatTemplate, Message};
use super::tokenizer::{Tokenizer, Utf8Stream};

/// Why a model file cannot be used, each with what to do.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelError {
    NotGguf,
    Truncated { have: u64, need: u64 },
    Architecture(String),
    Quantization(Vec<String>),
    Damaged(String),
    Template(String),
    Run(String),
}

impl std::fmt::Display for ModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelError::NotGguf => f.write_str("This is not a GGUF model file (it does not start with 'GGUF'). Pick a .gguf file, e.g. SmolLM2-135M-Instruct-Q8_0.gguf."),
            ModelError::Truncated { have, need } => write!(f, "The model file is cut short: it has {have} bytes but its tensors need {need}. The download did not finish; fetch it again."),
            ModelError::Architecture(a) => write!(f, "The model's architecture '{a}' is not one the lab runs (llama, qwen2). Use SmolLM2 (llama) or Qwen2.5 (qwen2) instruct GGUF files."),
            ModelError::Quantization(t) => write!(f, "The model uses quantization types the lab cannot run: {}. Use a Q4_K_M or Q8_0 file.", t.join(", ")),
            ModelError::Damaged(m) => write!(f, "The model file is damaged or incomplete: {m}. Fetch it again."),
            ModelError::Template(m) => write!(f, "{m}"),
            ModelError::Run(m) => write!(f, "The model failed while running: {m}"),
        }
    }
}

impl std::error::Error for ModelError {}

fn run_err(e: candle_core::Error) -> ModelError {
    ModelError::Run(e.to_string())
}

/// What the connection panel shows about a loaded model.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ModelInfo {
    /// `general.name`, or the architecture when the file has none.
    pub name: String,
    pub arch: String,
    /// The file's quantization as llama.cpp names it ("Q4_K_M", "Q8_0" …), else its most common weight type.
    pub quant: String,
    pub params: u64,
    pub context_length: usize,
    pub vocab: usize,
    pub bytes: u64,
    pub has_template: bool,
}

enum Weights {
    Llama(quantized_llama::ModelWeights),
    Qwen2(quantized_qwen2::ModelWeights),
}

impl Weights {
    fn forward(&mut self, x: &Tensor, pos: usize) -> candle_core::Result<Tensor> {
        match self {
            Weights::Llama(m) => m.forward(x, pos),
            Weights::Qwen2(m) => m.forward(x, pos),
        }
    }
}

/// A loaded model.
pub struct Model {
    weights: Weights,
    pub tokenizer: Tokenizer,
    pub info: ModelInfo,
    template: Option<ChatTemplate>,
    bos_text: String,
    eos_text: String,
}

/// Ollama's generation options the lab sends (`options` of `/api/generate` and `/api/chat`), with
/// Ollama's defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct GenOptions {
    pub seed: u64,
    pub temperature: f64,
    pub top_k: usize,
    pub top_p: f64,
    pub repeat_penalty: f32,
    pub repeat_last_n: usize,
    /// Tokens to generate at most (`num_predict`; negative in Ollama means "until the end": here the
    /// context length).
    pub num_predict: Option<usize>,
    pub stop: Vec<String>,
    /// Constrain the answer to one JSON object (`format: "json"`, or a schema outside
    /// [`Schema`]'s subset; see [`JsonGuard`]).
    pub json: bool,
    /// Constrain the answer to this schema (`format: {…}`; see [`SchemaGuard`]); it wins over `json`.
    pub schema: Option<Schema>,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            seed: 0,
            temperature: 0.8,
            top_k: 40,
            top_p: 0.9,
            repeat_penalty: 1.1,
            repeat_last_n: 64,
            num_predict: None,
            stop: Vec::new(),
            json: false,
            schema: None,
        }
    }
}

/// What constrains an answer: one JSON object, or a schema's layout and types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Guard {
    Json(JsonGuard),
    Schema(SchemaGuard),
}

impl Guard {
    fn done(&self) -> bool {
        match self {
            Guard::Json(g) => g.done(),
            Guard::Schema(g) => g.done(),
        }
    }

    /// The state after `bytes` (`schema` is the one a `Schema` guard follows), `None` if they cannot
    /// continue the answer.
    fn after(self, schema: Option<&Schema>, bytes: &[u8]) -> Option<Guard> {
        match (self, schema) {
            (Guard::Json(g), _) => g.after(bytes).map(Guard::Json),
            (Guard::Schema(g), Some(s)) => g.after(s, bytes).map(Guard::Schema),
            (Guard::Schema(_), None) => None,
        }
    }
}

/// Why generation ended, as Ollama's `done_reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DoneReason {
    /// An end-of-turn token or a stop sequence.
    Stop,
    /// `num_predict` or the context length reached.
    Length,
    /// The caller asked to stop (Cancel).
    Cancelled,
}

/// Counts and times of one generation (times on the caller's clock, in ms).
#[derive(Clone, Debug, PartialEq)]
pub struct GenStats {
    pub prompt_tokens: usize,
    pub generated: Vec<u32>,
    pub done: DoneReason,
    /// Reading the prompt (the first forward pass and the first sample).
    pub prompt_ms: f64,
    /// Generating the rest.
    pub eval_ms: f64,
}

fn meta<'a>(ct: &'a Content, key: &str) -> Option<&'a Value> {
    ct.metadata.get(key)
}

fn meta_str(ct: &Content, key: &str) -> Option<String> {
    meta(ct, key).and_then(|v| v.to_string().ok().cloned())
}

fn meta_u32(ct: &Content, key: &str) -> Option<u32> {
    meta(ct, key).and_then(|v| {
        v.to_u32()
            .ok()
            .or_else(|| v.to_i32().ok().map(|x| x as u32))
    })
}

/// llama.cpp's names of `general.file_type` (the quantization a file was made with, as Ollama shows it).
fn file_type_name(t: u32) -> Option<&'static str> {
    Some(match t {
        0 => "F32",
        1 => "F16",
        2 => "Q4_0",
        3 => "Q4_1",
        7 => "Q8_0",
        8 => "Q5_0",
        9 => "Q5_1",
        10 => "Q2_K",
        11 => "Q3_K_S",
        12 => "Q3_K_M",
        13 => "Q3_K_L",
        14 => "Q4_K_S",
        15 => "Q4_K_M",
        16 => "Q5_K_S",
        17 => "Q5_K_M",
        18 => "Q6_K",
        32 => "BF16",
        _ => return None,
    })
}

fn dtype_supported(t: GgmlDType) -> bool {
    use GgmlDType::*;
    matches!(
        t,
        F32 | F16 | BF16 | Q4_0 | Q4_1 | Q5_0 | Q5_1 | Q8_0 | Q2K | Q3K | Q4K | Q5K | Q6K | Q8K
    )
}

fn dtype_name(t: GgmlDType) -> String {
    format!("{t:?}").replace('K', "_K").replace("__", "_")
}

/// Reads the header and checks everything that can be checked before loading: magic, architecture,
/// weight types and that the file is complete.
pub fn inspect(bytes: &[u8]) -> Result<Content, ModelError> {
    if bytes.len() < 8 || &bytes[..4] != b"GGUF" {
        return Err(ModelError::NotGguf);
    }
    let mut r = Cursor::new(bytes);
    let ct = Content::read(&mut r).map_err(|e| {
        let m = e.to_string();
        if m.contains("unknown dtype") {
            ModelError::Quantization(vec![m])
        } else {
            ModelError::Damaged(m)
        }
    })?;
    let arch = meta_str(&ct, "general.architecture").unwrap_or_default();
    if arch != "llama" && arch != "qwen2" {
        return Err(ModelError::Architecture(if arch.is_empty() {
            "(none given)".into()
        } else {
            arch
        }));
    }
    let mut bad: Vec<String> = ct
        .tensor_infos
        .values()
        .filter(|t| !dtype_supported(t.ggml_dtype))
        .map(|t| dtype_name(t.ggml_dtype))
        .collect();
    bad.sort();
    bad.dedup();
    if !bad.is_empty() {
        return Err(ModelError::Quantization(bad));
    }
    let mut need = 0u64;
    for (name, t) in &ct.tensor_infos {
        // Dimensions are the file's word: multiplied with overflow checks before anything trusts them.
        let end = t
            .shape
            .dims()
            .iter()
            .try_fold(1u64, |a, &d| a.checked_mul(d as u64))
            // An empty tensor is damage, and candle would read it through a dangling pointer (an
            // unaligned `from_raw_parts`: found by fuzzing with debug assertions on).
            .filter(|&n| n > 0)
            .and_then(|n| {
                (n / t.ggml_dtype.block_size() as u64).checked_mul(t.ggml_dtype.type_size() as u64)
            })
            .and_then(|size| {
                ct.tensor_data_offset
                    .checked_add(t.offset)?
                    .checked_add(size)
            })
            .ok_or_else(|| {
                ModelError::Damaged(format!(
                    "tensor {name} has impossible dimensions {:?}",
                    t.shape.dims()
                ))
            })?;
        need = need.max(end);
    }
    check_hparams(&ct, &arch)?;
    if need > bytes.len() as u64 {
        return Err(ModelError::Truncated {
            have: bytes.len() as u64,
            need,
        });
    }
    Ok(ct)
}

/// The hyperparameters candle's loaders take on trust, checked against the tensors first: a damaged or
/// hostile header must give a message, not a division by zero (`head_count` 0) or a reservation of
/// gigabytes (`block_count`, `expert_count`, `context_length` from the header) that kills the tab — all
/// found by fuzzing the loader.
fn check_hparams(ct: &Content, arch: &str) -> Result<(), ModelError> {
    let get = |k: &str| meta(ct, &format!("{arch}.{k}")).and_then(|v| v.to_u32().ok());
    let bad = |m: String| Err(ModelError::Damaged(m));
    let in_file = (0..)
        .take_while(|i| {
            ct.tensor_infos
                .contains_key(&format!("blk.{i}.attn_q.weight"))
        })
        .count();
    let blocks = get("block_count").unwrap_or(0) as usize;
    if blocks == 0 || blocks > in_file {
        return bad(format!(
            "its header says {blocks} layers ({arch}.block_count), but it has tensors for {in_file}"
        ));
    }
    let (heads, kv, width) = (
        get("attention.head_count").unwrap_or(0),
        get("attention.head_count_kv").unwrap_or(0),
        get("embedding_length").unwrap_or(0),
    );
    if heads == 0 || kv == 0 || width == 0 || width % heads != 0 || heads % kv != 0 {
        return bad(format!(
            "its attention shape does not fit together (embedding_length {width}, head_count {heads}, head_count_kv {kv})"
        ));
    }
    // The rotary tables are sized from the header's width: it must be the embeddings' real width.
    let embedded = ct
        .tensor_infos
        .get("token_embd.weight")
        .and_then(|t| t.shape.dims().last().copied());
    if embedded != Some(width as usize) {
        return bad(format!(
            "its header says the embeddings are {width} wide ({arch}.embedding_length), but token_embd.weight is {}",
            embedded.map_or("missing".to_string(), |d| format!("{d} wide"))
        ));
    }
    if arch == "llama" {
        let rope = get("rope.dimension_count").unwrap_or(0);
        if rope == 0 || rope % 2 != 0 || rope > width / heads {
            return bad(format!(
                "its rotary dimension (llama.rope.dimension_count {rope}) does not fit a head of {}",
                width / heads
            ));
        }
        if let Some(n) = meta(ct, "llama.expert_count").and_then(|v| v.to_u32().ok()) {
            if n > 1 {
                return Err(ModelError::Architecture(format!(
                    "llama with {n} experts (mixture of experts)"
                )));
            }
        }
    }
    if arch == "qwen2" {
        // candle's qwen2 precomputes its rotary tables for every position the header allows.
        let ctx = get("context_length").unwrap_or(0);
        if ctx == 0 || ctx > MAX_QWEN2_CONTEXT {
            return bad(format!(
                "its context length (qwen2.context_length {ctx}) is outside 1–{MAX_QWEN2_CONTEXT}"
            ));
        }
    }
    Ok(())
}

/// The longest context a qwen2 file may declare: Qwen2.5's own is 32,768 (its rotary tables then take
/// 8 MB for Qwen2.5-0.5B); four times that still fits a tab.
const MAX_QWEN2_CONTEXT: u32 = 131_072;

fn tokenizer_of(ct: &Content) -> Result<Tokenizer, ModelError> {
    let model = meta_str(ct, "tokenizer.ggml.model").unwrap_or_default();
    if model != "gpt2" {
        return Err(ModelError::Architecture(format!(
            "tokenizer '{model}' (the lab runs byte-level BPE models: tokenizer.ggml.model = gpt2)"
        )));
    }
    let strings = |key: &str| -> Vec<String> {
        meta(ct, key)
            .and_then(|v| v.to_vec().ok())
            .map(|v| {
                v.iter()
                    .filter_map(|x| x.to_string().ok().cloned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let tokens = strings("tokenizer.ggml.tokens");
    let merges = strings("tokenizer.ggml.merges");
    let types: Vec<i32> = meta(ct, "tokenizer.ggml.token_type")
        .and_then(|v| v.to_vec().ok())
        .map(|v| v.iter().filter_map(|x| x.to_i32().ok()).collect())
        .unwrap_or_default();
    let pre = meta_str(ct, "tokenizer.ggml.pre").unwrap_or_else(|| "gpt-2".into());
    let mut t = Tokenizer::new(&pre, &tokens, &types, &merges)
        .map_err(|e| ModelError::Damaged(e.to_string()))?;
    t.bos = meta_u32(ct, "tokenizer.ggml.bos_token_id");
    t.eos = meta_u32(ct, "tokenizer.ggml.eos_token_id");
    t.add_bos = meta(ct, "tokenizer.ggml.add_bos_token")
        .and_then(|v| v.to_bool().ok())
        .unwrap_or(false);
    Ok(t)
}

impl Model {
    /// Loads a model from the whole file.
    pub fn load(bytes: &[u8]) -> Result<Model, ModelError> {
        let ct = inspect(bytes)?;
        let tokenizer = tokenizer_of(&ct)?;
        let arch = meta_str(&ct, "general.architecture").unwrap_or_default();
        let name = meta_str(&ct, "general.name").unwrap_or_else(|| arch.clone());
        let template = match meta_str(&ct, "tokenizer.chat_template") {
            Some(src) => Some(ChatTemplate::new(&src).map_err(ModelError::Template)?),
            None => None,
        };
        let mut counts: std::collections::HashMap<String, u64> = Default::default();
        let mut params = 0u64;
        for t in ct.tensor_infos.values() {
            let n = t.shape.elem_count() as u64;
            params += n;
            if t.shape.dims().len() == 2 {
                *counts.entry(dtype_name(t.ggml_dtype)).or_default() += n;
            }
        }
        let quant = meta_u32(&ct, "general.file_type")
            .and_then(file_type_name)
            .map(String::from)
            .or_else(|| counts.into_iter().max_by_key(|(_, n)| *n).map(|(k, _)| k))
            .unwrap_or_default();
        let mut context_length =
            meta_u32(&ct, &format!("{arch}.context_length")).unwrap_or(2048) as usize;
        if arch == "llama" {
            // candle's llama precomputes its rotary tables for this many positions.
            context_length = context_length.min(quantized_llama::MAX_SEQ_LEN);
        }
        let text = |id: Option<u32>| {
            id.map(|i| String::from_utf8_lossy(tokenizer_text(&tokenizer, i)).into_owned())
                .unwrap_or_default()
        };
        let (bos_text, eos_text) = (text(tokenizer.bos), text(tokenizer.eos));
        let info = ModelInfo {
            name,
            arch: arch.clone(),
            quant,
            params,
            context_length,
            vocab: tokenizer.n_vocab(),
            bytes: bytes.len() as u64,
            has_template: template.is_some(),
        };
        // Q5_0 (most of a small model's Q4_K_M file) runs as the same weights in Q8_0's SIMD kernel.
        let mut ct = ct;
        let widened =
            crate::core::model::widen::widen_q5_0(&mut ct, bytes).map_err(ModelError::Damaged)?;
        let mut r = Cursor::new(widened.as_deref().unwrap_or(bytes));
        let dev = Device::Cpu;
        let weights = match arch.as_str() {
            "llama" => Weights::Llama(
                quantized_llama::ModelWeights::from_gguf(ct, &mut r, &dev)
                    .map_err(|e| ModelError::Damaged(e.to_string()))?,
            ),
            _ => Weights::Qwen2(
                quantized_qwen2::ModelWeights::from_gguf(ct, &mut r, &dev)
                    .map_err(|e| ModelError::Damaged(e.to_string()))?,
            ),
        };
        Ok(Model {
            weights,
            tokenizer,
            info,
            template,
            bos_text,
            eos_text,
        })
    }

    /// The chat prompt for `messages`, ready for the assistant's turn (the file's template; ChatML when
    /// the file has none, as Ollama falls back to a plain template).
    pub fn chat_prompt(&self, messages: &[Message]) -> Result<String, ModelError> {
        match &self.template {
            Some(t) => t
                .render(messages, true, &self.bos_text, &self.eos_text)
                .map_err(ModelError::Template),
            None => {
                let mut s = String::new();
                for m in messages {
                    s.push_str(&format!(
                        "<|im_start|>{}\n{}<|im_end|>\n",
                        m.role, m.content
                    ));
                }
                s.push_str("<|im_start|>assistant\n");
                Ok(s)
            }
        }
    }

    /// Token ids of a prompt: special tokens written in it are tokens, and BOS is added if the model asks.
    pub fn encode_prompt(&self, prompt: &str) -> Vec<u32> {
        self.tokenizer.encode(prompt, true)
    }

    /// The logits of the token after `prompt` (a fresh run; for tests and for showing a distribution).
    pub fn next_logits(&mut self, prompt: &[u32]) -> Result<Vec<f32>, ModelError> {
        match &mut self.weights {
            Weights::Llama(m) => m.clear_kv_cache(),
            Weights::Qwen2(m) => m.clear_kv_cache(),
        }
        let x = Tensor::new(prompt, &Device::Cpu)
            .map_err(run_err)?
            .unsqueeze(0)
            .map_err(run_err)?;
        let l = self.weights.forward(&x, 0).map_err(run_err)?;
        l.squeeze(0)
            .and_then(|l| l.to_dtype(candle_core::DType::F32))
            .and_then(|l| l.to_vec1::<f32>())
            .map_err(run_err)
    }

    /// Starts generating after `prompt` (see [`Generation::step`]); `now` is the caller's clock in ms.
    pub fn start(
        &mut self,
        prompt: &[u32],
        opts: &GenOptions,
        now: f64,
    ) -> Result<Generation, ModelError> {
        if prompt.is_empty() {
            return Err(ModelError::Run("the prompt is empty".into()));
        }
        let ctx = self.info.context_length;
        if prompt.len() >= ctx {
            return Err(ModelError::Run(format!(
                "the prompt has {} tokens, the model's context holds {ctx}; shorten it",
                prompt.len()
            )));
        }
        match &mut self.weights {
            Weights::Llama(m) => m.clear_kv_cache(),
            Weights::Qwen2(m) => m.clear_kv_cache(),
        }
        let sampling = if opts.temperature <= 0.0 {
            Sampling::ArgMax
        } else {
            Sampling::TopKThenTopP {
                k: opts.top_k.max(1),
                p: opts.top_p,
                temperature: opts.temperature,
            }
        };
        Ok(Generation {
            budget: opts
                .num_predict
                .unwrap_or(usize::MAX)
                .min(ctx - prompt.len()),
            sampler: LogitsProcessor::from_sampling(opts.seed, sampling),
            guard: match (&opts.schema, opts.json) {
                (Some(_), _) => Some(Guard::Schema(SchemaGuard::default())),
                (None, true) => Some(Guard::Json(JsonGuard::default())),
                (None, false) => None,
            },
            opts: opts.clone(),
            prompt_len: prompt.len(),
            all: prompt.to_vec(),
            generated: Vec::new(),
            utf8: Utf8Stream::default(),
            held: String::new(),
            pos: 0,
            start: now,
            prompt_done: None,
            finished: None,
        })
    }

    /// Generates after `prompt` to the end, calling `on_text` with each piece of text as it is complete;
    /// `on_text` returns false to stop. (The worker steps a [`Generation`] itself, so Cancel is heard
    /// between tokens.)
    pub fn generate(
        &mut self,
        prompt: &[u32],
        opts: &GenOptions,
        clock: &dyn Fn() -> f64,
        mut on_text: impl FnMut(&str) -> bool,
    ) -> Result<GenStats, ModelError> {
        let mut g = self.start(prompt, opts, clock())?;
        loop {
            match g.step(self, clock)? {
                Step::Text(t) => {
                    if !t.is_empty() && !on_text(&t) {
                        return Ok(g.cancel(clock()));
                    }
                }
                Step::Done(stats) => return Ok(stats),
            }
        }
    }
}

/// What one step of a generation gave.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Text that is now final (often one token's, empty while a character or a possible stop sequence
    /// is incomplete).
    Text(String),
    /// The end, with the counts; any text still held back came in the last `Text`.
    Done(GenStats),
}

/// A generation in progress: one token per [`Generation::step`], so the caller can stop between any two.
pub struct Generation {
    opts: GenOptions,
    budget: usize,
    sampler: LogitsProcessor,
    guard: Option<Guard>,
    prompt_len: usize,
    /// Prompt and answer so far (the repeat penalty looks back over both).
    all: Vec<u32>,
    generated: Vec<u32>,
    utf8: Utf8Stream,
    /// Text not yet given out: it may still turn into a stop sequence.
    held: String,
    pos: usize,
    start: f64,
    prompt_done: Option<f64>,
    finished: Option<GenStats>,
}

impl Generation {
    fn stats(&self, done: DoneReason, now: f64) -> GenStats {
        let split = self.prompt_done.unwrap_or(now);
        GenStats {
            prompt_tokens: self.prompt_len,
            generated: self.generated.clone(),
            done,
            prompt_ms: split - self.start,
            eval_ms: now - split,
        }
    }

    /// Stops here (Cancel): the counts so far.
    pub fn cancel(self, now: f64) -> GenStats {
        self.stats(DoneReason::Cancelled, now)
    }

    /// Tokens generated so far.
    pub fn generated(&self) -> usize {
        self.generated.len()
    }

    /// Runs the model once (the whole prompt on the first step) and samples one token. `clock` is read
    /// after the model ran, so the prompt's time ends when its forward pass does (Ollama's
    /// `prompt_eval_duration`) and the rest is generation (`eval_duration`).
    pub fn step(&mut self, model: &mut Model, clock: &dyn Fn() -> f64) -> Result<Step, ModelError> {
        if let Some(s) = self.finished.take() {
            return Ok(Step::Done(s));
        }
        if self.generated.len() >= self.budget {
            return Ok(self.finish(DoneReason::Length, clock()));
        }
        let dev = Device::Cpu;
        let input: &[u32] = if self.pos == 0 {
            &self.all
        } else {
            std::slice::from_ref(self.all.last().expect("a token"))
        };
        let n_in = input.len();
        let x = Tensor::new(input, &dev)
            .map_err(run_err)?
            .unsqueeze(0)
            .map_err(run_err)?;
        let logits = model.weights.forward(&x, self.pos).map_err(run_err)?;
        let logits = logits.squeeze(0).map_err(run_err)?;
        let logits = if self.opts.repeat_penalty != 1.0 && self.opts.repeat_last_n > 0 {
            let from = self.all.len().saturating_sub(self.opts.repeat_last_n);
            candle_transformers::utils::apply_repeat_penalty(
                &logits,
                self.opts.repeat_penalty,
                &self.all[from..],
            )
            .map_err(run_err)?
        } else {
            logits
        };
        let logits = match self.guard {
            Some(g) => model
                .constrain(&logits, g, self.opts.schema.as_ref())
                .map_err(run_err)?,
            None => logits,
        };
        let next = self.sampler.sample(&logits).map_err(run_err)?;
        let now = clock();
        self.pos += n_in;
        if self.prompt_done.is_none() {
            self.prompt_done = Some(now);
        }
        if model.tokenizer.is_eog(next) {
            return Ok(self.finish(DoneReason::Stop, now));
        }
        if let Some(g) = self.guard {
            self.guard = g.after(self.opts.schema.as_ref(), model.tokenizer.token_bytes(next));
        }
        self.generated.push(next);
        self.all.push(next);
        let piece = self.utf8.push(model.tokenizer.token_bytes(next));
        self.held.push_str(&piece);
        if let Some(at) = self
            .opts
            .stop
            .iter()
            .filter_map(|s| self.held.find(s.as_str()))
            .min()
        {
            // A stop sequence: the text before it is the last; the sequence and the rest are never shown.
            self.held.truncate(at);
            let text = std::mem::take(&mut self.held);
            self.finished = Some(self.stats(DoneReason::Stop, now));
            return Ok(Step::Text(text));
        }
        let keep = self
            .opts
            .stop
            .iter()
            .map(|s| longest_prefix_suffix(&self.held, s))
            .max()
            .unwrap_or(0);
        let cut = self.held.len() - keep;
        Ok(Step::Text(self.held.drain(..cut).collect()))
    }

    /// Ends with `done`: whatever text was held back comes out first.
    fn finish(&mut self, done: DoneReason, now: f64) -> Step {
        let mut rest = std::mem::take(&mut self.held);
        rest.push_str(&self.utf8.finish());
        let stats = self.stats(done, now);
        if rest.is_empty() {
            Step::Done(stats)
        } else {
            self.finished = Some(stats);
            Step::Text(rest)
        }
    }
}

fn tokenizer_text(t: &Tokenizer, id: u32) -> &[u8] {
    t.raw_bytes(id)
}

impl Model {
    /// `logits` with every token that cannot continue the JSON answer at `g` masked out; once the object
    /// is complete, only an end-of-turn token is left.
    fn constrain(
        &self,
        logits: &Tensor,
        g: Guard,
        schema: Option<&Schema>,
    ) -> candle_core::Result<Tensor> {
        let mut v = logits.to_dtype(candle_core::DType::F32)?.to_vec1::<f32>()?;
        let end = self.tokenizer.eos.filter(|&e| (e as usize) < v.len());
        for (id, x) in v.iter_mut().enumerate() {
            let id = id as u32;
            let ok = if g.done() {
                Some(id) == end || (end.is_none() && self.tokenizer.is_eog(id))
            } else {
                let bytes = self.tokenizer.token_bytes(id);
                !bytes.is_empty() && g.after(schema, bytes).is_some()
            };
            if !ok {
                *x = f32::NEG_INFINITY;
            }
        }
        Tensor::new(v, logits.device())
    }
}

/// Length of the longest suffix of `text` that is a proper prefix of `stop` (on character boundaries).
fn longest_prefix_suffix(text: &str, stop: &str) -> usize {
    let max = text.len().min(stop.len().saturating_sub(1));
    (1..=max)
        .rev()
        .find(|&n| {
            text.is_char_boundary(text.len() - n)
                && stop
                    .as_bytes()
                    .starts_with(&text.as_bytes()[text.len() - n..])
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_prefixes_are_held_back() {
        assert_eq!(longest_prefix_suffix("abc<|im", "<|im_end|>"), 4);
        assert_eq!(longest_prefix_suffix("abc", "<|im_end|>"), 0);
        assert_eq!(longest_prefix_suffix("ab\n", "\n\n"), 1);
    }

    #[test]
    fn files_that_are_not_models_are_named() {
        assert_eq!(
            inspect(b"PK\x03\x04 a zip").unwrap_err(),
            ModelError::NotGguf
        );
        assert_eq!(inspect(b"").unwrap_err(), ModelError::NotGguf);
        let e = inspect(b"GGUF\x03\x00\x00\x00").unwrap_err();
        assert!(matches!(e, ModelError::Damaged(_)), "{e:?}");
    }
}
