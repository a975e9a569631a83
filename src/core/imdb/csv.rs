//! The split files exactly as pandas writes them, and a reader for them.
//!
//! `DataFrame.to_csv(path, index=False)` uses Python's `csv` module with its defaults: comma separator,
//! `"` as the quote, `QUOTE_MINIMAL` (a field is quoted only if it holds the separator, the quote, `\r` or
//! `\n`), quotes inside a quoted field doubled, and `\n` after every row including the last (pandas'
//! `lineterminator` is `os.linesep`, `\n` on Linux and macOS, where the reference runs). An empty text is
//! written as an empty field. Labels are Python ints. Getting one of these wrong changes the SHA-256,
//! which is the point of the lab: the hashes say the files are the reference's, byte for byte.

/// The header row pandas writes for the columns `text,label`.
pub const HEADER: &[u8] = b"text,label\n";

/// Whether `text` needs quotes under `QUOTE_MINIMAL`.
fn needs_quotes(text: &str) -> bool {
    text.bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
}

/// Appends one `text,label` row.
pub fn write_row(out: &mut Vec<u8>, text: &str, label: u8) {
    if needs_quotes(text) {
        out.push(b'"');
        for part in text.split('"').enumerate() {
            if part.0 > 0 {
                out.extend_from_slice(b"\"\"");
            }
            out.extend_from_slice(part.1.as_bytes());
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
    out.push(b',');
    out.push(b'0' + label.min(9));
    out.push(b'\n');
}

/// A whole split file: the header, then one row per `(text, label)`.
pub fn write_split<'a>(rows: impl IntoIterator<Item = (&'a str, u8)>, size_hint: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size_hint + HEADER.len());
    out.extend_from_slice(HEADER);
    for (text, label) in rows {
        write_row(&mut out, text, label);
    }
    out
}

/// Reads a `text,label` file (the lab's own or the reference script's) back into rows.
///
/// Accepts what Python's `csv` reader accepts for this shape: quoted fields with doubled quotes and line
/// breaks inside, `\n` or `\r\n` row ends, a missing final newline. The header must name the columns
/// `text` and `label` (in that order); a label must be 0 or 1. Errors name the line and say what to do.
pub fn read_split(bytes: &[u8]) -> Result<Vec<(String, u8)>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        format!("Line {line} is not valid UTF-8; save the file as UTF-8 and try again.")
    })?;
    let mut rows = Vec::new();
    let mut line = 1usize;
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut chars = text.char_indices().peekable();
    let mut header_seen = false;
    let mut row_line = 1usize;
    let mut at_field_start = true;
    let mut finish_row = |fields: &mut Vec<String>,
                          row_line: usize,
                          header_seen: &mut bool|
     -> Result<(), String> {
        let f = std::mem::take(fields);
        if !*header_seen {
            *header_seen = true;
            if f.len() != 2 || f[0] != "text" || f[1] != "label" {
                return Err(format!(
                        "Line 1 should be the header text,label but is {:?}; use the files the lab or the reference script wrote.",
                        f.join(",")
                    ));
            }
            return Ok(());
        }
        if f.len() == 1 && f[0].is_empty() {
            return Ok(()); // a blank line
        }
        if f.len() != 2 {
            return Err(format!(
                    "Line {row_line} has {} fields; each row needs two, text and label (quote a text that holds commas).",
                    f.len()
                ));
        }
        let label = match f[1].as_str() {
            "0" => 0,
            "1" => 1,
            other => {
                return Err(format!(
                "Line {row_line}: the label is {other:?}; it must be 0 (negative) or 1 (positive)."
            ))
            }
        };
        let mut f = f;
        rows.push((std::mem::take(&mut f[0]), label));
        Ok(())
    };
    while let Some((_, c)) = chars.next() {
        if at_field_start && c == '"' {
            at_field_start = false;
            let start_line = line;
            loop {
                match chars.next() {
                    Some((_, '"')) => {
                        if matches!(chars.peek(), Some((_, '"'))) {
                            chars.next();
                            field.push('"');
                        } else {
                            break;
                        }
                    }
                    Some((_, ch)) => {
                        if ch == '\n' {
                            line += 1;
                        }
                        field.push(ch);
                    }
                    None => {
                        return Err(format!(
                            "The quoted text that starts on line {start_line} never ends; the file is cut short or a quote is missing."
                        ))
                    }
                }
            }
            continue;
        }
        at_field_start = false;
        match c {
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if matches!(chars.peek(), Some((_, '\n'))) => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                finish_row(&mut fields, row_line, &mut header_seen)?;
                line += 1;
                row_line = line;
                at_field_start = true;
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        finish_row(&mut fields, row_line, &mut header_seen)?;
    }
    if !header_seen {
        return Err(
            "The file is empty; it needs the header text,label and one row per review.".into(),
        );
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        let rows = [
            ("plain text", 1u8),
            ("a, b", 0),
            ("say \"hi\"", 1),
            ("two\nlines", 0),
            ("", 1),
            ("<br /><br />ok", 0),
        ];
        let out = write_split(rows.iter().map(|(t, l)| (*t, *l)), 0);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "text,label\nplain text,1\n\"a, b\",0\n\"say \"\"hi\"\"\",1\n\"two\nlines\",0\n,1\n<br /><br />ok,0\n"
        );
        let back = read_split(&out).unwrap();
        assert_eq!(back.len(), rows.len());
        for ((t, l), (bt, bl)) in rows.iter().zip(&back) {
            assert_eq!((*t, *l), (bt.as_str(), *bl));
        }
    }

    #[test]
    fn reader_explains_bad_input() {
        assert!(read_split(b"").unwrap_err().contains("empty"));
        assert!(read_split(b"a,b\n").unwrap_err().contains("Line 1"));
        let e = read_split(b"text,label\nok,1\nbad,7\n").unwrap_err();
        assert!(e.contains("Line 3"), "{e}");
        let e = read_split(b"text,label\n\"never ends,1\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        assert_eq!(
            read_split(b"text,label\r\nx,1\r\ny,0").unwrap(),
            vec![("x".to_string(), 1), ("y".to_string(), 0)]
        );
    }
}
