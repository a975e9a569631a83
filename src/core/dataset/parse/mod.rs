//! Reading instruction datasets from raw bytes: decoding, format detection and splitting into rows.
//!
//! Import is two steps so that nothing is silently lost:
//! 1. [`decode_text`] turns bytes into text, refusing what cannot be a dataset at all (binary files,
//!    invalid UTF-8, empty files, files over [`MAX_IMPORT_BYTES`]) with a message that says what to do.
//! 2. [`parse_rows`] splits the text into [`RawRow`]s *without judging them*: each row keeps its line, its
//!    keys in file order and any duplicate keys, or the reason it could not be parsed. Judging rows
//!    (required fields, types) is [`super::validate`]'s job, so a bad row is quarantined with its
//!    reasons while the good rows around it still import.
//!
//! Only problems that make the *whole file* unreadable (wrong top-level JSON type, a CSV without the
//! mapped columns) are an [`ImportError`]; a problem partway through (a truncated JSON array, an
//! unterminated CSV quote) keeps the rows before it and adds one [`RawValue::Unparsable`] row saying
//! where reading stopped.
//!
//! Line numbers are 1-based and count `\n`, so CRLF files number lines the same as LF files. Columns
//! count bytes, as serde_json's do.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod csv;
mod json;
mod jsonl;

use csv::*;
pub use csv::{csv_columns, csv_header_names, read_csv, CsvRow};
use json::*;
use jsonl::*;

/// The largest file the lab imports: 100 MiB. The browser holds the whole text plus the parsed rows in
/// memory, so larger files are refused up front (with this limit in the message) rather than crashing
/// the tab halfway; split bigger datasets into parts.
pub const MAX_IMPORT_BYTES: usize = 100 * 1024 * 1024;

/// How many leading bytes [`decode_text`] inspects to recognise a binary file (the same window `git`
/// and `file` use for their text/binary guess).
const SNIFF_BYTES: usize = 8 * 1024;

/// Why a file (as a whole) could not be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// 1-based line the problem is on, when it has one.
    pub line: Option<usize>,
    /// What is wrong and what to do about it, written for the person importing.
    pub message: String,
}

impl ImportError {
    fn new(line: Option<usize>, message: impl Into<String>) -> Self {
        ImportError {
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ImportError {}

/// Refuses sizes over [`MAX_IMPORT_BYTES`], naming the limit. Separate from [`decode_text`] so the UI
/// can check a file's size before reading it at all.
pub fn check_size(len: usize) -> Result<(), ImportError> {
    if len > MAX_IMPORT_BYTES {
        return Err(ImportError::new(
            None,
            format!(
                "the file is {len} bytes ({:.1} MB), over the import limit of {} MB ({MAX_IMPORT_BYTES} \
                 bytes) — split it into smaller files (e.g. a few JSONL parts) and import them one by one",
                len as f64 / MIB as f64,
                MAX_IMPORT_BYTES / MIB
            ),
        ));
    }
    Ok(())
}

const MIB: usize = 1024 * 1024;

/// Well-known binary formats people drop on an importer by mistake, with advice for each.
const MAGIC: &[(&[u8], &str)] = &[
    (
        b"PK\x03\x04",
        "a zip archive (or .xlsx) — unzip it, or export the sheet as CSV",
    ),
    (b"\x1f\x8b", "gzip-compressed — decompress it first"),
    (
        b"%PDF",
        "a PDF document — datasets must be JSON, JSONL or CSV",
    ),
    (
        b"PAR1",
        "a Parquet file — convert it to JSONL (e.g. pandas `df.to_json(lines=True)`)",
    ),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
];

/// Decodes a file's bytes as UTF-8 text, refusing anything that is not a text dataset.
///
/// - over [`MAX_IMPORT_BYTES`] → refused, stating the limit;
/// - a UTF-8 byte-order mark is stripped (Windows editors and Excel write one; it is not data);
/// - a UTF-16 byte-order mark, a known binary signature, a NUL byte in the first 8 KB or mostly control
///   characters → "binary file" (checked before UTF-8 validity, because "binary" is the useful message for
///   an image, while "invalid UTF-8 at byte 3" is not);
/// - invalid UTF-8 → an error naming the byte offset (in the original file) and line, so the user can
///   find it; usually the file was saved as Latin-1/Windows-1252;
/// - empty or whitespace-only → "empty file".
pub fn decode_text(bytes: &[u8]) -> Result<String, ImportError> {
    decode_owned(bytes.to_vec())
}

/// [`decode_text`] that takes the bytes by value, so a large file is not copied: the text reuses them.
pub fn decode_owned(mut bytes: Vec<u8>) -> Result<String, ImportError> {
    let bom = sniff(&bytes)?;
    bytes.drain(..bom);
    match String::from_utf8(bytes) {
        Ok(text) if text.trim().is_empty() => Err(empty_file(&text)),
        Ok(text) => Ok(text),
        Err(e) => {
            let body = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let line = 1 + count_newlines(&body[..at]);
            Err(ImportError::new(
                Some(line),
                format!(
                    "not valid UTF-8: byte 0x{:02X} at offset {} — the file seems to use \
                     another encoding, such as Latin-1 or Windows-1252; re-save it as UTF-8 and import \
                     it again",
                    body[at],
                    at + bom
                ),
            ))
        }
    }
}

/// The checks of [`decode_text`] that need no full pass (size, UTF-16, binary signatures and sniffing);
/// returns the length of a UTF-8 byte-order mark to skip (0 or 3).
fn sniff(bytes: &[u8]) -> Result<usize, ImportError> {
    check_size(bytes.len())?;
    if bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff") {
        return Err(ImportError::new(
            None,
            "this file is UTF-16 text; save it as UTF-8 (in most editors: \"Save with encoding → UTF-8\") \
             and import it again",
        ));
    }
    let bom = if bytes.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    };
    let body = &bytes[bom..];

    if let Some((_, what)) = MAGIC.iter().find(|(magic, _)| body.starts_with(magic)) {
        return Err(ImportError::new(
            None,
            format!("this is a binary file, not text: it looks like {what}"),
        ));
    }
    let sample = &body[..body.len().min(SNIFF_BYTES)];
    if let Some(at) = sample.iter().position(|&b| b == 0) {
        return Err(ImportError::new(
            None,
            format!(
                "this is a binary file, not text (a NUL byte at offset {}) — import a .json, .jsonl or \
                 .csv text file",
                at + bom
            ),
        ));
    }
    let controls = sample
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)) || b == 0x7f)
        .count();
    if controls * 10 > sample.len() {
        return Err(ImportError::new(
            None,
            "this is a binary file, not text (mostly control characters) — import a .json, .jsonl or \
             .csv text file",
        ));
    }
    Ok(bom)
}

fn empty_file(text: &str) -> ImportError {
    if text.is_empty() {
        ImportError::new(None, "the file is empty — there are no records to import")
    } else {
        ImportError::new(
            None,
            "the file contains only whitespace — there are no records to import",
        )
    }
}

fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// The three dataset layouts the lab reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One JSON array of objects — the book's (Alpaca) format, what `json.dump(records, f)` writes.
    JsonArray,
    /// One JSON object per line (JSON Lines), the usual format of Hugging Face datasets.
    Jsonl,
    /// Comma-separated values with a header row; columns are chosen by a [`CsvMapping`].
    Csv,
}

/// Guesses a file's [`Format`]: by extension first (`.json`, `.jsonl`/`.ndjson`, `.csv`), because the name
/// is what the user chose; otherwise by the first non-space character (`[` → JSON array, `{` → JSONL,
/// anything else → CSV).
///
/// A `.json` file that really holds JSONL is not guessed around: [`parse_rows`] then says so and tells
/// the user to rename it, which is clearer than silently reading it another way.
pub fn detect(text: &str, file_name: Option<&str>) -> Format {
    if let Some(name) = file_name {
        if let Some((_, ext)) = name.rsplit_once('.') {
            match ext.to_ascii_lowercase().as_str() {
                "json" => return Format::JsonArray,
                "jsonl" | "ndjson" => return Format::Jsonl,
                "csv" => return Format::Csv,
                _ => {}
            }
        }
    }
    match text
        .trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .chars()
        .next()
    {
        Some('[') => Format::JsonArray,
        Some('{') => Format::Jsonl,
        _ => Format::Csv,
    }
}

/// One row as read from the file, before validation. Serialisable, so a quarantined row is stored exactly
/// as read (duplicate keys included) and can be fixed after a reload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawRow {
    /// 1-based line where the row starts (for a JSON array: the line of the element's first character).
    pub line: usize,
    /// 0-based record index, as in Python's `data[index]` (for CSV: data rows, header excluded).
    pub index: usize,
    /// What the row holds.
    pub value: RawValue,
}

/// The content of a [`RawRow`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RawValue {
    /// A JSON object (or CSV row) as key/value pairs **in file order, duplicates kept** — a
    /// `serde_json::Map` would keep only the last of two equal keys, silently choosing a value.
    Object(Vec<(String, Value)>),
    /// Valid JSON that is not an object (a number, string, array, `null`...).
    NotObject(Value),
    /// Text that could not be parsed; the message says where and why.
    Unparsable(String),
}

/// Which CSV columns hold the instruction, the (optional) input and the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvMapping {
    /// Header name of the instruction column (matched case-insensitively, ignoring surrounding spaces).
    pub instruction: String,
    /// Header name of the input column, or `None` when the file has no input.
    pub input: Option<String>,
    /// Header name of the output column.
    pub output: String,
}

impl Default for CsvMapping {
    /// Columns named `instruction`, `input` and `output`. With this default mapping a missing `input`
    /// column is fine (input is optional in the schema); a column named explicitly must exist.
    fn default() -> Self {
        CsvMapping {
            instruction: "instruction".into(),
            input: Some("input".into()),
            output: "output".into(),
        }
    }
}

/// Splits decoded text into rows in the given format (see the module docs for what is an error and what
/// becomes an [`RawValue::Unparsable`] row).
pub fn parse_rows(
    text: &str,
    format: Format,
    mapping: &CsvMapping,
) -> Result<Vec<RawRow>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(empty_file(text));
    }
    let mut reader = RowReader::new(format, mapping);
    let mut rows = Vec::new();
    while !reader.read(text, &mut rows, usize::MAX)? {}
    Ok(rows)
}

/// Reads rows from a text a slice at a time, so a 75 MB file can be imported without freezing the page:
/// each [`RowReader::read`] consumes roughly a byte budget and returns. [`parse_rows`] is the same reader
/// run to the end.
#[derive(Debug, Clone)]
pub struct RowReader {
    kind: ReaderKind,
}

#[derive(Debug, Clone)]
enum ReaderKind {
    Array(ArrayReader),
    Jsonl(JsonlReader),
    Csv(Box<CsvReader>),
}

impl RowReader {
    pub fn new(format: Format, mapping: &CsvMapping) -> Self {
        let kind = match format {
            Format::JsonArray => ReaderKind::Array(ArrayReader::new()),
            Format::Jsonl => ReaderKind::Jsonl(JsonlReader {
                pos: 0,
                line: 1,
                count: 0,
            }),
            Format::Csv => ReaderKind::Csv(Box::new(CsvReader {
                lexer: CsvLexer { pos: 0, line: 1 },
                mapping: mapping.clone(),
                columns: None,
                count: 0,
            })),
        };
        RowReader { kind }
    }

    /// Appends the rows found in roughly the next `budget` bytes of `text` (always at least one row, when
    /// any is left) to `rows`; `Ok(true)` when the text is finished. `text` must be the same on every call
    /// and must not start with a byte-order mark (see [`decode_text`]).
    pub fn read(
        &mut self,
        text: &str,
        rows: &mut Vec<RawRow>,
        budget: usize,
    ) -> Result<bool, ImportError> {
        match &mut self.kind {
            ReaderKind::Array(r) => r.read(text, rows, budget),
            ReaderKind::Jsonl(r) => Ok(r.read(text, rows, budget)),
            ReaderKind::Csv(r) => r.read(text, rows, budget),
        }
    }

    /// Bytes consumed so far (for a progress bar).
    pub fn position(&self) -> usize {
        match &self.kind {
            ReaderKind::Array(r) => r.pos,
            ReaderKind::Jsonl(r) => r.pos,
            ReaderKind::Csv(r) => r.lexer.pos,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(pairs: &[(&str, Value)]) -> RawValue {
        RawValue::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn json_rows(text: &str) -> Vec<RawRow> {
        parse_rows(text, Format::JsonArray, &CsvMapping::default()).unwrap()
    }

    // --- resumable reading -------------------------------------------------------------------------

    #[test]
    fn reading_in_small_slices_gives_the_same_rows() {
        let cases = [
            (
                Format::JsonArray,
                "[\n {\"instruction\": \"a\", \"output\": \"b\"},\n 7,\n {\"x\": [1, 2]},\n {\"instruction\": \"c\"",
            ),
            (Format::JsonArray, "[{\"a\":1}, {\"b\":2}] trailing"),
            (
                Format::Jsonl,
                "{\"instruction\":\"a\",\"output\":\"b\"}\r\n\n{bad\n[1]\n{\"output\":\"x\"}",
            ),
            (
                Format::Csv,
                "instruction,output\n\"a, b\",\"multi\nline\"\n\nc,d\ne,f,g\n\"open,x",
            ),
        ];
        for (format, text) in cases {
            let whole = parse_rows(text, format, &CsvMapping::default()).unwrap();
            for budget in [1, 3, 17] {
                let mut reader = RowReader::new(format, &CsvMapping::default());
                let mut rows = Vec::new();
                let mut calls = 0;
                while !reader.read(text, &mut rows, budget).unwrap() {
                    calls += 1;
                    assert!(calls < 10_000, "the reader makes progress");
                }
                assert_eq!(rows, whole, "{format:?} with budget {budget}");
                assert_eq!(reader.position(), text.len());
            }
        }
    }

    #[test]
    fn csv_columns_of_the_header() {
        assert_eq!(
            csv_columns("\u{feff}Prompt , Answer\nx,y").unwrap(),
            ["Prompt", "Answer"]
        );
        assert!(csv_columns("  \n").is_err());
    }

    // --- decode_text -------------------------------------------------------------------------------

    #[test]
    fn bom_is_stripped() {
        let text = decode_text(b"\xef\xbb\xbf[{\"a\": 1}]").unwrap();
        assert_eq!(text, "[{\"a\": 1}]");
    }

    #[test]
    fn invalid_utf8_names_offset_and_line() {
        let bytes = b"instruction,output\nCaf\xe9,ok\n";
        let err = decode_text(bytes).unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("offset 22"), "{}", err.message);
        assert!(err.message.contains("0xE9"), "{}", err.message);
        assert!(err.message.contains("UTF-8"), "{}", err.message);
        // The offset is in the original file, BOM included.
        let err = decode_text(b"\xef\xbb\xbfab\xff").unwrap_err();
        assert!(err.message.contains("offset 5"), "{}", err.message);
        assert_eq!(err.line, Some(1));
    }

    #[test]
    fn binary_files_are_refused() {
        let err = decode_text(b"ab\x00cd").unwrap_err();
        assert!(err.message.contains("binary"), "{}", err.message);
        assert!(err.message.contains("offset 2"), "{}", err.message);
        let err = decode_text(b"PK\x03\x04\x14\x00rest").unwrap_err();
        assert!(err.message.contains("zip"), "{}", err.message);
        let noise: Vec<u8> = (0..200u8).map(|i| (i % 8) + 1).collect();
        let err = decode_text(&noise).unwrap_err();
        assert!(err.message.contains("binary"), "{}", err.message);
        let err = decode_text(b"\xff\xfe[\x00").unwrap_err();
        assert!(err.message.contains("UTF-16"), "{}", err.message);
    }

    #[test]
    fn empty_files_are_refused() {
        let err = decode_text(b"").unwrap_err();
        assert!(err.message.contains("empty"), "{}", err.message);
        let err = decode_text(b" \r\n\t\n").unwrap_err();
        assert!(err.message.contains("only whitespace"), "{}", err.message);
        let err = decode_text(b"\xef\xbb\xbf").unwrap_err();
        assert!(err.message.contains("empty"), "{}", err.message);
        let err = parse_rows("", Format::Csv, &CsvMapping::default()).unwrap_err();
        assert!(err.message.contains("empty"), "{}", err.message);
    }

    #[test]
    fn oversized_input_is_refused_with_the_limit() {
        let err = check_size(MAX_IMPORT_BYTES + 1).unwrap_err();
        assert!(err.message.contains("limit of 100 MB"), "{}", err.message);
        assert!(check_size(MAX_IMPORT_BYTES).is_ok());
        // A real buffer (zeroed pages are not touched: the size check comes first).
        let big = vec![0u8; MAX_IMPORT_BYTES + 1];
        let err = decode_text(&big).unwrap_err();
        assert!(err.message.contains("limit"), "{}", err.message);
    }

    // --- detect --------------------------------------------------------------------------------------

    #[test]
    fn detect_prefers_extension_then_content() {
        assert_eq!(detect("{}", Some("data.JSON")), Format::JsonArray);
        assert_eq!(detect("[", Some("a.b.jsonl")), Format::Jsonl);
        assert_eq!(detect("[", Some("x.csv")), Format::Csv);
        assert_eq!(detect("\n  [ {} ]", None), Format::JsonArray);
        assert_eq!(detect("\u{feff}{\"a\":1}", Some("data.txt")), Format::Jsonl);
        assert_eq!(detect("instruction,output", None), Format::Csv);
    }

    // --- JSON array ----------------------------------------------------------------------------------

    #[test]
    fn json_array_keeps_order_and_duplicates_and_lines() {
        let text = "[\n  {\n    \"output\": \"b ] } [\",\n    \"instruction\": \"say \\\"[\\\"\"\n  },\n\n  \
                    {\"instruction\": \"x\", \"instruction\": \"y\", \"output\": \"z\"},\n  7\n]\n";
        let rows = json_rows(text);
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].line, rows[0].index), (2, 0));
        assert_eq!(
            rows[0].value,
            obj(&[
                ("output", json!("b ] } [")),
                ("instruction", json!("say \"[\""))
            ])
        );
        assert_eq!((rows[1].line, rows[1].index), (7, 1));
        assert_eq!(
            rows[1].value,
            obj(&[
                ("instruction", json!("x")),
                ("instruction", json!("y")),
                ("output", json!("z"))
            ])
        );
        assert_eq!((rows[2].line, rows[2].index), (8, 2));
        assert_eq!(rows[2].value, RawValue::NotObject(json!(7)));
    }

    #[test]
    fn crlf_json_array_lines() {
        let text = "[\r\n  {\"instruction\": \"a\", \"output\": \"b\"},\r\n  {\"instruction\": \"c\",\r\n   \"output\": \"d\"}\r\n]\r\n";
        let rows = json_rows(text);
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn truncated_json_keeps_rows_before_the_cut() {
        let text =
            "[\n  {\"instruction\": \"a\", \"output\": \"b\"},\n  {\"instruction\": \"c\", \"out";
        let rows = json_rows(text);
        assert_eq!(rows.len(), 2);
        assert!(matches!(rows[0].value, RawValue::Object(_)));
        assert_eq!(rows[1].line, 3);
        let RawValue::Unparsable(msg) = &rows[1].value else {
            panic!("{:?}", rows[1])
        };
        assert!(msg.contains("line 3"), "{msg}");
        assert!(msg.contains("truncated"), "{msg}");
        assert!(msg.contains("1 record before it was read"), "{msg}");

        // Cut between elements.
        let rows = json_rows("[{\"instruction\": \"a\", \"output\": \"b\"},\n");
        assert_eq!(rows.len(), 2);
        let RawValue::Unparsable(msg) = &rows[1].value else {
            panic!()
        };
        assert!(msg.contains("not closed") || msg.contains("before the JSON array is closed"));
    }

    #[test]
    fn json_array_errors_have_absolute_positions() {
        let rows = json_rows("[\n  {\"a\": 1},\n  {\"b\": tru}\n]");
        let RawValue::Unparsable(msg) = &rows[1].value else {
            panic!("{:?}", rows)
        };
        assert!(msg.contains("line 3 column"), "{msg}");
        let rows = json_rows("[{\"a\": 1} {\"b\": 2}]");
        let RawValue::Unparsable(msg) = &rows[1].value else {
            panic!("{:?}", rows)
        };
        assert!(msg.contains("line 1 column 11"), "{msg}");
        assert!(msg.contains("comma may be missing"), "{msg}");
        let rows = json_rows("[{\"a\": 1}]\n{\"b\": 2}");
        assert_eq!(rows.len(), 2);
        assert!(matches!(&rows[1].value, RawValue::Unparsable(m) if m.contains("after the end")));
        assert_eq!(json_rows("[ ]"), vec![]);
        assert_eq!(json_rows("[{\"a\": 1},]").len(), 1);
    }

    #[test]
    fn wrong_top_level_type_is_an_error() {
        let m = CsvMapping::default();
        let err = parse_rows("{\"instruction\": \"a\"}\n", Format::JsonArray, &m).unwrap_err();
        assert!(
            err.message
                .contains("expected a JSON array of objects, found an object"),
            "{}",
            err.message
        );
        assert!(err.message.contains(".jsonl"), "{}", err.message);
        for (text, found) in [
            ("42", "a number"),
            ("\"hi\"", "a string"),
            ("true", "a boolean"),
            ("null", "null"),
        ] {
            let err = parse_rows(text, Format::JsonArray, &m).unwrap_err();
            assert!(err.message.contains(found), "{}", err.message);
        }
        let err = parse_rows("instruction,output", Format::JsonArray, &m).unwrap_err();
        assert!(err.message.contains("not JSON"), "{}", err.message);
    }

    // --- JSONL ---------------------------------------------------------------------------------------

    #[test]
    fn jsonl_bad_line_keeps_the_others() {
        let text = "{\"instruction\": \"a\", \"output\": \"b\"}\r\n\r\n{\"instruction\": \"c\", \r\n[1]\n{\"output\": \"d\"}";
        let rows = parse_rows(text, Format::Jsonl, &CsvMapping::default()).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows.iter().map(|r| (r.index, r.line)).collect::<Vec<_>>(),
            [(0, 1), (1, 3), (2, 4), (3, 5)]
        );
        assert!(matches!(&rows[1].value, RawValue::Unparsable(m) if m.contains("line 3")));
        assert_eq!(rows[2].value, RawValue::NotObject(json!([1])));
        assert_eq!(rows[3].value, obj(&[("output", json!("d"))]));
    }

    // --- CSV -----------------------------------------------------------------------------------------

    #[test]
    fn csv_quotes_commas_newlines_and_crlf() {
        let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\n\r\nplain,,last\n\"q\"tail,\"\",\n";
        let rows = read_csv(text).unwrap();
        assert_eq!(
            rows,
            vec![
                CsvRow {
                    line: 1,
                    fields: vec!["a".into(), "b".into(), "c".into()]
                },
                CsvRow {
                    line: 2,
                    fields: vec!["x, y".into(), "say \"hi\"".into(), "two\r\nlines".into()]
                },
                CsvRow {
                    line: 5,
                    fields: vec!["plain".into(), "".into(), "last".into()]
                },
                CsvRow {
                    line: 6,
                    fields: vec!["qtail".into(), "".into(), "".into()]
                },
            ]
        );
    }

    #[test]
    fn csv_unterminated_quote_names_start_line() {
        let err = read_csv("a,b\n1,2\n3,\"oops\n4,5\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("line 3"), "{}", err.message);
        assert!(err.message.contains("field 2"), "{}", err.message);
        // parse_rows keeps the rows before it.
        let rows = parse_rows(
            "instruction,output\n1,2\n3,\"oops\n4,5\n",
            Format::Csv,
            &CsvMapping::default(),
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert!(matches!(rows[0].value, RawValue::Object(_)));
        assert!(
            matches!(&rows[1].value, RawValue::Unparsable(m) if m.contains("unterminated")),
            "{rows:?}"
        );
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn csv_mapping() {
        let text = "\u{feff}ID, Instruction ,Context,Response\n1,\"Add 2, 3\",,5\n2,only,two\n";
        let mapping = CsvMapping {
            instruction: "instruction".into(),
            input: Some("context".into()),
            output: "response".into(),
        };
        let rows = parse_rows(text, Format::Csv, &mapping).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].line, rows[0].index), (2, 0));
        assert_eq!(
            rows[0].value,
            obj(&[
                ("instruction", json!("Add 2, 3")),
                ("input", json!("")),
                ("output", json!("5"))
            ])
        );
        assert!(
            matches!(&rows[1].value, RawValue::Unparsable(m) if m.contains("3 fields") || m.contains("has 3"))
        );

        // Default mapping: no input column is fine.
        let rows = parse_rows(
            "instruction,output\na,b\n",
            Format::Csv,
            &CsvMapping::default(),
        )
        .unwrap();
        assert_eq!(
            rows[0].value,
            obj(&[("instruction", json!("a")), ("output", json!("b"))])
        );

        // Missing mapped columns name the column and list the header.
        let err = parse_rows(
            "prompt,completion\na,b\n",
            Format::Csv,
            &CsvMapping::default(),
        )
        .unwrap_err();
        assert!(err.message.contains("\"instruction\""), "{}", err.message);
        assert!(
            err.message.contains("\"prompt\", \"completion\""),
            "{}",
            err.message
        );
        let err = parse_rows("instruction,output\na,b\n", Format::Csv, &mapping).unwrap_err();
        assert!(err.message.contains("\"response\""), "{}", err.message);
        let explicit_input = CsvMapping {
            input: Some("ctx".into()),
            ..CsvMapping::default()
        };
        let err =
            parse_rows("instruction,output\na,b\n", Format::Csv, &explicit_input).unwrap_err();
        assert!(err.message.contains("\"ctx\""), "{}", err.message);
        let err = parse_rows(
            "instruction,Instruction,output\na,b,c\n",
            Format::Csv,
            &CsvMapping::default(),
        )
        .unwrap_err();
        assert!(err.message.contains("ambiguous"), "{}", err.message);
    }
}
