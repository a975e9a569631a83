//! The current version, the running job (label, progress bar, Cancel) and the last message, as every page
//! that works on the workspace shows them.

use leptos::prelude::*;

use crate::ui::services::sample::SampleButton;
use crate::ui::services::workspace::{use_workspace, Notice, Saved};
use crate::ui::widgets::progress::BusyBar;

/// The last message: what happened, or an alert saying what went wrong and what to do.
#[component]
pub fn NoticeLine() -> impl IntoView {
    let ctx = use_workspace();
    move || {
        ctx.notice.get().map(|n| match n {
            Notice::Info(s) => view! { <p class="note notice" role="status">{s}</p> }.into_any(),
            Notice::Error(e) => view! { <div class="error" role="alert">{e}</div> }.into_any(),
        })
    }
}

/// The bar a page working on the workspace's current version opens with: the version, its rows (and
/// quarantine, when the page uses it), whether it is saved, the running job and the last message.
#[component]
pub fn VersionBar<F>(
    cancel: F,
    #[prop(optional)] quarantine: bool,
    /// Offer "Load the sample dataset" while the workspace is empty (pages without an import panel,
    /// which offers it already).
    #[prop(optional)]
    sample: bool,
) -> impl IntoView
where
    F: Fn() + Copy + Send + Sync + 'static,
{
    let ctx = use_workspace();
    view! {
        <div class="panel current-bar" aria-label="Current version">
            <div class="stats">
                <div class="stat">
                    <span class="stat-label">"Current version"</span>
                    <span class="stat-value small mono" data-testid="dataset-version-id">
                        {move || ctx.ws.with(|w| w.current.clone()).unwrap_or_else(|| "none".into())}
                    </span>
                </div>
                <div class="stat">
                    <span class="stat-label">"Rows"</span>
                    <span class="stat-value" data-testid="rows-valid">{move || ctx.rows.with(|r| r.len())}</span>
                </div>
                {quarantine.then(|| view! {
                    <div class="stat">
                        <span class="stat-label">"Quarantined"</span>
                        <span class="stat-value" data-testid="rows-quarantined">{move || ctx.quarantine.with(|r| r.len())}</span>
                    </div>
                })}
            </div>
            <p class="hint" data-testid="save-state">
                {move || match ctx.saved.get() {
                    Saved::Opening => "Opening the browser's storage …".to_string(),
                    Saved::Saved => "All versions are saved in this browser; the workspace lab shows their lineage, diffs and exports.".into(),
                    Saved::Saving => "Saving …".into(),
                    Saved::Failed(e) => format!("Not saved: {e}"),
                    Saved::NoStorage(e) => format!("No storage: {e}"),
                }}
            </p>
            {move || (sample && ctx.ws.with(|w| w.versions.is_empty())).then(|| view! { <SampleButton /> })}
            <BusyBar jobs=ctx.jobs cancel=cancel />
            <NoticeLine />
        </div>
    }
}
