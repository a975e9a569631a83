//! Schema validation of parsed rows: valid rows become [`Record`]s, invalid ones are quarantined with
//! every reason — never silently dropped — and can be fixed in place.
//!
//! The schema is the book's: `instruction` and `output` are required strings, `input` is an optional
//! string: a missing key means `""`, as in the generation notebook's file, which has no input key; an
//! explicit `null` is imported as `""` too, but with a warning naming the record, so the change is seen.
//! What cannot be repaired without guessing (a missing or null required field, a number where text
//! belongs, a key given twice) quarantines the row; what loses nothing important (an unknown extra field,
//! an empty text) only warns, so one odd column does not block a whole import.
//!
//! [`schema_of`] and [`drift`] describe the shape of a dataset version and how it changed, so a student
//! notices when a regenerated file suddenly has numbers in `output` or lost its `input` field.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::parse::{RawRow, RawValue};
use super::record::{Provenance, Record};

/// The fields of the schema, in the book's order: the one field list of every reader of instruction
/// records (the workspace import, the workspace's editors and the extension lab's corpus).
pub const FIELDS: [&str; 3] = ["instruction", "input", "output"];

/// What is wrong with a row (or, for warnings, what was odd about it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A required field (`instruction`, `output`) is absent.
    Missing,
    /// A required field is `null`.
    Null,
    /// A field holds a non-string JSON value; `found` is its JSON type ("number", "boolean", ...).
    WrongType {
        /// JSON type name of the value found.
        found: &'static str,
    },
    /// A field outside the schema (a warning: the field is dropped, the record imports).
    UnknownField,
    /// The same key appears more than once in one object, so which value is meant is ambiguous.
    DuplicateKey,
    /// The row is valid JSON but not an object.
    NotAnObject,
    /// The row could not be parsed at all; the message from the parser.
    Unparsable(String),
    /// `instruction` or `output` is empty or only whitespace (a warning: nothing to learn from, but
    /// possibly intended, so the record still imports).
    EmptyText,
    /// The optional `input` is `null` (a warning: imported as `""`, which is what "no input" means in
    /// the book's format, but said aloud because the value was changed).
    NullAsEmpty,
}

impl Problem {
    /// A stable snake_case code, for exports and for the UI to pick an icon.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Missing => "missing",
            Problem::Null => "null",
            Problem::WrongType { .. } => "wrong_type",
            Problem::UnknownField => "unknown_field",
            Problem::DuplicateKey => "duplicate_key",
            Problem::NotAnObject => "not_an_object",
            Problem::Unparsable(_) => "unparsable",
            Problem::EmptyText => "empty_text",
            Problem::NullAsEmpty => "null_as_empty",
        }
    }
}

/// One problem with one row: where it is, which field, what is wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// 0-based record index, as in Python's `data[index]`.
    pub index: usize,
    /// 1-based line where the record starts.
    pub line: usize,
    /// The field concerned, if the problem is about one field.
    pub field: Option<String>,
    /// The kind of problem.
    pub problem: Problem,
    /// What is wrong and what to do about it, for the person fixing the data.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record {} (line {})", self.index, self.line)?;
        if let Some(field) = &self.field {
            write!(f, ", field \"{field}\"")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A row that did not import, kept whole with all its reasons so it can be listed, exported and fixed.
#[derive(Debug, Clone, PartialEq)]
pub struct Quarantined {
    /// The row as parsed (keys in file order, duplicates kept).
    pub row: RawRow,
    /// Every reason the row was rejected (at least one).
    pub issues: Vec<Issue>,
    /// The source the row came from, so a fixed record keeps its provenance.
    pub source: String,
}

/// The outcome of validating a file's rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated {
    /// Rows that passed, as records (in file order).
    pub records: Vec<Record>,
    /// Rows that did not, with their reasons (in file order).
    pub quarantined: Vec<Quarantined>,
    /// Oddities in imported records that did not stop them (unknown fields dropped, empty texts).
    pub warnings: Vec<Issue>,
}

/// Validates parsed rows against the instruction/input/output schema; `source` (the file name) goes
/// into each record's provenance with the row's line.
///
/// Every row ends up in exactly one of `records` or `quarantined`, so counts always add up.
pub fn validate(rows: Vec<RawRow>, source: &str) -> Validated {
    let mut out = Validated {
        records: Vec::new(),
        quarantined: Vec::new(),
        warnings: Vec::new(),
    };
    for row in rows {
        match check_row(&row, source) {
            Ok((record, warnings)) => {
                out.records.push(record);
                out.warnings.extend(warnings);
            }
            Err(issues) => out.quarantined.push(Quarantined {
                row,
                issues,
                source: source.to_owned(),
            }),
        }
    }
    out
}

/// Fixes a quarantined row in place: sets `field` to the string `value` (replacing every occurrence of
/// the key, which also resolves a duplicate key) and validates again.
///
/// Returns the record (provenance: the original source and line, with a note saying what was edited),
/// or the issues that remain — e.g. after fixing `instruction`, a still-missing `output`. To change
/// several fields, apply [`set_field`] to the row first.
pub fn fix(q: &Quarantined, field: &str, value: &str) -> Result<Record, Vec<Issue>> {
    let row = set_field(&q.row, field, value);
    let (mut record, _warnings) = check_row(&row, &q.source)?;
    record.provenance.note = Some(format!("fixed by hand: \"{field}\" set"));
    Ok(record)
}

/// Fixes a quarantined row by setting several fields at once (e.g. both a missing instruction and a
/// numeric output), then validates again; see [`fix`].
pub fn fix_fields(q: &Quarantined, values: &[(&str, &str)]) -> Result<Record, Vec<Issue>> {
    let mut row = q.row.clone();
    for (field, value) in values {
        row = set_field(&row, field, value);
    }
    let (mut record, _warnings) = check_row(&row, &q.source)?;
    let names: Vec<&str> = values.iter().map(|(f, _)| *f).collect();
    record.provenance.note = Some(format!("fixed by hand: {} set", names.join(", ")));
    Ok(record)
}

/// Returns `row` with `field` set to the string `value`: the first occurrence of the key is replaced
/// (keeping its position) and any further occurrences removed. A row that was not an object becomes an
/// object holding just this field, so it can be rebuilt field by field.
pub fn set_field(row: &RawRow, field: &str, value: &str) -> RawRow {
    let new = Value::String(value.to_owned());
    let pairs = match &row.value {
        RawValue::Object(pairs) => {
            let mut out = Vec::with_capacity(pairs.len() + 1);
            let mut placed = false;
            for (k, v) in pairs {
                if k == field {
                    if !placed {
                        out.push((k.clone(), new.clone()));
                        placed = true;
                    }
                } else {
                    out.push((k.clone(), v.clone()));
                }
            }
            if !placed {
                out.push((field.to_owned(), new));
            }
            out
        }
        RawValue::NotObject(_) | RawValue::Unparsable(_) => vec![(field.to_owned(), new)],
    };
    RawRow {
        line: row.line,
        index: row.index,
        value: RawValue::Object(pairs),
    }
}

/// How a quarantined row is stored (IndexedDB, workspace zip): the row exactly as read and its source.
/// The reasons are not stored but recomputed on load, so they always match the current rules.
#[derive(Serialize, Deserialize)]
struct StoredRow {
    source: String,
    row: RawRow,
}

/// Quarantined rows as JSON Lines for storage (see [`quarantine_from_store`]).
pub fn quarantine_to_store(quarantined: &[Quarantined]) -> String {
    let mut out = String::new();
    for q in quarantined {
        let stored = StoredRow {
            source: q.source.clone(),
            row: q.row.clone(),
        };
        out.push_str(&serde_json::to_string(&stored).expect("a raw row serialises"));
        out.push('\n');
    }
    out
}

/// Reads stored quarantined rows back, re-checking each to list its reasons.
pub fn quarantine_from_store(text: &str) -> Result<Vec<Quarantined>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let s: StoredRow = serde_json::from_str(l)
                .map_err(|e| format!("stored quarantine, line {}: {e}", i + 1))?;
            Ok(requarantine(s.row, s.source))
        })
        .collect()
}

/// A row back in quarantine with its current reasons (a row that now passes keeps a note saying so, so
/// it is still shown and can be accepted by hand rather than vanish).
pub fn requarantine(row: RawRow, source: String) -> Quarantined {
    let issues = match check_row(&row, &source) {
        Err(issues) => issues,
        Ok(_) => vec![Issue {
            index: row.index,
            line: row.line,
            field: None,
            problem: Problem::Unparsable("passes now".into()),
            message: "this row passes the checks now; fix any field to accept it".into(),
        }],
    };
    Quarantined {
        row,
        issues,
        source,
    }
}

/// Exports quarantined rows as JSON Lines so they can be fixed outside the lab: one object per row with
/// `source`, `index`, `line`, `issues` (`field`, `problem` code, `message`) and `record` — the row as
/// written, duplicate keys included (`null` for a row that could not be parsed).
pub fn quarantine_to_jsonl(quarantined: &[Quarantined]) -> String {
    let mut out = String::new();
    for q in quarantined {
        let issues: Vec<Value> = q
            .issues
            .iter()
            .map(|i| {
                serde_json::json!({
                    "field": i.field,
                    "problem": i.problem.code(),
                    "message": i.message,
                })
            })
            .collect();
        // Written by hand so that duplicate keys survive (a serde_json Map would merge them).
        let record = match &q.row.value {
            RawValue::Object(pairs) => {
                let body: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), v))
                    .collect();
                format!("{{{}}}", body.join(","))
            }
            RawValue::NotObject(v) => v.to_string(),
            RawValue::Unparsable(_) => "null".to_owned(),
        };
        out.push_str(&format!(
            "{{\"source\":{},\"index\":{},\"line\":{},\"issues\":{},\"record\":{}}}\n",
            Value::String(q.source.clone()),
            q.row.index,
            q.row.line,
            Value::Array(issues),
            record
        ));
    }
    out
}

/// JSON type name of a value, as users know them from the JSON spec.
/// The JSON type name of a value ("string", "number", …): the names schemas and contracts use.
pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn with_article(type_name: &str) -> String {
    match type_name {
        "null" => "null".to_owned(),
        t if t.starts_with(['a', 'e', 'i', 'o', 'u']) => format!("an {t}"),
        t => format!("a {t}"),
    }
}

/// A short rendering of a value for messages (long values are cut, on a char boundary).
fn preview(v: &Value) -> String {
    const MAX: usize = 40;
    let s = v.to_string();
    if s.chars().count() <= MAX {
        s
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// Checks one row against the schema: `Ok` with the record and its warnings (unknown fields dropped,
/// empty texts, a `null` input read as `""`), or `Err` with every issue that keeps it out (missing, `null`
/// or non-text required fields, duplicate keys, a row that is not an object or could not be parsed).
///
/// This is the one judge of instruction records: [`validate`] runs it over an import, [`fix`] after an
/// edit, and the extension lab's corpus reader over the rows of a pasted corpus. `source` goes into the
/// record's provenance with the row's line. The warnings of a row that fails are not returned: only what
/// keeps it out.
pub fn check_row(row: &RawRow, source: &str) -> Result<(Record, Vec<Issue>), Vec<Issue>> {
    let issue = |field: Option<&str>, problem: Problem, message: String| Issue {
        index: row.index,
        line: row.line,
        field: field.map(str::to_owned),
        problem,
        message,
    };
    let pairs = match &row.value {
        RawValue::Unparsable(msg) => {
            return Err(vec![issue(
                None,
                Problem::Unparsable(msg.clone()),
                msg.clone(),
            )])
        }
        RawValue::NotObject(v) => {
            return Err(vec![issue(
                None,
                Problem::NotAnObject,
                format!(
                    "this record is {} ({}), not an object — each record must look like {{\"instruction\": \
                     \"...\", \"input\": \"...\", \"output\": \"...\"}}",
                    with_article(json_type(v)),
                    preview(v)
                ),
            )])
        }
        RawValue::Object(pairs) => pairs,
    };

    let mut errors = Vec::new();
    let mut warnings = Vec::new();

    // Keys in first-appearance order with their counts.
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for (k, _) in pairs {
        match counts.iter_mut().find(|(seen, _)| *seen == k) {
            Some((_, n)) => *n += 1,
            None => counts.push((k, 1)),
        }
    }
    for &(key, n) in &counts {
        if n > 1 {
            let values: Vec<String> = pairs
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| preview(v))
                .collect();
            errors.push(issue(
                Some(key),
                Problem::DuplicateKey,
                format!(
                    "the key \"{key}\" appears {n} times in this record ({}), so its value is ambiguous — \
                     keep the right one and delete the others",
                    values.join(", ")
                ),
            ));
        } else if !FIELDS.contains(&key) {
            warnings.push(issue(
                Some(key),
                Problem::UnknownField,
                format!(
                    "unknown field \"{key}\" is not part of the instruction/input/output schema, so it was \
                     dropped from the imported record — rename it if it holds one of those"
                ),
            ));
        }
    }

    let mut texts: [String; 3] = Default::default();
    for (slot, name) in texts.iter_mut().zip(FIELDS) {
        let required = name != "input";
        if counts.iter().any(|&(k, n)| k == name && n > 1) {
            continue; // already reported as a duplicate key
        }
        match pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v) {
            None if !required => {}
            Some(Value::Null) if !required => warnings.push(issue(
                Some(name),
                Problem::NullAsEmpty,
                format!(
                    "\"{name}\" is null, so it was imported as an empty {name} (\"\"), which means \"no \
                     {name}\" — if the record had an {name}, write it in; to silence this, delete the key"
                ),
            )),
            None => {
                let hint = match pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
                    Some((k, _)) => {
                        format!(" (there is a key \"{k}\": keys are case-sensitive, rename it to \"{name}\")")
                    }
                    None => String::new(),
                };
                errors.push(issue(
                    Some(name),
                    Problem::Missing,
                    format!(
                        "\"{name}\" is missing{hint} — every record needs an {name}; add it or delete the \
                         record"
                    ),
                ));
            }
            Some(Value::Null) => errors.push(issue(
                Some(name),
                Problem::Null,
                format!("\"{name}\" is null — write the {name} text, or delete the record if it has none"),
            )),
            Some(Value::String(s)) => {
                if required && s.trim().is_empty() {
                    warnings.push(issue(
                        Some(name),
                        Problem::EmptyText,
                        format!(
                            "empty text: \"{name}\" is {} — the record was imported, but a model learns \
                             nothing useful from it; fill it in or delete the record",
                            if s.is_empty() { "empty" } else { "only whitespace" }
                        ),
                    ));
                }
                *slot = s.clone();
            }
            Some(other) => {
                let found = json_type(other);
                let advice = match other {
                    Value::Number(_) | Value::Bool(_) => format!(
                        "put it in quotes ({}) if it is meant as the text",
                        Value::String(other.to_string())
                    ),
                    _ => "write it as one string".to_owned(),
                };
                errors.push(issue(
                    Some(name),
                    Problem::WrongType { found },
                    format!(
                        "\"{name}\" is {} ({}) but must be text (a JSON string) — {advice}",
                        with_article(found),
                        preview(other)
                    ),
                ));
            }
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    let [instruction, input, output] = texts;
    Ok((
        Record {
            instruction,
            input,
            output,
            provenance: Provenance::file(source, row.line),
        },
        warnings,
    ))
}

/// The shape of a dataset version: each field seen in object rows with the JSON types seen for it
/// (field names sorted; types sorted).
pub type Schema = Vec<(String, Vec<String>)>;

/// Collects a [`Schema`] a batch of rows at a time (an import reads its file in slices).
#[derive(Debug, Clone, Default)]
pub struct SchemaBuilder {
    fields: BTreeMap<String, BTreeSet<&'static str>>,
}

impl SchemaBuilder {
    /// Adds the fields of object rows (rows that are not objects have no fields and are skipped).
    pub fn add(&mut self, rows: &[RawRow]) {
        for row in rows {
            if let RawValue::Object(pairs) = &row.value {
                for (k, v) in pairs {
                    match self.fields.get_mut(k.as_str()) {
                        Some(types) => {
                            types.insert(json_type(v));
                        }
                        None => {
                            self.fields
                                .insert(k.clone(), BTreeSet::from([json_type(v)]));
                        }
                    }
                }
            }
        }
    }

    pub fn finish(self) -> Schema {
        self.fields
            .into_iter()
            .map(|(k, types)| (k, types.into_iter().map(str::to_owned).collect()))
            .collect()
    }
}

/// The [`Schema`] of a set of rows.
pub fn schema_of(rows: &[RawRow]) -> Schema {
    let mut b = SchemaBuilder::default();
    b.add(rows);
    b.finish()
}

/// The schema of versions made from validated records: the three fields, all strings.
pub fn record_schema() -> Schema {
    FIELDS
        .iter()
        .map(|f| (f.to_string(), vec!["string".to_owned()]))
        .collect()
}

/// Describes how a schema changed between two versions, one sentence per change (fields added, removed
/// or with different types), in field-name order. An empty list means no drift.
pub fn drift(prev: &[(String, Vec<String>)], next: &[(String, Vec<String>)]) -> Vec<String> {
    let prev: BTreeMap<&str, &[String]> = prev
        .iter()
        .map(|(k, t)| (k.as_str(), t.as_slice()))
        .collect();
    let next: BTreeMap<&str, &[String]> = next
        .iter()
        .map(|(k, t)| (k.as_str(), t.as_slice()))
        .collect();
    let names: BTreeSet<&str> = prev.keys().chain(next.keys()).copied().collect();
    let mut out = Vec::new();
    for name in names {
        match (prev.get(name), next.get(name)) {
            (None, Some(t)) => {
                out.push(format!("Field \"{name}\" was added ({}).", t.join(" or ")))
            }
            (Some(t), None) => out.push(format!(
                "Field \"{name}\" was removed (it was {}).",
                t.join(" or ")
            )),
            (Some(a), Some(b)) if a != b => out.push(format!(
                "Field \"{name}\" changed type: it was {}, now it is {}.",
                a.join(" or "),
                b.join(" or ")
            )),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::parse::{decode_text, detect, parse_rows, CsvMapping};
    use super::*;
    use serde_json::json;

    fn import(bytes: &[u8], name: &str) -> Validated {
        let text = decode_text(bytes).unwrap();
        let format = detect(&text, Some(name));
        let rows = parse_rows(&text, format, &CsvMapping::default()).unwrap();
        validate(rows, name)
    }

    fn row(pairs: Value) -> RawRow {
        let Value::Object(map) = pairs else { panic!() };
        RawRow {
            line: 1,
            index: 0,
            value: RawValue::Object(map.into_iter().collect()),
        }
    }

    fn single(value: Value) -> Validated {
        validate(vec![row(value)], "t.json")
    }

    /// The shape of the generation notebook's file: `json.dump(indent=4)`, no input key, and one broken
    /// row (index 2) with a null instruction and an empty output.
    const NOTEBOOK: &str = r#"[
    {
        "instruction": "Name three primary colors.",
        "output": "Red, yellow and blue."
    },
    {
        "instruction": "What is 2 + 2?",
        "output": "4"
    },
    {
        "instruction": null,
        "output": ""
    },
    {
        "instruction": "Translate \"hello\" to French.",
        "output": "Bonjour."
    },
    {
        "instruction": "Give a word that rhymes with [cat].",
        "output": "Hat."
    }
]"#;

    #[test]
    fn notebook_file_shape() {
        let v = import(NOTEBOOK.as_bytes(), "instructions.json");
        assert_eq!(v.records.len(), 4);
        assert_eq!(v.quarantined.len(), 1);
        let q = &v.quarantined[0];
        assert_eq!((q.row.index, q.row.line), (2, 10));
        assert_eq!(q.issues.len(), 1);
        assert_eq!(q.issues[0].field.as_deref(), Some("instruction"));
        assert_eq!(q.issues[0].problem, Problem::Null);
        assert!(v.records.iter().all(|r| r.input.is_empty()));
        assert_eq!(
            v.records
                .iter()
                .map(|r| r.provenance.line)
                .collect::<Vec<_>>(),
            [Some(2), Some(6), Some(14), Some(18)]
        );
        assert_eq!(v.records[0].provenance.source, "instructions.json");
        assert_eq!(v.records[2].instruction, "Translate \"hello\" to French.");
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
        assert_eq!(
            q.issues[0].to_string(),
            "record 2 (line 10), field \"instruction\": \"instruction\" is null — write the instruction \
             text, or delete the record if it has none"
        );
    }

    #[test]
    fn nulls() {
        // A null input is imported as "" (what "no input" means), but never silently: a warning names
        // the record, the field and what was done.
        let v = single(json!({"instruction": "a", "input": null, "output": "b"}));
        assert_eq!(v.records.len(), 1);
        assert_eq!(v.records[0].input, "");
        assert_eq!(v.warnings.len(), 1);
        let w = &v.warnings[0];
        assert_eq!(
            (w.index, w.field.as_deref(), &w.problem),
            (0, Some("input"), &Problem::NullAsEmpty)
        );
        assert_eq!(
            w.to_string(),
            "record 0 (line 1), field \"input\": \"input\" is null, so it was imported as an empty input \
             (\"\"), which means \"no input\" — if the record had an input, write it in; to silence this, \
             delete the key"
        );
        // A missing input key is the book's own shape: no warning.
        let v = single(json!({"instruction": "a", "output": "b"}));
        assert_eq!((v.records.len(), v.warnings.len()), (1, 0));
        let v = single(json!({"instruction": null, "input": "x", "output": null}));
        let issues = &v.quarantined[0].issues;
        assert_eq!(issues.len(), 2);
        assert!(issues.iter().all(|i| i.problem == Problem::Null));
    }

    #[test]
    fn numbers_and_other_types_where_text_belongs() {
        let v = single(json!({"instruction": "a", "input": true, "output": 42}));
        assert!(v.records.is_empty());
        let issues = &v.quarantined[0].issues;
        assert_eq!(
            issues
                .iter()
                .map(|i| (i.field.as_deref().unwrap(), i.problem.clone()))
                .collect::<Vec<_>>(),
            [
                ("input", Problem::WrongType { found: "boolean" }),
                ("output", Problem::WrongType { found: "number" })
            ]
        );
        assert!(
            issues[1].message.contains("\"42\""),
            "{}",
            issues[1].message
        );
        let v = single(json!({"instruction": ["a"], "output": {"x": 1}}));
        assert_eq!(
            v.quarantined[0].issues[0].problem,
            Problem::WrongType { found: "array" }
        );
        assert!(v.quarantined[0].issues[1].message.contains("an object"));
    }

    #[test]
    fn missing_fields_with_case_hint() {
        let v = single(json!({"Instruction": "a"}));
        let issues = &v.quarantined[0].issues;
        assert_eq!(issues.len(), 2);
        assert_eq!(issues[0].problem, Problem::Missing);
        assert!(
            issues[0].message.contains("case-sensitive"),
            "{}",
            issues[0].message
        );
        assert_eq!(issues[1].field.as_deref(), Some("output"));
    }

    #[test]
    fn duplicate_keys_quarantine() {
        let v = import(
            b"{\"instruction\": \"a\", \"output\": \"one\", \"output\": \"two\"}\n{\"instruction\": \"b\", \"output\": \"c\"}\n",
            "d.jsonl",
        );
        assert_eq!(v.records.len(), 1);
        let issue = &v.quarantined[0].issues[0];
        assert_eq!(issue.problem, Problem::DuplicateKey);
        assert_eq!(issue.field.as_deref(), Some("output"));
        assert!(issue.message.contains("ambiguous"), "{}", issue.message);
        assert!(
            issue.message.contains("\"one\", \"two\""),
            "{}",
            issue.message
        );
    }

    #[test]
    fn unknown_fields_and_empty_text_warn() {
        let v = single(json!({"instruction": "a", "output": " ", "id": 7}));
        assert_eq!(v.records.len(), 1);
        assert_eq!(v.records[0].output, " ");
        let problems: Vec<_> = v.warnings.iter().map(|w| w.problem.clone()).collect();
        assert_eq!(problems, [Problem::UnknownField, Problem::EmptyText]);
        assert!(v.warnings[0].message.contains("dropped"));
        assert!(v.warnings[1].message.contains("empty text"));
    }

    #[test]
    fn not_objects_and_unparsable_rows_quarantine() {
        let v = import(
            b"[1, \"x\", {\"instruction\": \"a\", \"output\": \"b\"}, {\"instr",
            "x.json",
        );
        assert_eq!(v.records.len(), 1);
        assert_eq!(v.records[0].provenance.line, Some(1));
        let problems: Vec<_> = v
            .quarantined
            .iter()
            .map(|q| q.issues[0].problem.code())
            .collect();
        assert_eq!(problems, ["not_an_object", "not_an_object", "unparsable"]);
        assert!(v.quarantined[0].issues[0].message.contains("a number (1)"));
    }

    #[test]
    fn bom_and_crlf_jsonl_and_csv() {
        let v = import(
            b"\xef\xbb\xbf{\"instruction\": \"a\", \"output\": \"b\"}\r\n{\"instruction\": \"c\", \"output\": 3}\r\n",
            "x.jsonl",
        );
        assert_eq!(v.records.len(), 1);
        assert_eq!(v.quarantined[0].row.line, 2);
        let v = import(
            b"\xef\xbb\xbfinstruction,input,output\r\n\"Sum 1, 2\",,\"3\r\nthat's \"\"it\"\"\"\r\nb,,c\r\n",
            "x.csv",
        );
        assert_eq!(v.records.len(), 2, "{v:?}");
        assert_eq!(v.records[0].instruction, "Sum 1, 2");
        assert_eq!(v.records[0].output, "3\r\nthat's \"it\"");
        assert_eq!(v.records[1].provenance.line, Some(4));
    }

    #[test]
    fn fix_round_trip() {
        let v = import(NOTEBOOK.as_bytes(), "instructions.json");
        let q = &v.quarantined[0];
        let record = fix(q, "instruction", "Say nothing.").unwrap();
        assert_eq!(record.instruction, "Say nothing.");
        assert_eq!(record.output, "");
        assert_eq!(record.provenance.source, "instructions.json");
        assert_eq!(record.provenance.line, Some(10));
        assert!(record
            .provenance
            .note
            .as_deref()
            .unwrap()
            .contains("instruction"));

        // Fixing the wrong field leaves the real issue.
        let issues = fix(q, "output", "x").unwrap_err();
        assert_eq!(issues[0].problem, Problem::Null);

        // Setting a duplicated key resolves the ambiguity.
        let v = single(json!({"instruction": "a"}));
        let mut q = v.quarantined[0].clone();
        q.row.value = RawValue::Object(vec![
            ("output".into(), json!("1")),
            ("instruction".into(), json!("a")),
            ("output".into(), json!("2")),
        ]);
        let record = fix(&q, "output", "2").unwrap();
        assert_eq!(record.output, "2");

        // An unparsable row is rebuilt field by field.
        let q = Quarantined {
            row: RawRow {
                line: 3,
                index: 1,
                value: RawValue::Unparsable("bad".into()),
            },
            issues: vec![],
            source: "f".into(),
        };
        let partial = fix(&q, "instruction", "i").unwrap_err();
        assert_eq!(partial[0].field.as_deref(), Some("output"));
        let q2 = Quarantined {
            row: set_field(&q.row, "instruction", "i"),
            ..q
        };
        assert_eq!(fix(&q2, "output", "o").unwrap().provenance.line, Some(3));
    }

    #[test]
    fn quarantine_export_keeps_duplicates() {
        let v = import(
            b"{\"instruction\": \"a\", \"output\": 1, \"output\": 2}\nnot json\n",
            "q.jsonl",
        );
        let out = quarantine_to_jsonl(&v.quarantined);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(
            lines[0].contains("\"record\":{\"instruction\":\"a\",\"output\":1,\"output\":2}"),
            "{}",
            lines[0]
        );
        let second: Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(second["line"], 2);
        assert_eq!(second["issues"][0]["problem"], "unparsable");
        assert_eq!(second["record"], Value::Null);
    }

    #[test]
    fn schema_and_drift() {
        let v1 = vec![
            row(json!({"instruction": "a", "input": "", "output": "b"})),
            row(json!({"instruction": "a", "input": null, "output": "b"})),
        ];
        let v2 = vec![
            row(json!({"instruction": "a", "output": 3, "score": 0.5})),
            row(json!({"instruction": "a", "output": "b"})),
        ];
        let s1 = schema_of(&v1);
        let s2 = schema_of(&v2);
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            s1,
            vec![
                ("input".to_owned(), strings(&["null", "string"])),
                ("instruction".to_owned(), strings(&["string"])),
                ("output".to_owned(), strings(&["string"])),
            ]
        );
        assert_eq!(
            drift(&s1, &s2),
            [
                "Field \"input\" was removed (it was null or string).",
                "Field \"output\" changed type: it was string, now it is number or string.",
                "Field \"score\" was added (number).",
            ]
        );
        assert!(drift(&s1, &s1).is_empty());
        let mut b = SchemaBuilder::default();
        b.add(&v1[..1]);
        b.add(&v1[1..]);
        assert_eq!(b.finish(), s1, "built in batches = built at once");
    }

    #[test]
    fn several_fields_fixed_at_once() {
        let v = import(b"[{\"output\": 3, \"extra\": true}]", "m.json");
        let q = &v.quarantined[0];
        assert_eq!(q.issues.len(), 2, "missing instruction and numeric output");
        assert!(fix_fields(q, &[("instruction", "Say hi")]).is_err());
        let r = fix_fields(q, &[("instruction", "Say hi"), ("output", "hi")]).unwrap();
        assert_eq!(
            (r.instruction.as_str(), r.output.as_str()),
            ("Say hi", "hi")
        );
        assert_eq!(r.provenance.line, Some(1));
        assert_eq!(
            r.provenance.note.as_deref(),
            Some("fixed by hand: instruction, output set")
        );
    }

    #[test]
    fn quarantine_survives_storage_with_its_reasons() {
        let v = import(
            b"[{\"instruction\": \"a\", \"instruction\": \"b\", \"output\": \"c\"}, 5, {\"output\": null}]",
            "q.json",
        );
        assert_eq!(v.quarantined.len(), 3);
        let stored = quarantine_to_store(&v.quarantined);
        let back = quarantine_from_store(&stored).unwrap();
        assert_eq!(back, v.quarantined);
        assert!(quarantine_from_store("{oops")
            .unwrap_err()
            .contains("line 1"));
    }
}
