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

// ---------------------------------------------------------------------------------------------------
// JSON values that keep key order and duplicate keys.

/// A top-level JSON value read with a visitor, so an object's pairs come out in order with duplicates.
struct RowValue(RawValue);

impl<'de> Deserialize<'de> for RowValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RowVisitor).map(RowValue)
    }
}

struct RowVisitor;

impl<'de> Visitor<'de> for RowVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut pairs = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value: Value = map.next_value()?;
            pairs.push((key, value));
        }
        Ok(RawValue::Object(pairs))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(RawValue::NotObject(Value::Array(items)))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::NotObject(Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::NotObject(Value::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawValue, E> {
        Ok(RawValue::NotObject(Value::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::NotObject(Value::from(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::NotObject(Value::String(v.to_owned())))
    }

    fn visit_unit<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::NotObject(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::NotObject(Value::Null))
    }
}

/// serde_json's message without its " at line L column C" suffix (we add positions in file terms).
fn bare_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(at) => full[..at].to_owned(),
        None => full,
    }
}

fn truncation_hint(e: &serde_json::Error) -> &'static str {
    if e.is_eof() {
        " — the file may be truncated (cut off while saving or downloading)"
    } else {
        ""
    }
}

// ---------------------------------------------------------------------------------------------------
// JSON array.

/// A byte position in the text that knows its line and column; moving forward counts newlines once.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
    line_start: usize,
}

impl<'a> Cursor<'a> {
    fn advance_to(&mut self, to: usize) {
        let bytes = self.text.as_bytes();
        for (i, &b) in bytes[self.pos..to].iter().enumerate() {
            if b == b'\n' {
                self.line += 1;
                self.line_start = self.pos + i + 1;
            }
        }
        self.pos = to;
    }

    fn skip_whitespace(&mut self) {
        let rest = &self.text.as_bytes()[self.pos..];
        let n = rest
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .unwrap_or(rest.len());
        self.advance_to(self.pos + n);
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// 1-based byte column of the current position.
    fn column(&self) -> usize {
        self.pos - self.line_start + 1
    }

    fn peek_char(&self) -> String {
        self.text[self.pos..]
            .chars()
            .next()
            .map(|c| c.to_string())
            .unwrap_or_default()
    }
}

/// Where a resumable read of a JSON array stands: the cursor position, how many rows it has produced,
/// and whether it has read the opening `[` or finished.
#[derive(Debug, Clone)]
struct ArrayReader {
    pos: usize,
    line: usize,
    line_start: usize,
    count: usize,
    started: bool,
    done: bool,
}

impl ArrayReader {
    fn new() -> Self {
        ArrayReader {
            pos: 0,
            line: 1,
            line_start: 0,
            count: 0,
            started: false,
            done: false,
        }
    }

    /// Reads elements into `rows` until about `budget` bytes of text were consumed or the array ends;
    /// `Ok(true)` when the whole text has been read.
    fn read(
        &mut self,
        text: &str,
        rows: &mut Vec<RawRow>,
        budget: usize,
    ) -> Result<bool, ImportError> {
        if self.done {
            return Ok(true);
        }
        let mut cur = Cursor {
            text,
            pos: self.pos,
            line: self.line,
            line_start: self.line_start,
        };
        let result = self.read_at(&mut cur, rows, budget);
        self.pos = cur.pos;
        self.line = cur.line;
        self.line_start = cur.line_start;
        if !matches!(result, Ok(false)) {
            self.done = true;
            self.pos = text.len();
        }
        result
    }

    /// Pushes a row that says where and why reading stopped; reading ends after it.
    fn stop(&mut self, rows: &mut Vec<RawRow>, line: usize, message: String) {
        let read = match self.count {
            0 => "no records before it were read".to_owned(),
            1 => "the 1 record before it was read".to_owned(),
            n => format!("the {n} records before it were read"),
        };
        rows.push(RawRow {
            line,
            index: self.count,
            value: RawValue::Unparsable(format!(
                "{message}. Reading stopped here: {read}, anything after it was not — fix the file at this \
                 point and import it again"
            )),
        });
        self.count += 1;
    }

    fn read_at(
        &mut self,
        cur: &mut Cursor<'_>,
        rows: &mut Vec<RawRow>,
        budget: usize,
    ) -> Result<bool, ImportError> {
        let text = cur.text;
        let start_pos = cur.pos;
        if !self.started {
            self.started = true;
            cur.skip_whitespace();
            let found = match cur.peek() {
                Some(b'[') => None,
                Some(b'{') => Some("an object"),
                Some(b'"') => Some("a string"),
                Some(b't' | b'f') => Some("a boolean"),
                Some(b'n') => Some("null"),
                Some(b'-' | b'0'..=b'9') => Some("a number"),
                _ => {
                    return Err(ImportError::new(
                        Some(cur.line),
                        format!(
                            "this is not JSON: it starts with '{}' at line {} column {} — if it is CSV, save it \
                             as .csv; if it is JSONL, save it as .jsonl",
                            cur.peek_char(),
                            cur.line,
                            cur.column()
                        ),
                    ))
                }
            };
            if let Some(found) = found {
                let hint = if found == "an object" {
                    " — if this is JSONL (one object per line), save it as .jsonl; if the records are inside \
                     the object, save just that array"
                } else {
                    ""
                };
                return Err(ImportError::new(
                    Some(cur.line),
                    format!("expected a JSON array of objects, found {found}{hint}"),
                ));
            }
            cur.advance_to(cur.pos + 1);
            cur.skip_whitespace();
            if cur.peek() == Some(b']') {
                cur.advance_to(cur.pos + 1);
                return Ok(self.trailing(cur, rows));
            }
        }
        loop {
            if cur.pos - start_pos >= budget {
                return Ok(false);
            }
            cur.skip_whitespace();
            if cur.peek().is_none() {
                let msg = format!(
                    "the file ends at line {} before the JSON array is closed with ']' — it may be \
                     truncated",
                    cur.line
                );
                self.stop(rows, cur.line, msg);
                return Ok(true);
            }
            let (start_line, start_col0) = (cur.line, cur.pos - cur.line_start);
            let mut stream =
                serde_json::Deserializer::from_str(&text[cur.pos..]).into_iter::<RowValue>();
            match stream.next() {
                Some(Ok(RowValue(value))) => {
                    let end = cur.pos + stream.byte_offset();
                    cur.advance_to(end);
                    rows.push(RawRow {
                        line: start_line,
                        index: self.count,
                        value,
                    });
                    self.count += 1;
                }
                Some(Err(e)) => {
                    let line = start_line + e.line() - 1;
                    let column = if e.line() == 1 {
                        start_col0 + e.column()
                    } else {
                        e.column()
                    };
                    let msg = format!(
                        "invalid JSON at line {line} column {column}: {}{}",
                        bare_message(&e),
                        truncation_hint(&e)
                    );
                    self.stop(rows, start_line, msg);
                    return Ok(true);
                }
                // Cannot happen (a non-space byte follows), but a wrong guess must not panic.
                None => {
                    let msg = format!("the file ends at line {} inside the JSON array", cur.line);
                    self.stop(rows, cur.line, msg);
                    return Ok(true);
                }
            }
            cur.skip_whitespace();
            match cur.peek() {
                Some(b',') => {
                    cur.advance_to(cur.pos + 1);
                    cur.skip_whitespace();
                    // A trailing comma before ']' is not JSON, but it loses and invents nothing, so it
                    // is accepted (hand-edited files often have one).
                    if cur.peek() == Some(b']') {
                        cur.advance_to(cur.pos + 1);
                        return Ok(self.trailing(cur, rows));
                    }
                }
                Some(b']') => {
                    cur.advance_to(cur.pos + 1);
                    return Ok(self.trailing(cur, rows));
                }
                None => {
                    let msg = format!(
                        "the file ends at line {} before the JSON array is closed with ']' — it may be \
                         truncated",
                        cur.line
                    );
                    self.stop(rows, cur.line, msg);
                    return Ok(true);
                }
                Some(_) => {
                    let msg = format!(
                        "expected ',' or ']' at line {} column {}, found '{}' — a comma may be missing \
                         between two records",
                        cur.line,
                        cur.column(),
                        cur.peek_char()
                    );
                    self.stop(rows, cur.line, msg);
                    return Ok(true);
                }
            }
        }
    }

    /// After the closing `]`: anything but whitespace is reported as a row. Always the end.
    fn trailing(&mut self, cur: &mut Cursor<'_>, rows: &mut Vec<RawRow>) -> bool {
        cur.skip_whitespace();
        if cur.peek().is_some() {
            rows.push(RawRow {
                line: cur.line,
                index: self.count,
                value: RawValue::Unparsable(format!(
                    "unexpected text after the end of the JSON array, at line {} column {} — the array was \
                     closed earlier; move these records inside the array or delete the extra text",
                    cur.line,
                    cur.column()
                )),
            });
            self.count += 1;
        }
        cur.advance_to(cur.text.len());
        true
    }
}

// ---------------------------------------------------------------------------------------------------
// JSON Lines.

/// A resumable JSONL read: byte position, 1-based line number of the next line, rows produced.
#[derive(Debug, Clone)]
struct JsonlReader {
    pos: usize,
    line: usize,
    count: usize,
}

impl JsonlReader {
    fn read(&mut self, text: &str, rows: &mut Vec<RawRow>, budget: usize) -> bool {
        let start = self.pos;
        while self.pos < text.len() {
            if self.pos - start >= budget {
                return false;
            }
            let rest = &text[self.pos..];
            let (line, next) = match rest.find('\n') {
                Some(n) => (&rest[..n], self.pos + n + 1),
                None => (rest, text.len()),
            };
            let line_no = self.line;
            self.pos = next;
            self.line += 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.trim().is_empty() {
                continue;
            }
            let value = match serde_json::from_str::<RowValue>(line) {
                Ok(RowValue(value)) => value,
                Err(e) => RawValue::Unparsable(format!(
                    "invalid JSON on line {line_no} at column {}: {}{} — each line of a JSONL file must be one \
                     complete JSON object",
                    e.column(),
                    bare_message(&e),
                    truncation_hint(&e)
                )),
            };
            rows.push(RawRow {
                line: line_no,
                index: self.count,
                value,
            });
            self.count += 1;
        }
        true
    }
}

// ---------------------------------------------------------------------------------------------------
// CSV.

/// One CSV record: its fields and the 1-based line it starts on (a quoted field may span lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    /// 1-based line of the row's first character.
    pub line: usize,
    /// Field values, unquoted (`""` inside quotes becomes `"`); embedded line breaks are kept as written.
    pub fields: Vec<String>,
}

/// Reads CSV (RFC 4180): fields separated by commas, rows by LF or CRLF; a field in double quotes may
/// contain commas, line breaks and doubled quotes. Blank lines are skipped. Like Python's `csv` module,
/// text after a closing quote is kept (`"ab"c` → `abc`) and a quote inside an unquoted field is literal.
///
/// A quote that is never closed is an error naming the line the field started on — the usual cause
/// is a stray `"`, and everything after it would otherwise silently become one huge field.
pub fn read_csv(text: &str) -> Result<Vec<CsvRow>, ImportError> {
    let mut lexer = CsvLexer { pos: 0, line: 1 };
    let mut rows = Vec::new();
    while let Some(row) = lexer.next_row(text) {
        rows.push(row?);
    }
    Ok(rows)
}

/// Position of a resumable CSV read.
#[derive(Debug, Clone)]
struct CsvLexer {
    pos: usize,
    line: usize,
}

impl CsvLexer {
    /// The next non-blank row, `None` at the end, or the unterminated-quote error (after which the
    /// lexer is at the end).
    fn next_row(&mut self, text: &str) -> Option<Result<CsvRow, ImportError>> {
        let bytes = text.as_bytes();
        let len = bytes.len();
        while self.pos < len {
            let row_line = self.line;
            let mut fields = Vec::new();
            let mut blank = true;
            loop {
                let mut field = String::new();
                if self.pos < len && bytes[self.pos] == b'"' {
                    blank = false;
                    let field_line = self.line;
                    self.pos += 1;
                    loop {
                        let Some(q) = text[self.pos..].find('"') else {
                            self.pos = len;
                            return Some(Err(ImportError::new(
                                Some(field_line),
                                format!(
                                    "unterminated quoted field: the '\"' that opens field {} on line \
                                     {field_line} is never closed — add the closing quote, or double a \
                                     quote that belongs to the text (\"\")",
                                    fields.len() + 1
                                ),
                            )));
                        };
                        let chunk = &text[self.pos..self.pos + q];
                        self.line += count_newlines(chunk.as_bytes());
                        field.push_str(chunk);
                        self.pos += q + 1;
                        if self.pos < len && bytes[self.pos] == b'"' {
                            field.push('"');
                            self.pos += 1;
                        } else {
                            break;
                        }
                    }
                }
                // Unquoted text (or text after a closing quote) up to the next separator.
                let start = self.pos;
                while self.pos < len && bytes[self.pos] != b',' && bytes[self.pos] != b'\n' {
                    self.pos += 1;
                }
                let mut tail = &text[start..self.pos];
                if self.pos < len && bytes[self.pos] == b'\n' {
                    tail = tail.strip_suffix('\r').unwrap_or(tail);
                }
                if !tail.trim().is_empty() {
                    blank = false;
                }
                field.push_str(tail);
                fields.push(field);
                if self.pos < len && bytes[self.pos] == b',' {
                    blank = false;
                    self.pos += 1;
                    continue;
                }
                if self.pos < len {
                    // A '\n' ends the row.
                    self.pos += 1;
                    self.line += 1;
                }
                break;
            }
            if !blank {
                return Some(Ok(CsvRow {
                    line: row_line,
                    fields,
                }));
            }
        }
        None
    }
}

/// Which header columns a CSV mapping picked.
#[derive(Debug, Clone)]
struct CsvColumns {
    width: usize,
    instruction: usize,
    input: Option<usize>,
    output: usize,
}

impl CsvColumns {
    fn new(header: &CsvRow, mapping: &CsvMapping) -> Result<Self, ImportError> {
        let names = csv_header_names(header);
        let find = |wanted: &str, role: &str| -> Result<Option<usize>, ImportError> {
            let wanted_lc = wanted.trim().to_lowercase();
            let hits: Vec<usize> = names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.to_lowercase() == wanted_lc)
                .map(|(i, _)| i)
                .collect();
            match hits.as_slice() {
                [one] => Ok(Some(*one)),
                [] => Ok(None),
                many => Err(ImportError::new(
                    Some(header.line),
                    format!(
                        "the CSV header has the column \"{wanted}\" (for {role}) {} times, so it is ambiguous \
                         which one to use — rename the others",
                        many.len()
                    ),
                )),
            }
        };
        let missing = |wanted: &str, role: &str| {
            ImportError::new(
                Some(header.line),
                format!(
                    "the CSV has no column \"{wanted}\" (mapped to {role}); its columns are: {} — choose which \
                     columns hold the instruction, input and output",
                    names
                        .iter()
                        .map(|n| format!("\"{n}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        };
        let instruction = find(&mapping.instruction, "instruction")?
            .ok_or_else(|| missing(&mapping.instruction, "instruction"))?;
        let output =
            find(&mapping.output, "output")?.ok_or_else(|| missing(&mapping.output, "output"))?;
        let input = match &mapping.input {
            None => None,
            Some(name) => match find(name, "input")? {
                Some(i) => Some(i),
                None if *mapping == CsvMapping::default() => None,
                None => return Err(missing(name, "input")),
            },
        };
        Ok(CsvColumns {
            width: names.len(),
            instruction,
            input,
            output,
        })
    }

    fn raw(&self, row: CsvRow, index: usize) -> RawRow {
        let value = if row.fields.len() != self.width {
            RawValue::Unparsable(format!(
                "this CSV row has {} fields but the header has {} — a comma inside a value needs the \
                 value to be in double quotes",
                row.fields.len(),
                self.width
            ))
        } else {
            let mut fields: Vec<Option<String>> = row.fields.into_iter().map(Some).collect();
            let mut take = |i: usize| Value::String(fields[i].take().unwrap_or_default());
            let mut pairs = vec![("instruction".to_owned(), take(self.instruction))];
            if let Some(i) = self.input {
                pairs.push(("input".to_owned(), take(i)));
            }
            pairs.push(("output".to_owned(), take(self.output)));
            RawValue::Object(pairs)
        };
        RawRow {
            line: row.line,
            index,
            value,
        }
    }
}

/// The header's column names, trimmed (and without a stray byte-order mark).
pub fn csv_header_names(header: &CsvRow) -> Vec<String> {
    header
        .fields
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
        .collect()
}

/// The column names of a CSV text's header row (for the column-mapping form), or why there is none.
pub fn csv_columns(text: &str) -> Result<Vec<String>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match (CsvLexer { pos: 0, line: 1 }).next_row(text) {
        Some(Ok(header)) => Ok(csv_header_names(&header)),
        Some(Err(e)) => Err(e),
        None => Err(empty_file(text)),
    }
}

/// A resumable CSV read: the lexer, the mapped columns once the header is read, rows produced.
#[derive(Debug, Clone)]
struct CsvReader {
    lexer: CsvLexer,
    mapping: CsvMapping,
    columns: Option<CsvColumns>,
    count: usize,
}

impl CsvReader {
    fn read(
        &mut self,
        text: &str,
        rows: &mut Vec<RawRow>,
        budget: usize,
    ) -> Result<bool, ImportError> {
        let start = self.lexer.pos;
        loop {
            if self.lexer.pos - start >= budget {
                return Ok(false);
            }
            let Some(next) = self.lexer.next_row(text) else {
                if self.columns.is_none() {
                    return Err(empty_file(text));
                }
                return Ok(true);
            };
            let row = match next {
                Ok(row) => row,
                Err(e) if self.columns.is_none() => return Err(e),
                Err(e) => {
                    rows.push(RawRow {
                        line: e.line.unwrap_or(1),
                        index: self.count,
                        value: RawValue::Unparsable(format!(
                            "{}. Reading stopped here: the rows before it were read, anything after it \
                             was not",
                            e.message
                        )),
                    });
                    self.count += 1;
                    return Ok(true);
                }
            };
            match &self.columns {
                None => self.columns = Some(CsvColumns::new(&row, &self.mapping)?),
                Some(columns) => {
                    rows.push(columns.raw(row, self.count));
                    self.count += 1;
                }
            }
        }
    }
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
