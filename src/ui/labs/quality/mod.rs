//! Quality gates & dedup (LAB-APP-A; slides 6, 14, 24): turn the current dataset version into a scorecard
//! and a cleaner version — gates with reasons, quality dimensions, exact and near duplicates, split leakage —
//! with every removal explained. Long jobs run in the background worker (`web::worker`).

mod compare;
mod drill;
mod dups;
mod gates;
mod leakage;
mod scorecard;
mod state;

use leptos::prelude::*;

use crate::ui::design::LabPage;
use crate::ui::services::workspace::provide_workspace;
use crate::ui::widgets::import_panel::ImportPanel;
use crate::ui::widgets::version_bar::VersionBar;
use state::QCtx;

#[component]
pub fn QualityLab() -> impl IntoView {
    let ctx = provide_workspace();
    let q = QCtx::new(ctx);
    // The lab's state reaches its panels by context, as the shared services do.
    provide_context(q);
    // Results belong to the version they were computed on; a new current version starts afresh.
    Effect::new(move |prev: Option<Option<String>>| {
        let cur = ctx.ws.with(|w| w.current.clone());
        if prev.is_some_and(|p| p != cur) {
            q.drill.set(None);
        }
        cur
    });

    view! {
        <LabPage id="quality">
            <VersionBar cancel=move || q.cancel() quarantine=true />
            <details class="panel import-here" open>
                <summary>"Import a dataset here (or use the one current in the workspace)"</summary>
                <ImportPanel />
            </details>
            <gates::GatesPanel />
            <scorecard::ScorecardPanel />
            <drill::DrillPanel />
            <compare::ComparePanel />
            <dups::DupsPanel />
            <leakage::LeakagePanel />
        </LabPage>
    }
}
