//! The quality page's state: the workspace it reads (shared with the workspace page's panels), the gate and
//! near-duplicate settings, the latest results, and the one way jobs are run — in the background worker, with
//! the page's progress bar and Cancel.

use std::sync::Arc;

use leptos::prelude::*;

use crate::core::dataset::record::Record;
use crate::core::quality::dedup::{KeepPolicy, NearDupParams};
use crate::core::quality::gates::GateConfig;
use crate::core::quality::jobs::{DuplicateReport, Job, LeakageReport, Outcome};
use crate::core::quality::scorecard::{merge_runs, GateRun};
use crate::ui::services::workspace::{packed_rows, Ctx};
use crate::web::worker;

/// Rows to look at, and why (what the student clicked).
#[derive(Clone, Debug, PartialEq)]
pub struct Drill {
    pub title: String,
    /// Row indices in the version, each with the reasons to show beside it.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Signals shared by the quality page's panels.
#[derive(Clone, Copy)]
pub struct QCtx {
    pub ws: Ctx,
    pub config: RwSignal<GateConfig>,
    /// Encoding for the token-length gate ("" = skip it).
    pub encoding: RwSignal<String>,
    /// The last gate run, with the version it ran on.
    pub gates: RwSignal<Option<(String, Arc<GateRun>)>>,
    /// A second version's run, for quality drift.
    pub compare: RwSignal<Option<(String, Arc<GateRun>)>>,
    pub params: RwSignal<NearDupParams>,
    pub keep: RwSignal<KeepPolicy>,
    pub dups: RwSignal<Option<(String, Arc<DuplicateReport>)>>,
    /// (train version, test version, report).
    pub leaks: RwSignal<Option<(String, String, Arc<LeakageReport>)>>,
    pub drill: RwSignal<Option<Drill>>,
}

impl QCtx {
    pub fn new(ws: Ctx) -> Self {
        QCtx {
            ws,
            config: RwSignal::new(GateConfig::default()),
            encoding: RwSignal::new("gpt2".into()),
            gates: RwSignal::new(None),
            compare: RwSignal::new(None),
            params: RwSignal::new(NearDupParams::default()),
            keep: RwSignal::new(KeepPolicy::First),
            dups: RwSignal::new(None),
            leaks: RwSignal::new(None),
            drill: RwSignal::new(None),
        }
    }

    /// Shows `rows` of the current version under `title`.
    pub fn show(&self, title: impl Into<String>, rows: Vec<(usize, Vec<String>)>) {
        self.drill.set(Some(Drill {
            title: title.into(),
            rows,
        }));
    }

    /// Cancels the running job: the worker is ended at once.
    pub fn cancel(&self) {
        worker::cancel();
        self.ws.cancel();
    }
}

/// Runs `job` over `rows` (one or more slices, taken as one list: no copy) in the background worker under the
/// page's progress bar. Errors are shown to the
/// student; `None` when it failed or was cancelled. A gate run over many rows is split between two workers
/// (one per core) and merged; with `keep` (the version's id) the workers keep their part of the rows, so
/// running the gates again with other settings sends nothing.
pub async fn run_job(
    q: QCtx,
    label: &str,
    job: Job,
    rows: &[&[Record]],
    ranks: Option<std::rc::Rc<Vec<u8>>>,
    keep: Option<&str>,
) -> Option<Outcome> {
    let ctx = q.ws;
    let id = ctx.jobs.start(label);
    let ranks = ranks.as_deref().map(Vec::as_slice);
    let progress = move |p| id.progress(0.05 + 0.95 * p);
    let parts = match (rows, &job) {
        ([one], Job::Gates { .. }) if one.len() >= 4096 => worker::parallelism(),
        _ => 1,
    };
    let result = if parts > 1 {
        let one = rows[0];
        let mut packs = Vec::new();
        for (k, chunk) in one.chunks(one.len().div_ceil(parts)).enumerate() {
            let key = keep.map(|v| format!("{v}#{k}/{parts}:{}", one.len()));
            let have = key
                .as_deref()
                .is_some_and(|key| worker::quality::has_rows(k, key));
            let packed = if have {
                None
            } else {
                Some(packed_rows(id, &[chunk]).await?)
            };
            packs.push(worker::quality::Rows { packed, key });
        }
        worker::quality::run_parallel(&job, packs, ranks, progress)
            .await
            .map(|outcomes| {
                let runs = outcomes
                    .into_iter()
                    .filter_map(|o| match o {
                        Outcome::Gates(r) => Some(*r),
                        _ => None,
                    })
                    .collect();
                Outcome::Gates(Box::new(merge_runs(runs)))
            })
    } else {
        let rows = packed_rows(id, rows).await?;
        worker::quality::run(&job, rows, ranks, progress).await
    };
    if id.cancelled() {
        return None;
    }
    id.end();
    match result {
        Ok(o) => Some(o),
        Err(e) => {
            ctx.error(e.message());
            None
        }
    }
}

/// A rate as the scorecard shows it.
pub fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}
