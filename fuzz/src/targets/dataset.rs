//! Dataset import (JSON array, JSONL, CSV) and the column mapping.

use datalab::core::dataset::contract::Mapping;
use datalab::core::dataset::importer::{import_text, ImportJob, Imported};
use datalab::core::dataset::parse::{csv_columns, decode_text, parse_rows, CsvMapping, Format};
use datalab::core::dataset::record::{to_csv, to_json_array, to_jsonl};

use super::{ensure, lines_in, lines_named_exist, JSON_DICT};
use crate::engine::{default_bound, Target};

pub const IMPORT: Target = Target {
    name: "dataset",
    about: "dataset files: bytes → text → rows (JSON array, JSONL, CSV, detected), sliced and whole, exported and read back",
    run: import,
    max_len: 16 << 10,
    dict: DICT,
    bound: default_bound,
};

pub const MAPPING: Target = Target {
    name: "mapping",
    about: "the field mapping's text form (rules a line, quotes, comments)",
    run: mapping,
    max_len: 4 << 10,
    dict: &[
        b"\"",
        b"->",
        b"=",
        b"#",
        b"\n",
        b"instruction",
        b"output",
        b"input",
        b" ",
    ],
    bound: default_bound,
};

const DICT: &[&[u8]] = &[
    b"\"instruction\"",
    b"\"input\"",
    b"\"output\"",
    b"instruction,input,output\n",
    b"\"\"",
    b",",
    b"\n",
    b"\r\n",
    b"{\"instruction\": \"a\", \"output\": \"b\"}",
    b"[",
    b"]",
    b"{",
    b"}",
    b":",
    b"null",
];

fn triples(i: &Imported) -> Vec<(&str, &str, &str)> {
    i.records
        .iter()
        .map(|r| (r.instruction.as_str(), r.input.as_str(), r.output.as_str()))
        .collect()
}

fn import(data: &[u8]) -> Result<(), String> {
    let _ = JSON_DICT;
    let lines = lines_in(data);
    let text = match decode_text(data) {
        Ok(t) => t,
        Err(e) => {
            if let Some(l) = e.line {
                ensure(l >= 1 && l <= lines, || {
                    format!("decode error on line {l} of {lines}: {e}")
                })?;
            }
            return Ok(());
        }
    };
    // CSV read through the column mapping a student would pick from its header: its last three columns
    // as instruction, input and output (the importer must keep every row's fate straight whatever they are).
    if let Ok(cols) = csv_columns(&text) {
        if cols.len() >= 3 {
            let m = CsvMapping {
                instruction: cols[cols.len() - 3].clone(),
                input: Some(cols[cols.len() - 2].clone()),
                output: cols[cols.len() - 1].clone(),
            };
            check_import(&text, lines, Some(Format::Csv), &m)?;
        }
    }
    let mapping = CsvMapping::default();
    for format in [
        None,
        Some(Format::JsonArray),
        Some(Format::Jsonl),
        Some(Format::Csv),
    ] {
        check_import(&text, lines, format, &mapping)?;
    }
    Ok(())
}

/// One import of `text` in `format` (detected when `None`), and every property it must keep.
fn check_import(
    text: &str,
    lines: usize,
    format: Option<Format>,
    mapping: &CsvMapping,
) -> Result<(), String> {
    let whole = match import_text(text.to_string(), "f", format, mapping) {
        Ok(w) => w,
        Err(e) => {
            if let Some(l) = e.line {
                ensure(l >= 1 && l <= lines, || {
                    format!("{format:?}: import error on line {l} of {lines}: {e}")
                })?;
            }
            return Ok(());
        }
    };
    // Every row read is either kept or quarantined, once.
    let raw = parse_rows(text, whole.format, mapping)
        .map_err(|e| format!("{format:?}: import succeeded but parse_rows failed: {e}"))?;
    let mut read: Vec<usize> = raw.iter().map(|r| r.line).collect();
    let mut placed: Vec<usize> = whole
        .records
        .iter()
        .map(|r| r.provenance.line.unwrap_or(0))
        .chain(whole.quarantined.iter().map(|q| q.row.line))
        .collect();
    read.sort_unstable();
    placed.sort_unstable();
    ensure(read == placed, || {
        format!(
            "{format:?}: {} rows read but {} kept + {} quarantined (lines {read:?} vs {placed:?})",
            raw.len(),
            whole.records.len(),
            whole.quarantined.len()
        )
    })?;
    for l in read.iter().chain(
        whole
            .quarantined
            .iter()
            .flat_map(|q| q.issues.iter().map(|i| &i.line))
            .chain(whole.warnings.iter().map(|w| &w.line)),
    ) {
        ensure(*l >= 1 && *l <= lines, || {
            format!("{format:?}: a row or issue names line {l}, the input has {lines}")
        })?;
    }
    for q in &whole.quarantined {
        ensure(!q.issues.is_empty(), || {
            format!("{format:?}: line {} quarantined with no reason", q.row.line)
        })?;
    }
    // Read in small slices (as the page reads a large file) = read whole.
    let mut job = ImportJob::new(text.to_string(), "f", format, mapping).map_err(|e| {
        format!("{format:?}: sliced import refused what the whole import read: {e}")
    })?;
    while !job
        .step(13)
        .map_err(|e| format!("{format:?}: a sliced step failed: {e}"))?
    {}
    let sliced = job.finish();
    ensure(sliced == whole, || {
        format!("{format:?}: reading in slices gave another result than reading whole")
    })?;
    // Export → import is the identity on the kept rows, in each export format.
    if whole.records.is_empty() {
        return Ok(());
    }
    for (f, out) in [
        (Format::Jsonl, to_jsonl(&whole.records)),
        (Format::JsonArray, to_json_array(&whole.records)),
        (Format::Csv, to_csv(&whole.records)),
    ] {
        let back = import_text(out, "e", Some(f), &CsvMapping::default())
            .map_err(|e| format!("{format:?} rows exported as {f:?} do not import: {e}"))?;
        ensure(back.quarantined.is_empty(), || {
            format!(
                "{format:?} rows exported as {f:?}: {} quarantined on import ({})",
                back.quarantined.len(),
                back.quarantined[0].issues[0].message
            )
        })?;
        ensure(triples(&back) == triples(&whole), || {
            format!("{format:?} rows exported as {f:?} read back different")
        })?;
        ensure(back.content_hash == whole.content_hash, || {
            format!("{format:?} rows exported as {f:?}: another content hash")
        })?;
    }
    Ok(())
}

fn mapping(data: &[u8]) -> Result<(), String> {
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(());
    };
    match Mapping::parse(text) {
        Ok(m) => {
            let again = Mapping::parse(&m.to_text())
                .map_err(|e| format!("a mapping's own text does not parse: {e}"))?;
            ensure(again == m, || "mapping → text → mapping changed it".into())
        }
        Err(e) => lines_named_exist(&e, lines_in(data)),
    }
}
