//! MinHash signatures and LSH banding for near-duplicate detection.
//!
//! A signature keeps, for each of `num_perm` hash functions, the minimum hash over a document's shingles;
//! two documents agree at one position with probability equal to their Jaccard similarity, so the share
//! of equal positions estimates it (standard error √(J(1−J)/num_perm)). LSH cuts the signature into `bands`
//! of `rows` values: two documents become candidates when any band is identical, which happens with
//! probability 1 − (1 − s^rows)^bands — an S-curve whose steepest part is placed at the chosen threshold.
//! Candidates are then verified (estimated, and exact when shingles are at hand) before they are reported.
//!
//! Signatures are made by one-permutation hashing with optimal densification (Shrivastava 2017) rather
//! than `num_perm` separate hash functions: each shingle is hashed once, its high bits pick one of
//! `num_perm` bins and its low bits compete for that bin's minimum; a bin no shingle fell into borrows the
//! value of a donor bin chosen by a fixed hash sequence of (bin, attempt), the same for every document. The
//! estimate has the variance of classic MinHash with `num_perm` permutations (that is the point of the
//! densification), at one hash per shingle instead of `num_perm` — what makes 50k documents fast in the
//! browser.

use rustc_hash::FxHashMap;

use super::shingle::mix64;

/// A MinHash of `num_perm` bins, from a seed (same seed, same signatures).
#[derive(Debug, Clone)]
pub struct MinHasher {
    bins: usize,
    seed: u64,
}

impl MinHasher {
    pub fn new(num_perm: usize, seed: u64) -> Self {
        MinHasher {
            bins: num_perm.max(1),
            seed: mix64(seed ^ 0x5eed),
        }
    }

    pub fn num_perm(&self) -> usize {
        self.bins
    }

    /// The signature of a shingle set (all `u32::MAX` for an empty set).
    pub fn signature(&self, shingles: &[u64]) -> Vec<u32> {
        let k = self.bins;
        let mut sig = vec![u32::MAX; k];
        let mut filled = vec![false; k];
        let mut any = false;
        for &x in shingles {
            let h = mix64(x ^ self.seed);
            let bin = (((h >> 32) * k as u64) >> 32) as usize;
            let v = h as u32;
            if !filled[bin] || v < sig[bin] {
                sig[bin] = v;
                filled[bin] = true;
                any = true;
            }
        }
        if !any {
            return sig;
        }
        for i in 0..k {
            if filled[i] {
                continue;
            }
            let mut attempt = 1u64;
            loop {
                let j = (mix64(self.seed ^ ((i as u64) << 32) ^ attempt) % k as u64) as usize;
                if filled[j] {
                    sig[i] = sig[j];
                    break;
                }
                attempt += 1;
            }
        }
        sig
    }
}

/// The Jaccard similarity two signatures estimate: the share of equal positions.
pub fn estimate(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() {
        return 0.0;
    }
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len() as f64
}

/// Probability that two documents of Jaccard similarity `s` share at least one of `bands` bands of
/// `rows` rows: 1 − (1 − s^rows)^bands.
pub fn candidate_probability(s: f64, rows: usize, bands: usize) -> f64 {
    1.0 - (1.0 - s.powi(rows as i32)).powi(bands as i32)
}

/// The bands × rows (bands·rows ≤ `num_perm`) that minimise the equally weighted false-positive area
/// (below `threshold`) plus false-negative area (above it) of the S-curve — datasketch's rule, so the
/// same threshold gives the same banding.
pub fn optimal_bands(threshold: f64, num_perm: usize) -> (usize, usize) {
    let area = |from: f64, to: f64, f: &dyn Fn(f64) -> f64| {
        // Simpson's rule; the integrands are smooth polynomials.
        let n = 200;
        let h = (to - from) / n as f64;
        let mut sum = f(from) + f(to);
        for i in 1..n {
            let x = from + i as f64 * h;
            sum += if i % 2 == 1 { 4.0 } else { 2.0 } * f(x);
        }
        sum * h / 3.0
    };
    let mut best = (f64::MAX, (1, num_perm.max(1)));
    for bands in 1..=num_perm.max(1) {
        for rows in 1..=num_perm / bands {
            let fp = area(0.0, threshold, &|s| candidate_probability(s, rows, bands));
            let fneg = area(threshold, 1.0, &|s| {
                1.0 - candidate_probability(s, rows, bands)
            });
            let err = 0.5 * fp + 0.5 * fneg;
            if err < best.0 {
                best = (err, (bands, rows));
            }
        }
    }
    best.1
}

/// Largest LSH bucket expanded into all its pairs; bigger buckets (mass exact duplicates) are linked to
/// their first member only, which keeps clusters whole without a quadratic blow-up.
const MAX_BUCKET_PAIRS: usize = 1000;

/// Candidate pairs `(i, j)`, `i < j`, sorted and distinct: documents identical in at least one band.
pub fn candidates(signatures: &[Vec<u32>], bands: usize, rows: usize) -> Vec<(u32, u32)> {
    let mut pairs = Vec::new();
    let mut keyed: Vec<(u64, u32)> = Vec::with_capacity(signatures.len());
    for band in 0..bands {
        // Sorting (band hash, doc) puts each bucket in one run: cheaper than a map of vectors.
        keyed.clear();
        for (doc, sig) in signatures.iter().enumerate() {
            let Some(part) = sig.get(band * rows..(band + 1) * rows) else {
                continue;
            };
            if part.iter().all(|&v| v == u32::MAX) {
                continue; // an empty document is nobody's near duplicate
            }
            let key = part.iter().fold(band as u64, |h, &v| mix64(h ^ v as u64));
            keyed.push((key, doc as u32));
        }
        keyed.sort_unstable();
        for run in keyed.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
            if run.len() <= MAX_BUCKET_PAIRS {
                for (k, &(_, i)) in run.iter().enumerate() {
                    for &(_, j) in &run[k + 1..] {
                        pairs.push((i, j));
                    }
                }
            } else {
                pairs.extend(run[1..].iter().map(|&(_, j)| (run[0].1, j)));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Groups of documents joined by `pairs` (union–find), each sorted, groups ordered by first member;
/// only groups of two or more.
pub fn clusters(n: usize, pairs: &[(u32, u32)]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for &(a, b) in pairs {
        let (ra, rb) = (find(&mut parent, a as usize), find(&mut parent, b as usize));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut groups: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    for i in 0..n {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
    out.sort_unstable_by_key(|g| g[0]);
    out
}

#[cfg(test)]
mod tests {
    use super::super::shingle::{jaccard, shingles};
    use super::*;

    /// Two sets with exactly `both` shared and `union` total elements: Jaccard = both / union.
    fn pair(both: usize, union: usize, seed: u64) -> (Vec<u64>, Vec<u64>) {
        let xs: Vec<u64> = (0..union as u64)
            .map(|i| mix64(seed * 1_000_003 + i))
            .collect();
        let only = union - both;
        let (a_only, b_only) = xs[both..].split_at(only / 2);
        let mut a: Vec<u64> = xs[..both].iter().chain(a_only).copied().collect();
        let mut b: Vec<u64> = xs[..both].iter().chain(b_only).copied().collect();
        a.sort_unstable();
        b.sort_unstable();
        (a, b)
    }

    #[test]
    fn the_estimate_tracks_the_true_jaccard() {
        // Property: over many constructed pairs at known Jaccard values, the estimate stays within four
        // standard errors, and the mean absolute error is about the expected √(2/π)·σ.
        let hasher = MinHasher::new(128, 42);
        let mut sum_err = 0.0;
        let mut sum_sigma = 0.0;
        let mut n = 0;
        for seed in 0..40u64 {
            for &(both, union) in &[
                (0, 200),
                (50, 200),
                (100, 200),
                (160, 200),
                (190, 200),
                (300, 300),
            ] {
                let (a, b) = pair(both, union, seed);
                let j = jaccard(&a, &b);
                assert!((j - both as f64 / union as f64).abs() < 1e-12);
                let est = estimate(&hasher.signature(&a), &hasher.signature(&b));
                let sigma = (j * (1.0 - j) / 128.0).sqrt();
                assert!(
                    (est - j).abs() <= 4.0 * sigma + 1e-9,
                    "J={j} est={est} seed={seed}"
                );
                sum_err += (est - j).abs();
                sum_sigma += sigma;
                n += 1;
            }
        }
        let (mean_err, mean_sigma) = (sum_err / n as f64, sum_sigma / n as f64);
        assert!(
            mean_err <= 1.0 * mean_sigma,
            "mean error {mean_err:.4} vs mean σ {mean_sigma:.4} (expected ≈ 0.8σ)"
        );
    }

    #[test]
    fn s_curve_and_banding() {
        assert!((candidate_probability(1.0, 5, 20) - 1.0).abs() < 1e-12);
        assert_eq!(candidate_probability(0.0, 5, 20), 0.0);
        let p = candidate_probability(0.8, 5, 20);
        assert!((p - (1.0 - (1.0 - 0.8f64.powi(5)).powi(20))).abs() < 1e-12);
        let (b, r) = optimal_bands(0.8, 128);
        assert!(b * r <= 128);
        // The steep part sits near the threshold: likely above it, unlikely well below.
        assert!(candidate_probability(0.9, r, b) > 0.9, "b={b} r={r}");
        assert!(candidate_probability(0.5, r, b) < 0.1, "b={b} r={r}");
        // datasketch 1.x (MinHashLSH(threshold, num_perm).b, .r) chooses the same.
        assert_eq!((b, r), (9, 13));
        assert_eq!(optimal_bands(0.7, 128), (14, 9));
        assert_eq!(optimal_bands(0.5, 64), (14, 4));
    }

    #[test]
    fn lsh_finds_near_duplicates_and_clusters_them() {
        let base = "the tokenizer splits text into pieces and merges frequent byte pairs until the vocabulary is full so common words become single tokens \
                    while rare words stay split into several pieces which is why domain terms cost more tokens than everyday words and why \
                    extending the vocabulary with measured care can shorten sequences for a specialised corpus without hurting general text";
        let docs = [
            base.to_string(),
            base.replace("full", "complete"), // one word changed
            "an entirely different sentence about training data quality and review".to_string(),
            base.to_string(), // exact copy
            String::new(),
        ];
        let hasher = MinHasher::new(128, 7);
        let sh: Vec<Vec<u64>> = docs.iter().map(|d| shingles(d, 3)).collect();
        let sigs: Vec<Vec<u32>> = sh.iter().map(|s| hasher.signature(s)).collect();
        let (b, r) = optimal_bands(0.7, 128);
        let cands = candidates(&sigs, b, r);
        assert!(cands.contains(&(0, 3)));
        assert!(cands.contains(&(0, 1)), "J = {}", jaccard(&sh[0], &sh[1]));
        assert!(!cands
            .iter()
            .any(|&(i, j)| i == 2 || j == 2 || i == 4 || j == 4));
        assert_eq!(clusters(docs.len(), &cands), vec![vec![0, 1, 3]]);
    }
}

#[cfg(test)]
mod timing {
    use super::super::shingle::shingle_bag;
    use super::*;

    /// `cargo test --release --lib minhash_50k -- --ignored --nocapture`: native time of shingling,
    /// signing and banding 50k documents of ~1.5 KB.
    #[test]
    #[ignore]
    fn minhash_50k() {
        let words: Vec<String> = (0..5000)
            .map(|i| format!("w{}", mix64(i) % 100_000))
            .collect();
        let docs: Vec<String> = (0..50_000u64)
            .map(|d| {
                (0..250)
                    .map(|k| words[(mix64(d * 977 + k) % 5000) as usize].as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let t = std::time::Instant::now();
        let hasher = MinHasher::new(128, 1);
        let sigs: Vec<Vec<u32>> = docs
            .iter()
            .map(|d| hasher.signature(&shingle_bag(d, 5)))
            .collect();
        let signed = t.elapsed();
        let (b, r) = optimal_bands(0.8, 128);
        let c = candidates(&sigs, b, r);
        eprintln!(
            "{} docs: signatures {:?}, banding {:?}, {} candidates, {:.0} docs/s",
            docs.len(),
            signed,
            t.elapsed() - signed,
            c.len(),
            docs.len() as f64 / t.elapsed().as_secs_f64()
        );
    }
}
