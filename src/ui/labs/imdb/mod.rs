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

use crate::ui::design::{BeginnersCorner, WisdomBox};
use state::ICtx;

#[component]
pub fn ImdbLab() -> impl IntoView {
    let ctx = ICtx::new();
    view! {
        <article class="lab imdb-lab">
            <header class="lab-head">
                <p class="eyebrow">"ADDON-B-LAB-05, LAB-06, LAB-08 · slides 11, 12, 21, 22, 26"</p>
                <h1>"IMDb bootstrap & baselines"</h1>
                <p class="lead">
                    "Benchmark pipelines should be scripted, reproducible and auditable. Turn the IMDb archive into the course's "
                    "train, validation and test files — identical to the reference script's, byte for byte — then train the "
                    "classical baselines here in your browser and compare them with the published results under one protocol."
                </p>
            </header>
            <archive::ArchivePanel ctx=ctx />
            <splits::SplitsPanel ctx=ctx />
            <baselines::BaselinesPanel ctx=ctx />
            <history::HistoryPanel ctx=ctx />
            <div class="teach">
                <WisdomBox quote="Benchmark pipelines should be scripted, reproducible, and auditable." />
                <BeginnersCorner
                    means="A split is a fixed division of the reviews: the model learns from train, you tune on validation, and test is looked at once, at the end. A SHA-256 is a fingerprint of a file: any change, even one byte, gives a different one."
                    matters="Two results can only be compared if they were measured on the same test reviews. Matching hashes prove it; a baseline tells you how much a big model really adds."
                    mistake="Re-shuffling with another seed (or another library) and comparing with published numbers anyway, or tuning on the test split."
                />
            </div>
        </article>
    }
}
