//! `datalab-fuzz seeds --ranks r50k_base.tiktoken`: writes the seed files that are best made by the lab's
//! own writers (a workspace export, archives, manifests, specs, bundles, packs) into `fuzz/corpus/`. The
//! other seeds are real files copied by hand (the sample dataset, recorded streams, fixtures) or short
//! broken files written to start the fuzzer at an edge. Run once; the outputs are committed.

use std::path::Path;

use datalab::core::ab::spec::Spec as AbSpec;
use datalab::core::archive::gzip::Crc32;
use datalab::core::archive::tar::write_ustar;
use datalab::core::archive::zip::{write_zip, Entry};
use datalab::core::dataset::importer::import_text;
use datalab::core::dataset::parse::CsvMapping;
use datalab::core::dataset::workspace::{export_zip, Transform, Workspace};
use datalab::core::drills::board::{Pack, PackRow, PACK_FORMAT};
use datalab::core::llm::bundle::{RecordedCall, RunBundle, BUNDLE_FORMAT};
use datalab::core::llm::connection::ApiKind;
use datalab::core::release::spec::{
    Fields, Input, Op, Spec as PipelineSpec, Step, StepKind, SPEC_FORMAT,
};
use datalab::core::tokenize::extend::{version, Mode};
use datalab::core::tokenize::ranks::parse_tiktoken;
use datalab::core::tokenize::{Encoder, ENCODINGS};
use serde_json::json;

use crate::engine::root;

fn put(target: &str, name: &str, bytes: &[u8]) {
    let dir = root().join("corpus").join(target);
    std::fs::create_dir_all(&dir).expect("corpus folder");
    std::fs::write(dir.join(name), bytes).expect("seed written");
    println!("seed {target}/{name} ({} bytes)", bytes.len());
}

/// A gzip member around `data` (deflate by miniz_oxide, the inflater the lab itself uses).
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    out.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
    let mut crc = Crc32::default();
    crc.update(data);
    out.extend(crc.value().to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    out
}

pub fn write(ranks_path: &Path) {
    let sample =
        std::fs::read_to_string(root().join("../static/sample/eval.json")).expect("the sample");
    let imported =
        import_text(sample, "eval.json", None, &CsvMapping::default()).expect("sample imports");
    let mut ws = Workspace::default();
    ws.import_version(
        imported.content_hash.clone(),
        imported.records.len(),
        Transform {
            name: "import",
            params: json!({"file": "flaws.json"}),
            created: "2026-12-04T10:00:00Z",
            quarantined: imported.quarantined.len(),
            tokenizer: None,
            note: "",
            schema: Some(imported.schema.clone()),
        },
    );
    let rows = imported.records.clone();
    let kept: Vec<_> = rows.iter().take(5).cloned().collect();
    ws.add(
        &kept,
        Transform {
            name: "clean",
            params: json!({"removed": []}),
            created: "2026-12-04T10:01:00Z",
            quarantined: 0,
            tokenizer: None,
            note: "first five",
            schema: None,
        },
    );
    let zip = export_zip(
        &ws,
        |id| {
            ws.get(id).map(|v| {
                if v.rows == kept.len() {
                    kept.clone()
                } else {
                    rows.clone()
                }
            })
        },
        |_| None,
    )
    .expect("workspace exports");
    put("workspace", "eval-two-versions.zip", &zip);
    put("zip", "workspace.zip", &zip);
    let small = write_zip(&[
        Entry {
            name: "data/".into(),
            data: vec![],
        },
        Entry {
            name: "data/train.jsonl".into(),
            data: b"{\"instruction\":\"a\",\"output\":\"b\"}\n".to_vec(),
        },
    ])
    .expect("zip");
    put("zip", "folder-and-file.zip", &small);

    let tar = write_ustar(&[
        ("aclImdb/train/pos/0_9.txt", b"A fine film.".as_slice()),
        (
            "aclImdb/train/neg/1_2.txt",
            b"Dull.<br /><br />Very dull.".as_slice(),
        ),
        ("aclImdb/test/pos/2_8.txt", b"Loved it.".as_slice()),
        ("aclImdb/test/neg/3_1.txt", b"No.".as_slice()),
        ("aclImdb/README", b"readme".as_slice()),
    ]);
    put("tar", "imdb-shaped.tar", &tar);
    let long: String = "aclImdb/".to_string() + &"long-folder-name/".repeat(8) + "x.txt";
    put(
        "tar",
        "long-name.tar",
        &write_ustar(&[(long.as_str(), b"x".as_slice())]),
    );
    put("gzip", "imdb-shaped.tar.gz", &gzip(&tar));
    put("gzip", "text.gz", &gzip(b"hello gzip\n"));
    let mut two = gzip(b"first member\n");
    two.extend(gzip(b"second member\n"));
    put("gzip", "two-members.gz", &two);
    put("imdb", "imdb-shaped.tar.gz", &gzip(&tar));

    // Tokenizer: GPT-2 extended by a few terms, both modes; and the head of the real rank file.
    let rank_file = std::fs::read(ranks_path).expect("the rank file");
    let spec = ENCODINGS.iter().find(|e| e.name == "gpt2").expect("gpt2");
    let ranks = parse_tiktoken(&rank_file, spec.n_ranks).expect("GPT-2 ranks");
    let specials = spec
        .specials
        .iter()
        .map(|(s, r)| (s.to_string(), *r))
        .collect();
    let base = Encoder::new(spec.pattern, ranks, specials).expect("encoder");
    let terms: Vec<String> = ["Kubernetes", "pharmacokinetics", "hyperparameter"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for (mode, name) in [
        (Mode::ReachableMerges, "merges.json"),
        (Mode::AddedTokens, "added.json"),
    ] {
        let v = version::build(
            "gpt2",
            "sha",
            &base,
            mode,
            &terms,
            None,
            "2026-12-04T10:00:00Z",
            "seed",
        );
        put(
            "tokenizer-manifest",
            name,
            v.version.manifest_json().as_bytes(),
        );
    }
    let head: Vec<u8> = rank_file
        .split_inclusive(|&b| b == b'\n')
        .take(300)
        .flatten()
        .copied()
        .collect();
    put("tiktoken-ranks", "r50k-head.tiktoken", &head);

    put(
        "ab-spec",
        "default.json",
        AbSpec::default().to_json().as_bytes(),
    );

    let pipeline = PipelineSpec {
        format: SPEC_FORMAT.into(),
        lab_version: "0.1.0".into(),
        candidate: "v-2".into(),
        made: "2026-12-04T10:00:00Z".into(),
        steps: vec![
            Step {
                id: "v-1".into(),
                parent: None,
                transform: "import".into(),
                params: json!({"file": "flaws.json"}),
                kind: StepKind::File,
                rows: 3,
                content_hash: "abc".into(),
                tokenizer: None,
                removed: vec![],
                ops: vec![],
                input: Some(Input {
                    file: "flaws.json".into(),
                    format: "json".into(),
                    mapping: None,
                    quarantined: vec![1],
                }),
                why: "the raw file".into(),
            },
            Step {
                id: "v-2".into(),
                parent: Some("v-1".into()),
                transform: "refine".into(),
                params: json!({"model": "m"}),
                kind: StepKind::Model,
                rows: 2,
                content_hash: "def".into(),
                tokenizer: Some("tok-0123".into()),
                removed: vec![0],
                ops: vec![
                    Op::Keep([1, 2]),
                    Op::Row(Fields {
                        instruction: "q".into(),
                        input: String::new(),
                        output: "a".into(),
                    }),
                ],
                input: None,
                why: "refined".into(),
            },
        ],
    };
    put(
        "pipeline-spec",
        "two-steps.json",
        pipeline.to_json().as_bytes(),
    );

    let pack = Pack {
        format: PACK_FORMAT.into(),
        version: 1,
        title: "Week 6".into(),
        seed: 42,
        created: "2026-12-03".into(),
        rows: (0..12)
            .map(|i| PackRow {
                instruction: format!("q{i}"),
                input: String::new(),
                output: format!("a{i}"),
            })
            .collect(),
        schema: Some(Default::default()),
        leak: Some(Default::default()),
        tokens: Some("extended-on-base".into()),
    };
    put("drill-pack", "week6.json", pack.to_json().as_bytes());

    let bundle = RunBundle {
        format: BUNDLE_FORMAT.into(),
        lab_version: "0.1.0".into(),
        lab: "generate".into(),
        created: "2026-12-03T10:00:00Z".into(),
        api: ApiKind::Ollama,
        endpoint: "http://10.0.0.5:11434".into(),
        model: "llama3.2:1b".into(),
        digest: Some("sha256:abc".into()),
        settings: json!({"count": 2}),
        calls: vec![RecordedCall {
            path: "/api/generate".into(),
            body: json!({"model": "llama3.2:1b", "prompt": "p", "options": {"seed": 42}}),
            status: 200,
            lines: vec![
                (12.5, "{\"response\":\"Hi\",\"done\":false}".into()),
                (
                    20.0,
                    "{\"response\":\"\",\"done\":true,\"eval_count\":1}".into(),
                ),
            ],
        }],
        hash: String::new(),
    }
    .seal();
    put("run-bundle", "generate.json", bundle.to_json().as_bytes());
}
