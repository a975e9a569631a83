//! Dataset workspace (slides 4, 11, 23; LAB-07 schema drift): import instruction datasets, validate them
//! with a quarantine, and keep every transform as an immutable, persistent version with lineage, diff,
//! rollback, a sample audit and exports. Every later lab reads and writes datasets here.

mod audit;
mod diff;
mod preview;
mod quarantine;
mod storage;
mod versions;

use leptos::prelude::*;

use crate::ui::design::LabPage;
use crate::ui::services::workspace::{provide_workspace, Saved};
use crate::ui::widgets::import_panel::ImportPanel;
use crate::ui::widgets::progress::BusyBar;
use crate::ui::widgets::version_bar::NoticeLine;

#[component]
pub fn WorkspaceLab() -> impl IntoView {
    let ctx = provide_workspace();

    view! {
        <LabPage id="workspace">
            <div class="panel current-bar" aria-label="Current version">
                <div class="stats">
                    <div class="stat">
                        <span class="stat-label">"Current version"</span>
                        <span class="stat-value small mono" data-testid="dataset-version-id">
                            {move || ctx.ws.with(|w| w.current.clone()).unwrap_or_else(|| "none".into())}
                        </span>
                    </div>
                    <div class="stat">
                        <span class="stat-label">"Valid rows"</span>
                        <span class="stat-value" data-testid="rows-valid">{move || ctx.rows.with(|r| r.len())}</span>
                    </div>
                    <div class="stat">
                        <span class="stat-label">"Quarantined"</span>
                        <span class="stat-value" data-testid="rows-quarantined">{move || ctx.quarantine.with(|q| q.len())}</span>
                    </div>
                    <div class="stat">
                        <span class="stat-label">"Versions"</span>
                        <span class="stat-value">{move || ctx.ws.with(|w| w.versions.len())}</span>
                    </div>
                </div>
                <BusyBar jobs=ctx.jobs cancel=move || ctx.cancel() />
                {move || match ctx.saved.get() {
                    Saved::Failed(e) | Saved::NoStorage(e) => Some(view! { <div class="error" role="alert" data-testid="storage-error">{e}</div> }),
                    _ => None,
                }}
                <NoticeLine />
            </div>
            <ImportPanel />
            <preview::PreviewPanel />
            <quarantine::QuarantinePanel />
            <versions::VersionsPanel />
            <diff::DiffPanel />
            <audit::AuditPanel />
            <storage::StoragePanel />
        </LabPage>
    }
}
