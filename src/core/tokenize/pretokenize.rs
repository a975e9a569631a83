//! Pre-tokenizers: the split patterns of GPT-2, cl100k_base and o200k_base, written out by hand.
//!
//! tiktoken first cuts text into *pieces* with a regular expression and only then merges bytes inside each
//! piece. Each function below returns where the piece starting at `pos` ends, following the pattern's
//! alternatives in order, including the backtracking and possessive behaviour of the regex engine, so the
//! pieces are exactly the regex matches. Matching at `pos` looks only at the text from `pos` to the end of
//! the segment, never behind, so a split can resume at any piece boundary (that is what lets long texts be
//! encoded in chunks).
//!
//! The patterns, as tiktoken-rs writes them:
//! - GPT-2 (r50k_base): `'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s`
//! - cl100k_base: `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`
//! - o200k_base: `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
//!   `|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
//!   `|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`

use super::unicode_class::{ascii_flags, flags, L, N, O200K_LOWER, O200K_UPPER, WS};

/// Which split pattern an encoding uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitPattern {
    /// GPT-2's pattern, also used by r50k_base and p50k_base.
    Gpt2,
    /// cl100k_base (GPT-3.5/GPT-4).
    Cl100k,
    /// o200k_base (GPT-4o and later).
    O200k,
    /// llama.cpp's "smollm" pre-tokenizer (SmolLM2, StarCoder): every digit alone (`\p{N}`), then GPT-2's
    /// pattern on the text between digits, so a space before a number stays a piece of its own.
    Smollm,
    /// llama.cpp's "qwen2" pre-tokenizer (Qwen2/2.5): cl100k's pattern with single digits (`\p{N}`), the
    /// contractions matched as `'[sS]` etc. (ASCII case only) and no `\s++$` alternative:
    /// `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}`
    /// `| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    Qwen2,
}

impl SplitPattern {
    /// End (exclusive, in bytes) of the piece that starts at `pos`; `pos < text.len()`.
    #[inline]
    pub fn next_piece(self, text: &str, pos: usize) -> usize {
        let b = text.as_bytes();
        match self {
            SplitPattern::Gpt2 => gpt2(b, pos),
            SplitPattern::Cl100k => cl100k(b, pos),
            SplitPattern::O200k => o200k(b, pos),
            SplitPattern::Smollm => smollm(b, pos),
            SplitPattern::Qwen2 => qwen2(b, pos),
        }
    }

    /// All pieces of `text`, as byte ranges.
    pub fn pieces(self, text: &str) -> Pieces<'_> {
        Pieces {
            pattern: self,
            text,
            pos: 0,
        }
    }
}

/// Iterator over the pieces of a text.
pub struct Pieces<'a> {
    pattern: SplitPattern,
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        if self.pos >= self.text.len() {
            return None;
        }
        let end = self.pattern.next_piece(self.text, self.pos);
        let piece = &self.text[self.pos..end];
        self.pos = end;
        Some(piece)
    }
}

/// Class flags and byte length of the character at `i` (a character boundary).
#[inline(always)]
fn class_at(b: &[u8], i: usize) -> (u16, usize) {
    let x = b[i];
    if x < 0x80 {
        return (ascii_flags(x), 1);
    }
    let (c, len) = decode(b, i);
    (flags(c), len)
}

/// Decodes the (valid UTF-8) character at `i`.
#[inline]
fn decode(b: &[u8], i: usize) -> (char, usize) {
    let x = b[i] as u32;
    let (cp, len) = if x < 0xE0 {
        (((x & 0x1F) << 6) | (b[i + 1] as u32 & 0x3F), 2)
    } else if x < 0xF0 {
        (
            ((x & 0x0F) << 12) | ((b[i + 1] as u32 & 0x3F) << 6) | (b[i + 2] as u32 & 0x3F),
            3,
        )
    } else {
        (
            ((x & 0x07) << 18)
                | ((b[i + 1] as u32 & 0x3F) << 12)
                | ((b[i + 2] as u32 & 0x3F) << 6)
                | (b[i + 3] as u32 & 0x3F),
            4,
        )
    };
    (
        char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER),
        len,
    )
}

/// End of the run of characters, starting at `i`, whose flags satisfy `keep`.
#[inline(always)]
fn run(b: &[u8], mut i: usize, keep: impl Fn(u16) -> bool) -> usize {
    while i < b.len() {
        let x = b[i];
        if x < 0x80 {
            if !keep(ascii_flags(x)) {
                break;
            }
            i += 1;
        } else {
            let (f, len) = class_at(b, i);
            if !keep(f) {
                break;
            }
            i += len;
        }
    }
    i
}

/// Start of the character that ends at `i`.
#[inline]
fn prev_boundary(b: &[u8], mut i: usize) -> usize {
    i -= 1;
    while i > 0 && (b[i] & 0xC0) == 0x80 {
        i -= 1;
    }
    i
}

/// Neither white space, nor letter, nor number: `[^\s\p{L}\p{N}]`.
#[inline(always)]
fn is_other(f: u16) -> bool {
    f & (WS | L | N) == 0
}

/// The white-space alternatives shared by GPT-2 and cl100k: `\s++$`, then (cl100k only) `\s*[\r\n]`,
/// then `\s+(?!\S)`, then `\s`. `s` starts a white-space character.
#[inline]
fn whitespace(b: &[u8], s: usize, newline_rule: bool) -> usize {
    let w = run(b, s, |f| f & WS != 0);
    if w == b.len() {
        return w;
    }
    if newline_rule {
        if let Some(q) = b[s..w].iter().rposition(|&x| x == b'\r' || x == b'\n') {
            return s + q + 1;
        }
    }
    let back = prev_boundary(b, w);
    if back > s {
        back
    } else {
        w
    }
}

/// `'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d` after the apostrophe at `i - 1`; returns the suffix length.
/// With `fold`, letters match case-insensitively the way the regex engine folds them (so `ſ` is an `s`).
#[inline]
fn contraction(b: &[u8], i: usize, fold: bool) -> Option<usize> {
    let at = |k: usize| -> Option<u8> {
        let x = *b.get(i + k)?;
        Some(if fold { x.to_ascii_lowercase() } else { x })
    };
    match at(0)? {
        b's' | b'd' | b'm' | b't' => Some(1),
        b'l' if at(1) == Some(b'l') => Some(2),
        b'v' | b'r' if at(1) == Some(b'e') => Some(2),
        // U+017F LATIN SMALL LETTER LONG S folds to `s`.
        0xC5 if fold && b.get(i + 1) == Some(&0xBF) => Some(2),
        _ => None,
    }
}

fn gpt2(b: &[u8], s: usize) -> usize {
    let c0 = b[s];
    if c0 == b'\'' {
        if let Some(n) = contraction(b, s + 1, false) {
            return s + 1 + n;
        }
    }
    let start = if c0 == b' ' { s + 1 } else { s };
    if start < b.len() {
        let (f, _) = class_at(b, start);
        if f & L != 0 {
            return run(b, start, |f| f & L != 0);
        }
        if f & N != 0 {
            return run(b, start, |f| f & N != 0);
        }
        if is_other(f) {
            return run(b, start, is_other);
        }
    }
    whitespace(b, s, false)
}

fn cl100k(b: &[u8], s: usize) -> usize {
    cl100k_like(b, s, 3, true)
}

/// cl100k's alternatives, shared with llama.cpp's qwen2 pattern: `digits` is the longest run of numbers
/// in one piece (3 for cl100k, 1 for qwen2); `tiktoken` selects tiktoken's regex details (contractions
/// folded as the regex engine folds, so `'ſ` counts, and `\s++$` tried before the newline rule) over
/// llama.cpp's (`'[sS]`, and `\s*[\r\n]+` first).
#[inline(always)]
fn cl100k_like(b: &[u8], s: usize, digits: usize, tiktoken: bool) -> usize {
    let c0 = b[s];
    if c0 == b'\'' {
        if let Some(n) = contraction(b, s + 1, true) {
            // Without the regex engine's folding only ASCII letters fold, so `'ſ` is not a contraction.
            if tiktoken || !(n == 2 && b[s + 1] == 0xC5) {
                return s + 1 + n;
            }
        }
    }
    let (f0, len0) = class_at(b, s);
    // `[^\r\n\p{L}\p{N}]?+\p{L}++` — the optional prefix is possessive: once taken it is never given back.
    if f0 & L != 0 {
        return run(b, s, |f| f & L != 0);
    }
    if c0 != b'\r' && c0 != b'\n' && f0 & N == 0 {
        let p = s + len0;
        if p < b.len() && class_at(b, p).0 & L != 0 {
            return run(b, p, |f| f & L != 0);
        }
    }
    // `\p{N}{1,digits}+`
    if f0 & N != 0 {
        let mut e = s + len0;
        for _ in 1..digits {
            if e < b.len() {
                let (f, l) = class_at(b, e);
                if f & N != 0 {
                    e += l;
                    continue;
                }
            }
            break;
        }
        return e;
    }
    // ` ?[^\s\p{L}\p{N}]++[\r\n]*+`
    let start = if c0 == b' ' { s + 1 } else { s };
    if start < b.len() && is_other(class_at(b, start).0) {
        let e = run(b, start, is_other);
        return e + b[e..]
            .iter()
            .take_while(|&&x| x == b'\r' || x == b'\n')
            .count();
    }
    if tiktoken {
        return whitespace(b, s, true);
    }
    // `\s*[\r\n]+` (up to the last newline of the run), then `\s+(?!\S)`, then `\s+`.
    let w = run(b, s, |f| f & WS != 0);
    if let Some(q) = b[s..w].iter().rposition(|&x| x == b'\r' || x == b'\n') {
        return s + q + 1;
    }
    if w == b.len() {
        return w;
    }
    let back = prev_boundary(b, w);
    if back > s {
        back
    } else {
        w
    }
}

/// `\p{N}` first, then GPT-2's pattern within the text up to the next digit.
fn smollm(b: &[u8], s: usize) -> usize {
    let (f0, len0) = class_at(b, s);
    if f0 & N != 0 {
        return s + len0;
    }
    let seg_end = run(b, s, |f| f & N == 0);
    gpt2(&b[..seg_end], s)
}

fn qwen2(b: &[u8], s: usize) -> usize {
    cl100k_like(b, s, 1, false)
}

/// One of o200k's two word alternatives starting at `p`: with `upper_first` it is
/// `[upper]*[lower]+` (backtracking the greedy star), otherwise `[upper]+[lower]*`.
#[inline]
fn o200k_word(b: &[u8], p: usize, lower_required: bool) -> Option<usize> {
    if p >= b.len() {
        return None;
    }
    let r = run(b, p, |f| f & O200K_UPPER != 0);
    let end = if r < b.len() && class_at(b, r).0 & O200K_LOWER != 0 {
        run(b, r, |f| f & O200K_LOWER != 0)
    } else if lower_required {
        // Backtrack the upper run to its last character that is also "lower" (Lm, Lo, M).
        let mut q = r;
        loop {
            if q <= p {
                return None;
            }
            q = prev_boundary(b, q);
            let (f, l) = class_at(b, q);
            if f & O200K_LOWER != 0 {
                break q + l;
            }
        }
    } else if r > p {
        r
    } else {
        return None;
    };
    // `(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
    if b.get(end) == Some(&b'\'') {
        if let Some(n) = contraction(b, end + 1, true) {
            return Some(end + 1 + n);
        }
    }
    Some(end)
}

fn o200k(b: &[u8], s: usize) -> usize {
    let c0 = b[s];
    let (f0, len0) = class_at(b, s);
    let prefixed = c0 != b'\r' && c0 != b'\n' && f0 & (L | N) == 0;
    for lower_required in [true, false] {
        if prefixed {
            if let Some(e) = o200k_word(b, s + len0, lower_required) {
                return e;
            }
        }
        if let Some(e) = o200k_word(b, s, lower_required) {
            return e;
        }
    }
    // `\p{N}{1,3}`
    if f0 & N != 0 {
        let mut e = s + len0;
        for _ in 0..2 {
            if e < b.len() {
                let (f, l) = class_at(b, e);
                if f & N != 0 {
                    e += l;
                    continue;
                }
            }
            break;
        }
        return e;
    }
    // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
    let start = if c0 == b' ' { s + 1 } else { s };
    if start < b.len() && is_other(class_at(b, start).0) {
        let e = run(b, start, is_other);
        return e + b[e..]
            .iter()
            .take_while(|&&x| x == b'\r' || x == b'\n' || x == b'/')
            .count();
    }
    // `\s*[\r\n]+`, then `\s+(?!\S)`, then `\s+`.
    let w = run(b, s, |f| f & WS != 0);
    if let Some(q) = b[s..w].iter().rposition(|&x| x == b'\r' || x == b'\n') {
        return s + q + 1;
    }
    if w == b.len() {
        return w;
    }
    let back = prev_boundary(b, w);
    if back > s {
        back
    } else {
        w
    }
}

#[cfg(test)]
mod tests {
    use super::SplitPattern::*;
    use super::*;

    fn split(p: SplitPattern, t: &str) -> Vec<&str> {
        p.pieces(t).collect()
    }

    #[test]
    fn gpt2_basic() {
        assert_eq!(
            split(Gpt2, "Hello world's  end\n\n"),
            ["Hello", " world", "'s", " ", " end", "\n\n"]
        );
        assert_eq!(split(Gpt2, "a  b"), ["a", " ", " b"]);
        assert_eq!(split(Gpt2, " 123!!"), [" 123", "!!"]);
    }

    #[test]
    fn cl100k_basic() {
        assert_eq!(split(Cl100k, "12345 abc"), ["123", "45", " abc"]);
        assert_eq!(
            split(Cl100k, "He'LL go.\n\nx"),
            ["He", "'LL", " go", ".\n\n", "x"]
        );
        assert_eq!(split(Cl100k, "a \n b"), ["a", " \n", " b"]);
    }

    #[test]
    fn o200k_basic() {
        assert_eq!(
            split(O200k, "HelloWorld ABC's"),
            ["Hello", "World", " ABC's"]
        );
        assert_eq!(split(O200k, "a/b//\nc"), ["a", "/b", "//\n", "c"]);
    }
}
