//! An interpolated modified Kneser–Ney n-gram language model over token ids, estimated as KenLM's `lmplz`
//! estimates one and scored as KenLM's query scores its ARPA file.
//!
//! The A/B lab compares tokenizers by how well a small language model predicts held-out text in each
//! token stream. Students check such numbers against KenLM, the tool they would use in a notebook, so this
//! follows `lmplz` step by step (files in kpu/kenlm's `lm/builder/`):
//!
//! 1. adjusted counts (`adjust_counts.cc`) — see [`count::adjusted_counts`];
//! 2. discounts per order (`adjust_counts.cc`, `discount.hh`) — see [`count::discounts`], with the
//!    `--discount_fallback` behaviour built in;
//! 3. uninterpolated probabilities and interpolation weights (`initial_probabilities.cc`): for an n-gram
//!    `c w` with adjusted count a, `(a − D(a)) / Σ_x a(c x)`, and for the context c,
//!    `γ(c) = (D1·N1(c) + D2·N2(c) + D3+·N3+(c)) / Σ_x a(c x)`, N_i(c) counting the n-grams after c with
//!    adjusted count i (3 meaning 3 or more);
//! 4. interpolation (`interpolate.cc`): `p(w | c) = (a − D(a)) / Σ + γ(c) · p(w | c minus its first word)`,
//!    down to the uniform distribution `1 / |V|` where |V| counts the words, `</s>` and `<unk>` but not
//!    `<s>` (`pipeline.cc`: `counts[0] - 1 /* <s> is not included */`). `<unk>` gets only the interpolated
//!    mass `γ(ε) / |V|`; `<s>` gets probability 1, written as log10 0 (what lmplz writes, not SRILM's −99).
//!    The backoff of an n-gram is log10 γ of it as a context, 0 when nothing follows it.
//!
//! Scoring applies the ARPA backoff rule to these values, which is what KenLM's query computes from the
//! ARPA file, so a score here is KenLM's score of [`NgramModel::to_arpa`] by construction (the tests check
//! it against the `kenlm` Python module). lmplz does its arithmetic in `f32`; this keeps `f64` after the
//! discounts (which are computed in `f32` exactly as lmplz does), so its ARPA values differ from ours by
//! `f32` rounding, about 1e-7 in log10.

mod arpa;
mod count;

use count::{Packing, Sentences, Vocab, BOS, EOS};
use rustc_hash::FxHashMap;

/// Highest order a model may have (the lab offers 3–5).
pub const MAX_ORDER: usize = 5;

/// log10 probability and log10 backoff of one n-gram, as in the ARPA file; the backoff is 0 (log10 1)
/// where the n-gram is no context.
#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    prob: f64,
    backoff: f64,
}

/// A trained model. Token ids are u32 (GPT-2, cl100k, o200k ids, plus extension ids just above the base
/// vocabulary); inside, they are dense word indices (0 `<unk>`, 1 `<s>`, 2 `</s>`, then the ids seen in
/// training in ascending order), n-grams packed into `u128` keys.
pub struct NgramModel {
    order: usize,
    vocab: Vocab,
    pack: Packing,
    /// `levels[k - 1]`: every k-gram of the model with its log10 probability and backoff.
    levels: Vec<FxHashMap<u128, Entry>>,
    discounts: Vec<[f64; 3]>,
    fallback: Vec<bool>,
}

impl NgramModel {
    /// Trains on sequences (each row its own sentence: `<s> t1 … tn </s>`, as KenLM pads a line; an empty
    /// row is `<s> </s>`, as an empty line is to lmplz). `order` 1..=5; an error, worded for a student,
    /// when it is out of range or there is not a single token to learn from.
    pub fn train(rows: &[&[u32]], order: usize) -> Result<NgramModel, String> {
        if !(1..=MAX_ORDER).contains(&order) {
            return Err(format!(
                "The n-gram order must be between 1 and {MAX_ORDER}; {order} was asked for."
            ));
        }
        if rows.iter().all(|r| r.is_empty()) {
            return Err("There is nothing to train on: the training rows hold no tokens.".into());
        }
        let vocab = Vocab::build(rows);
        let pack = Packing::new(vocab.len(), order).ok_or_else(|| {
            format!(
                "{} distinct token ids are too many for an order-{order} model here.",
                vocab.ids.len()
            )
        })?;
        let sentences = Sentences::build(rows, &vocab);
        let counts = count::adjusted_counts(&sentences, order, pack);
        let (discounts, fallback): (Vec<_>, Vec<_>) = counts.iter().map(count::discounts).unzip();
        let levels = estimate(&counts, &discounts, vocab.len(), pack);
        Ok(NgramModel {
            order,
            vocab,
            pack,
            levels,
            discounts,
            fallback,
        })
    }

    /// log10 P(t1..tn </s> | <s>), exactly as KenLM's query of this model's ARPA gives it
    /// (`model.score(s, bos=True, eos=True)`); ids never seen in training are scored as `<unk>`.
    pub fn log10_prob(&self, tokens: &[u32]) -> f64 {
        let mut seq = Vec::with_capacity(tokens.len() + 2);
        seq.push(BOS);
        seq.extend(tokens.iter().map(|&t| self.vocab.get(t)));
        seq.push(EOS);
        (1..seq.len())
            .map(|i| self.cond_log10(&seq[i.saturating_sub(self.order - 1)..i], seq[i]))
            .sum()
    }

    /// The model as an ARPA file: words are the token ids in decimal, plus `<s>`, `</s>` and `<unk>`.
    pub fn to_arpa(&self) -> String {
        arpa::write(self)
    }

    pub fn order(&self) -> usize {
        self.order
    }

    /// Entries per order, as in the ARPA `\data\` header (the unigrams include `<unk>`, `<s>`, `</s>`).
    pub fn ngram_counts(&self) -> Vec<usize> {
        self.levels.iter().map(|l| l.len()).collect()
    }

    /// `[D1, D2, D3+]` per order, lowest first.
    pub fn discounts(&self) -> Vec<[f64; 3]> {
        self.discounts.clone()
    }

    /// Per order, whether the data were too small for the closed-form discounts, so lmplz's
    /// `--discount_fallback` values (0.5, 1, 1.5) were used.
    pub fn discount_fallback(&self) -> Vec<bool> {
        self.fallback.clone()
    }

    /// Distinct token ids seen in training.
    pub fn vocab_size(&self) -> usize {
        self.vocab.ids.len()
    }

    /// log10 p(w | context) by the ARPA backoff rule, in dense indices, `context` oldest first and at most
    /// order − 1 words: the longest n-gram of the model ending in `w`, plus the backoffs of the longer
    /// contexts (0 for contexts the model lacks). Every suffix of a model n-gram is in the model, so the
    /// search stops at the first miss, as KenLM's does.
    fn cond_log10(&self, context: &[u32], w: u32) -> f64 {
        let bits = self.pack.bits as usize;
        let n = context.len();
        let mut key = u128::from(w);
        let mut prob = self.levels[0][&key].prob;
        let mut matched = 0;
        for m in 1..=n {
            key |= u128::from(context[n - m]) << (bits * m);
            match self.levels[m].get(&key) {
                Some(e) => {
                    prob = e.prob;
                    matched = m;
                }
                None => break,
            }
        }
        let mut ctx = 0u128;
        for m in 1..=n {
            ctx |= u128::from(context[n - m]) << (bits * (m - 1));
            if m > matched {
                match self.levels[m - 1].get(&ctx) {
                    Some(e) => prob += e.backoff,
                    None => break,
                }
            }
        }
        prob
    }
}

/// A summary, not the tables (they can hold millions of n-grams).
impl std::fmt::Debug for NgramModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NgramModel")
            .field("order", &self.order)
            .field("vocab_size", &self.vocab_size())
            .field("ngram_counts", &self.ngram_counts())
            .field("discounts", &self.discounts)
            .field("fallback", &self.fallback)
            .finish()
    }
}

/// Per context: the sum of its n-grams' adjusted counts and how many have adjusted count 1, 2, 3+.
#[derive(Default, Clone, Copy)]
struct ContextStat {
    denominator: u64,
    n: [u32; 3],
}

impl ContextStat {
    /// γ, summed in KenLM's order (`AddRight`): D1·N1 + D2·N2 + D3·N3, then divided.
    fn gamma(&self, d: &[f64; 3]) -> f64 {
        let mut g = 0.0;
        for (di, &ni) in d.iter().zip(&self.n) {
            g += di * f64::from(ni);
        }
        g / self.denominator as f64
    }
}

/// `a − D(a)`: KenLM's `Discount::Apply`, with D(0) = 0 (so `<unk>` gets nothing of its own).
fn discounted(a: u32, d: &[f64; 3]) -> f64 {
    let dk = match a {
        0 => 0.0,
        1 => d[0],
        2 => d[1],
        _ => d[2],
    };
    f64::from(a) - dk
}

/// Steps 3 and 4 of the module doc: interpolated probabilities and backoffs from the adjusted counts,
/// lowest order first (each order interpolates with the one below), then log10 of both, into the tables
/// scoring looks n-grams up in. Each level is sorted, so a context's n-grams are one run of neighbours.
fn estimate(
    levels: &[count::Level],
    discounts: &[[f64; 3]],
    vocab_len: usize,
    pack: Packing,
) -> Vec<FxHashMap<u128, Entry>> {
    // |V|: dense indices minus <s> (words, </s>, <unk>).
    let uniform = 1.0 / (vocab_len - 1) as f64;
    let mut probs: Vec<Vec<f64>> = Vec::with_capacity(levels.len());
    let mut backoffs: Vec<Vec<f64>> = levels.iter().map(|l| vec![1.0; l.keys.len()]).collect();
    for (k, (level, d)) in levels.iter().zip(discounts).enumerate() {
        let mut prob = Vec::with_capacity(level.keys.len());
        // The contexts of this order are n-grams of the order below, in the same sorted order.
        let mut below = 0;
        let mut start = 0;
        while start < level.keys.len() {
            let context = level.keys[start] >> pack.bits;
            let mut end = start;
            let mut st = ContextStat::default();
            while end < level.keys.len() && level.keys[end] >> pack.bits == context {
                let a = level.counts[end];
                st.denominator += u64::from(a);
                if a > 0 {
                    st.n[a.min(3) as usize - 1] += 1;
                }
                end += 1;
            }
            let gamma = st.gamma(d);
            for i in start..end {
                let p = if k == 0 && level.keys[i] == u128::from(BOS) {
                    // KenLM: "<s> has probability 1.0", so it can be scored without changing anything.
                    1.0
                } else {
                    let lower = if k == 0 {
                        uniform
                    } else {
                        probs[k - 1][level.suffix[i] as usize]
                    };
                    discounted(level.counts[i], d) / st.denominator as f64 + gamma * lower
                };
                prob.push(p);
            }
            if k > 0 {
                let keys = &levels[k - 1].keys;
                while keys[below] != context {
                    below += 1;
                }
                backoffs[k - 1][below] = gamma;
            }
            start = end;
        }
        probs.push(prob);
    }
    levels
        .iter()
        .zip(probs.iter().zip(&backoffs))
        .map(|(level, (prob, backoff))| {
            let mut table =
                FxHashMap::with_capacity_and_hasher(level.keys.len(), Default::default());
            for ((&key, &p), &b) in level.keys.iter().zip(prob).zip(backoff) {
                // interpolate.cc: "Correcting for numerical precision issues": log10 p is at most 0.
                let entry = Entry {
                    prob: p.log10().min(0.0),
                    backoff: b.log10(),
                };
                table.insert(key, entry);
            }
            table
        })
        .collect()
}

#[cfg(test)]
mod tests;
