//! Generate with Ollama — Magpie (ADDON-B-LAB-01; slides 4, 13): draft instruction data with a local
//! model, seeded and traceable. Every row records the model, the template as sent, the options, its seed
//! and timings; a run can be cancelled or resumed after a reload, and ends in a new dataset version.

mod rows;
mod run;
mod save;
mod settings;
mod state;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ui::design::{LabPage, Section};
use crate::ui::services::workspace::provide_workspace;
use crate::ui::widgets::code_bridge::CodeBridge;
use crate::ui::widgets::llm_connection::ConnectionPanel;
use crate::ui::widgets::version_bar::NoticeLine;
use state::GCtx;

#[component]
pub fn GenerateLab() -> impl IntoView {
    let ctx = provide_workspace();
    let g = GCtx::new(ctx);
    // The lab's state reaches its panels by context, as the shared services do.
    provide_context(g);
    // A run bundle loaded in the connection panel brings the settings it was recorded with.
    Effect::new(move |_| {
        if g.llm.replay.with(Option::is_some) {
            if let Some(line) = save::adopt_bundle_settings(g) {
                g.ws.info(line);
            }
        }
    });

    let start = move |_| {
        if g.ws.jobs.is_busy_now() {
            return;
        }
        match run::new_run(g) {
            Ok(r) => {
                g.run.set(Some(r));
                g.persist();
                spawn_local(run::generate(g));
            }
            Err(e) => g.ws.error(e),
        }
    };
    let resume = move |_| {
        if !g.ws.jobs.is_busy_now() {
            spawn_local(run::generate(g));
        }
    };
    let resumable = move || {
        !g.running()
            && g.run.with(|r| {
                r.as_ref()
                    .is_some_and(|r| !r.is_complete() && !r.rows.is_empty())
            })
    };
    let counts = move || {
        g.run
            .with(|r| r.as_ref().map(|r| r.counts()).unwrap_or_default())
    };
    let total = move || g.run.with(|r| r.as_ref().map_or(0, |r| r.settings.count));
    let done = move || g.run.with(|r| r.as_ref().map_or(0, |r| r.rows.len()));
    let save = move |_| spawn_local(save::save_version(g));

    view! {
        <LabPage id="generate">
            <ConnectionPanel heading="Connect to Ollama" />
            <settings::SettingsPanel />
            <Section title="Run" heading_id="run-h">
                <div class="controls-row">
                    <button type="button" class="primary" on:click=start disabled=move || g.running()>"Generate"</button>
                    <Show when=resumable>
                        <button type="button" on:click=resume>"Resume the interrupted run"</button>
                    </Show>
                    <Show when=move || g.running()>
                        <button type="button" on:click=move |_| g.cancel()>"Cancel"</button>
                    </Show>
                    <button type="button" on:click=save
                        disabled=move || g.running() || counts().0 == 0 || g.saved.with(Option::is_some)>
                        "Save kept rows as a dataset version"
                    </button>
                    <Show when=move || !g.running() && g.run.with(|r| r.as_ref().is_some_and(|r| !r.rows.is_empty()))>
                        <button type="button" on:click=move |_| save::export_bundle(g)>"Export run bundle"</button>
                    </Show>
                </div>
                <div class="stats">
                    <div class="stat">
                        <span class="stat-label">"Rows kept"</span>
                        <span class="stat-value" data-testid="generated-rows">{move || counts().0}</span>
                    </div>
                    <div class="stat">
                        <span class="stat-label">"Rejected"</span>
                        <span class="stat-value" data-testid="rejected-rows">{move || counts().1}</span>
                    </div>
                    <div class="stat">
                        <span class="stat-label">"Failed"</span>
                        <span class="stat-value" data-testid="failed-rows">{move || counts().2}</span>
                    </div>
                    <div class="stat">
                        <span class="stat-label">"Saved as version"</span>
                        <span class="stat-value small mono" data-testid="generated-version">
                            {move || g.saved.get().unwrap_or_else(|| "not yet".into())}
                        </span>
                    </div>
                    <div class="stat">
                        <span class="stat-label">"Done"</span>
                        <span class="stat-value">{move || format!("{} / {}", done(), total())}</span>
                    </div>
                </div>
                <Show when=move || g.running()>
                    <progress class="bar" max="1" value=move || if total() == 0 { 0.0 } else { done() as f64 / total() as f64 }
                        aria-label="Rows done"></progress>
                </Show>
                {move || g.live.get().map(|l| view! {
                    <div class="live" aria-live="polite">
                        <p class="hint">{format!("Row {} · {} · streaming …", l.index + 1, l.phase)}</p>
                        <pre class="live-text" data-testid="live-text">{l.text}</pre>
                    </div>
                })}
                <NoticeLine />
                <CodeBridge call=g.last_call />
            </Section>
            <rows::RowsPanel />
        </LabPage>
    }
}
