//! Exact duplicates on normalised text: rows that differ only in case, whitespace or punctuation are the
//! same example to a model, and the cheapest duplicates to remove.

use rustc_hash::FxHashMap;

/// `text` lower-cased, punctuation dropped, runs of whitespace made one space, trimmed.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        // ASCII (most text) skips the Unicode tables.
        let (alnum, white) = if c.is_ascii() {
            (c.is_ascii_alphanumeric(), c.is_ascii_whitespace())
        } else {
            (c.is_alphanumeric(), c.is_whitespace())
        };
        if alnum {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else if white {
            space = true;
        }
    }
    out
}

/// A 64-bit hash of a record's normalised fields: equal for exact duplicates, and (at 2^-64 per pair)
/// different otherwise — a set of these finds duplicates without keeping 50k normalised strings.
pub fn row_key(r: &crate::core::dataset::record::Record) -> u64 {
    use std::hash::Hasher;
    let mut buf = Vec::with_capacity(r.instruction.len() + r.input.len() + r.output.len() + 3);
    for f in [&r.instruction, &r.input, &r.output] {
        normalise_into(f, &mut buf);
        buf.push(0x1f);
    }
    // FxHasher takes 8 bytes at a time: the hash costs little next to the normalising.
    let mut h = rustc_hash::FxHasher::default();
    h.write(&buf);
    super::shingle::mix64(h.finish() ^ buf.len() as u64)
}

/// Appends [`normalise`]`(text)`'s bytes to `out` (ASCII bytes take a fast path).
fn normalise_into(text: &str, out: &mut Vec<u8>) {
    let start = out.len();
    let mut space = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut utf8 = [0u8; 4];
    while i < bytes.len() {
        let b = bytes[i];
        let (alnum, white, len) = if b < 0x80 {
            (b.is_ascii_alphanumeric(), b.is_ascii_whitespace(), 1)
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            (c.is_alphanumeric(), c.is_whitespace(), c.len_utf8())
        };
        if alnum {
            if space && out.len() > start {
                out.push(b' ');
            }
            space = false;
            if len == 1 {
                out.push(b.to_ascii_lowercase());
            } else {
                let c = text[i..].chars().next().unwrap_or(' ');
                for l in c.to_lowercase() {
                    out.extend_from_slice(l.encode_utf8(&mut utf8).as_bytes());
                }
            }
        } else if white {
            space = true;
        }
        i += len;
    }
}

/// Groups of row indices whose normalised `[instruction, input, output]` are equal (groups of two or more,
/// each in row order, groups ordered by first row).
pub fn exact_groups<'a>(rows: impl IntoIterator<Item = [&'a str; 3]>) -> Vec<Vec<usize>> {
    let mut by_key: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (i, fields) in rows.into_iter().enumerate() {
        let key = fields.map(normalise).join("\u{1f}");
        by_key.entry(key).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = by_key.into_values().filter(|g| g.len() > 1).collect();
    out.sort_unstable_by_key(|g| g[0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_ignores_case_space_and_punctuation() {
        assert_eq!(normalise("  Hello,   WORLD!\n"), "hello world");
        assert_eq!(normalise("It's — fine."), "its fine");
        assert_eq!(normalise(""), "");
        assert_eq!(normalise("Straße"), "straße");
    }

    #[test]
    fn groups_of_exact_duplicates() {
        let rows = [
            ["Name a colour.", "", "Blue"],
            ["name a colour", "", "blue!"],
            ["Name a colour.", "sky", "Blue"],
            ["NAME  A COLOUR", "", "Blue."],
        ];
        assert_eq!(exact_groups(rows), vec![vec![0, 1, 3]]);
        use crate::core::dataset::record::{Provenance, Record};
        let rec = |f: [&str; 3]| Record {
            instruction: f[0].into(),
            input: f[1].into(),
            output: f[2].into(),
            provenance: Provenance::file("t", 1),
        };
        let keys: Vec<u64> = rows.iter().map(|&f| row_key(&rec(f))).collect();
        assert_eq!(keys[0], keys[1]);
        assert_eq!(keys[0], keys[3]);
        assert_ne!(keys[0], keys[2]);
        assert_eq!(
            row_key(&rec(["Straße  Ünïcode!", "", ""])),
            row_key(&rec(["straße ünïcode", "", ""]))
        );
        assert_ne!(row_key(&rec(["a", "b", ""])), row_key(&rec(["a", "", "b"])));
        assert!(
            exact_groups([["a", "", "b"], ["a", "b", ""]]).is_empty(),
            "fields are kept apart"
        );
    }
}
