//! The JSON array reader: values read with a visitor, so an object keeps its keys in file order with any
//! duplicates, and a resumable scan over the array's elements that keeps the rows before a cut.

use super::*;

/// A top-level JSON value read with a visitor, so an object's pairs come out in order with duplicates.
pub(super) struct RowValue(pub(super) RawValue);

impl<'de> Deserialize<'de> for RowValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RowVisitor).map(RowValue)
    }
}

pub(super) struct RowVisitor;

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
pub(super) fn bare_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(at) => full[..at].to_owned(),
        None => full,
    }
}

pub(super) fn truncation_hint(e: &serde_json::Error) -> &'static str {
    if e.is_eof() {
        " — the file may be truncated (cut off while saving or downloading)"
    } else {
        ""
    }
}

// ---------------------------------------------------------------------------------------------------
// JSON array.

/// A byte position in the text that knows its line and column; moving forward counts newlines once.
pub(super) struct Cursor<'a> {
    pub(super) text: &'a str,
    pub(super) pos: usize,
    pub(super) line: usize,
    pub(super) line_start: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn advance_to(&mut self, to: usize) {
        let bytes = self.text.as_bytes();
        for (i, &b) in bytes[self.pos..to].iter().enumerate() {
            if b == b'\n' {
                self.line += 1;
                self.line_start = self.pos + i + 1;
            }
        }
        self.pos = to;
    }

    pub(super) fn skip_whitespace(&mut self) {
        let rest = &self.text.as_bytes()[self.pos..];
        let n = rest
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .unwrap_or(rest.len());
        self.advance_to(self.pos + n);
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// 1-based byte column of the current position.
    pub(super) fn column(&self) -> usize {
        self.pos - self.line_start + 1
    }

    pub(super) fn peek_char(&self) -> String {
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
pub(super) struct ArrayReader {
    pub(super) pos: usize,
    pub(super) line: usize,
    pub(super) line_start: usize,
    pub(super) count: usize,
    pub(super) started: bool,
    pub(super) done: bool,
}

impl ArrayReader {
    pub(super) fn new() -> Self {
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
    pub(super) fn read(
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
    pub(super) fn stop(&mut self, rows: &mut Vec<RawRow>, line: usize, message: String) {
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

    pub(super) fn read_at(
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
    pub(super) fn trailing(&mut self, cur: &mut Cursor<'_>, rows: &mut Vec<RawRow>) -> bool {
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
