//! Tokenizer files from elsewhere: extension manifests and `.tiktoken` rank files.

use base64::Engine;
use datalab::core::tokenize::extend::version::TokenizerVersion;
use datalab::core::tokenize::ranks::parse_tiktoken;

use super::{ensure, lines_in, lines_named_exist, JSON_DICT};
use crate::engine::{default_bound, Target};

pub const MANIFEST: Target = Target {
    name: "tokenizer-manifest",
    about:
        "tokenizer extension manifests (id checked against content), read, written and read again",
    run: manifest,
    max_len: 16 << 10,
    dict: JSON_DICT,
    bound: default_bound,
};

pub const RANKS: Target = Target {
    name: "tiktoken-ranks",
    about: ".tiktoken rank files (base64 token, rank), read, written and read again",
    run: ranks,
    max_len: 16 << 10,
    dict: &[
        b" ",
        b"\n",
        b"=",
        b"==",
        b"+/",
        b"0",
        b"4294967295",
        b"-1",
        b"IQ==",
        b"Ig==",
    ],
    bound: default_bound,
};

fn manifest(data: &[u8]) -> Result<(), String> {
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(());
    };
    match TokenizerVersion::from_manifest(text) {
        Ok(v) => {
            let again = TokenizerVersion::from_manifest(&v.manifest_json())
                .map_err(|e| format!("a manifest the lab wrote does not read: {e}"))?;
            ensure(again == v, || {
                "manifest → version → manifest changed it".into()
            })
        }
        Err(e) => lines_named_exist(&e, lines_in(data)),
    }
}

fn ranks(data: &[u8]) -> Result<(), String> {
    let lines = lines_in(data);
    // The count the file must hold comes from the encoding (trusted); here, what the file seems to have,
    // so that both complete and short files are read.
    let expected = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    match parse_tiktoken(data, expected) {
        Ok(map) => {
            let mut ids: Vec<u32> = map.values().copied().collect();
            ids.sort_unstable();
            ensure(ids.windows(2).all(|w| w[0] != w[1]), || {
                "two tokens share a rank: ids would decode ambiguously (tiktoken refuses such a file)".into()
            })?;
            let mut pairs: Vec<_> = map.iter().collect();
            pairs.sort_by_key(|(_, &r)| r);
            let b64 = base64::engine::general_purpose::STANDARD;
            let text: String = pairs
                .iter()
                .map(|(t, r)| format!("{} {r}\n", b64.encode(t)))
                .collect();
            let again = parse_tiktoken(text.as_bytes(), map.len())
                .map_err(|e| format!("a rank file written from parsed ranks does not read: {e}"))?;
            ensure(again == map, || "ranks → file → ranks changed them".into())
        }
        // Line 0 is "the file as a whole".
        Err(e) => ensure(e.line <= lines, || {
            format!(
                "a rank-file error names line {}, the file has {lines}: {e}",
                e.line
            )
        }),
    }
}
