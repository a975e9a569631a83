//! Counting: token ids to dense word indices, n-grams packed into `u128` keys, KenLM's adjusted counts and
//! its modified Kneser–Ney discounts.
//!
//! Everything here is integer work except the discounts, so the result does not depend on the order of the
//! training rows (hash-map iteration order never reaches a floating-point sum).

use rustc_hash::{FxHashMap, FxHashSet};

/// Dense index of `<unk>`: what every id not seen in training becomes (KenLM's `kUNK` is 0 too).
pub(super) const UNK: u32 = 0;
/// Dense index of `<s>`, the sentence start KenLM pads each line with.
pub(super) const BOS: u32 = 1;
/// Dense index of `</s>`, the sentence end.
pub(super) const EOS: u32 = 2;
/// Words below this index are the three special symbols.
pub(super) const FIRST_WORD: u32 = 3;

/// Token ids ↔ dense word indices. Words are numbered in ascending id order, so the numbering (and the
/// ARPA file written from it) is the same whatever order the rows come in.
pub(super) struct Vocab {
    index: FxHashMap<u32, u32>,
    /// `ids[i]` is the token id of dense word `FIRST_WORD + i`.
    pub ids: Vec<u32>,
}

impl Vocab {
    pub fn build(rows: &[&[u32]]) -> Vocab {
        let mut seen = FxHashSet::default();
        for row in rows {
            seen.extend(row.iter().copied());
        }
        let mut ids: Vec<u32> = seen.into_iter().collect();
        ids.sort_unstable();
        let index = ids
            .iter()
            .enumerate()
            .map(|(i, &id)| (id, FIRST_WORD + i as u32))
            .collect();
        Vocab { index, ids }
    }

    /// The dense index of a token id, `UNK` when training never saw it.
    pub fn get(&self, id: u32) -> u32 {
        self.index.get(&id).copied().unwrap_or(UNK)
    }

    /// Number of dense indices, the three specials included.
    pub fn len(&self) -> usize {
        self.ids.len() + FIRST_WORD as usize
    }
}

/// How n-grams of dense indices are packed into one `u128`: `bits` per word, the first word most
/// significant. So a k-gram's context is `key >> bits` and its suffix (drop the first word) is
/// `key & mask(k - 1)` — no allocation per n-gram, and one hash per lookup.
#[derive(Clone, Copy, Debug)]
pub(super) struct Packing {
    pub bits: u32,
}

impl Packing {
    /// Enough bits per word for `vocab_len` dense indices; `None` when `order` words do not fit 128 bits
    /// (more than 2^25 distinct ids at order 5, far beyond any tokenizer).
    pub fn new(vocab_len: usize, order: usize) -> Option<Packing> {
        let bits = (usize::BITS - (vocab_len.max(2) - 1).leading_zeros()).max(1);
        (bits as usize * order <= 128).then_some(Packing { bits })
    }

    /// The low `words` words of a key.
    pub fn mask(self, words: usize) -> u128 {
        let b = self.bits as usize * words;
        if b >= 128 {
            u128::MAX
        } else {
            (1u128 << b) - 1
        }
    }

    pub fn pack(self, words: &[u32]) -> u128 {
        words
            .iter()
            .fold(0, |key, &w| (key << self.bits) | u128::from(w))
    }

    pub fn unpack(self, key: u128, words: usize) -> Vec<u32> {
        let m = self.mask(1);
        (0..words)
            .rev()
            .map(|i| ((key >> (self.bits as usize * i)) & m) as u32)
            .collect()
    }
}

/// The training rows as KenLM sees them: each `<s> w1 … wn </s>` in dense indices, one after another.
pub(super) struct Sentences {
    pub words: Vec<u32>,
    /// Start of each sentence in `words`, plus the end.
    pub bounds: Vec<usize>,
}

impl Sentences {
    pub fn build(rows: &[&[u32]], vocab: &Vocab) -> Sentences {
        let total: usize = rows.iter().map(|r| r.len() + 2).sum();
        let mut words = Vec::with_capacity(total);
        let mut bounds = Vec::with_capacity(rows.len() + 1);
        for row in rows {
            bounds.push(words.len());
            words.push(BOS);
            words.extend(row.iter().map(|&id| vocab.get(id)));
            words.push(EOS);
        }
        bounds.push(words.len());
        Sentences { words, bounds }
    }

    pub fn iter(&self) -> impl Iterator<Item = &[u32]> {
        self.bounds.windows(2).map(|b| &self.words[b[0]..b[1]])
    }
}

/// One order's n-grams, sorted by key (so the n-grams sharing a context are neighbours), with their
/// adjusted counts and, from order 2 up, where each one's suffix (the n-gram without its first word) sits
/// in the order below — so estimation needs no hashing at all.
pub(super) struct Level {
    pub keys: Vec<u128>,
    pub counts: Vec<u32>,
    pub suffix: Vec<u32>,
}

impl Level {
    /// The adjusted count of an n-gram, if the level has it.
    #[cfg(test)]
    pub fn count(&self, key: u128) -> Option<u32> {
        self.keys.binary_search(&key).ok().map(|i| self.counts[i])
    }
}

/// Marks a sentence-initial n-gram among the items a lower order is built from (it is no suffix).
const PREFIX: u32 = u32::MAX;

/// Adjusted counts per order (`levels[k - 1]` holds the k-grams), as KenLM's `adjust_counts.cc` makes
/// them from its padded counts:
///
/// - the highest order keeps raw counts;
/// - a lower-order n-gram starting with `<s>` keeps its raw count too (it has no word to its left; KenLM
///   pads each line with `<s>` repeated and `CollapseStream` turns the padded n-grams into these);
/// - every other lower-order n-gram counts its distinct left extensions: the (k+1)-grams, `<s>`-initial
///   ones included, that end in it (Kneser–Ney's continuation count);
/// - the unigram level also holds `<unk>` and `<s>` with count 0 (KenLM inserts both; `<s>` never ends an
///   n-gram, so it never gains a count, and its probability is set to 1 later).
///
/// Counting is by sorting packed keys rather than hashing: it was several times faster here, and it
/// leaves each order in the order estimation wants it.
pub(super) fn adjusted_counts(sentences: &Sentences, order: usize, pack: Packing) -> Vec<Level> {
    let top_mask = pack.mask(order);
    let mut windows: Vec<u128> = Vec::with_capacity(sentences.words.len());
    for s in sentences.iter() {
        // Order 1 counts every word but the <s> (KenLM's counter never emits a window ending in <s>).
        let s = if order == 1 { &s[1..] } else { s };
        let mut key = 0u128;
        for (i, &w) in s.iter().enumerate() {
            key = ((key << pack.bits) | u128::from(w)) & top_mask;
            if i + 1 >= order {
                windows.push(key);
            }
        }
    }
    windows.sort_unstable();
    let mut top = Level {
        keys: Vec::new(),
        counts: Vec::new(),
        suffix: Vec::new(),
    };
    if order == 1 {
        top.keys.extend([u128::from(UNK), u128::from(BOS)]);
        top.counts.extend([0, 0]);
    }
    for run in windows.chunk_by(|a, b| a == b) {
        top.keys.push(run[0]);
        top.counts.push(run.len() as u32);
    }
    drop(windows);
    let mut levels = vec![top];
    for k in (1..order).rev() {
        let upper = levels.last_mut().expect("a level above");
        let mask = pack.mask(k);
        let mut items: Vec<(u128, u32)> = upper
            .keys
            .iter()
            .enumerate()
            .map(|(i, &key)| (key & mask, i as u32))
            .collect();
        if k >= 2 {
            items.extend(
                sentences
                    .iter()
                    .filter(|s| s.len() >= k)
                    .map(|s| (pack.pack(&s[..k]), PREFIX)),
            );
        }
        items.sort_unstable();
        upper.suffix = vec![0; upper.keys.len()];
        let mut level = Level {
            keys: Vec::with_capacity(items.len() / 2),
            counts: Vec::with_capacity(items.len() / 2),
            suffix: Vec::new(),
        };
        if k == 1 {
            level.keys.extend([u128::from(UNK), u128::from(BOS)]);
            level.counts.extend([0, 0]);
        }
        // Each item adds one: one distinct left extension, or one sentence starting with the n-gram.
        for run in items.chunk_by(|a, b| a.0 == b.0) {
            let at = level.keys.len() as u32;
            level.keys.push(run[0].0);
            level.counts.push(run.len() as u32);
            for &(_, from) in run.iter().filter(|item| item.1 != PREFIX) {
                upper.suffix[from as usize] = at;
            }
        }
        levels.push(level);
    }
    levels.reverse();
    levels
}

/// Modified Kneser–Ney discounts `[D1, D2, D3+]` of one order and whether they are lmplz's fallback.
///
/// Chen & Goodman's closed form (their eq. 26), from t_k = the number of n-grams with adjusted count k:
/// Y = t1 / (t1 + 2 t2), D_k = k − (k+1) · Y · t_{k+1} / t_k. Computed in `f32` with KenLM's order of
/// operations (`adjust_counts.cc`, `StatCollector::CalculateDiscounts`), so the values are exactly the ones
/// lmplz prints. When t1, t2 or t3 is 0, or some D_k falls outside [0, k] — small or artificial data —
/// lmplz stops unless run with `--discount_fallback`, which substitutes 0.5, 1, 1.5 for that order only;
/// a lab cannot stop, so this always does what `--discount_fallback` does.
pub(super) fn discounts(level: &Level) -> ([f64; 3], bool) {
    let mut t = [0u64; 5];
    for &c in &level.counts {
        if c < 5 {
            t[c as usize] += 1;
        }
    }
    closed_form(&t).map_or(([0.5, 1.0, 1.5], true), |d| (d, false))
}

/// The closed-form discounts from counts-of-counts `t[0..5]`, or `None` where lmplz would need its fallback.
pub(super) fn closed_form(t: &[u64; 5]) -> Option<[f64; 3]> {
    if t[1..4].contains(&0) {
        return None;
    }
    let y = (t[1] as f64 + 2.0 * t[2] as f64) as f32;
    let y = t[1] as f32 / y;
    let mut d = [0.0; 3];
    for j in 1..4 {
        let amount = j as f32 - (j + 1) as f32 * y * t[j + 1] as f32 / t[j] as f32;
        if !(0.0..=j as f32).contains(&amount) {
            return None;
        }
        d[j - 1] = f64::from(amount);
    }
    Some(d)
}
