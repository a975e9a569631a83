//! The runbook page's state: the release candidate and what was loaded for it (its rows hashed again, its
//! pipeline spec), and the records of the other labs the gates read — the A/B log, tokenizer versions,
//! IMDb runs and the drill scoreboard. Provided once by the page, read by every panel by context.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::ab::log::Entry;
use crate::core::dataset::record::Record;
use crate::core::drills::board::Board;
use crate::core::imdb::record::RunRecord;
use crate::core::release::card::CardMeta;
use crate::core::release::gates::{evaluate, Gate, Records};
use crate::core::release::spec::{build, Spec, Stored};
use crate::core::release::tag::next_tag;
use crate::core::tokenize::extend::version::TokenizerVersion;
use crate::ui::services::tokenizer::load_versions;
use crate::ui::services::workspace::{hash_rows, now_iso, quarantine_of, rows_of, Ctx};
use crate::web::{experiment_log, storage};

/// Where the drills page keeps its scoreboard and the IMDb page its runs.
const BOARD_KEY: &str = "datalab:drills-scoreboard";
const IMDB_KEY: &str = "datalab.imdb.runs";

/// The lab's version, written into specs and packs.
pub const LAB_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What was loaded for one candidate.
pub struct Loaded {
    pub id: String,
    pub rows: Arc<Vec<Record>>,
    /// The rows hashed again now, or why they could not be read.
    pub rehash: Result<String, String>,
    pub spec: Result<Spec, String>,
}

#[derive(Clone, Copy)]
pub struct RunbookCtx {
    pub ws: Ctx,
    /// The release candidate's version id ("" until the workspace has loaded).
    pub candidate: RwSignal<String>,
    pub loaded: RwSignal<Option<Arc<Loaded>>>,
    pub ab_log: RwSignal<Vec<Entry>>,
    pub tokenizers: RwSignal<Vec<TokenizerVersion>>,
    pub imdb_runs: RwSignal<Vec<RunRecord>>,
    pub board: RwSignal<Board>,
    /// Records that could not be read, said once on the page.
    pub notes: RwSignal<Vec<String>>,
    /// The last replay in this tab: (identical, verdict).
    pub replay: RwSignal<Option<(bool, String)>>,
    pub meta: RwSignal<CardMeta>,
}

impl RunbookCtx {
    pub fn new(ws: Ctx) -> Self {
        let mut notes = Vec::new();
        let board = match storage::get(BOARD_KEY) {
            Some(s) => {
                let (b, note) = Board::from_json(&s);
                notes.extend(note);
                b
            }
            None => Board::default(),
        };
        let imdb_runs = match storage::get(IMDB_KEY) {
            Some(s) => serde_json::from_str(&s).unwrap_or_else(|e| {
                notes.push(format!("The IMDb lab's run records could not be read ({e}); they are left as they are."));
                Vec::new()
            }),
            None => Vec::new(),
        };
        let r = RunbookCtx {
            ws,
            candidate: RwSignal::new(String::new()),
            loaded: RwSignal::new(None),
            ab_log: RwSignal::new(Vec::new()),
            tokenizers: RwSignal::new(load_versions()),
            imdb_runs: RwSignal::new(imdb_runs),
            board: RwSignal::new(board),
            notes: RwSignal::new(notes),
            replay: RwSignal::new(None),
            meta: RwSignal::new(CardMeta {
                name: String::new(),
                license: "unknown".into(),
                language: "en".into(),
                author: String::new(),
            }),
        };
        spawn_local(async move {
            match experiment_log::load().await {
                Ok((log, 0)) => r.ab_log.set(log),
                Ok((log, bad)) => {
                    r.ab_log.set(log);
                    r.notes.update(|n| {
                        n.push(format!(
                            "{bad} entries of the A/B log could not be read and are not counted."
                        ))
                    });
                }
                Err(e) => r.notes.update(|n| {
                    n.push(format!(
                        "The A/B log could not be opened ({e}); the A/B gates read it as empty."
                    ))
                }),
            }
        });
        // The candidate starts as the current version, once the workspace has loaded.
        Effect::new(move |_| {
            if let Some(c) = ws.ws.with(|w| w.current.clone()) {
                if r.candidate.get_untracked().is_empty() {
                    r.candidate.set(c);
                }
            }
        });
        // Whenever the candidate changes, load its evidence.
        Effect::new(move |_| {
            let id = r.candidate.get();
            if !id.is_empty() {
                spawn_local(load(r, id));
            }
        });
        r
    }

    /// The gates for the loaded candidate (none until it is loaded).
    pub fn gates(&self) -> Vec<Gate> {
        let Some(l) = self.loaded.get() else {
            return Vec::new();
        };
        let ws = self.ws.ws.read();
        let log = self.ab_log.read();
        let toks: Vec<String> = self
            .tokenizers
            .with(|t| t.iter().map(|v| v.id.clone()).collect());
        let (tag, _) = next_tag(&ws, &l.id, "");
        evaluate(&Records {
            ws: &ws,
            candidate: &l.id,
            rehash: l.rehash.clone(),
            ab_log: &log,
            tokenizers: &toks,
            spec: l
                .spec
                .as_ref()
                .map(|s| (s.steps.len(), s.model_steps()))
                .map_err(Clone::clone),
            next_tag: &tag,
        })
    }
}

/// Loads `id`'s rows, hashes them again and builds its pipeline spec from every version on its lineage.
async fn load(r: RunbookCtx, id: String) {
    let ctx = r.ws;
    let rows = match rows_of(ctx, &id).await {
        Ok(rows) => rows,
        Err(e) => {
            r.loaded.set(Some(Arc::new(Loaded {
                id: id.clone(),
                rows: Arc::new(Vec::new()),
                rehash: Err(e.clone()),
                spec: Err(e),
            })));
            return;
        }
    };
    let job = ctx.jobs.start(format!("Hashing the rows of {id} again …"));
    let Some(rehash) = hash_rows(job, &rows).await else {
        return;
    };
    job.end();
    let spec = spec_of(ctx, &id).await;
    if r.candidate.get_untracked() != id {
        return; // another candidate was chosen meanwhile
    }
    r.loaded.set(Some(Arc::new(Loaded {
        id,
        rows,
        rehash: Ok(rehash),
        spec,
    })));
}

/// The pipeline spec of `id`: every version on its lineage read (from this tab or storage).
pub async fn spec_of(ctx: Ctx, id: &str) -> Result<Spec, String> {
    let lineage: Vec<String> = ctx
        .ws
        .with_untracked(|w| w.lineage(id).iter().map(|v| v.id.clone()).collect());
    let mut stored = std::collections::HashMap::new();
    for v in &lineage {
        let rows = rows_of(ctx, v).await?;
        let held: Vec<usize> = quarantine_of(ctx, v)
            .await
            .map(|q| q.iter().map(|x| x.row.index).collect())
            .unwrap_or_default();
        stored.insert(v.clone(), (rows, held));
    }
    let made = now_iso();
    ctx.ws.with_untracked(|w| {
        build(w, id, LAB_VERSION, &made, |v| {
            stored
                .get(v)
                .map(|(rows, held)| Stored {
                    rows: rows.as_ref().clone(),
                    quarantined: held.clone(),
                })
                .ok_or_else(|| format!("The rows of {v} are missing."))
        })
    })
}
