//! Our encoders must produce exactly tiktoken's ids. The reference is `tiktoken-rs` (the crate version that
//! Cargo.lock pins, with the same rank files the page fetches), compared on tricky strings, on thousands of
//! random strings built from characters that stress each split rule, and on the shared prose corpus.

mod common;

use common::{corpus, tiktoken_assets, Rng};
use datalab::core::tokenize::{Encoder, EncodingSpec};

fn ours(name: &str) -> Encoder {
    let spec = EncodingSpec::by_name(name).unwrap();
    let file = spec.file.trim_start_matches("ranks/");
    let bytes = std::fs::read(tiktoken_assets().join(file)).unwrap();
    spec.build(&bytes).unwrap()
}

fn reference(name: &str) -> tiktoken_rs::CoreBPE {
    match name {
        "gpt2" => tiktoken_rs::r50k_base().unwrap(),
        "cl100k_base" => tiktoken_rs::cl100k_base().unwrap(),
        "o200k_base" => tiktoken_rs::o200k_base().unwrap(),
        _ => unreachable!(),
    }
}

const NAMES: [&str; 3] = ["gpt2", "cl100k_base", "o200k_base"];

/// Characters chosen to exercise every alternative of every pattern: cases, contractions (including the
/// long s that folds to `s`), digits of several scripts, marks, letters of every category, the many kinds
/// of white space, line breaks, slashes, punctuation, emoji and specials.
const ALPHABET: &[&str] = &[
    "a",
    "b",
    "Z",
    "Q",
    "s",
    "S",
    "t",
    "T",
    "l",
    "L",
    "e",
    "v",
    "r",
    "d",
    "m",
    "'",
    "'",
    "'",
    "ſ",
    " ",
    " ",
    " ",
    "  ",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\u{a0}",
    "\u{2003}",
    "\u{3000}",
    "\u{b}",
    "\u{c}",
    "\u{85}",
    "0",
    "7",
    "42",
    "٣",
    "Ⅻ",
    "½",
    "²",
    "é",
    "É",
    "ß",
    "ǅ",
    "ʰ",
    "中",
    "文",
    "あ",
    "ا",
    "\u{301}",
    "\u{300}",
    "\u{94d}",
    "क",
    "/",
    "//",
    ".",
    ",",
    "!",
    "?",
    "-",
    "_",
    "(",
    ")",
    "\"",
    "<|",
    "|>",
    "<|endoftext|>",
    "😀",
    "👍🏽",
    "€",
    "’",
    "—",
    "\u{200b}",
    "\u{feff}",
    "ﬁ",
    "Ω",
    "ω",
    "İ",
    "ı",
    "K",
    "\u{212a}",
];

fn random_text(rng: &mut Rng, max_parts: usize) -> String {
    let n = 1 + rng.below(max_parts);
    (0..n)
        .map(|_| ALPHABET[rng.below(ALPHABET.len())])
        .collect()
}

#[test]
fn tricky_strings_match() {
    let samples = [
        "",
        " ",
        "Hello, world!",
        "Sample text with MyNewToken_1 and MyNewToken_2. <|endoftext|>",
        "Hello, MyNewToken_1 is a new token. <|endoftext|>",
        "I'm sure you'll see they've we're he'd it's I'LL WE'RE",
        "   leading and trailing   ",
        "line\n\n\nbreaks \r\n and\ttabs\t\t\n",
        "1234567890 12 1 ١٢٣٤ Ⅻ",
        "naïve café über Straße ǅemal ſ's",
        "日本語のテキストと中文",
        "emoji 😀👍🏽 and ’quotes’ — dashes",
        "path/to//file.txt http://example.com/a/b\n//\n",
        "CamelCaseWords and ALLCAPS and mIxEd",
        "a\u{301}\u{302} \u{301}x x\u{301}\u{301}",
    ];
    for name in NAMES {
        let mut enc = ours(name);
        let r = reference(name);
        for s in samples {
            assert_eq!(
                enc.encode_ordinary(s),
                r.encode_ordinary(s),
                "{name}: {s:?}"
            );
            let allowed = r.encode_with_special_tokens(s);
            assert_eq!(
                enc.encode(s, true),
                allowed,
                "{name} (specials allowed): {s:?}"
            );
        }
    }
}

#[test]
fn notebook_ids_match_reference_facts() {
    let mut gpt2 = ours("gpt2");
    let ids = gpt2.encode("Hello, MyNewToken_1 is a new token. <|endoftext|>", true);
    assert_eq!(
        ids,
        [15496, 11, 2011, 3791, 30642, 62, 16, 318, 257, 649, 11241, 13, 220, 50256]
    );
    assert_eq!(
        gpt2.encode(
            "Sample text with MyNewToken_1 and MyNewToken_2. <|endoftext|>",
            true
        )
        .len(),
        17
    );
}

#[test]
fn random_strings_match() {
    for (k, name) in NAMES.iter().enumerate() {
        let mut enc = ours(name);
        let r = reference(name);
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ k as u64);
        for i in 0..4000 {
            let s = random_text(&mut rng, 24);
            assert_eq!(
                enc.encode_ordinary(&s),
                r.encode_ordinary(&s),
                "{name} #{i}: {s:?}"
            );
            if i % 8 == 0 {
                assert_eq!(
                    enc.encode(&s, true),
                    r.encode_with_special_tokens(&s),
                    "{name} #{i}: {s:?}"
                );
            }
        }
    }
}

#[test]
fn corpus_matches_reference_counts() {
    let Some(text) = corpus() else {
        eprintln!("shared corpus not found beside the checkout; skipping");
        return;
    };
    // The corpus README gives whole-file counts computed by Python tiktoken.
    let mut gpt2 = ours("gpt2");
    assert_eq!(gpt2.encode_ordinary(&text).len(), 2_419_125);
    let mut cl = ours("cl100k_base");
    assert_eq!(cl.encode_ordinary(&text).len(), 2_289_590);
    // And id for id against tiktoken-rs on a slice of it, for all three.
    let cut = text
        .char_indices()
        .nth(400_000)
        .map_or(text.len(), |(i, _)| i);
    let slice = &text[..cut];
    for name in NAMES {
        assert_eq!(
            ours(name).encode_ordinary(slice),
            reference(name).encode_ordinary(slice),
            "{name}"
        );
    }
}
