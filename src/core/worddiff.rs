//! Word-level diff of two texts, for the review page: what did a refinement actually change?
//!
//! A reviewer deciding whether to accept a revised answer needs to see the edit, not two walls of text.
//! Characters are too fine (a changed word shows as scattered letters) and lines too coarse (one comma
//! marks a whole paragraph), so the texts are split into words, whitespace runs and single punctuation
//! marks, and the longest common subsequence of those tokens is kept as "same".
//!
//! Nothing is lost in the split: the "same" and "removed" pieces, in order, are exactly the old text, and
//! the "same" and "added" pieces are exactly the new one — the widget can render either side from the ops.

use serde::{Deserialize, Serialize};

/// One piece of the diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// In both texts.
    Same(String),
    /// Only in the new text.
    Added(String),
    /// Only in the old text.
    Removed(String),
}

/// Largest token table (old tokens × new tokens, after the common start and end are set aside) compared
/// word by word. The table costs 2 bytes a cell, so this is 8 MB at most — fine in a browser tab. Larger
/// differences are compared line by line instead, and if even that is too large, the differing middle is
/// shown as one removal and one addition.
pub const MAX_CELLS: usize = 4_000_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Word,
    Space,
    Other,
}

fn class(c: char) -> Class {
    if c.is_alphanumeric() || c == '_' {
        Class::Word
    } else if c.is_whitespace() {
        Class::Space
    } else {
        Class::Other
    }
}

/// Splits text into words (letters, digits, `_`), whitespace runs, and single other characters.
/// Concatenating the tokens gives the text back.
fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<Class> = None;
    for (i, c) in text.char_indices() {
        let k = class(c);
        let joins = prev == Some(k) && k != Class::Other;
        if !joins && i > start {
            out.push(&text[start..i]);
            start = i;
        }
        prev = Some(k);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Splits text into lines, each keeping its line ending.
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// The word diff of `a` (old) and `b` (new), with adjacent pieces of the same kind merged and, within a
/// changed stretch, the removal before the addition.
pub fn diff_words(a: &str, b: &str) -> Vec<Op> {
    let raw = diff_tokens(&words(a), &words(b))
        .or_else(|| diff_tokens(&lines(a), &lines(b)))
        .unwrap_or_else(|| whole(a, b));
    tidy(raw)
}

/// The coarsest fallback: everything after the common prefix and before the common suffix differs.
fn whole(a: &str, b: &str) -> Vec<Op> {
    let pre = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i);
    let pre = floor_boundary(a, floor_boundary(b, pre));
    let (ra, rb) = (&a[pre..], &b[pre..]);
    let suf = ra
        .chars()
        .rev()
        .zip(rb.chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum::<usize>();
    vec![
        Op::Same(a[..pre].to_string()),
        Op::Removed(ra[..ra.len() - suf].to_string()),
        Op::Added(rb[..rb.len() - suf].to_string()),
        Op::Same(ra[ra.len() - suf..].to_string()),
    ]
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Longest-common-subsequence diff of two token lists. The common prefix and suffix are skipped first —
/// a revision usually keeps the start and end of a text — and `None` is returned when the table for the
/// rest would exceed [`MAX_CELLS`].
fn diff_tokens(a: &[&str], b: &[&str]) -> Option<Vec<Op>> {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    if ma.len().saturating_mul(mb.len()) > MAX_CELLS {
        return None;
    }

    let mut ops: Vec<Op> = a[..pre].iter().map(|t| Op::Same(t.to_string())).collect();
    // table[i][j] = LCS length of ma[i..] and mb[j..]; u16 suffices because min(n, m) ≤ √MAX_CELLS.
    let (n, m) = (ma.len(), mb.len());
    let width = m + 1;
    let mut table = vec![0u16; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i * width + j] = if ma[i] == mb[j] {
                table[(i + 1) * width + j + 1] + 1
            } else {
                table[(i + 1) * width + j].max(table[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && ma[i] == mb[j] {
            ops.push(Op::Same(ma[i].to_string()));
            i += 1;
            j += 1;
        } else if j < m && (i == n || table[i * width + j + 1] >= table[(i + 1) * width + j]) {
            ops.push(Op::Added(mb[j].to_string()));
            j += 1;
        } else {
            ops.push(Op::Removed(ma[i].to_string()));
            i += 1;
        }
    }
    ops.extend(a[a.len() - suf..].iter().map(|t| Op::Same(t.to_string())));
    Some(ops)
}

/// Makes the diff readable: a whitespace-only "same" piece between two changes is folded into both
/// sides ("~~the cat~~ a dog" rather than "~~the~~ a ~~cat~~ dog"), each changed stretch is one removal
/// followed by one addition, neighbouring pieces of a kind are merged, and empty pieces are dropped.
fn tidy(raw: Vec<Op>) -> Vec<Op> {
    let is_change = |op: Option<&Op>| matches!(op, Some(Op::Added(_) | Op::Removed(_)));
    let mut out: Vec<Op> = Vec::new();
    let (mut removed, mut added) = (String::new(), String::new());
    for k in 0..raw.len() {
        match &raw[k] {
            Op::Removed(t) => removed.push_str(t),
            Op::Added(t) => added.push_str(t),
            Op::Same(t) => {
                let in_change = !removed.is_empty() || !added.is_empty();
                if in_change && t.trim().is_empty() && is_change(raw.get(k + 1)) {
                    removed.push_str(t);
                    added.push_str(t);
                    continue;
                }
                flush(&mut out, &mut removed, &mut added);
                match out.last_mut() {
                    Some(Op::Same(s)) => s.push_str(t),
                    _ if t.is_empty() => {}
                    _ => out.push(Op::Same(t.clone())),
                }
            }
        }
    }
    flush(&mut out, &mut removed, &mut added);
    out
}

fn flush(out: &mut Vec<Op>, removed: &mut String, added: &mut String) {
    if !removed.is_empty() {
        out.push(Op::Removed(std::mem::take(removed)));
    }
    if !added.is_empty() {
        out.push(Op::Added(std::mem::take(added)));
    }
}

/// Share of the text that changed, from 0 (identical) to 1 (nothing in common): characters removed plus
/// characters added, over the characters of both texts. Two empty texts are identical (0).
pub fn changed_share(ops: &[Op]) -> f64 {
    let (mut same, mut changed) = (0usize, 0usize);
    for op in ops {
        match op {
            Op::Same(t) => same += 2 * t.chars().count(),
            Op::Added(t) | Op::Removed(t) => changed += t.chars().count(),
        }
    }
    if same + changed == 0 {
        0.0
    } else {
        changed as f64 / (same + changed) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The old text (`Same` + `Removed`) and the new text (`Same` + `Added`) rebuilt from the ops.
    fn sides(ops: &[Op]) -> (String, String) {
        let (mut a, mut b) = (String::new(), String::new());
        for op in ops {
            match op {
                Op::Same(t) => {
                    a.push_str(t);
                    b.push_str(t);
                }
                Op::Removed(t) => a.push_str(t),
                Op::Added(t) => b.push_str(t),
            }
        }
        (a, b)
    }

    fn same(t: &str) -> Op {
        Op::Same(t.into())
    }
    fn rem(t: &str) -> Op {
        Op::Removed(t.into())
    }
    fn add(t: &str) -> Op {
        Op::Added(t.into())
    }

    #[test]
    fn tokens_rebuild_the_text() {
        assert_eq!(
            words("Hi, wörld!  2nd_try\n"),
            ["Hi", ",", " ", "wörld", "!", "  ", "2nd_try", "\n"]
        );
        assert!(words("").is_empty());
    }

    #[test]
    fn changed_words_are_grouped() {
        let ops = diff_words("the cat sat on the mat", "a dog sat on the mat");
        assert_eq!(ops, [rem("the cat"), add("a dog"), same(" sat on the mat")]);
        let ops = diff_words("Paris is big.", "Paris is very big!");
        assert_eq!(
            ops,
            [
                same("Paris is "),
                add("very "),
                same("big"),
                rem("."),
                add("!")
            ]
        );
    }

    #[test]
    fn identical_and_empty() {
        assert_eq!(diff_words("same text", "same text"), [same("same text")]);
        assert_eq!(diff_words("", ""), []);
        assert_eq!(diff_words("", "new"), [add("new")]);
        assert_eq!(diff_words("old", ""), [rem("old")]);
        assert_eq!(changed_share(&diff_words("a b", "a b")), 0.0);
        assert_eq!(changed_share(&diff_words("abc", "xyz")), 1.0);
        assert_eq!(changed_share(&[]), 0.0);
        let share = changed_share(&diff_words("one two", "one three"));
        assert!(share > 0.0 && share < 1.0);
    }

    /// A small deterministic generator of text pairs (no extra crates), with words, punctuation, spaces,
    /// newlines and multi-byte characters.
    fn texts(seed: u64, n: usize) -> Vec<String> {
        let pieces = [
            "the", "cat", "Endless", "ünï", "日本", "🙂", " ", "  ", "\n", ",", ".", "-", "a", "b",
            "\r\n", "x_y", "42",
        ];
        let mut state = seed;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        (0..n)
            .map(|_| {
                let len = next() % 30;
                (0..len).map(|_| pieces[next() % pieces.len()]).collect()
            })
            .collect()
    }

    #[test]
    fn both_sides_rebuild_exactly_over_many_pairs() {
        let xs = texts(7, 120);
        let ys = texts(99, 120);
        for a in &xs {
            for b in ys.iter().take(20) {
                let ops = diff_words(a, b);
                assert_eq!(sides(&ops), (a.clone(), b.clone()), "{a:?} vs {b:?}");
                // Merged: no two neighbours of the same kind, no empty pieces.
                for w in ops.windows(2) {
                    assert_ne!(std::mem::discriminant(&w[0]), std::mem::discriminant(&w[1]));
                }
                assert!(ops.iter().all(|op| match op {
                    Op::Same(t) | Op::Added(t) | Op::Removed(t) => !t.is_empty(),
                }));
            }
        }
    }

    #[test]
    fn long_texts_with_small_edits_stay_word_level() {
        // 6,000 tokens a side (36M cells), but only the middle differs.
        let a: String = (0..3000).map(|i| format!("w{i} ")).collect();
        let b = a.replace(" w1500 ", " changed ");
        let ops = diff_words(&a, &b);
        assert_eq!(sides(&ops), (a.clone(), b.clone()));
        assert_eq!(ops.len(), 4);
        assert_eq!((&ops[1], &ops[2]), (&rem("w1500"), &add("changed")));
    }

    #[test]
    fn large_differences_fall_back_but_stay_exact() {
        // Words spread over the text change: too many cells for words, so lines are compared.
        let a: String = (0..3000)
            .map(|i| format!("w{} ", i % 97))
            .collect::<String>()
            + "\nend\n";
        let b = a.replace("w5 ", "w5 changed ");
        let ops = diff_words(&a, &b);
        assert_eq!(sides(&ops), (a.clone(), b.clone()));
        assert_eq!(ops.last(), Some(&same("end\n")));
        // Over 2,000 differing lines a side: too many even for lines, so the whole-middle fallback.
        let a: String = (0..2100).map(|i| format!("a{i}\n")).collect();
        let b: String = (0..2100).map(|i| format!("b{i}\n")).collect();
        let ops = diff_words(&a, &b);
        assert_eq!(sides(&ops), (a.clone(), b.clone()));
        assert_eq!(ops.len(), 3);
        assert_eq!(ops[2], same("2099\n"));
        let ops = diff_words("héllo wörld", "héllo wèrld");
        assert_eq!(sides(&ops), ("héllo wörld".into(), "héllo wèrld".into()));
    }

    #[test]
    fn whole_fallback_respects_character_boundaries() {
        let ops = tidy(whole("aéb", "aèb"));
        assert_eq!(ops, [same("a"), rem("é"), add("è"), same("b")]);
        let ops = tidy(whole("abc", "abc"));
        assert_eq!(ops, [same("abc")]);
    }
}
