//! The IMDb page's state and its two jobs (prepare the splits, train the baselines), with the run history
//! kept in `localStorage` so a rerun — even after a reload — is compared with the run before it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::{Blob, File};

use crate::core::imdb::baseline::BaselineReport;
use crate::core::imdb::jobs::PrepareSummary;
use crate::core::imdb::logreg::Settings as LogRegSettings;
use crate::core::imdb::prepare::SplitSettings;
use crate::core::imdb::record::{BaselineRun, RunRecord, SplitId};
use crate::core::job::Ended;
use crate::ui::jobs::{Jobs, Ticket};
use crate::web::storage;
use crate::web::worker;

/// Where the run history is kept.
const KEY_RUNS: &str = "datalab.imdb.runs";
/// Runs kept in the history.
const MAX_RUNS: usize = 30;

/// The labels of the page's two jobs (each panel shows the busy bar of its own).
pub const PREPARING: &str = "Preparing the splits";
pub const TRAINING: &str = "Training the baselines";

/// Signals shared by the page's panels.
#[derive(Clone, Copy)]
pub struct ICtx {
    pub seed: RwSignal<u32>,
    pub train: RwSignal<usize>,
    pub validation: RwSignal<usize>,
    pub test: RwSignal<usize>,
    pub shuffles: RwSignal<usize>,
    pub file: StoredValue<Option<File>, LocalStorage>,
    pub file_name: RwSignal<Option<String>>,
    /// The page's jobs: preparing and training (one at a time).
    pub jobs: Jobs,
    /// What went wrong with the archive or the splits.
    pub error: RwSignal<Option<String>>,
    pub prepared: RwSignal<Option<PrepareSummary>>,
    /// train.csv, validation.csv, test.csv of `prepared`.
    pub blobs: StoredValue<Vec<Blob>, LocalStorage>,
    pub auto_train: RwSignal<bool>,
    pub c: RwSignal<f64>,
    pub max_iter: RwSignal<usize>,
    pub tol: RwSignal<f64>,
    pub report: RwSignal<Option<BaselineReport>>,
    pub train_error: RwSignal<Option<String>>,
    pub runs: RwSignal<Vec<RunRecord>>,
    /// The run the splits on the page belong to.
    pub current_run: RwSignal<Option<u32>>,
}

impl ICtx {
    pub fn new() -> Self {
        let d = SplitSettings::default();
        let l = LogRegSettings::default();
        let runs: Vec<RunRecord> = storage::get(KEY_RUNS)
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        ICtx {
            seed: RwSignal::new(d.seed),
            train: RwSignal::new(d.train),
            validation: RwSignal::new(d.validation),
            test: RwSignal::new(d.test),
            shuffles: RwSignal::new(d.shuffles),
            file: StoredValue::new_local(None),
            file_name: RwSignal::new(None),
            jobs: Jobs::new(),
            error: RwSignal::new(None),
            prepared: RwSignal::new(None),
            blobs: StoredValue::new_local(Vec::new()),
            auto_train: RwSignal::new(true),
            c: RwSignal::new(l.c),
            max_iter: RwSignal::new(l.max_iter),
            tol: RwSignal::new(l.tol),
            report: RwSignal::new(None),
            train_error: RwSignal::new(None),
            runs: RwSignal::new(runs),
            current_run: RwSignal::new(None),
        }
    }

    pub fn split_settings(&self) -> SplitSettings {
        SplitSettings {
            seed: self.seed.get_untracked(),
            train: self.train.get_untracked(),
            validation: self.validation.get_untracked(),
            test: self.test.get_untracked(),
            shuffles: self.shuffles.get_untracked(),
        }
    }

    pub fn logreg_settings(&self) -> LogRegSettings {
        LogRegSettings {
            c: self.c.get_untracked(),
            max_iter: self.max_iter.get_untracked(),
            tol: self.tol.get_untracked(),
        }
    }

    /// Starts a job, ending one that runs (its worker is stopped; its answer is dropped).
    fn start(&self, label: &'static str) -> Ticket {
        if self.jobs.cancel() {
            worker::cancel();
        }
        let t = self.jobs.start(label);
        t.stage(0.0, Some("Starting the worker".into()));
        t
    }

    fn save_runs(&self) {
        self.runs.with_untracked(|r| {
            if let Ok(json) = serde_json::to_string(r) {
                storage::set(KEY_RUNS, &json);
            }
        });
    }

    /// Starts a new run record for freshly prepared splits.
    fn record_prepared(&self, s: &PrepareSummary) {
        let next = self
            .runs
            .with_untracked(|r| r.last().map_or(1, |l| l.run + 1));
        let record = RunRecord {
            run: next,
            when: String::from(js_sys::Date::new_0().to_iso_string()),
            archive: s.archive.clone(),
            settings: s.settings,
            reviews: s.reviews,
            splits: s
                .stats
                .iter()
                .map(|st| SplitId {
                    name: st.name.clone(),
                    rows: st.rows,
                    positive: st.positive,
                    sha256: st.sha256.clone(),
                })
                .collect(),
            baselines: None,
        };
        self.runs.update(|r| {
            r.push(record);
            let extra = r.len().saturating_sub(MAX_RUNS);
            r.drain(..extra);
        });
        self.current_run.set(Some(next));
        self.save_runs();
    }

    fn record_baselines(&self, rep: &BaselineReport) {
        let Some(run) = self.current_run.get_untracked() else {
            return;
        };
        self.runs.update(|r| {
            if let Some(rec) = r.iter_mut().find(|x| x.run == run) {
                rec.baselines = Some(BaselineRun {
                    vectorizer: "CountVectorizer() — lowercase, tokens (?u)\\b\\w\\w+\\b, raw counts".into(),
                    settings: rep.settings,
                    vocabulary: rep.vocabulary,
                    majority: rep.majority,
                    logreg: rep.logreg,
                    n_iter: rep.n_iter,
                    stop: rep.stop.clone(),
                    seconds: (rep.millis_vectorize + rep.millis_fit) / 1000.0,
                });
            }
        });
        self.save_runs();
    }

    pub fn clear_history(&self) {
        self.runs.set(Vec::new());
        self.current_run.set(None);
        storage::set(KEY_RUNS, "[]");
    }

    /// Stops the running job.
    pub fn cancel(&self) {
        worker::cancel();
    }

    /// The run before the current one, to compare with.
    pub fn previous_run(&self) -> Option<RunRecord> {
        let cur = self.current_run.get()?;
        self.runs
            .with(|r| r.iter().rev().find(|x| x.run < cur).cloned())
    }

    pub fn current_record(&self) -> Option<RunRecord> {
        let cur = self.current_run.get()?;
        self.runs.with(|r| r.iter().find(|x| x.run == cur).cloned())
    }

    /// After a setting changed: prepares again if an archive is chosen (the worker keeps the unpacked
    /// reviews, so only the shuffle and the files are redone).
    pub fn resplit(self) {
        if self.file.with_value(Option::is_some) {
            self.prepare();
        }
    }

    /// Prepares the splits from the chosen archive with the current settings.
    pub fn prepare(self) {
        let Some(file) = self.file.get_value() else {
            self.error.set(Some(
                "Pick the IMDb archive (aclImdb_v1.tar.gz) first.".into(),
            ));
            return;
        };
        let settings = self.split_settings();
        self.error.set(None);
        self.train_error.set(None);
        let t = self.start(PREPARING);
        spawn_local(async move {
            let result = worker::imdb::prepare(&file, &settings, move |v, l| t.stage(v, l)).await;
            if t.cancelled() {
                return;
            }
            t.end();
            match result {
                Ok(p) => {
                    self.blobs.set_value(p.files);
                    self.report.set(None);
                    self.record_prepared(&p.summary);
                    self.prepared.set(Some(p.summary));
                    if self.auto_train.get_untracked() {
                        self.train();
                    }
                }
                Err(Ended::Cancelled) => self.error.set(Some(
                    "Cancelled. Nothing changed: the splits shown (if any) are the previous ones."
                        .into(),
                )),
                Err(e) => {
                    self.prepared.set(None);
                    self.blobs.set_value(Vec::new());
                    self.report.set(None);
                    self.error.set(Some(e.message()));
                }
            }
        });
    }

    /// Trains the baselines on the prepared splits.
    pub fn train(self) {
        let blobs = self.blobs.get_value();
        if blobs.len() != 3 {
            self.train_error.set(Some("Prepare the splits first: the baselines train on train.csv and are scored on all three files.".into()));
            return;
        }
        let settings = self.logreg_settings();
        self.train_error.set(None);
        let t = self.start(TRAINING);
        spawn_local(async move {
            let result = worker::imdb::train(&blobs, &settings, move |v, l| t.stage(v, l)).await;
            if t.cancelled() {
                return;
            }
            t.end();
            match result {
                Ok(rep) => {
                    self.record_baselines(&rep);
                    self.report.set(Some(rep));
                }
                Err(e) => self.train_error.set(Some(e.message())),
            }
        });
    }
}
