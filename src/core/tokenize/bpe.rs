//! Byte-pair merging with tiktoken's rank rule, plus the encoder that ties split pattern, ranks and a cache.
//!
//! tiktoken's rule: inside one piece, repeatedly merge the adjacent pair whose concatenated bytes have the
//! lowest rank in the vocabulary (the leftmost such pair on a tie), until no adjacent pair is in the
//! vocabulary. The tokens are the ranks of the final parts. We follow it step for step, because the ids
//! must be identical to tiktoken's.
//!
//! Speed comes from elsewhere: a 64K table answers two-byte pairs without hashing, whole pieces that are one
//! token are looked up once, and a cache remembers every piece already encoded — in prose most pieces are
//! common words seen many times.

use rustc_hash::FxHashMap;

use super::pretokenize::SplitPattern;

/// A token id. In tiktoken's files the rank of a byte string is its id.
pub type Rank = u32;

const NONE: Rank = Rank::MAX;
/// Pieces longer than this are merged every time rather than cached (they are rare and would bloat the cache).
const CACHE_MAX_PIECE: usize = 64;
/// The cache is emptied when it holds this many pieces, so memory stays bounded on huge inputs.
const CACHE_MAX_ENTRIES: usize = 300_000;

/// Why an encoder could not be built from a vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VocabError(pub String);

impl std::fmt::Display for VocabError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VocabError {}

/// A tiktoken-compatible encoder: split pattern, mergeable ranks, special tokens, and a piece cache.
pub struct Encoder {
    pattern: SplitPattern,
    ranks: FxHashMap<Vec<u8>, Rank>,
    /// Rank of every two-byte string, `NONE` when it is not a token.
    pair: Box<[Rank]>,
    /// Rank of every single byte (all 256 are tokens in byte-level BPE).
    byte: [Rank; 256],
    /// Bytes of every ordinary token, by rank: `bytes[offsets[r]..offsets[r + 1]]`.
    offsets: Vec<u32>,
    bytes: Vec<u8>,
    specials: Vec<(String, Rank)>,
    /// Added tokens (the notebook's way of extending a tokenizer): matched in the text before BPE, always.
    added: Vec<(String, Rank)>,
    cache: FxHashMap<Box<[u8]>, (u32, u32)>,
    arena: Vec<Rank>,
}

impl Encoder {
    /// Builds an encoder. Every single byte must be a token, as in all of tiktoken's encodings.
    pub fn new(
        pattern: SplitPattern,
        ranks: FxHashMap<Vec<u8>, Rank>,
        specials: Vec<(String, Rank)>,
    ) -> Result<Self, VocabError> {
        let mut byte = [NONE; 256];
        let mut pair = vec![NONE; 65536].into_boxed_slice();
        let mut max = 0;
        for (k, &r) in &ranks {
            match k.len() {
                1 => byte[k[0] as usize] = r,
                2 => pair[(k[0] as usize) << 8 | k[1] as usize] = r,
                _ => {}
            }
            max = max.max(r);
        }
        if let Some(b) = byte.iter().position(|&r| r == NONE) {
            return Err(VocabError(format!(
                "the vocabulary has no token for the byte 0x{b:02X}; a byte-level BPE needs all 256"
            )));
        }
        let n = max as usize + 1;
        let mut by_rank: Vec<&[u8]> = vec![&[]; n];
        for (k, &r) in &ranks {
            by_rank[r as usize] = k;
        }
        let mut offsets = Vec::with_capacity(n + 1);
        let mut bytes = Vec::new();
        offsets.push(0);
        for k in by_rank {
            bytes.extend_from_slice(k);
            offsets.push(bytes.len() as u32);
        }
        Ok(Encoder {
            pattern,
            ranks,
            pair,
            byte,
            offsets,
            bytes,
            specials,
            added: Vec::new(),
            cache: FxHashMap::default(),
            arena: Vec::new(),
        })
    }

    /// A new encoder with this one's vocabulary plus `new_ranks` (ordinary, mergeable tokens) and `added`
    /// (tokens matched before BPE). The piece cache starts empty, since merges may change.
    pub fn extended(
        &self,
        new_ranks: &[(Vec<u8>, Rank)],
        added: &[(String, Rank)],
    ) -> Result<Encoder, VocabError> {
        let mut ranks = self.ranks.clone();
        for (bytes, r) in new_ranks {
            if ranks.insert(bytes.clone(), *r).is_some() {
                return Err(VocabError(format!(
                    "{:?} is already a token",
                    String::from_utf8_lossy(bytes)
                )));
            }
        }
        let mut enc = Encoder::new(self.pattern, ranks, self.specials.clone())?;
        enc.added = self.added.clone();
        enc.added.extend(added.iter().cloned());
        Ok(enc)
    }

    /// Added tokens, as (text, id).
    pub fn added(&self) -> &[(String, Rank)] {
        &self.added
    }

    /// The split pattern this encoder uses.
    pub fn pattern(&self) -> SplitPattern {
        self.pattern
    }

    /// The special tokens, as (text, id).
    pub fn specials(&self) -> &[(String, Rank)] {
        &self.specials
    }

    /// Number of ordinary (mergeable) tokens.
    pub fn n_ordinary(&self) -> usize {
        self.ranks.len()
    }

    /// Size of the id space, special tokens included (tiktoken's `n_vocab`).
    pub fn n_vocab(&self) -> usize {
        let max_special = self
            .specials
            .iter()
            .chain(&self.added)
            .map(|s| s.1 as usize + 1)
            .max()
            .unwrap_or(0);
        (self.offsets.len() - 1).max(max_special)
    }

    /// The rank of a byte string, if it is an ordinary token.
    pub fn rank_of(&self, bytes: &[u8]) -> Option<Rank> {
        self.ranks.get(bytes).copied()
    }

    /// The bytes of a token (ordinary or special), if the id exists.
    pub fn token_bytes(&self, id: Rank) -> Option<&[u8]> {
        if let Some((s, _)) = self.specials.iter().chain(&self.added).find(|s| s.1 == id) {
            return Some(s.as_bytes());
        }
        let i = id as usize;
        if i + 1 >= self.offsets.len() {
            return None;
        }
        let (a, b) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        (a < b).then(|| &self.bytes[a..b])
    }

    /// The bytes of a sequence of tokens; unknown ids are skipped.
    pub fn decode_bytes(&self, ids: &[Rank]) -> Vec<u8> {
        let mut out = Vec::new();
        for &id in ids {
            if let Some(b) = self.token_bytes(id) {
                out.extend_from_slice(b);
            }
        }
        out
    }

    /// Encodes text with special tokens treated as plain text (tiktoken's `encode_ordinary`).
    pub fn encode_ordinary(&mut self, text: &str) -> Vec<Rank> {
        let mut out = Vec::with_capacity(text.len() / 4 + 1);
        self.encode_segment(text, 0, text.len(), &mut out);
        out
    }

    /// Encodes text; with `allow_special`, special tokens such as `<|endoftext|>` become their ids
    /// (tiktoken's `encode(text, allowed_special="all")`), otherwise they are plain text.
    pub fn encode(&mut self, text: &str, allow_special: bool) -> Vec<Rank> {
        let mut job = EncodeJob::new(self, text, allow_special);
        while !self.step(&mut job, text, usize::MAX) {}
        job.tokens
    }

    /// Counts tokens without keeping them.
    pub fn count(&mut self, text: &str, allow_special: bool) -> usize {
        self.encode(text, allow_special).len()
    }

    /// Advances `job` by about `budget` bytes of `text`; returns true when the whole text is encoded.
    /// Long texts are encoded in such steps so the page can breathe between them.
    pub fn step(&mut self, job: &mut EncodeJob, text: &str, budget: usize) -> bool {
        let mut spent = 0usize;
        while job.seg < job.segments.len() {
            let seg = job.segments[job.seg];
            if job.pos < seg.end {
                let seg_text = &text[seg.start..seg.end];
                let from = job.pos - seg.start;
                let want = budget.saturating_sub(spent);
                let reached = self.encode_segment(seg_text, from, want, &mut job.tokens);
                spent += reached - from;
                job.pos = seg.start + reached;
                if job.pos < seg.end {
                    return false;
                }
            }
            if let Some(id) = seg.special_after {
                job.tokens.push(id);
            }
            job.seg += 1;
            job.pos = job.segments.get(job.seg).map_or(text.len(), |s| s.start);
            if spent >= budget {
                return job.seg >= job.segments.len();
            }
        }
        true
    }

    /// Encodes pieces of `seg` from byte `from` until at least `budget` bytes are done or the segment ends;
    /// returns where it stopped (always a piece boundary). The pattern sees `seg` as the whole text, which is
    /// what tiktoken does between special tokens.
    fn encode_segment(
        &mut self,
        seg: &str,
        from: usize,
        budget: usize,
        out: &mut Vec<Rank>,
    ) -> usize {
        let limit = from.saturating_add(budget);
        let mut pos = from;
        let b = seg.as_bytes();
        while pos < b.len() && pos < limit {
            let end = self.pattern.next_piece(seg, pos);
            self.encode_piece(&b[pos..end], out);
            pos = end;
        }
        pos
    }

    /// Encodes one piece (a whole match of this encoder's split pattern) onto `out`. For callers that split
    /// text once and encode the same pieces with two encoders (before/after an extension).
    #[inline]
    pub fn encode_piece(&mut self, piece: &[u8], out: &mut Vec<Rank>) {
        if piece.len() == 1 {
            out.push(self.byte[piece[0] as usize]);
            return;
        }
        if let Some(&(start, len)) = self.cache.get(piece) {
            out.extend_from_slice(&self.arena[start as usize..(start + len) as usize]);
            return;
        }
        let before = out.len();
        if let Some(&r) = self.ranks.get(piece) {
            out.push(r);
        } else {
            self.merge(piece, out, None);
        }
        if piece.len() <= CACHE_MAX_PIECE {
            if self.cache.len() >= CACHE_MAX_ENTRIES {
                self.cache.clear();
                self.arena.clear();
            }
            let start = self.arena.len() as u32;
            self.arena.extend_from_slice(&out[before..]);
            self.cache
                .insert(piece.into(), (start, (out.len() - before) as u32));
        }
    }

    #[inline]
    fn rank_of_span(&self, piece: &[u8], a: usize, b: usize) -> Rank {
        match b - a {
            2 => self.pair[(piece[a] as usize) << 8 | piece[a + 1] as usize],
            _ => self.ranks.get(&piece[a..b]).copied().unwrap_or(NONE),
        }
    }

    /// tiktoken's `byte_pair_merge`: `parts` holds the start of every part and the rank of the pair that
    /// starts there; the lowest-ranked pair is merged until none is left.
    /// How BPE builds the tokens of `piece`: the parts before any merge (single bytes), then after each merge.
    /// This is what students need to see to understand why a new token must be reachable.
    pub fn merge_steps(&self, piece: &[u8]) -> Vec<Vec<Vec<u8>>> {
        if piece.is_empty() {
            return vec![];
        }
        let mut starts: Vec<Vec<usize>> = vec![(0..piece.len()).collect()];
        if piece.len() > 1 {
            self.merge(piece, &mut Vec::new(), Some(&mut starts));
        }
        starts
            .iter()
            .map(|st| {
                st.iter()
                    .enumerate()
                    .map(|(k, &a)| piece[a..st.get(k + 1).copied().unwrap_or(piece.len())].to_vec())
                    .collect()
            })
            .collect()
    }

    fn merge(&self, piece: &[u8], out: &mut Vec<Rank>, mut trace: Option<&mut Vec<Vec<usize>>>) {
        let mut parts: Vec<(usize, Rank)> = Vec::with_capacity(piece.len() + 1);
        let mut min = (NONE, usize::MAX);
        for i in 0..piece.len() - 1 {
            let r = self.rank_of_span(piece, i, i + 2);
            if r < min.0 {
                min = (r, i);
            }
            parts.push((i, r));
        }
        parts.push((piece.len() - 1, NONE));
        parts.push((piece.len(), NONE));
        while min.0 != NONE {
            let i = min.1;
            let rank_at = |parts: &Vec<(usize, Rank)>, i: usize| {
                if i + 3 < parts.len() {
                    self.rank_of_span(piece, parts[i].0, parts[i + 3].0)
                } else {
                    NONE
                }
            };
            if i > 0 {
                parts[i - 1].1 = rank_at(&parts, i - 1);
            }
            parts[i].1 = rank_at(&parts, i);
            parts.remove(i + 1);
            if let Some(t) = trace.as_deref_mut() {
                t.push(parts[..parts.len() - 1].iter().map(|p| p.0).collect());
            }
            min = (NONE, usize::MAX);
            for (j, &(_, r)) in parts[..parts.len() - 1].iter().enumerate() {
                if r < min.0 {
                    min = (r, j);
                }
            }
        }
        for w in parts.windows(2) {
            let (a, b) = (w[0].0, w[1].0);
            let r = if b - a == 1 {
                self.byte[piece[a] as usize]
            } else {
                self.rank_of_span(piece, a, b)
            };
            out.push(r);
        }
    }
}

/// A GPT-2-pattern encoder over the 256 single bytes (rank = byte value) plus `merges` and `specials`:
/// small vocabularies whose every id a test can work out by hand.
#[cfg(test)]
pub(crate) fn byte_level_for_tests(merges: &[(&str, Rank)], specials: &[(&str, Rank)]) -> Encoder {
    let mut ranks: FxHashMap<Vec<u8>, Rank> = (0..=255u8).map(|b| (vec![b], b as Rank)).collect();
    for (m, r) in merges {
        ranks.insert(m.as_bytes().to_vec(), *r);
    }
    let specials = specials.iter().map(|(s, r)| (s.to_string(), *r)).collect();
    Encoder::new(SplitPattern::Gpt2, ranks, specials).expect("a valid test vocabulary")
}

/// One stretch of text between special tokens, and the special token that follows it (if any).
#[derive(Clone, Copy, Debug)]
struct Segment {
    start: usize,
    end: usize,
    special_after: Option<Rank>,
}

/// Cuts `text` at every occurrence of a matcher (special or added token): leftmost first, and the longest
/// matcher when several start at the same place. Each matcher's next occurrence is remembered, so the text
/// is scanned once per matcher rather than once per occurrence.
fn cut_at_matches(text: &str, matchers: &[(&str, Rank)]) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut next: Vec<Option<usize>> = matchers.iter().map(|(m, _)| text.find(m)).collect();
    let mut start = 0;
    loop {
        let best = next
            .iter()
            .enumerate()
            .filter_map(|(k, p)| p.map(|p| (p, k)))
            .min_by(|a, b| {
                a.0.cmp(&b.0)
                    .then(matchers[b.1].0.len().cmp(&matchers[a.1].0.len()))
            });
        let Some((at, k)) = best else { break };
        let (m, id) = matchers[k];
        segments.push(Segment {
            start,
            end: at,
            special_after: Some(id),
        });
        start = at + m.len();
        for (j, p) in next.iter_mut().enumerate() {
            if p.is_some_and(|p| p < start) {
                *p = text[start..].find(matchers[j].0).map(|o| start + o);
            }
        }
    }
    segments.push(Segment {
        start,
        end: text.len(),
        special_after: None,
    });
    segments
}

/// An encoding in progress, advanced by [`Encoder::step`].
pub struct EncodeJob {
    segments: Vec<Segment>,
    seg: usize,
    pos: usize,
    /// The ids produced so far.
    pub tokens: Vec<Rank>,
}

impl EncodeJob {
    /// Prepares to encode `text`; with `allow_special`, it is cut at every special token first.
    pub fn new(encoder: &Encoder, text: &str, allow_special: bool) -> Self {
        let mut matchers: Vec<(&str, Rank)> = encoder
            .added
            .iter()
            .map(|(s, r)| (s.as_str(), *r))
            .collect();
        if allow_special {
            matchers.extend(encoder.specials.iter().map(|(s, r)| (s.as_str(), *r)));
        }
        matchers.retain(|(s, _)| !s.is_empty());
        EncodeJob {
            segments: cut_at_matches(text, &matchers),
            seg: 0,
            pos: 0,
            tokens: Vec::with_capacity(text.len() / 4 + 1),
        }
    }

    /// How many bytes of the text are done (for a progress bar).
    pub fn done_bytes(&self) -> usize {
        self.pos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy vocabulary: all bytes, plus "ab" (rank 256), "cd" (257), "abcd" (258).
    fn toy() -> Encoder {
        crate::core::tokenize::bpe::byte_level_for_tests(
            &[("ab", 256), ("cd", 257), ("abcd", 258)],
            &[("<|endoftext|>", 259)],
        )
    }

    #[test]
    fn merges_by_lowest_rank() {
        let mut e = toy();
        assert_eq!(e.encode_ordinary("abcd"), [258]);
        assert_eq!(e.encode_ordinary("abcde"), [258, b'e' as Rank]);
        assert_eq!(e.encode_ordinary("acd"), [b'a' as Rank, 257]);
        // Cached the second time, same answer.
        assert_eq!(
            e.encode_ordinary("abcde abcde"),
            [258, b'e' as Rank, 32, 258, b'e' as Rank]
        );
    }

    #[test]
    fn special_tokens_only_when_allowed() {
        let mut e = toy();
        assert_eq!(e.encode("ab<|endoftext|>", true), [256, 259]);
        assert!(e.encode("ab<|endoftext|>", false).len() > 2);
        let ids = e.encode("x<|endoftext|>y<|", true);
        assert_eq!(e.decode_bytes(&ids), b"x<|endoftext|>y<|");
    }

    #[test]
    fn stepping_gives_the_same_ids() {
        let mut e = toy();
        let text = "abcd cdab <|endoftext|> ab  cd\n\nabcd".repeat(20);
        let whole = e.encode(&text, true);
        let mut job = EncodeJob::new(&e, &text, true);
        let mut steps = 0;
        while !e.step(&mut job, &text, 7) {
            steps += 1;
        }
        assert!(steps > 10);
        assert_eq!(job.tokens, whole);
    }

    #[test]
    fn merge_steps_show_each_merge() {
        let e = toy();
        let steps = e.merge_steps(b"abcd");
        let show = |st: &Vec<Vec<u8>>| {
            st.iter()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(show(&steps[0]), ["a", "b", "c", "d"]);
        assert_eq!(show(&steps[1]), ["ab", "c", "d"]);
        assert_eq!(show(&steps[2]), ["ab", "cd"]);
        assert_eq!(show(steps.last().unwrap()), ["abcd"]);
        assert_eq!(e.merge_steps(b"x").len(), 1);
    }

    #[test]
    fn added_tokens_match_before_bpe_leftmost_longest() {
        let base = toy();
        let ext = base
            .extended(&[], &[("NEW".into(), 300), ("NEWER".into(), 301)])
            .unwrap();
        let mut ext = ext;
        assert_eq!(
            ext.encode("xNEWERyNEW", false),
            [b'x' as Rank, 301, b'y' as Rank, 300]
        );
        assert_eq!(ext.n_vocab(), 302);
        assert_eq!(ext.token_bytes(301), Some(&b"NEWER"[..]));
        // Adding only the final bytes: tiktoken looks a whole piece up first, so the piece "xyz" itself
        // becomes one token, but inside a longer piece no merge path reaches it.
        let mut only_final = base.extended(&[(b"xyz".to_vec(), 400)], &[]).unwrap();
        assert_eq!(only_final.encode_ordinary("xyz"), [400]);
        assert_eq!(
            only_final.encode_ordinary("xyzz"),
            [b'x' as Rank, b'y' as Rank, b'z' as Rank, b'z' as Rank]
        );
        // With the intermediate merge it is an ordinary BPE token, reachable inside longer pieces too.
        let mut chain = base
            .extended(&[(b"xy".to_vec(), 400), (b"xyz".to_vec(), 401)], &[])
            .unwrap();
        assert_eq!(chain.encode_ordinary("xyz"), [401]);
        assert_eq!(chain.encode_ordinary("xyzz"), [401, b'z' as Rank]);
        assert!(base.extended(&[(b"ab".to_vec(), 401)], &[]).is_err());
    }

    #[test]
    fn refuses_vocab_without_all_bytes() {
        let ranks: FxHashMap<Vec<u8>, Rank> = (0..=200u8).map(|b| (vec![b], b as Rank)).collect();
        assert!(Encoder::new(SplitPattern::Gpt2, ranks, vec![]).is_err());
    }
}
