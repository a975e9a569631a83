//! The leakage drill on the A/B lab's real proxy (GPT-2 ranks from tiktoken-rs): evaluation rows copied into
//! training make the proxy score the evaluation set better — the damage the drill shows — and removing the
//! copies the duplicate check finds brings the score back to the clean one.

mod common;

use common::{tiktoken_assets, Rng};
use datalab::core::ab::plan::TokenizerPlan;
use datalab::core::ab::proxy::{run_arm, tokenizer_for, ArmJob};
use datalab::core::dataset::record::{Provenance, Record};
use datalab::core::dataset::transform::drop_rows;
use datalab::core::drills::leak::{plant, score, split, LeakPlan};
use datalab::core::quality::dedup::{leakage, row_text, NearDupParams};
use datalab::core::tokenize::ranks::sha256_hex;
use datalab::core::tokenize::EncodingSpec;

const WORDS: &[&str] = &[
    "cluster",
    "node",
    "pod",
    "restart",
    "drain",
    "ticket",
    "engineer",
    "service",
    "latency",
    "quota",
    "budget",
    "release",
    "window",
    "probe",
    "config",
    "secret",
    "volume",
    "replica",
    "rollout",
    "alert",
    "pager",
    "queue",
    "backlog",
    "storage",
    "network",
    "policy",
    "label",
    "metric",
    "dashboard",
    "upgrade",
];

/// Rows of varied wording (a random walk over a small vocabulary), so held-out rows are not predictable
/// from training rows — as in real instruction data — and a remembered row stands out.
fn rows(n: usize, seed: u64) -> Vec<Record> {
    let mut r = Rng(seed);
    let mut sentence = |k: usize| -> String {
        (0..k)
            .map(|_| WORDS[r.below(WORDS.len())])
            .collect::<Vec<_>>()
            .join(" ")
    };
    (0..n)
        .map(|_| Record {
            instruction: format!("Explain {}.", sentence(6)),
            input: String::new(),
            output: format!("{}. {}.", sentence(14), sentence(12)),
            provenance: Provenance::generated("test", None),
        })
        .collect()
}

fn bpb(train: &[Record], eval: &[Record], order: usize) -> f64 {
    let bytes = std::fs::read(tiktoken_assets().join("r50k_base.tiktoken")).unwrap();
    let base = EncodingSpec::by_name("gpt2")
        .unwrap()
        .build(&bytes)
        .unwrap();
    let plan = TokenizerPlan::Base {
        name: "gpt2".into(),
    };
    let (mut enc, id) = tokenizer_for(&plan, &base, &sha256_hex(&bytes)).unwrap();
    let job = ArmJob {
        name: "a".into(),
        order,
        seed: 25,
        tokenizer: plan,
    };
    run_arm(&job, train, eval, &mut enc, &id, &mut |_, _| {})
        .unwrap()
        .bits_per_byte
}

#[test]
fn a_leak_lowers_bits_per_byte_and_removing_it_restores_them() {
    let all = rows(300, 7);
    let plan = LeakPlan::default();
    let (ti, ei) = split(all.len(), plan.eval_share, plan.seed);
    let train: Vec<Record> = ti.iter().map(|&i| all[i].clone()).collect();
    let eval: Vec<Record> = ei.iter().map(|&i| all[i].clone()).collect();
    let (leaky, planted) = plant(&train, &eval, &plan);
    assert_eq!(planted.len(), 12);
    let clean = bpb(&train, &eval, 5);
    let leaky_bpb = bpb(&leaky, &eval, 5);
    assert!(
        leaky_bpb < clean * 0.95,
        "the leak shows: {leaky_bpb} vs {clean}"
    );

    let params = NearDupParams {
        threshold: 0.5,
        ..NearDupParams::default()
    };
    let texts: Vec<String> = leaky.iter().chain(&eval).map(row_text).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let leaks = leakage(&refs, leaky.len(), &params, &mut |_| {});
    let s = score(&planted, &leaks, &leaky, &eval, &params);
    assert_eq!((s.found, s.missed.len(), s.other), (12, 0, 0), "{s:?}");
    let recovered = drop_rows(&leaky, leaks.iter().map(|l| l.train));
    assert_eq!(recovered.len(), train.len());
    let back = bpb(&recovered, &eval, 5);
    assert!(
        (back - clean).abs() < 1e-9,
        "removing exactly the copies gives the clean score: {back} vs {clean}"
    );
}
