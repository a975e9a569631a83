//! Failure drills (ADDON-B-LAB-07; slide 25): schema drift, duplicate leakage and tokenizer mismatch —
//! each planted in the student's own data with a seed, its damage shown, the diagnosis checked and the
//! recovery kept as a version — plus the general tokens check, the scoreboard and instructor mode.

mod board;
mod leak;
mod mismatch;
mod schema;
mod state;
mod tokens_check;

use leptos::prelude::*;

use crate::ui::design::LabPage;
use crate::ui::services::workspace::provide_workspace;
use crate::ui::widgets::version_bar::VersionBar;
use crate::web::worker;
use state::DrillsCtx;

#[component]
pub fn DrillsLab() -> impl IntoView {
    let ws = provide_workspace();
    provide_context(DrillsCtx::new(ws));
    let cancel = move || {
        worker::cancel();
        ws.cancel();
    };
    view! {
        <LabPage id="drills">
            <VersionBar cancel=cancel sample=true />
            <schema::SchemaDrillPanel />
            <leak::LeakDrillPanel />
            <mismatch::MismatchDrillPanel />
            <tokens_check::TokensCheckPanel />
            <board::ScoreboardPanel />
            <board::InstructorPanel />
        </LabPage>
    }
}
