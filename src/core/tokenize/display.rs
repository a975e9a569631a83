//! What a token chip shows: its text (without mojibake), a whitespace-visible form, its bytes and a colour.
//!
//! A token is a run of bytes, not of characters: `’` is three bytes in UTF-8 and GPT-2 may split it across two
//! tokens. Decoding each token on its own would print garbage such as `â€`. Instead every chip shows the
//! characters its bytes belong to, and marks a chip whose first or last character is only partly inside it.

use super::bpe::{Encoder, Rank};

/// One token as the workbench shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chip {
    pub id: Rank,
    /// Byte range in the encoded text.
    pub start: usize,
    pub end: usize,
    /// The characters this token covers, as plain text.
    pub text: String,
    /// True when a character is split across this token and a neighbour.
    pub partial: bool,
    /// The token's bytes as hex, e.g. `20 77 6f 72 6c 64`.
    pub hex: String,
}

/// Builds the chips of `tokens`, which must be an encoding of `text` by `enc` (so their bytes concatenate to
/// the text's). At most `limit` chips are built; the rest are only counted by the caller.
pub fn chips(enc: &Encoder, text: &str, tokens: &[Rank], limit: usize) -> Vec<Chip> {
    let mut out = Vec::with_capacity(tokens.len().min(limit));
    let mut pos = 0usize;
    for &id in tokens.iter().take(limit) {
        let bytes = enc.token_bytes(id).unwrap_or(&[]);
        let (start, end) = (pos, (pos + bytes.len()).min(text.len()));
        pos = end;
        // Widen to whole characters.
        let mut a = start;
        while a > 0 && !text.is_char_boundary(a) {
            a -= 1;
        }
        let mut b = end;
        while b < text.len() && !text.is_char_boundary(b) {
            b += 1;
        }
        out.push(Chip {
            id,
            start,
            end,
            text: text[a..b].to_string(),
            partial: a != start || b != end,
            hex: bytes
                .iter()
                .map(|x| format!("{x:02x}"))
                .collect::<Vec<_>>()
                .join(" "),
        });
    }
    out
}

/// The text with white space made visible: `·` for a space, `→` for a tab, `↵` for a newline, `␍` for a
/// carriage return, and `⟨U+XXXX⟩` for other invisible characters.
pub fn visible_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ' ' => out.push('·'),
            '\t' => out.push('→'),
            '\n' => out.push('↵'),
            '\r' => out.push('␍'),
            c if c.is_whitespace() || c.is_control() || is_invisible(c) => {
                out.push_str(&format!("⟨U+{:04X}⟩", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// A background colour that is the same for the same id everywhere (golden-ratio hue spacing, so
/// neighbouring ids look different), light enough for dark text.
pub fn colour_for(id: Rank) -> String {
    let hue = (id as f64 * 0.618_033_988_749_895).fract() * 360.0;
    format!("hsl({hue:.0} 70% 86%)")
}

/// Characters per token, the usual measure of how compact an encoding is on a text.
pub fn chars_per_token(text: &str, tokens: usize) -> f64 {
    if tokens == 0 {
        0.0
    } else {
        text.chars().count() as f64 / tokens as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::tokenize::SplitPattern;
    use rustc_hash::FxHashMap;

    #[test]
    fn split_characters_are_marked_not_garbled() {
        // A vocabulary of single bytes only: "’" (e2 80 99) becomes three tokens.
        let ranks: FxHashMap<Vec<u8>, Rank> = (0..=255u8).map(|b| (vec![b], b as Rank)).collect();
        let mut enc = Encoder::new(SplitPattern::Gpt2, ranks, vec![]).unwrap();
        let text = "a’";
        let toks = enc.encode_ordinary(text);
        let c = chips(&enc, text, &toks, 100);
        assert_eq!(c.len(), 4);
        assert_eq!(c[0].text, "a");
        assert!(!c[0].partial);
        for chip in &c[1..] {
            assert_eq!(chip.text, "’");
            assert!(chip.partial);
        }
        assert_eq!(c[1].hex, "e2");
        assert_eq!(chips(&enc, text, &toks, 2).len(), 2);
    }

    #[test]
    fn whitespace_is_visible() {
        assert_eq!(visible_whitespace("a b\tc\r\n"), "a·b→c␍↵");
        assert_eq!(visible_whitespace("\u{a0}"), "⟨U+00A0⟩");
    }

    #[test]
    fn colours_are_stable_and_distinct() {
        assert_eq!(colour_for(50256), colour_for(50256));
        assert_ne!(colour_for(1), colour_for(2));
    }
}
