//! An import as resumable work: read rows, validate them, hash the valid ones and collect the schema, a
//! slice at a time. A 75 MB file takes seconds; done in one go it would freeze the page, so the UI calls
//! [`ImportJob::step`] with a byte budget, yields to the browser between steps, shows
//! [`ImportJob::progress`] and can drop the job to cancel (nothing is kept from a cancelled import).

use super::content::ContentHasher;
use super::contract::{Contract, ContractCheck, Violation};
use super::parse::{detect, CsvMapping, Format, ImportError, RawRow, RowReader};
use super::record::Record;
use super::validate::{validate, Issue, Quarantined, Schema, SchemaBuilder};

/// The result of a finished import.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The file name, or "pasted text".
    pub source: String,
    pub format: Format,
    /// Valid rows, in file order.
    pub records: Vec<Record>,
    /// Invalid rows with their reasons, in file order.
    pub quarantined: Vec<Quarantined>,
    /// Oddities that did not stop a row.
    pub warnings: Vec<Issue>,
    /// Fields and types seen in the file, for the drift report.
    pub schema: Schema,
    /// [`super::content::content_hash`] of `records`.
    pub content_hash: String,
    /// How the rows break the contract the import was checked against (empty without a contract).
    pub violations: Vec<Violation>,
}

/// An import in progress.
pub struct ImportJob {
    text: String,
    reader: RowReader,
    batch: Vec<RawRow>,
    out: Imported,
    schema: SchemaBuilder,
    hasher: ContentHasher,
    contract: Option<ContractCheck>,
    done: bool,
}

impl ImportJob {
    /// Starts importing decoded `text` (see [`super::parse::decode_text`]). `format` `None` guesses it from
    /// the name and the text. An empty text is refused here.
    pub fn new(
        mut text: String,
        source: &str,
        format: Option<Format>,
        mapping: &CsvMapping,
    ) -> Result<Self, ImportError> {
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        if text.trim().is_empty() {
            return Err(ImportError {
                line: None,
                message: "the file is empty (or only whitespace) — there are no records to import; check \
                          that you picked the right file"
                    .into(),
            });
        }
        let format = format.unwrap_or_else(|| detect(&text, Some(source)));
        Ok(ImportJob {
            reader: RowReader::new(format, mapping),
            text,
            batch: Vec::new(),
            out: Imported {
                source: source.to_owned(),
                format,
                records: Vec::new(),
                quarantined: Vec::new(),
                warnings: Vec::new(),
                schema: Schema::new(),
                content_hash: String::new(),
                violations: Vec::new(),
            },
            schema: SchemaBuilder::default(),
            hasher: ContentHasher::default(),
            contract: None,
            done: false,
        })
    }

    /// Checks every row against `contract` too (the contract pinned on the lineage the file is imported
    /// into): violations are named per field in [`Imported::violations`]. Rows are still validated and
    /// imported as usual — the contract reports, the schema decides.
    pub fn with_contract(mut self, contract: Contract) -> Self {
        self.contract = Some(ContractCheck::new(&contract));
        self
    }

    /// Reads, validates and hashes about `budget` more bytes; `Ok(true)` when the whole text is done.
    /// An error is about the whole file (wrong top-level type, CSV columns not found).
    pub fn step(&mut self, budget: usize) -> Result<bool, ImportError> {
        if self.done {
            return Ok(true);
        }
        let done = self.reader.read(&self.text, &mut self.batch, budget)?;
        self.schema.add(&self.batch);
        if let Some(c) = &mut self.contract {
            c.add(&self.batch);
        }
        let v = validate(std::mem::take(&mut self.batch), &self.out.source);
        for r in &v.records {
            self.hasher
                .push([r.instruction.as_str(), r.input.as_str(), r.output.as_str()]);
        }
        self.out.records.extend(v.records);
        self.out.quarantined.extend(v.quarantined);
        self.out.warnings.extend(v.warnings);
        self.done = done;
        Ok(done)
    }

    /// Share of the text read, 0..=1.
    pub fn progress(&self) -> f64 {
        if self.text.is_empty() {
            1.0
        } else {
            self.reader.position() as f64 / self.text.len() as f64
        }
    }

    /// Rows read so far (valid + quarantined).
    pub fn rows_read(&self) -> usize {
        self.out.records.len() + self.out.quarantined.len()
    }

    /// The result; call after [`ImportJob::step`] returned `Ok(true)`.
    pub fn finish(mut self) -> Imported {
        debug_assert!(self.done, "finish() before the import is done");
        self.out.schema = self.schema.finish();
        self.out.content_hash = self.hasher.finish();
        if let Some(c) = self.contract.take() {
            self.out.violations = c.finish();
        }
        self.out
    }
}

/// Imports a whole text at once (tests, small pastes).
pub fn import_text(
    text: String,
    source: &str,
    format: Option<Format>,
    mapping: &CsvMapping,
) -> Result<Imported, ImportError> {
    let mut job = ImportJob::new(text, source, format, mapping)?;
    while !job.step(usize::MAX)? {}
    Ok(job.finish())
}

#[cfg(test)]
mod tests {
    use super::super::content::content_hash;
    use super::super::parse::{decode_text, parse_rows};
    use super::super::validate::schema_of;
    use super::*;

    const FILE: &str = "[\n{\"instruction\": \"a\", \"output\": \"b\"},\n{\"instruction\": 3, \"output\": \"x\"},\n{\"instruction\": \"c\", \"input\": \"i\", \"output\": \"d\", \"extra\": 1}\n]";

    #[test]
    fn sliced_import_equals_one_shot_validation() {
        let whole = import_text(FILE.into(), "f.json", None, &CsvMapping::default()).unwrap();
        let mut job = ImportJob::new(FILE.into(), "f.json", None, &CsvMapping::default()).unwrap();
        let mut steps = 0;
        while !job.step(5).unwrap() {
            steps += 1;
            assert!(job.progress() < 1.0);
        }
        assert!(steps >= 2, "a small budget takes several steps");
        assert_eq!(job.progress(), 1.0);
        assert_eq!(job.rows_read(), 3);
        let sliced = job.finish();
        assert_eq!(sliced, whole);
        assert_eq!(whole.records.len(), 2);
        assert_eq!(whole.quarantined.len(), 1);
        assert_eq!(whole.quarantined[0].issues[0].line, 3);
        assert_eq!(whole.warnings.len(), 1, "the unknown field warns");
        let raw = parse_rows(FILE, Format::JsonArray, &CsvMapping::default()).unwrap();
        assert_eq!(whole.schema, schema_of(&raw));
        assert_eq!(
            whole.content_hash,
            content_hash(whole.records.iter().map(|r| [
                r.instruction.as_str(),
                r.input.as_str(),
                r.output.as_str()
            ]))
        );
    }

    #[test]
    fn a_sliced_import_checks_the_contract_as_one_check_would() {
        let text: String = (0..40)
            .map(|i| {
                if i % 3 == 0 {
                    format!("{{\"instruction\": \"q{i}\", \"response\": \"a\", \"tag\": {i}}}\n")
                } else {
                    format!("{{\"instruction\": \"q{i}\", \"output\": \"a\"}}\n")
                }
            })
            .collect();
        let c = Contract::record();
        let rows = parse_rows(&text, Format::Jsonl, &CsvMapping::default()).unwrap();
        let whole = super::super::contract::check(&c, &rows);
        let mut job = ImportJob::new(text.clone(), "f.jsonl", None, &CsvMapping::default())
            .unwrap()
            .with_contract(c);
        while !job.step(50).unwrap() {}
        let out = job.finish();
        assert_eq!(out.violations, whole);
        let missing = out.violations.iter().find(|v| v.field == "output").unwrap();
        assert_eq!((missing.code.as_str(), missing.rows), ("missing", 14));
        assert_eq!(missing.lines, vec![1, 4, 7, 10, 13, 16, 19, 22, 25, 28]);
        let plain = import_text(text, "f.jsonl", None, &CsvMapping::default()).unwrap();
        assert!(plain.violations.is_empty(), "no contract, no violations");
        assert_eq!(plain.records, out.records);
    }

    #[test]
    fn empty_and_bom_texts() {
        let e = ImportJob::new(" \n".into(), "e.json", None, &CsvMapping::default()).err();
        assert!(e.unwrap().message.contains("empty"));
        let text = decode_text(b"\xef\xbb\xbfinstruction,output\r\n\"a, b\",c\r\n").unwrap();
        let csv = import_text(text, "x.csv", None, &CsvMapping::default()).unwrap();
        assert_eq!(csv.format, Format::Csv);
        assert_eq!(csv.records[0].instruction, "a, b");
        assert_eq!(csv.records[0].output, "c");
        let bom = import_text(
            "\u{feff}{\"instruction\":\"a\",\"output\":\"b\"}".into(),
            "pasted text",
            None,
            &CsvMapping::default(),
        )
        .unwrap();
        assert_eq!(bom.format, Format::Jsonl);
        assert_eq!(bom.records.len(), 1);
    }
}

#[cfg(test)]
mod timing {
    use super::*;

    /// `cargo test --release -- --ignored import_50k --nocapture`: the native time of a 50k-row import.
    #[test]
    #[ignore]
    fn import_50k() {
        let row = |i: usize| {
            format!(
                "{{\n \"instruction\": \"Summarise passage {i}: {}\",\n \"input\": \"{}\",\n \"output\": \"{}\"\n}}",
                "a".repeat(130),
                "b ".repeat(175),
                "c d ".repeat(250)
            )
        };
        let text = format!(
            "[\n{}\n]",
            (0..50_000).map(row).collect::<Vec<_>>().join(",\n")
        );
        let t = std::time::Instant::now();
        let mut job = ImportJob::new(text.clone(), "x.json", None, &CsvMapping::default()).unwrap();
        let mut steps = 0;
        while !job.step(64 * 1024).unwrap() {
            steps += 1;
        }
        let out = job.finish();
        eprintln!(
            "{} bytes, {} rows, {steps} steps, {:?}",
            text.len(),
            out.records.len(),
            t.elapsed()
        );
    }
}
