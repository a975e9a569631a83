//! The A/B lab's n-gram model against KenLM itself.
//!
//! - KenLM's own test models (`lm/common/test_data/toy{0,1}.arpa` in kpu/kenlm, written by
//!   `lmplz --discount_fallback -o 3`, copied to `tests/fixtures/ab/`): every probability and backoff.
//! - A synthetic Zipf-like corpus of token ids (made here, deterministically, integers only): for orders 3
//!   and 5, the ARPA file we write must still have the SHA-256 recorded in `kenlm_scores.json` (so the
//!   fixture is about this very file), our scores of held-out sentences (unseen ids included) must be
//!   what the `kenlm` Python module's `Model.score` gave for that ARPA, and the n-gram counts, discounts
//!   and every value must agree with the ARPA lmplz estimated from the same corpus.
//!
//! To remake the fixture: `DATALAB_WRITE_ARPA=1 cargo test --test ngram_vs_kenlm` writes the corpus,
//! the held-out sentences and our ARPA files to `tests/fixtures/ab/generated/` (not committed), then
//! `scripts/fixtures/kenlm_fixtures.py` reads them (see its docstring).
//!
//! `cargo test --release --test ngram_vs_kenlm -- --ignored --nocapture` prints training and scoring speed.

mod common;

use common::Rng;
use datalab::core::ab::ngram::NgramModel;
use datalab::core::tokenize::ranks::sha256_hex;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ab")
}

/// `n-gram words → (log10 prob, log10 backoff)` of an ARPA file, words renamed by `rename`.
fn parse_arpa(text: &str, rename: &dyn Fn(&str) -> String) -> HashMap<String, (f64, f64)> {
    let mut out = HashMap::new();
    let mut in_grams = false;
    for line in text.lines() {
        if line.ends_with("-grams:") {
            in_grams = true;
            continue;
        }
        if !in_grams || line.is_empty() || line == "\\end\\" {
            continue;
        }
        let mut f = line.split('\t');
        let prob: f64 = f.next().unwrap().parse().unwrap();
        let words: Vec<String> = f.next().unwrap().split(' ').map(rename).collect();
        let backoff: f64 = f.next().map_or(0.0, |b| b.parse().unwrap());
        out.insert(words.join(" "), (prob, backoff));
    }
    out
}

/// Largest difference between two parsed ARPA files, which must hold the same n-grams.
fn max_diff(ours: &HashMap<String, (f64, f64)>, theirs: &HashMap<String, (f64, f64)>) -> f64 {
    assert_eq!(ours.len(), theirs.len(), "same number of n-grams");
    let mut worst: f64 = 0.0;
    for (words, (p, b)) in theirs {
        let (q, c) = ours.get(words).unwrap_or_else(|| panic!("we lack {words}"));
        worst = worst.max((p - q).abs()).max((b - c).abs());
    }
    worst
}

#[test]
fn kenlm_toy_models_from_lmplz() {
    let letters = |w: &str| match w {
        "1" => "a".to_string(),
        "2" => "b".to_string(),
        "3" => "c".to_string(),
        _ => w.to_string(),
    };
    let same = |w: &str| w.to_string();
    // generate.sh: toy0 is "a a b a" / "b a a b", toy1 is "a a b b b b b b b" / "c".
    let corpora: [(&str, Vec<Vec<u32>>); 2] = [
        ("kenlm-toy0.arpa", vec![vec![1, 1, 2, 1], vec![2, 1, 1, 2]]),
        (
            "kenlm-toy1.arpa",
            vec![vec![1, 1, 2, 2, 2, 2, 2, 2, 2], vec![3]],
        ),
    ];
    for (file, rows) in corpora {
        let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
        let model = NgramModel::train(&refs, 3).unwrap();
        let lmplz = std::fs::read_to_string(fixtures().join(file)).unwrap();
        let diff = max_diff(
            &parse_arpa(&model.to_arpa(), &letters),
            &parse_arpa(&lmplz, &same),
        );
        // lmplz computes in f32 and prints the shortest f32; we keep f64 and print 7 decimals.
        assert!(diff < 1e-6, "{file}: max |ours − lmplz| = {diff}");
        assert!(model.discount_fallback().iter().all(|&f| f), "{file}");
    }
}

/// A Zipf-like pick of a rank below `n`: nested uniform draws, integers only, so the corpus is the same
/// on every platform.
fn skewed(rng: &mut Rng, n: usize) -> usize {
    let a = rng.below(n) + 1;
    let b = rng.below(a) + 1;
    rng.below(b)
}

/// Token id of a word rank: GPT-2-looking ids, the rarest few ranks as extension ids just above GPT-2's
/// 50,257 base tokens.
fn token(rank: usize) -> u32 {
    if rank >= 2980 {
        50257 + (rank - 2980) as u32
    } else {
        (rank * 16 + 7) as u32
    }
}

/// Sentences of 1–30 tokens where a word is often followed by one of a few favourite successors of the
/// word before it, so that 3-grams to 5-grams repeat (as in text) and every discount is in its closed form.
fn corpus(seed: u64, sentences: usize) -> Vec<Vec<u32>> {
    const VOCAB: usize = 3000;
    let mut rng = Rng(seed);
    (0..sentences)
        .map(|_| {
            let len = 1 + rng.below(30);
            let mut prev = skewed(&mut rng, VOCAB);
            let mut row = vec![token(prev)];
            while row.len() < len {
                let next = if rng.below(10) < 6 {
                    (prev * 7919 + 13 * skewed(&mut rng, 4) + 1) % VOCAB
                } else {
                    skewed(&mut rng, VOCAB)
                };
                row.push(token(next));
                prev = next;
            }
            row
        })
        .collect()
}

/// 50 held-out sentences, then some unseen ids (one of them an extension id never trained on), an empty
/// sentence and a one-word one.
fn heldout() -> Vec<Vec<u32>> {
    let mut rows = corpus(0x5eed_0002, 50);
    rows.push(vec![7, 49_999, 23, 39]);
    rows.push(vec![50_256, 4_000_000_000, 7, 7]);
    rows.push(vec![50_290]);
    rows.push(vec![]);
    rows.push(vec![7]);
    rows
}

fn line(row: &[u32]) -> String {
    row.iter().map(u32::to_string).collect::<Vec<_>>().join(" ")
}

fn write_generated(name: &str, text: &str) {
    let dir = fixtures().join("generated");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn scores_and_estimates_match_kenlm() {
    let train = corpus(0x5eed_0001, 4000);
    let held = heldout();
    let refs: Vec<&[u32]> = train.iter().map(|r| r.as_slice()).collect();
    let write = std::env::var("DATALAB_WRITE_ARPA").is_ok_and(|v| v == "1");
    let text = |rows: &[Vec<u32>]| rows.iter().map(|r| line(r) + "\n").collect::<String>();
    if write {
        write_generated("corpus.txt", &text(&train));
        write_generated("heldout.txt", &text(&held));
        for order in [3, 5] {
            let arpa = NgramModel::train(&refs, order).unwrap().to_arpa();
            write_generated(&format!("model-o{order}.arpa"), &arpa);
        }
    }
    let fixture: Value = serde_json::from_slice(
        &std::fs::read(fixtures().join("kenlm_scores.json")).expect("kenlm_scores.json"),
    )
    .unwrap();
    assert_eq!(
        fixture["corpus_sha256"].as_str().unwrap(),
        sha256_hex(text(&train).as_bytes())
    );
    let sentences: Vec<String> = held.iter().map(|r| line(r)).collect();
    let fixture_sentences: Vec<&str> = fixture["heldout"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(sentences, fixture_sentences);

    for case in fixture["models"].as_array().unwrap() {
        let order = case["order"].as_u64().unwrap() as usize;
        let model = NgramModel::train(&refs, order).unwrap();
        let arpa = model.to_arpa();
        assert_eq!(
            sha256_hex(arpa.as_bytes()),
            case["arpa_sha256"].as_str().unwrap(),
            "order {order}: our ARPA is no longer the one KenLM scored; remake the fixture"
        );
        let scores = case["kenlm_scores"].as_array().unwrap();
        assert_eq!(scores.len(), held.len());
        for (row, want) in held.iter().zip(scores) {
            let (got, want) = (model.log10_prob(row), want.as_f64().unwrap());
            assert!(
                (got - want).abs() < 1e-4,
                "order {order}, [{}]: ours {got}, KenLM {want}",
                line(row)
            );
        }

        let lmplz = &case["lmplz"];
        let counts: Vec<usize> = lmplz["ngram_counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(model.ngram_counts(), counts, "order {order}");
        assert_eq!(
            model.discount_fallback(),
            vec![false; order],
            "order {order}"
        );
        for (ours, theirs) in model
            .discounts()
            .iter()
            .zip(lmplz["discounts"].as_array().unwrap())
        {
            for (d, t) in ours.iter().zip(theirs.as_array().unwrap()) {
                // lmplz prints its f32 discounts with 6 significant digits.
                assert!(
                    (d - t.as_f64().unwrap()).abs() < 5e-6,
                    "order {order}: {d} vs {t}"
                );
            }
        }
        let diff = lmplz["max_abs_diff"].as_f64().unwrap();
        assert!(
            diff < 1e-5,
            "order {order}: lmplz's ARPA differs from ours by {diff}"
        );
    }
}

/// Speed on about 2 million tokens (order 3) and 150 thousand scored; run in release with
/// `-- --ignored --nocapture`. Prints, asserts nothing.
#[test]
#[ignore]
fn timing() {
    let train = corpus(0x5eed_0003, 130_000);
    let test = corpus(0x5eed_0004, 10_000);
    let refs: Vec<&[u32]> = train.iter().map(|r| r.as_slice()).collect();
    let (n_train, n_test): (usize, usize) = (
        train.iter().map(Vec::len).sum(),
        test.iter().map(Vec::len).sum(),
    );
    for order in [3, 5] {
        let t = std::time::Instant::now();
        let model = NgramModel::train(&refs, order).unwrap();
        let train_s = t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        let total: f64 = test.iter().map(|r| model.log10_prob(r)).sum();
        let score_s = t.elapsed().as_secs_f64();
        println!(
            "order {order}: trained on {n_train} tokens in {train_s:.3} s ({:.2} M tokens/s), \
             {:?} n-grams; scored {n_test} tokens in {score_s:.3} s ({:.2} M tokens/s), total {total:.1}",
            n_train as f64 / train_s / 1e6,
            model.ngram_counts(),
            n_test as f64 / score_s / 1e6,
        );
    }
}
