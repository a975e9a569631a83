//! A/B experiments (ADDON-B-LAB-04; slides 10 and 20): a baseline, an evaluation set and a ladder of arms
//! that each change one thing; per arm a proxy model in the background worker; a decision table with
//! paired-bootstrap intervals under a rule fixed before the run; an append-only log.

mod cost_panel;
mod log_panel;
mod rubric_panel;
mod run;
mod spec_panel;
mod state;
mod table;

use leptos::prelude::*;

use crate::ui::design::LabPage;
use crate::ui::services::workspace::provide_workspace;
use crate::ui::widgets::version_bar::VersionBar;
use crate::web::worker;
use state::AbCtx;

#[component]
pub fn AbLab() -> impl IntoView {
    let ws = provide_workspace();
    let ab = AbCtx::new(ws);
    provide_context(ab);
    let cancel = move || {
        worker::cancel();
        ws.cancel();
    };
    view! {
        <LabPage id="ab">
            <VersionBar cancel=cancel sample=true />
            <spec_panel::SpecPanel />
            <run::RunPanel />
            <table::TablePanel />
            <cost_panel::CostPanel />
            <rubric_panel::RubricPanel />
            <log_panel::LogPanel />
        </LabPage>
    }
}
