//! The schema contract pinned on a dataset lineage, and the field mapping applied on import.
//!
//! [`super::validate`] judges rows against the book's fixed schema; a [`Contract`] states what one lineage
//! promises (which fields, which JSON types, which are required, whether other fields are allowed), so a
//! new export of the "same" data that drifted — a renamed field, a list where text was, a new column — is
//! caught as a list of [`Violation`]s before anything is imported, each saying where and what to do.
//!
//! A [`Mapping`] is the repair: a few rules (rename, join a list, drop) applied to every row on import,
//! written as plain text (`rename response -> output`) so it can be read, edited and stored with the
//! version it produced. [`suggest`] proposes one from the violations; it is a hint, shown for a person to
//! accept. A mapping never silently loses a value: a rename onto a field that exists keeps both (the
//! duplicate key then quarantines the row in validation), and a list that is not all text is left alone.
//!
//! Both the contract and the mapping are stored with a dataset version, hence serde.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::parse::{RawRow, RawValue};
use super::validate::{json_type, Schema};

/// What the contract says about one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldRule {
    /// The key, exactly (keys are case-sensitive).
    pub name: String,
    /// The JSON types allowed, as [`super::validate`] names them: "string", "number", "boolean", "null",
    /// "array", "object". A `null` is only allowed when "null" is listed.
    pub types: Vec<String>,
    /// Whether every row must have the field. An optional field may be absent, but when present it must
    /// have an allowed type.
    pub required: bool,
}

/// The schema contract of a lineage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    /// The fields, in the order they are shown.
    pub fields: Vec<FieldRule>,
    /// Whether fields outside the contract are violations (`unknown_field`).
    pub closed: bool,
}

impl Contract {
    /// The book's record: `instruction` and `output` required strings, `input` an optional string (a
    /// `null` input is a violation, "null": the contract is stricter than the importer, which reads it as
    /// `""` with a warning); no other fields.
    pub fn record() -> Self {
        let rule = |name: &str, required| FieldRule {
            name: name.to_owned(),
            types: vec!["string".to_owned()],
            required,
        };
        Contract {
            fields: vec![
                rule("instruction", true),
                rule("input", false),
                rule("output", true),
            ],
            closed: true,
        }
    }

    /// Pins what a version has: each field of `schema` with the types seen for it, required when named in
    /// `required`; closed. A name in `required` that the schema lacks is added as a required string (the
    /// version never had it, so every row will be reported `missing` until it is mapped or added).
    pub fn from_schema(schema: &Schema, required: &[&str]) -> Self {
        let mut fields: Vec<FieldRule> = schema
            .iter()
            .map(|(name, types)| FieldRule {
                name: name.clone(),
                types: types.clone(),
                required: required.contains(&name.as_str()),
            })
            .collect();
        for name in required {
            if !fields.iter().any(|f| f.name == *name) {
                fields.push(FieldRule {
                    name: (*name).to_owned(),
                    types: vec!["string".to_owned()],
                    required: true,
                });
            }
        }
        Contract {
            fields,
            closed: true,
        }
    }

    /// One line per field, e.g. `output: string, required` or `input: null or string, optional`.
    pub fn describe(&self) -> Vec<String> {
        self.fields
            .iter()
            .map(|f| {
                let types = if f.types.is_empty() {
                    "no type allowed".to_owned()
                } else {
                    f.types.join(" or ")
                };
                let need = if f.required { "required" } else { "optional" };
                format!("{}: {types}, {need}", f.name)
            })
            .collect()
    }

    fn rule(&self, name: &str) -> Option<&FieldRule> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// One way the rows break the contract, counted over all rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The field concerned; `""` for a row-level problem (`not_an_object`, `unparsable`).
    pub field: String,
    /// "missing", "null", "wrong_type", "unknown_field", "duplicate_key", "not_an_object" or
    /// "unparsable".
    pub code: String,
    /// What was found (type, an example line) and what to do, for the person importing.
    pub message: String,
    /// How many rows have this problem.
    pub rows: usize,
    /// The 1-based lines of the first ten of them.
    pub lines: Vec<usize>,
}

/// How many lines a [`Violation`] lists.
const LINES_KEPT: usize = 10;

fn with_article(type_name: &str) -> String {
    match type_name {
        "null" => "null".to_owned(),
        t if t.starts_with(['a', 'e', 'i', 'o', 'u']) => format!("an {t}"),
        t => format!("a {t}"),
    }
}

/// A short rendering of a value for messages (cut on a char boundary).
fn preview(v: &Value) -> String {
    clip(&v.to_string(), 40)
}

fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

fn is_string_list(v: &Value) -> bool {
    matches!(v, Value::Array(items) if items.iter().all(Value::is_string))
}

fn type_allowed(rule: &FieldRule, v: &Value) -> bool {
    rule.types.iter().any(|t| t == json_type(v))
}

/// "1 row" / "3 rows".
fn rows_text(n: usize) -> String {
    if n == 1 {
        "1 row".to_owned()
    } else {
        format!("{n} rows")
    }
}

/// "line 3" / "lines 3, 5, 9" / "lines 3, 5, … (first 10)".
fn lines_text(lines: &[usize], rows: usize) -> String {
    let list: Vec<String> = lines.iter().map(usize::to_string).collect();
    match (lines.len(), rows > lines.len()) {
        (1, false) => format!("line {}", list[0]),
        (_, false) => format!("lines {}", list.join(", ")),
        (_, true) => format!("lines {}, …", list.join(", ")),
    }
}

/// Rows and first lines of one (field, code), with the first example.
#[derive(Debug, Clone, Default)]
struct Tally {
    rows: usize,
    lines: Vec<usize>,
    /// Line and rendering of the first value found.
    example: Option<(usize, String)>,
    /// JSON types found (for `wrong_type` and `unknown_field`).
    types: BTreeSet<&'static str>,
    /// Whether every value found was a list of strings (for `wrong_type`: then a join fixes it).
    all_string_lists: bool,
}

impl Tally {
    fn add(&mut self, line: usize, example: impl FnOnce() -> String, ty: Option<&'static str>) {
        if self.rows == 0 {
            self.all_string_lists = true;
            self.example = Some((line, example()));
        }
        self.rows += 1;
        if self.lines.len() < LINES_KEPT {
            self.lines.push(line);
        }
        if let Some(t) = ty {
            self.types.insert(t);
        }
    }
}

/// Per row: which (field, code) pairs it breaks, each once.
type Key = (String, &'static str);

/// Checks rows against a contract a batch at a time, for a file read in slices: [`ContractCheck::add`]
/// each batch in file order, then [`ContractCheck::finish`] gives exactly what [`check`] over all the rows
/// would. Keeps no rows: per (field, code) a count, the first lines and one example, and per field name
/// what the rename hints need (see [`HintCounts`]).
#[derive(Debug, Clone)]
pub struct ContractCheck {
    contract: Contract,
    tallies: BTreeMap<Key, Tally>,
    hints: HintCounts,
}

impl ContractCheck {
    pub fn new(contract: &Contract) -> Self {
        ContractCheck {
            contract: contract.clone(),
            tallies: BTreeMap::new(),
            hints: HintCounts::new(contract),
        }
    }

    /// Checks the next rows of the file (any batch size; rows in file order).
    pub fn add(&mut self, rows: &[RawRow]) {
        for row in rows {
            let pairs = match &row.value {
                RawValue::Object(pairs) => pairs,
                RawValue::NotObject(v) => {
                    let t = self
                        .tallies
                        .entry((String::new(), "not_an_object"))
                        .or_default();
                    t.add(
                        row.line,
                        || format!("{} ({})", with_article(json_type(v)), preview(v)),
                        None,
                    );
                    continue;
                }
                RawValue::Unparsable(msg) => {
                    let t = self
                        .tallies
                        .entry((String::new(), "unparsable"))
                        .or_default();
                    t.add(row.line, || clip(msg, 80), None);
                    continue;
                }
            };
            self.hints.add(&self.contract, pairs);
            // Each (field, code) counts once per row, with the row's first offending value.
            let mut seen: BTreeSet<Key> = BTreeSet::new();
            let mut hit =
                |tallies: &mut BTreeMap<Key, Tally>, field: &str, code, v: Option<&Value>| {
                    let key = (field.to_owned(), code);
                    if seen.insert(key.clone()) {
                        let t = tallies.entry(key).or_default();
                        t.add(
                            row.line,
                            || v.map(preview).unwrap_or_default(),
                            v.map(json_type),
                        );
                        if !v.is_some_and(is_string_list) {
                            t.all_string_lists = false;
                        }
                    } else if let Some(t) = tallies.get_mut(&key) {
                        if let Some(v) = v {
                            t.types.insert(json_type(v));
                            if !is_string_list(v) {
                                t.all_string_lists = false;
                            }
                        }
                    }
                };
            for rule in &self.contract.fields {
                let values: Vec<&Value> = pairs
                    .iter()
                    .filter(|(k, _)| *k == rule.name)
                    .map(|(_, v)| v)
                    .collect();
                if values.is_empty() && rule.required {
                    hit(&mut self.tallies, &rule.name, "missing", None);
                }
                if values.len() > 1 {
                    hit(
                        &mut self.tallies,
                        &rule.name,
                        "duplicate_key",
                        values.first().copied(),
                    );
                }
                for v in values {
                    if type_allowed(rule, v) {
                        continue;
                    }
                    let code = if v.is_null() { "null" } else { "wrong_type" };
                    hit(&mut self.tallies, &rule.name, code, Some(v));
                }
            }
            if self.contract.closed {
                for (k, v) in pairs {
                    if self.contract.rule(k).is_none() {
                        hit(&mut self.tallies, k, "unknown_field", Some(v));
                    }
                }
            }
        }
    }

    /// The violations of all the rows added, as [`check`] gives them.
    pub fn finish(self) -> Vec<Violation> {
        let contract = &self.contract;
        let hints = self.hints.finish(contract);
        self.tallies
            .into_iter()
            .map(|((field, code), t)| Violation {
                message: message(contract, &hints, &field, code, &t),
                field,
                code: code.to_owned(),
                rows: t.rows,
                lines: t.lines,
            })
            .collect()
    }
}

/// Checks rows against a contract: one [`Violation`] per (field, code), counting rows, sorted by field
/// then code. Never panics on rows that are not objects or could not be parsed: those are violations of
/// their own (field `""`). The same as [`ContractCheck`] fed all the rows at once.
pub fn check(contract: &Contract, rows: &[RawRow]) -> Vec<Violation> {
    let mut c = ContractCheck::new(contract);
    c.add(rows);
    c.finish()
}

fn message(contract: &Contract, hints: &Hints, field: &str, code: &str, t: &Tally) -> String {
    let rows = rows_text(t.rows);
    let lines = lines_text(&t.lines, t.rows);
    let (ex_line, example) = t.example.clone().unwrap_or_default();
    // "line 4: 7" for one row, "lines 4, 9; line 4: 7" for more.
    let at = if t.rows == 1 {
        format!("line {ex_line}: {example}")
    } else {
        format!("{lines}; line {ex_line}: {example}")
    };
    let are = if t.rows == 1 { "is" } else { "are" };
    let them = if t.rows == 1 { "it" } else { "them" };
    let allowed = contract
        .rule(field)
        .map(|r| r.types.join(" or "))
        .unwrap_or_default();
    let found = t
        .types
        .iter()
        .map(|ty| with_article(ty))
        .collect::<Vec<_>>()
        .join(" or ");
    match code {
        "missing" => {
            let stand_in = hints.renames.iter().find(|(_, to)| *to == field);
            let todo = match (stand_in, hints.candidates.get(field).map(Vec::as_slice)) {
                (Some((only, _)), _) => format!(
                    "those rows have \"{only}\" instead: map `{only}` to `{field}` \
                     (`{}`)",
                    MapRule::Rename {
                        from: only.clone(),
                        to: field.to_owned()
                    }
                    .to_text()
                ),
                (None, Some(several)) if !several.is_empty() => format!(
                    "map the field that holds it to `{field}` — one of {}",
                    several
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                _ => format!(
                    "add it, map the field that holds it to `{field}` (`rename NAME -> {field}`), or \
                     delete the rows"
                ),
            };
            format!("\"{field}\" is missing in {rows} ({lines}) — it is required; {todo}")
        }
        "null" => {
            let optional = contract.rule(field).is_some_and(|r| !r.required);
            let todo = if optional {
                "write the text in, or delete the key (the field is optional)"
            } else {
                "write the text in, or delete the rows"
            };
            format!(
                "\"{field}\" is null in {rows} ({lines}) but the contract allows only {allowed} — {todo}"
            )
        }
        "wrong_type" => {
            let todo = if t.all_string_lists && allowed.contains("string") {
                format!(
                    "join the list (`{}`)",
                    MapRule::JoinList {
                        field: field.to_owned(),
                        sep: " ".to_owned()
                    }
                    .to_text()
                )
            } else if t.types.iter().all(|ty| matches!(*ty, "number" | "boolean")) {
                "put the value in quotes if it is meant as text".to_owned()
            } else {
                "write it as one string".to_owned()
            };
            format!(
                "\"{field}\" is {found} in {rows} ({at}) but the contract \
                 allows {allowed} — {todo}"
            )
        }
        "unknown_field" => {
            let todo = match hints.renames.get(field) {
                Some(to) => format!(
                    "it holds the missing \"{to}\": map `{field}` to `{to}` (`{}`)",
                    MapRule::Rename {
                        from: field.to_owned(),
                        to: to.clone()
                    }
                    .to_text()
                ),
                None => format!(
                    "drop the field (`{}`), rename it to a contract field if it holds one, or add it \
                     to the contract",
                    MapRule::Drop {
                        field: field.to_owned()
                    }
                    .to_text()
                ),
            };
            format!(
                "\"{field}\" is not in the contract, which allows no other fields; found in {rows} \
                 ({at}), {found} — {todo}"
            )
        }
        "duplicate_key" => format!(
            "\"{field}\" appears more than once in {rows} ({at}, the first value) — keep the right value and delete the others (a rename onto a field that exists \
             keeps both)"
        ),
        "not_an_object" => format!(
            "{rows} ({at}) {are} not an object — each row must be an object with the contract's \
             fields; fix or delete {them}"
        ),
        "unparsable" => format!(
            "{rows} ({at}) could not be parsed — fix the JSON or delete {them}"
        ),
        _ => format!("\"{field}\": {code} in {rows} ({lines})"),
    }
}

/// One rule of a [`Mapping`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum MapRule {
    /// Every key `from` becomes `to`, in place. When `to` exists too, both are kept.
    Rename { from: String, to: String },
    /// A value of `field` that is a list of strings becomes one string, joined with `sep`; any other
    /// value (a list holding a number, a string already) is left as it is.
    JoinList { field: String, sep: String },
    /// Every key `field` is removed.
    Drop { field: String },
}

impl MapRule {
    /// The rule as one line of [`Mapping::to_text`].
    pub fn to_text(&self) -> String {
        match self {
            MapRule::Rename { from, to } => {
                format!("rename {} -> {}", name_text(from), name_text(to))
            }
            MapRule::JoinList { field, sep } => {
                format!(
                    "join {} with {}",
                    name_text(field),
                    Value::String(sep.clone())
                )
            }
            MapRule::Drop { field } => format!("drop {}", name_text(field)),
        }
    }
}

/// A field name as written in a mapping: bare when it is a plain word, else as a JSON string.
fn name_text(name: &str) -> String {
    let plain = !name.is_empty()
        && !name.contains("->")
        && name
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '"' && c != '#');
    if plain {
        name.to_owned()
    } else {
        Value::String(name.to_owned()).to_string()
    }
}

/// The field mapping applied to every row on import: rules in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub rules: Vec<MapRule>,
}

/// The accepted forms, for parse errors.
const FORMS: &str =
    "a rule is one of `rename FROM -> TO`, `join FIELD with \" \"` (the separator in \
                     double quotes) or `drop FIELD`; write a name with spaces in double quotes";

impl Mapping {
    /// `row` with the rules applied in order. Rows that are not objects come back unchanged.
    pub fn apply(&self, row: &RawRow) -> RawRow {
        let RawValue::Object(pairs) = &row.value else {
            return row.clone();
        };
        let mut pairs = pairs.clone();
        for rule in &self.rules {
            match rule {
                MapRule::Rename { from, to } => {
                    for (k, _) in pairs.iter_mut().filter(|(k, _)| k == from) {
                        k.clone_from(to);
                    }
                }
                MapRule::JoinList { field, sep } => {
                    for (_, v) in pairs.iter_mut().filter(|(k, _)| k == field) {
                        if let Value::Array(items) = v {
                            let texts: Option<Vec<&str>> =
                                items.iter().map(Value::as_str).collect();
                            if let Some(texts) = texts {
                                *v = Value::String(texts.join(sep));
                            }
                        }
                    }
                }
                MapRule::Drop { field } => pairs.retain(|(k, _)| k != field),
            }
        }
        RawRow {
            line: row.line,
            index: row.index,
            value: RawValue::Object(pairs),
        }
    }

    /// One rule per line: `rename response -> output`, `join input with " "`, `drop source` (names that
    /// are not plain words in double quotes, as JSON strings). Empty for an empty mapping.
    pub fn to_text(&self) -> String {
        self.rules
            .iter()
            .map(|r| r.to_text() + "\n")
            .collect::<String>()
    }

    /// Reads the text of [`Mapping::to_text`] back. Blank lines and `#` comments (outside quotes) are
    /// ignored; an error names the line and the accepted forms.
    pub fn parse(text: &str) -> Result<Mapping, String> {
        let mut rules = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            let tokens = tokens(line).map_err(|e| format!("line {n}: {e}; {FORMS}"))?;
            let words: Vec<(&str, bool)> = tokens.iter().map(|(t, q)| (t.as_str(), *q)).collect();
            let keyword = |w: (&str, bool), k: &str| !w.1 && w.0.eq_ignore_ascii_case(k);
            let name = |w: (&str, bool)| -> Result<String, String> {
                if w.0.is_empty() {
                    Err(format!("line {n}: an empty field name; {FORMS}"))
                } else {
                    Ok(w.0.to_owned())
                }
            };
            let rule = match words.as_slice() {
                [] => continue,
                [k, from, arrow, to] if keyword(*k, "rename") && keyword(*arrow, "->") => {
                    MapRule::Rename {
                        from: name(*from)?,
                        to: name(*to)?,
                    }
                }
                [k, field, with, (sep, true)] if keyword(*k, "join") && keyword(*with, "with") => {
                    MapRule::JoinList {
                        field: name(*field)?,
                        sep: (*sep).to_owned(),
                    }
                }
                [k, field] if keyword(*k, "drop") => MapRule::Drop {
                    field: name(*field)?,
                },
                [(k, false), ..]
                    if ["rename", "join", "drop"].contains(&k.to_lowercase().as_str()) =>
                {
                    return Err(format!(
                        "line {n}: `{}` is not a complete `{}` rule; {FORMS}",
                        line.trim(),
                        k.to_lowercase()
                    ))
                }
                [(k, _), ..] => {
                    return Err(format!("line {n}: unknown rule `{k}`; {FORMS}"));
                }
            };
            rules.push(rule);
        }
        Ok(Mapping { rules })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// Splits a mapping line into words: bare words (ended by whitespace or `->`, which is a word of its
/// own) and JSON strings (`true` in the pair); `#` outside quotes starts a comment.
fn tokens(line: &str) -> Result<Vec<(String, bool)>, String> {
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() || rest.starts_with('#') {
            return Ok(out);
        }
        if let Some(after) = rest.strip_prefix("->") {
            out.push(("->".to_owned(), false));
            rest = after;
        } else if rest.starts_with('"') {
            // Find the closing quote, skipping escapes, then let serde_json read the escapes.
            let bytes = rest.as_bytes();
            let mut i = 1;
            let end = loop {
                match bytes.get(i) {
                    None => return Err("a double quote is not closed".to_owned()),
                    Some(b'\\') => i += 2,
                    Some(b'"') => break i + 1,
                    Some(_) => i += 1,
                }
            };
            let text: String = serde_json::from_str(&rest[..end])
                .map_err(|e| format!("{} is not a valid quoted string ({e})", &rest[..end]))?;
            out.push((text, true));
            rest = &rest[end..];
        } else {
            let end = rest
                .char_indices()
                .find(|&(i, c)| {
                    c.is_whitespace() || c == '#' || c == '"' || rest[i..].starts_with("->")
                })
                .map_or(rest.len(), |(i, _)| i);
            out.push((rest[..end].to_owned(), false));
            rest = &rest[end..];
        }
    }
}

/// Common other names of the book's fields, used to break a tie between rename candidates.
const SYNONYMS: &[(&str, &[&str])] = &[
    (
        "instruction",
        &["prompt", "question", "query", "task", "instruction_text"],
    ),
    ("input", &["context", "input_text", "inputs"]),
    (
        "output",
        &[
            "response",
            "completion",
            "answer",
            "target",
            "output_text",
            "outputs",
        ],
    ),
];

/// What [`check`] and [`suggest`] agree on: for each contract field missing in most rows, the unknown
/// fields that could hold it, and the renames that are unambiguous.
struct Hints {
    /// Contract field → candidate unknown fields (sorted). Only fields missing in most object rows.
    candidates: BTreeMap<String, Vec<String>>,
    /// Unknown field → the contract field it should be renamed to (exactly one candidate).
    renames: BTreeMap<String, String>,
}

impl Hints {
    /// The hints for all of `rows` at once (see [`HintCounts::finish`]).
    fn new(contract: &Contract, rows: &[RawRow]) -> Hints {
        let mut counts = HintCounts::new(contract);
        for row in rows {
            if let RawValue::Object(pairs) = &row.value {
                counts.add(contract, pairs);
            }
        }
        counts.finish(contract)
    }
}

/// What [`Hints`] are made from, counted one object row at a time: no rows are kept, only state per
/// contract field and per field name outside the contract, so a file can be checked in slices.
#[derive(Debug, Clone)]
struct HintCounts {
    /// Object rows seen.
    objects: usize,
    /// Per contract field (by position): the object rows without its key.
    missing: Vec<usize>,
    /// Per contract field (by position): unknown field → the rows where the contract field is missing
    /// and the unknown one present.
    present: Vec<BTreeMap<String, usize>>,
    /// Per unknown field: its non-null values, in all object rows.
    values: BTreeMap<String, ValueCounts>,
}

/// The non-null values of one unknown field, as far as the hints need them.
#[derive(Debug, Clone, Default)]
struct ValueCounts {
    /// How many (each key of a row counts, duplicates too).
    count: usize,
    /// Their JSON types, a list of strings (`[]` too) counted as "string list" rather than "array".
    kinds: BTreeSet<&'static str>,
    /// The first of them.
    first: Option<Value>,
    /// Whether any other differs from the first.
    varied: bool,
}

/// The kind of a non-null value in [`ValueCounts::kinds`].
const STRING_LIST: &str = "string list";

impl HintCounts {
    fn new(contract: &Contract) -> Self {
        HintCounts {
            objects: 0,
            missing: vec![0; contract.fields.len()],
            present: vec![BTreeMap::new(); contract.fields.len()],
            values: BTreeMap::new(),
        }
    }

    /// Counts one object row.
    fn add(&mut self, contract: &Contract, pairs: &[(String, Value)]) {
        self.objects += 1;
        let unknown: BTreeSet<&str> = pairs
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| contract.rule(k).is_none())
            .collect();
        for (i, rule) in contract.fields.iter().enumerate() {
            if pairs.iter().any(|(k, _)| *k == rule.name) {
                continue;
            }
            self.missing[i] += 1;
            let present = &mut self.present[i];
            for k in &unknown {
                match present.get_mut(*k) {
                    Some(n) => *n += 1,
                    None => {
                        present.insert((*k).to_owned(), 1);
                    }
                }
            }
        }
        for (k, v) in pairs {
            if v.is_null() || contract.rule(k).is_some() {
                continue;
            }
            if !self.values.contains_key(k) {
                self.values.insert(k.clone(), ValueCounts::default());
            }
            let Some(c) = self.values.get_mut(k) else {
                continue;
            };
            c.count += 1;
            c.kinds.insert(if is_string_list(v) {
                STRING_LIST
            } else {
                json_type(v)
            });
            match &c.first {
                None => c.first = Some(v.clone()),
                Some(first) => c.varied |= first != v,
            }
        }
    }

    /// A contract field missing (no key) in more than half the object rows gets candidates: unknown
    /// fields present in more than half the rows where it is missing, whose values (nulls aside, at least
    /// one) all have an allowed type — or are lists of strings, when a string is allowed (a join follows).
    /// For an optional field (absent is normal) only its known other names count. Several candidates are
    /// narrowed: first by dropping fields with one constant value (labels such as a source name, not
    /// content), then to the field's known other names; exactly one left is a rename.
    fn finish(&self, contract: &Contract) -> Hints {
        let mut candidates = BTreeMap::new();
        let mut renames = BTreeMap::new();
        for (i, rule) in contract.fields.iter().enumerate() {
            let missing = self.missing[i];
            if missing * 2 <= self.objects {
                continue;
            }
            let synonyms: &[&str] = SYNONYMS
                .iter()
                .find(|(f, _)| *f == rule.name)
                .map_or(&[], |(_, s)| *s);
            let allows = |t: &str| rule.types.iter().any(|r| r == t);
            let fits = |kind: &str| {
                if kind == STRING_LIST {
                    allows("array") || allows("string")
                } else {
                    allows(kind)
                }
            };
            let mut found: Vec<(&str, &ValueCounts)> = self.present[i]
                .iter()
                .filter(|&(_, &n)| n * 2 > missing)
                .filter(|(k, _)| rule.required || synonyms.contains(&k.as_str()))
                .filter_map(|(k, _)| self.values.get(k).map(|c| (k.as_str(), c)))
                .filter(|(_, c)| c.count > 0 && c.kinds.iter().all(|kind| fits(kind)))
                .collect();
            if found.is_empty() {
                continue;
            }
            candidates.insert(
                rule.name.clone(),
                found.iter().map(|(k, _)| k.to_string()).collect::<Vec<_>>(),
            );
            if found.len() > 1 {
                let varied: Vec<_> = found
                    .iter()
                    .filter(|(_, c)| c.count < 2 || c.varied)
                    .copied()
                    .collect();
                if !varied.is_empty() {
                    found = varied;
                }
            }
            if found.len() > 1 {
                found.retain(|(k, _)| synonyms.contains(k));
            }
            if let [(only, _)] = found.as_slice() {
                // The same unknown field cannot stand for two contract fields.
                if renames.contains_key(*only) {
                    renames.remove(*only);
                } else {
                    renames.insert(only.to_string(), rule.name.clone());
                }
            }
        }
        Hints {
            candidates,
            renames,
        }
    }
}

/// A mapping that would bring `rows` under `contract`, as a hint for a person to accept or edit:
///
/// 1. a contract field missing (no key) in more than half the object rows, with exactly one unknown field
///    standing in for it → `rename NAME -> FIELD`. A stand-in is present in more than half the rows where
///    the field is missing, and its values (nulls aside, at least one) all have an allowed type, or are
///    lists of strings when a string is allowed (the join below follows). Several stand-ins are narrowed
///    by dropping those with one constant value (a label such as a source name, not content), then to the
///    field's common other names (`response`, `completion`, `answer`… for `output`). For an optional
///    field, absent is normal, so only its common other names count;
/// 2. a contract field allowing a string, seen (after the renames) as a list of strings → `join NAME
///    with " "`;
/// 3. in a closed contract, every other unknown field → `drop FIELD` — except a field that may hold a
///    missing one when it was ambiguous which: dropping it could lose the data, so it stays a violation.
pub fn suggest(contract: &Contract, rows: &[RawRow]) -> Mapping {
    let hints = Hints::new(contract, rows);
    let mut rules: Vec<MapRule> = Vec::new();
    for rule in &contract.fields {
        if let Some((from, _)) = hints.renames.iter().find(|(_, to)| **to == rule.name) {
            rules.push(MapRule::Rename {
                from: from.clone(),
                to: rule.name.clone(),
            });
        }
    }
    let renamed = Mapping {
        rules: rules.clone(),
    };
    let mapped: Vec<RawRow> = rows.iter().map(|r| renamed.apply(r)).collect();

    for rule in &contract.fields {
        let allows_string = rule.types.iter().any(|t| t == "string");
        let allows_array = rule.types.iter().any(|t| t == "array");
        let seen_list = mapped.iter().any(|r| match &r.value {
            RawValue::Object(pairs) => pairs
                .iter()
                .any(|(k, v)| *k == rule.name && v.is_array() && is_string_list(v)),
            _ => false,
        });
        if allows_string && !allows_array && seen_list {
            rules.push(MapRule::JoinList {
                field: rule.name.clone(),
                sep: " ".to_owned(),
            });
        }
    }

    if contract.closed {
        let keep: BTreeSet<&str> = hints
            .candidates
            .iter()
            .filter(|(field, _)| !hints.renames.values().any(|to| to == *field))
            .flat_map(|(_, c)| c.iter().map(String::as_str))
            .collect();
        let mut unknown: BTreeSet<&str> = BTreeSet::new();
        for r in &mapped {
            if let RawValue::Object(pairs) = &r.value {
                for (k, _) in pairs {
                    if contract.rule(k).is_none() && !keep.contains(k.as_str()) {
                        unknown.insert(k);
                    }
                }
            }
        }
        rules.extend(unknown.into_iter().map(|f| MapRule::Drop {
            field: f.to_owned(),
        }));
    }
    Mapping { rules }
}

#[cfg(test)]
mod tests {
    use super::super::parse::{parse_rows, CsvMapping, Format};
    use super::super::validate::{schema_of, validate};
    use super::*;
    use serde_json::json;

    fn jsonl(text: &str) -> Vec<RawRow> {
        parse_rows(text, Format::Jsonl, &CsvMapping::default()).unwrap()
    }

    fn codes(v: &[Violation]) -> Vec<(&str, &str, usize, Vec<usize>)> {
        v.iter()
            .map(|v| (v.field.as_str(), v.code.as_str(), v.rows, v.lines.clone()))
            .collect()
    }

    fn rename(from: &str, to: &str) -> MapRule {
        MapRule::Rename {
            from: from.into(),
            to: to.into(),
        }
    }

    fn join(field: &str, sep: &str) -> MapRule {
        MapRule::JoinList {
            field: field.into(),
            sep: sep.into(),
        }
    }

    fn drop(field: &str) -> MapRule {
        MapRule::Drop {
            field: field.into(),
        }
    }

    #[test]
    fn record_contract_and_describe() {
        let c = Contract::record();
        assert_eq!(
            c.describe(),
            [
                "instruction: string, required",
                "input: string, optional",
                "output: string, required"
            ]
        );
        assert!(c.closed);
        let schema = schema_of(&jsonl(
            "{\"instruction\": \"a\", \"input\": null, \"output\": \"b\"}\n{\"instruction\": \"c\", \"input\": \"d\", \"output\": \"e\"}\n",
        ));
        let pinned = Contract::from_schema(&schema, &["instruction", "output", "id"]);
        assert_eq!(
            pinned.describe(),
            [
                "input: null or string, optional",
                "instruction: string, required",
                "output: string, required",
                "id: string, required"
            ]
        );
        let back: Contract =
            serde_json::from_str(&serde_json::to_string(&pinned).unwrap()).unwrap();
        assert_eq!(back, pinned);
    }

    #[test]
    fn every_violation_kind_with_its_lines() {
        let text = "\
{\"instruction\": \"a\", \"input\": \"\", \"output\": \"b\"}
{\"instruction\": \"a\", \"input\": null, \"output\": \"b\"}
{\"instruction\": \"a\", \"output\": 3}
{\"input\": [\"x.\", \"y.\"], \"output\": \"b\", \"source\": \"crawler-v2\"}
7
not json
{\"instruction\": \"a\", \"output\": \"b\", \"output\": \"c\"}
{\"instruction\": null, \"output\": [\"p\", 1]}
";
        let v = check(&Contract::record(), &jsonl(text));
        assert_eq!(
            codes(&v),
            [
                ("", "not_an_object", 1, vec![5]),
                ("", "unparsable", 1, vec![6]),
                ("input", "null", 1, vec![2]),
                ("input", "wrong_type", 1, vec![4]),
                ("instruction", "missing", 1, vec![4]),
                ("instruction", "null", 1, vec![8]),
                ("output", "duplicate_key", 1, vec![7]),
                ("output", "wrong_type", 2, vec![3, 8]),
                ("source", "unknown_field", 1, vec![4]),
            ]
        );
        let msg = |field: &str, code: &str| {
            v.iter()
                .find(|x| x.field == field && x.code == code)
                .unwrap()
                .message
                .clone()
        };
        assert!(msg("input", "wrong_type").contains("an array"));
        assert!(msg("input", "wrong_type").contains("join the list (`join input with \" \"`)"));
        let out = msg("output", "wrong_type");
        assert!(out.contains("an array or a number"), "{out}");
        assert!(out.contains("line 3: 3"), "{out}");
        assert!(out.contains("write it as one string"), "{out}");
        assert!(msg("source", "unknown_field").contains("drop the field (`drop source`)"));
        assert!(msg("source", "unknown_field").contains("\"crawler-v2\""));
        assert!(msg("input", "null").contains("the field is optional"));
        assert!(msg("", "not_an_object").contains("a number (7)"));
        assert!(msg("", "unparsable").contains("line 6"));
        assert!(msg("instruction", "missing").contains("line 4"));

        // A file that keeps the contract has no violations; an open contract allows other fields.
        let good = jsonl("{\"instruction\": \"a\", \"output\": \"b\"}\n");
        assert!(check(&Contract::record(), &good).is_empty());
        let open = Contract {
            closed: false,
            ..Contract::record()
        };
        let extra = jsonl("{\"instruction\": \"a\", \"output\": \"b\", \"x\": 1}\n");
        assert!(check(&open, &extra).is_empty());
        assert!(check(&Contract::record(), &[]).is_empty());
    }

    #[test]
    fn lines_are_counted_per_row_and_capped_at_ten() {
        let text: String = (0..25)
            .map(|i| format!("{{\"instruction\": \"i{i}\", \"response\": \"o{i}\"}}\n"))
            .collect();
        let v = check(&Contract::record(), &jsonl(&text));
        assert_eq!(v.len(), 2);
        assert_eq!(
            (v[0].field.as_str(), v[0].code.as_str()),
            ("output", "missing")
        );
        assert_eq!(v[0].rows, 25);
        assert_eq!(v[0].lines, (1..=10).collect::<Vec<_>>());
        assert!(
            v[0].message.contains("map `response` to `output`"),
            "{}",
            v[0].message
        );
        assert!(v[0]
            .message
            .contains("25 rows (lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, …)"));
        assert!(
            v[1].message.contains("map `response` to `output`"),
            "{}",
            v[1].message
        );
        // An object with a field listed twice with two bad types counts as one row.
        let v = check(
            &Contract::record(),
            &jsonl("{\"instruction\": \"a\", \"output\": 1, \"output\": true}\n"),
        );
        let wrong = v.iter().find(|x| x.code == "wrong_type").unwrap();
        assert_eq!((wrong.rows, wrong.lines.clone()), (1, vec![1]));
        assert!(
            wrong.message.contains("a boolean or a number"),
            "{}",
            wrong.message
        );
        assert!(wrong.message.contains("in quotes"), "{}", wrong.message);
    }

    #[test]
    fn apply_renames_joins_and_drops() {
        let m = Mapping {
            rules: vec![
                rename("response", "output"),
                join("input", " "),
                drop("source"),
            ],
        };
        let rows = jsonl(
            "{\"instruction\": \"a\", \"input\": [\"One.\", \"Two!\"], \"response\": \"b\", \"source\": \"s\"}\n\
             {\"instruction\": \"a\", \"input\": [\"x\", 2], \"response\": null}\n\
             {\"instruction\": \"a\", \"input\": [], \"response\": \"b\"}\n\
             [1]\n\
             oops\n",
        );
        let out: Vec<RawRow> = rows.iter().map(|r| m.apply(r)).collect();
        assert_eq!(
            out[0].value,
            RawValue::Object(vec![
                ("instruction".into(), json!("a")),
                ("input".into(), json!("One. Two!")),
                ("output".into(), json!("b")),
            ])
        );
        assert_eq!(out[0].line, 1);
        // A list that is not all text is left alone, so the contract still says wrong_type.
        assert_eq!(
            out[1].value,
            RawValue::Object(vec![
                ("instruction".into(), json!("a")),
                ("input".into(), json!(["x", 2])),
                ("output".into(), Value::Null),
            ])
        );
        let v = check(&Contract::record(), &out[1..2]);
        assert!(v
            .iter()
            .any(|x| x.field == "input" && x.code == "wrong_type"));
        assert!(matches!(&out[2].value, RawValue::Object(p) if p[1].1 == json!("")));
        assert_eq!(out[3], rows[3]);
        assert_eq!(out[4], rows[4]);
        // The empty mapping changes nothing.
        assert!(Mapping::default().is_empty());
        assert_eq!(Mapping::default().apply(&rows[0]), rows[0]);
    }

    #[test]
    fn a_rename_onto_an_existing_field_keeps_both_values() {
        let rows =
            jsonl("{\"instruction\": \"a\", \"output\": \"kept\", \"response\": \"also kept\"}\n");
        let m = Mapping {
            rules: vec![rename("response", "output")],
        };
        let out = m.apply(&rows[0]);
        let RawValue::Object(pairs) = &out.value else {
            panic!()
        };
        let outputs: Vec<&Value> = pairs
            .iter()
            .filter(|(k, _)| k == "output")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(outputs, [&json!("kept"), &json!("also kept")]);
        // The contract and validation both name the duplicate; nothing imports silently.
        let v = check(&Contract::record(), std::slice::from_ref(&out));
        assert_eq!(codes(&v), [("output", "duplicate_key", 1, vec![1])]);
        let validated = validate(vec![out], "f.jsonl");
        assert!(validated.records.is_empty());
        assert_eq!(
            validated.quarantined[0].issues[0].problem.code(),
            "duplicate_key"
        );
    }

    #[test]
    fn mapping_text_round_trip() {
        let m = Mapping {
            rules: vec![
                rename("response", "output"),
                join("input", " "),
                drop("source"),
                rename("my field", "a->b"),
                join("x#y", "\n\"|\""),
                drop(""),
            ],
        };
        let text = m.to_text();
        assert!(text.starts_with(
            "rename response -> output\njoin input with \" \"\ndrop source\nrename \"my field\" -> \"a->b\"\n"
        ), "{text}");
        // An empty field name is refused on reading, so it is not part of the round trip.
        let readable = Mapping {
            rules: m.rules[..5].to_vec(),
        };
        assert_eq!(Mapping::parse(&readable.to_text()).unwrap(), readable);
        assert!(Mapping::parse(&text).unwrap_err().starts_with("line 6:"));

        let with_comments = "# fix the crawler export\n\n  rename response->output   # the new name\nJOIN input WITH \"\\n\"\ndrop \"source\"\n";
        assert_eq!(
            Mapping::parse(with_comments).unwrap(),
            Mapping {
                rules: vec![
                    rename("response", "output"),
                    join("input", "\n"),
                    drop("source")
                ]
            }
        );
        assert_eq!(Mapping::parse("").unwrap(), Mapping::default());
        assert_eq!(Mapping::parse("# nothing\n\n").unwrap().to_text(), "");

        // Serde form: tagged by "rule".
        let json = serde_json::to_value(&m.rules[..3]).unwrap();
        assert_eq!(
            json,
            json!([
                {"rule": "rename", "from": "response", "to": "output"},
                {"rule": "join_list", "field": "input", "sep": " "},
                {"rule": "drop", "field": "source"}
            ])
        );
        let back: Mapping = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn parse_errors_name_the_line_and_the_forms() {
        for (text, line, what) in [
            ("rename a -> b\nrenam a -> b\n", 2, "unknown rule `renam`"),
            ("\n\nrename a b\n", 3, "not a complete `rename` rule"),
            ("join input with space\n", 1, "not a complete `join` rule"),
            ("join input\n", 1, "not a complete `join` rule"),
            ("drop a b\n", 1, "not a complete `drop` rule"),
            ("# ok\ndrop \"open\n", 2, "not closed"),
            ("drop \"bad \\q\"\n", 1, "not a valid quoted string"),
            ("rename \"\" -> b\n", 1, "empty field name"),
            ("-> b\n", 1, "unknown rule `->`"),
        ] {
            let err = Mapping::parse(text).unwrap_err();
            assert!(err.starts_with(&format!("line {line}: ")), "{err}");
            assert!(err.contains(what), "{err}");
            assert!(err.contains("`rename FROM -> TO`"), "{err}");
            assert!(err.contains("`drop FIELD`"), "{err}");
        }
    }

    #[test]
    fn suggest_for_a_drifted_file() {
        let rows = jsonl(
            "{\"instruction\": \"a\", \"input\": [\"One.\", \"Two.\"], \"response\": \"b\", \"source\": \"crawler-v2\"}\n\
             {\"instruction\": \"c\", \"input\": null, \"response\": \"d\", \"source\": \"crawler-v2\"}\n\
             {\"instruction\": \"e\", \"input\": [], \"response\": null, \"source\": \"crawler-v2\"}\n\
             17\n",
        );
        let m = suggest(&Contract::record(), &rows);
        assert_eq!(
            m.rules,
            [
                rename("response", "output"),
                join("input", " "),
                drop("source")
            ]
        );
        let mapped: Vec<RawRow> = rows.iter().map(|r| m.apply(r)).collect();
        assert_eq!(
            codes(&check(&Contract::record(), &mapped)),
            [
                ("", "not_an_object", 1, vec![4]),
                ("input", "null", 1, vec![2]),
                ("output", "null", 1, vec![3]),
            ]
        );
        // A file that keeps the contract needs no mapping.
        let good = jsonl("{\"instruction\": \"a\", \"output\": \"b\"}\n");
        assert!(suggest(&Contract::record(), &good).is_empty());
        // Nothing at all, or nothing but broken rows: no hint, no panic.
        assert!(suggest(&Contract::record(), &[]).is_empty());
        assert!(suggest(&Contract::record(), &jsonl("5\nnope\n")).is_empty());
    }

    #[test]
    fn suggest_is_careful_with_ambiguity() {
        // Two varying text fields could hold the missing output: no rename, and neither is dropped.
        let rows = jsonl(
            "{\"instruction\": \"a\", \"reply\": \"b\", \"notes\": \"n1\", \"id\": 1}\n\
             {\"instruction\": \"c\", \"reply\": \"d\", \"notes\": \"n2\", \"id\": 2}\n",
        );
        let m = suggest(&Contract::record(), &rows);
        assert_eq!(m.rules, [drop("id")]);
        let v = check(&Contract::record(), &rows);
        let missing = v.iter().find(|x| x.code == "missing").unwrap();
        assert!(
            missing.message.contains("one of `notes`, `reply`"),
            "{}",
            missing.message
        );
        // A known other name breaks the tie.
        let rows = jsonl(
            "{\"instruction\": \"a\", \"answer\": \"b\", \"notes\": \"n1\"}\n\
             {\"instruction\": \"c\", \"answer\": \"d\", \"notes\": \"n2\"}\n",
        );
        assert_eq!(
            suggest(&Contract::record(), &rows).rules,
            [rename("answer", "output"), drop("notes")]
        );
        // A field of the wrong type is no stand-in; a field missing in only a few rows gets no rename.
        let rows = jsonl(
            "{\"instruction\": \"a\", \"score\": 0.5}\n{\"instruction\": \"a\", \"output\": \"b\", \"score\": 1}\n{\"instruction\": \"a\", \"output\": \"b\", \"score\": 1}\n",
        );
        assert_eq!(suggest(&Contract::record(), &rows).rules, [drop("score")]);
        // An optional field renamed to a known other name is renamed, not dropped.
        let rows = jsonl("{\"instruction\": \"a\", \"context\": \"x\", \"output\": \"b\"}\n");
        assert_eq!(
            suggest(&Contract::record(), &rows).rules,
            [rename("context", "input")]
        );
        // An open contract drops nothing.
        let open = Contract {
            closed: false,
            ..Contract::record()
        };
        let rows = jsonl("{\"instruction\": \"a\", \"output\": \"b\", \"x\": 1}\n");
        assert!(suggest(&open, &rows).is_empty());
    }

    /// Records with multi-sentence inputs (some empty) and varied outputs, for drifted exports.
    fn records(n: usize) -> Vec<crate::core::dataset::record::Record> {
        use crate::core::dataset::record::{Provenance, Record};
        const WORDS: &[&str] = &["alpha", "beta", "gamma", "delta", "Mr.", "3.5", "x"];
        let text = |i: usize, k: usize| -> String {
            (0..k)
                .map(|j| format!("{} {}.", WORDS[(i * 7 + j * 3) % WORDS.len()], i + j))
                .collect::<Vec<_>>()
                .join(" ")
        };
        (0..n)
            .map(|i| Record {
                instruction: format!("Task {i}: {}", text(i, 1)),
                input: text(i + 1, i % 4),
                output: text(i + 2, 1 + i % 2),
                provenance: Provenance::file("v1.jsonl", i + 1),
            })
            .collect()
    }

    #[test]
    fn the_incremental_check_equals_the_one_shot_check() {
        use crate::core::drills::schema::{drifted_export, DriftPlan};

        let hand_made = "\
{\"instruction\": \"a\", \"input\": \"\", \"output\": \"b\"}
{\"instruction\": \"a\", \"input\": null, \"output\": \"b\"}
{\"instruction\": \"a\", \"output\": 3}
{\"input\": [\"x.\", \"y.\"], \"output\": \"b\", \"source\": \"crawler-v2\"}
7
not json
[1, 2]
null
{\"instruction\": \"a\", \"output\": \"b\", \"output\": \"c\"}
{\"instruction\": null, \"output\": [\"p\", 1]}
{\"instruction\": \"a\", \"output\": 1, \"output\": true, \"response\": \"r\", \"response\": \"s\"}
{\"instruction\": \"a\", \"reply\": \"b\", \"notes\": \"n\", \"id\": 1, \"response\": null}
{\"instruction\": \"a\", \"reply\": [\"b\"], \"notes\": \"n\", \"id\": 2, \"score\": 0.5}
{}
{\"\": {\"a\": [1, {\"b\": null}]}, \"context\": \"c\", \"answer\": [\"d\", \"e\"]}
{\"instruction\": [], \"input\": [], \"output\": {\"k\": \"v\"}, \"source\": \"other\"}
{\"instruction\": \"a\", \"input\": \"i\", \"output\": \"b\", \"source\": null, \"id\": \"3\"}
";
        let plans = [
            DriftPlan::default(),
            DriftPlan {
                seed: 8,
                null_share: 0.3,
                ..DriftPlan::default()
            },
            DriftPlan {
                seed: 123,
                rename_output: false,
                input_as_list: true,
                new_field: true,
                null_share: 0.5,
            },
            DriftPlan {
                seed: 123,
                rename_output: true,
                input_as_list: false,
                new_field: false,
                null_share: 0.1,
            },
        ];
        let mut files: Vec<String> = vec![hand_made.to_owned()];
        for (k, plan) in plans.iter().enumerate() {
            let (export, _) = drifted_export(&records(40 + 13 * k), plan);
            files.push(export.clone());
            // The hand-made rows in the middle of an export, and after it.
            let lines: Vec<&str> = export.lines().collect();
            let half = lines.len() / 2;
            files.push(format!(
                "{}\n{hand_made}{}\n",
                lines[..half].join("\n"),
                lines[half..].join("\n")
            ));
            files.push(format!("{export}{hand_made}"));
        }
        let open = Contract {
            closed: false,
            ..Contract::record()
        };
        let mut hinted = 0;
        for text in &files {
            let rows = jsonl(text);
            let pinned = Contract::from_schema(&schema_of(&rows[..rows.len().min(5)]), &["output"]);
            for contract in [&Contract::record(), &open, &pinned] {
                let whole = check(contract, &rows);
                if whole
                    .iter()
                    .any(|v| v.message.contains("map `response` to `output`"))
                {
                    hinted += 1;
                }
                for batch in [1, 3, 17, rows.len().max(1)] {
                    let mut c = ContractCheck::new(contract);
                    c.add(&[]);
                    for chunk in rows.chunks(batch) {
                        c.add(chunk);
                    }
                    assert_eq!(c.clone().finish(), whole, "batches of {batch}");
                    assert_eq!(c.finish(), whole, "batches of {batch}");
                }
            }
        }
        // The rename hints, which look at all rows, were exercised.
        assert!(hinted > 0);
        assert!(ContractCheck::new(&Contract::record()).finish().is_empty());
    }

    #[test]
    fn never_panics_on_odd_rows() {
        let rows = vec![
            RawRow {
                line: 1,
                index: 0,
                value: RawValue::NotObject(json!(null)),
            },
            RawRow {
                line: 2,
                index: 1,
                value: RawValue::Unparsable("expected value at line 2 column 1".into()),
            },
            RawRow {
                line: 3,
                index: 2,
                value: RawValue::Object(vec![]),
            },
            RawRow {
                line: 4,
                index: 3,
                value: RawValue::Object(vec![("".into(), json!({"a": [1, {"b": null}]}))]),
            },
        ];
        for contract in [
            Contract::record(),
            Contract::from_schema(&vec![], &[]),
            Contract::from_schema(&schema_of(&rows), &["", "zzz"]),
        ] {
            let v = check(&contract, &rows);
            assert!(v.iter().all(|x| !x.message.is_empty() && x.rows > 0));
            let m = suggest(&contract, &rows);
            for r in &rows {
                let _ = m.apply(r);
            }
            let _ = Mapping::parse(&m.to_text());
        }
    }
}
