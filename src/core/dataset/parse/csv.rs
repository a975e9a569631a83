//! The CSV reader: an RFC 4180 lexer (quoted fields may span lines), the header and column mapping, and
//! a resumable row reader.

use super::*;

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
pub(super) struct CsvLexer {
    pub(super) pos: usize,
    pub(super) line: usize,
}

impl CsvLexer {
    /// The next non-blank row, `None` at the end, or the unterminated-quote error (after which the
    /// lexer is at the end).
    pub(super) fn next_row(&mut self, text: &str) -> Option<Result<CsvRow, ImportError>> {
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
pub(super) struct CsvColumns {
    pub(super) width: usize,
    pub(super) instruction: usize,
    pub(super) input: Option<usize>,
    pub(super) output: usize,
}

impl CsvColumns {
    pub(super) fn new(header: &CsvRow, mapping: &CsvMapping) -> Result<Self, ImportError> {
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

    pub(super) fn raw(&self, row: CsvRow, index: usize) -> RawRow {
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
pub(super) struct CsvReader {
    pub(super) lexer: CsvLexer,
    pub(super) mapping: CsvMapping,
    pub(super) columns: Option<CsvColumns>,
    pub(super) count: usize,
}

impl CsvReader {
    pub(super) fn read(
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
