//! The tokens check: does a pre-tokenized dataset (JSONL rows with `text` and `input_ids`, the usual form
//! of a tokenized corpus) fit the tokenizer a model will read it with? Per row: are the ids what the model
//! tokenizer makes of `text`, are they all below its vocabulary size, and does decoding them give `text`
//! back. Also the tokenizer-mismatch drill's files.
//!
//! # What is checked
//!
//! Each non-blank line must be a JSON object with `text` (a string), `input_ids` (an array of
//! non-negative integers) and optionally `tokenizer` (a string naming the tokenizer the ids were made
//! with). A UTF-8 byte-order mark at the start and CRLF line ends are accepted. A line that breaks these
//! rules becomes a [`LineProblem`] (line number, field, what is wrong and what to do) and is skipped; the
//! other rows are still checked, and problem lines are reported but do not decide the verdict.
//!
//! For every row the expected ids are the model tokenizer's `encode(text, allowed_special="all")`: a
//! special token written in the text (`<|endoftext|>`) counts as the special token, as Hugging Face
//! tokenizers treat it. Then:
//!
//! - **mismatch**: the ids differ from the expected ones. One exception is counted as matching but
//!   reported on its own ([`TokenReport::eot_appended`]): the expected ids followed by one end-of-text
//!   token (the encoder's `<|endoftext|>`, 50256 in GPT-2, 100257 in cl100k), which is how documents are
//!   usually separated in a training stream.
//! - **out of range**: an id is at least the vocabulary size (`n_vocab`, special tokens included). Such an
//!   id has no row in the model's embedding matrix: PyTorch stops with `IndexError: index out of range in
//!   self` on CPU and a device-side assert on CUDA ([`embedding_failure`]); the fix when the tokenizer did
//!   grow is to resize the embeddings ([`resize_fix`]), and otherwise to re-tokenize.
//! - **round trip**: decoding the ids with the model tokenizer gives `text` back byte for byte (for an
//!   `eot_appended` row, the ids before the end-of-text token). Ids of another tokenizer usually decode to
//!   garbage, which [`RowMismatch::decoded`] shows; ids that differ but still round-trip (text tokenized
//!   character by character, say) are a mismatch too, since the model never saw such sequences.
//!
//! The verdict is [`Verdict::Match`] only when rows were checked and none mismatched, went out of range
//! or failed to round-trip.
//!
//! # Slicing
//!
//! A 100 MB file is checked in a web worker a slice at a time ([`TokenCheck::step`]), so the page can show
//! progress; [`check_tokens`] does it in one go. The report is the same however the file is sliced.
//!
//! # The drill's files
//!
//! [`tokenized_jsonl`] writes texts in the same row format (the file a pipeline would hand over), so the
//! drill can tokenize a version with one tokenizer and check it against another.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::core::tokenize::display::visible_whitespace;
use crate::core::tokenize::{Encoder, Rank};

/// How many [`LineProblem`]s a report keeps (all are counted).
const MAX_PROBLEMS: usize = 100;
/// How many [`RowMismatch`] examples a report keeps.
const MAX_EXAMPLES: usize = 20;
/// Expected tokens shown before the first difference, and from it on.
const WINDOW_BEFORE: usize = 2;
const WINDOW_FROM: usize = 6;
/// How many out-of-range ids an example lists.
const MAX_OUT_OF_RANGE_SHOWN: usize = 8;
/// Characters of [`RowMismatch::decoded`] before it is clipped.
const DECODED_CHARS: usize = 300;
/// What a token that does not exist in the model's vocabulary shows.
const NO_SUCH_ID: &str = "⟨no such id⟩";
/// The end-of-text special token's text in every tiktoken encoding.
const END_OF_TEXT: &str = "<|endoftext|>";

/// A token as a student sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shown {
    pub id: u64,
    /// The token's bytes decoded lossily with visible white space, or `⟨no such id⟩` when the id is not in
    /// the vocabulary (at least `n_vocab`, or a gap in the id space with no bytes).
    pub text: String,
}

/// One row whose ids are not the model tokenizer's encoding of its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowMismatch {
    /// 1-based line in the file.
    pub line: usize,
    /// Index of the first id that differs from the model tokenizer's encoding (the shorter length when
    /// one sequence is a prefix of the other).
    pub position: usize,
    /// The model tokenizer's tokens around `position`: up to 2 before it, up to 6 from it.
    pub expected: Vec<Shown>,
    /// The file's tokens over the same index window.
    pub found: Vec<Shown>,
    /// The first 8 ids of this row that are at least `n_vocab`.
    pub out_of_range: Vec<u64>,
    /// The file's ids decoded by the model tokenizer (lossy UTF-8, an id with no token shown as `⟨id⟩`),
    /// clipped to 300 characters with `…`.
    pub decoded: String,
    /// Decoding the ids gives back `text` exactly.
    pub round_trip: bool,
}

/// A line that could not be checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineProblem {
    /// 1-based line in the file.
    pub line: usize,
    /// The field at fault (`text`, `input_ids`, `tokenizer`), none when the line itself is.
    pub field: Option<String>,
    /// What is wrong and what to do about it.
    pub message: String,
}

/// Whether the file fits the model's tokenizer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Match,
    Mismatch,
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Match => "match",
            Verdict::Mismatch => "mismatch",
        }
    }
}

/// What the tokens check found in a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenReport {
    /// The model tokenizer's name (e.g. `gpt2`).
    pub model: String,
    pub n_vocab: usize,
    /// Non-blank lines read.
    pub lines: usize,
    /// Rows checked: lines with a string `text` and a valid `input_ids`.
    pub rows: usize,
    /// Rows whose ids are the encoding (with or without an appended end-of-text token).
    pub matching: usize,
    /// Rows whose ids differ from the encoding.
    pub mismatch: usize,
    /// Rows with an id at least `n_vocab`.
    pub out_of_range: usize,
    /// Rows whose ids do not decode to their text.
    pub not_round_trip: usize,
    /// Rows whose ids are the encoding followed by one end-of-text special token: counted as matching.
    pub eot_appended: usize,
    /// The largest id in the checked rows.
    pub max_id: Option<u64>,
    /// Values of the optional `tokenizer` field and how many rows name each, sorted by name.
    pub declared: Vec<(String, usize)>,
    /// The first 100 problems.
    pub problems: Vec<LineProblem>,
    pub problems_total: usize,
    /// The first 20 mismatching rows.
    pub examples: Vec<RowMismatch>,
    pub verdict: Verdict,
}

/// A tokens check in progress, fed the same text a slice at a time (see [`TokenCheck::step`]).
#[derive(Clone, Debug)]
pub struct TokenCheck {
    model: String,
    n_vocab: usize,
    /// Bytes of the text consumed (always at a line start, or the end).
    pos: usize,
    /// Lines passed so far, blank ones included (the number of the next line is `line + 1`).
    line: usize,
    lines: usize,
    rows: usize,
    matching: usize,
    mismatch: usize,
    out_of_range: usize,
    not_round_trip: usize,
    eot_appended: usize,
    max_id: Option<u64>,
    declared: BTreeMap<String, usize>,
    problems: Vec<LineProblem>,
    problems_total: usize,
    examples: Vec<RowMismatch>,
}

impl TokenCheck {
    /// A check of a file against the tokenizer `model`, whose id space has `n_vocab` ids.
    pub fn new(model: &str, n_vocab: usize) -> Self {
        TokenCheck {
            model: model.to_string(),
            n_vocab,
            pos: 0,
            line: 0,
            lines: 0,
            rows: 0,
            matching: 0,
            mismatch: 0,
            out_of_range: 0,
            not_round_trip: 0,
            eot_appended: 0,
            max_id: None,
            declared: BTreeMap::new(),
            problems: Vec::new(),
            problems_total: 0,
            examples: Vec::new(),
        }
    }

    /// Reads whole lines of `text` from where the last call stopped, about `budget` bytes of them (at
    /// least one line); returns true when the text is done. Pass the same `text` every call.
    pub fn step(&mut self, text: &str, enc: &mut Encoder, budget: usize) -> bool {
        if self.pos == 0 && text.starts_with('\u{FEFF}') {
            self.pos = '\u{FEFF}'.len_utf8();
        }
        // A different (shorter) text than the one started with: nothing sensible is left to read.
        if self.pos > text.len() || !text.is_char_boundary(self.pos) {
            self.pos = text.len();
            return true;
        }
        let eot = enc
            .specials()
            .iter()
            .find(|(s, _)| s == END_OF_TEXT)
            .map(|&(_, id)| id);
        let start = self.pos;
        while self.pos < text.len() {
            let rest = &text[self.pos..];
            let (line, next) = match rest.find('\n') {
                Some(i) => (&rest[..i], self.pos + i + 1),
                None => (rest, text.len()),
            };
            self.pos = next;
            self.line += 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            if !line.trim().is_empty() {
                self.lines += 1;
                self.check_line(line, enc, eot);
            }
            if self.pos - start >= budget {
                break;
            }
        }
        self.pos >= text.len()
    }

    /// Bytes of the text consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The report on everything read.
    pub fn finish(self) -> TokenReport {
        let verdict = if self.rows > 0
            && self.mismatch == 0
            && self.out_of_range == 0
            && self.not_round_trip == 0
        {
            Verdict::Match
        } else {
            Verdict::Mismatch
        };
        TokenReport {
            model: self.model,
            n_vocab: self.n_vocab,
            lines: self.lines,
            rows: self.rows,
            matching: self.matching,
            mismatch: self.mismatch,
            out_of_range: self.out_of_range,
            not_round_trip: self.not_round_trip,
            eot_appended: self.eot_appended,
            max_id: self.max_id,
            declared: self.declared.into_iter().collect(),
            problems: self.problems,
            problems_total: self.problems_total,
            examples: self.examples,
            verdict,
        }
    }

    fn problem(&mut self, field: Option<&str>, message: String) {
        self.problems_total += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(LineProblem {
                line: self.line,
                field: field.map(str::to_string),
                message,
            });
        }
    }

    fn check_line(&mut self, line: &str, enc: &mut Encoder, eot: Option<Rank>) {
        let value: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                self.problem(
                    None,
                    format!(
                        "the line is not JSON ({e}); each line must be one JSON object such as \
                         {{\"text\": \"Hello world\", \"input_ids\": [15496, 995]}}"
                    ),
                );
                return;
            }
        };
        let Value::Object(obj) = value else {
            self.problem(
                None,
                format!(
                    "the line is {}, not an object; each line must be one JSON object with \"text\" and \
                     \"input_ids\"",
                    kind(&value)
                ),
            );
            return;
        };
        let text = self.text_field(&obj);
        let ids = self.ids_field(&obj);
        let tokenizer = self.tokenizer_field(&obj);
        let (Some(text), Some(ids)) = (text, ids) else {
            return;
        };
        self.rows += 1;
        if let Some(t) = tokenizer {
            *self.declared.entry(t.to_string()).or_insert(0) += 1;
        }
        self.check_row(text, &ids, enc, eot);
    }

    fn text_field<'a>(&mut self, obj: &'a Map<String, Value>) -> Option<&'a str> {
        match obj.get("text") {
            Some(Value::String(s)) => Some(s),
            None => {
                self.problem(
                    Some("text"),
                    "no \"text\" field: add the text the ids were made from as a string (or rename the \
                     field that holds it, e.g. \"content\", to \"text\")"
                        .to_string(),
                );
                None
            }
            Some(v) => {
                self.problem(
                    Some("text"),
                    format!(
                        "\"text\" is {}, not a string: store the text the ids were made from as a JSON \
                         string",
                        kind(v)
                    ),
                );
                None
            }
        }
    }

    fn ids_field(&mut self, obj: &Map<String, Value>) -> Option<Vec<u64>> {
        let items = match obj.get("input_ids") {
            Some(Value::Array(a)) => a,
            None => {
                self.problem(
                    Some("input_ids"),
                    "no \"input_ids\" field: add the token ids as an array of integers such as [15496, \
                     995] (or rename the field that holds them, e.g. \"ids\" or \"tokens\", to \
                     \"input_ids\")"
                        .to_string(),
                );
                return None;
            }
            Some(Value::String(_)) => {
                self.problem(
                    Some("input_ids"),
                    "\"input_ids\" is a string, not an array: the ids were written as text (str() of a \
                     list?); write the JSON array itself, such as [15496, 995]"
                        .to_string(),
                );
                return None;
            }
            Some(v) => {
                self.problem(
                    Some("input_ids"),
                    format!(
                        "\"input_ids\" is {}, not an array: write the token ids as a JSON array of \
                         integers such as [15496, 995]",
                        kind(v)
                    ),
                );
                return None;
            }
        };
        let mut ids = Vec::with_capacity(items.len());
        let mut bad: Option<(usize, String)> = None;
        let mut n_bad = 0usize;
        for (i, v) in items.iter().enumerate() {
            match id_of(v) {
                Ok(id) => ids.push(id),
                Err(why) => {
                    n_bad += 1;
                    if bad.is_none() {
                        bad = Some((i, why));
                    }
                }
            }
        }
        match bad {
            None => Some(ids),
            Some((i, why)) => {
                let more = match n_bad - 1 {
                    0 => String::new(),
                    1 => " (and 1 more bad id in this row)".to_string(),
                    n => format!(" (and {n} more bad ids in this row)"),
                };
                self.problem(Some("input_ids"), format!("input_ids[{i}] is {why}{more}"));
                None
            }
        }
    }

    fn tokenizer_field<'a>(&mut self, obj: &'a Map<String, Value>) -> Option<&'a str> {
        match obj.get("tokenizer") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(v) => {
                self.problem(
                    Some("tokenizer"),
                    format!(
                        "\"tokenizer\" is {}, not a string: name the tokenizer the ids were made with, \
                         such as \"gpt2\" (the row is still checked)",
                        kind(v)
                    ),
                );
                None
            }
        }
    }

    fn check_row(&mut self, text: &str, ids: &[u64], enc: &mut Encoder, eot: Option<Rank>) {
        let expected = enc.encode(text, true);
        if let Some(&m) = ids.iter().max() {
            self.max_id = Some(self.max_id.map_or(m, |x| x.max(m)));
        }
        let n_vocab = self.n_vocab as u64;
        let out_of_range = ids.iter().any(|&id| id >= n_vocab);
        if out_of_range {
            self.out_of_range += 1;
        }
        let exact = same_ids(ids, &expected);
        let with_eot = !exact
            && eot.is_some_and(|eot| {
                ids.len() == expected.len() + 1
                    && ids.last() == Some(&(eot as u64))
                    && same_ids(&ids[..expected.len()], &expected)
            });
        let body = if with_eot { &ids[..ids.len() - 1] } else { ids };
        let round_trip = round_trips(enc, body, n_vocab, text);
        if !round_trip {
            self.not_round_trip += 1;
        }
        if exact || with_eot {
            self.matching += 1;
            if with_eot {
                self.eot_appended += 1;
            }
            return;
        }
        self.mismatch += 1;
        if self.examples.len() >= MAX_EXAMPLES {
            return;
        }
        let position = ids
            .iter()
            .zip(&expected)
            .position(|(&a, &b)| a != b as u64)
            .unwrap_or(ids.len().min(expected.len()));
        let from = position.saturating_sub(WINDOW_BEFORE);
        let to = position + WINDOW_FROM;
        let show = |id: u64| Shown {
            id,
            text: shown_text(enc, id, n_vocab),
        };
        let expected_shown = expected[from.min(expected.len())..to.min(expected.len())]
            .iter()
            .map(|&id| show(id as u64))
            .collect();
        let found_shown = ids[from.min(ids.len())..to.min(ids.len())]
            .iter()
            .map(|&id| show(id))
            .collect();
        let example = RowMismatch {
            line: self.line,
            position,
            expected: expected_shown,
            found: found_shown,
            out_of_range: ids
                .iter()
                .copied()
                .filter(|&id| id >= n_vocab)
                .take(MAX_OUT_OF_RANGE_SHOWN)
                .collect(),
            decoded: decode_clipped(enc, ids, n_vocab, DECODED_CHARS),
            round_trip,
        };
        self.examples.push(example);
    }
}

/// Checks the whole of `text` (a JSONL file) against `enc`, the tokenizer called `model`.
pub fn check_tokens(text: &str, enc: &mut Encoder, model: &str) -> TokenReport {
    let mut check = TokenCheck::new(model, enc.n_vocab());
    while !check.step(text, enc, usize::MAX) {}
    check.finish()
}

/// The drill's tokenized file: one line per text, `{"text":…,"input_ids":[…],"tokenizer":"…"}` in that
/// key order, each followed by `\n`. Special tokens in a text become their ids.
pub fn tokenized_jsonl<'a>(
    texts: impl IntoIterator<Item = &'a str>,
    enc: &mut Encoder,
    tokenizer: &str,
) -> String {
    let name = serde_json::to_string(tokenizer).unwrap_or_else(|_| "\"\"".to_string());
    let mut out = String::new();
    for text in texts {
        let ids = enc.encode(text, true);
        out.push_str("{\"text\":");
        out.push_str(&serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string()));
        out.push_str(",\"input_ids\":[");
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&id.to_string());
        }
        out.push_str("],\"tokenizer\":");
        out.push_str(&name);
        out.push_str("}\n");
    }
    out
}

/// What a PyTorch run prints when ids up to `max_id` reach an `nn.Embedding` with `embedding_rows` rows
/// on CPU: a short traceback ending in `IndexError: index out of range in self`, after a note of what the
/// same run shows on CUDA.
pub fn embedding_failure(max_id: u64, embedding_rows: usize) -> String {
    let last = embedding_rows.saturating_sub(1);
    format!(
        "# input_ids reach {max_id}, but the embedding has {embedding_rows} rows (ids 0–{last}).\n\
         # On CUDA the same batch stops with \"RuntimeError: CUDA error: device-side assert triggered\" \
         instead, often reported at a later line.\n\
         Traceback (most recent call last):\n  \
           File \"train.py\", line 42, in <module>\n    \
             logits = model(input_ids)\n  \
           File \".../torch/nn/modules/module.py\", line 1751, in _call_impl\n    \
             return forward_call(*args, **kwargs)\n  \
           File \".../transformers/models/gpt2/modeling_gpt2.py\", line 829, in forward\n    \
             inputs_embeds = self.wte(input_ids)\n  \
           File \".../torch/nn/modules/sparse.py\", line 190, in forward\n    \
             return F.embedding(\n  \
           File \".../torch/nn/functional.py\", line 2551, in embedding\n    \
             return torch.embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)\n\
         IndexError: index out of range in self"
    )
}

/// The Python that fixes an embedding too small for a grown tokenizer: resize it to the tokenizer's
/// length, and record which tokenizer the ids were made with.
pub fn resize_fix(old_rows: usize, new_rows: usize) -> String {
    let change = match new_rows.cmp(&old_rows) {
        std::cmp::Ordering::Greater => {
            let n = new_rows - old_rows;
            let rows = if n == 1 { "row" } else { "rows" };
            format!(
                "{n} new {rows}, initialised by transformers (recent versions: drawn around the \
                 mean of the old rows) and learned in fine-tuning"
            )
        }
        std::cmp::Ordering::Equal => {
            "no new rows: the embedding already fits this tokenizer, so ids beyond it come from another \
             tokenizer; re-tokenize the data instead"
                .to_string()
        }
        std::cmp::Ordering::Less => {
            let n = old_rows - new_rows;
            let rows = if n == 1 { "row" } else { "rows" };
            format!("{n} {rows} dropped: this tokenizer is smaller than the model's; is it the right one?")
        }
    };
    format!(
        "# {old_rows} → {new_rows} rows: {change}\n\
         model.resize_token_embeddings(len(tokenizer))\n\
         \n\
         # Record the tokenizer version with the data, so ids and model cannot drift apart again:\n\
         # save it beside the checkpoint and name it in every tokenized row.\n\
         tokenizer.save_pretrained(output_dir)  # beside model.save_pretrained(output_dir)\n\
         # {{\"text\": ..., \"input_ids\": [...], \"tokenizer\": \"<name>@<version or sha256 of its files>\"}}\n"
    )
}

/// A non-negative integer id, or why the value is not one.
fn id_of(v: &Value) -> Result<u64, String> {
    match v {
        Value::Number(n) => {
            let negative = |shown: &dyn std::fmt::Display| {
                format!(
                    "{shown}, a negative id: token ids start at 0 (-100 is the ignore index of \
                     PyTorch's loss and belongs in \"labels\", not \"input_ids\"); remove it or \
                     re-tokenize the text"
                )
            };
            if let Some(id) = n.as_u64() {
                Ok(id)
            } else if let Some(neg) = n.as_i64() {
                Err(negative(&neg))
            } else {
                // Beyond 64 bits serde_json keeps the number as a float.
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.is_finite() && f.fract() == 0.0 && f < 0.0 {
                    Err(negative(n))
                } else if f.is_finite() && f.fract() == 0.0 && f >= 1.8e19 {
                    Err(format!(
                        "{n}, too large to be a token id: no vocabulary is that big; re-tokenize the \
                         text"
                    ))
                } else {
                    Err(format!(
                        "{n}, not an integer: token ids are whole numbers; re-tokenize the text \
                         rather than rounding"
                    ))
                }
            }
        }
        Value::String(s) => {
            let quoted = Value::String(s.clone());
            Err(match s.trim().parse::<u64>() {
                Ok(n) => format!(
                    "the string {quoted}, not a number: write ids as JSON numbers ({n} rather than \
                     {quoted})"
                ),
                Err(_) => format!(
                    "the string {quoted}, not a number: input_ids holds token ids (integers), not \
                     tokens; tokenize the text to ids"
                ),
            })
        }
        other => Err(format!(
            "{}, not an integer: every id must be a whole number from 0 to the vocabulary size − 1",
            kind(other)
        )),
    }
}

/// "an object", "a string" …: the kind of a JSON value, for messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn same_ids(ids: &[u64], expected: &[Rank]) -> bool {
    ids.len() == expected.len() && ids.iter().zip(expected).all(|(&a, &b)| a == b as u64)
}

/// The bytes of a token of the model's vocabulary, none when `id` is not one.
fn token_of(enc: &Encoder, id: u64, n_vocab: u64) -> Option<&[u8]> {
    if id >= n_vocab {
        return None;
    }
    enc.token_bytes(Rank::try_from(id).ok()?)
}

/// Whether the tokens of `ids` concatenate to exactly the bytes of `text`.
fn round_trips(enc: &Encoder, ids: &[u64], n_vocab: u64, text: &str) -> bool {
    let want = text.as_bytes();
    let mut at = 0usize;
    for &id in ids {
        let Some(b) = token_of(enc, id, n_vocab) else {
            return false;
        };
        if want.len() - at < b.len() || &want[at..at + b.len()] != b {
            return false;
        }
        at += b.len();
    }
    at == want.len()
}

fn shown_text(enc: &Encoder, id: u64, n_vocab: u64) -> String {
    match token_of(enc, id, n_vocab) {
        Some(b) if !b.is_empty() => visible_whitespace(&String::from_utf8_lossy(b)),
        _ => NO_SUCH_ID.to_string(),
    }
}

/// `ids` decoded (lossy UTF-8, unknown ids as `⟨id⟩`), at most `max_chars` characters and then `…`.
/// Decodes only as far as it shows, so a huge row costs no more than a short one.
fn decode_clipped(enc: &Encoder, ids: &[u64], n_vocab: u64, max_chars: usize) -> String {
    let mut out = String::new();
    let mut pending: Vec<u8> = Vec::new();
    // Enough bytes for max_chars + 1 characters even if each takes 4 (or is replaced by U+FFFD).
    let enough = 4 * (max_chars + 1);
    for &id in ids {
        match token_of(enc, id, n_vocab) {
            Some(b) => pending.extend_from_slice(b),
            None => {
                out.push_str(&String::from_utf8_lossy(&pending));
                pending.clear();
                out.push_str(&format!("⟨{id}⟩"));
            }
        }
        if out.len() + pending.len() > enough {
            break;
        }
    }
    out.push_str(&String::from_utf8_lossy(&pending));
    match out.char_indices().nth(max_chars) {
        Some((cut, _)) => {
            out.truncate(cut);
            out.push('…');
            out
        }
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::tokenize::bpe::byte_level_for_tests;

    /// All bytes, "ab" (256), "cd" (257), "abcd" (258), and `<|endoftext|>` (259): n_vocab 260.
    fn toy() -> Encoder {
        byte_level_for_tests(
            &[("ab", 256), ("cd", 257), ("abcd", 258)],
            &[("<|endoftext|>", 259)],
        )
    }

    fn check(text: &str) -> TokenReport {
        check_tokens(text, &mut toy(), "toy")
    }

    fn only_problem(r: &TokenReport) -> &LineProblem {
        assert_eq!(r.problems.len(), 1, "{:#?}", r.problems);
        &r.problems[0]
    }

    #[test]
    fn a_file_of_the_model_tokenizer_matches() {
        let mut enc = toy();
        let texts = ["abcd cd", "x<|endoftext|>y", "", "  ab\n\tcd ", "é😀"];
        let file = tokenized_jsonl(texts, &mut enc, "toy");
        assert_eq!(file.lines().count(), texts.len());
        assert!(file.starts_with(
            "{\"text\":\"abcd cd\",\"input_ids\":[258,32,257],\"tokenizer\":\"toy\"}\n"
        ));
        assert!(file.contains("[120,259,121]"), "{file}");
        let r = check_tokens(&file, &mut enc, "toy");
        assert_eq!((r.lines, r.rows, r.matching), (5, 5, 5));
        assert_eq!((r.mismatch, r.out_of_range, r.not_round_trip), (0, 0, 0));
        assert_eq!(r.verdict, Verdict::Match);
        assert_eq!(r.verdict.as_str(), "match");
        assert_eq!(r.n_vocab, 260);
        assert_eq!(r.max_id, Some(259));
        assert_eq!(r.declared, [("toy".to_string(), 5)]);
        assert!(r.problems.is_empty() && r.examples.is_empty());
    }

    #[test]
    fn other_ids_for_the_same_text_are_a_mismatch_even_when_they_round_trip() {
        // "abcd" byte by byte: decodes to the text, but the model would have seen [258].
        let r = check(r#"{"text":"xx abcd","input_ids":[120,120,32,97,98,99,100]}"#);
        assert_eq!(
            (r.rows, r.mismatch, r.not_round_trip, r.matching),
            (1, 1, 0, 0)
        );
        assert_eq!(r.verdict, Verdict::Mismatch);
        let ex = &r.examples[0];
        assert_eq!((ex.line, ex.position), (1, 3));
        assert!(ex.round_trip);
        assert!(ex.out_of_range.is_empty());
        assert_eq!(ex.decoded, "xx abcd");
        let show = |v: &[Shown]| v.iter().map(|s| (s.id, s.text.clone())).collect::<Vec<_>>();
        // Expected [120, 120, 32, 258]: two before position 3, and from it.
        assert_eq!(
            show(&ex.expected),
            [(120, "x".into()), (32, "·".into()), (258, "abcd".into())]
        );
        assert_eq!(
            show(&ex.found),
            [
                (120, "x".into()),
                (32, "·".into()),
                (97, "a".into()),
                (98, "b".into()),
                (99, "c".into()),
                (100, "d".into()),
            ]
        );
    }

    #[test]
    fn ids_beyond_the_vocabulary_are_out_of_range_and_never_crash() {
        let big = u32::MAX as u64 + 5;
        let line =
            format!(r#"{{"text":"ab","input_ids":[256,260,{big},18446744073709551615,258]}}"#);
        let r = check(&line);
        assert_eq!(
            (r.rows, r.mismatch, r.out_of_range, r.not_round_trip),
            (1, 1, 1, 1)
        );
        assert_eq!(r.max_id, Some(u64::MAX));
        let ex = &r.examples[0];
        assert_eq!(ex.position, 1);
        assert_eq!(ex.out_of_range, [260, big, u64::MAX]);
        assert!(!ex.round_trip);
        assert_eq!(
            ex.decoded,
            format!("ab⟨260⟩⟨{big}⟩⟨18446744073709551615⟩abcd")
        );
        assert_eq!(ex.found[1].text, "⟨no such id⟩");
        assert_eq!(ex.found[2].text, "⟨no such id⟩");
        assert_eq!(ex.expected.len(), 1);
    }

    #[test]
    fn the_first_difference_may_be_past_the_end_of_either() {
        let r = check(
            "{\"text\":\"ab cd\",\"input_ids\":[256,32]}\n{\"text\":\"ab\",\"input_ids\":[256,97]}",
        );
        assert_eq!(r.mismatch, 2);
        let (a, b) = (&r.examples[0], &r.examples[1]);
        assert_eq!(
            (a.line, a.position, a.found.len(), a.expected.len()),
            (1, 2, 2, 3)
        );
        assert_eq!(
            (b.line, b.position, b.found.len(), b.expected.len()),
            (2, 1, 2, 1)
        );
        assert!(!a.round_trip && !b.round_trip);
        assert_eq!(r.not_round_trip, 2);
        assert_eq!(b.decoded, "aba");
    }

    #[test]
    fn an_appended_end_of_text_token_counts_as_matching_but_is_reported() {
        let r = check("{\"text\":\"abcd\",\"input_ids\":[258,259]}\n{\"text\":\"abcd\",\"input_ids\":[258]}\n");
        assert_eq!(
            (r.rows, r.matching, r.eot_appended, r.mismatch),
            (2, 2, 1, 0)
        );
        assert_eq!(r.not_round_trip, 0);
        assert_eq!(r.verdict, Verdict::Match);
        // Two appended, or one in place of the text's last token, is not that.
        let r = check("{\"text\":\"abcd\",\"input_ids\":[258,259,259]}\n{\"text\":\"ab\",\"input_ids\":[259]}");
        assert_eq!((r.matching, r.eot_appended, r.mismatch), (0, 0, 2));
        // A text that ends in the special token itself: its encoding already holds it once.
        let r = check(r#"{"text":"ab<|endoftext|>","input_ids":[256,259]}"#);
        assert_eq!((r.matching, r.eot_appended), (1, 0));
    }

    #[test]
    fn special_tokens_in_the_text_count_as_specials() {
        let mut enc = toy();
        let plain = enc.encode_ordinary("<|endoftext|>");
        let line = serde_json::json!({"text": "<|endoftext|>", "input_ids": plain}).to_string();
        let r = check_tokens(&line, &mut enc, "toy");
        assert_eq!((r.mismatch, r.not_round_trip), (1, 0));
        assert_eq!(r.examples[0].expected[0].text, "<|endoftext|>");
    }

    #[test]
    fn lines_that_are_not_json_objects() {
        let p = only_problem(&check("{\"text\": \"ab\", \"input_ids\": [256]")).clone();
        assert_eq!((p.line, p.field.as_deref()), (1, None));
        assert!(
            p.message
                .starts_with("the line is not JSON (EOF while parsing"),
            "{}",
            p.message
        );
        assert!(p.message.contains("JSON object"));
        for (line, what) in [
            ("[256]", "an array"),
            ("42", "a number"),
            ("\"ab\"", "a string"),
            ("null", "null"),
        ] {
            let p = only_problem(&check(line)).clone();
            assert_eq!(p.field, None);
            assert!(
                p.message
                    .starts_with(&format!("the line is {what}, not an object")),
                "{}",
                p.message
            );
        }
    }

    #[test]
    fn text_missing_or_not_a_string() {
        let r = check(r#"{"content":"ab","input_ids":[256]}"#);
        let p = only_problem(&r);
        assert_eq!(p.field.as_deref(), Some("text"));
        assert!(p.message.starts_with("no \"text\" field"));
        assert_eq!((r.lines, r.rows), (1, 0));
        assert_eq!(r.verdict, Verdict::Mismatch);
        let p = only_problem(&check(r#"{"text":["ab"],"input_ids":[256]}"#)).clone();
        assert_eq!(p.field.as_deref(), Some("text"));
        assert!(
            p.message.starts_with("\"text\" is an array, not a string"),
            "{}",
            p.message
        );
        // Both fields wrong: one problem for each.
        let r = check(r#"{"text":7}"#);
        assert_eq!(r.problems_total, 2);
        assert_eq!(r.problems[0].field.as_deref(), Some("text"));
        assert_eq!(r.problems[1].field.as_deref(), Some("input_ids"));
    }

    #[test]
    fn input_ids_missing_or_not_an_array() {
        let p = only_problem(&check(r#"{"text":"ab","ids":[256]}"#)).clone();
        assert_eq!(p.field.as_deref(), Some("input_ids"));
        assert!(p.message.starts_with("no \"input_ids\" field"));
        let p = only_problem(&check(r#"{"text":"ab","input_ids":"[256]"}"#)).clone();
        assert!(
            p.message
                .starts_with("\"input_ids\" is a string, not an array"),
            "{}",
            p.message
        );
        let p = only_problem(&check(r#"{"text":"ab","input_ids":{"0":256}}"#)).clone();
        assert_eq!(p.field.as_deref(), Some("input_ids"));
        assert!(p
            .message
            .starts_with("\"input_ids\" is an object, not an array"));
    }

    #[test]
    fn ids_that_are_not_non_negative_integers() {
        let cases = [
            (r#"[256,1.5]"#, "input_ids[1] is 1.5, not an integer"),
            (r#"[256,1.0]"#, "input_ids[1] is 1.0, not an integer"),
            (r#"["12",97]"#, "input_ids[0] is the string \"12\", not a number: write ids as JSON numbers (12 rather than \"12\")"),
            (r#"["ab"]"#, "input_ids[0] is the string \"ab\", not a number"),
            (r#"[97,-1]"#, "input_ids[1] is -1, a negative id"),
            (r#"[-100,-100,1e400]"#, "input_ids[0] is -100, a negative id"),
            (r#"[97,null]"#, "input_ids[1] is null, not an integer"),
            (r#"[[256]]"#, "input_ids[0] is an array, not an integer"),
            (r#"[99999999999999999999999]"#, "input_ids[0] is 1e+23, too large to be a token id"),
            (r#"[-99999999999999999999999]"#, "input_ids[0] is -1e+23, a negative id"),
        ];
        for (ids, start) in cases {
            let r = check(&format!(r#"{{"text":"ab","input_ids":{ids}}}"#));
            if ids.contains("1e400") {
                // serde_json refuses a number beyond f64: the line is not JSON.
                assert_eq!(only_problem(&r).field, None);
                continue;
            }
            let p = only_problem(&r);
            assert_eq!(p.field.as_deref(), Some("input_ids"));
            assert!(p.message.starts_with(start), "{ids}: {}", p.message);
            assert_eq!(r.rows, 0);
        }
        let r = check(r#"{"text":"ab","input_ids":[-1,-2,-3]}"#);
        assert!(only_problem(&r)
            .message
            .ends_with("(and 2 more bad ids in this row)"));
    }

    #[test]
    fn a_tokenizer_that_is_not_a_string_is_reported_and_the_row_still_checked() {
        let r = check(
            "{\"text\":\"ab\",\"input_ids\":[256],\"tokenizer\":2}\n\
             {\"text\":\"ab\",\"input_ids\":[256],\"tokenizer\":null}\n\
             {\"text\":\"ab\",\"input_ids\":[256],\"tokenizer\":\"zz\"}\n\
             {\"text\":\"ab\",\"input_ids\":[256],\"tokenizer\":\"gpt2\"}\n\
             {\"text\":\"ab\",\"input_ids\":[256],\"tokenizer\":\"zz\"}\n",
        );
        assert_eq!(only_problem(&r).field.as_deref(), Some("tokenizer"));
        assert_eq!((r.rows, r.matching), (5, 5));
        assert_eq!(r.declared, [("gpt2".to_string(), 1), ("zz".to_string(), 2)]);
        assert_eq!(r.verdict, Verdict::Match);
    }

    #[test]
    fn bom_crlf_and_blank_lines_with_true_line_numbers() {
        let file = "\u{FEFF}{\"text\":\"ab\",\"input_ids\":[256]}\r\n\r\n   \n{\"text\":\"cd\",\"input_ids\":[99,100]}\r\nnope\r\n";
        let r = check(file);
        assert_eq!((r.lines, r.rows, r.matching, r.mismatch), (3, 2, 1, 1));
        assert_eq!(r.examples[0].line, 4);
        assert_eq!(only_problem(&r).line, 5);
        // A text ending in \r inside the JSON string is kept: only the line end is stripped.
        let r = check("{\"text\":\"ab\\r\",\"input_ids\":[256,13]}\r\n");
        assert_eq!(r.verdict, Verdict::Match);
    }

    #[test]
    fn bad_lines_are_skipped_and_the_rest_checked() {
        let r = check("{\"text\":\"ab\",\"input_ids\":[256]}\n{oops\n{\"text\":\"abcd\",\"input_ids\":[258]}\n");
        assert_eq!(
            (r.lines, r.rows, r.matching, r.problems_total),
            (3, 2, 2, 1)
        );
        assert_eq!(r.problems[0].line, 2);
        assert_eq!(
            r.verdict,
            Verdict::Match,
            "problem lines are reported, not judged"
        );
    }

    #[test]
    fn empty_files_have_nothing_to_match() {
        for file in ["", "\u{FEFF}", "\n\n  \r\n"] {
            let r = check(file);
            assert_eq!((r.lines, r.rows), (0, 0));
            assert_eq!(r.verdict, Verdict::Mismatch);
            assert_eq!(r.verdict.as_str(), "mismatch");
        }
    }

    #[test]
    fn problems_and_examples_are_capped_but_counted() {
        let mut file = String::new();
        for i in 0..150 {
            file.push_str("not json\n");
            file.push_str(&format!("{{\"text\":\"ab{i}\",\"input_ids\":[97,98]}}\n"));
        }
        let r = check(&file);
        assert_eq!((r.problems.len(), r.problems_total), (100, 150));
        assert_eq!((r.examples.len(), r.mismatch), (20, 150));
        assert_eq!(r.examples[19].line, 40);
    }

    #[test]
    fn decoded_text_is_clipped_to_300_characters() {
        let text = "é".repeat(400);
        let mut enc = toy();
        let mut ids: Vec<u64> = enc.encode(&text, true).iter().map(|&i| i as u64).collect();
        ids.push(97);
        let line = serde_json::json!({"text": text, "input_ids": ids}).to_string();
        let r = check_tokens(&line, &mut enc, "toy");
        let d = &r.examples[0].decoded;
        assert_eq!(d.chars().count(), 301);
        assert!(d.ends_with("é…"));
        // A lone half of a character decodes lossily.
        let r = check(r#"{"text":"é","input_ids":[195]}"#);
        assert_eq!(r.examples[0].decoded, "\u{FFFD}");
        assert_eq!(r.examples[0].found[0].text, "\u{FFFD}");
    }

    #[test]
    fn slicing_gives_the_same_report_whatever_the_budget() {
        let mut enc = toy();
        let mut file = String::from("\u{FEFF}");
        file.push_str(&tokenized_jsonl(
            ["abcd", "x<|endoftext|>", "é 😀 ab", "  \t\n"],
            &mut enc,
            "toy",
        ));
        file.push_str("\r\n{bad\n{\"text\":\"cd\",\"input_ids\":[99,100,259]}\r\n");
        file.push_str("{\"text\":\"abcd\",\"input_ids\":[258,259]}\n\n[1]\n");
        file.push_str(r#"{"text":"ab","input_ids":[300,256],"tokenizer":"other"}"#);
        let whole = check_tokens(&file, &mut enc, "toy");
        assert!(whole.problems_total == 2 && whole.mismatch == 2 && whole.eot_appended == 1);
        for budget in [1, 7, 1000] {
            let mut c = TokenCheck::new("toy", enc.n_vocab());
            let mut steps = 0;
            let mut last = 0;
            while !c.step(&file, &mut enc, budget) {
                assert!(c.position() > last, "each step reads at least one line");
                last = c.position();
                steps += 1;
            }
            assert_eq!(c.position(), file.len());
            assert!(c.step(&file, &mut enc, budget), "done stays done");
            if budget == 1 {
                assert!(steps >= 10);
            }
            assert_eq!(c.finish(), whole, "budget {budget}");
        }
    }

    #[test]
    fn the_report_travels_as_json() {
        let r = check("{\"text\":\"ab\",\"input_ids\":[97,98],\"tokenizer\":\"t\"}\nx\n");
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"verdict\":\"mismatch\""));
        assert!(json.contains("\"declared\":[[\"t\",1]]"));
        let back: TokenReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn never_panics_on_odd_input() {
        let mut enc = toy();
        for file in [
            "\u{FEFF}\u{FEFF}",
            "{\"text\":\"\\ud800\",\"input_ids\":[]}",
            "{\"text\":\"\",\"input_ids\":[]}",
            "{\"text\":\"ab\",\"input_ids\":[]}",
            "{\"text\":\"\",\"input_ids\":[0]}",
            "\r",
            "{}{}",
            "{\"text\":\"a\",\"input_ids\":[4294967295, 4294967296]}",
        ] {
            let r = check_tokens(file, &mut enc, "toy");
            for budget in [1, 3] {
                let mut c = TokenCheck::new("toy", enc.n_vocab());
                while !c.step(file, &mut enc, budget) {}
                assert_eq!(c.finish(), r);
            }
        }
        let r = check("{\"text\":\"\",\"input_ids\":[]}");
        assert_eq!(r.verdict, Verdict::Match);
        // A text that is not the one the check started with.
        let mut c = TokenCheck::new("toy", 260);
        c.step("{\"text\":\"é\",\"input_ids\":[195,169]}\n{}", &mut enc, 1);
        assert!(c.step("é", &mut enc, 1));
    }

    #[test]
    fn what_pytorch_shows_and_the_fix() {
        let f = embedding_failure(50_300, 50_257);
        assert!(f.ends_with("\nIndexError: index out of range in self"));
        assert!(f.contains("CUDA error: device-side assert triggered"));
        assert!(f.contains("50300") && f.contains("50257 rows"));
        assert!(f.contains("Traceback (most recent call last):"));
        let fix = resize_fix(50_257, 50_290);
        assert!(
            fix.starts_with("# 50257 → 50290 rows: 33 new rows, initialised"),
            "{fix}"
        );
        assert!(fix.contains("\nmodel.resize_token_embeddings(len(tokenizer))\n"));
        assert!(fix.contains("tokenizer version"));
        assert!(resize_fix(50_257, 50_258).contains("1 new row,"));
        assert!(resize_fix(50_257, 50_257).contains("re-tokenize"));
        assert!(resize_fix(50_257, 50_000).contains("257 rows dropped"));
    }
}
