//! The A/B lab's proxy run on real GPT-2 ranks (tiktoken-rs' rank file): what must hold whatever the
//! numbers — row order never matters, more in-domain rows lower bits per byte, the same rows in another
//! order give a zero difference, leaked rows are counted, an extension is built and saves tokens, and the
//! score is Σ bits / Σ bytes of the prompt-formatted evaluation rows.

mod common;

use common::{tiktoken_assets, Rng};
use datalab::core::ab::compare::{compare, Verdict};
use datalab::core::ab::plan::{plan, TokenizerPlan, VersionInfo};
use datalab::core::ab::proxy::{fingerprint, prompt, run_arm, tokenizer_for, ArmJob, FRACTIONS};
use datalab::core::ab::spec::{Inline, Spec};
use datalab::core::dataset::record::{Provenance, Record};
use datalab::core::tokenize::extend::Mode;
use datalab::core::tokenize::ranks::sha256_hex;
use datalab::core::tokenize::{Encoder, EncodingSpec};

fn gpt2() -> (Encoder, String) {
    let bytes = std::fs::read(tiktoken_assets().join("r50k_base.tiktoken")).unwrap();
    (
        EncodingSpec::by_name("gpt2")
            .unwrap()
            .build(&bytes)
            .unwrap(),
        sha256_hex(&bytes),
    )
}

const VERBS: &[&str] = &[
    "restart", "scale", "inspect", "drain", "patch", "upgrade", "label",
];
const THINGS: &[&str] = &[
    "the deployment",
    "the pod",
    "the node",
    "the service",
    "the ingress",
];
const WHERE: &[&str] = &[
    "in staging",
    "in production",
    "on the edge cluster",
    "behind the proxy",
];

fn rows(n: usize, seed: u64) -> Vec<Record> {
    let mut r = Rng(seed);
    let mut pick = |xs: &[&'static str]| xs[r.below(xs.len())];
    (0..n)
        .map(|i| {
            let (v, t, w) = (pick(VERBS), pick(THINGS), pick(WHERE));
            Record {
                instruction: format!("How do I {v} {t} {w}?"),
                input: if i % 3 == 0 {
                    format!("ticket {i}")
                } else {
                    String::new()
                },
                output: format!(
                    "Run kubectl to {v} {t} {w}, then {} {} and check it.",
                    pick(VERBS),
                    pick(THINGS)
                ),
                provenance: Provenance::generated("test", None),
            }
        })
        .collect()
}

fn job(name: &str, tokenizer: TokenizerPlan) -> ArmJob {
    ArmJob {
        name: name.into(),
        order: 3,
        seed: 123,
        tokenizer,
    }
}

fn base_plan() -> TokenizerPlan {
    TokenizerPlan::Base {
        name: "gpt2".into(),
    }
}

#[test]
fn the_proxy_run_holds_its_promises() {
    let (base, sha) = gpt2();
    let (train, more, eval) = (rows(60, 1), rows(400, 2), rows(50, 3));
    let (mut enc, id) = tokenizer_for(&base_plan(), &base, &sha).unwrap();
    assert_eq!(id, "gpt2");
    let mut quiet = |_: f64, _: &str| {};
    let a = run_arm(
        &job("a", base_plan()),
        &train,
        &eval,
        &mut enc,
        &id,
        &mut quiet,
    )
    .unwrap();

    // Σ bits / Σ bytes of the prompt-formatted rows.
    let bytes: u32 = eval.iter().map(|r| prompt(r).len() as u32).sum();
    assert_eq!(a.eval_bytes.iter().sum::<u32>(), bytes);
    let bpb = a.eval_bits.iter().sum::<f64>() / f64::from(bytes);
    assert!((a.bits_per_byte - bpb).abs() < 1e-12);
    assert!(
        a.bits_per_byte > 0.05 && a.bits_per_byte < 8.0,
        "{}",
        a.bits_per_byte
    );
    assert_eq!(a.curve.len(), FRACTIONS.len());
    assert_eq!(a.curve.last().unwrap().bits_per_byte, a.bits_per_byte);
    assert_eq!(a.tokens(), a.curve.last().unwrap().tokens);
    assert_eq!(
        a.row_tokens[0] as usize,
        enc.encode(&prompt(&train[0]), false).len()
    );

    // Row order never matters: reversed rows give the same bits for every evaluation row.
    let reversed: Vec<Record> = train.iter().rev().cloned().collect();
    let b = run_arm(
        &job("b", base_plan()),
        &reversed,
        &eval,
        &mut enc,
        &id,
        &mut quiet,
    )
    .unwrap();
    assert_eq!(a.eval_bits, b.eval_bits);
    assert_eq!(a.rows_fingerprint, b.rows_fingerprint);
    assert_eq!(fingerprint(&train), fingerprint(&reversed));
    assert_ne!(fingerprint(&train), fingerprint(&more));

    // More rows of the same language: the curve falls and the score is better.
    let all: Vec<Record> = train.iter().chain(&more).cloned().collect();
    let c = run_arm(
        &job("c", base_plan()),
        &all,
        &eval,
        &mut enc,
        &id,
        &mut quiet,
    )
    .unwrap();
    assert!(
        c.bits_per_byte < a.bits_per_byte - 0.01,
        "{} vs {}",
        c.bits_per_byte,
        a.bits_per_byte
    );
    assert!(c.curve.first().unwrap().bits_per_byte > c.bits_per_byte);
    let in_rows = |rows: &[Record]| {
        eval.iter()
            .filter(|e| {
                rows.iter().any(|r| {
                    (&r.instruction, &r.input, &r.output) == (&e.instruction, &e.input, &e.output)
                })
            })
            .count()
    };
    assert_eq!(
        c.leaked,
        in_rows(&all),
        "a short grammar repeats some rows by chance"
    );

    // Leaked evaluation rows are counted.
    let leaky: Vec<Record> = train.iter().chain(&eval[..7]).cloned().collect();
    let d = run_arm(
        &job("d", base_plan()),
        &leaky,
        &eval,
        &mut enc,
        &id,
        &mut quiet,
    )
    .unwrap();
    assert_eq!(d.leaked, in_rows(&leaky));
    assert!(d.leaked >= 7);

    // An inline extension is built on the base and saves tokens.
    let ext = TokenizerPlan::Inline {
        inline: Inline {
            base: "gpt2".into(),
            mode: Mode::AddedTokens,
            terms: vec!["kubectl".into(), " deployment".into()],
        },
    };
    let (mut enc2, id2) = tokenizer_for(&ext, &base, &sha).unwrap();
    assert!(id2.starts_with("tok-"), "{id2}");
    let e = run_arm(&job("e", ext), &train, &eval, &mut enc2, &id2, &mut quiet).unwrap();
    assert!(e.tokens() < a.tokens());
    assert_eq!(e.n_vocab, 50_259);

    // The decision table over these results: identical arm inconclusive at Δ 0, more data adopted.
    let spec = Spec::parse(
        r#"{"eval": "ev", "baseline": {"dataset": "tr"}, "arms": [{"name": "same", "dataset": "rev"},
            {"name": "more", "dataset": "all"}], "rule": {"min_gain": 0.002, "max_cost_growth": 1000}}"#,
    )
    .unwrap();
    let p = plan(&spec, &|_| Some(VersionInfo { rows: 1 }), &|_| None).unwrap();
    let table = compare(&spec, &p, &[Some(a), Some(b), Some(c)]);
    assert_eq!(table[1].verdict, Verdict::Inconclusive);
    assert_eq!(table[1].delta.unwrap().delta, 0.0);
    assert_eq!(table[2].verdict, Verdict::Adopt, "{}", table[2].why);
}
