//! Slide 24's release gates, evaluated from what the labs recorded — never from what a student says they
//! did. Each gate is `pass`, `fail` or `waived` (failed, with a written reason on the record), with the
//! evidence it was decided on and the lab that fixes it.

use std::collections::BTreeSet;

use crate::core::ab::log::{Entry, Kind};
use crate::core::dataset::ledger::{Check, GateLine, Waiver};
use crate::core::dataset::workspace::{DatasetVersion, Workspace};

/// Slide 24's checklist, in its order: (title, the lab that fixes it).
pub const GATES: [(&str, &str); 11] = [
    ("Schema validation passed", "workspace"),
    ("Quality sample audit completed", "workspace"),
    ("Duplicate / near-duplicate checks completed", "quality"),
    ("Tokenizer compatibility validated", "runbook"),
    ("A/B impact report generated", "ab"),
    ("Reproducible path documented", "runbook"),
    ("Baseline comparison included", "ab"),
    ("Artefact hashes and version tags recorded", "runbook"),
    ("Safety / compliance checks done", "quality"),
    ("Rollback plan documented", "workspace"),
    ("Teaching-ready examples curated", "runbook"),
];

/// Teaching-ready examples a release needs.
pub const MIN_EXAMPLES: usize = 3;

/// Transforms that only remove or rewrite rows of their parent: they cannot bring a duplicate in.
pub(crate) const NARROWING: [&str; 9] = [
    "clean",
    "dedup",
    "leakage",
    "remove",
    "discard",
    "filter",
    "contract",
    "retokenize",
    "tokenizer",
];

/// Base encodings a dataset may name as its tokenizer.
pub const BASE_TOKENIZERS: [&str; 4] = ["gpt2", "r50k_base", "cl100k_base", "o200k_base"];

/// Everything the gates read.
pub struct Records<'a> {
    pub ws: &'a Workspace,
    pub candidate: &'a str,
    /// The candidate's rows hashed again now, or why they could not be read.
    pub rehash: Result<String, String>,
    pub ab_log: &'a [Entry],
    /// Tokenizer versions this browser holds (`tok-…` ids).
    pub tokenizers: &'a [String],
    /// The pipeline spec's summary (steps; model steps), or why it cannot be built.
    pub spec: Result<(usize, usize), String>,
    /// The tag a release would get now.
    pub next_tag: &'a str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    Waived,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Waived => "waived",
        }
    }
}

/// One gate's verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    /// 1 … 11, slide 24's numbering.
    pub n: u8,
    pub title: &'static str,
    pub status: Status,
    /// What the verdict rests on (ids, hashes, counts) — for a waived gate, why it failed.
    pub evidence: String,
    /// The lab to go to when it fails.
    pub lab: &'static str,
    pub waiver: Option<Waiver>,
}

impl Gate {
    pub fn line(&self) -> GateLine {
        let evidence = match &self.waiver {
            Some(w) if self.status == Status::Waived => {
                format!("{} — waived: {}", self.evidence, w.reason)
            }
            _ => self.evidence.clone(),
        };
        GateLine {
            n: self.n,
            title: self.title.into(),
            status: self.status.word().into(),
            evidence,
        }
    }
}

type Verdict = Result<String, String>;

/// The eleven gates for `r.candidate`, in slide 24's order.
pub fn evaluate(r: &Records) -> Vec<Gate> {
    let Some(v) = r.ws.get(r.candidate) else {
        return Vec::new();
    };
    let lineage = r.ws.lineage(r.candidate);
    let verdicts: [Verdict; 11] = [
        schema(v),
        audit(r.ws, v),
        duplicates(r.ws, &lineage),
        tokenizer(r, &lineage),
        ab_report(r),
        reproducible(r),
        baseline(r),
        hashes(r, v),
        safety(r.ws, &lineage),
        rollback(r.ws, v),
        examples(r.ws, v),
    ];
    let waivers = r.ws.waivers.get(r.candidate);
    verdicts
        .into_iter()
        .enumerate()
        .map(|(i, verdict)| {
            let n = i as u8 + 1;
            let waiver = waivers.and_then(|w| w.get(&n)).cloned();
            let (status, evidence) = match verdict {
                Ok(e) => (Status::Pass, e),
                Err(e) if waiver.is_some() => (Status::Waived, e),
                Err(e) => (Status::Fail, e),
            };
            Gate {
                n,
                title: GATES[i].0,
                status,
                evidence,
                lab: GATES[i].1,
                waiver,
            }
        })
        .collect()
}

/// Why the gates do not allow a release (empty: they do).
pub fn blocking(gates: &[Gate]) -> Vec<String> {
    gates
        .iter()
        .filter(|g| g.status == Status::Fail)
        .map(|g| format!("gate {} ({}) fails: {}", g.n, g.title, g.evidence))
        .collect()
}

/// Versions on `id`'s lineage with exactly its rows, itself first: an audit, a check or marked rows of any
/// of them are about these very rows (a tokenizer or contract step changes no row).
pub fn same_rows<'a>(ws: &'a Workspace, id: &str) -> Vec<&'a DatasetVersion> {
    let Some(v) = ws.get(id) else {
        return Vec::new();
    };
    ws.lineage(id)
        .into_iter()
        .rev()
        .filter(|x| x.content_hash == v.content_hash)
        .collect()
}

/// The latest check of `kind` on these rows.
pub fn check_on<'a>(ws: &'a Workspace, id: &str, kind: &str) -> Option<&'a Check> {
    same_rows(ws, id)
        .into_iter()
        .find_map(|v| ws.last_check(&v.id, kind))
}

/// The rows marked as teaching examples on these rows, and the version they were marked on.
pub fn marked_rows<'a>(ws: &'a Workspace, id: &str) -> Option<(&'a str, &'a BTreeSet<usize>)> {
    same_rows(ws, id)
        .into_iter()
        .find_map(|v| ws.marked.get(&v.id).map(|m| (v.id.as_str(), m)))
}

fn schema(v: &DatasetVersion) -> Verdict {
    if v.quarantined > 0 {
        return Err(format!(
            "{} has {} quarantined rows: fix or discard them in the workspace lab (a release carries no rows held back by validation)",
            v.id, v.quarantined
        ));
    }
    let fields: Vec<String> = v
        .schema
        .iter()
        .map(|(f, t)| format!("{f}: {}", t.join("|")))
        .collect();
    Ok(format!(
        "0 quarantined rows of {}; schema {{{}}}",
        v.rows,
        fields.join(", ")
    ))
}

fn audit(ws: &Workspace, v: &DatasetVersion) -> Verdict {
    let Some((on, a)) = same_rows(ws, &v.id)
        .into_iter()
        .find_map(|x| ws.audits.get(&x.id).map(|a| (x.id.as_str(), a)))
    else {
        return Err(format!(
            "no sample audit of {}: start one in the workspace lab (versions → audit)",
            v.id
        ));
    };
    let (good, n) = a.score();
    if n < a.rows.len() {
        return Err(format!(
            "audit of {on} (seed {}): {n} of {} sampled rows reviewed",
            a.seed,
            a.rows.len()
        ));
    }
    Ok(format!(
        "audit of {on}: {n} sampled rows reviewed (seed {}), {:.0} % judged good",
        a.seed,
        good * 100.0
    ))
}

fn duplicates(ws: &Workspace, lineage: &[&DatasetVersion]) -> Verdict {
    let Some(cand) = lineage.last() else {
        return Err("no version".into());
    };
    // A search on the candidate itself that found nothing to remove.
    if let Some(c) = check_on(ws, &cand.id, "duplicates") {
        if c.found == 0 {
            return Ok(format!(
                "duplicate search on {} ({}): no duplicates",
                cand.id, c.at
            ));
        }
    }
    let Some(at) = lineage.iter().rposition(|v| v.transform == "dedup") else {
        return Err(format!(
            "no duplicate removal on the lineage of {}: find and remove duplicates in the quality lab",
            cand.id
        ));
    };
    if let Some(v) = lineage[at + 1..]
        .iter()
        .find(|v| !NARROWING.contains(&v.transform.as_str()))
    {
        return Err(format!(
            "rows were added after the dedup at {} ({} made {}): run the duplicate search again",
            lineage[at].id, v.transform, v.id
        ));
    }
    let d = lineage[at];
    let removed = d.params["removed"].as_array().map_or(0, |a| a.len());
    let threshold = d.params["near_duplicates"]["threshold"]
        .as_f64()
        .map_or(String::new(), |t| {
            format!(", near duplicates at Jaccard ≥ {t}")
        });
    Ok(format!(
        "dedup at {}: {removed} rows removed (exact{threshold})",
        d.id
    ))
}

fn tokenizer(r: &Records, lineage: &[&DatasetVersion]) -> Verdict {
    let Some(v) = lineage.iter().rev().find(|v| v.tokenizer.is_some()) else {
        return Err("no tokenizer is recorded on this lineage: record the one the model uses below (Tokenizer on the dataset)".into());
    };
    let t = v.tokenizer.as_deref().unwrap_or_default();
    let known = BASE_TOKENIZERS.contains(&t) || r.tokenizers.iter().any(|x| x == t);
    if !known {
        return Err(format!(
            "{} names tokenizer {t}, which this browser does not hold: import its manifest in the extend lab",
            v.id
        ));
    }
    let tokens = v.params["tokens"]
        .as_u64()
        .map_or(String::new(), |n| format!(", {n} tokens"));
    Ok(format!("{t} recorded on {}{tokens}", v.id))
}

/// The candidate's content hash (an A/B run records each dataset it read with its content hash).
fn content_of<'a>(r: &'a Records) -> &'a str {
    r.ws.get(r.candidate)
        .map_or("", |v| v.content_hash.as_str())
}

/// Runs in the A/B log that read the candidate's rows (the candidate, or a version with exactly its rows,
/// such as the one a tokenizer step was made from), newest first.
fn runs_with<'a>(r: &'a Records) -> impl Iterator<Item = &'a Entry> {
    let hash = content_of(r);
    r.ab_log.iter().rev().filter(move |e| {
        e.kind == Kind::Run
            && e.inputs
                .datasets
                .iter()
                .any(|(id, h)| id == r.candidate || h == hash)
    })
}

fn ab_report(r: &Records) -> Verdict {
    let Some(e) = runs_with(r).next() else {
        return Err(format!(
            "no A/B run reads {} (or a version with its rows): compare it with its parent in the A/B lab",
            r.candidate
        ));
    };
    let verdicts: Vec<String> = e
        .outputs
        .iter()
        .map(|o| format!("{}: {}", o.name, o.verdict))
        .collect();
    Ok(format!("A/B log entry #{}: {}", e.n, verdicts.join("; ")))
}

fn reproducible(r: &Records) -> Verdict {
    match &r.spec {
        Ok((steps, model)) => Ok(format!(
            "pipeline spec of {steps} steps ({model} replayed from recorded model outputs): Export pipeline spec"
        )),
        Err(e) => Err(e.clone()),
    }
}

fn baseline(r: &Records) -> Verdict {
    // The versions a run compared the candidate with: every dataset it read but the candidate and the
    // evaluation set.
    let hash = content_of(r);
    let others = |e: &'_ Entry| -> Vec<String> {
        e.inputs
            .datasets
            .iter()
            .filter(|(d, h)| *d != r.candidate && *h != hash && **d != e.inputs.eval)
            .map(|(d, _)| d.clone())
            .collect()
    };
    if let Some((e, o)) = runs_with(r)
        .map(|e| (e, others(e)))
        .find(|(_, o)| !o.is_empty())
    {
        return Ok(format!(
            "A/B log entry #{} compares {} with {} (evaluated on {})",
            e.n,
            r.candidate,
            o.join(", "),
            e.inputs.eval
        ));
    }
    Err(format!(
        "no A/B run compares {} with a baseline version: add its parent as the baseline in the A/B lab",
        r.candidate
    ))
}

fn hashes(r: &Records, v: &DatasetVersion) -> Verdict {
    match &r.rehash {
        Ok(h) if *h == v.content_hash => Ok(format!(
            "rows re-hashed: sha256 {} = recorded; {}",
            crate::core::text::prefix(h, 16),
            match r.ws.release_of(&v.id) {
                Some(x) => format!("tagged v{}", x.tag),
                None => format!("tag v{} on release", r.next_tag),
            }
        )),
        Ok(h) => Err(format!(
            "the stored rows hash to {} but {} records {}: the rows were damaged — re-import the workspace zip",
            crate::core::text::prefix(h, 16),
            v.id,
            crate::core::text::prefix(&v.content_hash, 16)
        )),
        Err(e) => Err(e.clone()),
    }
}

fn safety(ws: &Workspace, lineage: &[&DatasetVersion]) -> Verdict {
    const SAFETY: [&str; 2] = ["pii", "safety_words"];
    let cand = lineage.last().map(|v| v.id.as_str()).unwrap_or_default();
    if let Some(c) = check_on(ws, cand, "gates") {
        let ran: BTreeSet<&str> = c.params["enabled"]
            .as_array()
            .map(|a| a.iter().filter_map(|g| g.as_str()).collect())
            .unwrap_or_default();
        if SAFETY.iter().all(|g| ran.contains(g)) {
            let hits: Vec<String> = c
                .per
                .iter()
                .filter(|(g, _)| SAFETY.contains(&g.as_str()))
                .map(|(g, n)| format!("{g} flagged {n}"))
                .collect();
            if hits.is_empty() {
                return Ok(format!(
                    "gates on {}{} ({}): PII & secrets and safety words flag no row",
                    c.version,
                    if c.version == cand {
                        ""
                    } else {
                        ", the same rows"
                    },
                    c.at
                ));
            }
            return Err(format!(
                "gates on {}: {} — remove those rows in the quality lab (or waive with a reason)",
                c.version,
                hits.join(", ")
            ));
        }
    }
    if let Some(v) = lineage.iter().rev().find(|v| {
        v.transform == "clean"
            && v.params["gates"]
                .as_array()
                .is_some_and(|g| g.iter().any(|g| SAFETY.contains(&g.as_str().unwrap_or(""))))
    }) {
        return Err(format!(
            "rows flagged by the safety gates were removed at {}, but the gates have not run on {cand} since: run them in the quality lab",
            v.id
        ));
    }
    Err(format!(
        "the PII & secrets and safety-word gates have not run on {cand}: run the quality gates on it"
    ))
}

fn rollback(ws: &Workspace, v: &DatasetVersion) -> Verdict {
    match v.parent.as_deref().and_then(|p| ws.get(p)) {
        Some(p) => Ok(format!(
            "roll back to {} ({}, {} rows) with Make current in the workspace lab",
            p.id, p.transform, p.rows
        )),
        None => Err(format!(
            "{} has no parent version to return to (it is an import): release a version made from it",
            v.id
        )),
    }
}

fn examples(ws: &Workspace, v: &DatasetVersion) -> Verdict {
    let Some((on, set)) = marked_rows(ws, &v.id).filter(|(_, m)| m.len() >= MIN_EXAMPLES) else {
        let n = marked_rows(ws, &v.id).map_or(0, |(_, m)| m.len());
        return Err(format!(
            "{n} rows marked as teaching examples; mark at least {MIN_EXAMPLES} below"
        ));
    };
    let marked = set.len();
    let rows: Vec<String> = set.iter().take(8).map(|i| format!("#{i}")).collect();
    Ok(format!("{marked} rows marked on {on}: {}", rows.join(", ")))
}
