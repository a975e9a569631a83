//! Extending GPT-2: the notebook's facts, the reachable-merge chain, and an independent check against
//! OpenAI's Python tiktoken built from the lab's own exported files (tests/fixtures/extension.json, made by
//! scripts/make-extension-fixtures.py).

mod common;

use std::path::PathBuf;

use common::tiktoken_assets;
use datalab::core::tokenize::extend::version::{build, TokenizerVersion};
use datalab::core::tokenize::extend::Mode;
use datalab::core::tokenize::ranks::sha256_hex;
use datalab::core::tokenize::{Encoder, EncodingSpec};

fn gpt2_file() -> Vec<u8> {
    std::fs::read(tiktoken_assets().join("r50k_base.tiktoken")).unwrap()
}

fn gpt2() -> Encoder {
    EncodingSpec::by_name("gpt2")
        .unwrap()
        .build(&gpt2_file())
        .unwrap()
}

fn strings(t: &[&str]) -> Vec<String> {
    t.iter().map(|s| s.to_string()).collect()
}

/// The term lists and the text of the Python cross-check (the script reads them from this file's exports).
const MERGE_TERMS: &[&str] = &[
    " Kubernetes",
    " pharmacokinetics",
    " hyperparameter",
    " tokenizer",
    " GPT-4o",
    "Kubernetes",
];
const ADDED_TERMS: &[&str] = &["MyNewToken_1", "MyNewToken_2", " Kubernetes", "GPT-4o"];

fn version(mode: Mode) -> TokenizerVersion {
    let terms = strings(if mode == Mode::ReachableMerges {
        MERGE_TERMS
    } else {
        ADDED_TERMS
    });
    build(
        "gpt2",
        &sha256_hex(&gpt2_file()),
        &gpt2(),
        mode,
        &terms,
        None,
        "fixture",
        "",
    )
    .version
}

fn export_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/extension-fixture")
}

fn fixture_text() -> String {
    let contexts = [
        "We deployed Kubernetes on Monday.",
        "Kubernetes clusters, Kuberneteses (sic) and kubernetes in lower case.",
        "The pharmacokinetics of the drug and pharmacokinetic models differ.",
        "Tune each hyperparameter; hyperparameters matter. A tokenizer tokenizes; tokenizers vary.",
        "GPT-4o and MyNewToken_1 met MyNewToken_2 at MyNewToken_12. <|endoftext|>",
        "  Kubernetes\n\tpharmacokinetics\r\n hyperparameter's tokenizer!",
    ];
    let mut out = String::new();
    for i in 0..120 {
        out.push_str(contexts[i % contexts.len()]);
        out.push_str(if i % 7 == 0 { "\n\n" } else { " " });
    }
    out
}

#[test]
fn notebook_added_tokens_facts() {
    let base = gpt2();
    let text = "Sample text with MyNewToken_1 and MyNewToken_2. <|endoftext|>";
    let v = build(
        "gpt2",
        "x",
        &base,
        Mode::AddedTokens,
        &strings(&["MyNewToken_1", "MyNewToken_2"]),
        None,
        "t",
        "",
    )
    .version;
    assert_eq!(
        v.added,
        [
            ("MyNewToken_1".to_string(), 50257),
            ("MyNewToken_2".to_string(), 50258)
        ]
    );
    assert_eq!(v.n_vocab, 50259);
    let mut ext = v.encoder(&base).unwrap();
    assert_eq!(
        ext.encode(text, true),
        [36674, 2420, 351, 220, 50257, 290, 220, 50258, 13, 220, 50256]
    );
    assert_eq!(gpt2().encode(text, true).len(), 17);
}

#[test]
fn kubernetes_needs_its_merge_chain() {
    let mut base = gpt2();
    let show = |e: &Encoder, ids: &[u32]| -> Vec<String> {
        ids.iter()
            .map(|&i| String::from_utf8_lossy(e.token_bytes(i).unwrap()).into_owned())
            .collect()
    };
    let ids = base.encode_ordinary(" Kubernetes");
    assert_eq!(show(&base, &ids), [" Ku", "ber", "net", "es"]);
    let v = build(
        "gpt2",
        "x",
        &base,
        Mode::ReachableMerges,
        &strings(&[" Kubernetes"]),
        None,
        "t",
        "",
    )
    .version;
    let texts: Vec<&str> = v.ranks.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(texts, [" Kuber", " Kubernet", " Kubernetes"]);
    let mut ext = v.encoder(&base).unwrap();
    assert_eq!(ext.encode_ordinary(" Kubernetes"), [50259]);
    // Reachable inside a longer piece too.
    assert_eq!(ext.encode_ordinary(" Kuberneteses")[0], 50259);
    // Only the final bytes: tiktoken's whole-piece lookup finds the bare piece, but no merge reaches it
    // inside a longer piece.
    let mut only_final = base
        .extended(&[(b" Kubernetes".to_vec(), 50257)], &[])
        .unwrap();
    assert_eq!(only_final.encode_ordinary(" Kubernetes"), [50257]);
    assert!(!only_final.encode_ordinary(" Kuberneteses").contains(&50257));
    // The steps: before, four parts at the end; after, one.
    assert_eq!(base.merge_steps(b" Kubernetes").last().unwrap().len(), 4);
    assert_eq!(ext.merge_steps(b" Kubernetes").last().unwrap().len(), 1);
}

/// Writes the exports the Python script reads. Run by scripts/make-extension-fixtures.py.
#[test]
#[ignore]
fn write_extension_exports() {
    let dir = export_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let base = gpt2();
    for (mode, name) in [
        (Mode::ReachableMerges, "merges"),
        (Mode::AddedTokens, "added"),
    ] {
        let v = version(mode);
        std::fs::write(
            dir.join(format!("{name}.tiktoken")),
            v.tiktoken_file(&gpt2_file()),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("{name}.specials.json")),
            v.special_tokens_json(&base),
        )
        .unwrap();
        std::fs::write(dir.join(format!("{name}.manifest.json")), v.manifest_json()).unwrap();
    }
    std::fs::write(dir.join("text.txt"), fixture_text()).unwrap();
}

#[test]
fn exported_tokenizers_match_python_tiktoken() {
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/extension.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        fixture["text"].as_str().unwrap(),
        fixture_text(),
        "the fixture text changed: rerun the script"
    );
    let base = gpt2();
    for (mode, name) in [
        (Mode::ReachableMerges, "merges"),
        (Mode::AddedTokens, "added"),
    ] {
        let v = version(mode);
        let f = &fixture[name];
        assert_eq!(
            f["tiktoken_sha256"].as_str().unwrap(),
            sha256_hex(&v.tiktoken_file(&gpt2_file())),
            "{name}: the export changed since Python checked it; rerun scripts/make-extension-fixtures.py"
        );
        assert_eq!(f["version_id"].as_str().unwrap(), v.id);
        let want: Vec<u32> = f["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u32)
            .collect();
        let mut ext = v.encoder(&base).unwrap();
        assert_eq!(ext.encode(&fixture_text(), true), want, "{name}");
        assert_eq!(f["n_vocab"].as_u64().unwrap() as usize, v.n_vocab);
    }
}
