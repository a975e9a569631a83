//! Reading a corpus a student pastes or uploads: plain text, or an instruction dataset as a JSON array or
//! as JSONL, with the fields `instruction`, `input` (optional) and `output`.
//!
//! Instruction records are read with the dataset reader — [`parse_rows`] splits the text into rows and
//! [`check_row`] judges each one — so the extension lab and the dataset workspace share one parser, one
//! field list ([`FIELDS`]) and one set of messages: a file that imports in the workspace reads the same
//! here, and a problem is worded the same in both.
//!
//! The corpus is more lenient than the workspace import, because a corpus only needs text to tokenize,
//! not training examples. Real files are messy — the Ollama generation notebook writes rows such as
//! `{"instruction": null, "output": ""}` and leaves `input` out — so reading never fails:
//! - a record the check would quarantine still gives its usable text (its non-blank string fields), and is
//!   skipped only when it has none;
//! - a `null` or missing `input` simply means "no input" (the workspace's warning about it is dropped);
//! - a JSON array that cannot be read as a whole (truncated, malformed) is read as plain text, so the
//!   student still sees numbers while fixing the file; a bad JSONL line costs only that line.
//!
//! Every problem becomes a [`CorpusIssue`] that names the line, the record and the field and says what to
//! do (the check's message, prefixed with the record and its line).

use serde_json::Value;

use crate::core::dataset::parse::{parse_rows, CsvMapping, Format, RawRow, RawValue};
use crate::core::dataset::validate::{check_row, Issue, Problem, FIELDS};

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
    /// For instruction records: the non-blank texts among instruction, input and output, in that order,
    /// joined with `"\n"`; for plain text: the paragraph.
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
    /// The field concerned (`instruction`, `input`, `output`, or an unknown field that was not read), if
    /// any.
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

/// Reads a pasted or uploaded corpus; never fails (see the module documentation).
///
/// Detection, after a UTF-8 byte-order mark and leading white space: `[` is a JSON array, `{` is JSONL, and
/// anything else is plain text with one record per blank-line-separated paragraph. Windows line endings
/// (CRLF) are accepted everywhere.
pub fn parse_corpus(input: &str) -> Corpus {
    let text = input.strip_prefix('\u{FEFF}').unwrap_or(input);
    match text.trim_start().as_bytes().first() {
        Some(b'[') => read_records(text, Format::JsonArray),
        Some(b'{') => read_records(text, Format::Jsonl),
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

/// Reads instruction records (a JSON array or JSONL) with the dataset reader and its row check.
fn read_records(text: &str, format: Format) -> Corpus {
    let rows = match parse_rows(text, format, &CsvMapping::default()) {
        Ok(rows) => rows,
        Err(e) => return read_as_plain_text(text, e.line.unwrap_or(1), &e.message),
    };
    // An array that stopped partway (truncated, malformed, text after the `]`) is read as plain text as a
    // whole: reading the records before the cut would silently drop the rest of the corpus.
    if format == Format::JsonArray {
        if let Some((line, message)) = rows.iter().find_map(|r| match &r.value {
            RawValue::Unparsable(m) => Some((r.line, m)),
            _ => None,
        }) {
            return read_as_plain_text(text, line, message);
        }
    }
    let mut corpus = Corpus {
        format: match format {
            Format::Jsonl => CorpusFormat::Jsonl,
            _ => CorpusFormat::JsonArray,
        },
        records: Vec::new(),
        issues: Vec::new(),
    };
    for row in &rows {
        read_row(row, &mut corpus);
    }
    corpus
}

/// The fallback for a JSON array that cannot be read: the whole input as plain text, with one issue that
/// keeps the dataset reader's message (it names the line and column). (JSONL never gets here: its reader
/// fails only on an empty text, and a bad line is a row of its own.)
fn read_as_plain_text(text: &str, line: usize, message: &str) -> Corpus {
    let issue = CorpusIssue {
        line,
        record: None,
        field: None,
        message: format!(
            "The file starts with `[` but could not be read as a JSON array: {message}. Until it is \
             fixed, this lab reads the whole file as plain text instead of keeping only the records \
             before this point, so nothing is lost."
        ),
    };
    Corpus {
        format: CorpusFormat::PlainText,
        records: plain_text_records(text),
        issues: vec![issue],
    }
}

/// Judges one row with the dataset check and adds its text (if any is usable) and its issues to `corpus`.
fn read_row(row: &RawRow, corpus: &mut Corpus) {
    let record = row.index + 1;
    let issue = |i: &Issue, suffix: &str| CorpusIssue {
        line: i.line,
        record: Some(record),
        field: i.field.clone(),
        message: format!("Record {record} (line {}): {}{suffix}", i.line, i.message),
    };
    let (text, failed) = match check_row(row, "corpus") {
        Ok((r, warnings)) => {
            // A null or missing input is "no input" for a corpus, not something to fix.
            corpus.issues.extend(
                warnings
                    .iter()
                    .filter(|w| w.problem != Problem::NullAsEmpty)
                    .map(|w| issue(w, "")),
            );
            let parts = [&r.instruction, &r.input, &r.output];
            (join_texts(parts.into_iter().map(String::as_str)), false)
        }
        Err(issues) => {
            let RawValue::Object(pairs) = &row.value else {
                // Not an object, or not JSON at all: nothing to read, one issue says so.
                corpus.issues.extend(
                    issues
                        .iter()
                        .map(|i| issue(i, ". It was skipped; the other records were kept.")),
                );
                return;
            };
            corpus.issues.extend(issues.iter().map(|i| issue(i, "")));
            // Quarantined in the workspace, but a corpus only needs text: keep the string fields.
            let first = |field: &str| match pairs.iter().find(|(k, _)| k == field) {
                Some((_, Value::String(s))) => s.as_str(),
                _ => "",
            };
            (join_texts(FIELDS.map(first).into_iter()), true)
        }
    };
    if !text.is_empty() {
        corpus.records.push(CorpusRecord {
            line: row.line,
            text,
        });
        return;
    }
    let why = match &row.value {
        RawValue::Object(pairs) if !pairs.iter().any(|(k, _)| FIELDS.contains(&k.as_str())) => {
            if pairs.is_empty() {
                "it has no fields".to_string()
            } else {
                let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
                let fields = if keys.len() == 1 { "field" } else { "fields" };
                format!("it has the {fields} {}", keys.join(", "))
            }
        }
        _ if failed => "see the problems above".to_string(),
        _ => "its texts are empty".to_string(),
    };
    corpus.issues.push(CorpusIssue {
        line: row.line,
        record: Some(record),
        field: None,
        message: format!(
            "Record {record} (line {}) has no usable text — none of {} holds text ({why}) — so it was \
             skipped. Fill in its instruction and output (or rename its fields to {}), or delete the \
             record.",
            row.line,
            FIELDS.join(", "),
            FIELDS.join(" / ")
        ),
    });
}

/// The non-blank texts, in field order, joined with `"\n"`.
fn join_texts<'a>(texts: impl Iterator<Item = &'a str>) -> String {
    texts
        .filter(|t| !t.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
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
        // Two issues, not three: the dataset check lists only what keeps a row out (the null
        // instruction); an empty output is a warning there, reported for rows that pass. The skip issue
        // says that none of the fields holds text.
        assert_eq!(c.issues.len(), 2, "{:?}", c.issues);
        let null = &c.issues[0];
        assert_eq!(null.field.as_deref(), Some("instruction"));
        assert_eq!((null.line, null.record), (3, Some(2)));
        assert!(null.message.contains("Record 2 (line 3)"));
        assert!(
            null.message.contains("\"instruction\" is null"),
            "{}",
            null.message
        );
        let skipped = &c.issues[1];
        assert_eq!(skipped.field, None);
        assert_eq!((skipped.line, skipped.record), (3, Some(2)));
        assert!(
            skipped.message.contains("no usable text"),
            "{}",
            skipped.message
        );
        assert!(skipped.message.contains("skipped"), "{}", skipped.message);
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
        assert_eq!((c.issues[0].line, c.issues[0].record), (1, Some(1)));
        assert!(c.issues[0].message.contains("\"input\" is an array"));
        assert!(c.issues[0].message.contains("must be text"));
        assert_eq!(c.issues[1].field.as_deref(), Some("output"));
        assert!(c.issues[1].message.contains("\"output\" is a number (42)"));
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
        assert_eq!((c.issues[0].line, c.issues[0].record), (1, Some(1)));
        assert!(c.issues[0].message.contains("\"instruction\" is missing"));
        assert_eq!((c.issues[1].line, c.issues[1].record), (2, Some(2)));
        assert_eq!(c.issues[1].field.as_deref(), Some("output"));
        assert!(c.issues[1].message.contains("\"output\" is missing"));
    }

    #[test]
    fn object_without_expected_fields_is_skipped() {
        let c = parse_corpus(r#"[{"prompt": "p", "completion": "c"}, {}]"#);
        assert!(c.records.is_empty());
        // Three issues per record, not one: the dataset check names each missing required field
        // (instruction, output), then the skip issue says why nothing was kept.
        assert_eq!(c.issues.len(), 6, "{:?}", c.issues);
        let fields: Vec<_> = c.issues.iter().map(|i| i.field.as_deref()).collect();
        assert_eq!(
            fields,
            [Some("instruction"), Some("output"), None].repeat(2)
        );
        assert!(c.issues[0].message.contains("\"instruction\" is missing"));
        let m = &c.issues[2].message;
        assert_eq!(c.issues[2].record, Some(1));
        assert!(m.contains("instruction, input, output"), "{m}");
        assert!(m.contains("prompt, completion"), "{m}");
        assert!(m.contains("skipped"), "{m}");
        assert_eq!(c.issues[5].record, Some(2));
        assert!(c.issues[5].message.contains("it has no fields"));
    }

    #[test]
    fn non_object_elements_are_skipped() {
        let c = parse_corpus(r#"["just text", 3, {"instruction": "ok", "output": "yes"}]"#);
        assert_eq!(texts(&c), ["ok\nyes"]);
        assert_eq!(c.issues.len(), 2);
        assert!(c.issues[0]
            .message
            .contains("Record 1 (line 1): this record is a string (\"just text\"), not an object"));
        assert!(c.issues[0].message.contains("skipped"));
        assert_eq!(c.issues[1].record, Some(2));
        assert!(c.issues[1].message.contains("a number (3)"));
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
        assert!(i.message.contains("line 3 column"), "{}", i.message);
        assert!(i.message.contains("truncated"), "{}", i.message);
        assert!(i.message.contains("plain text"), "{}", i.message);
        // Nothing lost: the whole input is there as plain text.
        assert_eq!(texts(&c), [input]);
    }

    #[test]
    fn malformed_json_says_where() {
        let c = parse_corpus("[\n{\"instruction\": \"a\" \"output\": \"b\"}\n]");
        assert_eq!(c.issues.len(), 1);
        let i = &c.issues[0];
        assert_eq!(c.format, CorpusFormat::PlainText);
        assert_eq!((i.line, i.record), (2, None));
        assert!(i.message.contains("line 2 column"), "{}", i.message);
        assert!(i.message.contains("expected `,` or `}`"), "{}", i.message);
        assert!(
            i.message.contains("fix the file at this point"),
            "{}",
            i.message
        );
        assert!(i.message.contains("plain text"), "{}", i.message);
        assert_eq!(
            c.records.len(),
            1,
            "nothing lost: the input is one paragraph"
        );
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
        assert!(i.message.contains("Record 2 (line 3)"), "{}", i.message);
        assert!(
            i.message.contains("invalid JSON on line 3"),
            "{}",
            i.message
        );
        assert!(i.message.contains("the other records were kept"));
    }

    #[test]
    fn jsonl_split_object_hints_at_one_line_per_record() {
        let c = parse_corpus("{\"instruction\": \"a\",\n \"output\": \"b\"}");
        assert!(c.records.is_empty());
        assert_eq!(c.issues.len(), 2, "{:?}", c.issues);
        assert_eq!((c.issues[0].line, c.issues[0].record), (1, Some(1)));
        assert!(c.issues[0].message.contains("one complete JSON object"));
        assert_eq!((c.issues[1].line, c.issues[1].record), (2, Some(2)));
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
            .any(|i| i.line == 2 && i.message.contains("an array ([1]), not an object")));
    }

    #[test]
    fn warnings_of_kept_records_and_quarantined_text() {
        // Warnings of a record that passes: an unknown field (not read) and an empty text are issues, a
        // null input is not.
        let c = parse_corpus(
            r#"[{"instruction": "Q", "input": null, "output": " ", "id": 7},
{"instruction": "a", "output": "one", "output": "two"},
{"instruction": "", "output": ""}]"#,
        );
        assert_eq!(c.format, CorpusFormat::JsonArray);
        // The duplicate key quarantines record 2 in the workspace; here its text is kept, with the first
        // occurrence of the key.
        assert_eq!(texts(&c), ["Q", "a\none"]);
        assert_eq!(lines(&c), [1, 2]);
        let found: Vec<_> = c
            .issues
            .iter()
            .map(|i| (i.line, i.record, i.field.as_deref()))
            .collect();
        assert_eq!(
            found,
            [
                (1, Some(1), Some("id")),
                (1, Some(1), Some("output")),
                (2, Some(2), Some("output")),
                (3, Some(3), Some("instruction")),
                (3, Some(3), Some("output")),
                (3, Some(3), None),
            ]
        );
        assert!(c.issues[0].message.contains("unknown field \"id\""));
        assert!(c.issues[1].message.contains("empty text"));
        assert!(c.issues[2].message.contains("appears 2 times"));
        assert!(c.issues[5].message.contains("its texts are empty"));

        // Text after the closing `]` is a file that cannot be read as a whole, too.
        let input = "[{\"instruction\": \"a\", \"output\": \"b\"}]\n{\"x\": 1}";
        let c = parse_corpus(input);
        assert_eq!(c.format, CorpusFormat::PlainText);
        assert_eq!(c.issues.len(), 1);
        assert_eq!((c.issues[0].line, c.issues[0].record), (2, None));
        assert!(c.issues[0]
            .message
            .contains("after the end of the JSON array"));
        assert_eq!(texts(&c), [input]);
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
