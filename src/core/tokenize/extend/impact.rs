//! What an extension does to a corpus: tokens per record before and after, totals, the length
//! distribution, and how often each term occurs and what it saves (slides 10 and 19: "track token-length
//! distribution changes").
//!
//! Work is done in steps of a byte budget, so the page can show progress and stay responsive. In
//! reachable-merges mode both encoders share one split of the text (the split pattern is the same), so
//! counting before and after costs little more than one pass; added tokens cut the text differently, so
//! that mode encodes twice.

use rustc_hash::FxHashMap;

use super::version::TokenizerVersion;
use super::Mode;
use crate::core::stats::{summary, Summary};
use crate::core::tokenize::{Encoder, Rank};

/// One term's effect on the corpus.
#[derive(Clone, Debug, PartialEq)]
pub struct TermImpact {
    pub term: String,
    /// The term's id in the extended tokenizer (None when the term was not added).
    pub id: Option<Rank>,
    /// How often that id occurs in the extended encoding of the corpus.
    pub occurrences: usize,
    /// Tokens the term costs in the base encoding on its own.
    pub tokens_before: usize,
    /// occurrences × (tokens_before − 1): what the term saves where it appears.
    pub saved: usize,
}

/// The whole result.
#[derive(Clone, Debug, PartialEq)]
pub struct Impact {
    /// The version measured (recorded with every count, so results are traceable).
    pub version_id: String,
    pub before: Vec<usize>,
    pub after: Vec<usize>,
    pub total_before: usize,
    pub total_after: usize,
    pub before_summary: Summary,
    pub after_summary: Summary,
    pub terms: Vec<TermImpact>,
}

impl Impact {
    /// Tokens saved over the corpus, and as a share of the tokens before.
    pub fn saved(&self) -> (isize, f64) {
        let d = self.total_before as isize - self.total_after as isize;
        let share = if self.total_before == 0 {
            0.0
        } else {
            d as f64 / self.total_before as f64
        };
        (d, share)
    }
}

/// A measurement in progress.
pub struct ImpactJob {
    version_id: String,
    mode: Mode,
    allow_special: bool,
    next: usize,
    before: Vec<usize>,
    after: Vec<usize>,
    id_counts: FxHashMap<Rank, usize>,
    /// (term, id, tokens before)
    terms: Vec<(String, Option<Rank>, usize)>,
    scratch: Vec<Rank>,
    /// Ids at or above this are new; only they are counted per term.
    first_new: Rank,
    /// A record that contains none of these strings encodes the same before and after, so it is encoded
    /// once. None: some new token is not valid UTF-8 on its own, so every record is encoded twice.
    needles: Option<Vec<String>>,
}

impl ImpactJob {
    /// Prepares to measure `version` (whose encoder is `ext`) against `base` over `records` texts.
    pub fn new(
        version: &TokenizerVersion,
        base: &mut Encoder,
        ext: &Encoder,
        allow_special: bool,
    ) -> Self {
        let terms = version
            .terms
            .iter()
            .map(|t| {
                let id = match version.mode {
                    Mode::AddedTokens => version.added.iter().find(|a| &a.0 == t).map(|a| a.1),
                    Mode::ReachableMerges => ext
                        .rank_of(t.as_bytes())
                        .filter(|_| base.rank_of(t.as_bytes()).is_none()),
                };
                (t.clone(), id, base.encode_ordinary(t).len())
            })
            .collect();
        // Added tokens: the terms themselves. Merges: the new tokens, minus any that contain another
        // (a chain's first merge is in every later one), as text.
        let raw: Vec<Vec<u8>> = match version.mode {
            Mode::AddedTokens => version
                .added
                .iter()
                .map(|a| a.0.as_bytes().to_vec())
                .collect(),
            Mode::ReachableMerges => version.new_ranks().into_iter().map(|r| r.0).collect(),
        };
        let minimal: Vec<&Vec<u8>> = raw
            .iter()
            .filter(|n| {
                !raw.iter()
                    .any(|m| m.len() < n.len() && n.windows(m.len()).any(|w| w == m.as_slice()))
            })
            .collect();
        let needles = minimal
            .iter()
            .map(|n| String::from_utf8((*n).clone()).ok())
            .collect::<Option<Vec<String>>>();
        ImpactJob {
            first_new: base.n_vocab() as Rank,
            needles,
            version_id: version.id.clone(),
            mode: version.mode,
            allow_special,
            next: 0,
            before: Vec::new(),
            after: Vec::new(),
            id_counts: FxHashMap::default(),
            terms,
            scratch: Vec::new(),
        }
    }

    /// Share of records done.
    pub fn progress(&self, total: usize) -> f64 {
        if total == 0 {
            1.0
        } else {
            self.next as f64 / total as f64
        }
    }

    /// Measures records until about `budget` bytes are done; true when all are.
    pub fn step(
        &mut self,
        base: &mut Encoder,
        ext: &mut Encoder,
        records: &[&str],
        budget: usize,
    ) -> bool {
        let mut spent = 0;
        while self.next < records.len() && spent < budget {
            let text = records[self.next];
            spent += text.len().max(1);
            let untouched = self
                .needles
                .as_ref()
                .is_some_and(|ns| !ns.iter().any(|n| text.contains(n.as_str())));
            let (b, a) = if untouched {
                let b = base.encode(text, self.allow_special).len();
                (b, b)
            } else if self.mode == Mode::ReachableMerges && !self.allow_special {
                self.shared_split(base, ext, text)
            } else {
                let b = base.encode(text, self.allow_special).len();
                let ids = ext.encode(text, self.allow_special);
                self.count_new(&ids);
                (b, ids.len())
            };
            self.before.push(b);
            self.after.push(a);
            self.next += 1;
        }
        self.next >= records.len()
    }

    fn shared_split(
        &mut self,
        base: &mut Encoder,
        ext: &mut Encoder,
        text: &str,
    ) -> (usize, usize) {
        let (mut b, mut a) = (0, 0);
        for piece in base.pattern().pieces(text) {
            self.scratch.clear();
            base.encode_piece(piece.as_bytes(), &mut self.scratch);
            b += self.scratch.len();
            self.scratch.clear();
            ext.encode_piece(piece.as_bytes(), &mut self.scratch);
            a += self.scratch.len();
            let new: Vec<Rank> = self
                .scratch
                .iter()
                .copied()
                .filter(|&i| i >= self.first_new)
                .collect();
            self.count_new(&new);
        }
        (b, a)
    }

    fn count_new(&mut self, ids: &[Rank]) {
        for &id in ids {
            if id >= self.first_new {
                *self.id_counts.entry(id).or_default() += 1;
            }
        }
    }

    /// The result.
    pub fn finish(self) -> Impact {
        let terms = self
            .terms
            .into_iter()
            .map(|(term, id, tokens_before)| {
                let occurrences = id
                    .and_then(|i| self.id_counts.get(&i).copied())
                    .unwrap_or(0);
                TermImpact {
                    term,
                    id,
                    occurrences,
                    tokens_before,
                    saved: occurrences * tokens_before.saturating_sub(1),
                }
            })
            .collect();
        Impact {
            version_id: self.version_id,
            total_before: self.before.iter().sum(),
            total_after: self.after.iter().sum(),
            before_summary: summary(&self.before),
            after_summary: summary(&self.after),
            before: self.before,
            after: self.after,
            terms,
        }
    }
}

/// Measures in one go (for tests and small corpora).
pub fn measure(
    version: &TokenizerVersion,
    base: &mut Encoder,
    ext: &mut Encoder,
    records: &[&str],
    allow_special: bool,
) -> Impact {
    let mut job = ImpactJob::new(version, base, ext, allow_special);
    while !job.step(base, ext, records, usize::MAX) {}
    job.finish()
}

#[cfg(test)]
mod tests {
    use super::super::version::build;
    use super::*;

    fn toy() -> Encoder {
        crate::core::tokenize::bpe::byte_level_for_tests(&[], &[("<|endoftext|>", 256)])
    }

    #[test]
    fn counts_before_after_and_per_term() {
        let mut base = toy();
        let records = ["the kub kub", "no terms here", " kub"];
        for mode in [Mode::ReachableMerges, Mode::AddedTokens] {
            let v = build(
                "toy",
                "x",
                &base,
                mode,
                &[" kub".to_string()],
                None,
                "t",
                "",
            )
            .version;
            let mut ext = v.encoder(&base).unwrap();
            let imp = measure(&v, &mut base, &mut ext, &records, false);
            assert_eq!(imp.before, [11, 13, 4], "{mode:?}");
            assert_eq!(imp.after, [5, 13, 1], "{mode:?}");
            assert_eq!(imp.terms[0].occurrences, 3);
            assert_eq!(imp.terms[0].tokens_before, 4);
            assert_eq!(imp.terms[0].saved, 9);
            assert_eq!(imp.saved().0, 9);
            assert_eq!(imp.version_id, v.id);
            assert_eq!(imp.after_summary.max, 13);
        }
    }

    #[test]
    fn records_without_terms_are_counted_once_and_correctly() {
        let mut base = toy();
        let records = ["nothing here", "a kub", "", "kub kub"];
        for mode in [Mode::ReachableMerges, Mode::AddedTokens] {
            let v = build(
                "toy",
                "x",
                &base,
                mode,
                &[" kub".to_string()],
                None,
                "t",
                "",
            )
            .version;
            let mut ext = v.encoder(&base).unwrap();
            let imp = measure(&v, &mut base, &mut ext, &records, false);
            let want_after: Vec<usize> =
                records.iter().map(|r| ext.encode(r, false).len()).collect();
            let want_before: Vec<usize> = records
                .iter()
                .map(|r| base.encode(r, false).len())
                .collect();
            assert_eq!(imp.after, want_after, "{mode:?}");
            assert_eq!(imp.before, want_before, "{mode:?}");
            assert_eq!(imp.terms[0].occurrences, 2, "{mode:?}");
        }
    }

    #[test]
    fn steps_cover_every_record() {
        let mut base = toy();
        let v = build(
            "toy",
            "x",
            &base,
            Mode::ReachableMerges,
            &[" ab".to_string()],
            None,
            "t",
            "",
        )
        .version;
        let mut ext = v.encoder(&base).unwrap();
        let records: Vec<String> = (0..50).map(|i| format!("x ab {i}")).collect();
        let refs: Vec<&str> = records.iter().map(|s| s.as_str()).collect();
        let mut job = ImpactJob::new(&v, &mut base, &ext, false);
        let mut steps = 0;
        while !job.step(&mut base, &mut ext, &refs, 20) {
            steps += 1;
        }
        assert!(steps > 5);
        let imp = job.finish();
        assert_eq!(imp.before.len(), 50);
        assert_eq!(imp.terms[0].occurrences, 50);
    }
}
