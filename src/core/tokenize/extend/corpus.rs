//! Reading a corpus a student pastes or uploads: plain text, or an instruction dataset as a JSON array or
//! as JSONL, with the fields `instruction`, `input` (optional) and `output`.
//!
//! Real files are messy — the Ollama generation notebook writes rows such as
//! `{"instruction": null, "output": ""}` and leaves `input` out — so reading never fails: every record that
//! still has usable text is kept, and every problem becomes a [`CorpusIssue`] that names the line, the
//! record and the field and says what to do. A JSON array that does not parse is read as plain text, so the
//! student still sees numbers while fixing the file.

use serde_json::{Map, Value};

/// How the input was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorpusFormat {
    /// Paragraphs separated by blank lines, one record each (also the fallback for broken JSON).
    PlainText,
    /// A JSON array of instruction records (the input starts with `[`).
    JsonArray,
    /// One JSON instruction record per line (the first non-empty line starts with `{`).
    Jsonl,
}

/// One record's text, ready to tokenize.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusRecord {
    /// 1-based line where the record starts, so the student can find it in the file.
    pub line: usize,
    /// For instruction records: instruction, input (if not empty) and output joined with `"\n"`; for plain
    /// text: the paragraph.
    pub text: String,
}

/// A problem found while reading, worded for the student.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusIssue {
    /// 1-based line the problem is on (where the record starts, for a record's problems).
    pub line: usize,
    /// 1-based position of the record in the file (the n-th array element, or the n-th non-empty JSONL
    /// line), counting skipped records too; `None` when the problem is not about one record.
    pub record: Option<usize>,
    /// The field concerned (`instruction`, `input`, `output`), if any.
    pub field: Option<String>,
    /// What is wrong and what to do about it.
    pub message: String,
}

/// A parsed corpus: the records that could be read, and everything that was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corpus {
    /// How the input was read in the end (`PlainText` after a JSON fallback).
    pub format: CorpusFormat,
    /// Records with usable text, in file order.
    pub records: Vec<CorpusRecord>,
    /// Problems, in file order.
    pub issues: Vec<CorpusIssue>,
}

impl Corpus {
    /// The records' texts, borrowed, e.g. to hand to candidate mining.
    pub fn texts(&self) -> Vec<&str> {
        self.records.iter().map(|r| r.text.as_str()).collect()
    }
}

/// The instruction-record fields, in the order their text is joined.
const FIELDS: [&str; 3] = ["instruction", "input", "output"];

/// Reads a pasted or uploaded corpus; never fails (see the module documentation).
///
/// Detection, after a UTF-8 byte-order mark and leading white space: `[` is a JSON array, `{` is JSONL, and
/// anything else is plain text with one record per blank-line-separated paragraph. Windows line endings
/// (CRLF) are accepted everywhere.
pub fn parse_corpus(input: &str) -> Corpus {
    let text = input.strip_prefix('\u{FEFF}').unwrap_or(input);
    match text.trim_start().as_bytes().first() {
        Some(b'[') => parse_json_array(text),
        Some(b'{') => parse_jsonl(text),
        _ => Corpus {
            format: CorpusFormat::PlainText,
            records: plain_text_records(text),
            issues: Vec::new(),
        },
    }
}

/// One record per paragraph; a paragraph is a run of lines that are not blank (white space only).
fn plain_text_records(text: &str) -> Vec<CorpusRecord> {
    let mut records = Vec::new();
    let mut current: Option<CorpusRecord> = None;
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            records.extend(current.take());
            continue;
        }
        match &mut current {
            Some(r) => {
                r.text.push('\n');
                r.text.push_str(line);
            }
            None => {
                current = Some(CorpusRecord {
                    line: i + 1,
                    text: line.to_string(),
                })
            }
        }
    }
    records.extend(current);
    records
}

fn parse_json_array(text: &str) -> Corpus {
    let items = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items,
        // Cannot happen (the text starts with `[`), but a value that is not an array is read as one record.
        Ok(other) => vec![other],
        Err(e) => {
            let issue = CorpusIssue {
                line: e.line().max(1),
                record: None,
                field: None,
                message: format!(
                    "The file starts with `[` but is not valid JSON: {} at line {}, column {}. {} \
                     Until it is fixed, the file is read as plain text so nothing is lost.",
                    json_error_text(&e),
                    e.line(),
                    e.column(),
                    if e.is_eof() {
                        "The file ends before the array is closed — it was probably cut off: check \
                         the end of the file and the closing `]`."
                    } else {
                        "Fix the JSON there (a missing or extra comma, an unquoted text, or a \
                         missing bracket are the usual causes), or save the records as JSONL, one \
                         object per line."
                    }
                ),
            };
            return Corpus {
                format: CorpusFormat::PlainText,
                records: plain_text_records(text),
                issues: vec![issue],
            };
        }
    };
    let lines = element_lines(text);
    let mut corpus = Corpus {
        format: CorpusFormat::JsonArray,
        records: Vec::new(),
        issues: Vec::new(),
    };
    for (i, item) in items.iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(1);
        read_record(item, line, i + 1, &mut corpus);
    }
    corpus
}

fn parse_jsonl(text: &str) -> Corpus {
    let mut corpus = Corpus {
        format: CorpusFormat::Jsonl,
        records: Vec::new(),
        issues: Vec::new(),
    };
    let mut record = 0;
    for (i, line) in text.split('\n').enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        record += 1;
        let line_no = i + 1;
        match serde_json::from_str::<Value>(trimmed) {
            Ok(v) => read_record(&v, line_no, record, &mut corpus),
            Err(e) => corpus.issues.push(CorpusIssue {
                line: line_no,
                record: Some(record),
                field: None,
                message: format!(
                    "Line {line_no} (record {record}) is not valid JSON: {} at column {}; it was \
                     skipped and the other lines were kept. {}",
                    json_error_text(&e),
                    e.column(),
                    if e.is_eof() {
                        "The line ends before the object does: in JSONL each record must be one \
                         complete object on a single line (if the file is pretty-printed JSON, put \
                         the objects in a [ ] array with commas between them)."
                    } else {
                        "Fix the JSON on this line or delete the line."
                    }
                ),
            }),
        }
    }
    corpus
}

/// serde_json's message without its " at line L column C" tail (we say where in our own words).
fn json_error_text(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rsplit_once(" at line ") {
        Some((head, _)) => head.to_string(),
        None => s,
    }
}

/// The 1-based line on which each element of a (valid) top-level JSON array starts. serde_json's values do
/// not remember where they were, so a small scan over the bytes finds the elements: at depth 1, the first
/// non-white-space byte after `[` or `,` starts one.
fn element_lines(text: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut line = 1;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut expect_element = false;
    for &c in text.as_bytes() {
        if c == b'\n' {
            line += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
            continue;
        }
        if expect_element && !c.is_ascii_whitespace() {
            expect_element = false;
            if c != b']' {
                lines.push(line);
            }
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                expect_element = depth == 1;
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => expect_element = true,
            _ => {}
        }
    }
    lines
}

/// How a JSON value's type is named in messages.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean (true/false)",
        Value::Number(_) => "a number",
        Value::String(_) => "a text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Reads one instruction record (array element or JSONL line) into `corpus`: its text if any is usable,
/// and an issue for each problem.
fn read_record(item: &Value, line: usize, record: usize, corpus: &mut Corpus) {
    let at = format!("Record {record} (line {line})");
    let issue = |field: Option<&str>, message: String| CorpusIssue {
        line,
        record: Some(record),
        field: field.map(str::to_string),
        message,
    };
    let obj: &Map<String, Value> = match item {
        Value::Object(o) => o,
        other => {
            corpus.issues.push(issue(
                None,
                format!(
                    "{at} is {}, not an object; it was skipped. Each record should look like \
                     {{\"instruction\": \"…\", \"input\": \"…\", \"output\": \"…\"}} (input may be left out).",
                    type_name(other)
                ),
            ));
            return;
        }
    };
    if FIELDS.iter().all(|f| !obj.contains_key(*f)) {
        let found: Vec<&str> = obj.keys().map(String::as_str).collect();
        let found = if found.is_empty() {
            "it is empty".to_string()
        } else {
            format!("it has {}", found.join(", "))
        };
        corpus.issues.push(issue(
            None,
            format!(
                "{at} has none of the expected fields instruction, input, output ({found}); it was \
                 skipped. Rename its fields to instruction / input / output, or paste the texts as \
                 plain text instead."
            ),
        ));
        return;
    }
    let mut parts: Vec<&str> = Vec::with_capacity(3);
    let mut problems = 0;
    for field in FIELDS {
        let optional = field == "input";
        match obj.get(field) {
            // `input` is optional, and `null` is how many datasets say "no input".
            None | Some(Value::Null) if optional => {}
            None => {
                problems += 1;
                corpus.issues.push(issue(
                    Some(field),
                    format!(
                        "{at} has no \"{field}\" field. Add {}, or remove the record.",
                        what_goes_in(field)
                    ),
                ));
            }
            Some(Value::Null) => {
                problems += 1;
                corpus.issues.push(issue(
                    Some(field),
                    format!(
                        "{at}: \"{field}\" is null. Write {} there, or remove the record.",
                        what_goes_in(field)
                    ),
                ));
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                if !optional {
                    problems += 1;
                    corpus.issues.push(issue(
                        Some(field),
                        format!(
                            "{at}: \"{field}\" is empty. Write {} there, or remove the record.",
                            what_goes_in(field)
                        ),
                    ));
                }
            }
            Some(Value::String(s)) => parts.push(s),
            Some(other) => {
                problems += 1;
                corpus.issues.push(issue(
                    Some(field),
                    format!(
                        "{at}: \"{field}\" is {}, not a text; it was ignored. Put the {field} in \
                         quotes as a JSON string.",
                        type_name(other)
                    ),
                ));
            }
        }
    }
    if parts.is_empty() {
        let why = if problems > 0 {
            "see the problems above"
        } else {
            "only an empty input"
        };
        corpus.issues.push(issue(
            None,
            format!(
                "{at} has no usable text ({why}) and was skipped. Fill in its instruction and \
                 output, or remove it."
            ),
        ));
        return;
    }
    corpus.records.push(CorpusRecord {
        line,
        text: parts.join("\n"),
    });
}

/// What a field should hold, for the "what to do" half of a message.
fn what_goes_in(field: &str) -> &'static str {
    match field {
        "instruction" => "the task or question as text",
        "output" => "the expected answer as text",
        _ => "the extra context as text",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(c: &Corpus) -> Vec<&str> {
        c.texts()
    }

    fn lines(c: &Corpus) -> Vec<usize> {
        c.records.iter().map(|r| r.line).collect()
    }

    #[test]
    fn plain_text_paragraphs() {
        let c = parse_corpus("First para\nstill first.\n\n  \nSecond.\n\n\nThird\n");
        assert_eq!(c.format, CorpusFormat::PlainText);
        assert_eq!(texts(&c), ["First para\nstill first.", "Second.", "Third"]);
        assert_eq!(lines(&c), [1, 5, 8]);
        assert!(c.issues.is_empty());
        assert!(parse_corpus("").records.is_empty());
        assert!(parse_corpus("  \n\n ").records.is_empty());
    }

    #[test]
    fn plain_text_crlf() {
        let c = parse_corpus("a\r\nb\r\n\r\nc\r\n");
        assert_eq!(texts(&c), ["a\nb", "c"]);
        assert_eq!(lines(&c), [1, 4]);
    }

    #[test]
    fn json_array_records_and_lines() {
        let input = r#"[
  {"instruction": "Translate", "input": "Hallo", "output": "Hello"},
  {
    "instruction": "Say hi",
    "input": "",
    "output": "Hi [there], {friend}\" ok"
  },
  {"instruction": "No input field", "output": "Fine"}
]"#;
        let c = parse_corpus(input);
        assert_eq!(c.format, CorpusFormat::JsonArray);
        assert!(c.issues.is_empty(), "{:?}", c.issues);
        assert_eq!(
            texts(&c),
            [
                "Translate\nHallo\nHello",
                "Say hi\nHi [there], {friend}\" ok",
                "No input field\nFine"
            ]
        );
        assert_eq!(lines(&c), [2, 3, 8]);
        assert!(parse_corpus("[]").records.is_empty());
        assert!(parse_corpus("[]").issues.is_empty());
    }

    #[test]
    fn notebook_null_row_is_skipped_with_issues() {
        let input = r#"[
{"instruction": "Keep me", "output": "ok"},
{"instruction": null, "output": ""}
]"#;
        let c = parse_corpus(input);
        assert_eq!(texts(&c), ["Keep me\nok"]);
        assert_eq!(c.issues.len(), 3, "{:?}", c.issues);
        let null = &c.issues[0];
        assert_eq!(null.field.as_deref(), Some("instruction"));
        assert_eq!((null.line, null.record), (3, Some(2)));
        assert!(null.message.contains("Record 2 (line 3)"));
        assert!(null.message.contains("is null"));
        assert_eq!(c.issues[1].field.as_deref(), Some("output"));
        assert!(c.issues[1].message.contains("empty"));
        assert_eq!(c.issues[2].field, None);
        assert!(c.issues[2].message.contains("skipped"));
    }

    #[test]
    fn null_input_is_no_input() {
        let c = parse_corpus(r#"[{"instruction": "Q", "input": null, "output": "A"}]"#);
        assert_eq!(texts(&c), ["Q\nA"]);
        assert!(c.issues.is_empty());
    }

    #[test]
    fn wrong_types_are_named_and_the_rest_kept() {
        let c = parse_corpus(r#"[{"instruction": "Count", "input": ["x"], "output": 42}]"#);
        assert_eq!(texts(&c), ["Count"]);
        assert_eq!(c.issues.len(), 2);
        assert_eq!(c.issues[0].field.as_deref(), Some("input"));
        assert!(c.issues[0].message.contains("a list"));
        assert_eq!(c.issues[1].field.as_deref(), Some("output"));
        assert!(c.issues[1].message.contains("\"output\" is a number"));
        assert!(c.issues[1].message.contains("quotes"));
    }

    #[test]
    fn missing_instruction_or_output() {
        let c =
            parse_corpus("[{\"output\": \"Only an answer\"},\n{\"instruction\": \"Only a task\"}]");
        assert_eq!(texts(&c), ["Only an answer", "Only a task"]);
        assert_eq!(lines(&c), [1, 2]);
        assert_eq!(c.issues.len(), 2);
        assert_eq!(c.issues[0].field.as_deref(), Some("instruction"));
        assert!(c.issues[0].message.contains("has no \"instruction\" field"));
        assert_eq!((c.issues[1].line, c.issues[1].record), (2, Some(2)));
        assert_eq!(c.issues[1].field.as_deref(), Some("output"));
    }

    #[test]
    fn object_without_expected_fields_is_skipped() {
        let c = parse_corpus(r#"[{"prompt": "p", "completion": "c"}, {}]"#);
        assert!(c.records.is_empty());
        assert_eq!(c.issues.len(), 2);
        let m = &c.issues[0].message;
        assert!(m.contains("instruction, input, output"), "{m}");
        assert!(m.contains("completion, prompt"), "{m}");
        assert!(c.issues[1].message.contains("empty"));
    }

    #[test]
    fn non_object_elements_are_skipped() {
        let c = parse_corpus(r#"["just text", 3, {"instruction": "ok", "output": "yes"}]"#);
        assert_eq!(texts(&c), ["ok\nyes"]);
        assert_eq!(c.issues.len(), 2);
        assert!(c.issues[0]
            .message
            .contains("Record 1 (line 1) is a text, not an object"));
        assert_eq!(c.issues[1].record, Some(2));
        assert!(c.issues[1].message.contains("a number"));
    }

    #[test]
    fn truncated_json_falls_back_to_plain_text() {
        let input =
            "[\n{\"instruction\": \"a\", \"output\": \"b\"},\n{\"instruction\": \"c\", \"out";
        let c = parse_corpus(input);
        assert_eq!(c.format, CorpusFormat::PlainText);
        assert_eq!(c.issues.len(), 1);
        let i = &c.issues[0];
        assert_eq!(i.line, 3);
        assert_eq!(i.record, None);
        assert!(i.message.contains("line 3, column"), "{}", i.message);
        assert!(i.message.contains("cut off"), "{}", i.message);
        assert!(i.message.contains("plain text"), "{}", i.message);
        // Nothing lost: the whole input is there as plain text.
        assert_eq!(texts(&c), [input]);
    }

    #[test]
    fn malformed_json_says_where() {
        let c = parse_corpus("[\n{\"instruction\": \"a\" \"output\": \"b\"}\n]");
        assert_eq!(c.issues.len(), 1);
        let i = &c.issues[0];
        assert_eq!(i.line, 2);
        assert!(i.message.contains("expected `,` or `}`"), "{}", i.message);
        assert!(i.message.contains("comma"), "{}", i.message);
    }

    #[test]
    fn jsonl_with_one_bad_line() {
        let input = "{\"instruction\": \"a\", \"output\": \"b\"}\n\n{\"instruction\": \"c\", \"output\": }\n{\"instruction\": \"d\", \"input\": \"e\", \"output\": \"f\"}\n";
        let c = parse_corpus(input);
        assert_eq!(c.format, CorpusFormat::Jsonl);
        assert_eq!(texts(&c), ["a\nb", "d\ne\nf"]);
        assert_eq!(lines(&c), [1, 4]);
        assert_eq!(c.issues.len(), 1);
        let i = &c.issues[0];
        assert_eq!((i.line, i.record), (3, Some(2)));
        assert!(i.message.contains("Line 3 (record 2)"), "{}", i.message);
        assert!(i.message.contains("other lines were kept"));
    }

    #[test]
    fn jsonl_split_object_hints_at_one_line_per_record() {
        let c = parse_corpus("{\"instruction\": \"a\",\n \"output\": \"b\"}");
        assert!(c.records.is_empty());
        assert!(c.issues[0].message.contains("single line"));
    }

    #[test]
    fn jsonl_null_row_and_non_object_line() {
        let c = parse_corpus(
            "{\"instruction\": null, \"output\": \"\"}\n[1]\n{\"instruction\": \"x\", \"output\": \"y\"}",
        );
        assert_eq!(texts(&c), ["x\ny"]);
        assert_eq!(lines(&c), [3]);
        assert!(c
            .issues
            .iter()
            .any(|i| i.line == 1 && i.field.as_deref() == Some("instruction")));
        assert!(c
            .issues
            .iter()
            .any(|i| i.line == 2 && i.message.contains("a list, not an object")));
    }

    #[test]
    fn bom_and_crlf() {
        let c = parse_corpus("\u{FEFF}{\"instruction\": \"a\", \"output\": \"b\"}\r\n{\"instruction\": \"c\", \"output\": \"d\"}\r\n");
        assert_eq!(c.format, CorpusFormat::Jsonl);
        assert_eq!(texts(&c), ["a\nb", "c\nd"]);
        assert_eq!(lines(&c), [1, 2]);
        assert!(c.issues.is_empty());

        let c = parse_corpus("\u{FEFF}\r\n[\r\n{\"instruction\": \"a\", \"output\": \"b\"},\r\n{\"instruction\": \"c\", \"output\": \"d\"}\r\n]");
        assert_eq!(c.format, CorpusFormat::JsonArray);
        assert_eq!(texts(&c), ["a\nb", "c\nd"]);
        assert_eq!(lines(&c), [3, 4]);

        let c = parse_corpus("\u{FEFF}plain\r\ntext");
        assert_eq!(texts(&c), ["plain\ntext"]);
    }
}
