//! The sample data in `static/sample/` (made by `scripts/make-sample.py`) against the lab's real code: the
//! committed files are exactly what the script makes, and every flaw `flaws.json` lists is found by what
//! the manifest says finds it — the import quarantine, the quality gates (with the quality lab's default
//! settings and GPT-2 token counts), exact and near deduplication, the leakage check — while no clean row
//! is flagged and no duplicate or leak is reported that was not planted.
//!
//! Manifest indices are record indices in `train.json`'s file order; the importer quarantines the
//! null-instruction row, so a valid record's index in the imported version is its file index, less one
//! when it comes after that row.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use datalab::core::ab::proxy::leaked;
use datalab::core::dataset::importer::{import_text, Imported};
use datalab::core::dataset::parse::CsvMapping;
use datalab::core::dataset::record::Record;
use datalab::core::dataset::validate::Problem;
use datalab::core::quality::dedup::{LeakKind, NearDupParams};
use datalab::core::quality::gates::{Gate, GateConfig};
use datalab::core::quality::jobs::{run, Job, Outcome};
use datalab::core::quality::scorecard::{splits_at_whitespace, TokenCounter};
use datalab::core::tokenize::EncodingSpec;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn import(rel: &str) -> Imported {
    let name = Path::new(rel).file_name().unwrap().to_str().unwrap();
    import_text(read(rel), name, None, &CsvMapping::default())
        .unwrap_or_else(|e| panic!("{rel} does not import: {e:?}"))
}

/// The manifest's flaws by kind.
struct Manifest {
    flaws: BTreeMap<String, Value>,
}

impl Manifest {
    fn load() -> Self {
        let m: Value = serde_json::from_str(&read("static/sample/flaws.json")).unwrap();
        let flaws = m["flaws"]
            .as_array()
            .expect("flaws.json has a list of flaws")
            .iter()
            .map(|f| (f["kind"].as_str().unwrap().to_string(), f.clone()))
            .collect();
        Manifest { flaws }
    }

    fn list(&self, kind: &str, key: &str) -> Vec<usize> {
        let f = self
            .flaws
            .get(kind)
            .unwrap_or_else(|| panic!("flaws.json lists no {kind} rows"));
        f[key]
            .as_array()
            .unwrap_or_else(|| panic!("{kind} has no {key}"))
            .iter()
            .map(|i| i.as_u64().unwrap() as usize)
            .collect()
    }

    fn rows(&self, kind: &str) -> Vec<usize> {
        self.list(kind, "rows")
    }
}

/// A row for a failure message: its file index and its fields.
fn show(file: usize, r: &Record) -> String {
    format!(
        "train.json record {file}: instruction {:?}, input {:?}, output {:?}",
        r.instruction, r.input, r.output
    )
}

/// Asserts that the groups found are the groups planted, naming every group that differs with its rows.
fn assert_groups(
    found: &BTreeSet<BTreeSet<usize>>,
    planted: &BTreeSet<BTreeSet<usize>>,
    what: &str,
    describe: impl Fn(&BTreeSet<usize>) -> String,
) {
    let mut problems: Vec<String> = found
        .difference(planted)
        .map(|g| format!("{what} that was not planted:{}", describe(g)))
        .collect();
    problems.extend(
        planted
            .difference(found)
            .map(|g| format!("planted as {what} but not found as one:{}", describe(g))),
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_committed_sample_is_what_the_script_makes() {
    let out = Command::new("python3")
        .arg(root().join("scripts/make-sample.py"))
        .arg("--check")
        .current_dir(root())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "static/sample/ or docs/sample.md is stale: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The README carries the section (its heading one level down): every other line, unchanged.
    let readme = read("README.md");
    for line in read("docs/sample.md").lines().skip(1) {
        assert!(
            readme.contains(line),
            "README.md lacks this line of docs/sample.md (paste the section again): {line}"
        );
    }
}

#[test]
fn the_labs_find_every_planted_flaw_and_nothing_else() {
    let m = Manifest::load();
    let meta: Value = serde_json::from_str(&read("static/sample/flaws.json")).unwrap();
    let raw: Vec<Value> = serde_json::from_str(&read("static/sample/train.json")).unwrap();
    assert_eq!(raw.len(), meta["train_rows"].as_u64().unwrap() as usize);

    // Import: the notebook's null row, and only it, is quarantined; every other record imports as is.
    let train = import("static/sample/train.json");
    let [null] = m.rows("null_instruction")[..] else {
        panic!("one null_instruction row")
    };
    assert_eq!(
        raw[null],
        serde_json::json!({"instruction": null, "output": ""}),
        "the generation notebook's row, without an input key"
    );
    assert_eq!(train.quarantined.len(), 1, "{:?}", train.quarantined);
    let q = &train.quarantined[0];
    assert!(
        q.issues.iter().any(|i| i.index == null
            && i.field.as_deref() == Some("instruction")
            && i.problem == Problem::Null),
        "quarantined for its null instruction: {:?}",
        q.issues
    );
    assert!(train.warnings.is_empty(), "{:?}", train.warnings);
    assert_eq!(train.records.len(), raw.len() - 1);
    // File index → index in the imported version.
    let rec = |file: usize| -> usize {
        assert_ne!(file, null, "the null row has no imported record");
        file - usize::from(file > null)
    };
    let file_of = |r: usize| -> usize { r + usize::from(r >= null) };
    for (file, v) in raw.iter().enumerate().filter(|(f, _)| *f != null) {
        let r = &train.records[rec(file)];
        assert_eq!(v["instruction"], r.instruction.as_str(), "record {file}");
        assert_eq!(v["input"], r.input.as_str(), "record {file}");
        assert_eq!(v["output"], r.output.as_str(), "record {file}");
    }

    // Gates, as the quality lab runs them: default settings, GPT-2 token counts. Each row raises exactly
    // the flags of its planted flaw, clean rows (and duplicates and leaks, which are clean text) none.
    let mut expected: BTreeMap<usize, Gate> = BTreeMap::new();
    for (kind, gate) in [
        ("refusal", Gate::Refusal),
        ("truncated", Gate::Truncated),
        ("pii", Gate::Pii),
        ("repeats_instruction", Gate::RepeatsInstruction),
        ("other_language", Gate::ScriptMismatch),
    ] {
        for file in m.rows(kind) {
            assert!(
                expected.insert(file, gate).is_none(),
                "record {file} is planted twice"
            );
        }
    }
    let bytes = std::fs::read(common::tiktoken_assets().join("r50k_base.tiktoken")).unwrap();
    let mut gpt2 = EncodingSpec::by_name("gpt2")
        .unwrap()
        .build(&bytes)
        .unwrap();
    let max_token_bytes = (0..gpt2.n_vocab() as u32)
        .filter_map(|id| gpt2.token_bytes(id).map(<[u8]>::len))
        .max()
        .unwrap();
    let mut count = |s: &str| gpt2.count(s, false);
    let job = Job::Gates {
        config: GateConfig::default(),
        encoding: Some("gpt2".into()),
    };
    let tokens = TokenCounter {
        count: &mut count,
        max_token_bytes,
        splits_at_whitespace: splits_at_whitespace("gpt2"),
    };
    let Outcome::Gates(gates) = run(&job, &train.records, Some(tokens), &mut |_| {}).unwrap()
    else {
        panic!("a gates job gives a gate run")
    };
    let flagged: BTreeMap<usize, &Vec<_>> = gates
        .report
        .flagged
        .iter()
        .map(|(r, f)| (file_of(*r), f))
        .collect();
    let mut problems = Vec::new();
    for (file, r) in raw
        .iter()
        .enumerate()
        .filter(|(f, _)| *f != null)
        .map(|(f, _)| (f, &train.records[rec(f)]))
    {
        let got: Vec<(Gate, &str)> = flagged
            .get(&file)
            .map(|fs| fs.iter().map(|f| (f.gate, f.reason.as_str())).collect())
            .unwrap_or_default();
        let gates: Vec<Gate> = got.iter().map(|g| g.0).collect();
        let want: Vec<Gate> = expected.get(&file).copied().into_iter().collect();
        if gates != want {
            problems.push(format!(
                "{}\n  expected {:?}, flagged {:?}",
                show(file, r),
                want.iter().map(|g| g.label()).collect::<Vec<_>>(),
                got.iter()
                    .map(|(g, why)| format!("{}: {why}", g.label()))
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(problems.is_empty(), "gates:\n{}", problems.join("\n"));

    // Exact and near duplicates, as the quality lab finds them (default parameters). Each planted copy
    // is grouped with its original; nothing else is grouped.
    let mut exact_families: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (copy, orig) in m
        .rows("exact_duplicate")
        .into_iter()
        .zip(m.list("exact_duplicate", "originals"))
    {
        assert!(orig < copy, "the original comes first");
        exact_families
            .entry(orig)
            .or_insert_with(|| BTreeSet::from([orig]))
            .insert(copy);
    }
    let mut near_families: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (copy, orig) in m
        .rows("near_duplicate")
        .into_iter()
        .zip(m.list("near_duplicate", "originals"))
    {
        assert!(orig < copy, "the original comes first");
        near_families
            .entry(orig)
            .or_insert_with(|| BTreeSet::from([orig]))
            .insert(copy);
    }
    let job = Job::Duplicates {
        params: NearDupParams::default(),
    };
    let Outcome::Duplicates(dups) = run(&job, &train.records, None, &mut |_| {}).unwrap() else {
        panic!("a duplicates job gives a duplicates report")
    };
    let files = |g: &[usize]| -> BTreeSet<usize> { g.iter().map(|&r| file_of(r)).collect() };
    let describe = |g: &BTreeSet<usize>| -> String {
        g.iter()
            .map(|&f| format!("\n  {}", show(f, &train.records[rec(f)])))
            .collect()
    };
    let found_exact: BTreeSet<BTreeSet<usize>> = dups.exact.iter().map(|g| files(g)).collect();
    let planted_exact: BTreeSet<BTreeSet<usize>> = exact_families.values().cloned().collect();
    assert_groups(
        &found_exact,
        &planted_exact,
        "an exact-duplicate group",
        describe,
    );
    // Exact duplicates are near duplicates too (J = 1): the clusters are all the planted families.
    let found_near: BTreeSet<BTreeSet<usize>> =
        dups.near.clusters.iter().map(|c| files(&c.rows)).collect();
    let planted_near: BTreeSet<BTreeSet<usize>> = near_families
        .values()
        .chain(exact_families.values())
        .cloned()
        .collect();
    assert_groups(
        &found_near,
        &planted_near,
        "a near-duplicate cluster",
        describe,
    );
    for g in near_families.values() {
        assert!(
            !found_exact.contains(g),
            "near duplicates are not exact ones:{}",
            describe(g)
        );
    }

    // Leakage of eval.json into train.json, as the quality lab checks it: every planted leak, and only
    // those; the reworded one as a near duplicate, the others as exact.
    let eval = import("static/sample/eval.json");
    assert!(eval.quarantined.is_empty() && eval.warnings.is_empty());
    assert_eq!(
        eval.records.len(),
        meta["eval_rows"].as_u64().unwrap() as usize
    );
    let leak_rows = m.rows("eval_leak");
    let leak_eval = m.list("eval_leak", "eval_rows");
    let styles: Vec<String> = m.flaws["eval_leak"]["styles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let all: Vec<Record> = train.records.iter().chain(&eval.records).cloned().collect();
    let job = Job::Leakage {
        params: NearDupParams::default(),
        train: train.records.len(),
    };
    let Outcome::Leakage(report) = run(&job, &all, None, &mut |_| {}).unwrap() else {
        panic!("a leakage job gives a leakage report")
    };
    let found: BTreeMap<(usize, usize), LeakKind> = report
        .leaks
        .iter()
        .map(|l| ((file_of(l.train), l.test), l.kind))
        .collect();
    let planted: BTreeMap<(usize, usize), LeakKind> = leak_rows
        .iter()
        .zip(&leak_eval)
        .zip(&styles)
        .map(|((&t, &e), s)| {
            let kind = if s == "reworded" {
                LeakKind::Near
            } else {
                LeakKind::Exact
            };
            ((t, e), kind)
        })
        .collect();
    assert_eq!(
        found, planted,
        "leaks found (train.json record, eval.json record) vs planted"
    );
    // The A/B lab's warning compares rows byte for byte: it counts the identical copies only.
    let identical = styles.iter().filter(|s| *s == "identical").count();
    assert_eq!(leaked(&train.records, &eval.records), identical);

    // The evaluation split itself is clean: no gate flags, no duplicates.
    let Outcome::Gates(g) = run(
        &Job::Gates {
            config: GateConfig::default(),
            encoding: None,
        },
        &eval.records,
        None,
        &mut |_| {},
    )
    .unwrap() else {
        panic!("a gates job gives a gate run")
    };
    assert!(g.report.flagged.is_empty(), "{:?}", g.report.flagged);
    let Outcome::Duplicates(d) = run(
        &Job::Duplicates {
            params: NearDupParams::default(),
        },
        &eval.records,
        None,
        &mut |_| {},
    )
    .unwrap() else {
        panic!("a duplicates job gives a duplicates report")
    };
    assert!(d.exact.is_empty() && d.near.pairs.is_empty());

    // Every row of the manifest is a real record, and the clean count adds up.
    let planted_rows: BTreeSet<usize> = m
        .flaws
        .keys()
        .flat_map(|k| m.rows(k))
        .inspect(|&f| assert!(f < raw.len()))
        .collect();
    assert_eq!(
        raw.len() - planted_rows.len(),
        meta["clean_rows"].as_u64().unwrap() as usize
    );
}
