use super::count::{closed_form, BOS, EOS, UNK};
use super::*;
use crate::core::testing::Rng;

const A: u32 = 10;
const B: u32 = 20;

/// Probability and backoff (log10) of an n-gram written with "a", "b", "<s>", "</s>", "<unk>".
fn entry(m: &NgramModel, words: &[&str]) -> (f64, f64) {
    let dense: Vec<u32> = words
        .iter()
        .map(|w| match *w {
            "<s>" => BOS,
            "</s>" => EOS,
            "<unk>" => UNK,
            "a" => m.vocab.get(A),
            "b" => m.vocab.get(B),
            _ => panic!("{w}"),
        })
        .collect();
    let e = m.levels[words.len() - 1][&m.pack.pack(&dense)];
    (e.prob, e.backoff)
}

fn close(got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() <= tol, "got {got}, want {want}");
}

/// The corpus of KenLM's own test data (`lm/common/test_data/generate.sh`: `lmplz --discount_fallback
/// -o 3` on "a a b a" / "b a a b"), worked by hand; the last column of each assertion is the value lmplz
/// wrote to `toy0.arpa` (printed from `f32`, hence the looser check against it).
///
/// Padded sentences: `<s> a a b a </s>` and `<s> b a a b </s>`.
///
/// Adjusted counts
///   3-grams (raw): <s> a a 1, a a b 2, a b a 1, b a </s> 1, <s> b a 1, b a a 1, a b </s> 1 → 7 entries,
///     t1 = 6, t2 = 1, t3 = 0 → closed form impossible → fallback D = 0.5, 1, 1.5.
///   2-grams: <s> a 1 and <s> b 1 (raw, they start with <s>); the rest count distinct left words:
///     a a 2 (<s>, b), a b 1 (a), b a 2 (a, <s>), a </s> 1 (b), b </s> 1 (a) → 7 entries;
///     t1 = 5, t2 = 2, t3 = 0 → fallback.
///   1-grams: a 3 (a, b, <s>), b 2 (a, <s>), </s> 2 (a, b), <unk> 0, <s> 0 → 5 entries; t1 = 0 → fallback.
///
/// Unigrams: Σ = 7, γ(ε) = (1.5·1 [a] + 1·2 [b, </s>]) / 7 = 0.5, |V| = 4 (<unk> a b </s>), uniform 1/4.
///   p(a) = (3 − 1.5)/7 + 0.5/4 = 0.33928571…   log10 −0.46943438
///   p(b) = (2 − 1)/7 + 0.125 = 0.26785714…     log10 −0.5720968
///   p(<unk>) = 0 + 0.125                        log10 −0.90309
///   p(<s>) = 1                                  log10 0
/// Bigrams: context a: a a 2, a b 1, a </s> 1 → Σ 4, γ(a) = (1·1 + 0.5·2)/4 = 0.5 = backoff of "a";
///   context b: b a 2, b </s> 1 → Σ 3, γ(b) = (1 + 0.5)/3 = 0.5; context <s>: Σ 2, γ = (0.5 + 0.5)/2 = 0.5.
///   p(a | a) = (2 − 1)/4 + 0.5·p(a) = 0.41964286   log10 −0.37712017
///   p(b | a) = (1 − 0.5)/4 + 0.5·p(b) = 0.25892857 log10 −0.58682007
///   p(a | b) = (2 − 1)/3 + 0.5·p(a) = 0.50297619   log10 −0.2984526
/// Trigrams: context "a a": a a b 2 → Σ 2, γ = 1·1/2 = 0.5 = backoff of "a a";
///   p(b | a a) = (2 − 1)/2 + 0.5·p(b | a) = 0.62946429   log10 −0.20102891
///   context "<s> a": <s> a a 1 → Σ 1, γ = 0.5; p(a | <s> a) = 0.5/1 + 0.5·p(a | a) = 0.70982143 log10 −0.14885087
/// A sentence "a b": p(a | <s>) p(b | <s> a) p(</s> | a b); "<s> a b" is not a 3-gram, so
///   p(b | <s> a) = γ(<s> a) · p(b | a) = 0.5 · 0.25892857; "a b </s>" is one: context "a b": a b a 1,
///   a b </s> 1 → Σ 2, γ = 0.5, p(</s> | a b) = 0.5/2 + 0.5·p(</s> | b), where context b has Σ 3 and
///   p(</s> | b) = (1 − 0.5)/3 + 0.5·p(</s>) = 0.30059524 (log10 −0.5220179), so 0.40029762 (log10 −0.397617).
#[test]
fn hand_worked_kenlm_toy0() {
    let (s1, s2) = ([A, A, B, A], [B, A, A, B]);
    let m = NgramModel::train(&[&s1, &s2], 3).unwrap();
    assert_eq!(m.ngram_counts(), vec![5, 7, 7]);
    assert_eq!(m.discount_fallback(), vec![true, true, true]);
    assert_eq!(m.discounts(), vec![[0.5, 1.0, 1.5]; 3]);

    let counts = {
        let sentences = Sentences::build(&[&s1, &s2], &m.vocab);
        count::adjusted_counts(&sentences, 3, m.pack)
    };
    let a = |words: &[u32]| counts[words.len() - 1].count(m.pack.pack(words)).unwrap();
    let (da, db) = (m.vocab.get(A), m.vocab.get(B));
    assert_eq!(
        [a(&[da]), a(&[db]), a(&[EOS]), a(&[UNK]), a(&[BOS])],
        [3, 2, 2, 0, 0]
    );
    assert_eq!(
        [a(&[BOS, da]), a(&[BOS, db]), a(&[da, da]), a(&[da, db])],
        [1, 1, 2, 1]
    );
    assert_eq!([a(&[db, da]), a(&[da, EOS]), a(&[db, EOS])], [2, 1, 1]);
    assert_eq!(a(&[da, da, db]), 2);

    let l = f64::log10;
    let half = l(0.5);
    let (pa, pb) = (1.5 / 7.0 + 0.125, 1.0 / 7.0 + 0.125);
    let (paa, pba) = (0.25 + 0.5 * pa, 0.125 + 0.5 * pb);
    let peb = 0.5 / 3.0 + 0.5 * pb;
    let cases: [(&[&str], f64, f64, f64); 12] = [
        (&["a"], l(pa), half, -0.46943438),
        (&["b"], l(pb), half, -0.5720968),
        (&["<unk>"], l(0.125), 0.0, -0.90309),
        (&["</s>"], l(pb), 0.0, -0.5720968),
        (&["<s>"], 0.0, half, 0.0),
        (&["a", "a"], l(paa), half, -0.37712017),
        (&["a", "b"], l(pba), half, -0.58682007),
        (&["b", "a"], l(1.0 / 3.0 + 0.5 * pa), half, -0.2984526),
        (&["a", "a", "b"], l(0.5 + 0.5 * pba), 0.0, -0.20102891),
        (&["<s>", "a", "a"], l(0.5 + 0.5 * paa), 0.0, -0.14885087),
        (&["b", "</s>"], l(peb), 0.0, -0.5220179),
        (&["a", "b", "</s>"], l(0.25 + 0.5 * peb), 0.0, -0.397617),
    ];
    for (words, prob, backoff, lmplz) in cases {
        let (p, b) = entry(&m, words);
        close(p, prob, 1e-9);
        close(b, backoff, 1e-9);
        close(p, lmplz, 1e-6);
    }
    let p_a_bos = (0.5 / 2.0) + 0.5 * pa;
    let want = l(p_a_bos) + l(0.5 * pba) + l(0.25 + 0.5 * peb);
    close(m.log10_prob(&[A, B]), want, 1e-9);
    // An unseen id is <unk>: p(<unk> | <s>) = γ(<s>)·p(<unk>), then "</s>" after <unk> is a unigram.
    close(m.log10_prob(&[999]), l(0.5 * 0.125) + l(pb), 1e-9);
}

/// The closed form with every t_k present: t1 = 10, t2 = 4, t3 = 2, t4 = 1 → Y = 10/18,
/// D1 = 1 − 2·Y·4/10 = 5/9, D2 = 2 − 3·Y·2/4 = 7/6, D3+ = 3 − 4·Y·1/2 = 17/9 (in f32, as lmplz).
#[test]
fn closed_form_discounts() {
    let d = closed_form(&[0, 10, 4, 2, 1]).unwrap();
    for (got, want) in d.iter().zip([5.0 / 9.0, 7.0 / 6.0, 17.0 / 9.0]) {
        close(*got, want, 1e-6);
    }
    assert_eq!(closed_form(&[0, 10, 4, 2, 0]).unwrap()[2], 3.0); // t4 = 0 is allowed: D3+ = 3
    assert_eq!(closed_form(&[0, 10, 4, 0, 1]), None); // t3 = 0
    assert_eq!(closed_form(&[0, 10, 1, 10, 1]), None); // D2 = 2 − 3·(10/12)·10/1 < 0
}

fn random_rows(seed: u64, rows: usize, vocab: usize) -> Vec<Vec<u32>> {
    let mut rng = Rng(seed);
    (0..rows)
        .map(|_| {
            let len = rng.below(9);
            (0..len)
                .map(|_| {
                    // Skewed: small ids are much more frequent.
                    let r = rng.below(vocab) + 1;
                    (rng.below(r) * 7 + 100) as u32
                })
                .collect()
        })
        .collect()
}

#[test]
fn every_context_sums_to_one() {
    let rows = random_rows(7, 300, 40);
    let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
    for order in 1..=3 {
        let m = NgramModel::train(&refs, order).unwrap();
        let words: Vec<u32> = (0..m.vocab.len() as u32).filter(|&w| w != BOS).collect();
        // Every context in the model, and some it never saw (an <unk>, a made-up pair).
        let mut contexts: Vec<Vec<u32>> = vec![vec![]];
        for k in 1..order {
            contexts.extend(m.levels[k - 1].keys().map(|&key| m.pack.unpack(key, k)));
        }
        contexts.push(vec![UNK; order - 1]);
        contexts.push(vec![EOS; order - 1]);
        for c in &contexts {
            let total: f64 = words.iter().map(|&w| 10f64.powf(m.cond_log10(c, w))).sum();
            close(total, 1.0, 1e-9);
        }
    }
}

#[test]
fn row_order_changes_nothing() {
    let rows = random_rows(11, 200, 30);
    let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
    let mut shuffled = refs.clone();
    shuffled.reverse();
    shuffled.swap(3, 50);
    for order in [1, 3, 5] {
        let (m1, m2) = (
            NgramModel::train(&refs, order).unwrap(),
            NgramModel::train(&shuffled, order).unwrap(),
        );
        assert_eq!(m1.to_arpa(), m2.to_arpa());
        assert_eq!(m1.discounts(), m2.discounts());
        for r in &refs {
            assert_eq!(m1.log10_prob(r).to_bits(), m2.log10_prob(r).to_bits());
        }
    }
}

#[test]
fn arpa_header_counts_match_sections() {
    let rows = random_rows(3, 150, 25);
    let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
    for order in 1..=5 {
        let m = NgramModel::train(&refs, order).unwrap();
        let arpa = m.to_arpa();
        let mut lines = arpa.lines();
        assert_eq!(lines.next(), Some("\\data\\"));
        let header: Vec<usize> = (1..=order)
            .map(|k| {
                let l = lines.next().unwrap();
                l.strip_prefix(&format!("ngram {k}="))
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert_eq!(header, m.ngram_counts());
        let sections: Vec<usize> = arpa
            .split("-grams:\n")
            .skip(1)
            .map(|s| s.split("\n\n").next().unwrap().lines().count())
            .collect();
        assert_eq!(sections, header);
        for section in arpa.split("-grams:\n").skip(1) {
            let fields = section.lines().next().unwrap().split('\t').count();
            assert_eq!(fields, if section.contains("\\end\\") { 2 } else { 3 });
        }
        assert!(arpa.ends_with("\\end\\\n"));
    }
}

#[test]
fn student_readable_errors() {
    let row: &[u32] = &[1, 2, 3];
    assert!(NgramModel::train(&[row], 0)
        .unwrap_err()
        .contains("between 1 and 5"));
    assert!(NgramModel::train(&[row], 6)
        .unwrap_err()
        .contains("between 1 and 5"));
    assert!(NgramModel::train(&[], 3)
        .unwrap_err()
        .contains("nothing to train on"));
    assert!(NgramModel::train(&[&[], &[]], 3).is_err());
    // An empty row among others is a "<s> </s>" sentence, as an empty line is to lmplz.
    let m = NgramModel::train(&[row, &[]], 3).unwrap();
    assert!(m.levels[1].contains_key(&m.pack.pack(&[BOS, EOS])));
}
