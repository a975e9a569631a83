//! Unicode character classes for the split patterns, with a fast path for ASCII.
//!
//! The table comes from `regex-syntax` (see `tests/unicode_tables.rs`), the library whose classes
//! tiktoken's regular expressions use, so `\p{L}` here means exactly what it means there.

use super::unicode_tables::RANGES;

/// `\p{L}`: any letter.
pub const L: u16 = 1;
/// `\p{N}`: any number.
pub const N: u16 = 1 << 1;
/// `\s`: Unicode white space.
pub const WS: u16 = 1 << 2;
/// `\p{Lu}`: upper-case letter.
pub const LU: u16 = 1 << 3;
/// `\p{Lt}`: title-case letter.
pub const LT: u16 = 1 << 4;
/// `\p{Lm}`: modifier letter.
pub const LM: u16 = 1 << 5;
/// `\p{Lo}`: other letter.
pub const LO: u16 = 1 << 6;
/// `\p{Ll}`: lower-case letter.
pub const LL: u16 = 1 << 7;
/// `\p{M}`: combining mark.
pub const M: u16 = 1 << 8;

/// o200k's "upper" class `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`.
pub const O200K_UPPER: u16 = LU | LT | LM | LO | M;
/// o200k's "lower" class `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`.
pub const O200K_LOWER: u16 = LL | LM | LO | M;

const fn lookup(cp: u32) -> u16 {
    let (mut lo, mut hi) = (0usize, RANGES.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        let (a, b, m) = RANGES[mid];
        if cp < a {
            hi = mid;
        } else if cp > b {
            lo = mid + 1;
        } else {
            return m;
        }
    }
    0
}

const fn ascii_table() -> [u16; 128] {
    let mut t = [0u16; 128];
    let mut i = 0;
    while i < 128 {
        t[i] = lookup(i as u32);
        i += 1;
    }
    t
}

static ASCII: [u16; 128] = ascii_table();

/// The class flags of one character.
#[inline]
pub fn flags(c: char) -> u16 {
    let cp = c as u32;
    if cp < 128 {
        ASCII[cp as usize]
    } else {
        lookup(cp)
    }
}

/// The class flags of one ASCII byte (`b < 128`).
#[inline]
pub fn ascii_flags(b: u8) -> u16 {
    ASCII[b as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_classes() {
        assert_eq!(flags('a') & (L | LL), L | LL);
        assert_eq!(flags('Q') & (L | LU), L | LU);
        assert_eq!(flags('7'), N);
        for c in [' ', '\t', '\n', '\r', '\u{b}', '\u{c}'] {
            assert_eq!(flags(c), WS, "{c:?}");
        }
        assert_eq!(flags('\''), 0);
        assert_eq!(flags('_'), 0);
    }

    #[test]
    fn unicode_classes() {
        assert_eq!(flags('é') & LL, LL);
        assert_eq!(flags('中') & (L | LO), L | LO);
        assert_eq!(
            flags('\u{301}'),
            M,
            "combining acute accent is a mark, not a letter"
        );
        assert_eq!(flags('\u{a0}'), WS, "no-break space is white space");
        assert_eq!(flags('Ⅻ') & N, N, "roman numeral twelve is a number");
        assert_eq!(flags('😀'), 0);
        assert_eq!(flags('ǅ') & LT, LT);
    }
}
