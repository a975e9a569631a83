//! Reading tiktoken rank files (`.tiktoken`): one `base64-bytes rank` pair a line.
//!
//! The page downloads these files at run time, so a truncated download or a wrong file must give a clear
//! message that names the line, not a panic.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use rustc_hash::FxHashMap;

use super::bpe::Rank;

/// Why a rank file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankFileError {
    /// 1-based line number, or 0 for a problem with the file as a whole.
    pub line: usize,
    /// What is wrong, in words a student can act on.
    pub message: String,
}

impl std::fmt::Display for RankFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for RankFileError {}

/// Parses a `.tiktoken` file into a map from byte string to rank.
///
/// `expected` is the number of ranks the encoding must have; a file with fewer lines (say, a download cut
/// short) is refused rather than silently producing wrong ids.
pub fn parse_tiktoken(
    data: &[u8],
    expected: usize,
) -> Result<FxHashMap<Vec<u8>, Rank>, RankFileError> {
    let text = std::str::from_utf8(data).map_err(|e| RankFileError {
        line: 1 + data[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
        message: "the file is not text (invalid UTF-8); it is not a .tiktoken rank file".into(),
    })?;
    let mut map = FxHashMap::with_capacity_and_hasher(expected, Default::default());
    // Line of each rank, to name both lines when a rank is given twice.
    let mut rank_line: FxHashMap<Rank, usize> = FxHashMap::default();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.is_empty() {
            continue;
        }
        let err = |message: String| RankFileError { line: n, message };
        let (b64, rank) = line
            .split_once(' ')
            .ok_or_else(|| err("expected `base64 rank`, found no space".into()))?;
        let bytes = STANDARD
            .decode(b64)
            .map_err(|e| err(format!("the token bytes are not valid base64 ({e})")))?;
        let rank: Rank = rank
            .trim_end()
            .parse()
            .map_err(|_| err(format!("the rank {rank:?} is not a whole number")))?;
        if map.insert(bytes, rank).is_some() {
            return Err(err("the same token bytes appear twice".into()));
        }
        // Two tokens with one rank would decode ambiguously; tiktoken refuses such a file too (found by
        // fuzzing).
        if let Some(first) = rank_line.insert(rank, n) {
            return Err(err(format!(
                "rank {rank} is given twice (first on line {first}); every token needs its own rank"
            )));
        }
    }
    if map.len() != expected {
        return Err(RankFileError {
            line: 0,
            message: format!(
                "the file has {} ranks but this encoding needs {expected}; it may be truncated or the wrong file — reload the page to fetch it again",
                map.len()
            ),
        });
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_lines() {
        let ok = parse_tiktoken(b"IQ== 0\nIg== 1\n", 2).unwrap();
        assert_eq!(ok[&b"!".to_vec()], 0);
        assert_eq!(ok[&b"\"".to_vec()], 1);
        let e = parse_tiktoken(b"IQ== 0\nnot-base64 1\n", 2).unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse_tiktoken(b"IQ== 0\nIg== x\n", 2).unwrap_err();
        assert!(e.message.contains("whole number"), "{e}");
        let e = parse_tiktoken(b"IQ== 0\n", 2).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
        let e = parse_tiktoken(b"IQ== 0\nIg== 0\n", 2).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(
            e.message
                .contains("rank 0 is given twice (first on line 1)"),
            "{e}"
        );
        let e = parse_tiktoken(&[0xff, 0xfe, 0], 2).unwrap_err();
        assert!(e.message.contains("not text"));
    }
}

/// `ranks/manifest.json`, written at build time beside the rank files: where they came from and their hashes,
/// so the page can say which tokenizer version it runs and detect a corrupted or partial download.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct RankManifest {
    /// The crate the files were copied from (`tiktoken-rs`).
    pub source: String,
    /// Its version, as pinned in Cargo.lock.
    pub version: String,
    /// One entry per file.
    pub files: Vec<RankFileInfo>,
}

/// One rank file in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct RankFileInfo {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl RankManifest {
    /// Checks a downloaded file against the manifest; a file the manifest does not list passes (the
    /// rank parser still checks it).
    pub fn verify(&self, name: &str, data: &[u8]) -> Result<(), String> {
        let Some(info) = self.files.iter().find(|f| f.name == name) else {
            return Ok(());
        };
        if data.len() as u64 != info.bytes {
            return Err(format!(
                "{name} arrived with {} bytes but should have {}: the download is partial or the wrong file — reload to fetch it again",
                data.len(),
                info.bytes
            ));
        }
        let got = sha256_hex(data);
        if got != info.sha256 {
            return Err(format!(
                "{name} is corrupted: its SHA-256 is {} but should be {} — reload to fetch it again",
                &got[..12],
                crate::core::text::prefix(&info.sha256, 12)
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod manifest_tests {
    use super::*;

    #[test]
    fn verify_detects_partial_and_corrupt_files() {
        let data = b"IQ== 0\n";
        let m = RankManifest {
            source: "tiktoken-rs".into(),
            version: "0.12.1".into(),
            files: vec![RankFileInfo {
                name: "x.tiktoken".into(),
                bytes: data.len() as u64,
                sha256: sha256_hex(data),
            }],
        };
        assert!(m.verify("x.tiktoken", data).is_ok());
        assert!(m
            .verify("x.tiktoken", &data[..3])
            .unwrap_err()
            .contains("partial"));
        assert!(m
            .verify("x.tiktoken", b"IQ== 1\n")
            .unwrap_err()
            .contains("corrupted"));
        assert!(m.verify("other", b"").is_ok());
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
