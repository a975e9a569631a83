//! The unit of an instruction dataset — one (instruction, input, output) example — with where it came
//! from, and the three export formats.
//!
//! Every record carries [`Provenance`] because a dataset is edited over many versions (imported,
//! generated, refined, fixed by hand) and a bad example is only fixable at its source if the lab can say
//! where it came from. Provenance is internal: the exports write only the three text fields, so the files
//! load unchanged in the book's notebooks.

use serde::{Deserialize, Serialize};

/// One training example in the Alpaca layout the book uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The task, as the user would ask it.
    pub instruction: String,
    /// Optional context for the task; `""` when there is none (Alpaca's convention, and what a missing or
    /// `null` input imports as).
    pub input: String,
    /// The response the model should learn to give.
    pub output: String,
    /// Where this record came from.
    pub provenance: Provenance,
}

/// Where a record came from: a line of an imported file, or the step of the lab that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The imported file's name, or the id of the generator/refiner that made the record.
    pub source: String,
    /// 1-based line in `source` where the record starts (`None` for generated records).
    pub line: Option<usize>,
    /// Free-form detail, e.g. "fixed by hand: output set" or the refinement prompt used.
    pub note: Option<String>,
}

impl Provenance {
    /// Provenance of a record read from line `line` (1-based) of file `source`.
    pub fn file(source: &str, line: usize) -> Self {
        Provenance {
            source: source.to_owned(),
            line: Some(line),
            note: None,
        }
    }

    /// Provenance of a record made by a lab step (`generator` is its id), with an optional note.
    pub fn generated(generator: &str, note: Option<String>) -> Self {
        Provenance {
            source: generator.to_owned(),
            line: None,
            note,
        }
    }
}

/// The first `chars` characters of `text`, with "…" when there was more: a field shown in a list or a table
/// cell (the editor shows all).
pub fn clip(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The exported shape: the three text fields in the book's key order, borrowed (no copies).
#[derive(Serialize)]
struct Exported<'a> {
    instruction: &'a str,
    input: &'a str,
    output: &'a str,
}

impl<'a> From<&'a Record> for Exported<'a> {
    fn from(r: &'a Record) -> Self {
        Exported {
            instruction: &r.instruction,
            input: &r.input,
            output: &r.output,
        }
    }
}

/// Exports records in the book's format: a JSON array of objects with keys `instruction`, `input`,
/// `output` in that order (provenance is not written), followed by a newline.
///
/// Formatting choice: serde_json's pretty printer (2-space indent, non-ASCII written as UTF-8) rather
/// than a byte-for-byte imitation of Python's `json.dump(indent=4)` (4 spaces, `\uXXXX` escapes).
/// `json.load` reads both to identical data, the UTF-8 form is readable in a text editor and diffs
/// cleanly, and the importer accepts either.
pub fn to_json_array(records: &[Record]) -> String {
    let exported: Vec<Exported> = records.iter().map(Exported::from).collect();
    let mut out = serde_json::to_string_pretty(&exported).expect("strings always serialize");
    out.push('\n');
    out
}

/// Exports records as JSON Lines: one compact object per line (`instruction`, `input`, `output`), each
/// line ending in `\n` — the layout Hugging Face `datasets` and most fine-tuning tools read.
pub fn to_jsonl(records: &[Record]) -> String {
    let mut out = String::new();
    for r in records {
        out.push_str(&serde_json::to_string(&Exported::from(r)).expect("strings always serialize"));
        out.push('\n');
    }
    out
}

/// Exports records as CSV: header `instruction,input,output`, then one row per record, lines ending in
/// `\n`. Quoting follows RFC 4180: a field containing a comma, a double quote, CR or LF is wrapped in
/// double quotes with inner quotes doubled, so multi-line answers survive spreadsheets and `pandas`.
pub fn to_csv(records: &[Record]) -> String {
    let mut out = String::from("instruction,input,output\n");
    for r in records {
        push_csv_field(&mut out, &r.instruction);
        out.push(',');
        push_csv_field(&mut out, &r.input);
        out.push(',');
        push_csv_field(&mut out, &r.output);
        out.push('\n');
    }
    out
}

fn push_csv_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::{parse_rows, read_csv, CsvMapping, Format};
    use super::*;

    fn rec(instruction: &str, input: &str, output: &str) -> Record {
        Record {
            instruction: instruction.into(),
            input: input.into(),
            output: output.into(),
            provenance: Provenance::file("t.json", 1),
        }
    }

    fn awkward() -> Vec<Record> {
        vec![
            rec("Say \"hi\", politely", "", "Hi,\nthere"),
            rec("CRLF\r\nand lone\rCR", "tab\there", "ünïcödé — 日本語 🙂"),
            rec("", "{\"json\": [1, 2]}", "back\\slash, \"quoted\"\n\n"),
            rec("  padded  ", ",", "\""),
        ]
    }

    fn texts(records: &[Record]) -> Vec<(String, String, String)> {
        records
            .iter()
            .map(|r| (r.instruction.clone(), r.input.clone(), r.output.clone()))
            .collect()
    }

    #[test]
    fn json_array_has_book_key_order_and_no_provenance() {
        let out = to_json_array(&[rec("a", "b", "c")]);
        assert_eq!(
            out,
            "[\n  {\n    \"instruction\": \"a\",\n    \"input\": \"b\",\n    \"output\": \"c\"\n  }\n]\n"
        );
        assert_eq!(to_json_array(&[]), "[]\n");
    }

    #[test]
    fn json_array_round_trip() {
        let records = awkward();
        let parsed: Vec<serde_json::Value> =
            serde_json::from_str(&to_json_array(&records)).unwrap();
        assert_eq!(parsed.len(), records.len());
        for (v, r) in parsed.iter().zip(&records) {
            assert_eq!(v["instruction"], r.instruction.as_str());
            assert_eq!(v["input"], r.input.as_str());
            assert_eq!(v["output"], r.output.as_str());
            assert_eq!(v.as_object().unwrap().len(), 3);
        }
        // And through the lab's own importer.
        let rows = parse_rows(
            &to_json_array(&records),
            Format::JsonArray,
            &CsvMapping::default(),
        )
        .unwrap();
        assert_eq!(rows.len(), records.len());
    }

    #[test]
    fn jsonl_one_compact_object_per_line() {
        let records = awkward();
        let out = to_jsonl(&records);
        assert_eq!(out.lines().count(), records.len());
        assert!(out.starts_with(
            "{\"instruction\":\"Say \\\"hi\\\", politely\",\"input\":\"\",\"output\""
        ));
        for (line, r) in out.lines().zip(&records) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["instruction"], r.instruction.as_str());
            assert_eq!(v["input"], r.input.as_str());
            assert_eq!(v["output"], r.output.as_str());
        }
        assert_eq!(to_jsonl(&[]), "");
    }

    #[test]
    fn csv_quotes_and_round_trips() {
        let out = to_csv(&[rec("a,b", "say \"x\"", "plain")]);
        assert_eq!(
            out,
            "instruction,input,output\n\"a,b\",\"say \"\"x\"\"\",plain\n"
        );
        let records = awkward();
        let rows = read_csv(&to_csv(&records)).unwrap();
        assert_eq!(rows[0].fields, ["instruction", "input", "output"]);
        let back: Vec<Record> = rows[1..]
            .iter()
            .map(|row| rec(&row.fields[0], &row.fields[1], &row.fields[2]))
            .collect();
        assert_eq!(texts(&back), texts(&records));
    }

    #[test]
    fn record_serde_keeps_provenance() {
        let mut r = rec("a", "", "b");
        r.provenance = Provenance::generated("self-instruct", Some("seed 3".into()));
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), r);
    }

    #[test]
    fn clip_cuts_on_characters() {
        assert_eq!(clip("héllo wörld", 5), "héllo…");
        assert_eq!(clip("short", 5), "short");
        assert_eq!(clip("", 3), "");
    }
}
