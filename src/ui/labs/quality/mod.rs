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
use leptos::task::spawn_local;

use crate::ui::design::{BeginnersCorner, WisdomBox};
use crate::ui::labs::workspace::import::ImportPanel;
use crate::ui::labs::workspace::state::{open, Ctx};
use crate::ui::labs::workspace::status::VersionBar;
use state::QCtx;

#[component]
pub fn QualityLab() -> impl IntoView {
    let ctx = Ctx::new();
    spawn_local(open(ctx));
    let q = QCtx::new(ctx);
    // Results belong to the version they were computed on; a new current version starts afresh.
    Effect::new(move |prev: Option<Option<String>>| {
        let cur = ctx.ws.with(|w| w.current.clone());
        if prev.is_some_and(|p| p != cur) {
            q.drill.set(None);
        }
        cur
    });

    view! {
        <article class="lab quality-lab">
            <header class="lab-head">
                <p class="eyebrow">"LAB-APP-A · slides 6, 14, 24"</p>
                <h1>"Quality gates & dedup"</h1>
                <p class="lead">
                    "Synthetic volume without quality control can hurt more than help. Score every row of a dataset version, "
                    "find exact and near duplicates and leakage between splits, and make a cleaner version in which every removal is explained."
                </p>
            </header>
            <VersionBar ctx=ctx cancel=move || q.cancel() quarantine=true />
            <details class="panel import-here" open>
                <summary>"Import a dataset here (or use the one current in the workspace)"</summary>
                <ImportPanel ctx=ctx />
            </details>
            <gates::GatesPanel q=q />
            <scorecard::ScorecardPanel q=q />
            <drill::DrillPanel q=q />
            <compare::ComparePanel q=q />
            <dups::DupsPanel q=q />
            <leakage::LeakagePanel q=q />
            <div class="teach">
                <WisdomBox quote="Synthetic volume without quality control can hurt more than help." />
                <BeginnersCorner
                    means="A gate is a small automatic check on every row: is the answer empty, a refusal, cut off, a copy of another row? A near duplicate is a row that says almost the same as another with a few words changed."
                    matters="Duplicates make a model memorise instead of generalise, and duplicates between train and test make its score a lie. Bad rows teach bad habits as faithfully as good rows teach good ones."
                    mistake="Deleting rows without a record of which and why, or checking only for exact copies: generated data repeats itself with small changes."
                />
            </div>
        </article>
    }
}
