//! The fuzz targets: one per parser (or family of parsers) of bytes the lab did not write. Each runs the
//! parser and then checks properties that must hold on *any* input, not only "it did not panic":
//! round trips on what parsed, no row lost or counted twice, a stream cut anywhere reads the same, and every
//! position an error names exists in the input. The heap bound is checked by the runner.

mod archive;
mod dataset;
mod llm;
mod model;
mod specs;
mod streams;
mod tokens;

use crate::engine::Target;

pub fn all() -> Vec<Target> {
    vec![
        dataset::IMPORT,
        dataset::MAPPING,
        archive::ZIP,
        archive::WORKSPACE,
        archive::GZIP,
        archive::TAR,
        archive::IMDB,
        archive::IMDB_CSV,
        streams::NDJSON,
        streams::SSE,
        streams::DECODER,
        llm::RESPONSES,
        llm::MODEL_OUTPUT,
        tokens::MANIFEST,
        tokens::RANKS,
        specs::AB_SPEC,
        specs::PIPELINE_SPEC,
        specs::DRILL_PACK,
        specs::RUN_BUNDLE,
        specs::HOST_MESSAGE,
        model::GGUF,
        model::CHAT_TEMPLATE,
        model::JSON_SCHEMA,
    ]
}

/// Lines in a text as the lab numbers them: 1-based, counting `\n`.
pub fn lines_in(bytes: &[u8]) -> usize {
    1 + bytes.iter().filter(|&&b| b == b'\n').count()
}

/// A property: `Err(what)` unless `ok`.
pub fn ensure(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(what())
    }
}

/// The line an error message names ("line N", the first one: the lab puts the position before any text it
/// quotes from the input, and quoted input may say anything) exists in the input.
pub fn lines_named_exist(message: &str, lines: usize) -> Result<(), String> {
    let lower = message.to_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("line ") {
        // The word "line", not the end of "baseline" or "pipeline".
        let word = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric() && c != '_' && c != '-');
        rest = &rest[at + 5..];
        if !word {
            continue;
        }
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse::<usize>() {
            ensure(n >= 1 && n <= lines, || {
                format!("the error names line {n}, but the input has {lines} line(s): {message}")
            })?;
        }
        break;
    }
    Ok(())
}

pub const JSON_DICT: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"null",
    b"true",
    b"false",
    b"\\u0000",
    b"\\ud800",
    b"\\\"",
    b"1e999",
    b"-0",
    b"\n",
    b"\r\n",
    b"\xef\xbb\xbf",
    b"\xc3\xa9",
    b"\xf0\x9f\x98\x80",
    b"\xff",
];
