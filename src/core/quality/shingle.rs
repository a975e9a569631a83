//! Word n-gram shingles, hashed to 64 bits, for Jaccard similarity between documents.
//!
//! A document's words are its runs of alphanumeric characters, lower-cased; a shingle is `k` consecutive
//! words. Jaccard similarity of two documents is |A ∩ B| / |A ∪ B| over their shingle *sets*, the measure
//! datasketch's MinHash estimates with word 5-grams in the course's comparison. Hashes are FNV-1a over the
//! words' UTF-8 with a separator, finished by splitmix64: stable across platforms and runs, so signatures
//! are reproducible.

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// splitmix64's finaliser: spreads the bits of `x` over the whole word.
pub fn mix64(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The hash of a word before its first byte.
pub const WORD_START: u64 = FNV_OFFSET;

/// A word's hash with one more (lower-cased) byte: FNV-1a.
#[inline(always)]
pub fn word_hash_step(h: u64, byte: u8) -> u64 {
    (h ^ byte as u64).wrapping_mul(FNV_PRIME)
}

fn fnv(h: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(h, |h, &b| (h ^ b as u64).wrapping_mul(FNV_PRIME))
}

/// The lower-cased words of `text` (runs of alphanumeric characters).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The hash of each lower-cased word of `text`, in order — [`words`] without allocating a string per word
/// (the hot loop when shingling 50k documents).
pub fn word_hashes(text: &str) -> Vec<u64> {
    let mut out = Vec::with_capacity(text.len() / 5);
    word_hashes_into(text, &mut out);
    out
}

/// [`word_hashes`] appended to `out` (a buffer reused across rows saves an allocation per field).
pub fn word_hashes_into(text: &str, out: &mut Vec<u64>) {
    let mut h = FNV_OFFSET;
    let mut in_word = false;
    let mut buf = [0u8; 4];
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // ASCII bytes (nearly all of English prose) skip UTF-8 decoding and the Unicode tables.
        let (word_char, len) = if b < 0x80 {
            let alnum = b.is_ascii_alphanumeric();
            if alnum {
                h = (h ^ b.to_ascii_lowercase() as u64).wrapping_mul(FNV_PRIME);
            }
            (alnum, 1)
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            let alnum = c.is_alphanumeric();
            if alnum {
                for l in c.to_lowercase() {
                    h = fnv(h, l.encode_utf8(&mut buf).as_bytes());
                }
            }
            (alnum, c.len_utf8())
        };
        if word_char {
            in_word = true;
        } else if in_word {
            out.push(h);
            h = FNV_OFFSET;
            in_word = false;
        }
        i += len;
    }
    if in_word {
        out.push(h);
    }
}

/// The sorted, distinct hashes of `text`'s word `k`-grams. A text with fewer than `k` words has one
/// shingle (all its words), so short texts still compare; an empty text has none.
pub fn shingles(text: &str, k: usize) -> Vec<u64> {
    let mut out = shingle_bag(text, k);
    out.sort_unstable();
    out.dedup();
    out
}

/// [`shingles`] unsorted and with repeats: enough for a MinHash signature, which only looks at minima.
pub fn shingle_bag(text: &str, k: usize) -> Vec<u64> {
    let k = k.max(1);
    let word_hashes = word_hashes(text);
    if word_hashes.is_empty() {
        Vec::new()
    } else if word_hashes.len() < k {
        vec![gram_of(&word_hashes)]
    } else {
        word_hashes.windows(k).map(gram_of).collect()
    }
}

/// One shingle's hash from its words' hashes (order matters: "a b" ≠ "b a").
pub fn gram_of(word_hashes: &[u64]) -> u64 {
    mix64(word_hashes.iter().fold(FNV_OFFSET, |h, &w| {
        (h ^ w).wrapping_mul(FNV_PRIME).rotate_left(17)
    }))
}

/// Exact Jaccard similarity of two sorted, distinct shingle sets (1.0 for two empty sets).
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    both as f64 / (a.len() + b.len() - both) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shingles_are_word_grams_case_and_punctuation_blind() {
        assert_eq!(
            words("Hello, WORLD! it's 2026"),
            ["hello", "world", "it", "s", "2026"]
        );
        let a = shingles("The quick brown fox jumps", 2);
        assert_eq!(a.len(), 4);
        assert_eq!(a, shingles("the QUICK, brown... fox jumps!", 2));
        assert_ne!(shingles("a b", 2), shingles("b a", 2), "order matters");
        assert_eq!(
            shingles("just two", 5).len(),
            1,
            "short texts still have a shingle"
        );
        assert!(shingles("  ,.; ", 5).is_empty());
        // Repeated grams count once.
        assert_eq!(shingles("x y x y x y", 2).len(), 2);
    }

    #[test]
    fn exact_jaccard() {
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
        assert_eq!(jaccard(&[], &[]), 1.0);
        assert_eq!(jaccard(&[1], &[]), 0.0);
        assert_eq!(jaccard(&[1, 5, 9], &[1, 5, 9]), 1.0);
    }
}
