//! The documents that travel with a release: a Hugging Face dataset card (`README.md`, YAML front matter
//! that the Hub and `datasets` read), MLCommons Croissant metadata (`croissant.json`) and a datasheet
//! (Gebru et al.'s seven sections). Each is filled with what the lab recorded; what only the student can
//! know is marked `[to write: …]`, never invented.

use serde_json::{json, Value};

use crate::core::dataset::workspace::{DatasetVersion, Workspace};

use super::gates::{same_rows, Gate};
use super::spec::{Spec, StepKind};

/// What the student sets for the documents.
#[derive(Clone, Debug, PartialEq)]
pub struct CardMeta {
    /// Dataset name (also the card's title).
    pub name: String,
    /// An SPDX-style licence id the Hub knows (`cc-by-4.0`, `mit`, …), or `unknown`.
    pub license: String,
    /// ISO 639-1 code.
    pub language: String,
    pub author: String,
}

/// The licences the runbook offers: (Hub id, URL for Croissant).
pub const LICENSES: [(&str, &str); 6] = [
    ("cc-by-4.0", "https://creativecommons.org/licenses/by/4.0/"),
    (
        "cc-by-sa-4.0",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    (
        "cc0-1.0",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    ),
    ("mit", "https://opensource.org/licenses/MIT"),
    ("apache-2.0", "https://www.apache.org/licenses/LICENSE-2.0"),
    ("unknown", "https://choosealicense.com/no-permission/"),
];

/// A marker for what the student must write.
pub fn to_write(what: &str) -> String {
    format!("[to write: {what}]")
}

/// What the documents say about a candidate, gathered once.
pub struct Facts<'a> {
    pub ws: &'a Workspace,
    pub version: &'a DatasetVersion,
    pub spec: &'a Spec,
    pub gates: &'a [Gate],
    pub meta: &'a CardMeta,
    /// Bytes of `data/train.jsonl`.
    pub jsonl_bytes: usize,
    pub jsonl_sha256: String,
    pub json_sha256: String,
    pub json_bytes: usize,
    /// Tag if released.
    pub released: Option<String>,
    pub made: &'a str,
}

impl Facts<'_> {
    fn generated(&self) -> bool {
        self.spec.steps.iter().any(|s| s.kind == StepKind::Model)
    }
    fn edited(&self) -> bool {
        self.spec.steps.iter().any(|s| s.kind == StepKind::Hand)
    }
    fn files(&self) -> Vec<String> {
        self.spec.inputs().iter().map(|i| i.file.clone()).collect()
    }
    fn models(&self) -> Vec<String> {
        let mut m: Vec<String> = self
            .spec
            .steps
            .iter()
            .filter(|s| s.kind == StepKind::Model)
            .flat_map(|s| {
                let mut names: Vec<String> = Vec::new();
                if let Some(x) = s.params["model"].as_str() {
                    names.push(x.into());
                }
                if let Some(runs) = s.params["runs"].as_array() {
                    names.extend(
                        runs.iter()
                            .filter_map(|r| r["model"].as_str().map(String::from)),
                    );
                }
                names
            })
            .collect();
        m.sort();
        m.dedup();
        m
    }
    fn license_url(&self) -> &'static str {
        LICENSES
            .iter()
            .find(|(id, _)| *id == self.meta.license)
            .map_or(LICENSES[5].1, |(_, u)| u)
    }
    fn tag(&self) -> String {
        self.released.clone().unwrap_or_else(|| "0.0.0".into())
    }
    fn steps_text(&self) -> Vec<String> {
        self.spec
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                format!(
                    "{}. `{}` → `{}` ({} rows): {}",
                    i + 1,
                    s.transform,
                    s.id,
                    s.rows,
                    s.why
                )
            })
            .collect()
    }
    fn gate_table(&self) -> String {
        let mut s = String::from("| # | Gate | State | Evidence |\n|---:|---|---|---|\n");
        for g in self.gates {
            let l = g.line();
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                l.n,
                l.title,
                l.status,
                l.evidence.replace('|', "\\|").replace('\n', " ")
            ));
        }
        s
    }
    fn release_line(&self) -> String {
        match &self.released {
            Some(t) => {
                format!("Released as **v{t}** (every gate passed or was waived with a reason).")
            }
            None => {
                "**Not released**: this pack documents a release candidate; see the gates below."
                    .into()
            }
        }
    }
    fn audit_line(&self) -> String {
        let audit = same_rows(self.ws, &self.version.id)
            .into_iter()
            .find_map(|v| self.ws.audits.get(&v.id));
        match audit {
            Some(a) => {
                let (good, n) = a.score();
                format!(
                    "A seeded sample audit (seed {}) reviewed {n} of {} sampled rows by hand: {:.0} % judged good.",
                    a.seed,
                    a.rows.len(),
                    good * 100.0
                )
            }
            None => "No sample audit of this version is recorded.".into(),
        }
    }
    fn pii_line(&self) -> String {
        self.gates.get(8).map_or(String::new(), |g| {
            format!(
                "Safety / compliance gate: {} — {}",
                g.status.word(),
                g.evidence
            )
        })
    }
}

fn size_category(n: usize) -> &'static str {
    match n {
        0..=999 => "n<1K",
        1000..=9_999 => "1K<n<10K",
        10_000..=99_999 => "10K<n<100K",
        100_000..=999_999 => "100K<n<1M",
        _ => "1M<n<10M",
    }
}

/// YAML's double-quoted scalar (JSON's string syntax is valid YAML).
fn yq(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// `README.md`: the Hugging Face dataset card.
pub fn dataset_card(f: &Facts) -> String {
    let v = f.version;
    let mut creators = Vec::new();
    if !f.files().is_empty() {
        creators.push("found");
    }
    if f.generated() {
        creators.push("machine-generated");
    }
    if f.edited() {
        creators.push("expert-generated");
    }
    if creators.is_empty() {
        creators.push("other");
    }
    let mut sources: Vec<String> = f.files().iter().map(|x| format!("extended|{x}")).collect();
    if sources.is_empty() {
        sources.push("original".into());
    }
    let list = |items: &[String]| {
        items
            .iter()
            .map(|i| format!("- {}\n", yq(i)))
            .collect::<String>()
    };
    let creators: Vec<String> = creators.iter().map(|s| s.to_string()).collect();
    let mut y = String::from("---\n");
    y.push_str(&format!("license: {}\n", f.meta.license));
    y.push_str(&format!("language:\n- {}\n", f.meta.language));
    y.push_str("task_categories:\n- text-generation\n");
    y.push_str(&format!("size_categories:\n- {}\n", size_category(v.rows)));
    y.push_str(&format!("annotations_creators:\n{}", list(&creators)));
    y.push_str(&format!("language_creators:\n{}", list(&creators)));
    y.push_str(&format!("source_datasets:\n{}", list(&sources)));
    y.push_str(&format!("pretty_name: {}\n", yq(&f.meta.name)));
    y.push_str("tags:\n- instruction-tuning\n- datalab\n");
    y.push_str("configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/train.jsonl\n");
    y.push_str("dataset_info:\n  features:\n");
    for name in ["instruction", "input", "output"] {
        y.push_str(&format!("  - name: {name}\n    dtype: string\n"));
    }
    y.push_str(&format!(
        "  splits:\n  - name: train\n    num_bytes: {}\n    num_examples: {}\n  download_size: {}\n  dataset_size: {}\n",
        f.jsonl_bytes, v.rows, f.jsonl_bytes, f.jsonl_bytes
    ));
    y.push_str("---\n\n");

    let models = f.models();
    let steps = f.steps_text().join("\n");
    let body = format!(
        r#"# Dataset Card for {name}

{release}

## Dataset Details

### Dataset Description

Instruction data in the Alpaca layout (`instruction`, `input`, `output`), made in datalab: version `{id}` ({rows} rows; SHA-256 of the canonical rows `{hash}`).

- **Curated by:** {author}
- **Language(s):** {lang}
- **License:** {license}
- **Version:** {tag}

{purpose}

## Uses

### Direct Use

Supervised instruction fine-tuning of a small language model in a course on data engineering for LLMs. {uses}

### Out-of-Scope Use

{oos}

## Dataset Structure

One split, `train` ({rows} examples, {bytes} bytes as JSON Lines in `data/train.jsonl`; the same rows as one JSON array in `data/train.json`, the format of the book's notebooks). Every example has three string fields:

- `instruction`: the task, as a user would ask it;
- `input`: optional context (`""` when there is none);
- `output`: the response a model should learn to give.

## Dataset Creation

### Curation Rationale

{rationale}

### Source Data

#### Data Collection and Processing

The dataset was made by the steps below (the full record, every parameter and every content id, is `pipeline/pipeline.json`; `pipeline/pipeline.py` replays it):

{steps}

#### Who are the source data producers?

{producers}

### Annotations

{annotations}

#### Personal and Sensitive Information

{pii}

## Bias, Risks, and Limitations

{audit} {limits}

### Recommendations

Check the quality report (`quality_report.html`) and the release gates before training on this data; the A/B results are in `ab/`.

## Release gates (slide 24)

{gates}
## Citation

{cite}

## Dataset Card Contact

{contact}
"#,
        name = f.meta.name,
        release = f.release_line(),
        id = v.id,
        rows = v.rows,
        hash = v.content_hash,
        author = if f.meta.author.trim().is_empty() { to_write("your name") } else { f.meta.author.clone() },
        lang = f.meta.language,
        license = f.meta.license,
        tag = f.released.as_ref().map_or("not released".to_string(), |t| format!("v{t}")),
        purpose = to_write("what the dataset is for, in two or three sentences"),
        uses = to_write("the model and task you trained or plan to train with it"),
        oos = to_write("uses this data is not fit for (e.g. evaluation, other languages, domains it does not cover)"),
        bytes = f.jsonl_bytes,
        rationale = to_write("why these examples, and why these cleaning choices"),
        steps = steps,
        producers = producers(f, &models),
        annotations = if f.generated() {
            format!("Outputs were written by {} and, where a refinement step is listed, revised by reflection; every model step's outputs are recorded in the pipeline spec.", if models.is_empty() { "a local model".to_string() } else { models.join(", ") })
        } else {
            "No annotation step beyond the steps listed above.".into()
        },
        pii = f.pii_line(),
        audit = f.audit_line(),
        limits = to_write("known gaps and biases: topics, styles or users the data over- or under-represents"),
        gates = f.gate_table(),
        cite = to_write("how to cite this dataset"),
        contact = to_write("how to reach you"),
    );
    y + &body
}

fn producers(f: &Facts, models: &[String]) -> String {
    let mut parts = Vec::new();
    let files = f.files();
    if !files.is_empty() {
        parts.push(format!(
            "Imported from {}. {}",
            files.join(", "),
            to_write("who wrote the original file")
        ));
    }
    let by = if models.is_empty() {
        "a local model".to_string()
    } else {
        models.join(", ")
    };
    let has = |t: &str| f.spec.steps.iter().any(|s| s.transform == t);
    if has("magpie") {
        parts.push(format!(
            "Generated with {by} through Ollama (Magpie prompting); the outputs are recorded."
        ));
    }
    if has("refine") {
        parts.push(format!(
            "Revised by reflection with {by}; every accepted or rejected revision is recorded with its reason."
        ));
    }
    if f.edited() {
        parts.push("Edited by hand in the lab (every edit is a recorded step).".into());
    }
    parts.join(" ")
}

/// `croissant.json`: Croissant 1.0 JSON-LD with the data files (SHA-256 each), a record set over the
/// JSONL, and the responsible-AI fields the lab can fill.
pub fn croissant(f: &Facts) -> Value {
    let field = |name: &str, what: &str| {
        json!({
            "@type": "cr:Field",
            "@id": format!("train/{name}"),
            "name": name,
            "description": what,
            "dataType": "sc:Text",
            "source": {"fileObject": {"@id": "data/train.jsonl"}, "extract": {"column": name}},
        })
    };
    let steps: Vec<String> = f.steps_text();
    let mut collection = vec!["Imported files".to_string()];
    if f.generated() {
        collection = vec!["Software Collection".into()];
        if !f.files().is_empty() {
            collection.push("Secondary Data Analysis".into());
        }
    }
    json!({
        "@context": {
            "@language": "en",
            "@vocab": "https://schema.org/",
            "citeAs": "cr:citeAs",
            "column": "cr:column",
            "conformsTo": "dct:conformsTo",
            "cr": "http://mlcommons.org/croissant/",
            "rai": "http://mlcommons.org/croissant/RAI/",
            "data": {"@id": "cr:data", "@type": "@json"},
            "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
            "dct": "http://purl.org/dc/terms/",
            "equivalentProperty": "cr:equivalentProperty",
            "examples": {"@id": "cr:examples", "@type": "@json"},
            "extract": "cr:extract",
            "field": "cr:field",
            "fileProperty": "cr:fileProperty",
            "fileObject": "cr:fileObject",
            "fileSet": "cr:fileSet",
            "format": "cr:format",
            "includes": "cr:includes",
            "isLiveDataset": "cr:isLiveDataset",
            "jsonPath": "cr:jsonPath",
            "key": "cr:key",
            "md5": "cr:md5",
            "parentField": "cr:parentField",
            "path": "cr:path",
            "recordSet": "cr:recordSet",
            "references": "cr:references",
            "regex": "cr:regex",
            "repeated": "cr:repeated",
            "replace": "cr:replace",
            "samplingRate": "cr:samplingRate",
            "sc": "https://schema.org/",
            "separator": "cr:separator",
            "source": "cr:source",
            "subField": "cr:subField",
            "transform": "cr:transform",
        },
        "@type": "sc:Dataset",
        "name": f.meta.name,
        "description": format!("Instruction data (instruction, input, output) made in datalab: version {} with {} rows. {}", f.version.id, f.version.rows, f.release_line()),
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "citeAs": format!("{} ({}), datalab dataset version {}", f.meta.name, f.made.get(..4).unwrap_or("2026"), f.version.id),
        "creator": {"@type": "sc:Person", "name": if f.meta.author.trim().is_empty() { to_write("your name") } else { f.meta.author.clone() }},
        "datePublished": f.made.get(..10).unwrap_or(f.made),
        "license": f.license_url(),
        "url": "https://example.org/datalab",
        "version": f.tag(),
        "inLanguage": f.meta.language,
        "keywords": ["instruction tuning", "datalab"],
        "rai:dataCollection": steps.join(" "),
        "rai:dataCollectionType": collection,
        "rai:dataPreprocessingProtocol": f.spec.steps.iter().filter(|s| s.kind == StepKind::Decisions).map(|s| s.why.clone()).collect::<Vec<_>>(),
        "rai:dataAnnotationProtocol": [f.audit_line()],
        "rai:machineAnnotationTools": f.models(),
        "rai:personalSensitiveInformation": [f.pii_line()],
        "rai:dataLimitations": [to_write("known gaps and biases")],
        "rai:dataReleaseMaintenancePlan": "Released versions are immutable in the lab; a fix is a new version with a new tag, and the rollback target is recorded (release gate 10).",
        "distribution": [
            {
                "@type": "cr:FileObject",
                "@id": "data/train.jsonl",
                "name": "train.jsonl",
                "description": "The rows as JSON Lines.",
                "contentUrl": "data/train.jsonl",
                "contentSize": format!("{} B", f.jsonl_bytes),
                "encodingFormat": "application/jsonlines",
                "sha256": f.jsonl_sha256,
            },
            {
                "@type": "cr:FileObject",
                "@id": "data/train.json",
                "name": "train.json",
                "description": "The same rows as one JSON array (the book's format).",
                "contentUrl": "data/train.json",
                "contentSize": format!("{} B", f.json_bytes),
                "encodingFormat": "application/json",
                "sha256": f.json_sha256,
            },
        ],
        "recordSet": [{
            "@type": "cr:RecordSet",
            "@id": "train",
            "name": "train",
            "description": "One instruction example per record.",
            "field": [
                field("instruction", "The task, as a user would ask it."),
                field("input", "Optional context; empty when there is none."),
                field("output", "The response a model should learn to give."),
            ],
        }],
    })
}

/// `datasheet.md`: the seven sections of Datasheets for Datasets, answered from the records where the lab
/// knows the answer.
pub fn datasheet(f: &Facts) -> String {
    let v = f.version;
    let models = f.models();
    format!(
        r#"# Datasheet: {name}

Version `{id}`, {rows} rows. {release} Questions from Gebru et al., *Datasheets for Datasets* (2021); answers the lab does not know are marked `[to write: …]`.

## 1. Motivation

- **For what purpose was the dataset created?** {purpose}
- **Who created it?** {author}

## 2. Composition

- **What do the instances represent?** Instruction-following examples: an instruction, an optional input and the expected output.
- **How many instances are there?** {rows} (one split, `train`).
- **Is any information missing?** {quarantine}
- **Does the dataset contain data that might be considered confidential or sensitive?** {pii}
- **Are there duplicates?** {dups}

## 3. Collection process

- **How was the data acquired?** {producers}
- **Over what timeframe?** Versions from {first} to {last} (as the browser's clock recorded them).
- **Steps, in order:**

{steps}

## 4. Preprocessing / cleaning / labeling

{prep}

The raw inputs are kept outside the pack; `pipeline/pipeline.py` re-runs every recorded step from them and checks every content id.

## 5. Uses

- **Tasks it has been used for:** {ab}
- **Tasks it should not be used for:** {oos}

## 6. Distribution

- **How is it distributed?** As this pack: `data/train.jsonl`, `data/train.json`, a dataset card (`README.md`) and Croissant metadata (`croissant.json`); `SHA256SUMS` covers every file.
- **Licence:** {license}

## 7. Maintenance

- **Who maintains it?** {author}
- **Will it be updated?** Released versions never change; an update is a new version with a new tag. {rollback}
- **Errata:** {errata}
"#,
        name = f.meta.name,
        id = v.id,
        rows = v.rows,
        release = f.release_line(),
        purpose = to_write("the purpose, and the gap it fills"),
        author = if f.meta.author.trim().is_empty() {
            to_write("your name")
        } else {
            f.meta.author.clone()
        },
        quarantine = if v.quarantined == 0 {
            "No row is held back by validation.".to_string()
        } else {
            format!(
                "{} rows are quarantined (held back by validation) and not in the data.",
                v.quarantined
            )
        },
        pii = f.pii_line(),
        dups = f.gates.get(2).map_or(String::new(), |g| format!(
            "{} — {}",
            g.status.word(),
            g.evidence
        )),
        producers = producers(f, &models),
        first = f
            .spec
            .steps
            .first()
            .and_then(|s| f.ws.get(&s.id))
            .map_or("?".into(), |x| x.created.clone()),
        last = v.created,
        steps = f.steps_text().join("\n"),
        prep = f
            .spec
            .steps
            .iter()
            .filter(|s| s.kind == StepKind::Decisions)
            .map(|s| format!("- {}", s.why))
            .collect::<Vec<_>>()
            .join("\n"),
        ab = f.gates.get(4).map_or(String::new(), |g| g.evidence.clone()),
        oos = to_write("uses to avoid"),
        license = f.meta.license,
        rollback = f
            .gates
            .get(9)
            .map_or(String::new(), |g| format!("Rollback: {}", g.evidence)),
        errata = to_write("where errors are reported"),
    )
}
