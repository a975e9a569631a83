//! The pipeline spec (CODE-02, LAB-08): the chain of transforms from the raw inputs to a release
//! candidate, with every parameter and every content id, as JSON — and its replay.
//!
//! Each step says how its rows come from its parent's, in one of four ways:
//! - `file`: an imported file, parsed again by the importer (the file itself is not in the spec: it is the
//!   raw input the replay is given);
//! - `decisions`: a lab step whose parameters list the rows it removed (gates, dedup, leakage) or that
//!   keeps its parent's rows (a contract, a tokenizer record): the recorded decisions are applied again;
//! - `model`: rows a model wrote (Magpie, reflection): replayed from the recorded outputs;
//! - `hand`: rows a student edited: replayed from the recorded edits.
//!
//! For `model` and `hand` steps the rows are kept as `ops`: runs of parent rows kept in order and the new
//! rows written out, so a replay needs nothing but the spec and the files.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::core::dataset::content::{content_hash, version_id, VersionMeta};
use crate::core::dataset::importer::import_text;
use crate::core::dataset::parse::{decode_text, CsvMapping, Format};
use crate::core::dataset::record::Record;
use crate::core::dataset::workspace::Workspace;

/// The spec format this lab writes and reads.
pub const SPEC_FORMAT: &str = "datalab-pipeline/1";

/// One row's three fields, as the spec writes them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fields {
    pub instruction: String,
    pub input: String,
    pub output: String,
}

impl Fields {
    fn of(r: &Record) -> Self {
        Fields {
            instruction: r.instruction.clone(),
            input: r.input.clone(),
            output: r.output.clone(),
        }
    }
    fn arr(&self) -> [&str; 3] {
        [&self.instruction, &self.input, &self.output]
    }
}

/// How part of a step's rows comes about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// Parent rows `[from, to)`, in order.
    Keep([usize; 2]),
    /// A row written out.
    Row(Fields),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    File,
    Decisions,
    Model,
    Hand,
}

/// The raw file an import step read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub file: String,
    /// `json`, `jsonl` or `csv`.
    pub format: String,
    /// For CSV: which columns hold the fields.
    #[serde(default)]
    pub mapping: Option<Value>,
    /// 0-based record indices the importer quarantined (they are not in the version).
    pub quarantined: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub id: String,
    pub parent: Option<String>,
    pub transform: String,
    pub params: Value,
    pub kind: StepKind,
    pub rows: usize,
    pub content_hash: String,
    #[serde(default)]
    pub tokenizer: Option<String>,
    /// For `decisions` steps: parent rows removed, ascending.
    #[serde(default)]
    pub removed: Vec<usize>,
    /// For `model` and `hand` steps.
    #[serde(default)]
    pub ops: Vec<Op>,
    #[serde(default)]
    pub input: Option<Input>,
    /// One line for people.
    pub why: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    pub format: String,
    pub lab_version: String,
    pub candidate: String,
    /// ISO 8601.
    pub made: String,
    pub steps: Vec<Step>,
}

impl Spec {
    /// Steps replayed from recorded model outputs.
    pub fn model_steps(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.kind == StepKind::Model)
            .count()
    }

    /// The raw files a replay needs.
    pub fn inputs(&self) -> Vec<&Input> {
        self.steps.iter().filter_map(|s| s.input.as_ref()).collect()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a spec serialises")
    }

    /// Reads a spec, naming what is wrong: not JSON, another format, another lab version (a warning).
    pub fn from_json(text: &str, lab_version: &str) -> Result<(Spec, Option<String>), String> {
        let v: Value = serde_json::from_str(text).map_err(|e| {
            format!(
                "The pipeline spec is not JSON (line {}, column {}): {e}. Export it again with Export pipeline spec.",
                e.line(),
                e.column()
            )
        })?;
        match v.get("format").and_then(Value::as_str) {
            Some(SPEC_FORMAT) => {}
            Some(f) => {
                return Err(format!(
                    "This spec is in format \"{f}\"; this lab reads \"{SPEC_FORMAT}\". Export it again from this lab."
                ))
            }
            None => {
                return Err(
                    "This file has no \"format\" field: it is not a datalab pipeline spec.".into(),
                )
            }
        }
        let spec: Spec =
            serde_json::from_value(v).map_err(|e| format!("The pipeline spec is damaged: {e}."))?;
        let warning = (spec.lab_version != lab_version).then(|| {
            format!(
                "This spec was made by lab version {}; this is {lab_version}. If a transform changed between them, its step will differ, and the replay says which.",
                spec.lab_version
            )
        });
        Ok((spec, warning))
    }
}

/// Transforms whose parameters list removed parent rows as `removed[].row`.
const REMOVING: [&str; 3] = ["clean", "dedup", "leakage"];
/// Transforms that keep their parent's rows as they are.
const KEEPING: [&str; 4] = ["contract", "retokenize", "tokenizer", "discard"];
/// Transforms whose new rows a model wrote.
const MODEL: [&str; 2] = ["magpie", "refine"];

fn removed_rows(params: &Value) -> Vec<usize> {
    let mut rows: Vec<usize> = params["removed"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["row"].as_u64().map(|x| x as usize))
                .collect()
        })
        .unwrap_or_default();
    rows.sort_unstable();
    rows.dedup();
    rows
}

/// Parent rows without `removed` (ascending).
fn drop_rows<T: Clone>(parent: &[T], removed: &[usize]) -> Vec<T> {
    let mut it = removed.iter().peekable();
    parent
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            if it.peek() == Some(&i) {
                it.next();
                false
            } else {
                true
            }
        })
        .map(|(_, r)| r.clone())
        .collect()
}

/// `child` as ops over `parent`: each child row is taken from the parent where an equal row is left (in
/// order), else written out.
pub fn diff_ops(parent: &[Fields], child: &[Fields]) -> Vec<Op> {
    let mut at: HashMap<&Fields, VecDeque<usize>> = HashMap::new();
    for (i, r) in parent.iter().enumerate() {
        at.entry(r).or_default().push_back(i);
    }
    let mut ops: Vec<Op> = Vec::new();
    for c in child {
        match at.get_mut(c).and_then(|q| q.pop_front()) {
            Some(i) => match ops.last_mut() {
                Some(Op::Keep([_, to])) if *to == i => *to = i + 1,
                _ => ops.push(Op::Keep([i, i + 1])),
            },
            None => ops.push(Op::Row(c.clone())),
        }
    }
    ops
}

/// Applies ops to `parent`; an op out of range is named.
pub fn apply_ops(parent: &[Fields], ops: &[Op]) -> Result<Vec<Fields>, String> {
    let mut out = Vec::new();
    for (k, op) in ops.iter().enumerate() {
        match op {
            Op::Keep([from, to]) => {
                if from > to || *to > parent.len() {
                    return Err(format!(
                        "op {} keeps parent rows {from}..{to}, but the parent has {} rows",
                        k + 1,
                        parent.len()
                    ));
                }
                out.extend_from_slice(&parent[*from..*to]);
            }
            Op::Row(f) => out.push(f.clone()),
        }
    }
    Ok(out)
}

fn hash_of(rows: &[Fields]) -> String {
    content_hash(rows.iter().map(Fields::arr))
}

/// What the spec builder needs per version: its rows and the record indices its import quarantined.
pub struct Stored {
    pub rows: Vec<Record>,
    pub quarantined: Vec<usize>,
}

/// The spec of `candidate`'s lineage. `stored(id)` gives each version's rows (an error names a missing
/// one). Fails when the lineage does not start at a file or a model step.
pub fn build(
    ws: &Workspace,
    candidate: &str,
    lab_version: &str,
    made: &str,
    stored: impl Fn(&str) -> Result<Stored, String>,
) -> Result<Spec, String> {
    let lineage = ws.lineage(candidate);
    if lineage.is_empty() {
        return Err(format!("There is no version {candidate}."));
    }
    let mut steps = Vec::new();
    let mut parent_rows: Vec<Fields> = Vec::new();
    for v in lineage {
        let s = stored(&v.id)?;
        let rows: Vec<Fields> = s.rows.iter().map(Fields::of).collect();
        let t = v.transform.as_str();
        let mut step = Step {
            id: v.id.clone(),
            parent: v.parent.clone(),
            transform: v.transform.clone(),
            params: v.params.clone(),
            kind: StepKind::Hand,
            rows: v.rows,
            content_hash: v.content_hash.clone(),
            tokenizer: v.tokenizer.clone(),
            removed: Vec::new(),
            ops: Vec::new(),
            input: None,
            why: String::new(),
        };
        if t == "import" && v.parent.is_none() {
            let file = v.params["source"].as_str().unwrap_or("data").to_string();
            step.kind = StepKind::File;
            step.why = format!(
                "import {file}: {} rows, {} quarantined",
                v.rows,
                s.quarantined.len()
            );
            step.input = Some(Input {
                file,
                format: v.params["format"].as_str().unwrap_or("json").into(),
                mapping: v.params.get("mapping").cloned(),
                quarantined: s.quarantined,
            });
        } else {
            let removed = removed_rows(&v.params);
            let decided = if REMOVING.contains(&t) && !removed.is_empty() {
                Some(removed)
            } else if KEEPING.contains(&t) {
                Some(Vec::new())
            } else {
                None
            };
            // Recorded decisions are used only when they give exactly the recorded rows.
            match decided.filter(|r| hash_of(&drop_rows(&parent_rows, r)) == v.content_hash) {
                Some(removed) => {
                    step.kind = StepKind::Decisions;
                    step.why = if removed.is_empty() {
                        format!("{t}: the parent's rows, unchanged")
                    } else {
                        format!("{t}: {} recorded rows removed", removed.len())
                    };
                    step.removed = removed;
                }
                None => {
                    step.ops = diff_ops(&parent_rows, &rows);
                    let new = step.ops.iter().filter(|o| matches!(o, Op::Row(_))).count();
                    step.kind = if MODEL.contains(&t) {
                        StepKind::Model
                    } else {
                        StepKind::Hand
                    };
                    step.why = format!(
                        "{t}: {new} rows {} replayed from the record, {} kept from the parent",
                        if step.kind == StepKind::Model {
                            "a model wrote,"
                        } else {
                            "written by hand,"
                        },
                        rows.len() - new
                    );
                }
            }
        }
        steps.push(step);
        parent_rows = rows;
    }
    Ok(Spec {
        format: SPEC_FORMAT.into(),
        lab_version: lab_version.into(),
        candidate: candidate.into(),
        made: made.into(),
        steps,
    })
}

/// One step's replay.
#[derive(Clone, Debug, PartialEq)]
pub struct Replayed {
    pub n: usize,
    pub id: String,
    pub transform: String,
    /// How it was replayed ("parsed data.json again", "from the recorded model outputs").
    pub how: String,
    /// `Err` names why the step's content id differs.
    pub outcome: Result<(), String>,
    /// The rows the replay made (for the last step: the candidate).
    pub rows: usize,
}

/// The replay's verdict in one line.
pub fn verdict(steps: &[Replayed], total: usize) -> String {
    match steps.iter().find(|s| s.outcome.is_err()) {
        None if steps.len() == total => format!("identical at every step ({total} steps)"),
        None => format!("{} of {total} steps replayed", steps.len()),
        Some(s) => format!(
            "step {} ({} {}) differs: {}",
            s.n,
            s.transform,
            s.id,
            s.outcome.as_ref().err().cloned().unwrap_or_default()
        ),
    }
}

fn format_of(id: &str) -> Option<Format> {
    match id {
        "json" => Some(Format::JsonArray),
        "jsonl" => Some(Format::Jsonl),
        "csv" => Some(Format::Csv),
        _ => None,
    }
}

fn mapping_of(v: &Option<Value>) -> CsvMapping {
    match v {
        Some(m) => CsvMapping {
            instruction: m["instruction"].as_str().unwrap_or("instruction").into(),
            input: m["input"].as_str().map(str::to_string),
            output: m["output"].as_str().unwrap_or("output").into(),
        },
        None => CsvMapping::default(),
    }
}

/// Replays one file step: the file parsed by the importer, compared with what the spec recorded.
fn replay_file(input: &Input, bytes: Option<&Vec<u8>>) -> Result<Vec<Fields>, String> {
    let bytes = bytes.ok_or_else(|| {
        format!(
            "the input file {} is missing: add it with the other raw files",
            input.file
        )
    })?;
    let text = decode_text(bytes).map_err(|e| format!("{}: {e}", input.file))?;
    let imported = import_text(
        text,
        &input.file,
        format_of(&input.format),
        &mapping_of(&input.mapping),
    )
    .map_err(|e| format!("{}: {e}", input.file))?;
    let held: Vec<usize> = imported.quarantined.iter().map(|q| q.row.index).collect();
    if held != input.quarantined {
        return Err(format!(
            "{} quarantines records {:?} now; the import quarantined {:?}: it is not the file that was imported",
            input.file, held, input.quarantined
        ));
    }
    Ok(imported.records.iter().map(Fields::of).collect())
}

/// A replay in progress, one step at a time (so a page can show progress and yield between steps).
pub struct Replay<'a> {
    spec: &'a Spec,
    files: &'a BTreeMap<String, Vec<u8>>,
    made: HashMap<&'a str, Vec<Fields>>,
    out: Vec<Replayed>,
}

impl<'a> Replay<'a> {
    pub fn new(spec: &'a Spec, files: &'a BTreeMap<String, Vec<u8>>) -> Self {
        Replay {
            spec,
            files,
            made: HashMap::new(),
            out: Vec::new(),
        }
    }

    /// True when every step is replayed or one differed (the later ones depend on it).
    pub fn done(&self) -> bool {
        self.out.len() == self.spec.steps.len() || self.out.iter().any(|r| r.outcome.is_err())
    }

    /// Steps replayed so far.
    pub fn replayed(&self) -> usize {
        self.out.len()
    }

    pub fn finish(self) -> Vec<Replayed> {
        self.out
    }

    /// Replays the next step.
    pub fn step(&mut self) {
        if self.done() {
            return;
        }
        let i = self.out.len();
        let s = &self.spec.steps[i];
        let made = &self.made;
        let parent: Result<&[Fields], String> = match &s.parent {
            None => Ok(&[]),
            Some(p) => made.get(p.as_str()).map(Vec::as_slice).ok_or_else(|| {
                format!("its parent {p} is not an earlier step of the spec: the spec is damaged")
            }),
        };
        let (how, rows) = match s.kind {
            StepKind::File => match &s.input {
                Some(input) => (
                    format!("{} parsed again by the importer", input.file),
                    replay_file(input, self.files.get(&input.file)),
                ),
                None => (
                    "a file step".into(),
                    Err("the step names no input file: the spec is damaged".into()),
                ),
            },
            StepKind::Decisions => (
                if s.removed.is_empty() {
                    "the parent's rows, unchanged".into()
                } else {
                    format!("{} recorded removals applied", s.removed.len())
                },
                parent.map(|p| drop_rows(p, &s.removed)),
            ),
            StepKind::Model => (
                "from the recorded model outputs (no model is called)".into(),
                parent.and_then(|p| apply_ops(p, &s.ops)),
            ),
            StepKind::Hand => (
                "from the recorded edits".into(),
                parent.and_then(|p| apply_ops(p, &s.ops)),
            ),
        };
        let (outcome, n) = match rows {
            Err(e) => (Err(e), 0),
            Ok(rows) => {
                let n = rows.len();
                let outcome = compare(s, &rows);
                self.made.insert(&s.id, rows);
                (outcome, n)
            }
        };
        self.out.push(Replayed {
            n: i + 1,
            id: s.id.clone(),
            transform: s.transform.clone(),
            how,
            outcome,
            rows: n,
        });
    }
}

/// The replayed rows' content hash and id against the step's record.
fn compare(s: &Step, rows: &[Fields]) -> Result<(), String> {
    let hash = hash_of(rows);
    let meta = VersionMeta {
        parent: s.parent.clone(),
        transform: s.transform.clone(),
        params: s.params.clone(),
    };
    let id = version_id(&hash, &meta);
    if hash != s.content_hash {
        Err(format!(
            "its rows hash to {} ({} rows), the record says {} ({} rows)",
            &hash[..16],
            rows.len(),
            crate::core::text::prefix(&s.content_hash, 16),
            s.rows
        ))
    } else if id != s.id {
        Err(format!(
            "the rows are identical but the id is {id}, not {}: its parent, transform or parameters were changed in the spec",
            s.id
        ))
    } else {
        Ok(())
    }
}

/// Replays `spec` from the raw `files` (by name): every step recomputed, its content hash and id compared
/// with the recorded ones. Stops at the first step that differs (the later ones depend on it).
pub fn replay(spec: &Spec, files: &BTreeMap<String, Vec<u8>>) -> Vec<Replayed> {
    let mut r = Replay::new(spec, files);
    while !r.done() {
        r.step();
    }
    r.finish()
}
