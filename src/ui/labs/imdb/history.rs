//! Panel 4 (LAB-08): the run record — seed, sizes, split hashes, evaluation settings and results — and
//! the comparison with the run before: identical, or exactly what changed.

use leptos::prelude::*;

use super::state::ICtx;
use crate::core::imdb::record::{compare, RunRecord};
use crate::ui::design::Section;
use crate::web::files::download;

fn short(h: &str) -> String {
    h.chars().take(12).collect()
}

fn history_row(r: &RunRecord) -> impl IntoView {
    let s = r.settings;
    let test = r
        .baselines
        .as_ref()
        .and_then(|b| b.logreg[2])
        .map_or("—".into(), |v| format!("{:.2} %", v * 100.0));
    let hashes = r
        .splits
        .iter()
        .map(|s| short(&s.sha256))
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <tr>
            <td class="num">{format!("#{}", r.run)}</td>
            <td>{r.when.clone()}</td>
            <td>{r.archive.name.clone()}</td>
            <td class="num">{s.seed}</td>
            <td class="num">{format!("{} / {} / {}", s.train, s.validation, s.test)}</td>
            <td><code class="hash">{hashes}</code></td>
            <td class="num">{test}</td>
        </tr>
    }
}

#[component]
pub fn HistoryPanel() -> impl IntoView {
    let ctx = expect_context::<ICtx>();
    let verdict = move || {
        let cur = ctx.current_record()?;
        Some(match ctx.previous_run() {
            None => view! {
                <p data-testid="rerun-verdict">{format!("Run #{} is the first recorded in this browser. Run again (or reload and pick the archive again) to check that it reproduces.", cur.run)}</p>
            }
            .into_any(),
            Some(prev) => {
                let changes = compare(&prev, &cur);
                if changes.is_empty() {
                    let what = if prev.baselines.is_some() && cur.baselines.is_some() {
                        "archive, settings, split hashes and accuracies"
                    } else {
                        "archive, settings and split hashes"
                    };
                    view! {
                        <p class="finding" data-testid="rerun-verdict">
                            {format!("Run #{} reproduces run #{}: identical {what}.", cur.run, prev.run)}
                        </p>
                    }
                    .into_any()
                } else {
                    let rows = changes
                        .into_iter()
                        .map(|c| view! { <tr><th scope="row">{c.what}</th><td><code class="hash">{c.before}</code></td><td><code class="hash">{c.after}</code></td></tr> })
                        .collect::<Vec<_>>();
                    view! {
                        <p data-testid="rerun-verdict">{format!("Run #{} differs from run #{} in:", cur.run, prev.run)}</p>
                        <table class="data compact" data-testid="rerun-changes">
                            <thead><tr><th scope="col">"What"</th><th scope="col">{format!("Run #{}", prev.run)}</th><th scope="col">{format!("Run #{}", cur.run)}</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    }
                    .into_any()
                }
            }
        })
    };
    let download_record = move |_| {
        if let Some(r) = ctx.current_record() {
            if let Ok(json) = serde_json::to_string_pretty(&r) {
                let _ = download(
                    &format!("imdb-run-{}.json", r.run),
                    "application/json",
                    json.as_bytes(),
                );
            }
        }
    };
    view! {
        <Section title="Reproducibility" heading_id="history-h">
            <p class="hint">
                "Every run records what it used (archive hash, seed, sizes, shuffles, the vectorizer and the fit settings) and what it made "
                "(rows, class balance and SHA-256 per file, accuracies). A rerun is compared with the run before it."
            </p>
            {verdict}
            <div class="controls">
                <button type="button" on:click=download_record disabled=move || ctx.current_run.get().is_none()>"Download run record (JSON)"</button>
                <button type="button" class="danger" on:click=move |_| ctx.clear_history()
                    disabled=move || ctx.runs.with(Vec::is_empty)>"Clear run history"</button>
            </div>
            <Show when=move || ctx.runs.with(|r| !r.is_empty())>
                <div class="table-wrap">
                    <table class="data" data-testid="run-history">
                        <caption class="sr-only">"Recorded runs, newest first"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Run"</th>
                                <th scope="col">"When"</th>
                                <th scope="col">"Archive"</th>
                                <th scope="col">"Seed"</th>
                                <th scope="col">"Sizes"</th>
                                <th scope="col">"SHA-256 (train · validation · test, first 12)"</th>
                                <th scope="col">"Logistic regression test"</th>
                            </tr>
                        </thead>
                        <tbody>{move || ctx.runs.with(|r| r.iter().rev().map(history_row).collect::<Vec<_>>())}</tbody>
                    </table>
                </div>
            </Show>
        </Section>
    }
}
