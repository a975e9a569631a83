//! Reviewing reflection refinements (LAB-02, slide 5): a person accepts, edits or rejects (with a reason)
//! each revision the model proposed; the accepted ones, in place of their originals, make a *new* dataset
//! version, and every decision goes into that version's parameters. The version the rows came from is
//! never changed — "overwriting originals without traceability" is the deck's common bug.
//!
//! Also here: the before/after summary of the judge's scores (slide 10, "same rubric before and after"):
//! per-criterion means and the paired mean delta with a bootstrap interval.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::judge::{paired_deltas, Rubric, Scores};
use super::reflection::{Kind, Mode, PromptSet, Refinement, ReflectionOptions, Status};
use crate::core::dataset::record::{clip, Provenance, Record};
use crate::core::stats::{bootstrap_mean_ci, Interval};

/// A reviewer's decision on one revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    #[default]
    Pending,
    /// The model's revision is used as it is.
    Accepted,
    /// The reviewer's own text is used (an accepted revision, corrected by hand).
    Edited { instruction: String, output: String },
    /// The original is kept; `reason` says why.
    Rejected { reason: String },
}

impl Decision {
    /// The word shown and stored in a version's parameters.
    pub fn id(&self) -> &'static str {
        match self {
            Decision::Pending => "pending",
            Decision::Accepted => "accepted",
            Decision::Edited { .. } => "edited",
            Decision::Rejected { .. } => "rejected",
        }
    }
}

/// What one reflection run used: recorded with every row it produced, and with the version made from them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSettings {
    pub mode: Mode,
    pub model: String,
    pub prompts: PromptSet,
    pub options: ReflectionOptions,
}

/// One refined row under review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reviewed {
    /// The row's position in the version it was read from.
    pub index: usize,
    pub refinement: Refinement,
    pub model: String,
    /// The run (index into the run list) that produced it.
    pub run: usize,
    pub decision: Decision,
}

impl Reviewed {
    /// Whether there is a revision to decide on.
    pub fn reviewable(&self) -> bool {
        self.refinement.status == Status::Revised && self.refinement.revised.is_some()
    }

    /// Records a decision, or says why it cannot be taken: a rejection needs a reason, an edit needs both
    /// texts, and only a revised row has anything to decide.
    pub fn decide(&mut self, decision: Decision) -> Result<(), String> {
        let row = self.index + 1;
        if !self.reviewable() && decision != Decision::Pending {
            return Err(format!(
                "Row {row} has no revision to decide on ({}); its original is kept.",
                status_word(&self.refinement.status)
            ));
        }
        let decision = match decision {
            Decision::Rejected { reason } => {
                let reason = reason.trim().to_string();
                if reason.is_empty() {
                    return Err(format!(
                        "Give a reason for rejecting row {row}: type it in the reason field. The reason is \
                         recorded with the new version, so a reader knows why the revision was not used."
                    ));
                }
                Decision::Rejected { reason }
            }
            Decision::Edited {
                instruction,
                output,
            } => {
                if instruction.trim().is_empty() || output.trim().is_empty() {
                    return Err(format!(
                        "Row {row}: the edited instruction and output must not be empty."
                    ));
                }
                Decision::Edited {
                    instruction,
                    output,
                }
            }
            d => d,
        };
        self.decision = decision;
        Ok(())
    }

    /// The row that goes into the new version: the revision (or the reviewer's edit of it) when accepted,
    /// `None` when the original stays. Its provenance names the model and the kind of reflection, where the
    /// original came from, the critique (clipped) and whether the reviewer edited it.
    pub fn accepted_record(&self) -> Option<Record> {
        let revised = self.refinement.revised.as_ref()?;
        let mut r = revised.clone();
        let edited = match &self.decision {
            Decision::Accepted => false,
            Decision::Edited {
                instruction,
                output,
            } => {
                r.instruction = instruction.clone();
                r.output = output.clone();
                true
            }
            Decision::Pending | Decision::Rejected { .. } => return None,
        };
        let note = json!({
            "kind": self.refinement.kind.id(),
            "from": self.refinement.original.provenance,
            "critique": clip(&self.refinement.critique, CRITIQUE_CHARS),
            "edited_by_reviewer": edited,
        });
        r.provenance = Provenance::generated(
            &format!("reflection:{}", self.model),
            Some(note.to_string()),
        );
        Some(r)
    }

    /// The text the judge scores as "after": what the reviewer accepted, else the model's revision.
    pub fn after_record(&self) -> Option<Record> {
        self.accepted_record()
            .or_else(|| self.refinement.revised.clone())
    }
}

/// "revised", "unchanged" or "parse failed".
pub fn status_word(s: &Status) -> &'static str {
    match s {
        Status::Revised => "revised",
        Status::Unchanged => "unchanged",
        Status::ParseFailed(_) => "parse failed",
    }
}

/// How far the review is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Accepted as proposed or edited.
    pub accepted: usize,
    /// Of the accepted, how many were edited.
    pub edited: usize,
    pub rejected: usize,
    /// Revisions without a decision.
    pub pending: usize,
    pub unchanged: usize,
    pub failed: usize,
}

impl Counts {
    pub fn of(items: &[Reviewed]) -> Counts {
        let mut c = Counts::default();
        for it in items {
            match &it.refinement.status {
                Status::Unchanged => c.unchanged += 1,
                Status::ParseFailed(_) => c.failed += 1,
                Status::Revised => match it.decision {
                    Decision::Pending => c.pending += 1,
                    Decision::Accepted => c.accepted += 1,
                    Decision::Edited { .. } => {
                        c.accepted += 1;
                        c.edited += 1
                    }
                    Decision::Rejected { .. } => c.rejected += 1,
                },
            }
        }
        c
    }

    pub fn revised(&self) -> usize {
        self.accepted + self.rejected + self.pending
    }
}

/// The rows of the new version: `rows` (the version the refinements were made on) with each accepted
/// revision in place of its original, everything else as it was. Refuses when nothing is accepted (the
/// version would be a copy) or when a refinement's original is not the row at its index (it was made on
/// another version). Returns the rows and how many were replaced.
pub fn apply(rows: &[Record], items: &[Reviewed]) -> Result<(Vec<Record>, usize), String> {
    let mut out = rows.to_vec();
    let mut replaced = 0;
    for it in items {
        let Some(new) = it.accepted_record() else {
            continue;
        };
        let row = it.index + 1;
        match out.get_mut(it.index) {
            Some(r) if *r == it.refinement.original => {
                *r = new;
                replaced += 1;
            }
            _ => {
                return Err(format!(
                    "Row {row} of this version is not the row that was refined: the refinements were made on \
                     another version. Reflect again on this one."
                ))
            }
        }
    }
    if replaced == 0 {
        return Err(
            "No revision is accepted yet: accept or edit at least one, or the new version would be a copy."
                .into(),
        );
    }
    Ok((out, replaced))
}

/// Characters of a critique kept in a version's parameters.
pub const CRITIQUE_CHARS: usize = 400;

/// The new version's parameters: where the rows came from, the runs (model, prompts, options) and one
/// entry per refined row — index, decision, reason, kind, model, run and the critique (clipped).
pub fn params(source: &str, runs: &[RunSettings], items: &[Reviewed]) -> Value {
    let rows: Vec<Value> = items
        .iter()
        .map(|it| {
            let decision = match &it.refinement.status {
                Status::Revised => it.decision.id(),
                s => status_word(s),
            };
            let reason = match (&it.decision, &it.refinement.status) {
                (Decision::Rejected { reason }, _) => reason.clone(),
                (_, Status::ParseFailed(reason)) => reason.clone(),
                _ => String::new(),
            };
            json!({
                "index": it.index,
                "decision": decision,
                "reason": reason,
                "kind": it.refinement.kind.id(),
                "model": it.model,
                "run": it.run,
                "critique": clip(&it.refinement.critique, CRITIQUE_CHARS),
            })
        })
        .collect();
    let runs: Vec<Value> = runs
        .iter()
        .map(|r| {
            json!({
                "mode": r.mode,
                "model": r.model,
                "prompts": r.prompts,
                "options": r.options.ollama_options(),
            })
        })
        .collect();
    let c = Counts::of(items);
    json!({
        "source_version": source,
        "accepted": c.accepted,
        "edited": c.edited,
        "rejected": c.rejected,
        "pending": c.pending,
        "runs": runs,
        "rows": rows,
    })
}

/// The judge's verdicts on one row: before (the original) and after (the revision).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judged {
    pub index: usize,
    pub kind: Kind,
    pub before: Result<Scores, String>,
    pub after: Result<Scores, String>,
}

/// One criterion before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionSummary {
    pub id: String,
    pub name: String,
    /// Means over the rows judged both times.
    pub before: f64,
    pub after: f64,
    /// The paired mean delta (after − before) with its bootstrap interval.
    pub delta: Option<Interval>,
}

/// The whole before/after comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct RubricSummary {
    pub criteria: Vec<CriterionSummary>,
    /// The mean over all criteria: before, after, and the paired delta with its interval.
    pub before: f64,
    pub after: f64,
    pub overall: Option<Interval>,
    /// Rows judged both times.
    pub pairs: usize,
    /// (row index, "before"/"after", why the scores could not be read).
    pub failures: Vec<(usize, &'static str, String)>,
}

/// Summarises the judge's scores: per-criterion and overall means before and after over the rows judged
/// both times, and the paired mean deltas with `resamples`-fold bootstrap intervals (seeded).
pub fn summarise(rubric: &Rubric, judged: &[Judged], resamples: usize, seed: u64) -> RubricSummary {
    let before: Vec<Option<Scores>> = judged.iter().map(|j| j.before.clone().ok()).collect();
    let after: Vec<Option<Scores>> = judged.iter().map(|j| j.after.clone().ok()).collect();
    let both: Vec<(&Scores, &Scores)> = before
        .iter()
        .zip(&after)
        .filter_map(|(b, a)| Some((b.as_ref()?, a.as_ref()?)))
        .collect();
    let mean = |xs: &mut dyn Iterator<Item = f64>| {
        let (s, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
        if n == 0 {
            0.0
        } else {
            s / n as f64
        }
    };
    let criteria = rubric
        .criteria
        .iter()
        .map(|c| {
            let pick = |s: &Scores| s.get(&c.id).map(f64::from);
            CriterionSummary {
                id: c.id.clone(),
                name: c.name.clone(),
                before: mean(&mut both.iter().filter_map(|(b, _)| pick(b))),
                after: mean(&mut both.iter().filter_map(|(_, a)| pick(a))),
                delta: bootstrap_mean_ci(
                    &paired_deltas(&before, &after, Some(&c.id)),
                    resamples,
                    seed,
                ),
            }
        })
        .collect();
    let mut failures = Vec::new();
    for j in judged {
        for (side, r) in [("before", &j.before), ("after", &j.after)] {
            if let Err(e) = r {
                failures.push((j.index, side, e.clone()));
            }
        }
    }
    RubricSummary {
        criteria,
        before: mean(&mut both.iter().map(|(b, _)| b.mean())),
        after: mean(&mut both.iter().map(|(_, a)| a.mean())),
        overall: bootstrap_mean_ci(&paired_deltas(&before, &after, None), resamples, seed),
        pairs: both.len(),
        failures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::llm::judge::parse_scores;

    fn rec(i: usize) -> Record {
        Record {
            instruction: format!("Question {i}?"),
            input: String::new(),
            output: format!("Answer {i}."),
            provenance: Provenance::file("d.json", i + 2),
        }
    }

    fn reviewed(i: usize, reply: &str) -> Reviewed {
        Reviewed {
            index: i,
            refinement: Refinement::from_reply(Kind::ResponseReflection, &rec(i), reply, "m"),
            model: "m".into(),
            run: 0,
            decision: Decision::Pending,
        }
    }

    fn revised(i: usize) -> Reviewed {
        reviewed(
            i,
            &format!("Too short.\n[Better Answer]\nA better answer {i}.\n[End]"),
        )
    }

    #[test]
    fn decisions_need_reasons_and_a_revision() {
        let mut it = revised(0);
        let e = it
            .decide(Decision::Rejected {
                reason: "  ".into(),
            })
            .unwrap_err();
        assert!(e.contains("Give a reason for rejecting row 1"), "{e}");
        assert_eq!(it.decision, Decision::Pending);
        it.decide(Decision::Rejected {
            reason: " wrong ".into(),
        })
        .unwrap();
        assert_eq!(
            it.decision,
            Decision::Rejected {
                reason: "wrong".into()
            }
        );
        assert!(it
            .decide(Decision::Edited {
                instruction: "".into(),
                output: "x".into()
            })
            .is_err());
        let mut failed = reviewed(1, "No markers at all.");
        assert!(failed
            .decide(Decision::Accepted)
            .unwrap_err()
            .contains("parse failed"));
        assert!(failed.decide(Decision::Pending).is_ok());
    }

    #[test]
    fn apply_replaces_only_accepted_rows_and_keeps_the_input() {
        let rows: Vec<Record> = (0..4).map(rec).collect();
        let mut items = vec![revised(0), revised(1), revised(2), reviewed(3, "nothing")];
        assert!(apply(&rows, &items).unwrap_err().contains("No revision"));
        items[0].decide(Decision::Accepted).unwrap();
        items[1]
            .decide(Decision::Rejected {
                reason: "worse".into(),
            })
            .unwrap();
        items[2]
            .decide(Decision::Edited {
                instruction: "Edited question?".into(),
                output: "Edited answer.".into(),
            })
            .unwrap();
        let (out, n) = apply(&rows, &items).unwrap();
        assert_eq!(n, 2);
        assert_eq!(out[0].output, "A better answer 0.");
        assert_eq!(out[0].provenance.source, "reflection:m");
        assert_eq!(out[1], rows[1]);
        assert_eq!(out[2].instruction, "Edited question?");
        let note = |r: &Record| -> Value {
            serde_json::from_str(r.provenance.note.as_deref().unwrap()).unwrap()
        };
        assert_eq!(note(&out[2])["edited_by_reviewer"], true);
        assert_eq!(note(&out[0])["edited_by_reviewer"], false);
        assert_eq!(note(&out[0])["critique"], "Too short.");
        assert_eq!(note(&out[0])["from"]["line"], 2);
        assert_eq!(out[3], rows[3]);
        assert_eq!(rows[0].output, "Answer 0.", "the input is not changed");
        let c = Counts::of(&items);
        assert_eq!(
            (c.accepted, c.edited, c.rejected, c.pending, c.failed),
            (2, 1, 1, 0, 1)
        );
        // Refinements of another version are refused.
        let other: Vec<Record> = (10..14).map(rec).collect();
        assert!(apply(&other, &items)
            .unwrap_err()
            .contains("another version"));
    }

    #[test]
    fn params_record_every_row_and_run() {
        let mut items = vec![revised(0), revised(1), reviewed(2, "nope")];
        items[0].decide(Decision::Accepted).unwrap();
        items[1]
            .decide(Decision::Rejected {
                reason: "made it vaguer".into(),
            })
            .unwrap();
        let runs = [RunSettings {
            mode: Mode::Response,
            model: "m".into(),
            prompts: PromptSet::default(),
            options: ReflectionOptions::default(),
        }];
        let p = params("v1", &runs, &items);
        assert_eq!(p["source_version"], "v1");
        assert_eq!(p["runs"][0]["options"]["seed"], 123);
        assert_eq!(p["runs"][0]["options"]["temperature"], 0.0);
        assert!(p["runs"][0]["prompts"]["system"].is_string());
        assert_eq!(p["rows"][0]["decision"], "accepted");
        assert_eq!(p["rows"][1]["decision"], "rejected");
        assert_eq!(p["rows"][1]["reason"], "made it vaguer");
        assert_eq!(p["rows"][1]["critique"], "Too short.");
        assert_eq!(p["rows"][2]["decision"], "parse failed");
        assert_eq!(p["rows"][0]["kind"], "response_reflection");
    }

    #[test]
    fn summary_pairs_rows_and_lists_failures() {
        let r = Rubric::default();
        let s = |v: u8| {
            let text = format!(
                r#"{{"helpfulness": {v}, "relevance": {v}, "accuracy": {v}, "level_of_detail": {v}, "clarity": {v}}}"#
            );
            parse_scores(&r, &text)
        };
        let judged = vec![
            Judged {
                index: 0,
                kind: Kind::ResponseReflection,
                before: s(2),
                after: s(4),
            },
            Judged {
                index: 1,
                kind: Kind::ResponseReflection,
                before: s(3),
                after: s(4),
            },
            Judged {
                index: 2,
                kind: Kind::ResponseReflection,
                before: s(1),
                after: Err("no JSON object".into()),
            },
        ];
        let sum = summarise(&r, &judged, 500, 7);
        assert_eq!(sum.pairs, 2);
        assert_eq!(sum.before, 2.5);
        assert_eq!(sum.after, 4.0);
        let overall = sum.overall.unwrap();
        assert_eq!(overall.mean, 1.5);
        assert!(overall.low >= 1.0 && overall.high <= 2.0);
        assert_eq!(sum.criteria.len(), 5);
        assert_eq!(sum.criteria[0].before, 2.5);
        assert_eq!(
            sum.failures,
            vec![(2, "after", "no JSON object".to_string())]
        );
    }
}
