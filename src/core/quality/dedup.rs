//! Near-duplicate detection end to end (slide 14): shingle → MinHash → LSH banding → verify → cluster,
//! plus split leakage (slide 25's "duplicate leakage" drill) and the keep policy that turns clusters into
//! removals.
//!
//! LSH only proposes candidates; every candidate is then verified with the exact Jaccard similarity of the
//! two documents' shingle sets, and only pairs at or above the threshold are reported. So a reported pair is
//! a near duplicate by definition — the banding decides how many true pairs are *found* (recall), never
//! whether a reported one is real (precision).

use serde::{Deserialize, Serialize};

use super::minhash::{candidates, clusters, estimate, optimal_bands, MinHasher};
use super::shingle::{gram_of, jaccard, shingles, word_hashes};
use crate::core::dataset::record::Record;

/// The knobs of near-duplicate detection (all editable in the lab).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearDupParams {
    /// Words per shingle.
    pub shingle: usize,
    /// MinHash permutations (signature length).
    pub num_perm: usize,
    pub bands: usize,
    pub rows: usize,
    /// Jaccard similarity at or above which two rows are near duplicates.
    pub threshold: f64,
    pub seed: u64,
}

impl Default for NearDupParams {
    /// The course's datasketch setup — word 5-grams, 128 permutations, threshold 0.8 — but banded
    /// recall-first: the bands × rows datasketch would pick for 0.65. At datasketch's own banding for 0.8
    /// (9 × 13) a pair exactly at 0.8 becomes a candidate only 40% of the time, so about a sixth of the true
    /// pairs are never seen; extra candidates cost one exact check each, and verification drops them.
    fn default() -> Self {
        let (bands, rows) = optimal_bands(0.65, 128);
        NearDupParams {
            shingle: 5,
            num_perm: 128,
            bands,
            rows,
            threshold: 0.8,
            seed: 1,
        }
    }
}

impl NearDupParams {
    /// What is wrong with these settings, if anything (named by field, with what to do).
    pub fn check(&self) -> Result<(), String> {
        if !(1..=50).contains(&self.shingle) {
            return Err("Shingle size must be between 1 and 50 words.".into());
        }
        if !(8..=1024).contains(&self.num_perm) {
            return Err("Permutations must be between 8 and 1024.".into());
        }
        if self.bands == 0 || self.rows == 0 {
            return Err("Bands and rows per band must both be at least 1.".into());
        }
        if self.bands * self.rows > self.num_perm {
            return Err(format!(
                "Bands × rows ({} × {} = {}) must not exceed the permutations ({}).",
                self.bands,
                self.rows,
                self.bands * self.rows,
                self.num_perm
            ));
        }
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err("The threshold must be above 0 and at most 1.".into());
        }
        Ok(())
    }
}

/// The text a row is compared by: its three fields, one per line.
pub fn row_text(r: &Record) -> String {
    format!("{}\n{}\n{}", r.instruction, r.input, r.output)
}

/// One verified near-duplicate pair (row indices, `a < b`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    pub a: usize,
    pub b: usize,
    /// The share of equal MinHash positions.
    pub estimated_jaccard: f64,
    /// The exact Jaccard similarity of the two shingle sets (the verification).
    pub jaccard: f64,
}

/// Rows joined by verified pairs, and those pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    pub rows: Vec<usize>,
    pub pairs: Vec<Pair>,
}

/// What a near-duplicate run found.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NearDupReport {
    pub docs: usize,
    /// Pairs LSH proposed.
    pub candidates: usize,
    /// Candidates at or above the threshold after verification.
    pub pairs: Vec<Pair>,
    pub clusters: Vec<Cluster>,
}

/// Near duplicates among `texts`. `progress` hears the share done (0..=1) now and then.
pub fn near_duplicates(
    texts: &[&str],
    p: &NearDupParams,
    progress: &mut dyn FnMut(f64),
) -> NearDupReport {
    find(
        texts.len(),
        |i| word_hashes(texts[i]),
        p,
        |_, _| true,
        progress,
    )
}

/// Exact-duplicate groups and near duplicates of `rows` (compared by [`row_text`]) from one pass over
/// each row's words: the exact key and the shingles come from the same word hashes, and the rows' text is
/// never copied.
pub fn duplicates_of_rows(
    rows: &[Record],
    p: &NearDupParams,
    progress: &mut dyn FnMut(f64),
) -> (NearDupReport, Vec<Vec<usize>>) {
    let mut keys = Vec::with_capacity(rows.len());
    let n = rows.len().max(1);
    let hasher = MinHasher::new(p.num_perm, p.seed);
    let sigs: Vec<Vec<u32>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if i % 512 == 0 {
                progress(0.9 * i as f64 / n as f64);
            }
            let fields = [&r.instruction, &r.input, &r.output].map(|f| word_hashes(f));
            keys.push(super::exact::words_key(&fields));
            hasher.signature(&bag(&fields.concat(), p.shingle))
        })
        .collect();
    let report = finish(rows.len(), &sigs, |i| row_words(&rows[i]), p, |_, _| true);
    progress(1.0);
    (report, super::exact::groups_by_key(&keys))
}

/// The word hashes of [`row_text`]`(r)` (equal to hashing the joined text: the line breaks between fields
/// end words).
pub fn row_words(r: &Record) -> Vec<u64> {
    [&r.instruction, &r.input, &r.output]
        .iter()
        .flat_map(|f| word_hashes(f))
        .collect()
}

/// Shingle hashes (with repeats) of a document given as its word hashes.
fn bag(words: &[u64], k: usize) -> Vec<u64> {
    let k = k.max(1);
    if words.is_empty() {
        Vec::new()
    } else if words.len() < k {
        vec![gram_of(words)]
    } else {
        words.windows(k).map(gram_of).collect()
    }
}

/// Sorted, distinct shingles of a document given as its word hashes.
fn set(words: &[u64], k: usize) -> Vec<u64> {
    let mut s = bag(words, k);
    s.sort_unstable();
    s.dedup();
    s
}

/// Signatures, candidates, verification and clusters over `n` documents whose words `words_of` gives.
fn find(
    n: usize,
    words_of: impl Fn(usize) -> Vec<u64>,
    p: &NearDupParams,
    keep: impl Fn(usize, usize) -> bool,
    progress: &mut dyn FnMut(f64),
) -> NearDupReport {
    let hasher = MinHasher::new(p.num_perm, p.seed);
    let sigs: Vec<Vec<u32>> = (0..n)
        .map(|i| {
            if i % 512 == 0 {
                progress(0.9 * i as f64 / n.max(1) as f64);
            }
            hasher.signature(&bag(&words_of(i), p.shingle))
        })
        .collect();
    let report = finish(n, &sigs, words_of, p, keep);
    progress(1.0);
    report
}

/// LSH candidates of `sigs`, those passing `keep` verified by exact Jaccard, and their clusters. Shingle
/// sets are rebuilt only for rows that are in some candidate pair, once each.
fn finish(
    n: usize,
    sigs: &[Vec<u32>],
    words_of: impl Fn(usize) -> Vec<u64>,
    p: &NearDupParams,
    keep: impl Fn(usize, usize) -> bool,
) -> NearDupReport {
    let cands = candidates(sigs, p.bands, p.rows);
    let mut sets: rustc_hash::FxHashMap<usize, Vec<u64>> = Default::default();
    let mut pairs = Vec::new();
    for &(a, b) in &cands {
        let (a, b) = (a as usize, b as usize);
        if !keep(a, b) {
            continue;
        }
        for i in [a, b] {
            sets.entry(i)
                .or_insert_with(|| set(&words_of(i), p.shingle));
        }
        let j = jaccard(&sets[&a], &sets[&b]);
        if j >= p.threshold {
            pairs.push(Pair {
                a,
                b,
                estimated_jaccard: estimate(&sigs[a], &sigs[b]),
                jaccard: j,
            });
        }
    }
    NearDupReport {
        docs: n,
        candidates: cands.len(),
        clusters: group(n, pairs.clone()),
        pairs,
    }
}

/// Verified pairs grouped into clusters (each cluster lists its own pairs).
fn group(n: usize, pairs: Vec<Pair>) -> Vec<Cluster> {
    let links: Vec<(u32, u32)> = pairs.iter().map(|p| (p.a as u32, p.b as u32)).collect();
    let groups = clusters(n, &links);
    let mut cluster_of = vec![usize::MAX; n];
    for (c, g) in groups.iter().enumerate() {
        for &i in g {
            cluster_of[i] = c;
        }
    }
    let mut out: Vec<Cluster> = groups
        .into_iter()
        .map(|rows| Cluster {
            rows,
            pairs: Vec::new(),
        })
        .collect();
    for p in pairs {
        out[cluster_of[p.a]].pairs.push(p);
    }
    out
}

/// Which row of a cluster survives deduplication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeepPolicy {
    /// The earliest row (the original, in most pipelines).
    First,
    /// The row with the longest output (the most complete answer).
    Longest,
    /// The row with the best gate score (ties: the earliest).
    BestScore,
}

impl KeepPolicy {
    pub const ALL: [KeepPolicy; 3] = [
        KeepPolicy::First,
        KeepPolicy::Longest,
        KeepPolicy::BestScore,
    ];

    pub fn label(self) -> &'static str {
        match self {
            KeepPolicy::First => "first row",
            KeepPolicy::Longest => "longest output",
            KeepPolicy::BestScore => "best gate score",
        }
    }
}

/// A row a deduplication removes, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Removal {
    pub row: usize,
    /// The row kept in its place.
    pub kept: usize,
    pub reason: String,
}

/// The rows to remove so each group keeps one member under `policy`. `len(i)` is row i's output length,
/// `score(i)` its gate score (higher is better). Groups may be clusters or exact-duplicate groups.
pub fn removals(
    groups: &[Vec<usize>],
    policy: KeepPolicy,
    what: &str,
    len: impl Fn(usize) -> usize,
    score: impl Fn(usize) -> f64,
) -> Vec<Removal> {
    let mut out = Vec::new();
    for g in groups {
        let Some(&first) = g.first() else { continue };
        let kept = match policy {
            KeepPolicy::First => first,
            // max_by_key keeps the last of equals; iterate reversed so ties go to the earliest row.
            KeepPolicy::Longest => *g.iter().rev().max_by_key(|&&i| len(i)).unwrap_or(&first),
            KeepPolicy::BestScore => *g
                .iter()
                .rev()
                .max_by(|&&x, &&y| score(x).total_cmp(&score(y)))
                .unwrap_or(&first),
        };
        for &i in g {
            if i != kept {
                out.push(Removal {
                    row: i,
                    kept,
                    reason: format!("{what} of row {kept} (kept: {})", policy.label()),
                });
            }
        }
    }
    out.sort_by_key(|r| r.row);
    out
}

/// How a training row leaks into the test split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakKind {
    /// Equal after normalising case, whitespace and punctuation.
    Exact,
    /// Verified near duplicate (Jaccard at or above the threshold).
    Near,
}

/// One train row that (nearly) duplicates a test row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leak {
    pub train: usize,
    pub test: usize,
    pub kind: LeakKind,
    pub jaccard: f64,
}

/// Train rows that duplicate or nearly duplicate a test row. `texts` holds the train rows first
/// (`train` of them), then the test rows; duplicates within one split are not leakage and are ignored.
pub fn leakage(
    texts: &[&str],
    train: usize,
    p: &NearDupParams,
    progress: &mut dyn FnMut(f64),
) -> Vec<Leak> {
    use super::exact::words_key;
    let key = |t: &str| words_key(&[word_hashes(t)]);
    let mut exact: rustc_hash::FxHashMap<u64, usize> = Default::default();
    for (j, t) in texts[train..].iter().enumerate() {
        exact.entry(key(t)).or_insert(j);
    }
    let cross = |a: usize, b: usize| a < train && b >= train;
    let report = find(texts.len(), |i| word_hashes(texts[i]), p, cross, progress);
    let mut out: Vec<Leak> = report
        .pairs
        .into_iter()
        .map(|pair| Leak {
            train: pair.a,
            test: pair.b - train,
            kind: LeakKind::Near,
            jaccard: pair.jaccard,
        })
        .collect();
    for (i, t) in texts[..train].iter().enumerate() {
        if let Some(&j) = exact.get(&key(t)) {
            match out.iter_mut().find(|l| l.train == i && l.test == j) {
                Some(l) => l.kind = LeakKind::Exact,
                None => out.push(Leak {
                    train: i,
                    test: j,
                    kind: LeakKind::Exact,
                    jaccard: 1.0,
                }),
            }
        }
    }
    out.sort_by_key(|l| (l.train, l.test));
    out
}

/// Word spans of `a` that also occur in `b` as part of a shared shingle: `(text, shared)` segments that
/// concatenate back to `a`, for highlighting what two near duplicates have in common.
pub fn shared_spans(a: &str, b: &str, k: usize) -> Vec<(String, bool)> {
    let k = k.max(1);
    let theirs: rustc_hash::FxHashSet<u64> = shingles(b, k).into_iter().collect();
    // Byte ranges of a's words, in order (the same word rule as word_hashes).
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in a.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, a.len()));
    }
    let hashes = word_hashes(a);
    let mut shared = vec![false; spans.len()];
    if hashes.len() == spans.len() && hashes.len() >= k {
        for (w, window) in hashes.windows(k).enumerate() {
            let g = gram_of(window);
            if theirs.contains(&g) {
                shared[w..w + k].iter_mut().for_each(|s| *s = true);
            }
        }
    }
    // Merge into runs; the gaps between two shared words are shared too.
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut pos = 0;
    let push = |text: &str, on: bool, out: &mut Vec<(String, bool)>| {
        if text.is_empty() {
            return;
        }
        match out.last_mut() {
            Some((t, o)) if *o == on => t.push_str(text),
            _ => out.push((text.to_string(), on)),
        }
    };
    for (w, &(s, e)) in spans.iter().enumerate() {
        let gap_on = w > 0 && shared[w - 1] && shared[w];
        push(&a[pos..s], gap_on, &mut out);
        push(&a[s..e], shared[w], &mut out);
        pos = e;
    }
    push(&a[pos..], false, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(seed: u64, n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                format!(
                    "w{}",
                    super::super::shingle::mix64(seed * 1000 + i as u64) % 50_000
                )
            })
            .collect()
    }

    #[test]
    fn finds_verified_pairs_and_clusters() {
        let a = doc(1, 200);
        let mut b = a.clone();
        b[100] = "changed".into(); // J ≈ 0.95 with 5-grams
        let mut c = a.clone();
        for i in (0..200).step_by(4) {
            c[i] = format!("x{i}"); // every shingle touched: J = 0
        }
        let d = doc(2, 200);
        let texts: Vec<String> = [a, b, c, d].iter().map(|w| w.join(" ")).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let r = near_duplicates(&refs, &NearDupParams::default(), &mut |_| {});
        assert_eq!(r.pairs.len(), 1);
        let p = &r.pairs[0];
        assert_eq!((p.a, p.b), (0, 1));
        assert!(p.jaccard > 0.9 && p.jaccard < 1.0);
        assert!((p.estimated_jaccard - p.jaccard).abs() < 0.15);
        assert_eq!(r.clusters.len(), 1);
        assert_eq!(r.clusters[0].rows, vec![0, 1]);
    }

    #[test]
    fn keep_policies() {
        let groups = vec![vec![2, 5, 7]];
        let lens = [0, 0, 10, 0, 0, 30, 0, 30];
        let first = removals(
            &groups,
            KeepPolicy::First,
            "near duplicate",
            |i| lens[i],
            |_| 1.0,
        );
        assert_eq!(first.iter().map(|r| r.row).collect::<Vec<_>>(), [5, 7]);
        let longest = removals(&groups, KeepPolicy::Longest, "x", |i| lens[i], |_| 1.0);
        assert_eq!(
            longest.iter().map(|r| r.row).collect::<Vec<_>>(),
            [2, 7],
            "ties go to the earliest"
        );
        assert!(longest.iter().all(|r| r.kept == 5));
        let best = removals(
            &groups,
            KeepPolicy::BestScore,
            "x",
            |_| 0,
            |i| if i == 7 { 1.0 } else { 0.5 },
        );
        assert_eq!(best.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 5]);
        assert!(best[0].reason.contains("row 7"));
    }

    #[test]
    fn leakage_only_across_splits() {
        let a = doc(3, 120).join(" ");
        let b = doc(4, 120).join(" ");
        let texts = [
            a.as_str(),
            a.as_str(),      // duplicate inside train: not leakage
            b.as_str(),      // train row 2 …
            "Hello, World!", // train row 3
            b.as_str(),      // … equals test row 0
            "hello world",   // test row 1: exact after normalising
        ];
        let leaks = leakage(&texts, 4, &NearDupParams::default(), &mut |_| {});
        let got: Vec<(usize, usize, LeakKind)> =
            leaks.iter().map(|l| (l.train, l.test, l.kind)).collect();
        assert_eq!(got, [(2, 0, LeakKind::Exact), (3, 1, LeakKind::Exact)]);
    }

    #[test]
    fn shared_spans_cover_the_text() {
        let a = "The quick brown fox jumps over the lazy dog today.";
        let b = "A quick brown fox jumps over the lazy cat.";
        let spans = shared_spans(a, b, 3);
        let joined: String = spans.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(joined, a);
        let shared: String = spans.iter().filter(|s| s.1).map(|s| s.0.as_str()).collect();
        assert_eq!(shared, "quick brown fox jumps over the lazy");
        assert!(shared_spans("x y", "z", 3).iter().all(|s| !s.1));
    }

    #[test]
    fn params_are_checked() {
        assert!(NearDupParams::default().check().is_ok());
        let bad = NearDupParams {
            bands: 20,
            rows: 10,
            ..Default::default()
        };
        assert!(bad.check().unwrap_err().contains("must not exceed"));
    }
}
