//! Exact duplicates on normalised text: rows that differ only in case, whitespace or punctuation are the
//! same example to a model, and the cheapest duplicates to remove.

use rustc_hash::FxHashMap;

/// `text` lower-cased, punctuation dropped, runs of whitespace made one space, trimmed.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() {
            space = true;
        }
    }
    out
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
        assert!(
            exact_groups([["a", "", "b"], ["a", "b", ""]]).is_empty(),
            "fields are kept apart"
        );
    }
}
