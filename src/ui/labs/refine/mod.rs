//! Refine by reflection (LAB-02, CODE-01; slides 5, 15, 17): a local model critiques rows of the current
//! dataset version and proposes better ones; a person reviews every before/after with a word diff and the
//! critique, accepts, edits or rejects with a reason; the accepted rows form a new version (the original is
//! never overwritten); and the same judge rubric scores the rows before and after, with a bootstrap
//! interval. Every call can be shown as code.

mod card;
mod chart;
mod reflect;
mod review;
mod rubric;
mod state;

use leptos::prelude::*;

use crate::ui::design::LabPage;
use crate::ui::services::workspace::provide_workspace;
use crate::ui::widgets::import_panel::ImportPanel;
use crate::ui::widgets::llm_connection::ConnectionPanel;
use crate::ui::widgets::version_bar::VersionBar;
use state::RCtx;

#[component]
pub fn RefineLab() -> impl IntoView {
    let ctx = provide_workspace();
    let r = RCtx::new(ctx);
    // The lab's state reaches its panels by context, as the shared services do.
    provide_context(r);
    // A version with a review saved in this browser shows it again (a reload keeps the review's progress).
    Effect::new(move |prev: Option<Option<String>>| {
        let cur = ctx.ws.with(|w| w.current.clone());
        if prev.as_ref() != Some(&cur) {
            if let Some(id) = &cur {
                if !r.busy() && r.source.get_untracked().as_ref() != Some(id) {
                    r.restore(id);
                }
            }
        }
        cur
    });
    // A run bundle loaded in the connection panel brings the rows and settings it was recorded with.
    Effect::new(move |_| {
        if r.llm.replay.with(Option::is_some) {
            if let Some(line) = reflect::adopt_bundle_settings(r) {
                r.reflect_note
                    .set(Some(crate::ui::services::workspace::Notice::Info(line)));
            }
        }
    });

    view! {
        <LabPage id="refine">
            <VersionBar cancel=move || r.cancel() />
            <details class="panel import-here" open>
                <summary>"Import a dataset here (or use the one current in the workspace)"</summary>
                <ImportPanel />
            </details>
            <ConnectionPanel heading="Connect to a model" />
            <reflect::SetupPanel />
            <reflect::ReflectPanel />
            <review::ReviewPanel />
            <rubric::RubricPanel />
        </LabPage>
    }
}
