//! Reflection refinement (LAB-02): a model critiques one training example against named criteria, then
//! writes a better version between bracketed markers, which the lab extracts.
//!
//! The recipe follows Reflection-Tuning (Li et al. 2023), which recycled Alpaca's and WizardLM's data this
//! way and raised their models' AlpacaEval win rates markedly. Two kinds of reflection:
//! - **instruction reflection** (rows without `input`): critique the instruction *and* the answer, then
//!   write a new instruction (`[New Instruction]` … `[End]`) and its answer (`[New Answer]` … `[End]`);
//! - **response reflection** (with or without `input`): critique the answer only, then write a better one
//!   (`[Better Answer]` … `[End]`).
//!
//! Asking for the critique *first* is the point: the model commits to what is wrong before rewriting, and
//! the lab keeps the critique next to the row so a reviewer sees why it changed. The prompts here are the
//! lab's own wording, shown and editable; [`PromptSet::validate`] checks that an edit kept what the
//! extraction depends on.
//!
//! Extraction is where the book's notebook was fragile: it ended a section at the bare word `End`, which
//! cuts answers at "Endless" or "End of story", and on failure kept only the first character of the old
//! output. Here a section ends only at a *bracketed* `[End]` (or the next marker, or the end of the text),
//! and a reply without its markers leaves the original row untouched, recorded as "parse failed".

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::core::dataset::record::{Provenance, Record};

/// Which reflection to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Improve instruction and answer together (rows without `input`).
    InstructionReflection,
    /// Improve the answer of a row without `input`.
    ResponseReflection,
    /// Improve the answer of a row with `input`.
    ResponseReflectionWithInput,
}

impl Kind {
    pub const ALL: [Kind; 3] = [
        Kind::InstructionReflection,
        Kind::ResponseReflection,
        Kind::ResponseReflectionWithInput,
    ];

    /// The serde name, used in provenance notes and exports.
    pub fn id(self) -> &'static str {
        match self {
            Kind::InstructionReflection => "instruction_reflection",
            Kind::ResponseReflection => "response_reflection",
            Kind::ResponseReflectionWithInput => "response_reflection_with_input",
        }
    }

    /// The name the lab shows.
    pub fn label(self) -> &'static str {
        match self {
            Kind::InstructionReflection => "Instruction reflection",
            Kind::ResponseReflection => "Response reflection",
            Kind::ResponseReflectionWithInput => "Response reflection (with input)",
        }
    }

    /// The sections the reply must contain, in the order the prompt asks for them.
    pub fn markers(self) -> &'static [&'static str] {
        match self {
            Kind::InstructionReflection => &[NEW_INSTRUCTION, NEW_ANSWER],
            Kind::ResponseReflection | Kind::ResponseReflectionWithInput => &[BETTER_ANSWER],
        }
    }
}

pub const NEW_INSTRUCTION: &str = "[New Instruction]";
pub const NEW_ANSWER: &str = "[New Answer]";
pub const BETTER_ANSWER: &str = "[Better Answer]";
pub const END: &str = "[End]";

/// What the student asked to improve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Instructions and answers (rows with `input` get response reflection: the recipe has no
    /// instruction reflection for them).
    Instruction,
    /// Answers only.
    Response,
}

/// The reflection for a row in instruction mode: instruction reflection without `input`, response
/// reflection with it — as the notebook does.
pub fn choose_kind(record: &Record) -> Kind {
    choose_kind_for(record, Mode::Instruction)
}

/// The reflection for a row in the given mode.
pub fn choose_kind_for(record: &Record, mode: Mode) -> Kind {
    let has_input = !record.input.trim().is_empty();
    match (mode, has_input) {
        (_, true) => Kind::ResponseReflectionWithInput,
        (Mode::Instruction, false) => Kind::InstructionReflection,
        (Mode::Response, false) => Kind::ResponseReflection,
    }
}

/// Sampling for reflection: temperature 0 and a fixed seed, as the notebook (seed 123), so a rerun gives
/// the same revision as far as the backend allows (Ollama's seeding is best-effort on GPUs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReflectionOptions {
    pub temperature: f64,
    pub seed: u32,
}

impl Default for ReflectionOptions {
    fn default() -> Self {
        ReflectionOptions {
            temperature: 0.0,
            seed: 123,
        }
    }
}

impl ReflectionOptions {
    /// Ollama's `options` object. (For an OpenAI-compatible endpoint, `temperature` and `seed` go at the top
    /// level of the request instead — where the notebook, which used OpenAI's API, rightly put them.)
    pub fn ollama_options(&self) -> Value {
        json!({ "temperature": self.temperature, "seed": self.seed })
    }
}

/// The prompts, editable in the lab. Placeholders `{instruction}`, `{input}` and `{output}` are replaced by
/// the row's fields; the markers tell the model how to format its reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptSet {
    pub system: String,
    /// Instruction reflection (rows without input).
    pub instruction_user: String,
    /// Response reflection, rows without input.
    pub response_user: String,
    /// Response reflection, rows with input.
    pub response_with_input_user: String,
}

const SYSTEM: &str = "You are a careful editor of training data for instruction-following language models. \
You read one example, explain plainly what is weak about it, and then write an improved version. Write your \
critique first, then the sections you are asked for, each opened by its marker on a line of its own and \
closed by [End]. Write nothing after the last [End].";

const ANSWER_CRITERIA: &str = "- Helpfulness: does it actually do what was asked?
- Relevance: does it stay on the task, without padding or digressions?
- Accuracy: is every statement in it correct?
- Level of detail: is it as detailed as the task needs — no less, no more?";

fn default_instruction_user() -> String {
    format!(
        "Here is one example from an instruction dataset.

Instruction:
{{instruction}}

Answer:
{{output}}

First, critique the instruction:
- Complexity of the topic: is it trivial, or needlessly convoluted?
- Level of detail required: is it clear how much detail a good answer should give?
- Knowledge required: what must someone know to answer it well?
- Ambiguity: could it reasonably be read in more than one way?
- Logical reasoning: does answering it call for reasoning, and is that reasoning well posed?

Then critique the answer:
{ANSWER_CRITERIA}

Finally, write an improved instruction that fixes the weaknesses you found, and a helpful, relevant, \
accurate and suitably detailed answer to it, in exactly this format:

{NEW_INSTRUCTION}
the improved instruction
{END}

{NEW_ANSWER}
the answer to the improved instruction
{END}"
    )
}

fn default_response_user(with_input: bool) -> String {
    let (input, and_input) = if with_input {
        ("\nInput:\n{input}\n", " and input")
    } else {
        ("", "")
    };
    format!(
        "Here is one example from an instruction dataset.

Instruction:
{{instruction}}
{input}
Answer:
{{output}}

Critique the answer:
{ANSWER_CRITERIA}

Then write a better answer to the same instruction{and_input} that fixes the weaknesses you found, in \
exactly this format:

{BETTER_ANSWER}
the better answer
{END}"
    )
}

impl Default for PromptSet {
    fn default() -> Self {
        PromptSet {
            system: SYSTEM.to_string(),
            instruction_user: default_instruction_user(),
            response_user: default_response_user(false),
            response_with_input_user: default_response_user(true),
        }
    }
}

/// One problem with an edited prompt: which field, and what is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptError {
    /// The field's name as in [`PromptSet`].
    pub field: &'static str,
    pub message: String,
}

impl PromptSet {
    /// The user prompt template of a kind.
    pub fn user_template(&self, kind: Kind) -> &str {
        match kind {
            Kind::InstructionReflection => &self.instruction_user,
            Kind::ResponseReflection => &self.response_user,
            Kind::ResponseReflectionWithInput => &self.response_with_input_user,
        }
    }

    /// The (system, user) messages for one row. Placeholders are replaced in one pass, so a row whose text
    /// happens to contain `{output}` is sent as written.
    pub fn render(&self, kind: Kind, record: &Record) -> (String, String) {
        let vars = [
            ("{instruction}", record.instruction.as_str()),
            ("{input}", record.input.as_str()),
            ("{output}", record.output.as_str()),
        ];
        (self.system.clone(), fill(self.user_template(kind), &vars))
    }

    /// Every placeholder or marker an edit removed. Without a placeholder the model never sees that field;
    /// without a marker it is never asked for the section the extraction looks for, and every row would
    /// end as "parse failed".
    pub fn validate(&self) -> Result<(), Vec<PromptError>> {
        let mut errors = Vec::new();
        let fields = [
            ("instruction_user", Kind::InstructionReflection),
            ("response_user", Kind::ResponseReflection),
            (
                "response_with_input_user",
                Kind::ResponseReflectionWithInput,
            ),
        ];
        for (field, kind) in fields {
            let text = self.user_template(kind);
            let mut placeholders = vec!["{instruction}", "{output}"];
            if kind == Kind::ResponseReflectionWithInput {
                placeholders.insert(1, "{input}");
            }
            for p in placeholders {
                if !text.contains(p) {
                    errors.push(PromptError {
                        field,
                        message: format!(
                            "{field}: the placeholder {p} is missing, so the model would not see the \
                             row's {}; put it back where that text belongs",
                            &p[1..p.len() - 1]
                        ),
                    });
                }
            }
            let lower = text.to_lowercase();
            for m in kind.markers().iter().chain([&END]) {
                if !lower.contains(&m.to_lowercase()) {
                    errors.push(PromptError {
                        field,
                        message: format!(
                            "{field}: the marker {m} is missing, so the reply could not be read; ask \
                             for the section between {} and {END} again",
                            kind.markers().join(" / ")
                        ),
                    });
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Replaces each `{name}` of `vars` in one left-to-right pass (substituted text is never scanned again).
fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match vars.iter().find(|(name, _)| rest.starts_with(name)) {
            Some((name, value)) => {
                out.push_str(value);
                rest = &rest[name.len()..];
            }
            None => {
                out.push('{');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// What [`extract`] found in a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Extraction {
    /// Every requested section, in the order asked for, and the text before the first marker.
    Found {
        critique: String,
        sections: Vec<String>,
    },
    /// A marker was missing or its section empty; `raw` is the whole reply.
    ParseFailed { raw: String, reason: String },
}

/// Every marker the lab knows: a section also ends where another one starts.
const KNOWN: [&str; 3] = ["new instruction", "new answer", "better answer"];

/// Where a marker was found: `start` is where the text before it ends, `content` where its section begins.
#[derive(Debug, Clone, Copy)]
struct Hit {
    start: usize,
    content: usize,
}

/// Pulls the sections named by `markers` (e.g. `["[New Instruction]", "[New Answer]"]`; brackets
/// optional) out of a model's reply.
///
/// What it tolerates, because models do all of these:
/// - any letter case (`[new answer]`, `[NEW ANSWER]`) and emphasis around a marker (`**[New Answer]**`,
///   `### [New Answer]:`);
/// - a `New Answer:` label at the start of a line when no bracketed marker exists;
/// - a missing `[End]`: the section then ends at the next marker or at the end of the reply;
/// - `[END]`, `[/New Answer]` or `[End of answer]` as terminators — always bracketed, never a bare word, so
///   "Endless" or "End of story" in an answer stays;
/// - text after `[End]` (ignored), CRLF line endings, a reply wrapped in a code fence, and a section
///   wrapped in a bare code fence or in quotes (unwrapped — but a fence with a language, ```` ```python ````,
///   is the answer's own code block and is kept).
///
/// A marker mentioned mid-sentence in the critique ("I will now write the [New Answer]") is passed over
/// when the same marker also opens a line. When a marker opens two sections, the first is taken: it is
/// the one that follows the critique, and it ends where the second begins.
pub fn extract(text: &str, markers: &[&str]) -> Extraction {
    let failed = |reason: String| Extraction::ParseFailed {
        raw: text.to_string(),
        reason,
    };
    let body = text.replace("\r\n", "\n");
    let mut hits = Vec::with_capacity(markers.len());
    for m in markers {
        let name = normal(m.trim().trim_start_matches('[').trim_end_matches(']'));
        match find_open(&body, &name) {
            Some(hit) => hits.push(hit),
            None => {
                return failed(format!(
                    "no {} marker in the reply; the original row is kept",
                    display(m)
                ))
            }
        }
    }
    let mut sections = Vec::with_capacity(hits.len());
    for (m, hit) in markers.iter().zip(&hits) {
        let end = section_end(&body, hit.content);
        let section = clean(&body[hit.content..end]);
        if section.is_empty() {
            return failed(format!(
                "the {} section is empty; the original row is kept",
                display(m)
            ));
        }
        sections.push(section);
    }
    let first = hits.iter().map(|h| h.start).min().unwrap_or(0);
    Extraction::Found {
        critique: strip_dangling_fence(body[..first].trim())
            .trim()
            .to_string(),
        sections,
    }
}

/// `[Name]` for a message, whether or not the caller wrote the brackets.
fn display(marker: &str) -> String {
    format!(
        "[{}]",
        marker.trim().trim_start_matches('[').trim_end_matches(']')
    )
}

/// Lower case with runs of whitespace as one space, for comparing marker names.
fn normal(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A bracketed tag on one line: byte range of `[`…`]` and its normalised inside.
fn brackets(body: &str) -> impl Iterator<Item = (usize, usize, String)> + '_ {
    body.match_indices('[').filter_map(move |(open, _)| {
        let rest = &body[open + 1..];
        let close = rest.find([']', '\n', '['])?;
        if !rest[close..].starts_with(']') || close > 60 {
            return None;
        }
        Some((open, open + 1 + close + 1, normal(&rest[..close])))
    })
}

/// Whether only emphasis or heading characters stand between the start of the line and `at`.
fn line_prefix_start(body: &str, at: usize) -> Option<usize> {
    let line_start = body[..at].rfind('\n').map_or(0, |i| i + 1);
    body[line_start..at]
        .chars()
        .all(|c| c.is_whitespace() || matches!(c, '*' | '_' | '#' | '>'))
        .then_some(line_start)
}

/// Emphasis (`**`, `__`) directly before `at`, when it starts a word: `**[End]**` ends the text at the
/// `**`, but `**bold**[End]` keeps the closing `**` of the bold.
fn emphasis_start(body: &str, at: usize) -> usize {
    let start = body[..at].trim_end_matches(['*', '_']).len();
    let starts_word = body[..start]
        .chars()
        .next_back()
        .is_none_or(char::is_whitespace);
    if starts_word {
        start
    } else {
        at
    }
}

/// Skips what may follow a marker on its line: spaces, emphasis and a colon.
fn after_marker(body: &str, at: usize) -> usize {
    let rest = &body[at..];
    at + (rest.len() - rest.trim_start_matches([' ', '\t', '*', '_', ':']).len())
}

fn find_open(body: &str, name: &str) -> Option<Hit> {
    let mut anywhere = None;
    for (open, close, inner) in brackets(body) {
        if inner != name {
            continue;
        }
        let content = after_marker(body, close);
        if let Some(line_start) = line_prefix_start(body, open) {
            return Some(Hit {
                start: line_start,
                content,
            });
        }
        anywhere.get_or_insert(Hit {
            start: emphasis_start(body, open),
            content,
        });
    }
    anywhere.or_else(|| find_label(body, name))
}

/// A `New Answer:` label (or a `## New Answer` heading) at the start of a line.
fn find_label(body: &str, name: &str) -> Option<Hit> {
    let mut line_start = 0;
    for line in body.split_inclusive('\n') {
        if let Some(content) = label_content(line, name) {
            return Some(Hit {
                start: line_start,
                content: line_start + content,
            });
        }
        line_start += line.len();
    }
    None
}

/// Where the section starts within `line` when it opens with a label for `name`.
fn label_content(line: &str, name: &str) -> Option<usize> {
    let rest =
        line.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '*' | '_' | '#' | '>'));
    let heading = line[..line.len() - rest.len()].contains('#');
    let head = rest.get(..name.len())?;
    if normal(head) != name {
        return None;
    }
    let after = rest[name.len()..].trim_start_matches(['*', '_', ' ']);
    let content_at = |after: &str| line.len() - after.len();
    if let Some(after_colon) = after.strip_prefix(':') {
        Some(content_at(after_colon.trim_start_matches(['*', '_', ' '])))
    } else if heading && after.trim().is_empty() {
        Some(content_at(after))
    } else {
        None
    }
}

/// Where a section that starts at `from` ends: at the first bracketed terminator or marker, at the first
/// label of a known marker opening a line, or at the end of the text.
fn section_end(body: &str, from: usize) -> usize {
    let rest = &body[from..];
    let bracket = brackets(rest)
        .find(|(_, _, inner)| {
            let inner = inner.trim_start_matches('/').trim();
            inner == "end" || inner.starts_with("end of ") || KNOWN.contains(&inner)
        })
        .map(|(open, _, _)| emphasis_start(rest, open));
    let label = {
        let mut line_start = 0;
        let mut found = None;
        for line in rest.split_inclusive('\n') {
            // The section's own first line is never a boundary.
            if line_start > 0 && KNOWN.iter().any(|k| label_content(line, k).is_some()) {
                found = Some(line_start);
                break;
            }
            line_start += line.len();
        }
        found
    };
    from + [bracket, label]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len())
}

fn is_fence(line: &str) -> bool {
    line.trim_start().starts_with("```")
}

/// Removes a fence line left over at either end when the marker or `[End]` sat inside a code block
/// (an odd number of fence lines means one of them belongs to text outside this section).
fn strip_dangling_fence(text: &str) -> &str {
    let fences = text.lines().filter(|l| is_fence(l)).count();
    if fences % 2 == 0 {
        return text;
    }
    let first = text.lines().next().unwrap_or("");
    if is_fence(first) && first.trim() == "```" {
        return text[first.len()..].trim();
    }
    let last = text.lines().next_back().unwrap_or("");
    if is_fence(last) && last.trim() == "```" {
        return text[..text.len() - last.len()].trim();
    }
    text
}

/// Trims a section and unwraps a bare fence or quotes around all of it.
fn clean(section: &str) -> String {
    let text = strip_dangling_fence(section.trim()).trim();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() >= 2 {
        let open = lines[0].trim();
        let lang = open.trim_start_matches('`').trim().to_lowercase();
        let wraps = open.starts_with("```")
            && lines[lines.len() - 1].trim() == "```"
            && lines[1..lines.len() - 1].iter().all(|l| !is_fence(l));
        if wraps && matches!(lang.as_str(), "" | "text" | "markdown" | "md") {
            return lines[1..lines.len() - 1].join("\n").trim().to_string();
        }
    }
    for (open, close) in [('"', '"'), ('“', '”')] {
        if let Some(inner) = text.strip_prefix(open).and_then(|t| t.strip_suffix(close)) {
            if !inner.contains([open, close]) {
                return inner.trim().to_string();
            }
        }
    }
    text.to_string()
}

/// How a refinement ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The model proposed a different row, to be reviewed.
    Revised,
    /// The model's version is the same as the original (after trimming): nothing to review.
    Unchanged,
    /// The reply could not be read; the original row is kept. The reason says what was missing.
    ParseFailed(String),
}

/// One row's reflection: the original, the proposed revision, and everything needed to review it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refinement {
    pub kind: Kind,
    /// The row as it was; never modified.
    pub original: Record,
    /// The proposed row (`None` when unchanged or unreadable). Its provenance says which model and kind
    /// produced it and where the original came from.
    pub revised: Option<Record>,
    /// The model's analysis: the text before the first marker (all of the reply when no marker was found).
    pub critique: String,
    /// The whole reply as received.
    pub raw: String,
    pub status: Status,
}

impl Refinement {
    /// Reads a model's `raw` reply to a reflection prompt of `kind` about `original`.
    pub fn from_reply(kind: Kind, original: &Record, raw: &str, model: &str) -> Refinement {
        let (critique, revised, status) = match extract(raw, kind.markers()) {
            Extraction::ParseFailed { reason, .. } => {
                (raw.trim().to_string(), None, Status::ParseFailed(reason))
            }
            Extraction::Found { critique, sections } => {
                let mut revised = original.clone();
                match kind {
                    Kind::InstructionReflection => {
                        revised.instruction = sections[0].clone();
                        revised.output = sections[1].clone();
                    }
                    Kind::ResponseReflection | Kind::ResponseReflectionWithInput => {
                        revised.output = sections[0].clone();
                    }
                }
                let same = revised.instruction.trim() == original.instruction.trim()
                    && revised.output.trim() == original.output.trim();
                if same {
                    (critique, None, Status::Unchanged)
                } else {
                    let note = json!({ "kind": kind.id(), "from": original.provenance });
                    revised.provenance = Provenance::generated(
                        &format!("reflection:{model}"),
                        Some(note.to_string()),
                    );
                    (critique, Some(revised), Status::Revised)
                }
            }
        };
        Refinement {
            kind,
            original: original.clone(),
            revised,
            critique,
            raw: raw.to_string(),
            status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(instruction: &str, input: &str, output: &str) -> Record {
        Record {
            instruction: instruction.into(),
            input: input.into(),
            output: output.into(),
            provenance: Provenance::file("instruction-data.json", 7),
        }
    }

    fn found(text: &str, markers: &[&str]) -> (String, Vec<String>) {
        match extract(text, markers) {
            Extraction::Found { critique, sections } => (critique, sections),
            other => panic!("expected sections in {text:?}, got {other:?}"),
        }
    }

    fn better(text: &str) -> String {
        found(text, &[BETTER_ANSWER]).1.remove(0)
    }

    fn failure(text: &str, markers: &[&str]) -> String {
        match extract(text, markers) {
            Extraction::ParseFailed { raw, reason } => {
                assert_eq!(raw, text);
                reason
            }
            other => panic!("expected a failure for {text:?}, got {other:?}"),
        }
    }

    const BOTH: &[&str] = &[NEW_INSTRUCTION, NEW_ANSWER];

    #[test]
    fn kinds_follow_the_input() {
        assert_eq!(choose_kind(&rec("a", "", "b")), Kind::InstructionReflection);
        assert_eq!(
            choose_kind(&rec("a", "ctx", "b")),
            Kind::ResponseReflectionWithInput
        );
        assert_eq!(
            choose_kind_for(&rec("a", " ", "b"), Mode::Response),
            Kind::ResponseReflection
        );
    }

    #[test]
    fn default_prompts_are_valid_and_render() {
        let p = PromptSet::default();
        assert_eq!(p.validate(), Ok(()));
        let (system, user) = p.render(
            Kind::ResponseReflectionWithInput,
            &rec("Summarise {output}", "The text.", "A summary."),
        );
        assert!(system.contains("[End]"));
        assert!(
            user.contains("Summarise {output}\n"),
            "no second substitution"
        );
        assert!(user.contains("Input:\nThe text.\n"));
        assert!(user.contains("Answer:\nA summary.\n"));
        assert!(user.ends_with("[Better Answer]\nthe better answer\n[End]"));
        let (_, user) = p.render(Kind::InstructionReflection, &rec("Q?", "", "A."));
        assert!(user.contains("Ambiguity") && user.contains("[New Instruction]"));
        assert!(!user.contains('{'));
        let (_, user) = p.render(Kind::ResponseReflection, &rec("Q?", "", "A."));
        assert!(!user.contains("Input:"));
    }

    #[test]
    fn validation_names_the_missing_piece() {
        let mut p = PromptSet::default();
        p.response_with_input_user = p.response_with_input_user.replace("{input}", "");
        p.instruction_user = p.instruction_user.replace("[New Answer]", "[Answer]");
        let errors = p.validate().unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field, "instruction_user");
        assert!(errors[0].message.contains("[New Answer] is missing"));
        assert_eq!(errors[1].field, "response_with_input_user");
        assert!(errors[1].message.contains("{input} is missing"));
        // Markers in another case still count: the extraction ignores case too.
        let mut p = PromptSet::default();
        p.response_user = p.response_user.replace("[End]", "[END]");
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn clean_reply() {
        let text = "The instruction is vague.\n\n[New Instruction]\nName three rivers in Europe.\n[End]\n\n\
                    [New Answer]\nThe Danube, the Rhine and the Loire.\n[End]";
        let (critique, sections) = found(text, BOTH);
        assert_eq!(critique, "The instruction is vague.");
        assert_eq!(
            sections,
            [
                "Name three rivers in Europe.",
                "The Danube, the Rhine and the Loire."
            ]
        );
    }

    #[test]
    fn markers_in_bold_and_lowercase() {
        let text = "Critique.\n**[New Instruction]**\nList two colours.\n**[End]**\n**[new answer]:** Red and blue.\n[END]";
        let (critique, sections) = found(text, BOTH);
        assert_eq!(critique, "Critique.");
        assert_eq!(sections, ["List two colours.", "Red and blue."]);
        assert_eq!(
            better("### [BETTER ANSWER]\nFine.\n[/Better Answer]"),
            "Fine."
        );
        // Bold that belongs to the answer keeps its closing stars.
        assert_eq!(
            better("[Better Answer] It is **bold**[End]"),
            "It is **bold**"
        );
    }

    #[test]
    fn missing_end_runs_to_next_marker_or_end_of_text() {
        let text = "[New Instruction]\nAsk this.\n[New Answer]\nAnswer that.";
        assert_eq!(found(text, BOTH).1, ["Ask this.", "Answer that."]);
        assert_eq!(
            better("Meh.\n[Better Answer]\nLonger answer.\n\n"),
            "Longer answer."
        );
    }

    #[test]
    fn never_cuts_at_a_bare_end() {
        let answer = "The Neverending Story is an Endless tale.\nEnd of story.\nThe END\nend";
        assert_eq!(better(&format!("[Better Answer]\n{answer}\n[End]")), answer);
        assert_eq!(better(&format!("[Better Answer]\n{answer}")), answer);
        assert_eq!(
            better("[Better Answer]\nSee [1] and [ref].\n[End]"),
            "See [1] and [ref]."
        );
    }

    #[test]
    fn two_blocks_take_the_first() {
        let text = "[Better Answer]\nFirst.\n[Better Answer]\nSecond.\n[End]";
        assert_eq!(better(text), "First.");
        let text =
            "[New Instruction]\nI.\n[End]\n[New Answer]\nA1.\n[End]\n[New Answer]\nA2.\n[End]";
        assert_eq!(found(text, BOTH).1, ["I.", "A1."]);
    }

    #[test]
    fn mention_in_the_critique_is_passed_over() {
        let text = "Below I write the [Better Answer] as asked.\n[Better Answer]\nReal one.\n[End]";
        let (critique, sections) = found(text, &[BETTER_ANSWER]);
        assert_eq!(critique, "Below I write the [Better Answer] as asked.");
        assert_eq!(sections, ["Real one."]);
    }

    #[test]
    fn code_blocks() {
        // The whole reply fenced.
        assert_eq!(
            better("```\nOk.\n[Better Answer]\nFenced reply.\n[End]\n```"),
            "Fenced reply."
        );
        // The section in a bare fence: unwrapped.
        assert_eq!(
            better("[Better Answer]\n```\nPlain text.\n```\n[End]"),
            "Plain text."
        );
        // [End] inside the fence: the dangling fence is dropped.
        assert_eq!(
            better("[Better Answer]\n```\nPlain text.\n[End]\n```"),
            "Plain text."
        );
        // A code answer keeps its code block.
        let code = "```python\nprint(\"hi\")\n```";
        assert_eq!(better(&format!("[Better Answer]\n{code}\n[End]")), code);
        let mixed = "Use this:\n```python\nx = 1\n```\nThen run it.";
        assert_eq!(better(&format!("[Better Answer]\n{mixed}\n[End]")), mixed);
    }

    #[test]
    fn label_fallback() {
        let text = "Analysis.\nNew Instruction: Name a planet.\n**New Answer:** Mars.";
        let (critique, sections) = found(text, BOTH);
        assert_eq!(critique, "Analysis.");
        assert_eq!(sections, ["Name a planet.", "Mars."]);
        assert_eq!(
            better("## Better Answer\nHeading style.\n"),
            "Heading style."
        );
        // A label mid-sentence is not a marker.
        assert!(failure("The better answer: more detail.", &[BETTER_ANSWER])
            .contains("no [Better Answer]"));
    }

    #[test]
    fn failures_keep_the_raw_text() {
        let only = "The answer is fine but could mention units.";
        assert!(failure(only, &[BETTER_ANSWER]).contains("no [Better Answer] marker"));
        assert!(failure("[Better Answer]\n[End]", &[BETTER_ANSWER]).contains("section is empty"));
        assert!(failure("[Better Answer]\n  \"\"  \n[End]", &[BETTER_ANSWER]).contains("empty"));
        assert!(failure("[New Answer]\nOnly this.\n[End]", BOTH).contains("[New Instruction]"));
    }

    #[test]
    fn crlf_quotes_and_trailing_text() {
        let text = "Critique.\r\n[Better Answer]\r\nLine one.\r\nLine two.\r\n[End]\r\nThanks!";
        let (critique, sections) = found(text, &[BETTER_ANSWER]);
        assert_eq!(critique, "Critique.");
        assert_eq!(sections, ["Line one.\nLine two."]);
        assert_eq!(better("[Better Answer] \"Quoted.\" [End]"), "Quoted.");
        assert_eq!(
            better("[Better Answer] \"A\" and \"B\" [End]"),
            "\"A\" and \"B\""
        );
        // Marker names may be given without brackets.
        assert_eq!(
            found("[Better Answer]\nx\n[End]", &["Better Answer"]).1,
            ["x"]
        );
    }

    #[test]
    fn refinement_records_revision_and_critique() {
        let original = rec("Name a river", "", "Nile");
        let raw = "Too short.\n[New Instruction]\nName the longest river in Africa.\n[End]\n[New Answer]\nThe Nile.\n[End]";
        let r = Refinement::from_reply(Kind::InstructionReflection, &original, raw, "llama3.2:1b");
        assert_eq!(r.status, Status::Revised);
        assert_eq!(r.critique, "Too short.");
        assert_eq!(r.original, original);
        let revised = r.revised.as_ref().unwrap();
        assert_eq!(revised.instruction, "Name the longest river in Africa.");
        assert_eq!(revised.output, "The Nile.");
        assert_eq!(revised.provenance.source, "reflection:llama3.2:1b");
        let note: Value =
            serde_json::from_str(revised.provenance.note.as_deref().unwrap()).unwrap();
        assert_eq!(note["kind"], "instruction_reflection");
        assert_eq!(note["from"]["line"], 7);
        let back: Refinement = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn refinement_unchanged_and_failed_keep_the_original() {
        let original = rec("Add 2 and 2", "", "4");
        let r = Refinement::from_reply(
            Kind::ResponseReflection,
            &original,
            "Fine.\n[Better Answer]\n4\n[End]",
            "m",
        );
        assert_eq!(r.status, Status::Unchanged);
        assert_eq!(r.revised, None);
        let raw = "It is already perfect.";
        let r = Refinement::from_reply(Kind::ResponseReflection, &original, raw, "m");
        assert!(
            matches!(&r.status, Status::ParseFailed(reason) if reason.contains("[Better Answer]"))
        );
        assert_eq!(
            (r.revised, r.raw.as_str(), r.critique.as_str()),
            (None, raw, raw)
        );
        assert_eq!(r.original.output, "4", "the original is kept whole");
    }

    #[test]
    fn spacing_order_and_inline_end() {
        // Spaces inside the brackets, sections in the other order, [End] on the same line.
        let text = "[ New  Answer ] Blue. [End]\n[New Instruction] Name a colour. [End]";
        let (critique, sections) = found(text, BOTH);
        assert_eq!(critique, "");
        assert_eq!(sections, ["Name a colour.", "Blue."]);
        // An empty first section fails even when the second is fine.
        let text = "[New Instruction]\n[End]\n[New Answer]\nBlue.\n[End]";
        assert!(failure(text, BOTH).contains("[New Instruction] section is empty"));
        // [End of answer] is a terminator too; [Endnote] is not.
        assert_eq!(
            better("[Better Answer]\nSee [Endnote].\n[End of answer]\nbye"),
            "See [Endnote]."
        );
    }

    #[test]
    fn options_are_deterministic() {
        let o = ReflectionOptions::default().ollama_options();
        assert_eq!(o["temperature"], 0.0);
        assert_eq!(o["seed"], 123);
    }
}
