//! The JSON Lines reader: one object per line, resumable, a bad line kept as an unparsable row.

use super::*;

/// A resumable JSONL read: byte position, 1-based line number of the next line, rows produced.
#[derive(Debug, Clone)]
pub(super) struct JsonlReader {
    pub(super) pos: usize,
    pub(super) line: usize,
    pub(super) count: usize,
}

impl JsonlReader {
    pub(super) fn read(&mut self, text: &str, rows: &mut Vec<RawRow>, budget: usize) -> bool {
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
