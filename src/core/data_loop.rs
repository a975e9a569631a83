//! The loop of slide 1 — raw data → synthetic generation → refinement → tokenizer update → improved training
//! results — read from what the student's labs recorded: the workspace's versions and checks, the tokenizer
//! versions and the A/B log. Each stage says where the student's data stands, or, while it is empty, what
//! to do first. Pure: the page (`ui::labs::data_loop`) gathers the records and draws the stages.

use crate::core::ab::log::{Entry, Kind};
use crate::core::dataset::workspace::{DatasetVersion, Workspace};
use crate::core::tokenize::extend::version::TokenizerVersion;

/// What the loop reads.
pub struct Inputs<'a> {
    pub ws: &'a Workspace,
    pub tokenizers: &'a [TokenizerVersion],
    pub ab_log: &'a [Entry],
}

/// One stage of the loop.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    /// Stable name (`data-testid="loop-stage-<key>"`).
    pub key: &'static str,
    pub title: &'static str,
    /// The lab that does this stage.
    pub lab: &'static str,
    /// The student's state here; empty while nothing was done.
    pub lines: Vec<String>,
    /// What to do first (an empty stage) or next.
    pub todo: &'static str,
}

impl Stage {
    pub fn started(&self) -> bool {
        !self.lines.is_empty()
    }
}

/// The five stages, in the loop's order.
pub fn stages(i: &Inputs) -> Vec<Stage> {
    vec![raw(i), generate(i), refine(i), tokenizer(i), training(i)]
}

fn versions_by<'a>(ws: &'a Workspace, transform: &str) -> Vec<&'a DatasetVersion> {
    ws.versions
        .iter()
        .filter(|v| v.transform == transform)
        .collect()
}

fn count(params: &serde_json::Value, key: &str) -> u64 {
    params.get(key).and_then(|v| v.as_u64()).unwrap_or(0)
}

fn raw(i: &Inputs) -> Stage {
    let ws = i.ws;
    let mut lines = Vec::new();
    if !ws.versions.is_empty() {
        let lineages = ws.versions.iter().filter(|v| v.parent.is_none()).count();
        lines.push(format!(
            "{} dataset versions in {} lineage{}",
            ws.versions.len(),
            lineages,
            if lineages == 1 { "" } else { "s" }
        ));
        if let Some(cur) = ws
            .current
            .as_ref()
            .and_then(|c| ws.versions.iter().find(|v| &v.id == c))
        {
            lines.push(format!(
                "Current: {} · {} rows, {} quarantined",
                cur.id, cur.rows, cur.quarantined
            ));
        }
    }
    Stage {
        key: "raw",
        title: "Raw data",
        lab: "workspace",
        lines,
        todo: "Import a dataset, or load the sample dataset, in the dataset workspace.",
    }
}

fn generate(i: &Inputs) -> Stage {
    let runs = versions_by(i.ws, "magpie");
    let mut lines = Vec::new();
    if let Some(last) = runs.last() {
        let p = &last.params;
        lines.push(format!(
            "{} generated version{}",
            runs.len(),
            if runs.len() == 1 { "" } else { "s" }
        ));
        let model = p.get("model").and_then(|m| m.as_str()).unwrap_or("?");
        lines.push(format!(
            "Last run ({}, {model}): {} kept, {} rejected, {} failed",
            last.id,
            count(p, "kept"),
            count(p, "rejected"),
            count(p, "failed")
        ));
    }
    Stage {
        key: "generate",
        title: "Synthetic generation",
        lab: "generate",
        lines,
        todo: "Generate instruction rows with Magpie from a model (Ollama, the model in the page, or a run bundle).",
    }
}

fn refine(i: &Inputs) -> Stage {
    let ws = i.ws;
    let mut lines = Vec::new();
    if let Some(last) = versions_by(ws, "refine").last() {
        let p = &last.params;
        lines.push(format!(
            "Reflection ({}): {} accepted, {} edited, {} rejected",
            last.id,
            count(p, "accepted"),
            count(p, "edited"),
            count(p, "rejected")
        ));
    }
    if let Some(c) = ws.checks.iter().rev().find(|c| c.kind == "gates") {
        let rows = ws
            .versions
            .iter()
            .find(|v| v.id == c.version)
            .map(|v| v.rows);
        match rows {
            Some(rows) if rows > 0 => {
                let passed = rows.saturating_sub(c.found);
                lines.push(format!(
                    "Quality gate on {}: {:.1}% pass ({passed} of {rows} rows)",
                    c.version,
                    100.0 * passed as f64 / rows as f64
                ));
            }
            _ => lines.push(format!(
                "Quality gate on {}: {} rows flagged",
                c.version, c.found
            )),
        }
    }
    if let Some(c) = ws.checks.iter().rev().find(|c| c.kind == "duplicates") {
        lines.push(format!(
            "Duplicate search on {}: {} rows to remove",
            c.version, c.found
        ));
    }
    let cleaned = ["clean", "dedup"]
        .iter()
        .map(|t| versions_by(ws, t).len())
        .sum::<usize>();
    if cleaned > 0 {
        lines.push(format!(
            "{cleaned} cleaned version{} (gates or dedup)",
            if cleaned == 1 { "" } else { "s" }
        ));
    }
    Stage {
        key: "refine",
        title: "Refinement",
        lab: "refine",
        lines,
        todo:
            "Run the quality gates and the duplicate search, then refine weak rows by reflection.",
    }
}

fn tokenizer(i: &Inputs) -> Stage {
    let mut lines = Vec::new();
    if let Some(t) = i.tokenizers.last() {
        lines.push(format!(
            "{} tokenizer version{}; latest {}: {} terms on {}, vocabulary {}",
            i.tokenizers.len(),
            if i.tokenizers.len() == 1 { "" } else { "s" },
            t.id,
            t.terms.len(),
            t.base,
            t.n_vocab
        ));
    }
    if let Some(v) = i.ws.versions.iter().rev().find(|v| v.tokenizer.is_some()) {
        lines.push(format!(
            "Dataset {} records tokenizer {}",
            v.id,
            v.tokenizer.as_deref().unwrap_or("")
        ));
    }
    // The token saving, as the A/B lab measured it on the student's rows: tokens per arm of the last run
    // that used an extended tokenizer, each against the first arm.
    let measured = i.ab_log.iter().rev().find(|e| {
        e.kind == Kind::Run && e.inputs.tokenizers.values().any(|t| t.starts_with("tok-"))
    });
    if let Some(e) = measured {
        let arms: Vec<(&str, u64)> = e
            .outputs
            .iter()
            .filter_map(|o| o.tokens.map(|t| (o.name.as_str(), t)))
            .collect();
        if let Some(&(_, first)) = arms.first() {
            let parts: Vec<String> = arms
                .iter()
                .enumerate()
                .map(|(k, (name, t))| {
                    if k == 0 || first == 0 {
                        format!("{name} {t}")
                    } else {
                        let change = 100.0 * (*t as f64 - first as f64) / first as f64;
                        format!("{name} {t} ({change:+.1}%)")
                    }
                })
                .collect();
            lines.push(format!("Tokens (A/B #{}): {}", e.n, parts.join(" · ")));
        }
    }
    Stage {
        key: "tokenizer",
        title: "Tokenizer update",
        lab: "extend",
        lines,
        todo: "Extend the GPT-2 tokenizer with your domain's terms and record it as a version.",
    }
}

fn training(i: &Inputs) -> Stage {
    let mut lines = Vec::new();
    let runs: Vec<&Entry> = i.ab_log.iter().filter(|e| e.kind == Kind::Run).collect();
    if let Some(last) = runs.last() {
        let verdicts: Vec<String> = last
            .outputs
            .iter()
            .map(|o| format!("{}: {}", o.name, o.verdict))
            .collect();
        lines.push(format!(
            "{} A/B run{}; last (#{}): {}",
            runs.len(),
            if runs.len() == 1 { "" } else { "s" },
            last.n,
            verdicts.join(" · ")
        ));
    }
    match i.ws.releases.last() {
        Some(r) => lines.push(format!(
            "Released v{} ({}) on {}",
            r.tag,
            r.version,
            r.at.get(..10).unwrap_or(&r.at)
        )),
        None if !lines.is_empty() => {
            lines.push("Not released yet: the runbook's gates say what is missing".into())
        }
        None => {}
    }
    Stage {
        key: "training",
        title: "Improved training results",
        lab: "ab",
        lines,
        todo: "Run an A/B experiment: does the change earn its place? Then release it from the runbook.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::dataset::ledger::Check;
    use crate::core::dataset::workspace::Transform;
    use serde_json::json;

    fn t(name: &str, params: serde_json::Value) -> Transform<'_> {
        Transform {
            name,
            params,
            created: "2026-12-04T10:00:00Z",
            quarantined: 0,
            tokenizer: None,
            note: "",
            schema: None,
        }
    }

    fn entry(n: u64, tokenizer: &str, outputs: serde_json::Value) -> Entry {
        serde_json::from_value(json!({
            "n": n, "at": "2026-12-04T10:00:00Z", "kind": "run", "spec": "{}",
            "inputs": {"datasets": {}, "tokenizers": {"arm": tokenizer}, "eval": "e", "seed": 1, "order": 3,
                       "resamples": 100, "rule": {"min_gain": 0.0, "max_cost_growth": 10.0}, "lab_version": "0"},
            "input_hash": "h", "outputs": outputs, "output_hash": "h", "note": ""
        }))
        .expect("an entry")
    }

    fn out(name: &str, tokens: u64, verdict: &str) -> serde_json::Value {
        json!({"name": name, "bits_per_byte": 2.0, "delta": null, "low": null, "high": null, "p_value": null,
               "tokens": tokens, "verdict": verdict})
    }

    #[test]
    fn an_empty_workspace_says_what_to_do_first_at_every_stage() {
        let ws = Workspace::default();
        let s = stages(&Inputs {
            ws: &ws,
            tokenizers: &[],
            ab_log: &[],
        });
        let keys: Vec<&str> = s.iter().map(|s| s.key).collect();
        assert_eq!(keys, ["raw", "generate", "refine", "tokenizer", "training"]);
        assert!(s.iter().all(|s| !s.started() && s.todo.len() > 20));
        assert_eq!(s[0].lab, "workspace");
        assert!(s[0].todo.contains("sample dataset"));
    }

    #[test]
    fn each_stage_reads_the_students_records() {
        let mut ws = Workspace::default();
        let (import, _) = ws.commit("a".into(), 10, None, t("import", json!({})));
        let (gen, _) = ws.commit(
            "b".into(),
            8,
            None,
            t(
                "magpie",
                json!({"model": "llama3.2", "kept": 8, "rejected": 1, "failed": 1}),
            ),
        );
        ws.record_check(Check {
            version: gen.id.clone(),
            kind: "gates".into(),
            at: "x".into(),
            found: 2,
            per: vec![],
            params: json!({}),
            summary: String::new(),
        });
        let (refined, _) = ws.commit(
            "c".into(),
            8,
            Some(gen.id.clone()),
            t("refine", json!({"accepted": 3, "edited": 1, "rejected": 2})),
        );
        let log = vec![
            entry(1, "gpt2", json!([out("baseline", 1000, "baseline")])),
            entry(
                2,
                "tok-0123456789abcdef",
                json!([out("base", 1000, "baseline"), out("extended", 900, "adopt")]),
            ),
        ];
        let s = stages(&Inputs {
            ws: &ws,
            tokenizers: &[],
            ab_log: &log,
        });
        assert!(
            s[0].lines[0].starts_with("3 dataset versions in 2 lineages"),
            "{:?}",
            s[0].lines
        );
        assert!(s[0].lines[1].contains(&refined.id) && s[0].lines[1].contains("8 rows"));
        assert_eq!(
            s[1].lines[1],
            format!(
                "Last run ({}, llama3.2): 8 kept, 1 rejected, 1 failed",
                gen.id
            )
        );
        assert_eq!(
            s[2].lines[0],
            format!(
                "Reflection ({}): 3 accepted, 1 edited, 2 rejected",
                refined.id
            )
        );
        assert_eq!(
            s[2].lines[1],
            format!("Quality gate on {}: 75.0% pass (6 of 8 rows)", gen.id)
        );
        // Only the run with an extended tokenizer measures its saving.
        assert_eq!(
            s[3].lines,
            ["Tokens (A/B #2): base 1000 · extended 900 (-10.0%)"]
        );
        assert_eq!(
            s[4].lines[0],
            "2 A/B runs; last (#2): base: baseline · extended: adopt"
        );
        assert!(s[4].lines[1].starts_with("Not released yet"));
        assert!(!import.id.is_empty());
    }
}
