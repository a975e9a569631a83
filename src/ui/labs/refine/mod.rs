//! Refine by reflection (LAB-02, CODE-01; slides 5, 15, 17): a local model critiques rows of the current
//! dataset version and proposes better ones; a person reviews every before/after with a word diff and the
//! critique, accepts, edits or rejects with a reason; the accepted rows form a new version (the original is
//! never overwritten); and the same judge rubric scores the rows before and after, with a bootstrap
//! interval. Every call can be shown as code.

mod chart;
mod reflect;
mod review;
mod rubric;
mod state;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ui::design::{BeginnersCorner, WisdomBox};
use crate::ui::labs::workspace::import::ImportPanel;
use crate::ui::labs::workspace::state::{open, Ctx};
use crate::ui::labs::workspace::status::VersionBar;
use crate::ui::widgets::llm_connection::ConnectionPanel;
use state::RCtx;

#[component]
pub fn RefineLab() -> impl IntoView {
    let ctx = Ctx::new();
    spawn_local(open(ctx));
    let r = RCtx::new(ctx);
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

    view! {
        <article class="lab refine-lab">
            <header class="lab-head">
                <p class="eyebrow">"LAB-02 · CODE-01 · slides 5, 15, 17"</p>
                <h1>"Refine by reflection"</h1>
                <p class="lead">
                    "A second pass can clean up weak rows: a model critiques each one against named criteria, then writes a better version. "
                    "You review every before/after, keep what is better, say why you rejected the rest — and the originals are never overwritten."
                </p>
            </header>
            <VersionBar ctx=ctx cancel=move || ctx.cancel() />
            <details class="panel import-here" open>
                <summary>"Import a dataset here (or use the one current in the workspace)"</summary>
                <ImportPanel ctx=ctx />
            </details>
            <ConnectionPanel heading="0 · Connect to a model" />
            <reflect::SetupPanel r=r />
            <reflect::ReflectPanel r=r />
            <review::ReviewPanel r=r />
            <rubric::RubricPanel r=r />
            <div class="teach">
                <WisdomBox quote="Critique, then revise — and keep the original." />
                <BeginnersCorner
                    means="Reflection asks a model to say what is weak about a training example before rewriting it: vague instruction, thin or wrong answer. The rewrite is a proposal; you decide whether it replaces the original."
                    matters="Better supervision leads to better model outputs: the Reflection-Tuning paper recycled Alpaca's data this way and its win rate rose markedly. But a model can also make a row worse, so every change is reviewed and traceable."
                    mistake="Overwriting the originals without a record, or skipping review because the first draft “looks okay”. Compare scores before and after on the same rubric instead of trusting the rewrite."
                />
            </div>
        </article>
    }
}
