//! The runbook (APP-B): the deck's run order, LAB-01 → APP-A → LAB-02 → … → LAB-08, each step with its
//! verification points evaluated live from what the labs stored — pass, not yet, or failed — with the
//! evidence and the lab that does the work.

use crate::core::ab::log::{Entry, Kind};
use crate::core::dataset::record::Record;
use crate::core::dataset::workspace::Workspace;
use crate::core::drills::board::{Board, DRILLS};
use crate::core::imdb::record::RunRecord;
use crate::core::tokenize::extend::version::TokenizerVersion;

use super::gates::check_on;

/// The reference script's split sizes (download_prepare_dataset.py): train, validation, test.
pub const REFERENCE_SPLITS: [usize; 3] = [35_000, 5_000, 10_000];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Point {
    Pass,
    NotYet,
    Failed,
}

impl Point {
    pub fn word(self) -> &'static str {
        match self {
            Point::Pass => "pass",
            Point::NotYet => "not yet",
            Point::Failed => "failed",
        }
    }
}

/// One verification point.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub what: &'static str,
    pub state: Point,
    pub evidence: String,
}

/// One step of the run order.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The deck's anchor, e.g. `LAB-01`.
    pub anchor: &'static str,
    pub title: &'static str,
    /// The lab page that does it.
    pub lab: &'static str,
    pub checks: Vec<Check>,
}

/// What the runbook reads.
pub struct Inputs<'a> {
    pub ws: &'a Workspace,
    /// The release candidate (the runbook's focus), if one is chosen.
    pub candidate: Option<&'a str>,
    /// The candidate's rows, once loaded.
    pub rows: Option<&'a [Record]>,
    pub ab_log: &'a [Entry],
    pub tokenizers: &'a [TokenizerVersion],
    pub imdb_runs: &'a [RunRecord],
    pub board: &'a Board,
    /// The last replay's verdict in this tab: (identical?, line).
    pub replay: Option<(bool, String)>,
}

fn c(what: &'static str, state: Point, evidence: impl Into<String>) -> Check {
    Check {
        what,
        state,
        evidence: evidence.into(),
    }
}

fn not_yet(what: &'static str, evidence: impl Into<String>) -> Check {
    c(what, Point::NotYet, evidence)
}

/// The run order with every point evaluated.
pub fn evaluate(i: &Inputs) -> Vec<Step> {
    let ws = i.ws;
    let lineage = i.candidate.map(|id| ws.lineage(id)).unwrap_or_default();
    let cand = i.candidate.unwrap_or("the release candidate");
    let find = |t: &str| {
        lineage
            .iter()
            .rev()
            .copied()
            .find(|v| v.transform == t)
            .or_else(|| ws.versions.iter().rev().find(|v| v.transform == t))
    };

    let generated = match find("magpie") {
        Some(v) => c(
            "a generated version exists",
            Point::Pass,
            format!(
                "{} ({} rows, by {})",
                v.id,
                v.rows,
                v.params["model"].as_str().unwrap_or("a model")
            ),
        ),
        None => not_yet("a generated version exists", "no Magpie version yet"),
    };
    let provenance = match i.rows {
        None => not_yet("every row has provenance", "choose a release candidate"),
        Some(rows) => {
            let missing = rows
                .iter()
                .filter(|r| r.provenance.source.trim().is_empty())
                .count();
            if missing == 0 {
                c(
                    "every row has provenance",
                    Point::Pass,
                    format!("all {} rows of {cand} name their source", rows.len()),
                )
            } else {
                c(
                    "every row has provenance",
                    Point::Failed,
                    format!("{missing} rows of {cand} have no source"),
                )
            }
        }
    };

    let gates_ran = match i.candidate.and_then(|id| check_on(ws, id, "gates")) {
        Some(ch) => c(
            "gates ran on the candidate",
            Point::Pass,
            format!("{} · {}", ch.at, ch.summary),
        ),
        None => not_yet(
            "gates ran on the candidate",
            format!("no gate run on {cand}"),
        ),
    };
    let dedup = match lineage.iter().rev().find(|v| v.transform == "dedup") {
        Some(v) => c(
            "duplicates removed on the lineage",
            Point::Pass,
            format!(
                "{} removed {} rows",
                v.id,
                v.params["removed"].as_array().map_or(0, |a| a.len())
            ),
        ),
        None => match i.candidate.and_then(|id| check_on(ws, id, "duplicates")) {
            Some(ch) if ch.found == 0 => c(
                "duplicates removed on the lineage",
                Point::Pass,
                format!("search on {cand}: none found"),
            ),
            _ => not_yet(
                "duplicates removed on the lineage",
                format!("no dedup on the lineage of {cand}"),
            ),
        },
    };

    let refined = find("refine");
    let refine_exists = match refined {
        Some(v) => c(
            "a refined version exists",
            Point::Pass,
            format!(
                "{} ({} accepted, {} rejected)",
                v.id, v.params["accepted"], v.params["rejected"]
            ),
        ),
        None => not_yet("a refined version exists", "no reflection version yet"),
    };
    let reasons = match refined {
        None => not_yet(
            "every reflection decision has a reason",
            "no reflection decisions yet",
        ),
        Some(v) => {
            let rows = v.params["rows"].as_array().cloned().unwrap_or_default();
            let bare = rows
                .iter()
                .filter(|r| {
                    r["reason"].as_str().unwrap_or("").trim().is_empty()
                        && r["critique"].as_str().unwrap_or("").trim().is_empty()
                })
                .count();
            if bare == 0 {
                c(
                    "every reflection decision has a reason",
                    Point::Pass,
                    format!(
                        "{} decisions in {}, each with a reason or critique",
                        rows.len(),
                        v.id
                    ),
                )
            } else {
                c(
                    "every reflection decision has a reason",
                    Point::Failed,
                    format!(
                        "{bare} of {} decisions in {} have neither reason nor critique",
                        rows.len(),
                        v.id
                    ),
                )
            }
        }
    };

    let tok_version = match i.tokenizers.last() {
        Some(t) => c(
            "a tokenizer version exists",
            Point::Pass,
            t.changelog_line(),
        ),
        None => not_yet(
            "a tokenizer version exists",
            "no extension made in this browser",
        ),
    };
    let tok_recorded = match lineage.iter().rev().find(|v| v.tokenizer.is_some()) {
        Some(v) => c(
            "the tokenizer version is recorded on the dataset",
            Point::Pass,
            format!("{} on {}", v.tokenizer.as_deref().unwrap_or(""), v.id),
        ),
        None => not_yet(
            "the tokenizer version is recorded on the dataset",
            format!("no tokenizer recorded on the lineage of {cand}"),
        ),
    };

    let runs: Vec<&Entry> = i.ab_log.iter().filter(|e| e.kind == Kind::Run).collect();
    let ab = match runs
        .iter()
        .rev()
        .find(|e| {
            i.candidate
                .is_some_and(|id| e.inputs.datasets.contains_key(id))
        })
        .or(runs.last())
    {
        Some(e) => c(
            "an A/B decision exists",
            Point::Pass,
            format!(
                "entry #{}: {}",
                e.n,
                e.outputs
                    .iter()
                    .map(|o| format!("{} {}", o.name, o.verdict))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ),
        None => not_yet("an A/B decision exists", "the experiment log has no run"),
    };

    let prepared = i.imdb_runs.last();
    let imdb_run = match prepared {
        Some(r) => c(
            "splits prepared with their SHA-256s",
            Point::Pass,
            format!(
                "run {}: {}",
                r.run,
                r.splits
                    .iter()
                    .map(|s| format!(
                        "{} {} ({}…)",
                        s.name,
                        s.rows,
                        crate::core::text::prefix(&s.sha256, 12)
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        None => not_yet(
            "splits prepared with their SHA-256s",
            "no IMDb run in this browser",
        ),
    };
    let sizes = match prepared {
        None => not_yet("split sizes are the reference script's", "no IMDb run yet"),
        Some(r) => {
            let got: Vec<usize> = r.splits.iter().map(|s| s.rows).collect();
            if got == REFERENCE_SPLITS {
                c(
                    "split sizes are the reference script's",
                    Point::Pass,
                    "35,000 / 5,000 / 10,000",
                )
            } else {
                c("split sizes are the reference script's", Point::Failed, format!("{got:?}, the script makes {REFERENCE_SPLITS:?} (a sample archive or other sizes)"))
            }
        }
    };
    let baselines = match i.imdb_runs.iter().rev().find(|r| r.baselines.is_some()) {
        Some(r) => {
            let b = r.baselines.as_ref().expect("found with baselines");
            c(
                "baselines trained and compared",
                Point::Pass,
                format!(
                    "run {}: majority {} · logistic regression {} (test)",
                    r.run,
                    pct(b.majority[2]),
                    pct(b.logreg[2])
                ),
            )
        }
        None => not_yet("baselines trained and compared", "no baseline run yet"),
    };

    let drills: Vec<Check> = DRILLS
        .iter()
        .map(|(id, title)| {
            let att: Vec<_> = i.board.attempts.iter().filter(|a| a.drill == *id).collect();
            let what: &'static str = match *id {
                "schema-drift" => "schema drift diagnosed and recovered",
                "duplicate-leakage" => "duplicate leakage diagnosed and recovered",
                _ => "tokenizer mismatch diagnosed and recovered",
            };
            match att.iter().rev().find(|a| a.found == Some(true)) {
                Some(a) => c(
                    what,
                    Point::Pass,
                    format!(
                        "{title}: seed {}, {} steps, {} hints",
                        a.seed, a.steps, a.hints
                    ),
                ),
                None if att.is_empty() => not_yet(what, format!("{title} not attempted")),
                None => not_yet(
                    what,
                    format!("{title}: {} attempts, none found yet", att.len()),
                ),
            }
        })
        .collect();

    let rerun = reproduced(i.imdb_runs);
    let replay = match &i.replay {
        Some((true, line)) => c(
            "the pipeline spec replays identical",
            Point::Pass,
            line.clone(),
        ),
        Some((false, line)) => c(
            "the pipeline spec replays identical",
            Point::Failed,
            line.clone(),
        ),
        None => not_yet(
            "the pipeline spec replays identical",
            "replay the exported spec below",
        ),
    };

    vec![
        Step {
            anchor: "LAB-01",
            title: "Generate synthetic instructions",
            lab: "generate",
            checks: vec![generated, provenance],
        },
        Step {
            anchor: "APP-A",
            title: "Quality gates and deduplication",
            lab: "quality",
            checks: vec![gates_ran, dedup],
        },
        Step {
            anchor: "LAB-02",
            title: "Refine by reflection",
            lab: "refine",
            checks: vec![refine_exists, reasons],
        },
        Step {
            anchor: "LAB-03",
            title: "Extend the tokenizer",
            lab: "extend",
            checks: vec![tok_version, tok_recorded],
        },
        Step {
            anchor: "LAB-04",
            title: "Measure the change (A/B)",
            lab: "ab",
            checks: vec![ab],
        },
        Step {
            anchor: "LAB-05",
            title: "Bootstrap IMDb",
            lab: "imdb",
            checks: vec![imdb_run, sizes],
        },
        Step {
            anchor: "LAB-06",
            title: "Baselines",
            lab: "imdb",
            checks: vec![baselines],
        },
        Step {
            anchor: "LAB-07",
            title: "Failure drills",
            lab: "drills",
            checks: drills,
        },
        Step {
            anchor: "LAB-08",
            title: "Reproducible measurement",
            lab: "runbook",
            checks: vec![rerun, replay],
        },
    ]
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |x| format!("{:.2} %", x * 100.0))
}

/// Two IMDb runs from the same archive and settings: their split hashes must agree.
fn reproduced(runs: &[RunRecord]) -> Check {
    const WHAT: &str = "a rerun reproduced the split hashes";
    for (k, b) in runs.iter().enumerate().rev() {
        if let Some(a) = runs[..k]
            .iter()
            .rev()
            .find(|a| a.archive.sha256 == b.archive.sha256 && a.settings == b.settings)
        {
            let same = a
                .splits
                .iter()
                .map(|s| &s.sha256)
                .eq(b.splits.iter().map(|s| &s.sha256));
            return if same {
                c(
                    WHAT,
                    Point::Pass,
                    format!("runs {} and {}: identical split SHA-256s", a.run, b.run),
                )
            } else {
                c(
                    WHAT,
                    Point::Failed,
                    format!(
                        "runs {} and {} used the same archive and settings but their splits differ",
                        a.run, b.run
                    ),
                )
            };
        }
    }
    not_yet(WHAT, "prepare the IMDb splits twice with the same settings")
}
