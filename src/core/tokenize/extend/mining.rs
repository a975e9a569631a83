//! Mining candidate domain terms from a corpus, ranked by how many tokens a new token would save.
//!
//! A term that occurs `frequency` times and costs `tokens` tokens today would cost one token if it were added
//! to the vocabulary, so adding it saves `frequency × (tokens − 1)` tokens on this corpus. That saving — not
//! the raw frequency, and not how long the word looks — is what the lab ranks by: a frequent word that is
//! already one token saves nothing, and a rare long word saves little.
//!
//! Terms are taken from the encoder's own pre-tokenizer pieces, so they are exactly the strings the
//! tokenizer sees (with GPT-2's leading space, e.g. `" Kubernetes"`). The corpus may be 10 MB in the
//! browser, so counting is one pass over the pieces with no string allocated per occurrence: each distinct
//! word is interned once (keyed by a `&str` borrowed from the corpus) and runs of words are counted by their
//! word ids.

use rustc_hash::FxHashMap;

use crate::core::tokenize::Encoder;

/// What to mine for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MiningOptions {
    /// Longest multi-word term, in words (1..=3; values outside are clamped). 1 mines single words only.
    pub max_words: usize,
    /// Terms seen fewer times than this are not candidates: a vocabulary change for a term that hardly
    /// occurs is not worth its cost (0 is treated as 1).
    pub min_frequency: usize,
    /// How many candidates to return, best first.
    pub top: usize,
}

impl Default for MiningOptions {
    /// Words and two-word terms seen at least 3 times, best 50: enough to fill the lab's table.
    fn default() -> Self {
        MiningOptions {
            max_words: 2,
            min_frequency: 3,
            top: 50,
        }
    }
}

/// Below this share of the corpus' tokens a candidate's saving is flagged as low value (0.05 %).
pub const LOW_VALUE_SHARE: f64 = 0.0005;
/// Below this frequency a candidate is flagged as low value: too few examples for the model to learn a new
/// token's embedding from.
pub const LOW_VALUE_FREQUENCY: usize = 5;

/// A term that could become a token.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The term exactly as it appears in the pieces, leading space included (e.g. `" Kubernetes"`,
    /// `" machine learning"`), because that is the string a new token would have to match.
    pub term: String,
    /// Number of words (pre-tokenizer pieces) in the term.
    pub words: usize,
    /// How often the term occurs in the corpus.
    pub frequency: usize,
    /// Tokens the term costs now (always at least 2; single-token terms are not candidates).
    pub tokens: usize,
    /// Tokens saved on this corpus if the term became one token: `frequency × (tokens − 1)`.
    pub saving: usize,
    /// `saving` as a fraction of all the corpus' tokens (0.0 for an empty corpus).
    pub share: f64,
    /// True when the candidate is probably not worth a vocabulary change: its saving is under 0.05 % of the
    /// corpus' tokens ([`LOW_VALUE_SHARE`]) or it occurs fewer than 5 times ([`LOW_VALUE_FREQUENCY`]).
    /// Each new token adds an embedding row the model must learn, so a change should pay for itself.
    pub low_value: bool,
}

/// The outcome of mining: the corpus' size in tokens and the best candidates.
#[derive(Debug, Clone, PartialEq)]
pub struct MiningResult {
    /// Sum of `encode_ordinary` lengths of all texts: the denominator of every `share`.
    pub total_tokens: usize,
    /// Best first: by `saving` descending, then `term` ascending so the order is reproducible.
    pub candidates: Vec<Candidate>,
}

/// Whether a pre-tokenizer piece is a word: an optional single leading space, then letters and digits
/// only, with at least one letter (so numbers, punctuation and white space are not terms).
fn is_word(piece: &str) -> bool {
    let body = piece.strip_prefix(' ').unwrap_or(piece);
    if body.is_empty() {
        return false;
    }
    if body.is_ascii() {
        let b = body.as_bytes();
        return b.iter().all(u8::is_ascii_alphanumeric) && b.iter().any(u8::is_ascii_alphabetic);
    }
    body.chars().all(char::is_alphanumeric) && body.chars().any(char::is_alphabetic)
}

/// A qualifying term before it is turned into a [`Candidate`]: its words as ids into the word table.
struct Entry {
    saving: usize,
    frequency: usize,
    tokens: usize,
    words: usize,
    ids: [u32; 3],
}

impl Entry {
    /// The term's pieces; joined they give the term exactly, as the words were adjacent in the text.
    fn parts<'a, 'w: 'a>(&'a self, table: &'a [&'w str]) -> impl Iterator<Item = &'w str> + 'a {
        self.ids[..self.words].iter().map(|&i| table[i as usize])
    }
}

/// Mines candidate terms from `texts`; see the module documentation for the ranking.
///
/// A word is a pre-tokenizer piece that passes the word test (optional leading space, letters and digits,
/// at least one letter); multi-word terms are runs of 2..=`max_words` consecutive word pieces, joined
/// exactly as they appear (`"machine"` + `" learning"`). Anything else between pieces — punctuation, a
/// newline, a double space — ends a run. A term qualifies when it occurs at least `min_frequency` times and
/// costs at least 2 tokens.
pub fn mine(enc: &mut Encoder, texts: &[&str], opts: &MiningOptions) -> MiningResult {
    let mut miner = Miner::new(opts);
    for text in texts {
        miner.feed(enc, text);
    }
    miner.finish(enc)
}

/// Mining in steps: [`feed`](Miner::feed) texts one at a time (so a page can yield between them), then
/// [`finish`](Miner::finish). Gives exactly what [`mine`] gives.
pub struct Miner<'t> {
    opts: MiningOptions,
    max_words: usize,
    ids: FxHashMap<&'t str, u32>,
    table: Vec<&'t str>,
    single: Vec<usize>,
    pairs: FxHashMap<u64, u32>,
    triples: FxHashMap<(u32, u32, u32), u32>,
    total_tokens: usize,
}

impl<'t> Miner<'t> {
    /// Starts counting with `opts`.
    pub fn new(opts: &MiningOptions) -> Self {
        Miner {
            opts: *opts,
            max_words: opts.max_words.clamp(1, 3),
            ids: FxHashMap::default(),
            table: Vec::new(),
            single: Vec::new(),
            pairs: FxHashMap::default(),
            triples: FxHashMap::default(),
            total_tokens: 0,
        }
    }

    /// Counts the words and word runs of one text.
    pub fn feed(&mut self, enc: &mut Encoder, text: &'t str) {
        let max_words = self.max_words;
        self.total_tokens += enc.encode_ordinary(text).len();
        // The previous word and the one before it, while the run of words lasts.
        let (mut prev, mut prev2): (Option<u32>, Option<u32>) = (None, None);
        for piece in enc.pattern().pieces(text) {
            if !is_word(piece) {
                (prev, prev2) = (None, None);
                continue;
            }
            let table = &mut self.table;
            let single = &mut self.single;
            let id = *self.ids.entry(piece).or_insert_with(|| {
                table.push(piece);
                single.push(0);
                (table.len() - 1) as u32
            });
            self.single[id as usize] += 1;
            if max_words >= 2 {
                if let Some(a) = prev {
                    *self
                        .pairs
                        .entry(u64::from(a) << 32 | u64::from(id))
                        .or_insert(0) += 1;
                    if max_words >= 3 {
                        if let Some(b) = prev2 {
                            *self.triples.entry((b, a, id)).or_insert(0) += 1;
                        }
                    }
                }
            }
            (prev, prev2) = (Some(id), prev);
        }
    }

    /// Ranks what was counted.
    pub fn finish(self, enc: &mut Encoder) -> MiningResult {
        let Miner {
            opts,
            table,
            single,
            pairs,
            triples,
            total_tokens,
            ..
        } = self;
        let min_frequency = opts.min_frequency.max(1);
        // What each qualifying term costs now, asked of the encoder once per distinct term (its piece cache makes
        // repeated words cheap). The term is assembled in one reused buffer rather than a new string each time.
        let mut entries: Vec<Entry> = Vec::new();
        let mut buf = String::new();
        let mut consider = |ids: [u32; 3], words: usize, frequency: usize, enc: &mut Encoder| {
            if frequency < min_frequency {
                return;
            }
            buf.clear();
            for &i in &ids[..words] {
                buf.push_str(table[i as usize]);
            }
            let tokens = enc.encode_ordinary(&buf).len();
            if tokens >= 2 {
                entries.push(Entry {
                    saving: frequency * (tokens - 1),
                    frequency,
                    tokens,
                    words,
                    ids,
                });
            }
        };
        for (id, &frequency) in single.iter().enumerate() {
            consider([id as u32, 0, 0], 1, frequency, enc);
        }
        for (&key, &frequency) in &pairs {
            let (a, b) = ((key >> 32) as u32, key as u32);
            consider([a, b, 0], 2, frequency as usize, enc);
        }
        for (&(a, b, c), &frequency) in &triples {
            consider([a, b, c], 3, frequency as usize, enc);
        }

        // Best first; ties by the term's text, compared piece by piece without building strings.
        let order = |x: &Entry, y: &Entry| {
            y.saving.cmp(&x.saving).then_with(|| {
                x.parts(&table)
                    .flat_map(str::bytes)
                    .cmp(y.parts(&table).flat_map(str::bytes))
            })
        };
        if opts.top < entries.len() {
            if opts.top > 0 {
                entries.select_nth_unstable_by(opts.top - 1, order);
            }
            entries.truncate(opts.top);
        }
        entries.sort_unstable_by(order);

        let candidates = entries
            .iter()
            .map(|e| {
                let share = if total_tokens == 0 {
                    0.0
                } else {
                    e.saving as f64 / total_tokens as f64
                };
                Candidate {
                    term: e.parts(&table).collect(),
                    words: e.words,
                    frequency: e.frequency,
                    tokens: e.tokens,
                    saving: e.saving,
                    share,
                    low_value: share < LOW_VALUE_SHARE || e.frequency < LOW_VALUE_FREQUENCY,
                }
            })
            .collect();
        MiningResult {
            total_tokens,
            candidates,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// All bytes (rank = byte), plus " data" and " kube" as whole tokens and "ne" as a merge.
    fn toy() -> Encoder {
        crate::core::tokenize::bpe::byte_level_for_tests(
            &[(" data", 256), ("ne", 257), (" kube", 258)],
            &[],
        )
    }

    fn opts(max_words: usize, min_frequency: usize, top: usize) -> MiningOptions {
        MiningOptions {
            max_words,
            min_frequency,
            top,
        }
    }

    fn find<'a>(r: &'a MiningResult, term: &str) -> Option<&'a Candidate> {
        r.candidates.iter().find(|c| c.term == term)
    }

    #[test]
    fn is_word_rule() {
        assert!(is_word("Hello"));
        assert!(is_word(" world"));
        assert!(is_word(" GPT4"));
        assert!(is_word(" café"));
        assert!(!is_word(" 2024"));
        assert!(!is_word("  two"));
        assert!(!is_word("'s"));
        assert!(!is_word(" "));
        assert!(!is_word("-based"));
        assert!(!is_word(""));
    }

    #[test]
    fn frequencies_tokens_and_savings() {
        let mut e = toy();
        let texts = ["pods run pods. The pods", "Pods are pods, and pods rule"];
        let r = mine(&mut e, &texts, &opts(1, 1, 100));
        let total: usize = texts.iter().map(|t| e.encode_ordinary(t).len()).sum();
        assert_eq!(r.total_tokens, total);
        // " pods" (with the space) and "pods"/"Pods" at the start of a text are different terms.
        let pods = find(&r, " pods").unwrap();
        assert_eq!((pods.frequency, pods.tokens, pods.saving), (4, 5, 16));
        assert_eq!(pods.words, 1);
        assert_eq!(find(&r, "pods").unwrap().frequency, 1);
        assert_eq!(find(&r, "Pods").unwrap().frequency, 1);
        assert!((pods.share - 16.0 / total as f64).abs() < 1e-12);
        // Every candidate's cost is what the encoder says.
        for c in &r.candidates {
            assert_eq!(c.tokens, e.encode_ordinary(&c.term).len(), "{}", c.term);
            assert_eq!(c.saving, c.frequency * (c.tokens - 1));
        }
    }

    #[test]
    fn single_token_terms_are_excluded() {
        let mut e = toy();
        let text = "big data data data; big data here data";
        let r = mine(&mut e, &[text], &opts(1, 1, 100));
        // " data" occurs 5 times but is one token already: nothing to save.
        assert!(find(&r, " data").is_none());
        assert!(find(&r, "big").is_some());
        // " big data" is two tokens' worth of words: " big" (4) + " data" (1).
        let r = mine(&mut e, &[text], &opts(2, 1, 100));
        let big_data = find(&r, " big data").unwrap();
        assert_eq!((big_data.tokens, big_data.frequency), (5, 1));
        assert_eq!(find(&r, "big data").unwrap().frequency, 1);
    }

    #[test]
    fn merges_count_once() {
        let mut e = toy();
        // " kube" is one token as a whole piece; " kubernetes" is not, and its merges only reach "ne",
        // so its 11 bytes cost 10 tokens.
        let r = mine(&mut e, &[" kubernetes kube kubernetes"], &opts(1, 1, 10));
        let k = find(&r, " kubernetes").unwrap();
        assert_eq!(k.tokens, 10);
        assert_eq!(k.frequency, 2);
        assert!(find(&r, " kube").is_none());
    }

    #[test]
    fn multi_word_runs() {
        let mut e = toy();
        let text = "machine learning, machine learning. Deep machine learning\nmachine  learning";
        let r = mine(&mut e, &[text], &opts(3, 1, 100));
        assert_eq!(find(&r, "machine learning").unwrap().frequency, 1);
        let ml = find(&r, " machine learning").unwrap();
        assert_eq!((ml.frequency, ml.words), (2, 2));
        assert_eq!(ml.tokens, e.encode_ordinary(" machine learning").len());
        let dml = find(&r, " Deep machine learning").unwrap();
        assert_eq!((dml.frequency, dml.words), (1, 3));
        assert_eq!(
            dml.tokens,
            e.encode_ordinary(" Deep machine learning").len()
        );
        // A comma, a newline or a double space ends a run.
        assert!(r.candidates.iter().all(|c| !c.term.contains(',')));
        assert!(find(&r, " learning\nmachine").is_none());
        assert!(find(&r, "machine  learning").is_none());
        assert!(find(&r, "learning machine").is_none());
        // Runs do not continue from one text into the next.
        let r = mine(&mut e, &["alpha", " beta"], &opts(2, 1, 100));
        assert!(find(&r, "alpha beta").is_none());
        // max_words 1 gives single words only.
        let r = mine(&mut e, &[text], &opts(1, 1, 100));
        assert!(r.candidates.iter().all(|c| c.words == 1));
        // max_words 2 stops at pairs.
        let r = mine(&mut e, &[text], &opts(2, 1, 100));
        assert!(r.candidates.iter().all(|c| c.words <= 2));
        assert!(r.candidates.iter().any(|c| c.words == 2));
    }

    #[test]
    fn ordering_is_by_saving_then_term() {
        let mut e = toy();
        // " ab" (3 tokens) x4 = 8; " zz" (3) x4 = 8; " longer" (7) x2 = 12; " xy" (3) x3 = 6.
        let text = " ab ab ab ab zz zz zz zz longer longer xy xy xy";
        let r = mine(&mut e, &[text], &opts(1, 1, 100));
        let terms: Vec<&str> = r.candidates.iter().map(|c| c.term.as_str()).collect();
        assert_eq!(terms, [" longer", " ab", " zz", " xy"]);
        let savings: Vec<usize> = r.candidates.iter().map(|c| c.saving).collect();
        assert_eq!(savings, [12, 8, 8, 6]);
        // `top` keeps the best, in the same order.
        let r = mine(&mut e, &[text], &opts(1, 1, 2));
        let terms: Vec<&str> = r.candidates.iter().map(|c| c.term.as_str()).collect();
        assert_eq!(terms, [" longer", " ab"]);
        assert!(mine(&mut e, &[text], &opts(1, 1, 0)).candidates.is_empty());
    }

    #[test]
    fn min_frequency_filter() {
        let mut e = toy();
        let text = " ab ab ab zz zz xy";
        let r = mine(&mut e, &[text], &opts(1, 3, 100));
        let terms: Vec<&str> = r.candidates.iter().map(|c| c.term.as_str()).collect();
        assert_eq!(terms, [" ab"]);
        let r = mine(&mut e, &[text], &opts(1, 2, 100));
        assert_eq!(r.candidates.len(), 2);
        // 0 behaves like 1.
        let r = mine(&mut e, &[text], &opts(1, 0, 100));
        assert_eq!(r.candidates.len(), 3);
    }

    #[test]
    fn low_value_flag() {
        let mut e = toy();
        // 5 occurrences of a 3-token word in a small corpus: high share, frequency at the bar.
        let r = mine(&mut e, &[" ab ab ab ab ab"], &opts(1, 1, 10));
        assert!(!r.candidates[0].low_value);
        // 4 occurrences: under the frequency bar.
        let r = mine(&mut e, &[" ab ab ab ab"], &opts(1, 1, 10));
        assert!(r.candidates[0].low_value);
        // Frequent, but a tiny share of a large corpus.
        let filler = " x".repeat(100_000);
        let text = format!(" ab ab ab ab ab{filler}");
        let r = mine(&mut e, &[&text], &opts(1, 1, 10));
        let ab = find(&r, " ab").unwrap();
        assert!(ab.share < LOW_VALUE_SHARE);
        assert!(ab.low_value);
    }

    #[test]
    fn empty_input() {
        let mut e = toy();
        let r = mine(&mut e, &[], &MiningOptions::default());
        assert_eq!(r.total_tokens, 0);
        assert!(r.candidates.is_empty());
        let r = mine(&mut e, &["", "  \n"], &MiningOptions::default());
        assert!(r.candidates.is_empty());
    }

    #[test]
    fn defaults() {
        let d = MiningOptions::default();
        assert_eq!((d.max_words, d.min_frequency, d.top), (2, 3, 50));
    }
}
