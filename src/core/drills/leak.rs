//! The duplicate-leakage drill: evaluation rows copied into training — some exactly, some lightly edited —
//! which a proxy model then "remembers", so its evaluation score improves for the wrong reason (the GSM1k
//! contamination study; the IMDb mirror whose train and test splits were the same 25,000 reviews).
//!
//! Everything is seeded: the split of a version into training and evaluation rows, which evaluation rows
//! leak, how each copy is edited and where it lands. [`score`] then says which planted copies a duplicate
//! check found and, for each one it missed, why: the copy's word-shingle Jaccard with its source was
//! below the threshold.

use serde::{Deserialize, Serialize};

use crate::core::dataset::record::{Provenance, Record};
use crate::core::imdb::shuffle::{permutation, Mt19937};
use crate::core::quality::dedup::{row_text, Leak, LeakKind, NearDupParams};
use crate::core::quality::exact::normalise;
use crate::core::quality::shingle::{jaccard, shingles};

/// What the drill plants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakPlan {
    pub seed: u64,
    /// Share of the source version held out as the evaluation set.
    pub eval_share: f64,
    /// Percent of the evaluation rows copied into training.
    pub percent: f64,
    /// Share of the copies that are lightly edited rather than exact.
    pub edited_share: f64,
}

impl Default for LeakPlan {
    fn default() -> Self {
        LeakPlan {
            seed: 25,
            eval_share: 0.2,
            percent: 20.0,
            edited_share: 0.5,
        }
    }
}

impl LeakPlan {
    /// What is wrong with the plan, named by field.
    pub fn check(&self) -> Result<(), String> {
        if !(0.05..=0.5).contains(&self.eval_share) {
            return Err("Evaluation share: choose between 5% and 50% of the rows.".into());
        }
        if !(1.0..=100.0).contains(&self.percent) {
            return Err("Leaked share: choose between 1% and 100% of the evaluation rows.".into());
        }
        if !(0.0..=1.0).contains(&self.edited_share) {
            return Err("Edited copies: choose between 0% and 100%.".into());
        }
        Ok(())
    }
}

/// The seeded split: row indices of the training and the evaluation part (each ascending).
pub fn split(n: usize, eval_share: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let order = permutation(n, seed as u32);
    let k =
        ((n as f64 * eval_share).round() as usize).clamp(usize::from(n > 1), n.saturating_sub(1));
    let mut eval: Vec<usize> = order[..k].iter().map(|&i| i as usize).collect();
    let mut train: Vec<usize> = order[k..].iter().map(|&i| i as usize).collect();
    eval.sort_unstable();
    train.sort_unstable();
    (train, eval)
}

/// How a planted copy differs from its evaluation row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Edit {
    /// Copied unchanged.
    Exact,
    /// Lower-cased, trailing punctuation dropped: equal once normalised.
    CaseAndPunctuation,
    /// One word of the response left out.
    WordDropped,
    /// Two neighbouring words of the response swapped.
    WordsSwapped,
    /// A short sentence appended to the response.
    SentenceAppended,
}

impl Edit {
    pub fn describe(self) -> &'static str {
        match self {
            Edit::Exact => "exact copy",
            Edit::CaseAndPunctuation => "lower-cased, final punctuation dropped",
            Edit::WordDropped => "one word of the response left out",
            Edit::WordsSwapped => "two neighbouring words of the response swapped",
            Edit::SentenceAppended => "a sentence appended to the response",
        }
    }
}

/// One planted copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Planted {
    /// Index of the copied row in the evaluation set.
    pub eval_row: usize,
    /// Index of the copy in the leaky training version.
    pub train_row: usize,
    pub edit: Edit,
}

const EDITS: [Edit; 4] = [
    Edit::CaseAndPunctuation,
    Edit::WordDropped,
    Edit::WordsSwapped,
    Edit::SentenceAppended,
];

fn apply(edit: Edit, r: &Record, rng: &mut Mt19937) -> Record {
    let mut out = r.clone();
    let words: Vec<&str> = r.output.split(' ').collect();
    match edit {
        Edit::Exact => {}
        Edit::CaseAndPunctuation => {
            out.instruction = r
                .instruction
                .to_lowercase()
                .trim_end_matches(['.', '?', '!'])
                .to_string();
            out.output = r.output.trim_end_matches(['.', '?', '!']).to_string();
        }
        Edit::WordDropped if words.len() > 1 => {
            let i = rng.interval(words.len() as u64 - 1) as usize;
            let mut w = words.clone();
            w.remove(i);
            out.output = w.join(" ");
        }
        Edit::WordsSwapped if words.len() > 1 => {
            let i = rng.interval(words.len() as u64 - 2) as usize;
            let mut w = words.clone();
            w.swap(i, i + 1);
            out.output = w.join(" ");
        }
        // One-word responses: an appended sentence is the only edit that changes them.
        Edit::WordDropped | Edit::WordsSwapped | Edit::SentenceAppended => {
            out.output = format!("{} I hope this helps.", r.output);
        }
    }
    out
}

/// The edit a copy actually got (a one-word response cannot lose or swap a word).
fn effective(edit: Edit, r: &Record) -> Edit {
    match edit {
        Edit::WordDropped | Edit::WordsSwapped if r.output.split(' ').count() < 2 => {
            Edit::SentenceAppended
        }
        e => e,
    }
}

/// The leaky training rows: `train` with copies of `plan.percent`% of `eval` inserted at seeded places,
/// and the answer key. Each copy's provenance says what it is, as every transform of this lab does.
pub fn plant(train: &[Record], eval: &[Record], plan: &LeakPlan) -> (Vec<Record>, Vec<Planted>) {
    let mut rng = Mt19937::new(plan.seed as u32 ^ 0x5eed);
    let k =
        ((eval.len() as f64 * plan.percent / 100.0).round() as usize).clamp(1, eval.len().max(1));
    let chosen: Vec<usize> = if eval.is_empty() {
        Vec::new()
    } else {
        let mut c: Vec<usize> = permutation(eval.len(), plan.seed as u32 ^ 0x1eaf)[..k]
            .iter()
            .map(|&i| i as usize)
            .collect();
        c.sort_unstable();
        c
    };
    let edited = (chosen.len() as f64 * plan.edited_share).round() as usize;
    // Which of the chosen copies are edited: a seeded choice, not the first ones.
    let order = permutation(chosen.len(), plan.seed as u32 ^ 0xed17);
    let mut edit_of = vec![Edit::Exact; chosen.len()];
    for (n, &i) in order.iter().take(edited).enumerate() {
        edit_of[i as usize] = EDITS[n % EDITS.len()];
    }
    let mut copies: Vec<(usize, Record, Edit)> = Vec::with_capacity(chosen.len());
    for (c, &j) in chosen.iter().enumerate() {
        let edit = effective(edit_of[c], &eval[j]);
        let mut r = apply(edit, &eval[j], &mut rng);
        r.provenance = Provenance::generated(
            "drill-leak",
            Some(format!("copy of evaluation row #{j}: {}", edit.describe())),
        );
        copies.push((j, r, edit));
    }
    // Insert each copy before a seeded training row, keeping the training rows in order.
    let mut slots: Vec<(usize, usize)> = copies
        .iter()
        .enumerate()
        .map(|(c, _)| (rng.interval(train.len() as u64) as usize, c))
        .collect();
    slots.sort_unstable();
    let mut out = Vec::with_capacity(train.len() + copies.len());
    let mut planted = Vec::with_capacity(copies.len());
    let mut s = 0;
    for (i, r) in train.iter().enumerate() {
        while s < slots.len() && slots[s].0 == i {
            let (j, copy, edit) = &copies[slots[s].1];
            planted.push(Planted {
                eval_row: *j,
                train_row: out.len(),
                edit: *edit,
            });
            out.push(copy.clone());
            s += 1;
        }
        out.push(r.clone());
    }
    for &(_, c) in &slots[s..] {
        let (j, copy, edit) = &copies[c];
        planted.push(Planted {
            eval_row: *j,
            train_row: out.len(),
            edit: *edit,
        });
        out.push(copy.clone());
    }
    planted.sort_by_key(|p| p.train_row);
    (out, planted)
}

/// A planted copy the check did not report, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Missed {
    pub planted: Planted,
    /// Word-shingle Jaccard of the copy with its evaluation row.
    pub jaccard: f64,
    pub why: String,
}

/// How a duplicate check did against the answer key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakScore {
    pub planted: usize,
    pub found: usize,
    pub found_exact: usize,
    pub found_near: usize,
    pub missed: Vec<Missed>,
    /// Training rows reported that were not planted (rows that genuinely repeat an evaluation row).
    pub other: usize,
}

/// Scores the leaks a check reported (`leaks`, over `train` then `eval` as in `dedup::leakage`) against
/// the planted copies.
pub fn score(
    planted: &[Planted],
    leaks: &[Leak],
    train: &[Record],
    eval: &[Record],
    params: &NearDupParams,
) -> LeakScore {
    let mut found = 0;
    let (mut exact, mut near) = (0, 0);
    let mut missed = Vec::new();
    for p in planted {
        match leaks.iter().find(|l| l.train == p.train_row) {
            Some(l) => {
                found += 1;
                match l.kind {
                    LeakKind::Exact => exact += 1,
                    LeakKind::Near => near += 1,
                }
            }
            None => {
                let (a, b) = (row_text(&train[p.train_row]), row_text(&eval[p.eval_row]));
                let j = jaccard(&shingles(&a, params.shingle), &shingles(&b, params.shingle));
                let why = if normalise(&a) == normalise(&b) {
                    "equal once normalised, yet not reported: the exact check was not run on these versions".to_string()
                } else if j < params.threshold {
                    let n = shingles(&b, params.shingle).len();
                    format!(
                        "{}: its {k}-word shingles overlap its source's by J = {j:.2}, below the threshold {} — one changed word alters up to {k} of the row's {n} shingles",
                        p.edit.describe(),
                        params.threshold,
                        k = params.shingle,
                    )
                } else {
                    format!(
                        "{}: J = {j:.2} is above the threshold {}, but the pair never became a candidate in the LSH banding (more bands find more)",
                        p.edit.describe(),
                        params.threshold
                    )
                };
                missed.push(Missed {
                    planted: p.clone(),
                    jaccard: j,
                    why,
                });
            }
        }
    }
    let planted_rows: std::collections::HashSet<usize> =
        planted.iter().map(|p| p.train_row).collect();
    let mut other: Vec<usize> = leaks
        .iter()
        .map(|l| l.train)
        .filter(|t| !planted_rows.contains(t))
        .collect();
    other.sort_unstable();
    other.dedup();
    LeakScore {
        planted: planted.len(),
        found,
        found_exact: exact,
        found_near: near,
        missed,
        other: other.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::quality::dedup::leakage;

    fn rows(n: usize, tag: &str) -> Vec<Record> {
        (0..n)
            .map(|i| Record {
                instruction: format!("Explain item {i} of the {tag} checklist to a new engineer."),
                input: String::new(),
                output: format!(
                    "Item {i} of the {tag} list asks you to check the gauge number {} twice, write the reading in the log book and tell the shift lead about anything unusual before noon.",
                    i * 7
                ),
                provenance: Provenance::generated("test", None),
            })
            .collect()
    }

    #[test]
    fn split_is_seeded_and_partitions() {
        let (a, b) = split(100, 0.2, 3);
        assert_eq!(b.len(), 20);
        assert_eq!(a.len(), 80);
        let mut all: Vec<usize> = a.iter().chain(&b).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert_eq!(split(100, 0.2, 3), (a.clone(), b.clone()));
        assert_ne!(split(100, 0.2, 4).1, b);
        // Never an empty side when there are two rows or more.
        assert_eq!(split(2, 0.05, 1).1.len(), 1);
        assert_eq!(split(2, 0.5, 1).0.len(), 1);
    }

    #[test]
    fn plants_the_share_asked_keeps_training_rows_in_order_and_is_seeded() {
        let (train, eval) = (rows(200, "plant"), rows(50, "audit"));
        let plan = LeakPlan::default();
        let (leaky, planted) = plant(&train, &eval, &plan);
        assert_eq!(planted.len(), 10, "20% of 50");
        assert_eq!(leaky.len(), 210);
        let edited = planted.iter().filter(|p| p.edit != Edit::Exact).count();
        assert_eq!(edited, 5);
        // The training rows are all there, in their order.
        let kept: Vec<&Record> = leaky
            .iter()
            .filter(|r| r.provenance.source != "drill-leak")
            .collect();
        assert_eq!(kept.len(), 200);
        assert!(kept.iter().zip(&train).all(|(a, b)| *a == b));
        for p in &planted {
            let copy = &leaky[p.train_row];
            assert_eq!(copy.provenance.source, "drill-leak");
            let e = &eval[p.eval_row];
            let same = (&copy.instruction, &copy.input, &copy.output)
                == (&e.instruction, &e.input, &e.output);
            assert_eq!(same, p.edit == Edit::Exact, "{p:?}");
        }
        assert_eq!(
            plant(&train, &eval, &plan),
            (leaky.clone(), planted.clone())
        );
        let other = plant(&train, &eval, &LeakPlan { seed: 26, ..plan });
        assert_ne!(other.1, planted);
    }

    #[test]
    fn the_check_finds_exact_and_long_edited_copies_and_explains_short_misses() {
        let (train, mut eval) = (rows(120, "plant"), rows(40, "audit"));
        // Two short evaluation rows: one edit changes most of their shingles.
        for r in eval.iter_mut().take(40).skip(30) {
            r.instruction = "Name a colour.".into();
            r.output = format!("Blue is a colour {}.", r.output.len());
        }
        let plan = LeakPlan {
            percent: 100.0,
            edited_share: 0.5,
            ..LeakPlan::default()
        };
        let (leaky, planted) = plant(&train, &eval, &plan);
        let texts: Vec<String> = leaky.iter().chain(&eval).map(row_text).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let params = NearDupParams::default();
        let leaks = leakage(&refs, leaky.len(), &params, &mut |_| {});
        let s = score(&planted, &leaks, &leaky, &eval, &params);
        assert_eq!(s.planted, 40);
        assert_eq!(s.found + s.missed.len(), 40);
        // Every exact copy and every case/punctuation copy is found.
        for p in &planted {
            if matches!(p.edit, Edit::Exact | Edit::CaseAndPunctuation) {
                assert!(leaks.iter().any(|l| l.train == p.train_row), "{p:?}");
            }
        }
        assert!(s.found_exact >= 20);
        for m in &s.missed {
            assert!(
                m.jaccard < params.threshold || m.why.contains("banding"),
                "{m:?}"
            );
            assert!(m.why.contains("J = "));
        }
        // The short rows' edited copies are all missed: one edit changes most of their shingles.
        for p in planted.iter().filter(|p| {
            p.eval_row >= 30 && p.edit != Edit::Exact && p.edit != Edit::CaseAndPunctuation
        }) {
            assert!(s.missed.iter().any(|m| m.planted == *p), "{p:?}");
        }
    }

    #[test]
    fn plan_checks_name_the_field() {
        let bad = LeakPlan {
            percent: 0.0,
            ..LeakPlan::default()
        };
        assert!(bad.check().unwrap_err().starts_with("Leaked share"));
        assert!(LeakPlan::default().check().is_ok());
    }
}
