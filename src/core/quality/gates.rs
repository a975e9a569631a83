//! Quality gates over a dataset version (slides 6, 14, 24): each gate looks at one row and says whether it
//! passes, why not, and a score in 0..1 (1 = clean), so a cleaning step can explain every removal.
//!
//! Gates are cheap text checks — proxies, not judges: they find rows a person should look at (a refusal,
//! a truncated answer, a leaked email address), and the sample audit confirms. Their settings are a
//! serialisable [`GateConfig`], saved with the version a cleaning produces so it can be reproduced.

use serde::{Deserialize, Serialize};

use super::exact::normalise;
use super::scan::{scan_field, FieldScan};
use super::shingle::word_hashes;
use crate::core::dataset::record::Record;

/// The gates, in the order the scorecard lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gate {
    EmptyField,
    Length,
    TokenLength,
    Refusal,
    RepeatsInstruction,
    Truncated,
    Repetition,
    ScriptMismatch,
    Pii,
    SafetyWords,
    Placeholder,
    Formatting,
}

impl Gate {
    pub const ALL: [Gate; 12] = [
        Gate::EmptyField,
        Gate::Length,
        Gate::TokenLength,
        Gate::Refusal,
        Gate::RepeatsInstruction,
        Gate::Truncated,
        Gate::Repetition,
        Gate::ScriptMismatch,
        Gate::Pii,
        Gate::SafetyWords,
        Gate::Placeholder,
        Gate::Formatting,
    ];

    /// The name the scorecard shows.
    pub fn label(self) -> &'static str {
        match self {
            Gate::EmptyField => "Empty fields",
            Gate::Length => "Length (characters)",
            Gate::TokenLength => "Length (tokens)",
            Gate::Refusal => "Refusals & boilerplate",
            Gate::RepeatsInstruction => "Repeats the instruction",
            Gate::Truncated => "Truncated output",
            Gate::Repetition => "Degenerate repetition",
            Gate::ScriptMismatch => "Language / script mismatch",
            Gate::Pii => "PII & secrets",
            Gate::SafetyWords => "Safety words",
            Gate::Placeholder => "Placeholder text",
            Gate::Formatting => "Formatting consistency",
        }
    }

    /// The serde name, used in URLs, exports and version parameters.
    pub fn id(self) -> &'static str {
        match self {
            Gate::EmptyField => "empty_field",
            Gate::Length => "length",
            Gate::TokenLength => "token_length",
            Gate::Refusal => "refusal",
            Gate::RepeatsInstruction => "repeats_instruction",
            Gate::Truncated => "truncated",
            Gate::Repetition => "repetition",
            Gate::ScriptMismatch => "script_mismatch",
            Gate::Pii => "pii",
            Gate::SafetyWords => "safety_words",
            Gate::Placeholder => "placeholder",
            Gate::Formatting => "formatting",
        }
    }
}

/// Settings of every gate (all editable in the lab).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateConfig {
    pub enabled: Vec<Gate>,
    /// Instruction length bounds in characters.
    pub instruction_chars: (usize, usize),
    /// Output length bounds in characters.
    pub output_chars: (usize, usize),
    /// Instruction and output bounds in tokens (used when token counts are given).
    pub instruction_tokens: (usize, usize),
    pub output_tokens: (usize, usize),
    /// Phrases that mark a refusal or assistant boilerplate (matched case-insensitively).
    pub refusals: Vec<String>,
    /// Word n-gram size and the share of repeated n-grams above which output is degenerate.
    pub repetition_n: usize,
    pub repetition_max: f64,
    /// Words that need a safety review (matched as whole words, case-insensitively).
    pub safety_words: Vec<String>,
}

impl Default for GateConfig {
    fn default() -> Self {
        let list = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
        GateConfig {
            enabled: Gate::ALL.to_vec(),
            instruction_chars: (8, 4000),
            output_chars: (1, 8000),
            instruction_tokens: (2, 1024),
            output_tokens: (1, 2048),
            refusals: list(&[
                "as an ai language model",
                "as an ai model",
                "i cannot",
                "i can't help",
                "i'm sorry, but",
                "i am sorry, but",
                "i'm unable to",
                "i am unable to",
                "as a large language model",
            ]),
            repetition_n: 3,
            repetition_max: 0.3,
            safety_words: list(&["kill", "bomb", "suicide", "weapon"]),
        }
    }
}

/// Why a row failed one gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    pub gate: Gate,
    /// 1 = clean, 0 = clearly bad.
    pub score: f64,
    /// What was found, for the person reviewing.
    pub reason: String,
}

fn flag(gate: Gate, score: f64, reason: impl Into<String>) -> Flag {
    Flag {
        gate,
        score: score.clamp(0.0, 1.0),
        reason: reason.into(),
    }
}

/// The parts of a configuration every row needs in a prepared form (lower-cased phrases, hashed words),
/// made once per run instead of once per row.
pub struct Prepared {
    /// Each refusal phrase as word hashes, with its text.
    refusals: Vec<(Vec<u64>, String)>,
    /// A 64-bit filter of the phrases' first words: most words miss it with one AND.
    refusal_firsts: u64,
    safety: Vec<(u64, String)>,
    /// The placeholder words ("lorem ipsum", "todo", …) as word hashes, and the hash of "insert".
    placeholders: Vec<(Vec<u64>, &'static str)>,
    insert: u64,
    /// A 64-bit filter of the placeholders' first words and "insert".
    placeholder_firsts: u64,
}

/// Placeholder text that is whole words (matched on word hashes).
const PLACEHOLDER_WORDS: [&str; 4] = ["lorem ipsum", "todo", "placeholder", "xxx"];

/// Whether `phrase` (word hashes) starts at word `at` of `words` — compared word by word, which in wasm is
/// much cheaper than a slice comparison's call to `memcmp`.
fn phrase_at(words: &[u64], at: usize, phrase: &[u64]) -> bool {
    words.len() - at >= phrase.len() && phrase.iter().zip(&words[at..]).all(|(p, w)| p == w)
}

/// Whether `phrase` (word hashes) occurs as consecutive words of `words`.
fn has_phrase(words: &[u64], phrase: &[u64]) -> bool {
    let Some(&first) = phrase.first() else {
        return false;
    };
    (0..words.len()).any(|i| words[i] == first && phrase_at(words, i, phrase))
}

impl GateConfig {
    pub fn prepare(&self) -> Prepared {
        let refusals: Vec<(Vec<u64>, String)> = self
            .refusals
            .iter()
            .map(|p| (word_hashes(p), p.clone()))
            .filter(|(w, _)| !w.is_empty())
            .collect();
        Prepared {
            refusal_firsts: refusals.iter().fold(0, |m, (w, _)| m | 1 << (w[0] & 63)),
            // Phrases are matched as word sequences: case and punctuation aside ("I'm sorry, but" is
            // "i m sorry but"), and never inside a longer word ("hi cannot" does not contain "i cannot").
            refusals,
            safety: self
                .safety_words
                .iter()
                .filter_map(|w| word_hashes(w).first().map(|&h| (h, w.clone())))
                .collect(),
            placeholders: PLACEHOLDER_WORDS
                .iter()
                .map(|p| (word_hashes(p), *p))
                .collect(),
            insert: word_hashes("insert")[0],
            placeholder_firsts: PLACEHOLDER_WORDS
                .iter()
                .chain(["insert"].iter())
                .fold(0, |m, p| m | 1 << (word_hashes(p)[0] & 63)),
        }
    }
}

/// A row's instruction, input and output scanned once ([`scan_field`]), their word hashes written to
/// `words` (buffers reused from row to row) — shared by every gate and by the exact-duplicate key.
pub fn scan_row(r: &Record, words: &mut [Vec<u64>; 3]) -> [FieldScan; 3] {
    let [a, b, c] = words;
    [(&r.instruction, a), (&r.input, b), (&r.output, c)].map(|(f, w)| {
        w.clear();
        scan_field(f, w)
    })
}

/// The flags a row raises (empty: it passes every enabled gate). `tokens` are the row's
/// (instruction, output) token counts, when a tokenizer is chosen.
pub fn check(r: &Record, cfg: &GateConfig, tokens: Option<(usize, usize)>) -> Vec<Flag> {
    let mut words = Default::default();
    let scans = scan_row(r, &mut words);
    check_prepared(r, cfg, &cfg.prepare(), tokens, &words, &scans)
}

/// [`check`] with the configuration prepared and the row scanned already (see [`scan_row`]).
pub fn check_prepared(
    r: &Record,
    cfg: &GateConfig,
    prep: &Prepared,
    tokens: Option<(usize, usize)>,
    words: &[Vec<u64>; 3],
    scans: &[FieldScan; 3],
) -> Vec<Flag> {
    let (ti, to) = (scans[0].trim, scans[2].trim);
    let v = RowView {
        r,
        cfg,
        prep,
        tokens,
        words,
        scans,
        ins: &r.instruction[ti.0..ti.1],
        outp: &r.output[to.0..to.1],
    };
    let mut out = Vec::new();
    for (gate, check) in CHECKS {
        if cfg.enabled.contains(&gate) {
            check(&v, &mut out);
        }
    }
    out
}

/// What the gates read of one row: the row, the settings, the prepared phrase tables, the token counts
/// (when a tokenizer is chosen), the word hashes and scans of its three fields, and the trimmed
/// instruction and output.
struct RowView<'a> {
    r: &'a Record,
    cfg: &'a GateConfig,
    prep: &'a Prepared,
    tokens: Option<(usize, usize)>,
    words: &'a [Vec<u64>; 3],
    scans: &'a [FieldScan; 3],
    ins: &'a str,
    outp: &'a str,
}

/// One gate's check: appends its flags for the row.
type Check = fn(&RowView, &mut Vec<Flag>);

/// Every gate with its check, in the order their flags are listed.
const CHECKS: [(Gate, Check); 12] = [
    (Gate::EmptyField, empty_field),
    (Gate::Length, length),
    (Gate::TokenLength, token_length),
    (Gate::Refusal, refusal),
    (Gate::RepeatsInstruction, repeats_instruction),
    (Gate::Truncated, truncated),
    (Gate::Repetition, repetition),
    (Gate::ScriptMismatch, script_mismatch),
    (Gate::Pii, pii),
    (Gate::SafetyWords, safety_words),
    (Gate::Placeholder, placeholder),
    (Gate::Formatting, formatting),
];

fn empty_field(v: &RowView, out: &mut Vec<Flag>) {
    for (name, text) in [("instruction", v.ins), ("output", v.outp)] {
        if text.is_empty() {
            out.push(flag(
                Gate::EmptyField,
                0.0,
                format!("\"{name}\" is empty or only whitespace"),
            ));
        }
    }
}

fn length(v: &RowView, out: &mut Vec<Flag>) {
    for (name, n, (lo, hi)) in [
        (
            "instruction",
            v.scans[0].trimmed_chars,
            v.cfg.instruction_chars,
        ),
        ("output", v.scans[2].trimmed_chars, v.cfg.output_chars),
    ] {
        if n < lo || n > hi {
            let off = if n < lo {
                (lo - n) as f64 / lo.max(1) as f64
            } else {
                (n - hi) as f64 / hi.max(1) as f64
            };
            out.push(flag(
                Gate::Length,
                1.0 - off,
                format!("\"{name}\" has {n} characters, outside {lo}–{hi}"),
            ));
        }
    }
}

fn token_length(v: &RowView, out: &mut Vec<Flag>) {
    if let Some((ti, to)) = v.tokens {
        for (name, n, (lo, hi)) in [
            ("instruction", ti, v.cfg.instruction_tokens),
            ("output", to, v.cfg.output_tokens),
        ] {
            if n < lo || n > hi {
                out.push(flag(
                    Gate::TokenLength,
                    0.0,
                    format!("\"{name}\" has {n} tokens, outside {lo}–{hi}"),
                ));
            }
        }
    }
}

fn refusal(v: &RowView, out: &mut Vec<Flag>) {
    let out_words = &v.words[2];
    let hit = out_words
        .iter()
        .enumerate()
        .filter(|(_, &w)| v.prep.refusal_firsts & (1 << (w & 63)) != 0)
        .find_map(|(i, _)| {
            v.prep
                .refusals
                .iter()
                .find(|(p, _)| phrase_at(out_words, i, p))
        });
    if let Some((_, p)) = hit {
        out.push(flag(
            Gate::Refusal,
            0.0,
            format!("the output contains the refusal/boilerplate phrase \"{p}\""),
        ));
    }
}

/// The output only repeats the instruction. Its normalised form keeps at least its ASCII letters and
/// digits, so an output with more of them than the instruction has bytes cannot be inside it (checked
/// first: it is much cheaper).
fn repeats_instruction(v: &RowView, out: &mut Vec<Flag>) {
    if v.scans[2].ascii_alnum <= v.ins.len() {
        let (ni, no) = (normalise(v.ins), normalise(v.outp));
        if !no.is_empty() && (no == ni || (no.len() >= 20 && ni.contains(&no))) {
            out.push(flag(
                Gate::RepeatsInstruction,
                0.0,
                "the output only repeats the instruction",
            ));
        }
    }
}

fn truncated(v: &RowView, out: &mut Vec<Flag>) {
    if v.scans[2].fences % 2 == 1 {
        out.push(flag(
            Gate::Truncated,
            0.0,
            "the output opens a code fence (```) it never closes",
        ));
    } else if v.scans[2].pieces >= 8 && !ends_cleanly(v.scans[2].last) {
        out.push(flag(
            Gate::Truncated,
            0.3,
            "the output stops mid-sentence (no closing punctuation)",
        ));
    }
}

fn repetition(v: &RowView, out: &mut Vec<Flag>) {
    let share = repeated_share_of(&v.words[2], v.cfg.repetition_n.max(1));
    if share > v.cfg.repetition_max {
        out.push(flag(
            Gate::Repetition,
            1.0 - share,
            format!(
                "{:.0}% of the output's {}-word sequences are repeats",
                share * 100.0,
                v.cfg.repetition_n
            ),
        ));
    }
}

fn script_mismatch(v: &RowView, out: &mut Vec<Flag>) {
    if let (Some(a), Some(b)) = (v.scans[0].script(), v.scans[2].script()) {
        if a != b {
            out.push(flag(
                Gate::ScriptMismatch,
                0.2,
                format!("the instruction is in {a} script, the output in {b}"),
            ));
        }
    }
}

fn pii(v: &RowView, out: &mut Vec<Flag>) {
    // Only fields with an `@`, a key prefix or a long run of digits can hold any.
    for (field, scan) in [&v.r.instruction, &v.r.input, &v.r.output]
        .into_iter()
        .zip(v.scans)
    {
        if !(scan.pii_hint || scan.phone_hint) {
            continue;
        }
        if let Some(what) = find_pii(field) {
            out.push(flag(
                Gate::Pii,
                0.0,
                format!("possible personal data or secret: {what}"),
            ));
            break;
        }
    }
}

fn safety_words(v: &RowView, out: &mut Vec<Flag>) {
    // Whole v.words compared by hash, without a string per word.
    let found = v
        .words
        .iter()
        .flatten()
        .find_map(|h| v.prep.safety.iter().find(|(x, _)| x == h).map(|(_, w)| w));
    if let Some(w) = found {
        out.push(flag(
            Gate::SafetyWords,
            0.5,
            format!("contains \"{w}\" — review for safety"),
        ));
    }
}

fn placeholder(v: &RowView, out: &mut Vec<Flag>) {
    let fields = [(&v.r.instruction, &v.words[0]), (&v.r.output, &v.words[2])];
    let mask = v.prep.placeholder_firsts;
    let found = fields.iter().find_map(|(text, w)| {
        if !w.iter().any(|&h| mask & (1 << (h & 63)) != 0) {
            return None;
        }
        if let Some((_, p)) = v.prep.placeholders.iter().find(|(ph, _)| has_phrase(w, ph)) {
            return Some(*p);
        }
        // "[insert …]" / "<insert …>": the word, then a look at the text around it.
        if w.contains(&v.prep.insert) {
            let lower = text.to_lowercase();
            return ["[insert", "<insert"]
                .into_iter()
                .find(|p| contains_word_like(&lower, p));
        }
        None
    });
    if let Some(p) = found {
        out.push(flag(
            Gate::Placeholder,
            0.0,
            format!("placeholder text \"{p}\""),
        ));
    }
}

fn formatting(v: &RowView, out: &mut Vec<Flag>) {
    if let Some(what) = formatting_of(v.scans) {
        out.push(flag(Gate::Formatting, 0.7, what));
    }
}

/// The first formatting slip in a row: stray whitespace at a field's ends, Windows line endings, runs of
/// blank lines, unbalanced brackets or mixed list markers in the output — small things, but a model
/// learns them as faithfully as the content.
pub fn formatting_issue(r: &Record) -> Option<String> {
    let mut words = Default::default();
    formatting_of(&scan_row(r, &mut words))
}

/// [`formatting_issue`] from the row's scans. Brackets are counted in prose only (code inside fences has
/// its own rules), and only when the fences close.
fn formatting_of(scans: &[FieldScan; 3]) -> Option<String> {
    for (name, s) in ["instruction", "input", "output"].into_iter().zip(scans) {
        if !s.blank() && (s.trim.0 > 0 || s.trimmed_chars != s.chars) {
            return Some(format!("\"{name}\" starts or ends with whitespace"));
        }
        if s.cr {
            return Some(format!("\"{name}\" has Windows line endings (\\r\\n)"));
        }
        if s.blank_run {
            return Some(format!("\"{name}\" has runs of blank lines"));
        }
    }
    let o = &scans[2];
    if o.fences.is_multiple_of(2) {
        for (k, (open, close)) in [('(', ')'), ('[', ']'), ('{', '}')].into_iter().enumerate() {
            let (a, b) = (o.brackets[2 * k], o.brackets[2 * k + 1]);
            if a != b {
                return Some(format!("the output has {a} \"{open}\" but {b} \"{close}\""));
            }
        }
    }
    if o.dash_list && o.star_list {
        return Some("the output mixes \"- \" and \"* \" list markers".into());
    }
    None
}

/// Whether text ending in `last` (its last non-space character) ends a sentence, a quote, a list or a
/// code block — an empty text counts as ending cleanly.
fn ends_cleanly(last: Option<char>) -> bool {
    let last = last.unwrap_or('.');
    matches!(
        last,
        '.' | '!' | '?' | '"' | '\'' | ')' | ']' | '`' | ':' | '…' | '。' | '！' | '？' | '*'
    ) || last.is_ascii_digit()
}

/// `needle` found where it is not part of a longer word (so "todo" is not found in "mastodon").
fn contains_word_like(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(at, m)| {
        let before = hay[..at].chars().last();
        let after = hay[at + m.len()..].chars().next();
        let alnum = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
        (!alnum(before) || !needle.starts_with(|c: char| c.is_alphanumeric()))
            && (!alnum(after) || !needle.ends_with(|c: char| c.is_alphanumeric()))
    })
}

/// The share of word n-grams that repeat an earlier one (0 for texts shorter than 2n words).
pub fn repeated_share(text: &str, n: usize) -> f64 {
    repeated_share_of(&word_hashes(text), n)
}

/// [`repeated_share`] of a text given as its word hashes.
pub fn repeated_share_of(words: &[u64], n: usize) -> f64 {
    if words.len() < 2 * n {
        return 0.0;
    }
    // An open-addressing set of the n-gram hashes, kept from row to row: a slot belongs to this text only
    // when its stamp is this call's, so nothing is cleared between rows (a memset per row cost more, in
    // wasm, than the look-ups).
    thread_local! {
        static SET: std::cell::RefCell<GramSet> = const { std::cell::RefCell::new(GramSet {
            hashes: Vec::new(),
            stamps: Vec::new(),
            stamp: 0,
        }) };
    }
    SET.with(|set| {
        let set = &mut *set.borrow_mut();
        let grams = words.len() + 1 - n;
        let size = (2 * grams).next_power_of_two();
        set.stamp = set.stamp.wrapping_add(1);
        if set.stamp == 0 || set.hashes.len() < size {
            set.hashes = vec![0; size.max(set.hashes.len())];
            set.stamps = vec![0; set.hashes.len()];
            set.stamp = 1;
        }
        let mask = set.hashes.len() - 1;
        let mut repeats = 0;
        for w in words.windows(n) {
            let h = super::shingle::gram_of(w);
            let mut i = (h >> 7) as usize & mask;
            loop {
                if set.stamps[i] != set.stamp {
                    set.stamps[i] = set.stamp;
                    set.hashes[i] = h;
                    break;
                }
                if set.hashes[i] == h {
                    repeats += 1;
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        repeats as f64 / grams as f64
    })
}

/// The n-gram set behind [`repeated_share_of`].
struct GramSet {
    hashes: Vec<u64>,
    stamps: Vec<u32>,
    stamp: u32,
}

/// The writing system most letters of `text` are in, if it has letters.
pub fn dominant_script(text: &str) -> Option<&'static str> {
    scan_field(text, &mut Vec::new()).script()
}

/// The first thing in `text` that looks like an email address, a phone number or a secret key.
pub fn find_pii(text: &str) -> Option<String> {
    // Emails need an @ and keys a known prefix: most text has neither, and skips the word scan. One pass
    // over the bytes looks for all of them, and for digits (phone numbers).
    let b = text.as_bytes();
    let (mut maybe, mut digits) = (false, false);
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'@' => maybe = true,
            b'-' if i >= 2 && &b[i - 2..i] == b"sk" => maybe = true,
            b'_' if i >= 3 && &b[i - 3..i] == b"ghp" => maybe = true,
            b'A' if b[i..].starts_with(b"AKIA") => maybe = true,
            b'0'..=b'9' => digits = true,
            _ => {}
        }
    }
    if !maybe && !digits {
        return None;
    }
    for token in text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '<' | '>' | '"'))
    {
        if !maybe {
            break;
        }
        let t = token.trim_matches(|c: char| matches!(c, '.' | ':' | '!' | '?' | '\''));
        if let Some((user, domain)) = t.split_once('@') {
            if !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && domain
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
            {
                return Some("an email address".into());
            }
        }
        let key_like = (t.starts_with("sk-") && t.len() >= 23)
            || (t.starts_with("AKIA")
                && t.len() == 20
                && t.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
            || (t.starts_with("ghp_") && t.len() >= 36);
        if key_like {
            return Some("an API key".into());
        }
    }
    // Phone numbers: 9–15 digits in a run that may hold spaces, dashes, dots and one leading +.
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit()
            || (bytes[i] == b'+' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let start = i;
            let mut digits = 0;
            while i < bytes.len()
                && (bytes[i].is_ascii_digit()
                    || matches!(bytes[i], b' ' | b'-' | b'.' | b'(' | b')' | b'+'))
            {
                if bytes[i].is_ascii_digit() {
                    digits += 1;
                }
                i += 1;
            }
            let run = text[start..i].trim();
            if (9..=15).contains(&digits) && run.contains([' ', '-', '+', '(']) {
                return Some("a phone number".into());
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Pass counts per gate over many rows, and the batch pass rate (rows that pass every enabled gate).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GateReport {
    pub rows: usize,
    /// Rows passing every gate.
    pub passed: usize,
    /// (gate, rows it flagged).
    pub per_gate: Vec<(Gate, usize)>,
    /// Flags of each failing row, by row index.
    pub flagged: Vec<(usize, Vec<Flag>)>,
}

impl GateReport {
    pub fn pass_rate(&self) -> f64 {
        if self.rows == 0 {
            1.0
        } else {
            self.passed as f64 / self.rows as f64
        }
    }

    /// Adds one row's flags.
    pub fn add(&mut self, index: usize, flags: Vec<Flag>) {
        self.rows += 1;
        if flags.is_empty() {
            self.passed += 1;
            return;
        }
        let mut gates: Vec<Gate> = flags.iter().map(|f| f.gate).collect();
        gates.sort_unstable();
        gates.dedup();
        for g in gates {
            match self.per_gate.iter_mut().find(|(x, _)| *x == g) {
                Some((_, n)) => *n += 1,
                None => self.per_gate.push((g, 1)),
            }
        }
        self.per_gate.sort_unstable_by_key(|(g, _)| *g);
        self.flagged.push((index, flags));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::dataset::record::Provenance;

    fn rec(i: &str, o: &str) -> Record {
        Record {
            instruction: i.into(),
            input: String::new(),
            output: o.into(),
            provenance: Provenance::file("t.json", 1),
        }
    }

    fn gates(i: &str, o: &str) -> Vec<Gate> {
        check(&rec(i, o), &GateConfig::default(), None)
            .iter()
            .map(|f| f.gate)
            .collect()
    }

    #[test]
    fn a_clean_row_passes() {
        assert!(gates(
            "Name the capital of France.",
            "Paris is the capital of France."
        )
        .is_empty());
    }

    #[test]
    fn each_gate_catches_its_case() {
        assert_eq!(
            gates("Name the capital of France.", "   "),
            [Gate::EmptyField, Gate::Length]
        );
        assert!(gates("Hi", "Hello there.").contains(&Gate::Length));
        assert_eq!(
            gates(
                "Explain recursion please.",
                "As an AI language model, I cannot do that."
            ),
            [Gate::Refusal]
        );
        assert!(gates(
            "Summarise the causes of the war.",
            "Summarise the causes of the war"
        )
        .contains(&Gate::RepeatsInstruction));
        assert_eq!(
            gates(
                "Write a loop in Python.",
                "Here it is:\n```python\nfor i in range(3):"
            ),
            [Gate::Truncated]
        );
        assert_eq!(
            gates("Describe the sea in detail.", "The sea is blue and deep and the sea is wide and the sea is blue and deep and the sea is wide and"),
            [Gate::Truncated, Gate::Repetition]
        );
        assert_eq!(
            gates("Translate 'good morning' to Russian.", "Доброе утро"),
            [Gate::ScriptMismatch]
        );
        assert_eq!(
            gates(
                "Who do I contact about billing?",
                "Write to jane.doe@example.com for help."
            ),
            [Gate::Pii]
        );
        assert_eq!(
            gates(
                "What is the support number?",
                "Call +1 (555) 010-9999 today."
            ),
            [Gate::Pii]
        );
        assert_eq!(
            gates(
                "Show the config.",
                "Use key sk-abcdefghijklmnopqrstuvwx here."
            ),
            [Gate::Pii]
        );
        assert_eq!(
            gates(
                "How is a bomb disposal robot used?",
                "It removes threats safely."
            ),
            [Gate::SafetyWords]
        );
        assert_eq!(
            gates("Write a product blurb.", "Lorem ipsum dolor sit amet."),
            [Gate::Placeholder]
        );
        assert_eq!(
            gates("Write a short greeting.", "[Insert greeting here]."),
            [Gate::Placeholder]
        );
        for key in [
            "AKIAABCDEFGHIJKLMNOP",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        ] {
            assert_eq!(
                gates("Show the config.", &format!("Set it to {key} then.")),
                [Gate::Pii],
                "{key}"
            );
        }
        assert_eq!(
            gates("List two fruits.", "- apple\n* pear."),
            [Gate::Formatting]
        );
        assert_eq!(
            gates("List two fruits.", "Apples (and pears."),
            [Gate::Formatting]
        );
        assert_eq!(
            gates("List two fruits.", "Apples.\r\nPears."),
            [Gate::Formatting]
        );
        assert_eq!(
            gates("List two fruits. ", "Apples and pears."),
            [Gate::Formatting]
        );
        assert!(
            gates("Show a dict.", "```python\nd = {\n```\nDone.").is_empty(),
            "brackets inside a closed code fence are code, not prose"
        );
    }

    #[test]
    fn edge_cases_that_must_pass() {
        // Years and version numbers are not phone numbers; "todo" inside a word is not a placeholder.
        assert!(gates(
            "When was Python 3.12 released?",
            "Python 3.12 was released in October 2023."
        )
        .is_empty());
        assert!(gates(
            "What is Mastodon?",
            "Mastodon is a federated social network."
        )
        .is_empty());
        // A short answer without a full stop is not "truncated".
        assert!(gates("Name a primary colour.", "Blue").is_empty());
        // An email-like string without a domain dot is not an address.
        assert!(find_pii("@user mentioned it").is_none());
        assert!(
            gates("Translate 'cat' to French.", "chat").is_empty(),
            "both Latin"
        );
    }

    #[test]
    fn token_bounds_and_config() {
        let cfg = GateConfig {
            enabled: vec![Gate::TokenLength],
            ..GateConfig::default()
        };
        let r = rec("Say hi.", "Hi.");
        assert!(
            check(&r, &cfg, None).is_empty(),
            "no tokenizer, no token gate"
        );
        assert_eq!(check(&r, &cfg, Some((3, 5000))).len(), 1);
        let json = serde_json::to_string(&GateConfig::default()).unwrap();
        let back: GateConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, GateConfig::default());
    }

    #[test]
    fn batch_report() {
        let cfg = GateConfig::default();
        let rows = [
            rec("Name the capital of France.", "Paris."),
            rec("Name it.", "As an AI language model, no."),
        ];
        let mut rep = GateReport::default();
        for (i, r) in rows.iter().enumerate() {
            rep.add(i, check(r, &cfg, None));
        }
        assert_eq!(rep.pass_rate(), 0.5);
        assert_eq!(rep.per_gate, vec![(Gate::Refusal, 1)]);
        assert_eq!(rep.flagged[0].0, 1);
        assert_eq!(repeated_share("a b c a b c a b c", 3), 4.0 / 7.0);
        assert_eq!(dominant_script("123 !!"), None);
    }
}
