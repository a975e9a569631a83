//! Small statistics for token-length distributions (percentiles, a summary line, histograms) and bootstrap
//! intervals for before/after comparisons.
//!
//! The labs show how long records are in tokens (and how that changes when a tokenizer changes). Students
//! check these numbers against what they compute in a notebook, so percentiles follow numpy's default
//! (`method="linear"`) exactly, and histograms use whole-number bins that two distributions can share.

/// The `p`-th percentile (0..=100) of values sorted ascending, interpolated linearly between the two
/// nearest ranks — numpy's default `np.percentile(a, p)` — so the lab's numbers match a notebook's.
///
/// `p` outside 0..=100 is clamped (NaN counts as 0); an empty slice gives 0.0 rather than a NaN, because
/// the result is shown to people, not computed with further.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return 0.0;
    }
    let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 100.0) };
    let rank = p / 100.0 * (n - 1) as f64;
    let lo = (rank.floor() as usize).min(n - 1);
    let hi = (lo + 1).min(n - 1);
    let t = rank - lo as f64;
    lerp(sorted[lo], sorted[hi], t)
}

/// numpy's `_lerp`: computed from the nearer end, so the last digits agree with numpy's.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let d = b - a;
    if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    }
}

/// The figures a lab prints about a distribution of lengths.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// Number of values.
    pub count: usize,
    /// Smallest value (0 when there are none).
    pub min: usize,
    /// Largest value (0 when there are none).
    pub max: usize,
    /// Arithmetic mean (0.0 when there are none).
    pub mean: f64,
    /// Median, numpy-style (see [`percentile`]).
    pub p50: f64,
    /// 90th percentile: what most records stay under.
    pub p90: f64,
    /// 99th percentile: the long tail that decides context-window limits.
    pub p99: f64,
}

/// Summarises a distribution of lengths (e.g. tokens per record). An empty slice gives all zeros, so a
/// lab can show a summary before any data is loaded.
pub fn summary(values: &[usize]) -> Summary {
    if values.is_empty() {
        return Summary::default();
    }
    let mut sorted: Vec<f64> = values.iter().map(|&v| v as f64).collect();
    sorted.sort_by(f64::total_cmp);
    let sum: f64 = values.iter().map(|&v| v as f64).sum();
    Summary {
        count: values.len(),
        min: values.iter().copied().min().unwrap_or(0),
        max: values.iter().copied().max().unwrap_or(0),
        mean: sum / values.len() as f64,
        p50: percentile(&sorted, 50.0),
        p90: percentile(&sorted, 90.0),
        p99: percentile(&sorted, 99.0),
    }
}

/// One histogram bar: how many values fall in `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bin {
    /// First value counted (inclusive).
    pub start: usize,
    /// First value not counted (exclusive).
    pub end: usize,
    /// Number of values in the bin.
    pub count: usize,
}

/// Counts values into equal-width whole-number bins covering `0..=max`.
///
/// Lengths are whole numbers, so bins are too: the width is `ceil((max + 1) / bins)` and there are as many
/// bins as that width needs to reach `max` — at most `bins`, fewer when the range is small (a range of 5
/// values never gets 10 bins). `max` defaults to the largest value; passing the same `max` and `bins` for
/// two distributions (before/after a tokenizer change) gives them identical bins, so their bars line up.
/// Values above an explicit `max` are counted in the last bin, so the counts always add up to
/// `values.len()`. `bins == 0` is treated as 1. With no values and no `max` there is nothing to show and
/// the result is empty.
pub fn histogram(values: &[usize], bins: usize, max: Option<usize>) -> Vec<Bin> {
    let max = match max {
        Some(m) => m,
        None => match values.iter().copied().max() {
            Some(m) => m,
            None => return Vec::new(),
        },
    };
    let span = max.saturating_add(1);
    let width = span.div_ceil(bins.max(1)).max(1);
    let n = span.div_ceil(width);
    let mut out: Vec<Bin> = (0..n)
        .map(|i| Bin {
            start: i * width,
            end: (i + 1).saturating_mul(width),
            count: 0,
        })
        .collect();
    for &v in values {
        let i = (v.min(max) / width).min(n - 1);
        out[i].count += 1;
    }
    out
}

/// A bootstrap confidence interval for a mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The mean of the values themselves.
    pub mean: f64,
    /// 2.5th percentile of the resampled means.
    pub low: f64,
    /// 97.5th percentile of the resampled means.
    pub high: f64,
    /// How many resamples the interval is based on.
    pub resamples: usize,
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, well-mixed generator whose whole state is one `u64`.
/// It is here so the bootstrap is reproducible from a seed on every platform without a random crate —
/// the same seed gives the same interval in the browser, in a native test and in a student's report.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform index in `0..n` by multiply-shift (Lemire): its bias, at most n / 2^64, is far below
    /// anything a bootstrap can see.
    fn below(&mut self, n: usize) -> usize {
        ((self.next() as u128 * n as u128) >> 64) as usize
    }
}

/// A 95% percentile-bootstrap interval for the mean of `values` (e.g. the paired score deltas "after −
/// before" of a refinement): draw `values.len()` values with replacement `resamples` times, take each
/// draw's mean, and report the 2.5th and 97.5th percentiles of those means (numpy-style, see
/// [`percentile`]).
///
/// Why a bootstrap: judge scores are small whole numbers on a few dozen rows, far from the normal
/// distribution a t-interval assumes, and the bootstrap needs no such assumption. An interval that
/// contains 0 means the data do not show that the refinement helped. Deterministic per `seed`
/// (see `SplitMix64`). `None` when there are no values, no resamples, or a value is not finite.
pub fn bootstrap_mean_ci(values: &[f64], resamples: usize, seed: u64) -> Option<Interval> {
    if values.is_empty() || resamples == 0 || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let n = values.len();
    let mean_of = |sum: f64| sum / n as f64;
    let mut rng = SplitMix64(seed);
    let mut means: Vec<f64> = (0..resamples)
        .map(|_| mean_of((0..n).map(|_| values[rng.below(n)]).sum()))
        .collect();
    means.sort_by(f64::total_cmp);
    Some(Interval {
        mean: mean_of(values.iter().sum()),
        low: percentile(&means, 2.5),
        high: percentile(&means, 97.5),
        resamples,
    })
}

/// A 95% percentile-bootstrap interval for mean(`a`) − mean(`b`) of two independent samples (each
/// resampled on its own): for the rubric scores of two arms, which judge different rows. `mean` is the
/// observed difference. Deterministic per `seed`; `None` when either side is empty or not finite.
pub fn bootstrap_diff_ci(a: &[f64], b: &[f64], resamples: usize, seed: u64) -> Option<Interval> {
    if a.is_empty() || b.is_empty() || resamples == 0 {
        return None;
    }
    if a.iter().chain(b).any(|v| !v.is_finite()) {
        return None;
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let mut rng = SplitMix64(seed);
    let mut draw =
        |v: &[f64]| (0..v.len()).map(|_| v[rng.below(v.len())]).sum::<f64>() / v.len() as f64;
    let mut diffs: Vec<f64> = (0..resamples).map(|_| draw(a) - draw(b)).collect();
    diffs.sort_by(f64::total_cmp);
    Some(Interval {
        mean: mean(a) - mean(b),
        low: percentile(&diffs, 2.5),
        high: percentile(&diffs, 97.5),
        resamples,
    })
}

/// A paired bootstrap of the difference between two arms on the same evaluation rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedDelta {
    /// The difference itself: Σ diff / Σ weight over all rows.
    pub delta: f64,
    /// 2.5th and 97.5th percentiles of the resampled differences.
    pub low: f64,
    pub high: f64,
    /// Two-sided bootstrap p-value: how often a resampled difference lies at least |delta| away from
    /// delta, i.e. how often chance alone moves the estimate as far as it is from zero.
    pub p_value: f64,
    /// Standard deviation of the resampled differences (the standard error).
    pub se: f64,
    /// The smallest difference this evaluation set detects with 80% power at the 5% level, about
    /// (1.96 + 0.84) × se: smaller true differences will usually come out inconclusive.
    pub detectable: f64,
    pub resamples: usize,
}

/// The row indices a bootstrap draws: `resamples` draws of `n` indices with replacement from SplitMix64
/// seeded with `seed`, one after another — exactly what [`paired_ratio_bootstrap`] uses, exposed so an
/// independent implementation (the numpy reference) can be fed the same resamples.
pub fn bootstrap_indices(n: usize, resamples: usize, seed: u64) -> impl Iterator<Item = usize> {
    let mut rng = SplitMix64(seed);
    (0..n * resamples).map(move |_| rng.below(n))
}

/// A paired bootstrap (as sacrebleu's for BLEU) of `Σ diff / Σ weight`: per evaluation row, `diff` is
/// arm − rung (bits) and `weight` its bytes, so the statistic is the difference in bits per byte.
/// Resampling whole rows keeps each row's two scores together: rows that are hard for both arms do not
/// widen the interval, which is why pairing finds differences an unpaired comparison cannot.
/// Deterministic per `seed`. `None` without rows, with fewer than 1 resample, a non-finite value or no
/// weight at all.
pub fn paired_ratio_bootstrap(
    diff: &[f64],
    weight: &[f64],
    resamples: usize,
    seed: u64,
) -> Option<PairedDelta> {
    let n = diff.len();
    if n == 0 || n != weight.len() || resamples == 0 {
        return None;
    }
    if diff.iter().chain(weight).any(|v| !v.is_finite()) || weight.iter().sum::<f64>() <= 0.0 {
        return None;
    }
    let delta = diff.iter().sum::<f64>() / weight.iter().sum::<f64>();
    let mut draws = bootstrap_indices(n, resamples, seed);
    let mut stats: Vec<f64> = (0..resamples)
        .map(|_| {
            let (mut d, mut w) = (0.0, 0.0);
            for i in draws.by_ref().take(n) {
                d += diff[i];
                w += weight[i];
            }
            if w > 0.0 {
                d / w
            } else {
                0.0
            }
        })
        .collect();
    let mean = stats.iter().sum::<f64>() / resamples as f64;
    let se = if resamples > 1 {
        (stats.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (resamples - 1) as f64).sqrt()
    } else {
        0.0
    };
    let far = stats
        .iter()
        .filter(|s| (*s - delta).abs() >= delta.abs())
        .count();
    stats.sort_by(f64::total_cmp);
    Some(PairedDelta {
        delta,
        low: percentile(&stats, 2.5),
        high: percentile(&stats, 97.5),
        p_value: (far as f64 + 1.0) / (resamples as f64 + 1.0),
        se,
        detectable: (1.96 + 0.84) * se,
        resamples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn percentile_matches_numpy() {
        let a = [1.0, 2.0, 3.0, 4.0];
        // np.percentile([1, 2, 3, 4], [0, 25, 50, 90, 99, 100])
        assert_eq!(percentile(&a, 0.0), 1.0);
        assert!(close(percentile(&a, 25.0), 1.75));
        assert_eq!(percentile(&a, 50.0), 2.5);
        assert!(close(percentile(&a, 90.0), 3.7));
        assert!(close(percentile(&a, 99.0), 3.97));
        assert_eq!(percentile(&a, 100.0), 4.0);
        // np.percentile([7], 33) == 7; np.percentile([10, 20], 10) == 11
        assert_eq!(percentile(&[7.0], 33.0), 7.0);
        assert!(close(percentile(&[10.0, 20.0], 10.0), 11.0));
        // np.percentile([1, 3, 3, 8, 20], 75) == 8.0; at 30 == 3.0; at 95 == 17.6
        let b = [1.0, 3.0, 3.0, 8.0, 20.0];
        assert_eq!(percentile(&b, 75.0), 8.0);
        assert_eq!(percentile(&b, 30.0), 3.0);
        assert!(close(percentile(&b, 95.0), 17.6));
    }

    #[test]
    fn percentile_edges() {
        assert_eq!(percentile(&[], 50.0), 0.0);
        let a = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&a, -5.0), 1.0);
        assert_eq!(percentile(&a, 250.0), 4.0);
        assert_eq!(percentile(&a, f64::NAN), 1.0);
    }

    #[test]
    fn summary_of_lengths() {
        // np.mean / np.percentile of [4, 1, 3, 2] (unsorted on purpose).
        let s = summary(&[4, 1, 3, 2]);
        assert_eq!((s.count, s.min, s.max), (4, 1, 4));
        assert_eq!(s.mean, 2.5);
        assert_eq!(s.p50, 2.5);
        assert!(close(s.p90, 3.7));
        assert!(close(s.p99, 3.97));
        // np.percentile(range(1, 101), [50, 90, 99]) == [50.5, 90.1, 99.01]
        let v: Vec<usize> = (1..=100).collect();
        let s = summary(&v);
        assert!(close(s.p50, 50.5));
        assert!(close(s.p90, 90.1));
        assert!(close(s.p99, 99.01));
        assert_eq!(s.mean, 50.5);
        assert_eq!(summary(&[]), Summary::default());
    }

    #[test]
    fn histogram_bins_cover_zero_to_max() {
        // 0..=10 is 11 values; 4 bins of width 3.
        let h = histogram(&[0, 1, 2, 3, 9, 10, 10], 4, None);
        let spans: Vec<(usize, usize, usize)> =
            h.iter().map(|b| (b.start, b.end, b.count)).collect();
        assert_eq!(spans, [(0, 3, 3), (3, 6, 1), (6, 9, 0), (9, 12, 3)]);
        // A small range gets fewer bins than asked for, one value each.
        let h = histogram(&[0, 2, 2, 4], 10, None);
        assert_eq!(h.len(), 5);
        assert!(h.iter().all(|b| b.end - b.start == 1));
        assert_eq!(
            h.iter().map(|b| b.count).collect::<Vec<_>>(),
            [1, 0, 2, 0, 1]
        );
    }

    #[test]
    fn histogram_shared_max_lines_up() {
        let before = histogram(&[10, 20, 95], 10, Some(99));
        let after = histogram(&[5, 7, 50], 10, Some(99));
        assert_eq!(before.len(), 10);
        assert!(before
            .iter()
            .zip(&after)
            .all(|(a, b)| (a.start, a.end) == (b.start, b.end)));
        assert_eq!(before[9].count, 1);
        assert_eq!(after[0].count, 2);
        // Values above an explicit max go in the last bin; totals are kept.
        let h = histogram(&[1, 500], 2, Some(9));
        assert_eq!(h.iter().map(|b| b.count).collect::<Vec<_>>(), [1, 1]);
    }

    #[test]
    fn histogram_edges() {
        assert!(histogram(&[], 5, None).is_empty());
        let h = histogram(&[], 5, Some(9));
        assert_eq!(h.len(), 5);
        assert!(h.iter().all(|b| b.count == 0));
        let h = histogram(&[3, 3], 0, None);
        assert_eq!(
            h,
            [Bin {
                start: 0,
                end: 4,
                count: 2
            }]
        );
        let h = histogram(&[0], 3, None);
        assert_eq!(
            h,
            [Bin {
                start: 0,
                end: 1,
                count: 1
            }]
        );
    }

    #[test]
    fn splitmix_matches_reference() {
        // First outputs of SplitMix64 seeded with 1234567 (Vigna's reference splitmix64.c).
        let mut rng = SplitMix64(1234567);
        assert_eq!(rng.next(), 6457827717110365317);
        assert_eq!(rng.next(), 3203168211198807973);
    }

    #[test]
    fn bootstrap_of_constant_values_has_zero_width() {
        let ci = bootstrap_mean_ci(&[0.1; 17], 500, 1).unwrap();
        assert_eq!(ci.low, ci.high);
        assert_eq!(ci.low, ci.mean);
        assert_eq!(ci.resamples, 500);
    }

    #[test]
    fn bootstrap_interval_contains_the_mean() {
        let deltas = [1.0, 0.0, 2.0, -1.0, 1.0, 1.0, 0.0, 3.0, 1.0, -0.5, 0.5, 2.0];
        let ci = bootstrap_mean_ci(&deltas, 2000, 123).unwrap();
        let mean = deltas.iter().sum::<f64>() / deltas.len() as f64;
        assert!(close(ci.mean, mean));
        assert!(ci.low < mean && mean < ci.high, "{ci:?}");
        // Within the range of the data, and narrower than it.
        assert!(ci.low > -1.0 && ci.high < 3.0);
    }

    #[test]
    fn bootstrap_is_deterministic_per_seed() {
        let v = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let a = bootstrap_mean_ci(&v, 1000, 7).unwrap();
        assert_eq!(a, bootstrap_mean_ci(&v, 1000, 7).unwrap());
        assert_ne!(a, bootstrap_mean_ci(&v, 1000, 8).unwrap());
    }

    #[test]
    fn bootstrap_edges() {
        assert_eq!(bootstrap_mean_ci(&[], 1000, 1), None);
        assert_eq!(bootstrap_mean_ci(&[1.0], 0, 1), None);
        assert_eq!(bootstrap_mean_ci(&[1.0, f64::NAN], 10, 1), None);
        let one = bootstrap_mean_ci(&[2.5], 10, 1).unwrap();
        assert_eq!((one.mean, one.low, one.high), (2.5, 2.5, 2.5));
    }

    #[test]
    fn paired_bootstrap_of_identical_arms_is_zero() {
        let d = [0.0; 40];
        let w = [100.0; 40];
        let r = paired_ratio_bootstrap(&d, &w, 1000, 1).unwrap();
        assert_eq!((r.delta, r.low, r.high, r.se), (0.0, 0.0, 0.0, 0.0));
        assert_eq!(r.p_value, 1.0, "no evidence of any difference");
    }

    #[test]
    fn paired_bootstrap_finds_a_consistent_difference() {
        // Every row 5 bits better on 100 bytes, with a little noise: Δ ≈ −0.05 bits/byte.
        let d: Vec<f64> = (0..200).map(|i| -5.0 + (i % 7) as f64 * 0.3).collect();
        let w: Vec<f64> = (0..200).map(|i| 80.0 + (i % 5) as f64 * 10.0).collect();
        let r = paired_ratio_bootstrap(&d, &w, 2000, 9).unwrap();
        let exact = d.iter().sum::<f64>() / w.iter().sum::<f64>();
        assert!((r.delta - exact).abs() < 1e-15);
        assert!(r.low < r.delta && r.delta < r.high && r.high < 0.0, "{r:?}");
        assert!(r.p_value < 0.001, "{r:?}");
        assert!(r.detectable > 0.0 && r.detectable < 0.01, "{r:?}");
        assert_eq!(r, paired_ratio_bootstrap(&d, &w, 2000, 9).unwrap());
        assert_eq!(bootstrap_indices(200, 2000, 9).count(), 400_000);
        assert_eq!(paired_ratio_bootstrap(&d, &w[1..], 10, 1), None);
        assert_eq!(paired_ratio_bootstrap(&[], &[], 10, 1), None);
    }

    #[test]
    fn unpaired_difference_interval() {
        let a = [4.0, 5.0, 4.0, 5.0, 4.0, 5.0];
        let b = [2.0, 3.0, 2.0, 3.0, 2.0, 3.0];
        let ci = bootstrap_diff_ci(&a, &b, 2000, 5).unwrap();
        assert_eq!(ci.mean, 2.0);
        assert!(
            ci.low > 1.0 && ci.high < 3.0 && ci.low <= 2.0 && 2.0 <= ci.high,
            "{ci:?}"
        );
        let same = bootstrap_diff_ci(&[3.0; 5], &[3.0; 8], 100, 1).unwrap();
        assert_eq!((same.low, same.high), (0.0, 0.0));
        assert_eq!(bootstrap_diff_ci(&[], &a, 10, 1), None);
    }
}
