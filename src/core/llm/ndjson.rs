//! Reading a stream of newline-delimited JSON (NDJSON) as it arrives, which is how Ollama streams an answer.
//!
//! The network hands the page bytes in chunks of whatever size it likes: a chunk can end in the middle of a
//! line, and even in the middle of a multi-byte UTF-8 character (`é` is two bytes, an emoji four). Decoding each
//! chunk on its own would garble those characters and parse half-lines as broken JSON. So the reader keeps
//! raw *bytes* until it sees a `\n`, and only then decodes and parses the complete line. The result does not
//! depend on where the chunks were cut — the unit tests check every possible cut.
//!
//! A bad line does not stop the stream: it becomes one [`LineError`] (naming the line and showing the start
//! of it) and reading goes on with the next line, so one garbled line costs one line, not the whole answer.
//!
//! The byte-level part, [`LineSplitter`], is shared with the OpenAI server-sent-events reader
//! (`super::openai`), which has the same chunking problem with a different line format.

use std::fmt;

use serde_json::Value;

/// How many characters of a bad line an error message shows: enough to recognise it, short enough to read.
const EXCERPT_CHARS: usize = 80;

/// Cuts a byte stream into complete lines, whatever the chunk boundaries.
///
/// Lines end at `\n`; a `\r` before it is dropped, so CRLF streams read the same as LF streams. Lines are
/// numbered from 1 in the order they arrive, blank lines included, so a number in an error message matches
/// what a person sees when they save the stream to a file.
#[derive(Debug)]
pub struct LineSplitter {
    /// Bytes of the line not yet ended by `\n`.
    pending: Vec<u8>,
    /// Number of the next line to be completed.
    next_line: usize,
}

/// One complete line: its 1-based number and its bytes (without `\r\n`), not yet decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLine {
    pub number: usize,
    pub bytes: Vec<u8>,
}

impl RawLine {
    /// The line as text, or an error naming the line when it is not valid UTF-8.
    pub fn text(&self) -> Result<&str, LineError> {
        std::str::from_utf8(&self.bytes).map_err(|e| LineError {
            line: self.number,
            kind: LineErrorKind::InvalidUtf8,
            detail: format!(
                "byte {} is not part of a valid UTF-8 character",
                e.valid_up_to() + 1
            ),
            excerpt: excerpt(&String::from_utf8_lossy(&self.bytes)),
        })
    }

    /// True for a line with nothing but spaces or tabs (NDJSON allows them between records).
    pub fn is_blank(&self) -> bool {
        self.bytes.iter().all(|b| matches!(b, b' ' | b'\t'))
    }
}

impl Default for LineSplitter {
    fn default() -> Self {
        Self::new()
    }
}

impl LineSplitter {
    pub fn new() -> Self {
        LineSplitter {
            pending: Vec::new(),
            next_line: 1,
        }
    }

    /// Feeds one chunk; returns the lines it completed (possibly none, possibly many).
    pub fn push(&mut self, bytes: &[u8]) -> Vec<RawLine> {
        let mut lines = Vec::new();
        let mut rest = bytes;
        // Only the new bytes are searched for `\n`: what is pending is known to contain none, so a long line
        // arriving in many small chunks costs linear, not quadratic, time.
        while let Some(at) = rest.iter().position(|&b| b == b'\n') {
            self.pending.extend_from_slice(&rest[..at]);
            rest = &rest[at + 1..];
            let mut line = std::mem::take(&mut self.pending);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            lines.push(RawLine {
                number: self.next_line,
                bytes: line,
            });
            self.next_line += 1;
        }
        self.pending.extend_from_slice(rest);
        lines
    }

    /// Ends the stream: returns what came after the last `\n`, if anything did. A well-formed stream ends
    /// with a newline, so a non-blank remainder usually means the connection was cut mid-line.
    pub fn finish(&mut self) -> Option<RawLine> {
        if self.pending.is_empty() {
            return None;
        }
        let mut line = std::mem::take(&mut self.pending);
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let number = self.next_line;
        self.next_line += 1;
        Some(RawLine {
            number,
            bytes: line,
        })
    }

    /// Bytes received but not yet ended by a newline (shown while a long line is still arriving).
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }
}

/// What was wrong with one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineErrorKind {
    /// The bytes are not UTF-8 text.
    InvalidUtf8,
    /// The text is not one JSON value.
    InvalidJson,
    /// The stream ended in the middle of this line.
    Truncated,
}

/// One line that could not be read, with enough context to find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number in the stream.
    pub line: usize,
    pub kind: LineErrorKind,
    /// What the decoder or parser said.
    pub detail: String,
    /// The start of the offending line, clipped to a readable length.
    pub excerpt: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            LineErrorKind::InvalidUtf8 => "is not valid UTF-8 text",
            LineErrorKind::InvalidJson => "is not valid JSON",
            LineErrorKind::Truncated => "was cut off: the stream ended before its newline",
        };
        write!(
            f,
            "line {} {what} ({}): `{}`",
            self.line, self.detail, self.excerpt
        )
    }
}

impl std::error::Error for LineError {}

/// The first [`EXCERPT_CHARS`] characters of a line, with `…` when it was longer.
pub fn excerpt(text: &str) -> String {
    let mut chars = text.char_indices();
    match chars.nth(EXCERPT_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// Reads NDJSON incrementally: push chunks as they arrive, call [`NdjsonReader::finish`] at the end.
#[derive(Debug, Default)]
pub struct NdjsonReader {
    lines: LineSplitter,
}

impl NdjsonReader {
    pub fn new() -> Self {
        NdjsonReader {
            lines: LineSplitter::new(),
        }
    }

    /// Feeds one chunk; returns one result per complete non-blank line, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<Value, LineError>> {
        self.lines
            .push(bytes)
            .iter()
            .filter(|line| !line.is_blank())
            .map(parse_line)
            .collect()
    }

    /// Ends the stream. Text after the last newline is reported as [`LineErrorKind::Truncated`] — the
    /// connection was cut while a line was arriving — unless it is a complete JSON value on its own: some
    /// servers and proxies omit the final newline, and a whole object is not a cut. (Whether the *answer* was
    /// complete is a separate question the caller answers by looking for Ollama's `done: true` line.)
    pub fn finish(&mut self) -> Option<Result<Value, LineError>> {
        let line = self.lines.finish()?;
        if line.is_blank() {
            return None;
        }
        Some(parse_line(&line).map_err(|mut e| {
            if e.kind == LineErrorKind::InvalidJson {
                e.kind = LineErrorKind::Truncated;
                e.detail = format!(
                    "{} bytes arrived without a closing newline",
                    line.bytes.len()
                );
            }
            e
        }))
    }

    /// Bytes of an unfinished line held back, waiting for its newline.
    pub fn pending_len(&self) -> usize {
        self.lines.pending_len()
    }
}

fn parse_line(line: &RawLine) -> Result<Value, LineError> {
    let text = line.text()?;
    serde_json::from_str(text).map_err(|e| LineError {
        line: line.number,
        kind: LineErrorKind::InvalidJson,
        detail: format!("{e}"),
        excerpt: excerpt(text.trim()),
    })
}

/// Parses a whole NDJSON text at once (a saved stream, a fixture): the same results as pushing it in chunks.
pub fn read_all(bytes: &[u8]) -> Vec<Result<Value, LineError>> {
    let mut reader = NdjsonReader::new();
    let mut out = reader.push(bytes);
    out.extend(reader.finish());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A realistic chat stream: multi-byte characters (2, 3 and 4 bytes), CRLF line ends, a blank line, a
    /// garbled line in the middle, and the final statistics line.
    fn stream() -> Vec<u8> {
        let mut s = String::new();
        s.push_str(
            r#"{"model":"llama3.2","message":{"role":"assistant","content":"Café "},"done":false}"#,
        );
        s.push('\n');
        s.push_str(r#"{"model":"llama3.2","message":{"role":"assistant","content":"日本語 🦙"},"done":false}"#);
        s.push_str("\r\n\n");
        s.push_str(r#"{"model":"llama3.2","message":{"role":"assistant","content":"na"#);
        s.push('\n');
        s.push_str(
            r#"{"model":"llama3.2","message":{"role":"assistant","content":"ïve\n"},"done":false}"#,
        );
        s.push_str("\r\n");
        s.push_str(r#"{"model":"llama3.2","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","eval_count":12,"eval_duration":240000000}"#);
        s.push('\n');
        s.into_bytes()
    }

    fn describe(results: &[Result<Value, LineError>]) -> Vec<String> {
        results
            .iter()
            .map(|r| match r {
                Ok(v) => v.to_string(),
                Err(e) => e.to_string(),
            })
            .collect()
    }

    #[test]
    fn whole_stream_reads_lines_and_reports_the_bad_one() {
        let results = read_all(&stream());
        assert_eq!(results.len(), 5);
        assert_eq!(results[0].as_ref().unwrap()["message"]["content"], "Café ");
        assert_eq!(
            results[1].as_ref().unwrap()["message"]["content"],
            "日本語 🦙"
        );
        let err = results[2].as_ref().unwrap_err();
        // Line 3 is blank and skipped but still counted, so the broken line is line 4.
        assert_eq!(err.line, 4);
        assert_eq!(err.kind, LineErrorKind::InvalidJson);
        assert!(
            err.to_string().starts_with("line 4 is not valid JSON"),
            "{err}"
        );
        assert_eq!(results[3].as_ref().unwrap()["message"]["content"], "ïve\n");
        assert_eq!(results[4].as_ref().unwrap()["done"], true);
    }

    #[test]
    fn every_split_point_gives_the_same_result() {
        let bytes = stream();
        let expected = describe(&read_all(&bytes));
        for cut in 0..=bytes.len() {
            let mut reader = NdjsonReader::new();
            let mut got = reader.push(&bytes[..cut]);
            got.extend(reader.push(&bytes[cut..]));
            got.extend(reader.finish());
            assert_eq!(describe(&got), expected, "split at byte {cut}");
        }
    }

    #[test]
    fn one_byte_chunks_give_the_same_result() {
        let bytes = stream();
        let expected = describe(&read_all(&bytes));
        let mut reader = NdjsonReader::new();
        let mut got = Vec::new();
        for b in &bytes {
            got.extend(reader.push(std::slice::from_ref(b)));
        }
        got.extend(reader.finish());
        assert_eq!(describe(&got), expected);
    }

    #[test]
    fn three_way_splits_give_the_same_result() {
        let bytes = stream();
        let expected = describe(&read_all(&bytes));
        for a in (0..bytes.len()).step_by(7) {
            for b in (a..=bytes.len()).step_by(5) {
                let mut reader = NdjsonReader::new();
                let mut got = reader.push(&bytes[..a]);
                got.extend(reader.push(&bytes[a..b]));
                got.extend(reader.push(&bytes[b..]));
                got.extend(reader.finish());
                assert_eq!(describe(&got), expected, "split at {a} and {b}");
            }
        }
    }

    #[test]
    fn a_cut_line_is_reported_at_finish() {
        let mut reader = NdjsonReader::new();
        let got = reader.push(b"{\"response\":\"a\",\"done\":false}\n{\"response\":\"b");
        assert_eq!(got.len(), 1);
        assert_eq!(reader.pending_len(), 14);
        let err = reader.finish().unwrap().unwrap_err();
        assert_eq!(err.kind, LineErrorKind::Truncated);
        assert_eq!(err.line, 2);
        assert!(err.to_string().contains("cut off"), "{err}");
        // Finishing twice reports nothing more.
        assert!(reader.finish().is_none());
    }

    #[test]
    fn a_complete_object_without_final_newline_is_accepted() {
        let mut reader = NdjsonReader::new();
        assert!(reader.push(b"{\"done\":true}").is_empty());
        assert_eq!(reader.finish().unwrap().unwrap(), json!({"done": true}));
        let mut reader = NdjsonReader::new();
        reader.push(b"{\"a\":1}\n   ");
        assert!(reader.finish().is_none(), "trailing spaces are not a line");
    }

    #[test]
    fn invalid_utf8_costs_one_line() {
        let mut reader = NdjsonReader::new();
        let got = reader.push(b"{\"a\":1}\n{\"b\":\"\xff\xfe\"}\n{\"c\":3}\n");
        assert_eq!(got.len(), 3);
        let err = got[1].as_ref().unwrap_err();
        assert_eq!((err.line, err.kind), (2, LineErrorKind::InvalidUtf8));
        assert!(err.detail.contains("byte 7"), "{}", err.detail);
        assert_eq!(got[2].as_ref().unwrap(), &json!({"c": 3}));
    }

    #[test]
    fn long_bad_lines_are_clipped_on_a_character_boundary() {
        let long = format!("{{\"x\": \"{}", "é".repeat(200));
        let results = read_all(format!("{long}\n").as_bytes());
        let err = results[0].as_ref().unwrap_err();
        assert_eq!(err.excerpt.chars().count(), EXCERPT_CHARS + 1);
        assert!(err.excerpt.ends_with('…'));
    }

    #[test]
    fn splitter_numbers_lines_and_strips_crlf() {
        let mut s = LineSplitter::default();
        let lines = s.push(b"a\r\n\r\nb\nc");
        let got: Vec<(usize, &[u8])> = lines.iter().map(|l| (l.number, &l.bytes[..])).collect();
        assert_eq!(got, vec![(1, &b"a"[..]), (2, &b""[..]), (3, &b"b"[..])]);
        let last = s.finish().unwrap();
        assert_eq!((last.number, &last.bytes[..]), (4, &b"c"[..]));
    }
}
