//! The tokens check on real rank files (tiktoken-rs' GPT-2 = r50k_base and cl100k_base) against files that
//! OpenAI's Python tiktoken tokenized (scripts/fixtures/tokens_fixtures.py): a file matches the tokenizer
//! that made it and no other, ids of another vocabulary are caught (out of range, or in range but decoding
//! to other text), and the drill's own tokenized file is, byte for byte, what Python wrote.

mod common;

use common::tiktoken_assets;
use datalab::core::drills::tokens::{
    check_tokens, embedding_failure, tokenized_jsonl, TokenCheck, Verdict,
};
use datalab::core::tokenize::{Encoder, EncodingSpec};

fn encoder(name: &str, file: &str) -> Encoder {
    let bytes = std::fs::read(tiktoken_assets().join(file)).unwrap();
    EncodingSpec::by_name(name).unwrap().build(&bytes).unwrap()
}

fn gpt2() -> Encoder {
    encoder("gpt2", "r50k_base.tiktoken")
}

fn cl100k() -> Encoder {
    encoder("cl100k_base", "cl100k_base.tiktoken")
}

fn fixture(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/drills")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// (text, ids) of every row of a fixture.
fn rows(file: &str) -> Vec<(String, Vec<u64>)> {
    file.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let ids = v["input_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect();
            (v["text"].as_str().unwrap().to_string(), ids)
        })
        .collect()
}

/// How many rows of a fixture GPT-2 and cl100k encode to the same ids.
fn same_in_both(file: &str) -> usize {
    let (mut a, mut b) = (gpt2(), cl100k());
    rows(file)
        .iter()
        .filter(|(t, _)| a.encode(t, true) == b.encode(t, true))
        .count()
}

#[test]
fn each_file_matches_the_tokenizer_that_made_it() {
    let file = fixture("tokenized_gpt2.jsonl");
    let n = rows(&file).len();
    assert!(n >= 40);
    let r = check_tokens(&file, &mut gpt2(), "gpt2");
    assert_eq!(r.verdict, Verdict::Match, "{:#?}", r.examples);
    assert_eq!((r.lines, r.rows, r.matching), (n, n, n));
    assert_eq!((r.mismatch, r.out_of_range, r.not_round_trip), (0, 0, 0));
    assert_eq!(r.eot_appended, 0);
    assert_eq!(r.n_vocab, 50_257);
    assert_eq!(r.max_id, Some(50_256), "the texts hold <|endoftext|>");
    assert_eq!(r.declared, [("gpt2".to_string(), n)]);
    assert_eq!(r.problems_total, 0);

    let file = fixture("tokenized_cl100k.jsonl");
    let r = check_tokens(&file, &mut cl100k(), "cl100k_base");
    assert_eq!(r.verdict, Verdict::Match, "{:#?}", r.examples);
    assert_eq!((r.rows, r.matching, r.mismatch), (n, n, 0));
    assert_eq!(r.n_vocab, 100_277);
    assert_eq!(r.declared, [("cl100k_base".to_string(), n)]);
}

#[test]
fn cl100k_ids_read_by_gpt2_are_out_of_range_or_other_text() {
    let file = fixture("tokenized_cl100k.jsonl");
    let r = check_tokens(&file, &mut gpt2(), "gpt2");
    assert_eq!(r.verdict, Verdict::Mismatch);
    assert!(r.out_of_range > 0, "{r:#?}");
    assert!(r.max_id.unwrap() >= 50_257);
    assert!(r.not_round_trip > 0);
    // Only rows whose text encodes the same in both match: here the empty text and " " (both
    // vocabularies start with the same 256 byte tokens).
    assert_eq!(r.matching, same_in_both(&file));
    assert_eq!(r.matching, 2);
    assert_eq!(r.mismatch, r.rows - r.matching);
    assert_eq!(r.examples.len(), 20);
    let texts = rows(&file);
    for ex in &r.examples {
        let text = &texts[ex.line - 1].0;
        assert_ne!(&ex.decoded, text, "line {}", ex.line);
        assert!(!ex.round_trip);
        assert!(ex.out_of_range.iter().all(|&id| id >= 50_257));
        assert!(ex.out_of_range.len() <= 8);
    }
    // "Hello world" is [9906, 1917] in cl100k: both ids exist in GPT-2 too, so nothing is out of range
    // and only the decoded text gives the mismatch away.
    let hello = &r.examples[0];
    assert_eq!((hello.line, hello.position), (1, 0));
    assert!(hello.out_of_range.is_empty());
    assert_eq!(
        hello.found.iter().map(|s| s.id).collect::<Vec<_>>(),
        [9906, 1917]
    );
    assert_ne!(hello.decoded, "Hello world");
    assert_eq!(
        hello.expected.iter().map(|s| s.id).collect::<Vec<_>>(),
        [15496, 995]
    );
    assert_eq!(hello.expected[1].text, "·world");
    // Some example shows an id GPT-2 has no token for.
    assert!(r
        .examples
        .iter()
        .any(|ex| ex.found.iter().any(|s| s.text == "⟨no such id⟩") && ex.decoded.contains('⟨')));

    // What such ids do to a GPT-2 model's embedding.
    let failure = embedding_failure(r.max_id.unwrap(), r.n_vocab);
    assert!(failure.ends_with("IndexError: index out of range in self"));
}

#[test]
fn gpt2_ids_read_by_cl100k_mismatch() {
    let file = fixture("tokenized_gpt2.jsonl");
    let r = check_tokens(&file, &mut cl100k(), "cl100k_base");
    assert_eq!(r.verdict, Verdict::Mismatch);
    assert_eq!(r.out_of_range, 0, "every GPT-2 id is below 100277");
    assert_eq!(r.matching, same_in_both(&file));
    assert_eq!(r.mismatch, r.rows - r.matching);
    assert!(r.not_round_trip > 0);
    // The rows name the tokenizer that made them, not the one checking.
    assert_eq!(r.declared[0].0, "gpt2");
}

#[test]
fn the_drills_file_is_what_python_tiktoken_wrote() {
    let mut enc = gpt2();
    for (name, mut enc, model) in [
        ("tokenized_gpt2.jsonl", gpt2(), "gpt2"),
        ("tokenized_cl100k.jsonl", cl100k(), "cl100k_base"),
    ] {
        let file = fixture(name);
        let expected = rows(&file);
        let ours = tokenized_jsonl(expected.iter().map(|(t, _)| t.as_str()), &mut enc, model);
        let got = rows(&ours);
        assert_eq!(got.len(), expected.len());
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!(g, e, "{name}: {:?}", e.0);
        }
        // Same keys in the same order, same escaping: the same bytes.
        assert_eq!(ours, file, "{name}");
    }
    // The drill's file checked against its own tokenizer.
    let file = tokenized_jsonl(["Hello world", "<|endoftext|>"], &mut enc, "gpt2");
    assert_eq!(
        check_tokens(&file, &mut enc, "gpt2").verdict,
        Verdict::Match
    );
}

#[test]
fn slices_of_a_real_file_give_the_same_report() {
    let mut enc = gpt2();
    let file = fixture("tokenized_cl100k.jsonl");
    let whole = check_tokens(&file, &mut enc, "gpt2");
    for budget in [1, 300, 4096] {
        let mut c = TokenCheck::new("gpt2", enc.n_vocab());
        while !c.step(&file, &mut enc, budget) {
            assert!(c.position() < file.len());
        }
        assert_eq!(c.finish(), whole, "budget {budget}");
    }
}
