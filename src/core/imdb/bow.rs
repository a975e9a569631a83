//! Bag of words as scikit-learn's `CountVectorizer()` makes it with its defaults, so the lab's baseline
//! sees the same features as the reference `sklearn-baseline` script.
//!
//! The defaults: lowercase the whole text first, then take every match of `(?u)\b\w\w+\b` — runs of two
//! or more word characters (letters, digits, underscore; one-letter words such as "a" and "I" are
//! dropped) — and count them. The vocabulary is every term of the training texts, indexed in sorted
//! order; terms seen only in validation or test are ignored there. Values are raw counts.

use rustc_hash::FxHashMap;

use crate::core::tokenize::unicode_class::{flags, L, N};

/// A sparse matrix in compressed rows: row `i`'s entries are `indices/values[indptr[i]..indptr[i+1]]`,
/// columns ascending.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Csr {
    pub cols: usize,
    pub indptr: Vec<u32>,
    pub indices: Vec<u32>,
    /// Counts (exact in f32 up to 2^24).
    pub values: Vec<f32>,
}

impl Csr {
    pub fn rows(&self) -> usize {
        self.indptr.len().saturating_sub(1)
    }

    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Row `i` as (columns, values).
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[i] as usize, self.indptr[i + 1] as usize);
        (&self.indices[a..b], &self.values[a..b])
    }
}

/// Python's `\w` for a character: `str.isalnum()` (a letter or a number: general categories L* and N*)
/// or underscore. Not Rust's `char::is_alphanumeric`, which also counts combining marks such as Hindi
/// vowel signs (Unicode's Alphabetic property): Python splits words at those.
#[inline]
fn is_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        flags(c) & (L | N) != 0
    }
}

/// Calls `term` with each token of `text`, lowercased, in order.
pub fn tokens(text: &str, term: &mut dyn FnMut(&str)) {
    let mut buf = String::new();
    if text.is_ascii() {
        // The common case, byte by byte.
        for &b in text.as_bytes() {
            if b.is_ascii_alphanumeric() || b == b'_' {
                buf.push(b.to_ascii_lowercase() as char);
            } else {
                if buf.len() >= 2 {
                    term(&buf);
                }
                buf.clear();
            }
        }
        if buf.len() >= 2 {
            term(&buf);
        }
        return;
    }
    // Lowercase the whole text first, as Python's `str.lower()` does: a final capital sigma becomes `ς`,
    // and `İ` becomes `i` plus a combining dot (which then ends the word).
    let lower = text.to_lowercase();
    let mut n = 0usize;
    for c in lower.chars() {
        if is_word(c) {
            buf.push(c);
            n += 1;
        } else {
            if n >= 2 {
                term(&buf);
            }
            buf.clear();
            n = 0;
        }
    }
    if n >= 2 {
        term(&buf);
    }
}

/// A fitted vectorizer: its vocabulary, sorted.
pub struct Vectorizer {
    pub terms: Vec<String>,
    index: FxHashMap<String, u32>,
}

fn to_csr(cols: usize, docs_ids: Vec<Vec<u32>>) -> Csr {
    let mut m = Csr {
        cols,
        indptr: Vec::with_capacity(docs_ids.len() + 1),
        indices: Vec::new(),
        values: Vec::new(),
    };
    m.indptr.push(0);
    for mut ids in docs_ids {
        ids.sort_unstable();
        let mut k = 0;
        while k < ids.len() {
            let id = ids[k];
            let mut n = 1;
            while k + n < ids.len() && ids[k + n] == id {
                n += 1;
            }
            m.indices.push(id);
            m.values.push(n as f32);
            k += n;
        }
        m.indptr.push(m.indices.len() as u32);
    }
    m
}

impl Vectorizer {
    /// `fit_transform`: learns the vocabulary of `texts` and returns their counts. `progress` hears 0..=1.
    pub fn fit_transform<'a>(
        texts: impl ExactSizeIterator<Item = &'a str>,
        progress: &mut dyn FnMut(f64),
    ) -> (Vectorizer, Csr) {
        let n = texts.len().max(1);
        let mut index: FxHashMap<String, u32> = FxHashMap::default();
        let mut terms: Vec<String> = Vec::new();
        let mut docs: Vec<Vec<u32>> = Vec::with_capacity(n);
        for (i, text) in texts.enumerate() {
            let mut ids = Vec::new();
            tokens(text, &mut |t| {
                let id = match index.get(t) {
                    Some(&id) => id,
                    None => {
                        let id = terms.len() as u32;
                        terms.push(t.to_string());
                        index.insert(t.to_string(), id);
                        id
                    }
                };
                ids.push(id);
            });
            docs.push(ids);
            if i % 1000 == 999 {
                progress(i as f64 / n as f64);
            }
        }
        // Sorted vocabulary, as scikit-learn indexes it (Python orders str by code point = UTF-8 bytes).
        let mut order: Vec<u32> = (0..terms.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| terms[a as usize].cmp(&terms[b as usize]));
        let mut remap = vec![0u32; terms.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old as usize] = new as u32;
        }
        for ids in &mut docs {
            for id in ids.iter_mut() {
                *id = remap[*id as usize];
            }
        }
        let mut sorted: Vec<String> = Vec::with_capacity(terms.len());
        let mut slots: Vec<Option<String>> = terms.into_iter().map(Some).collect();
        for &old in &order {
            sorted.push(slots[old as usize].take().expect("each id once"));
        }
        for (id, t) in sorted.iter().enumerate() {
            *index.get_mut(t.as_str()).expect("every term indexed") = id as u32;
        }
        let cols = sorted.len();
        progress(1.0);
        (
            Vectorizer {
                terms: sorted,
                index,
            },
            to_csr(cols, docs),
        )
    }

    /// `transform`: counts of the known terms of `texts`.
    pub fn transform<'a>(&self, texts: impl Iterator<Item = &'a str>) -> Csr {
        let docs = texts
            .map(|text| {
                let mut ids = Vec::new();
                tokens(text, &mut |t| {
                    if let Some(&id) = self.index.get(t) {
                        ids.push(id);
                    }
                });
                ids
            })
            .collect();
        to_csr(self.terms.len(), docs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        let mut v = Vec::new();
        tokens(s, &mut |t| v.push(t.to_string()));
        v
    }

    #[test]
    fn tokens_like_count_vectorizer() {
        assert_eq!(
            toks("I loved it!<br /><br />A 10/10, don't miss_it. Café NAÏVE x2"),
            ["loved", "it", "br", "br", "10", "10", "don", "miss_it", "café", "naïve", "x2"]
        );
        assert_eq!(toks("a b c"), Vec::<String>::new());
        assert_eq!(toks("ÀB"), ["àb"]);
    }

    #[test]
    fn vocabulary_sorted_and_counts() {
        let texts = ["the film the end", "an end"];
        let (v, m) = Vectorizer::fit_transform(texts.iter().copied(), &mut |_| {});
        assert_eq!(v.terms, ["an", "end", "film", "the"]);
        assert_eq!(m.row(0), (&[1u32, 2, 3][..], &[1.0f32, 1.0, 2.0][..]));
        assert_eq!(m.row(1), (&[0u32, 1][..], &[1.0f32, 1.0][..]));
        let t = v.transform(["unknown the THE"].iter().copied());
        assert_eq!(t.row(0), (&[3u32][..], &[2.0f32][..]));
        assert_eq!(t.cols, 4);
    }
}
