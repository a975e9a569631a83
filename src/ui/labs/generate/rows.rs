//! The run's rows as they finish: seed, instruction, answer, status and speed — all shown as text.

use leptos::prelude::*;

use crate::core::dataset::record::clip;
use crate::core::llm::magpie::RowStatus;

use super::state::GCtx;

#[component]
pub fn RowsPanel(g: GCtx) -> impl IntoView {
    let rows = move || {
        g.run.with(|r| {
            r.as_ref()
                .map(|r| {
                    r.rows
                        .iter()
                        .rev()
                        .map(|row| {
                            let (status, reason) = match &row.status {
                                RowStatus::Ok => ("kept", String::new()),
                                RowStatus::Rejected { reason } => ("rejected", reason.clone()),
                                RowStatus::Failed { reason } => ("failed", reason.clone()),
                            };
                            let speed = row
                                .tokens_per_s()
                                .map(|t| format!("{t:.1} tok/s"))
                                .unwrap_or_else(|| "–".into());
                            let raw = row.instruction_raw.clone();
                            view! {
                                <tr data-status=status>
                                    <td class="num">{row.index + 1}</td>
                                    <td class="num mono">{row.seed}</td>
                                    <td>{clip(&row.instruction, 300)}
                                        <details class="raw"><summary>"raw sample"</summary><pre>{raw}</pre></details>
                                    </td>
                                    <td>{clip(&row.response, 400)}</td>
                                    <td>{status}{(!reason.is_empty()).then(|| view! { <span class="hint">{format!(" — {reason}")}</span> })}</td>
                                    <td class="num">{speed}</td>
                                </tr>
                            }
                        })
                        .collect_view()
                })
        })
    };
    view! {
        <section class="panel" aria-labelledby="gen-rows-h">
            <h2 id="gen-rows-h">"4 · Rows"</h2>
            <Show when=move || g.run.with(|r| r.as_ref().is_some_and(|r| !r.rows.is_empty()))
                fallback=|| view! { <p class="hint">"No rows yet: connect, then click Generate."</p> }>
                <div class="table-wrap">
                    <table class="data" data-testid="generated-table">
                        <thead>
                            <tr>
                                <th scope="col">"#"</th>
                                <th scope="col">"Seed"</th>
                                <th scope="col">"Instruction"</th>
                                <th scope="col">"Response"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Speed"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </Show>
        </section>
    }
}
