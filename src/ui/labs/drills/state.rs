//! The drills page's state: the scoreboard (kept in this browser), the extension versions a model
//! tokenizer can be, and the drill pack a student imported. Provided once by the page, read by every panel
//! by context.

use std::sync::Arc;

use leptos::prelude::*;

use crate::core::ab::plan::TokenizerPlan;
use crate::core::drills::board::{Board, Pack};
use crate::core::tokenize::extend::version::TokenizerVersion;
use crate::ui::services::tokenizer::{load_versions, plan_of, tokenizer_options};
pub use crate::ui::services::workspace::version_options;
use crate::ui::services::workspace::{now_iso, Ctx};
use crate::web::storage;

/// Wall-clock milliseconds: attempts are timed across reloads, which the page clock does not survive.
fn now_ms() -> f64 {
    js_sys::Date::now()
}

const BOARD_KEY: &str = "datalab:drills-scoreboard";

/// Signals shared by the drills page's panels.
#[derive(Clone, Copy)]
pub struct DrillsCtx {
    pub ws: Ctx,
    pub board: RwSignal<Board>,
    /// Why the saved scoreboard could not be read or written, if so.
    pub board_note: RwSignal<Option<String>>,
    /// Extension versions from the extend lab.
    pub tokenizers: RwSignal<Vec<TokenizerVersion>>,
    /// The drill pack imported from an instructor, if any: its seed and faults set the drills.
    pub pack: RwSignal<Option<Arc<Pack>>>,
}

impl DrillsCtx {
    pub fn new(ws: Ctx) -> Self {
        let (board, note) = match storage::get(BOARD_KEY) {
            Some(s) => Board::from_json(&s),
            None => (Board::default(), None),
        };
        DrillsCtx {
            ws,
            board: RwSignal::new(board),
            board_note: RwSignal::new(note),
            tokenizers: RwSignal::new(load_versions()),
            pack: RwSignal::new(None),
        }
    }

    fn change(&self, f: impl FnOnce(&mut Board)) {
        self.board.update(f);
        let json = self.board.with_untracked(Board::to_json);
        if !storage::set(BOARD_KEY, &json) {
            self.board_note.set(Some(
                "This browser refused to save the scoreboard (private mode or storage full): export it before you leave.".into(),
            ));
        }
    }

    /// A fault of `drill` was planted with `seed`: a new attempt starts.
    pub fn start(&self, drill: &str, seed: u64) {
        let iso = now_iso();
        self.change(|b| b.start(drill, seed, &iso, now_ms()));
    }

    pub fn step(&self, drill: &str) {
        self.change(|b| b.step(drill));
    }

    /// Counts a hint and returns how many the attempt has used.
    pub fn hint(&self, drill: &str) -> u32 {
        let mut n = 0;
        self.change(|b| n = b.hint(drill));
        n
    }

    pub fn finish(&self, drill: &str, found: bool, detail: &str) {
        self.change(|b| b.finish(drill, found, detail, now_ms()));
    }

    /// The seed a drill plants with: the pack's when a pack is loaded, else `own`.
    pub fn seed(&self, own: u64) -> u64 {
        self.pack
            .with_untracked(|p| p.as_ref().map_or(own, |p| p.seed))
    }

    /// The model tokenizers a select offers (see [`tokenizer_options`]).
    pub fn tokenizer_options(&self) -> Vec<(String, String)> {
        self.tokenizers.with(|t| tokenizer_options(t))
    }

    /// The tokenizer a select value names.
    pub fn plan_of(&self, value: &str) -> Option<TokenizerPlan> {
        self.tokenizers.with_untracked(|t| plan_of(t, value))
    }
}

/// Makes the version `rows` give under transform `name` as a child of `parent`, and makes it current.
/// Every drill step is such a version, so the lineage tells the drill's story.
pub async fn child_version(
    ctx: Ctx,
    parent: &str,
    name: &str,
    params: serde_json::Value,
    rows: Vec<crate::core::dataset::record::Record>,
) -> Option<crate::core::dataset::workspace::DatasetVersion> {
    use crate::ui::services::workspace::{derive, switch_to};
    if ctx.current_id().as_deref() != Some(parent) {
        switch_to(ctx, parent).await;
    }
    derive(ctx, name, params, rows, Vec::new()).await
}

/// The version a drill's select names, or the current version when none is chosen yet (the select fills
/// in once the workspace has loaded; a click before that still means "this version").
pub fn chosen_or_current(d: DrillsCtx, selected: RwSignal<String>) -> String {
    let s = selected.get_untracked();
    if s.is_empty() {
        d.ws.current_id().unwrap_or_default()
    } else {
        s
    }
}

/// A version select's signal that starts out empty and takes the current version once the workspace has
/// loaded it (unless the student chose one first).
pub fn current_by_default(d: DrillsCtx) -> RwSignal<String> {
    let selected = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(c) = d.ws.ws.with(|w| w.current.clone()) {
            if selected.get_untracked().is_empty() {
                selected.set(c);
            }
        }
    });
    selected
}
