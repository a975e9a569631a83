//! Magpie: drafting instructions by letting a chat model write the *user's* turn (LAB-01).
//!
//! A chat model has learned what users ask. Send it only the opening of a user turn — the "pre-query
//! template", e.g. Llama 3's `<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n` — with no
//! question after it, and it completes the turn with a plausible question. Asking the same model to answer
//! that question gives an (instruction, output) pair with no seed data at all. The Magpie paper generated
//! 4M pairs this way and kept 300K after filtering, which is why this module rejects bad samples early and
//! records everything about each row.
//!
//! The recipe, as the lab sends it to Ollama:
//! 1. `POST /api/generate` with `raw: true` (no chat template added by Ollama), the pre-query template as
//!    `prompt`, the family's stop tokens and `options.seed = base_seed + i`;
//! 2. [`extract_instruction`] keeps the first non-empty line of the reply, or rejects it with a reason;
//! 3. `POST /api/chat` with that instruction as a plain user message gives the response.
//!
//! Everything here is data: the web layer sends the requests and hands back the text and timings.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::core::dataset::record::{Provenance, Record};

/// The chat-template families the lab knows a pre-query template for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Llama 3, 3.1, 3.2, 3.3 — the family Magpie was designed and validated on.
    Llama3,
    /// ChatML (`<|im_start|>`), used by Qwen 2/2.5/3 and SmolLM.
    ChatMl,
    /// Phi-3 and Phi-3.5.
    Phi3,
    /// Gemma 1, 2 and 3.
    Gemma,
    /// Mistral/Mixtral and Llama 2 (`[INST]`).
    Mistral,
    /// A template the student wrote for a model the lab does not recognise.
    Custom,
}

impl Family {
    pub const ALL: [Family; 6] = [
        Family::Llama3,
        Family::ChatMl,
        Family::Phi3,
        Family::Gemma,
        Family::Mistral,
        Family::Custom,
    ];

    /// The name the template picker shows.
    pub fn label(self) -> &'static str {
        match self {
            Family::Llama3 => "Llama 3",
            Family::ChatMl => "Qwen 2 / ChatML",
            Family::Phi3 => "Phi-3",
            Family::Gemma => "Gemma",
            Family::Mistral => "Mistral / Llama 2 ([INST])",
            Family::Custom => "Custom",
        }
    }

    /// Whether Magpie has been shown to work with this family. Only Llama 3 has: the paper's results are
    /// on Llama 3 models, and other families often answer an imaginary question, start an assistant turn
    /// or stop at once when given an empty user turn.
    pub fn magpie_validated(self) -> bool {
        self == Family::Llama3
    }
}

/// A pre-query template: the text sent as the raw prompt, and the strings that end the user's turn.
///
/// All fields are editable in the lab and shown exactly as sent, because a wrong template (one newline
/// missing, a different header token) is the most common reason Magpie produces garbage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub family: Family,
    /// The opening of a user turn, sent as `prompt` with `raw: true`.
    pub pre_query: String,
    /// Sent as `options.stop`: generation ends where the model would close the user's turn.
    pub stop: Vec<String>,
}

impl Template {
    /// The built-in template of a family (`Custom` starts empty, for the student to fill in).
    pub fn builtin(family: Family) -> Template {
        let (pre_query, stop): (&str, &[&str]) = match family {
            // The Magpie paper's template ends with the blank line that precedes a message body.
            Family::Llama3 => (
                "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n",
                &[
                    "<|eot_id|>",
                    "<|end_of_text|>",
                    "<|start_header_id|>",
                    "<|end_header_id|>",
                ],
            ),
            Family::ChatMl => ("<|im_start|>user\n", &["<|im_end|>", "<|im_start|>"]),
            Family::Phi3 => ("<|user|>\n", &["<|end|>", "<|endoftext|>"]),
            Family::Gemma => ("<start_of_turn>user\n", &["<end_of_turn>"]),
            Family::Mistral => ("[INST] ", &["[/INST]", "</s>"]),
            Family::Custom => ("", &[]),
        };
        Template {
            family,
            pre_query: pre_query.to_string(),
            stop: stop.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// A warning to show next to the Generate button, or `None` for a family Magpie is validated on.
    pub fn warning(&self) -> Option<String> {
        if self.family.magpie_validated() {
            return None;
        }
        Some(format!(
            "Magpie was validated on Llama 3 models. With the {} template the model may answer an \
             imaginary question, start an assistant turn or return nothing: generate a few rows and read \
             them before generating many.",
            self.family.label()
        ))
    }

    /// Checks an edited template: an empty pre-query would send an empty prompt, and an empty stop string
    /// would stop generation before it starts.
    pub fn validate(&self) -> Result<(), String> {
        if self.pre_query.trim().is_empty() {
            return Err(
                "pre_query: the template is empty; paste the opening of a user turn for this \
                        model (see the model's chat template in `ollama show --template <model>`)"
                    .to_string(),
            );
        }
        if let Some(i) = self.stop.iter().position(|s| s.is_empty()) {
            return Err(format!(
                "stop: stop string {} is empty; remove it or write the token that ends a user turn",
                i + 1
            ));
        }
        Ok(())
    }
}

/// Guesses the template of an Ollama model from its name (`llama3.2:1b`, `qwen2.5:0.5b`, …) and, when the
/// name says nothing, from the family Ollama reports in `/api/tags` (`details.family`).
///
/// The name is checked first because Ollama reports the family `llama` for Llama 2 *and* Llama 3, whose
/// templates differ. `None` means "unknown": the UI then offers the templates to choose from. The guess is
/// only a starting point — the template stays editable and [`Template::warning`] says when Magpie is
/// untested for the family.
pub fn template_for(model_name: &str, family_hint: Option<&str>) -> Option<Template> {
    family_from_name(model_name)
        .or_else(|| family_hint.and_then(family_from_hint))
        .map(Template::builtin)
}

fn family_from_name(model_name: &str) -> Option<Family> {
    // Drop a registry path (`hf.co/user/Model-GGUF`) but keep the tag, which can hold the family too.
    let name = model_name.rsplit('/').next().unwrap_or(model_name);
    let name: String = name
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect();
    let has = |needle: &str| name.contains(needle);
    if has("llama3") {
        Some(Family::Llama3)
    } else if has("qwen") || has("smollm") {
        Some(Family::ChatMl)
    } else if has("phi3") {
        Some(Family::Phi3)
    } else if has("gemma") {
        Some(Family::Gemma)
    } else if has("mistral") || has("mixtral") || has("llama2") {
        Some(Family::Mistral)
    } else {
        None
    }
}

fn family_from_hint(hint: &str) -> Option<Family> {
    let hint = hint.trim().to_lowercase();
    if hint == "llama" || hint.starts_with("llama3") {
        Some(Family::Llama3)
    } else if hint.starts_with("qwen") {
        Some(Family::ChatMl)
    } else if hint.starts_with("phi3") {
        Some(Family::Phi3)
    } else if hint.starts_with("gemma") {
        Some(Family::Gemma)
    } else if hint.starts_with("mistral") {
        Some(Family::Mistral)
    } else {
        None
    }
}

/// Largest number of rows one run may ask for: enough for a lesson, small enough for a laptop.
pub const MAX_COUNT: usize = 10_000;
/// Largest `num_predict` the lab accepts (tokens per call).
pub const MAX_NUM_PREDICT: u32 = 8192;
/// Default shortest instruction kept, in characters (the quality gates use the same bound).
pub const DEFAULT_MIN_INSTRUCTION_CHARS: usize = 8;

/// The knobs of a generation run, as the form shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationSettings {
    /// Rows to generate.
    pub count: usize,
    /// Sampling temperature; Magpie needs some randomness or every sample is the most likely question.
    pub temperature: f64,
    /// Nucleus sampling: only the most likely tokens whose probabilities add up to `top_p` are drawn from.
    pub top_p: f64,
    /// Most tokens per call (instruction and response each).
    pub num_predict: u32,
    /// Row `i` is sampled with seed `base_seed + i`.
    pub base_seed: u32,
    /// Instructions shorter than this (characters, after trimming) are rejected.
    #[serde(default = "default_min_chars")]
    pub min_instruction_chars: usize,
}

fn default_min_chars() -> usize {
    DEFAULT_MIN_INSTRUCTION_CHARS
}

impl Default for GenerationSettings {
    fn default() -> Self {
        GenerationSettings {
            count: 5,
            temperature: 1.0,
            top_p: 1.0,
            num_predict: 512,
            base_seed: 1,
            min_instruction_chars: DEFAULT_MIN_INSTRUCTION_CHARS,
        }
    }
}

/// One invalid setting: which field, and what to enter instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingError {
    /// The field's name as in [`GenerationSettings`].
    pub field: &'static str,
    pub message: String,
}

impl GenerationSettings {
    /// Every problem with the settings at once, so the form can mark all bad fields together.
    pub fn validate(&self) -> Result<(), Vec<SettingError>> {
        let mut errors = Vec::new();
        let mut bad =
            |field: &'static str, message: String| errors.push(SettingError { field, message });
        if self.count == 0 || self.count > MAX_COUNT {
            bad(
                "count",
                format!(
                    "count must be between 1 and {MAX_COUNT} rows (got {})",
                    self.count
                ),
            );
        }
        if !(0.0..=2.0).contains(&self.temperature) {
            bad(
                "temperature",
                format!(
                    "temperature must be between 0 and 2 (got {}); around 1 gives varied questions",
                    self.temperature
                ),
            );
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            bad(
                "top_p",
                format!(
                    "top_p must be above 0 and at most 1 (got {}); 1 switches it off",
                    self.top_p
                ),
            );
        }
        if self.num_predict == 0 || self.num_predict > MAX_NUM_PREDICT {
            bad(
                "num_predict",
                format!(
                    "num_predict must be between 1 and {MAX_NUM_PREDICT} tokens (got {})",
                    self.num_predict
                ),
            );
        }
        // Every row needs its own seed: base_seed + count - 1 must not wrap around.
        let last = self.base_seed as u64 + self.count.saturating_sub(1) as u64;
        if last > u32::MAX as u64 {
            bad(
                "base_seed",
                format!(
                    "base_seed + count - 1 must stay at most {} so every row gets its own seed; \
                     lower base_seed to at most {}",
                    u32::MAX,
                    u32::MAX as u64 - self.count.saturating_sub(1) as u64
                ),
            );
        }
        if self.min_instruction_chars == 0 {
            bad(
                "min_instruction_chars",
                "min_instruction_chars must be at least 1 (an empty instruction is never useful)"
                    .to_string(),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The seed of row `i`: `base_seed + i`.
    ///
    /// Why per row, and why in `options`: the book's notebook put `seed` at the *top level* of the request,
    /// where Ollama ignores it — it reads sampling parameters only from `options` — so every "seeded" run
    /// differed. Fixing that with one constant seed would be worse: Magpie's prompt is the same for every
    /// row, so the same seed would make every sample the same question. `base_seed + i` gives each row a
    /// different but reproducible sample. Wraps around past `u32::MAX`; [`Self::validate`] rejects runs
    /// long enough for that to happen.
    pub fn seed_for(&self, i: usize) -> u32 {
        self.base_seed.wrapping_add(i as u32)
    }

    /// `options` for row `i`'s instruction call (`/api/generate`, raw), with the template's stop strings.
    pub fn instruction_options(&self, i: usize, template: &Template) -> Value {
        let mut options = self.response_options(i);
        options["stop"] = json!(template.stop);
        options
    }

    /// `options` for row `i`'s response call (`/api/chat`): the same sampling and seed, no stop strings
    /// (the chat template Ollama applies ends the answer by itself).
    pub fn response_options(&self, i: usize) -> Value {
        json!({
            "seed": self.seed_for(i),
            "temperature": self.temperature,
            "top_p": self.top_p,
            "num_predict": self.num_predict,
        })
    }
}

/// Why a sampled instruction was not kept, in plain words for the run log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub reason: String,
}

fn reject(reason: impl Into<String>) -> Rejection {
    Rejection {
        reason: reason.into(),
    }
}

/// Special tokens of every known family: a model given the wrong template can leak another family's.
/// (`<s>` and `</s>` are left out: they are also HTML, and a question about HTML must not be cut there;
/// the Mistral template's own stop list still has `</s>`.)
const SPECIAL_TOKENS: &[&str] = &[
    "<|begin_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    "<|end_of_text|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|user|>",
    "<|assistant|>",
    "<|system|>",
    "<|end|>",
    "<|endoftext|>",
    "<start_of_turn>",
    "<end_of_turn>",
    "[INST]",
    "[/INST]",
];

/// How an answer usually starts. A sample that starts like this is the model answering, not asking —
/// typical when the template does not match the model.
const ANSWER_OPENINGS: &[&str] = &[
    "sure",
    "certainly",
    "of course",
    "here is",
    "here's",
    "here are",
    "i'm sorry",
    "i am sorry",
    "as an ai",
    "absolutely",
];

/// [`extract_instruction_min`] with the default minimum length ([`DEFAULT_MIN_INSTRUCTION_CHARS`]).
pub fn extract_instruction(raw: &str, template: &Template) -> Result<String, Rejection> {
    extract_instruction_min(raw, template, DEFAULT_MIN_INSTRUCTION_CHARS)
}

/// Turns the raw completion of a pre-query template into an instruction, or says why it cannot be one.
///
/// Steps, each for a reason:
/// 1. Special tokens at the start are dropped, and the text is cut at the first stop string or special
///    token after that: Ollama normally stops there, but a leaked token means the model went on into
///    another turn, which is not part of the question.
/// 2. The first non-empty line is kept, trimmed — the notebook's rule. Magpie questions are usually one
///    line; what follows is often the model starting to answer its own question.
/// 3. Rejected: nothing at all, only special tokens, fewer than `min_chars` characters (a fragment), or a
///    line that opens like an answer ("Sure, …", "Here is …").
pub fn extract_instruction_min(
    raw: &str,
    template: &Template,
    min_chars: usize,
) -> Result<String, Rejection> {
    if raw.trim().is_empty() {
        return Err(reject(
            "the model returned nothing; check that the template matches the model",
        ));
    }
    let specials: Vec<&str> = template
        .stop
        .iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .chain(SPECIAL_TOKENS.iter().copied())
        .collect();

    let mut text = raw.trim_start();
    while let Some(token) = specials.iter().find(|t| text.starts_with(**t)) {
        text = text[token.len()..].trim_start();
    }
    let cut = specials
        .iter()
        .filter_map(|t| text.find(t))
        .min()
        .unwrap_or(text.len());
    let text = &text[..cut];
    if text.trim().is_empty() {
        return Err(reject(
            "the model returned only special tokens; the template probably does not match the model",
        ));
    }

    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let chars = line.chars().count();
    if chars < min_chars {
        return Err(reject(format!(
            "the instruction \"{line}\" has {chars} characters; at least {min_chars} are needed for a task"
        )));
    }
    let lower = line.to_lowercase();
    if let Some(opening) = ANSWER_OPENINGS.iter().find(|o| starts_with_word(&lower, o)) {
        return Err(reject(format!(
            "the sample starts like an answer (\"{opening}…\"), not a question; the model answered instead \
             of asking — check the template"
        )));
    }
    Ok(line.to_string())
}

/// Whether `text` starts with `word` followed by a non-letter (so "sure" does not match "surely").
fn starts_with_word(text: &str, word: &str) -> bool {
    text.strip_prefix(word)
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric()))
}

/// Why an imported (instruction, output) row cannot be used, or `None` when it can.
///
/// The notebook's shipped file has a row `{"instruction": null, "output": ""}` that the book's later code
/// breaks on; this catches such rows on import, with a reason to show instead of a crash.
pub fn reject_row(instruction: Option<&str>, output: &str) -> Option<String> {
    match instruction {
        None => Some(
            "instruction is null (the generator produced nothing); drop the row or write an instruction"
                .to_string(),
        ),
        Some(i) if i.trim().is_empty() => {
            Some("instruction is empty; drop the row or write an instruction".to_string())
        }
        Some(_) if output.trim().is_empty() => {
            Some("output is empty; drop the row or generate a response for it".to_string())
        }
        Some(_) => None,
    }
}

/// Timing figures from the final line of an Ollama stream (`done: true`), all durations in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// `total_duration`: the whole call, including loading the model.
    pub total_ns: u64,
    /// `eval_duration`: time spent generating tokens.
    pub eval_ns: u64,
    /// `eval_count`: tokens generated.
    pub eval_count: u64,
    /// `eval_count / eval_duration × 1e9`; `None` when no time was reported.
    pub tokens_per_s: Option<f64>,
}

impl Timing {
    pub fn new(total_ns: u64, eval_ns: u64, eval_count: u64) -> Timing {
        let tokens_per_s = (eval_ns > 0).then(|| eval_count as f64 / eval_ns as f64 * 1e9);
        Timing {
            total_ns,
            eval_ns,
            eval_count,
            tokens_per_s,
        }
    }
}

/// How a row ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RowStatus {
    /// Instruction kept and answered: the row becomes a record.
    Ok,
    /// The sample was not a usable instruction (see [`Rejection`]); no response was asked for.
    Rejected { reason: String },
    /// A call failed (connection lost, model error); the reason is the error shown to the student.
    Failed { reason: String },
}

/// Everything one row of a run records, so any record can be traced back to the exact call that made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratedRow {
    /// 0-based position in the run (its seed is `base_seed + index`).
    pub index: usize,
    pub model: String,
    pub family: Family,
    /// The pre-query template exactly as sent.
    pub pre_query: String,
    /// `options` of the instruction call, as sent.
    pub instruction_options: Value,
    /// `options` of the response call, as sent (`null` when there was none).
    pub response_options: Value,
    pub seed: u32,
    /// The completion of the pre-query template, before extraction.
    pub instruction_raw: String,
    /// The extracted instruction (`""` when rejected).
    pub instruction: String,
    /// The model's answer to the instruction (`""` when none was asked for).
    pub response: String,
    pub instruction_timing: Option<Timing>,
    pub response_timing: Option<Timing>,
    /// Wall-clock start and end of the row, milliseconds since the Unix epoch (as `Date.now()`).
    pub started_ms: f64,
    pub finished_ms: f64,
    #[serde(flatten)]
    pub status: RowStatus,
}

impl GeneratedRow {
    /// Tokens per second of the response call, the figure the run table shows.
    pub fn tokens_per_s(&self) -> Option<f64> {
        self.response_timing.and_then(|t| t.tokens_per_s)
    }
}

/// The dataset record of a row: the instruction, no input (Magpie rows have none), the response as output,
/// and provenance `magpie:<model>` with every other recorded field as a JSON note.
pub fn to_record(row: &GeneratedRow) -> Record {
    let meta = json!({
        "index": row.index,
        "family": row.family,
        "pre_query": row.pre_query,
        "instruction_options": row.instruction_options,
        "response_options": row.response_options,
        "seed": row.seed,
        "instruction_raw": row.instruction_raw,
        "instruction_timing": row.instruction_timing,
        "response_timing": row.response_timing,
        "started_ms": row.started_ms,
        "finished_ms": row.finished_ms,
        "status": row.status,
    });
    Record {
        instruction: row.instruction.clone(),
        input: String::new(),
        output: row.response.clone(),
        provenance: Provenance::generated(&format!("magpie:{}", row.model), Some(meta.to_string())),
    }
}

/// A run in progress, saved after every row so a reload can resume where it stopped.
///
/// A row that was cancelled or interrupted mid-call is simply not in `rows`, so resuming samples it again
/// with the same seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    pub settings: GenerationSettings,
    pub model: String,
    pub template: Template,
    /// Finished rows (ok, rejected or failed), in index order.
    pub rows: Vec<GeneratedRow>,
}

impl RunState {
    pub fn new(settings: GenerationSettings, model: &str, template: Template) -> RunState {
        RunState {
            settings,
            model: model.to_string(),
            template,
            rows: Vec::new(),
        }
    }

    /// Index of the first row not yet finished.
    pub fn next_index(&self) -> usize {
        self.pending()
            .first()
            .copied()
            .unwrap_or(self.settings.count)
    }

    /// The rows still to generate, in order: with parallel requests rows finish out of order, so a
    /// cancelled run may have gaps, and a resumed run fills them.
    pub fn pending(&self) -> Vec<usize> {
        let mut done = self.rows.iter().map(|r| r.index).peekable();
        let mut out = Vec::new();
        for i in 0..self.settings.count {
            if done.peek() == Some(&i) {
                done.next();
            } else {
                out.push(i);
            }
        }
        out
    }

    /// Whether every requested row has finished.
    pub fn is_complete(&self) -> bool {
        self.pending().is_empty()
    }

    /// Adds a finished row at its place (rows are kept in index order whatever order they finish in). A
    /// row already present, or beyond the run, would mean two tabs run the same job, and silently
    /// keeping both would duplicate seeds.
    pub fn push(&mut self, row: GeneratedRow) -> Result<(), String> {
        if row.index >= self.settings.count {
            return Err(format!(
                "row {} arrived but the run has only {} rows; is the run open in another tab?",
                row.index, self.settings.count
            ));
        }
        match self.rows.binary_search_by_key(&row.index, |r| r.index) {
            Ok(_) => Err(format!(
                "row {} arrived twice; is the run open in another tab?",
                row.index
            )),
            Err(at) => {
                self.rows.insert(at, row);
                Ok(())
            }
        }
    }

    /// Rows that ended with each status: (ok, rejected, failed).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for row in &self.rows {
            match row.status {
                RowStatus::Ok => counts.0 += 1,
                RowStatus::Rejected { .. } => counts.1 += 1,
                RowStatus::Failed { .. } => counts.2 += 1,
            }
        }
        counts
    }

    /// The parameters of the run's dataset version: model, template, settings, how seeds were set, the
    /// counts, and every sample that was not kept with its reason and raw text.
    pub fn version_params(&self) -> Value {
        let (kept, rejected, failed) = self.counts();
        let not_kept: Vec<Value> = self
            .rows
            .iter()
            .filter_map(|r| match &r.status {
                RowStatus::Ok => None,
                RowStatus::Rejected { reason } | RowStatus::Failed { reason } => Some(json!({
                    "index": r.index, "seed": r.seed, "reason": reason, "raw": r.instruction_raw,
                })),
            })
            .collect();
        json!({
            "model": self.model,
            "template": self.template,
            "settings": self.settings,
            "seeds": format!("options.seed = {} + row index", self.settings.base_seed),
            "kept": kept, "rejected": rejected, "failed": failed,
            "not_kept": not_kept,
        })
    }

    /// The records of the rows that ended well — what becomes the run's dataset version.
    pub fn records(&self) -> Vec<Record> {
        self.rows
            .iter()
            .filter(|r| r.status == RowStatus::Ok)
            .map(to_record)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn llama() -> Template {
        Template::builtin(Family::Llama3)
    }

    fn row(index: usize, status: RowStatus) -> GeneratedRow {
        let settings = GenerationSettings::default();
        GeneratedRow {
            index,
            model: "llama3.2:1b".into(),
            family: Family::Llama3,
            pre_query: llama().pre_query,
            instruction_options: settings.instruction_options(index, &llama()),
            response_options: settings.response_options(index),
            seed: settings.seed_for(index),
            instruction_raw: "What is a llama?<|eot_id|>".into(),
            instruction: "What is a llama?".into(),
            response: "A South American camelid.".into(),
            instruction_timing: Some(Timing::new(2_000_000_000, 500_000_000, 10)),
            response_timing: Some(Timing::new(3_000_000_000, 1_000_000_000, 40)),
            started_ms: 1_700_000_000_000.0,
            finished_ms: 1_700_000_005_000.0,
            status,
        }
    }

    #[test]
    fn builtin_templates_match_the_model_families() {
        let t = llama();
        assert_eq!(
            t.pre_query,
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n"
        );
        assert_eq!(t.stop.len(), 4);
        assert_eq!(
            Template::builtin(Family::ChatMl).pre_query,
            "<|im_start|>user\n"
        );
        assert_eq!(
            Template::builtin(Family::Gemma).stop,
            vec!["<end_of_turn>".to_string()]
        );
        for family in Family::ALL {
            let t = Template::builtin(family);
            assert_eq!(t.validate().is_ok(), family != Family::Custom, "{family:?}");
        }
    }

    #[test]
    fn template_guessed_from_ollama_names() {
        let family = |name: &str, hint: Option<&str>| template_for(name, hint).map(|t| t.family);
        assert_eq!(family("llama3.2:1b", None), Some(Family::Llama3));
        assert_eq!(
            family("llama3.1:8b-instruct-q4_0", None),
            Some(Family::Llama3)
        );
        assert_eq!(family("Meta-Llama-3-8B", None), Some(Family::Llama3));
        assert_eq!(family("qwen2.5:0.5b", None), Some(Family::ChatMl));
        assert_eq!(family("phi3", None), Some(Family::Phi3));
        assert_eq!(family("phi3.5:latest", None), Some(Family::Phi3));
        assert_eq!(family("gemma2:2b", None), Some(Family::Gemma));
        assert_eq!(family("mistral", None), Some(Family::Mistral));
        assert_eq!(family("llama2:7b", Some("llama")), Some(Family::Mistral));
        // Unknown names fall back to the family Ollama reports, then to "unknown".
        assert_eq!(
            family("my-finetune:latest", Some("llama")),
            Some(Family::Llama3)
        );
        assert_eq!(
            family("my-finetune:latest", Some("qwen2")),
            Some(Family::ChatMl)
        );
        assert_eq!(family("my-finetune:latest", None), None);
        assert_eq!(family("tinyllama", Some("bert")), None);
    }

    #[test]
    fn only_llama3_has_no_warning() {
        assert!(llama().warning().is_none());
        let w = template_for("qwen2.5:0.5b", None)
            .unwrap()
            .warning()
            .unwrap();
        assert!(w.contains("Llama 3") && w.contains("Qwen"));
    }

    #[test]
    fn template_validation_names_the_field() {
        let mut t = llama();
        t.stop.push(String::new());
        assert!(t.validate().unwrap_err().starts_with("stop: stop string 5"));
        t.pre_query = "  ".into();
        assert!(t.validate().unwrap_err().starts_with("pre_query"));
    }

    #[test]
    fn settings_validation_names_every_bad_field() {
        assert!(GenerationSettings::default().validate().is_ok());
        let s = GenerationSettings {
            count: 0,
            temperature: f64::NAN,
            top_p: 0.0,
            num_predict: 0,
            base_seed: 0,
            min_instruction_chars: 0,
        };
        let fields: Vec<&str> = s.validate().unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "count",
                "temperature",
                "top_p",
                "num_predict",
                "min_instruction_chars"
            ]
        );
        let s = GenerationSettings {
            temperature: 2.5,
            ..Default::default()
        };
        let e = &s.validate().unwrap_err()[0];
        assert!(e.message.contains("between 0 and 2") && e.message.contains("2.5"));
    }

    #[test]
    fn seeds_are_distinct_and_in_options() {
        let s = GenerationSettings {
            base_seed: 40,
            count: 3,
            ..Default::default()
        };
        let seeds: Vec<u32> = (0..3).map(|i| s.seed_for(i)).collect();
        assert_eq!(seeds, [40, 41, 42]);
        let o = s.instruction_options(2, &llama());
        assert_eq!(o["seed"], 42);
        assert_eq!(o["stop"][0], "<|eot_id|>");
        assert_eq!(s.response_options(2)["seed"], 42);
        assert!(s.response_options(2).get("stop").is_none());
        // A run whose seeds would wrap around is refused.
        let s = GenerationSettings {
            base_seed: u32::MAX - 1,
            count: 3,
            ..Default::default()
        };
        let e = s.validate().unwrap_err();
        assert_eq!(e[0].field, "base_seed");
        assert!(e[0].message.contains(&(u32::MAX - 2).to_string()));
        assert_eq!(s.seed_for(2), 0);
    }

    #[test]
    fn extract_keeps_first_non_empty_line() {
        let t = llama();
        assert_eq!(
            extract_instruction("\n\n  How do tides work?  \nThey are caused by", &t).unwrap(),
            "How do tides work?"
        );
        assert_eq!(
            extract_instruction("Explain recursion to a child.<|eot_id|>", &t).unwrap(),
            "Explain recursion to a child."
        );
        // Leaked tokens at the start are dropped; a leaked next turn is cut off.
        assert_eq!(
            extract_instruction(
                "<|start_header_id|>\n\nName three prime numbers.<|eot_id|><|start_header_id|>assistant",
                &t
            )
            .unwrap(),
            "Name three prime numbers."
        );
        // Another family's tokens leak when the template is wrong.
        assert_eq!(
            extract_instruction(
                "Write a haiku about rain.<|im_end|>\n<|im_start|>assistant",
                &t
            )
            .unwrap(),
            "Write a haiku about rain."
        );
    }

    #[test]
    fn extract_rejects_with_reasons() {
        let t = llama();
        let reason = |raw: &str| extract_instruction(raw, &t).unwrap_err().reason;
        assert!(reason("").contains("returned nothing"));
        assert!(reason(" \n\t ").contains("returned nothing"));
        assert!(reason("<|eot_id|>").contains("only special tokens"));
        assert!(reason("<|end_header_id|>\n\n<|eot_id|>").contains("only special tokens"));
        assert!(reason("Hi?").contains("3 characters"));
        assert!(reason("Sure, here is a poem about cats").contains("answer"));
        assert!(reason("Here's how to bake bread").contains("answer"));
        // "Surely" is not "Sure".
        assert!(extract_instruction("Surely you can explain gravity?", &t).is_ok());
        assert!(extract_instruction_min("Hi there?", &t, 20).is_err());
    }

    #[test]
    fn reject_row_catches_the_notebooks_null_row() {
        assert!(reject_row(None, "").unwrap().contains("null"));
        assert!(reject_row(Some("  "), "x")
            .unwrap()
            .contains("instruction is empty"));
        assert!(reject_row(Some("Why?"), "")
            .unwrap()
            .contains("output is empty"));
        assert_eq!(
            reject_row(Some("Why is the sky blue?"), "Rayleigh scattering."),
            None
        );
        // The shipped row, read as JSON.
        let v: Value = serde_json::from_str(r#"{"instruction": null, "output": ""}"#).unwrap();
        assert!(reject_row(v["instruction"].as_str(), v["output"].as_str().unwrap()).is_some());
    }

    #[test]
    fn timing_gives_tokens_per_second() {
        let t = Timing::new(3_000_000_000, 2_000_000_000, 50);
        assert_eq!(t.tokens_per_s, Some(25.0));
        assert_eq!(Timing::new(0, 0, 0).tokens_per_s, None);
    }

    #[test]
    fn record_carries_provenance() {
        let r = to_record(&row(3, RowStatus::Ok));
        assert_eq!(r.instruction, "What is a llama?");
        assert_eq!(r.input, "");
        assert_eq!(r.output, "A South American camelid.");
        assert_eq!(r.provenance.source, "magpie:llama3.2:1b");
        let meta: Value = serde_json::from_str(r.provenance.note.as_deref().unwrap()).unwrap();
        assert_eq!(meta["seed"], 4);
        assert_eq!(meta["instruction_options"]["seed"], 4);
        assert_eq!(meta["family"], "llama3");
        assert_eq!(meta["status"]["status"], "ok");
        assert_eq!(meta["response_timing"]["tokens_per_s"], 40.0);
    }

    #[test]
    fn row_status_serialises_flat() {
        let r = row(
            0,
            RowStatus::Rejected {
                reason: "too short".into(),
            },
        );
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["status"], "rejected");
        assert_eq!(v["reason"], "too short");
        let back: GeneratedRow = serde_json::from_value(v).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn run_state_resumes_after_reload() {
        let settings = GenerationSettings {
            count: 3,
            ..Default::default()
        };
        let mut run = RunState::new(settings, "llama3.2:1b", llama());
        assert_eq!(run.next_index(), 0);
        run.push(row(0, RowStatus::Ok)).unwrap();
        run.push(row(
            1,
            RowStatus::Rejected {
                reason: "empty".into(),
            },
        ))
        .unwrap();
        assert!(run
            .push(row(5, RowStatus::Ok))
            .unwrap_err()
            .contains("only 3 rows"));
        assert!(run
            .push(row(1, RowStatus::Ok))
            .unwrap_err()
            .contains("row 1 arrived twice"));
        // Saved and reloaded.
        let saved = serde_json::to_string(&run).unwrap();
        let mut run: RunState = serde_json::from_str(&saved).unwrap();
        assert_eq!(run.next_index(), 2);
        assert!(!run.is_complete());
        run.push(row(
            2,
            RowStatus::Failed {
                reason: "connection lost".into(),
            },
        ))
        .unwrap();
        assert!(run.is_complete());
        assert_eq!(run.counts(), (1, 1, 1));
        assert_eq!(run.records().len(), 1);
    }

    #[test]
    fn rows_finishing_out_of_order_keep_their_place_and_gaps_are_resumed() {
        let settings = GenerationSettings {
            count: 5,
            ..Default::default()
        };
        let mut run = RunState::new(settings, "llama3.2:1b", llama());
        for i in [2, 0, 4] {
            run.push(row(i, RowStatus::Ok)).unwrap();
        }
        assert_eq!(
            run.rows.iter().map(|r| r.index).collect::<Vec<_>>(),
            [0, 2, 4]
        );
        assert_eq!(run.pending(), [1, 3]);
        assert_eq!(run.next_index(), 1);
        run.push(row(3, RowStatus::Ok)).unwrap();
        run.push(row(1, RowStatus::Ok)).unwrap();
        assert!(run.is_complete());
        assert_eq!(run.next_index(), 5);
        assert_eq!(run.records().len(), 5);
    }

    #[test]
    fn version_params_list_what_was_not_kept() {
        let mut run = RunState::new(
            GenerationSettings::default(),
            "llama3.2",
            Template::builtin(Family::Llama3),
        );
        let row = |i: usize, status: RowStatus| GeneratedRow {
            index: i,
            model: "llama3.2".into(),
            family: Family::Llama3,
            pre_query: String::new(),
            instruction_options: Value::Null,
            response_options: Value::Null,
            seed: run.settings.seed_for(i),
            instruction_raw: format!("raw {i}"),
            instruction: "Explain tides to a child.".into(),
            response: "The Moon pulls the sea.".into(),
            instruction_timing: None,
            response_timing: None,
            started_ms: 0.0,
            finished_ms: 0.0,
            status,
        };
        let rows = vec![
            row(0, RowStatus::Ok),
            row(
                1,
                RowStatus::Rejected {
                    reason: "empty".into(),
                },
            ),
        ];
        for r in rows {
            run.push(r).unwrap();
        }
        let p = run.version_params();
        assert_eq!(p["kept"], 1);
        assert_eq!(p["rejected"], 1);
        assert_eq!(p["not_kept"][0]["index"], 1);
        assert_eq!(p["not_kept"][0]["reason"], "empty");
        assert_eq!(p["not_kept"][0]["raw"], "raw 1");
    }
}
