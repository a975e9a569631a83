//! IMDb bootstrap & baselines (ADDON-B-LAB-05, LAB-06, LAB-08; slides 11, 12, 21, 22, 26): prepare the
//! benchmark exactly as the course's reference script does — the same three CSV files, byte for byte,
//! checked by SHA-256 — then train the classical baselines in the browser and put them beside the book's
//! published numbers. Every run is recorded, and a rerun says whether anything changed.

mod archive;
mod baselines;
mod history;
mod splits;
mod state;

use leptos::prelude::*;

use crate::ui::design::LabPage;
use state::ICtx;

#[component]
pub fn ImdbLab() -> impl IntoView {
    let ctx = ICtx::new();
    // The lab's state reaches its panels by context, as the shared services do.
    provide_context(ctx);
    view! {
        <LabPage id="imdb">
            <archive::ArchivePanel />
            <splits::SplitsPanel />
            <baselines::BaselinesPanel />
            <history::HistoryPanel />
        </LabPage>
    }
}
