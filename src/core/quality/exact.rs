//! Exact duplicates on normalised text: rows that differ only in case, whitespace or punctuation are the
//! same example to a model, and the cheapest duplicates to remove.

use rustc_hash::FxHashMap;

use super::shingle::{mix64, word_hashes};

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

/// A key for exact duplicates from fields given as word hashes: equal when every field has the same
/// sequence of lower-cased words — case, whitespace and punctuation ignored (punctuation separates words,
/// so "it's" reads as "it s") — and, at 2^-64 per pair, different otherwise.
pub fn words_key(fields: &[Vec<u64>]) -> u64 {
    // Word hashes are well mixed already: a multiply and a rotation per word keep the order (and cost a
    // third of a full mix), and the full mix between fields keeps them apart.
    let mut h: u64 = 0x243f_6a88_85a3_08d3;
    for f in fields {
        for &w in f {
            h = (h ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
        }
        h = mix64(h ^ 0x1f1f_1f1f);
    }
    h
}

/// [`words_key`] of a record's three fields.
pub fn row_key(r: &crate::core::dataset::record::Record) -> u64 {
    words_key(&[&r.instruction, &r.input, &r.output].map(|f| word_hashes(f)))
}

/// Groups of indices with equal keys (groups of two or more, each ascending, ordered by first index).
pub fn groups_by_key(keys: &[u64]) -> Vec<Vec<usize>> {
    let mut by_key: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
    for (i, k) in keys.iter().enumerate() {
        by_key.entry(*k).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = by_key.into_values().filter(|g| g.len() > 1).collect();
    out.sort_unstable_by_key(|g| g[0]);
    out
}

/// Groups of row indices whose normalised `[instruction, input, output]` are equal (groups of two or more,
/// each in row order, groups ordered by first row).
pub fn exact_groups<'a>(rows: impl IntoIterator<Item = [&'a str; 3]>) -> Vec<Vec<usize>> {
    let keys: Vec<u64> = rows
        .into_iter()
        .map(|f| words_key(&f.map(word_hashes)))
        .collect();
    groups_by_key(&keys)
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
