//! Archive → `train.csv`, `validation.csv`, `test.csv`, exactly as the reference script writes them, with
//! what a student checks them by: rows, class balance, lengths and each file's SHA-256.
//!
//! The script shuffles twice with the same seed and then cuts at 35,000 and 40,000; pandas' `iloc`
//! clamps, so a smaller archive simply gives shorter (or empty) later splits. The lab does the same — a
//! tiny archive with the default sizes puts everything in train, like the script — and warns about it.
//! The test split takes what follows train and validation, up to its size; rows beyond all three are
//! left out and counted (the script would give them to test, which is the same whenever the sizes add
//! up to the archive, as they do for IMDb's 50,000).

use serde::{Deserialize, Serialize};

use super::csv::write_split;
use super::layout::Review;
use super::shuffle::sample_order;
use crate::core::stats::{summary, Summary};

/// What the student may change; the defaults are the reference script's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitSettings {
    /// `random_state` of both `sample` calls.
    pub seed: u32,
    pub train: usize,
    pub validation: usize,
    pub test: usize,
    /// How many times the frame is shuffled (the script: twice, once on loading, once before splitting).
    pub shuffles: usize,
}

impl Default for SplitSettings {
    fn default() -> Self {
        SplitSettings {
            seed: 123,
            train: 35_000,
            validation: 5_000,
            test: 10_000,
            shuffles: 2,
        }
    }
}

/// The three splits' names, in order.
pub const SPLITS: [&str; 3] = ["train", "validation", "test"];

/// Figures about one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitStats {
    pub name: String,
    pub rows: usize,
    pub positive: usize,
    pub negative: usize,
    /// Review length in characters (Python's `len`).
    pub chars: Summary,
    /// Review length in words (whitespace-separated).
    pub words: Summary,
    /// SHA-256 of the CSV file, lowercase hex.
    pub sha256: String,
    pub bytes: usize,
}

/// The prepared splits: each file's bytes and its figures.
pub struct Prepared {
    pub files: Vec<Vec<u8>>,
    pub stats: Vec<SplitStats>,
    /// Reviews in the archive.
    pub total: usize,
    /// Reviews beyond train + validation + test (not written anywhere).
    pub left_out: usize,
    /// Things the student should know (sizes that do not fit the archive, …).
    pub notes: Vec<String>,
}

/// Lowercase hex SHA-256 (the rank files' checker, used for the split files too).
pub use crate::core::tokenize::ranks::sha256_hex;

/// Row ranges of the three splits in the shuffled order, and rows left out.
pub fn split_ranges(total: usize, s: &SplitSettings) -> ([std::ops::Range<usize>; 3], usize) {
    let t_end = s.train.min(total);
    let v_end = (t_end + s.validation).min(total);
    let e_end = (v_end + s.test).min(total);
    ([0..t_end, t_end..v_end, v_end..e_end], total - e_end)
}

/// Shuffles, splits, writes and measures. `progress` hears 0..=1.
pub fn prepare(reviews: &[Review], s: &SplitSettings, progress: &mut dyn FnMut(f64)) -> Prepared {
    let total = reviews.len();
    let order = sample_order(total, s.seed, s.shuffles);
    let (ranges, left_out) = split_ranges(total, s);
    let mut notes = Vec::new();
    let wanted = s.train + s.validation + s.test;
    if wanted > total {
        notes.push(format!(
            "The archive has {total} reviews but the sizes ask for {wanted}; like the script's iloc, the later splits get what is left{}. Use \"Fit sizes to the archive\" for 70/10/20 %.",
            if ranges[1].is_empty() && ranges[2].is_empty() { " — here nothing" } else { "" }
        ));
    }
    if left_out > 0 {
        notes.push(format!(
            "{left_out} reviews come after the three splits and are left out; the reference script would add them to test."
        ));
    }
    let mut files = Vec::new();
    let mut stats = Vec::new();
    for (k, range) in ranges.iter().enumerate() {
        let rows = &order[range.clone()];
        let hint: usize = rows
            .iter()
            .map(|&i| reviews[i as usize].text.len() + 8)
            .sum();
        let csv = write_split(
            rows.iter().map(|&i| {
                let r = &reviews[i as usize];
                (r.text.as_str(), r.label)
            }),
            hint,
        );
        progress((k as f64 + 0.5) / 3.0);
        let chars: Vec<usize> = rows
            .iter()
            .map(|&i| reviews[i as usize].text.chars().count())
            .collect();
        let words: Vec<usize> = rows
            .iter()
            .map(|&i| reviews[i as usize].text.split_whitespace().count())
            .collect();
        let positive = rows
            .iter()
            .filter(|&&i| reviews[i as usize].label == 1)
            .count();
        stats.push(SplitStats {
            name: SPLITS[k].to_string(),
            rows: rows.len(),
            positive,
            negative: rows.len() - positive,
            chars: summary(&chars),
            words: summary(&words),
            sha256: sha256_hex(&csv),
            bytes: csv.len(),
        });
        files.push(csv);
        progress((k as f64 + 1.0) / 3.0);
    }
    Prepared {
        files,
        stats,
        total,
        left_out,
        notes,
    }
}

/// Sizes in the script's proportions (70/10/20 %) for an archive of `total` reviews.
pub fn fitted_sizes(total: usize) -> (usize, usize, usize) {
    let train = total * 7 / 10;
    let validation = total / 10;
    (train, validation, total - train - validation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reviews(n: usize) -> Vec<Review> {
        (0..n)
            .map(|i| Review {
                text: format!("review {i}"),
                label: (i % 2) as u8,
            })
            .collect()
    }

    #[test]
    fn splits_follow_iloc_and_order() {
        let r = reviews(10);
        let s = SplitSettings {
            train: 6,
            validation: 2,
            test: 2,
            ..SplitSettings::default()
        };
        let p = prepare(&r, &s, &mut |_| {});
        assert_eq!(
            p.stats.iter().map(|s| s.rows).collect::<Vec<_>>(),
            [6, 2, 2]
        );
        let order = sample_order(10, 123, 2);
        let first = &r[order[0] as usize];
        let expected_start = format!("text,label\n{},{}\n", first.text, first.label);
        assert!(String::from_utf8_lossy(&p.files[0]).starts_with(&expected_start));
        assert_eq!(p.stats[0].sha256, sha256_hex(&p.files[0]));
        assert!(p.notes.is_empty());
        // Defaults on a tiny archive: everything in train, like the script.
        let p = prepare(&r, &SplitSettings::default(), &mut |_| {});
        assert_eq!(
            p.stats.iter().map(|s| s.rows).collect::<Vec<_>>(),
            [10, 0, 0]
        );
        assert_eq!(p.files[1], b"text,label\n");
        assert!(p.notes[0].contains("here nothing"));
        assert_eq!(fitted_sizes(200), (140, 20, 40));
    }

    #[test]
    fn hashes_are_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
