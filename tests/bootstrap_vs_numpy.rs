//! The A/B lab's paired bootstrap against numpy on the same resamples (fixture made by
//! `scripts/fixtures/bootstrap_fixtures.py`, which draws the lab's SplitMix64 indices in plain Python and
//! lets numpy compute the means, percentiles, standard error and p-value).

use datalab::core::stats::{bootstrap_indices, paired_ratio_bootstrap};
use serde_json::Value;

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn paired_bootstrap_matches_numpy() {
    let path = format!(
        "{}/tests/fixtures/ab/bootstrap.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let f: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let cases = f["cases"].as_array().unwrap();
    assert!(cases.len() >= 4);
    for c in cases {
        let (n, b, seed) = (
            c["n"].as_u64().unwrap() as usize,
            c["resamples"].as_u64().unwrap() as usize,
            c["seed"].as_u64().unwrap(),
        );
        let first: Vec<usize> = bootstrap_indices(n, b, seed).take(10).collect();
        let want: Vec<usize> = c["first_indices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(first, want, "indices, case n={n} seed={seed}");
        let r = paired_ratio_bootstrap(&floats(&c["diff"]), &floats(&c["bytes"]), b, seed).unwrap();
        for (name, ours) in [
            ("delta", r.delta),
            ("low", r.low),
            ("high", r.high),
            ("se", r.se),
            ("p_value", r.p_value),
        ] {
            let theirs = c[name].as_f64().unwrap();
            assert!(
                (ours - theirs).abs() < 1e-12,
                "{name}: ours {ours}, numpy {theirs} (n={n}, seed={seed})"
            );
        }
    }
}
