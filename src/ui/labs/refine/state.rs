//! The refinement page's state: which rows to reflect on and how (mode, prompts, options), the refined rows
//! with their review decisions, the running call, and the judge's scores. Refinements are kept in the
//! browser's `localStorage` under the version they were made on, so a reload keeps the review's progress.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::core::llm::bridge::Call;
use crate::core::llm::judge::Rubric;
use crate::core::llm::reflection::{Mode, PromptSet};
use crate::core::llm::review::{Judged, Reviewed, RunSettings};
use crate::ui::services::llm::Llm;
use crate::ui::services::workspace::{Ctx, Notice};
use crate::web::storage;

/// A call in progress: which one of how many, and the text streamed so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Running {
    pub what: &'static str,
    pub k: usize,
    pub n: usize,
    /// The row being worked on (index in the version).
    pub row: usize,
    pub live: String,
}

/// One refined row on the page: the review record and a page-wide unique id (a rerun of the same row gets
/// a new id, so its card is drawn afresh).
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub uid: u64,
    pub it: Reviewed,
}

/// What is kept in `localStorage` per version.
#[derive(Serialize, Deserialize)]
struct Saved {
    runs: Vec<RunSettings>,
    items: Vec<Reviewed>,
}

/// The judge's results, with the version and rubric they belong to.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    pub rubric: Rubric,
    pub seed: u32,
    pub judged: Vec<Judged>,
}

/// Signals shared by the page's panels.
#[derive(Clone, Copy)]
pub struct RCtx {
    pub ws: Ctx,
    /// The app's model connection.
    pub llm: Llm,
    pub mode: RwSignal<Mode>,
    /// First row to reflect on, counted from 1.
    pub first: RwSignal<usize>,
    /// How many rows.
    pub count: RwSignal<usize>,
    pub prompts: RwSignal<PromptSet>,
    pub temperature: RwSignal<f64>,
    pub seed: RwSignal<u32>,
    /// The version the refinements were made on.
    pub source: RwSignal<Option<String>>,
    pub runs: RwSignal<Vec<RunSettings>>,
    pub items: RwSignal<Vec<Item>>,
    pub next_uid: StoredValue<u64>,
    /// The model calls of this tab's reflection and rubric runs, for "Export run bundle".
    pub tape: crate::ui::services::llm::Tape,
    pub running: RwSignal<Option<Running>>,
    pub reflect_note: RwSignal<Option<Notice>>,
    pub reflect_call: RwSignal<Option<Call>>,
    pub only_changed: RwSignal<bool>,
    pub only_failed: RwSignal<bool>,
    pub review_note: RwSignal<Option<Notice>>,
    pub scored: RwSignal<Option<Scored>>,
    pub rubric_note: RwSignal<Option<Notice>>,
    pub judge_call: RwSignal<Option<Call>>,
}

const KEY_PREFIX: &str = "datalab.refine.";

impl RCtx {
    pub fn new(ws: Ctx) -> Self {
        RCtx {
            ws,
            llm: Llm::get(),
            mode: RwSignal::new(Mode::Instruction),
            first: RwSignal::new(1),
            count: RwSignal::new(10),
            prompts: RwSignal::new(PromptSet::default()),
            temperature: RwSignal::new(0.0),
            seed: RwSignal::new(123),
            source: RwSignal::new(None),
            runs: RwSignal::new(Vec::new()),
            items: RwSignal::new(Vec::new()),
            next_uid: StoredValue::new(0),
            tape: StoredValue::new(Vec::new()),
            running: RwSignal::new(None),
            reflect_note: RwSignal::new(None),
            reflect_call: RwSignal::new(None),
            only_changed: RwSignal::new(false),
            only_failed: RwSignal::new(false),
            review_note: RwSignal::new(None),
            scored: RwSignal::new(None),
            rubric_note: RwSignal::new(None),
            judge_call: RwSignal::new(None),
        }
    }

    pub fn busy(&self) -> bool {
        self.running.with_untracked(Option::is_some)
    }

    /// Wraps a review record with a fresh id.
    pub fn item(&self, it: Reviewed) -> Item {
        self.next_uid.update_value(|u| *u += 1);
        Item {
            uid: self.next_uid.get_value(),
            it,
        }
    }

    /// Stops the running call (what finished is kept, and the lab says so), or else the workspace's job.
    pub fn cancel(&self) {
        if self.busy() {
            self.ws.jobs.cancel();
        } else {
            self.ws.cancel();
        }
    }

    /// Saves the refinements under their version (best effort: a full `localStorage` only loses the
    /// reload-survival, and the page says so).
    pub fn persist(&self) {
        let Some(id) = self.source.get_untracked() else {
            return;
        };
        let saved = Saved {
            runs: self.runs.get_untracked(),
            items: self
                .items
                .with_untracked(|v| v.iter().map(|i| i.it.clone()).collect()),
        };
        let ok = serde_json::to_string(&saved)
            .map(|s| storage::set(&format!("{KEY_PREFIX}{id}"), &s))
            .unwrap_or(false);
        if !ok {
            self.review_note.set(Some(Notice::Error(
                "The review could not be kept in this browser's storage (full or blocked): it stays in this tab \
                 until you reload. Make a version from the accepted rows to keep them."
                    .into(),
            )));
        }
    }

    /// Shows the refinements saved for version `id`, if any; returns whether there were some.
    pub fn restore(&self, id: &str) -> bool {
        let Some(saved) = storage::get(&format!("{KEY_PREFIX}{id}"))
            .and_then(|s| serde_json::from_str::<Saved>(&s).ok())
        else {
            return false;
        };
        let items = saved.items.into_iter().map(|it| self.item(it)).collect();
        self.source.set(Some(id.to_string()));
        self.runs.set(saved.runs);
        self.items.set(items);
        self.scored.set(None);
        true
    }

    /// Changes one row's review record (by page id), saves, and returns what `f` returned.
    pub fn update_item<T>(&self, uid: u64, f: impl FnOnce(&mut Reviewed) -> T) -> Option<T> {
        let out = self
            .items
            .try_update(|v| v.iter_mut().find(|i| i.uid == uid).map(|i| f(&mut i.it)))
            .flatten();
        self.persist();
        out
    }
}

/// A notice as a panel shows it.
pub fn notice_view(n: RwSignal<Option<Notice>>, testid: &'static str) -> impl IntoView {
    move || {
        n.get().map(|n| match n {
            Notice::Info(s) => {
                view! { <p class="note notice" role="status" data-testid=testid>{s}</p> }.into_any()
            }
            Notice::Error(e) => {
                view! { <div class="error" role="alert" data-testid=testid>{e}</div> }.into_any()
            }
        })
    }
}
