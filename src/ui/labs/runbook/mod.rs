//! Runbook & portfolio (APP-B, APP-C, CODE-02; slides 23–24, 27–29): the release candidate's gates from
//! slide 24 with waivers and Release, the run order with live verification points, the tokenizer and
//! teaching examples only this page records, the portfolio pack and pipeline spec, and the replay.

mod curate;
mod export;
mod gates;
mod replay;
mod state;
mod steps;

use leptos::prelude::*;

use crate::ui::design::LabPage;
use crate::ui::services::workspace::provide_workspace;
use crate::ui::widgets::version_bar::VersionBar;
use state::RunbookCtx;

#[component]
pub fn RunbookLab() -> impl IntoView {
    let ws = provide_workspace();
    provide_context(RunbookCtx::new(ws));
    let cancel = move || ws.cancel();
    view! {
        <LabPage id="runbook">
            <VersionBar cancel=cancel sample=true />
            <gates::CandidatePanel />
            <gates::GatesPanel />
            <curate::TokenizerPanel />
            <curate::ExamplesPanel />
            <export::ExportPanel />
            <replay::ReplayPanel />
            <steps::RunbookPanel />
        </LabPage>
    }
}
