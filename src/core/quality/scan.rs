//! One pass over a field's bytes that gathers everything the gates ask of its text.
//!
//! Each gate is a small question — how many characters, does it end mid-sentence, is there an `@`, are the
//! brackets balanced — and asking each one of 50k rows separately reads 75 MB of text a dozen times. The
//! scan reads it once, splitting words (as [`super::shingle::word_hashes`] does) and noting the answers on
//! the way; the rare rows with an `@` or a long run of digits then get the exact, slower look
//! ([`super::gates::find_pii`]). Tests check every answer against the plain one-question-at-a-time code.

use super::shingle::{word_hash_step, WORD_START};

/// The writing systems the script gate tells apart, in [`FieldScan::scripts`] order.
pub const SCRIPTS: [&str; 7] = [
    "Latin",
    "Cyrillic",
    "Greek",
    "Arabic",
    "Hebrew",
    "CJK",
    "Devanagari",
];

/// What one field's text holds, as far as the gates need to know.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldScan {
    /// Characters in the whole field.
    pub chars: usize,
    /// Byte range of the field without leading and trailing whitespace (`str::trim`'s).
    pub trim: (usize, usize),
    /// Characters of the trimmed field.
    pub trimmed_chars: usize,
    /// ASCII letters and digits.
    pub ascii_alnum: usize,
    /// Letters per writing system ([`SCRIPTS`] order).
    pub scripts: [usize; 7],
    /// Whitespace-separated pieces, counted up to 8 (as far as the truncation gate asks).
    pub pieces: usize,
    /// The last character that is not whitespace (`None` for a blank field).
    pub last: Option<char>,
    /// A carriage return somewhere.
    pub cr: bool,
    /// Three line feeds in a row somewhere.
    pub blank_run: bool,
    /// An `@` or the start of a known key prefix: worth looking for emails and keys.
    pub pii_hint: bool,
    /// A run of digits and separators with nine digits or more: worth looking for phone numbers.
    pub phone_hint: bool,
    /// Code fences (three backticks), counted left to right without overlap.
    pub fences: usize,
    /// `(`, `)`, `[`, `]`, `{`, `}` outside code fences.
    pub brackets: [usize; 6],
    /// A line opens with "- " / with "* " (after spaces and tabs).
    pub dash_list: bool,
    pub star_list: bool,
}

impl FieldScan {
    /// Whether the field is empty or only whitespace.
    pub fn blank(&self) -> bool {
        self.trim.0 == self.trim.1
    }

    /// The dominant writing system, if the field has letters (ties go to the later script, as
    /// `max_by_key` does in [`super::gates::dominant_script`]).
    pub fn script(&self) -> Option<&'static str> {
        let (i, &n) = self.scripts.iter().enumerate().max_by_key(|(_, n)| **n)?;
        (n > 0).then_some(SCRIPTS[i])
    }
}

/// Byte classes of ASCII, looked up once per byte.
const ALNUM: u8 = 1;
const ALPHA: u8 = 2;
const SPACE: u8 = 4;
/// Digits and the separators a phone number may hold: ` -.()+`.
const PHONE: u8 = 8;
/// Bytes some gate looks at more closely.
const SPECIAL: u8 = 16;

const fn classes() -> [u8; 128] {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        let mut k = 0;
        if c.is_ascii_alphanumeric() {
            k |= ALNUM;
        }
        if c.is_ascii_alphabetic() {
            k |= ALPHA;
        }
        // char::is_whitespace over ASCII: it includes the vertical tab, which u8::is_ascii_whitespace omits.
        if matches!(c, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r') {
            k |= SPACE;
        }
        if c.is_ascii_digit() || matches!(c, b' ' | b'-' | b'.' | b'(' | b')' | b'+') {
            k |= PHONE;
        }
        if matches!(
            c,
            b'\n'
                | b'\r'
                | b'`'
                | b'('
                | b')'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'@'
                | b'-'
                | b'_'
                | b'A'
        ) {
            k |= SPECIAL;
        }
        t[b] = k;
        b += 1;
    }
    t
}

static CLASS: [u8; 128] = classes();

/// Each ASCII letter or digit lower-cased, 0 for every other byte: one look-up tells a word's byte from a
/// separator and gives the byte to hash.
static LOWER: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    t
};

/// Which writing system a non-ASCII letter belongs to (see [`SCRIPTS`]).
fn script_index(c: char) -> Option<usize> {
    let i = match c as u32 {
        0x0041..=0x024F | 0x1E00..=0x1EFF => 0,
        0x0400..=0x04FF => 1,
        0x0370..=0x03FF => 2,
        0x0600..=0x06FF | 0x0750..=0x077F => 3,
        0x0590..=0x05FF => 4,
        0x3040..=0x30FF | 0x3400..=0x9FFF | 0xAC00..=0xD7AF => 5,
        0x0900..=0x097F => 6,
        _ => return None,
    };
    c.is_alphabetic().then_some(i)
}

/// Scans `text`, appending its word hashes to `words` (exactly [`super::shingle::word_hashes_into`]'s).
pub fn scan_field(text: &str, words: &mut Vec<u64>) -> FieldScan {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut s = FieldScan::default();
    let mut word = WORD_START;
    let mut in_word = false;
    // Trimming: the first non-space (byte, characters before it), the last one, and spaces since.
    let mut first: Option<(usize, usize)> = None;
    let (mut last_at, mut trailing) = (0, 0);
    let mut prev_space = true;
    let (mut newlines, mut phone_digits) = (0, 0);
    let (mut fenced, mut fence_skip, mut line_start) = (false, 0u8, true);
    let mut i = 0;
    while i < n {
        let b = bytes[i];
        let (alnum, space, len);
        if b < 0x80 {
            let k = CLASS[b as usize];
            (alnum, space, len) = (k & ALNUM != 0, k & SPACE != 0, 1);
            if k & PHONE == 0 {
                phone_digits = 0;
            } else if b.is_ascii_digit() {
                phone_digits += 1;
                s.phone_hint |= phone_digits >= 9;
            }
            if b == b'\n' {
                newlines += 1;
                s.blank_run |= newlines >= 3;
            } else {
                newlines = 0;
            }
            if fence_skip > 0 {
                fence_skip -= 1;
            } else if k & SPECIAL != 0 || (line_start && !matches!(b, b' ' | b'\t')) {
                special(
                    bytes,
                    i,
                    &mut s,
                    &mut fenced,
                    &mut fence_skip,
                    &mut line_start,
                );
            }
            if alnum {
                // This byte and the rest of its run of ASCII letters and digits — most of any prose —
                // in a tight loop: nothing in a run but the word, the letter count and digit runs changes.
                word = word_hash_step(word, b.to_ascii_lowercase());
                s.scripts[0] += (k & ALPHA != 0) as usize;
                let (mut j, mut digits, mut akia) = (i + 1, 0, false);
                while j < n {
                    let c = bytes[j];
                    let l = if c < 0x80 { LOWER[c as usize] } else { 0 };
                    if l == 0 {
                        break;
                    }
                    word = word_hash_step(word, l);
                    if l <= b'9' {
                        digits += 1;
                        phone_digits += 1;
                        s.phone_hint |= phone_digits >= 9;
                    } else {
                        phone_digits = 0;
                        akia |= c == b'A';
                    }
                    j += 1;
                }
                // "AKIA" (a cloud key's prefix) opens a run of capitals: looked for only when a run has an A.
                s.pii_hint |= akia && bytes[i..j].windows(4).any(|w| w == b"AKIA");
                s.scripts[0] += j - i - 1 - digits;
                s.ascii_alnum += j - i;
                in_word = true;
                first.get_or_insert((i, s.chars));
                if prev_space && s.pieces < 8 {
                    s.pieces += 1;
                }
                prev_space = false;
                s.chars += j - i;
                (last_at, trailing) = (j - 1, 0);
                i = j;
                continue;
            }
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            (alnum, space, len) = (c.is_alphanumeric(), c.is_whitespace(), c.len_utf8());
            if alnum {
                let mut buf = [0u8; 4];
                for l in c.to_lowercase() {
                    for &x in l.encode_utf8(&mut buf).as_bytes() {
                        word = word_hash_step(word, x);
                    }
                }
            }
            if let Some(k) = script_index(c) {
                s.scripts[k] += 1;
            }
            (phone_digits, newlines) = (0, 0);
            // Any byte but a space or tab ends the indentation where a list marker could be.
            line_start = false;
        }
        if alnum {
            in_word = true;
        } else if in_word {
            words.push(word);
            word = WORD_START;
            in_word = false;
        }
        if space {
            trailing += 1;
        } else {
            first.get_or_insert((i, s.chars));
            (last_at, trailing) = (i, 0);
            if prev_space && s.pieces < 8 {
                s.pieces += 1;
            }
        }
        prev_space = space;
        s.chars += 1;
        i += len;
    }
    if in_word {
        words.push(word);
    }
    if let Some((at, before)) = first {
        let last = text[last_at..].chars().next();
        s.trim = (at, last_at + last.map_or(0, char::len_utf8));
        s.trimmed_chars = s.chars - before - trailing;
        s.last = last;
    } else {
        s.trim = (n, n);
    }
    s
}

/// The bytes some gate looks at closely: fences, brackets, list markers, key prefixes, line ends.
fn special(
    bytes: &[u8],
    i: usize,
    s: &mut FieldScan,
    fenced: &mut bool,
    fence_skip: &mut u8,
    line_start: &mut bool,
) {
    let b = bytes[i];
    if b == b'`' && bytes[i..].starts_with(b"```") {
        *fenced = !*fenced;
        s.fences += 1;
        *fence_skip = 2;
        *line_start = false;
        return;
    }
    if *line_start && b != b' ' && b != b'\t' {
        s.dash_list |= bytes[i..].starts_with(b"- ");
        s.star_list |= bytes[i..].starts_with(b"* ");
        *line_start = false;
    }
    match b {
        b'\n' => *line_start = true,
        b'\r' => s.cr = true,
        b'(' | b')' | b'[' | b']' | b'{' | b'}' if !*fenced => {
            let k = match b {
                b'(' => 0,
                b')' => 1,
                b'[' => 2,
                b']' => 3,
                b'{' => 4,
                _ => 5,
            };
            s.brackets[k] += 1;
        }
        b'@' => s.pii_hint = true,
        b'-' if i >= 2 && &bytes[i - 2..i] == b"sk" => s.pii_hint = true,
        b'_' if i >= 3 && &bytes[i - 3..i] == b"ghp" => s.pii_hint = true,
        b'A' if bytes[i..].starts_with(b"AKIA") => s.pii_hint = true,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::quality::shingle::word_hashes;

    /// Texts with every case the scan notes: Unicode whitespace and letters, fences, brackets, lists,
    /// keys, phone numbers, CRLF and blank-line runs.
    pub(crate) fn awkward_texts() -> Vec<String> {
        let mut v: Vec<String> = [
            "",
            " ",
            "\u{a0}x\u{2003}",
            "\u{0B}a b\u{0C}",
            "Hello, World! 123",
            "  Indented.\n\n\n- a\n* b\n",
            "```rust\nfn f() { (x] }\n```\n(ok)",
            "``` unclosed (",
            "````",
            "mail me: a.b@example.com.",
            "key sk-abcdefghijklmnopqrstuvwxyz and ghp_0123456789012345678901234567890123",
            "AKIAABCDEFGHIJKLMNOP",
            "call +1 (555) 010-9999 now",
            "12345678 and 1.2.3.4.5.6.7.8.9",
            "Привет, мир! Ελληνικά and עברית, العربية, 中文 日本語 हिन्दी",
            "ΣΑΣ café naïve Ǆ ß İstanbul",
            "line\r\nline\r\n",
            "  - x\n\t* y",
            "a `` b ``` c",
            "ends with emoji 🙂",
            "tab\tsep\u{85}nel",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Cut points everywhere in one long mixed text.
        let long = v.join(" | ");
        for k in (0..long.len()).step_by(7) {
            if long.is_char_boundary(k) {
                v.push(long[k..].to_string());
                v.push(long[..k].to_string());
            }
        }
        v
    }

    #[test]
    fn the_scan_agrees_with_asking_one_question_at_a_time() {
        for t in awkward_texts() {
            let mut w = Vec::new();
            let s = scan_field(&t, &mut w);
            assert_eq!(w, word_hashes(&t), "{t:?}");
            assert_eq!(s.chars, t.chars().count(), "{t:?}");
            let trimmed = t.trim();
            assert_eq!(&t[s.trim.0..s.trim.1], trimmed, "{t:?}");
            assert_eq!(s.trimmed_chars, trimmed.chars().count(), "{t:?}");
            assert_eq!(s.blank(), trimmed.is_empty(), "{t:?}");
            assert_eq!(
                s.ascii_alnum,
                t.bytes().filter(u8::is_ascii_alphanumeric).count()
            );
            assert_eq!(s.pieces, t.split_whitespace().take(8).count(), "{t:?}");
            assert_eq!(s.last, trimmed.chars().last(), "{t:?}");
            assert_eq!(s.cr, t.contains('\r'));
            assert_eq!(s.blank_run, t.contains("\n\n\n"));
            assert_eq!(s.fences, t.matches("```").count(), "{t:?}");
            assert_eq!(s.script(), reference_script(&t), "{t:?}");
            assert_eq!(
                (s.brackets, s.dash_list, s.star_list),
                reference_structure(&t),
                "{t:?}"
            );
            if super::super::gates::find_pii(&t).is_some() {
                assert!(s.pii_hint || s.phone_hint, "{t:?}");
            }
        }
    }

    /// The script gate's question asked directly: letters counted per script, the most frequent wins.
    fn reference_script(text: &str) -> Option<&'static str> {
        let mut counts = [0usize; 7];
        for c in text.chars() {
            if c.is_ascii_alphabetic() {
                counts[0] += 1;
            } else if let Some(k) = script_index(c) {
                counts[k] += 1;
            }
        }
        let (i, &n) = counts.iter().enumerate().max_by_key(|(_, n)| **n)?;
        (n > 0).then_some(SCRIPTS[i])
    }

    /// Brackets outside fences and list markers, found by splitting the text at fences and lines.
    fn reference_structure(text: &str) -> ([usize; 6], bool, bool) {
        let mut brackets = [0; 6];
        for (k, part) in text.split("```").enumerate() {
            if k % 2 == 0 {
                for (j, b) in "()[]{}".chars().enumerate() {
                    brackets[j] += part.matches(b).count();
                }
            }
        }
        // A line's start is lost when a fence opens it; the scan does the same.
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let (mut dash, mut star) = (false, false);
        for &st in &starts {
            let rest = text[st..].trim_start_matches([' ', '\t']);
            if !rest.starts_with("```") {
                dash |= rest.starts_with("- ");
                star |= rest.starts_with("* ");
            }
        }
        (brackets, dash, star)
    }

    #[test]
    fn hints_stay_quiet_on_plain_prose() {
        let mut w = Vec::new();
        let s = scan_field(
            "In 1999 and 2004 the team won 3 of 4 finals (twice).",
            &mut w,
        );
        assert!(!s.pii_hint && !s.phone_hint);
        assert_eq!(s.brackets, [1, 1, 0, 0, 0, 0]);
        let s = scan_field("call 555 010 9999", &mut w);
        assert!(s.phone_hint);
    }
}
