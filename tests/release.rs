//! Release discipline end to end on a real lineage — a JSON file imported (one record quarantined), rows
//! removed by the gates with float scores in the parameters, an edit by hand, a reflection by a model, the
//! tokenizer recorded with its token count: the release gates, the tags, the pipeline spec and its replay
//! in Rust, and the generated `pipeline.py` run by the real Python interpreter, which must reproduce every
//! content id (and name the step when an input file changed).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::json;

use datalab::core::dataset::content::content_hash;
use datalab::core::dataset::importer::import_text;
use datalab::core::dataset::ledger::Release;
use datalab::core::dataset::parse::CsvMapping;
use datalab::core::dataset::record::Record;
use datalab::core::dataset::workspace::{Transform, Workspace};
use datalab::core::release::gates::{blocking, evaluate, Records, Status};
use datalab::core::release::pack::{pipeline_script, verify};
use datalab::core::release::spec::{build, replay, verdict, Spec, StepKind, Stored};
use datalab::core::release::tag::next_tag;
use datalab::core::release::tokenizer::{params as tok_params, row_tokens};
use datalab::core::tokenize::EncodingSpec;

const FILE: &str = r#"[
{"instruction": "Name the capital of France.", "input": "", "output": "Paris."},
{"instruction": "Add 2 and 3.", "input": null, "output": "5"},
{"instruction": "Broken record", "input": "x"},
{"instruction": "Translate \"hello\" to Spanish.", "input": "hello", "output": "hola"},
{"instruction": "Say <|endoftext|> as text.", "input": "Zürich — “quotes” \u0007", "output": "ok\r\nline two"}
]"#;

fn fields(r: &Record) -> [&str; 3] {
    [&r.instruction, &r.input, &r.output]
}

fn hash(rows: &[Record]) -> String {
    content_hash(rows.iter().map(fields))
}

struct Lab {
    ws: Workspace,
    rows: BTreeMap<String, Vec<Record>>,
    quarantined: BTreeMap<String, Vec<usize>>,
}

impl Lab {
    fn add(
        &mut self,
        name: &str,
        params: serde_json::Value,
        rows: Vec<Record>,
        tok: Option<&str>,
    ) -> String {
        let parent = self.ws.current.clone();
        let t = Transform {
            name,
            params,
            created: "2026-12-03T10:00:00Z",
            quarantined: 0,
            tokenizer: tok.map(String::from),
            note: "",
            schema: None,
        };
        let (v, _) = self.ws.commit(hash(&rows), rows.len(), parent, t);
        self.rows.insert(v.id.clone(), rows);
        v.id
    }
}

/// The lineage the lab would record, and its version ids in order.
fn lineage() -> (Lab, Vec<String>) {
    let imported = import_text(FILE.into(), "data.json", None, &CsvMapping::default()).unwrap();
    assert_eq!(
        imported.quarantined.len(),
        1,
        "the record without output is held back"
    );
    let mut lab = Lab {
        ws: Workspace::default(),
        rows: BTreeMap::new(),
        quarantined: BTreeMap::new(),
    };
    let t = Transform {
        name: "import",
        params: json!({"source": "data.json", "format": "json"}),
        created: "2026-12-03T09:00:00Z",
        quarantined: 1,
        tokenizer: None,
        note: "",
        schema: Some(imported.schema.clone()),
    };
    let (v, _) = lab
        .ws
        .import_version(imported.content_hash.clone(), imported.records.len(), t);
    let import_id = v.id.clone();
    lab.rows.insert(v.id.clone(), imported.records.clone());
    lab.quarantined.insert(v.id.clone(), vec![2]);
    let mut rows = imported.records.clone();

    // The gates remove row 1; scores are floats serde_json writes in its shortest form.
    let gone = rows.remove(1);
    assert_eq!(gone.output, "5");
    let clean = lab.add(
        "clean",
        json!({"gates": ["length"], "config": {"min": 1e-7, "ratio": 0.8333333333333334, "big": 1e21, "tiny": 0.00001, "x": 123456789012.5},
               "tokenizer": "gpt2", "removed": [{"row": 1, "reasons": [{"gate": "length", "score": 0.1, "reason": "too short"}]}]}),
        rows.clone(),
        None,
    );
    rows[0].output = "Paris is the capital of France.".into();
    let edit = lab.add(
        "edit",
        json!({"row": 0, "field": "output"}),
        rows.clone(),
        None,
    );
    rows[1].output = "¡Hola!".into();
    let refine = lab.add(
        "refine",
        json!({"source_version": edit, "accepted": 1, "rejected": 0, "runs": [{"model": "llama3.2:1b"}],
               "rows": [{"index": 1, "decision": "accepted", "reason": "", "critique": "too terse"}]}),
        rows.clone(),
        None,
    );
    let bytes = std::fs::read(common::tiktoken_assets().join("r50k_base.tiktoken")).unwrap();
    let mut enc = EncodingSpec::by_name("gpt2")
        .unwrap()
        .build(&bytes)
        .unwrap();
    let (mut tokens, mut max) = (0u64, 0u32);
    for r in &rows {
        let (n, m) = row_tokens(&mut enc, r);
        tokens += n as u64;
        max = max.max(m);
    }
    let tok = lab.add(
        "tokenizer",
        tok_params("gpt2", 50257, tokens, max),
        rows,
        Some("gpt2"),
    );
    (lab, vec![import_id, clean, edit, refine, tok])
}

fn spec_of(lab: &Lab, candidate: &str) -> Spec {
    build(&lab.ws, candidate, "test", "2026-12-03T11:00:00Z", |id| {
        Ok(Stored {
            rows: lab.rows.get(id).cloned().ok_or(format!("{id} missing"))?,
            quarantined: lab.quarantined.get(id).cloned().unwrap_or_default(),
        })
    })
    .unwrap()
}

#[test]
fn the_spec_says_how_every_step_is_replayed_and_the_replay_is_identical() {
    let (lab, ids) = lineage();
    let spec = spec_of(&lab, &ids[4]);
    let kinds: Vec<StepKind> = spec.steps.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            StepKind::File,
            StepKind::Decisions,
            StepKind::Hand,
            StepKind::Model,
            StepKind::Decisions
        ]
    );
    assert_eq!(spec.steps[1].removed, vec![1]);
    assert_eq!(spec.steps[0].input.as_ref().unwrap().quarantined, vec![2]);
    let ids_in_spec: Vec<&str> = spec.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids_in_spec,
        ids.iter().map(String::as_str).collect::<Vec<_>>()
    );

    // The spec survives JSON.
    let (back, warning) = Spec::from_json(&spec.to_json(), "test").unwrap();
    assert_eq!(back, spec);
    assert!(warning.is_none());
    assert!(Spec::from_json(&spec.to_json(), "other")
        .unwrap()
        .1
        .unwrap()
        .contains("lab version test"));

    let files = BTreeMap::from([("data.json".to_string(), FILE.as_bytes().to_vec())]);
    let r = replay(&spec, &files);
    assert_eq!(r.len(), 5);
    assert!(r.iter().all(|s| s.outcome.is_ok()), "{r:?}");
    assert_eq!(verdict(&r, 5), "identical at every step (5 steps)");
    assert!(r[3].how.contains("recorded model outputs"));

    // A missing file, a changed file, a changed parameter: each named at its step.
    let r = replay(&spec, &BTreeMap::new());
    assert_eq!(r.len(), 1);
    assert!(r[0]
        .outcome
        .as_ref()
        .unwrap_err()
        .contains("data.json is missing"));
    let changed = FILE.replace("Paris.", "Lyon.");
    let r = replay(
        &spec,
        &BTreeMap::from([("data.json".to_string(), changed.into_bytes())]),
    );
    assert!(
        verdict(&r, 5).starts_with("step 1 (import"),
        "{}",
        verdict(&r, 5)
    );
    let mut edited = spec.clone();
    edited.steps[2].params["row"] = json!(3);
    let r = replay(&edited, &files);
    assert_eq!(r.len(), 3);
    assert!(r[2]
        .outcome
        .as_ref()
        .unwrap_err()
        .contains("parameters were changed"));
    let mut tampered = spec.clone();
    tampered.steps[1].removed = vec![0];
    assert!(verdict(&replay(&tampered, &files), 5).starts_with("step 2 (clean"));
}

#[test]
fn gates_read_the_records_and_a_release_needs_every_gate_passed_or_waived() {
    let (mut lab, ids) = lineage();
    let cand = ids[4].clone();
    let rows = lab.rows[&cand].clone();
    let spec = spec_of(&lab, &cand);
    let eval = |ws: &Workspace, rehash: Result<String, String>| {
        evaluate(&Records {
            ws,
            candidate: &cand,
            rehash,
            ab_log: &[],
            tokenizers: &[],
            spec: Ok((spec.steps.len(), spec.model_steps())),
            next_tag: "1.0.0",
        })
    };
    let gates = eval(&lab.ws, Ok(hash(&rows)));
    assert_eq!(gates.len(), 11);
    let st: Vec<Status> = gates.iter().map(|g| g.status).collect();
    use Status::*;
    // schema, audit, dups, tokenizer, A/B, reproducible, baseline, hashes, safety, rollback, examples
    assert_eq!(
        st,
        [Pass, Fail, Fail, Pass, Fail, Pass, Fail, Pass, Fail, Pass, Fail]
    );
    assert!(
        gates[3].evidence.contains("gpt2 recorded"),
        "{}",
        gates[3].evidence
    );
    assert!(
        gates[9].evidence.contains(&ids[3]),
        "rollback names the parent"
    );
    // Damaged rows fail gate 8.
    let g = eval(&lab.ws, Ok("0".repeat(64)));
    assert_eq!(g[7].status, Fail);

    // Curate, audit, waive the rest with reasons.
    for i in 0..3 {
        lab.ws.mark(&cand, i, true).unwrap();
    }
    assert!(lab.ws.mark(&cand, 99, true).is_err());
    lab.ws.start_audit(&cand, 3, 7).unwrap();
    let sample = lab.ws.audits[&cand].rows.clone();
    for i in sample {
        lab.ws.audits.get_mut(&cand).unwrap().verdicts.insert(
            i,
            (
                datalab::core::dataset::workspace::Verdict::Good,
                String::new(),
            ),
        );
    }
    assert!(lab
        .ws
        .waive(&cand, 3, "  ", "t")
        .unwrap_err()
        .contains("written reason"));
    assert!(lab.ws.waive(&cand, 3, "short", "t").is_err());
    for n in [3, 5, 7, 9] {
        lab.ws
            .waive(
                &cand,
                n,
                "Four rows by hand: checked every pair myself.",
                "t",
            )
            .unwrap();
    }
    let gates = eval(&lab.ws, Ok(hash(&rows)));
    assert!(blocking(&gates).is_empty(), "{:?}", blocking(&gates));
    assert_eq!(gates[2].status, Waived);
    assert!(gates[2].line().evidence.contains("waived: Four rows"));

    let (tag, entry) = next_tag(&lab.ws, &cand, "First cut.");
    assert_eq!(tag, "1.0.0");
    assert!(
        entry.contains("first release") && entry.ends_with("First cut."),
        "{entry}"
    );
    lab.ws
        .release(Release {
            version: cand.clone(),
            tag: tag.clone(),
            at: "t".into(),
            changelog: entry,
            gates: gates.iter().map(|g| g.line()).collect(),
        })
        .unwrap();
    // A released version is never deleted or changed, and its record never moves.
    lab.ws.rollback(&ids[3]).unwrap();
    assert!(lab
        .ws
        .remove(&cand)
        .unwrap_err()
        .contains("released as v1.0.0"));
    assert!(lab.ws.waive(&cand, 2, "another reason here", "t").is_err());
    assert!(lab.ws.mark(&cand, 0, false).is_err());

    // A child that only removes rows is a patch; one that adds rows is a minor release.
    lab.ws.rollback(&cand).unwrap();
    let mut fewer = rows.clone();
    fewer.pop();
    let child = lab.add("remove", json!({"rows": [3]}), fewer.clone(), None);
    assert_eq!(next_tag(&lab.ws, &child, "").0, "1.0.1");
    fewer.push(rows[0].clone());
    let more = lab.add("edit", json!({"add": 1}), fewer, None);
    let (t, e) = next_tag(&lab.ws, &more, "");
    assert_eq!(t, "1.1.0");
    assert!(
        e.contains("since v1.0.0") && e.contains("remove −1 rows"),
        "{e}"
    );
}

#[test]
fn a_changed_pack_file_is_named() {
    use datalab::core::archive::zip::{read_zip, write_zip, Entry};
    let files = vec![
        Entry {
            name: "README.md".into(),
            data: b"card".to_vec(),
        },
        Entry {
            name: "data/train.jsonl".into(),
            data: b"{}\n".to_vec(),
        },
    ];
    let sums: String = files
        .iter()
        .map(|e| {
            format!(
                "{}  {}\n",
                datalab::core::tokenize::ranks::sha256_hex(&e.data),
                e.name
            )
        })
        .collect();
    let mut all = files.clone();
    all.push(Entry {
        name: "SHA256SUMS".into(),
        data: sums.into_bytes(),
    });
    let ok = write_zip(&all).unwrap();
    assert_eq!(verify(&ok).unwrap().files, 2);
    let mut bad = read_zip(&ok).unwrap();
    bad[1].data = b"{\"x\":1}\n".to_vec();
    let err = verify(&write_zip(&bad).unwrap()).unwrap_err();
    assert!(err.starts_with("data/train.jsonl was changed"), "{err}");
    let mut extra = read_zip(&ok).unwrap();
    extra.push(Entry {
        name: "evil.html".into(),
        data: b"x".to_vec(),
    });
    assert!(verify(&write_zip(&extra).unwrap())
        .unwrap_err()
        .starts_with("evil.html is in the zip"));
    assert!(verify(b"not a zip").is_err());
}

fn python() -> &'static str {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "python3 is needed to run the generated pipeline.py (Debian: apt-get install python3)"
    );
    "python3"
}

fn run_pipeline(dir: &Path) -> (bool, String) {
    let out = Command::new(python())
        .arg(dir.join("pipeline.py"))
        .arg("--inputs")
        .arg(dir.join("inputs"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_generated_pipeline_py_reproduces_every_id_in_python() {
    let (lab, ids) = lineage();
    let spec = spec_of(&lab, &ids[4]);
    let dir = std::env::temp_dir().join(format!("datalab-pipeline-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("inputs")).unwrap();
    std::fs::write(dir.join("pipeline.json"), spec.to_json()).unwrap();
    std::fs::write(dir.join("pipeline.py"), pipeline_script(&spec)).unwrap();
    std::fs::write(dir.join("inputs/data.json"), FILE).unwrap();
    let (ok, text) = run_pipeline(&dir);
    assert!(ok, "{text}");
    for id in &ids {
        assert!(
            text.contains(&format!("{id} ")),
            "{id} missing from:\n{text}"
        );
    }
    assert!(text.contains("would call Ollama (llama3.2:1b"), "{text}");
    assert!(
        text.contains(&format!("identical at every step: {}", ids[4])),
        "{text}"
    );

    // An input file that is not the one imported: the first step says so, and the exit status is 1.
    std::fs::write(dir.join("inputs/data.json"), FILE.replace("hola", "ola")).unwrap();
    let (ok, text) = run_pipeline(&dir);
    assert!(!ok);
    assert!(
        text.contains("step 1 import") && text.contains("DIFFERS"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
/// pipeline.py writes numbers exactly as serde_json does, or its version ids could never match.
#[test]
fn python_writes_numbers_as_serde_json_does() {
    let xs = [
        1e16,
        1e17,
        1.5e300,
        1e-7,
        5e-324,
        1.2345678901234568e16,
        1e-4,
        1e-5,
        1e-6,
        1.25e-6,
        123e20,
        1e15,
        9.5e15,
        1e21,
        -2e-9,
        0.0,
        0.1,
        0.8333333333333334,
        2.0,
        100.0,
        123456789012.5,
        f64::MAX,
        f64::MIN_POSITIVE,
        1.0 / 3.0,
        -7.25e-3,
    ];
    let rust: Vec<String> = xs
        .iter()
        .map(|x| serde_json::json!(x).to_string())
        .collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core/release/pipeline.py");
    let code = format!(
        "import importlib.util, json, sys\nspec = importlib.util.spec_from_file_location('p', {:?})\nm = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(m)\nfor x in json.loads(sys.stdin.read()):\n    print(m.number(x))\n",
        script.to_str().unwrap()
    );
    let mut child = Command::new(python())
        .args(["-c", &code])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("[{}]", rust.join(",")).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let py: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(py, rust);
}

#[test]
fn the_portfolio_pack_lists_every_file_in_its_sha256sums() {
    use datalab::core::drills::board::Board;
    use datalab::core::release::card::CardMeta;
    use datalab::core::release::pack::{portfolio_zip, PackInput};
    let (lab, ids) = lineage();
    let cand = &ids[4];
    let spec = spec_of(&lab, cand);
    let rows = lab.rows[cand].clone();
    let gates = evaluate(&Records {
        ws: &lab.ws,
        candidate: cand,
        rehash: Ok(hash(&rows)),
        ab_log: &[],
        tokenizers: &[],
        spec: Ok((spec.steps.len(), spec.model_steps())),
        next_tag: "1.0.0",
    });
    let meta = CardMeta {
        name: "Test pack".into(),
        license: "cc-by-4.0".into(),
        language: "en".into(),
        author: String::new(),
    };
    let zip = portfolio_zip(&PackInput {
        ws: &lab.ws,
        candidate: cand,
        rows: &rows,
        gates: &gates,
        spec: &spec,
        meta: &meta,
        tokenizers: &[],
        ab_log: &[],
        board: &Board::default(),
        imdb_runs: &[],
        made: "2026-12-03T12:00:00Z",
        lab_version: "test",
    })
    .unwrap();
    let checked = verify(&zip).unwrap();
    assert_eq!(checked.files, 17, "every file but SHA256SUMS itself");
    assert_eq!(
        Spec::from_json(&checked.spec.unwrap(), "test").unwrap().0,
        spec
    );
    let files = datalab::core::archive::zip::read_zip(&zip).unwrap();
    let card = String::from_utf8(
        files
            .iter()
            .find(|f| f.name == "README.md")
            .unwrap()
            .data
            .clone(),
    )
    .unwrap();
    assert!(card.starts_with("---\nlicense: cc-by-4.0\n"), "{card}");
    assert!(
        card.contains("- \"machine-generated\"") && card.contains("num_examples: 3"),
        "{card}"
    );
    assert!(
        card.contains("[to write: your name]"),
        "what only the student knows is marked"
    );
    let html = String::from_utf8(
        files
            .iter()
            .find(|f| f.name == "quality_report.html")
            .unwrap()
            .data
            .clone(),
    )
    .unwrap();
    assert!(html.contains("Say &lt;|endoftext|&gt; as text.") || !html.contains("<|endoftext|>"));
    if let Ok(out) = std::env::var("DATALAB_PACK_OUT") {
        std::fs::write(&out, &zip).unwrap();
        std::fs::create_dir_all(format!("{out}.inputs")).unwrap();
        std::fs::write(format!("{out}.inputs/data.json"), FILE).unwrap();
    }
}

/// The runbook's points: read from the records, failed when the records contradict the step.
#[test]
fn the_runbook_reads_reruns_decisions_and_drills_from_the_records() {
    use datalab::core::drills::board::Board;
    use datalab::core::imdb::prepare::SplitSettings;
    use datalab::core::imdb::record::{ArchiveInfo, RunRecord, SplitId};
    use datalab::core::release::runbook::{evaluate as runbook, Inputs, Point};
    let (lab, ids) = lineage();
    let run = |n: u32, sha: &str, rows: [usize; 3]| RunRecord {
        run: n,
        when: "t".into(),
        archive: ArchiveInfo {
            name: "aclImdb_v1.tar.gz".into(),
            bytes: 1,
            sha256: "a".into(),
        },
        settings: SplitSettings::default(),
        reviews: 50_000,
        splits: ["train", "validation", "test"]
            .iter()
            .zip(rows)
            .map(|(name, rows)| SplitId {
                name: name.to_string(),
                rows,
                positive: rows / 2,
                sha256: format!("{sha}{name}"),
            })
            .collect(),
        baselines: None,
    };
    let mut board = Board::default();
    board.start("schema-drift", 1, "t", 0.0);
    board.finish("schema-drift", true, "recovered", 1000.0);
    let eval = |runs: &[RunRecord], ws: &Workspace| {
        let rows = lab.rows[&ids[4]].clone();
        runbook(&Inputs {
            ws,
            candidate: Some(&ids[4]),
            rows: Some(&rows),
            ab_log: &[],
            tokenizers: &[],
            imdb_runs: runs,
            board: &board,
            replay: None,
        })
    };
    let point = |steps: &[datalab::core::release::runbook::Step], anchor: &str, what: &str| {
        let s = steps.iter().find(|s| s.anchor == anchor).unwrap();
        s.checks.iter().find(|c| c.what == what).unwrap().clone()
    };
    let order: Vec<&str> = eval(&[], &lab.ws).iter().map(|s| s.anchor).collect();
    assert_eq!(
        order,
        ["LAB-01", "APP-A", "LAB-02", "LAB-03", "LAB-04", "LAB-05", "LAB-06", "LAB-07", "LAB-08"]
    );

    let same = [
        run(1, "x", [35_000, 5_000, 10_000]),
        run(2, "x", [35_000, 5_000, 10_000]),
    ];
    let steps = eval(&same, &lab.ws);
    assert_eq!(
        point(&steps, "LAB-08", "a rerun reproduced the split hashes").state,
        Point::Pass
    );
    assert_eq!(
        point(&steps, "LAB-05", "split sizes are the reference script's").state,
        Point::Pass
    );
    assert_eq!(
        point(&steps, "LAB-07", "schema drift diagnosed and recovered").state,
        Point::Pass
    );
    assert_eq!(
        point(
            &steps,
            "LAB-07",
            "duplicate leakage diagnosed and recovered"
        )
        .state,
        Point::NotYet
    );
    assert_eq!(
        point(&steps, "LAB-02", "every reflection decision has a reason").state,
        Point::Pass
    );
    assert_eq!(
        point(&steps, "LAB-01", "every row has provenance").state,
        Point::Pass
    );
    assert_eq!(
        point(
            &steps,
            "LAB-03",
            "the tokenizer version is recorded on the dataset"
        )
        .state,
        Point::Pass
    );
    assert_eq!(
        point(&steps, "LAB-04", "an A/B decision exists").state,
        Point::NotYet
    );

    // Same archive and settings, other splits: failed, by name. A sample archive's sizes: failed.
    let differ = [
        run(1, "x", [35_000, 5_000, 10_000]),
        run(2, "y", [35_000, 5_000, 10_000]),
    ];
    let p = point(
        &eval(&differ, &lab.ws),
        "LAB-08",
        "a rerun reproduced the split hashes",
    );
    assert_eq!(p.state, Point::Failed);
    assert!(p.evidence.contains("runs 1 and 2"), "{}", p.evidence);
    let small = [run(1, "x", [700, 100, 200])];
    assert_eq!(
        point(
            &eval(&small, &lab.ws),
            "LAB-05",
            "split sizes are the reference script's"
        )
        .state,
        Point::Failed
    );

    // A reflection decision with neither reason nor critique fails its point.
    let mut ws = lab.ws.clone();
    let refine = ws
        .versions
        .iter_mut()
        .find(|v| v.transform == "refine")
        .unwrap();
    refine.params["rows"][0]["critique"] = json!("");
    let p = point(
        &eval(&same, &ws),
        "LAB-02",
        "every reflection decision has a reason",
    );
    assert_eq!(p.state, Point::Failed);
    assert!(p.evidence.starts_with("1 of 1 decisions"), "{}", p.evidence);
}
