//! The run's rows as they finish: seed, instruction, answer, status and speed — all shown as text.

use leptos::prelude::*;

use crate::core::dataset::record::clip;
use crate::core::llm::bridge::{curl, Call};
use crate::core::llm::magpie::{GeneratedRow, RowStatus};
use crate::core::llm::ollama::{
    ChatRequest, GenerateRequest, Message, Options, CHAT_PATH, GENERATE_PATH,
};
use crate::ui::design::Section;

use super::state::GCtx;

/// The row's two calls as `curl` commands, rebuilt from what the row recorded (the endpoint is the one in
/// the connection panel now).
fn row_calls(row: &GeneratedRow, base: &str) -> String {
    let options =
        |v: &serde_json::Value| serde_json::from_value::<Options>(v.clone()).unwrap_or_default();
    let generate = GenerateRequest::new(&row.model, &row.pre_query)
        .raw(true)
        .stream(true)
        .options(options(&row.instruction_options));
    let mut out = curl(&Call::post(format!("{base}{GENERATE_PATH}"), &generate));
    if !row.response_options.is_null() {
        let chat = ChatRequest::new(&row.model, vec![Message::user(&row.instruction)])
            .stream(true)
            .options(options(&row.response_options));
        out.push_str("\n\n");
        out.push_str(&curl(&Call::post(format!("{base}{CHAT_PATH}"), &chat)));
    }
    out
}

#[component]
pub fn RowsPanel() -> impl IntoView {
    let g = expect_context::<GCtx>();
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
                            let base = g.llm.server().map(|s| s.endpoint.base).unwrap_or_default();
                            let code = row_calls(row, &base);
                            view! {
                                <tr data-status=status>
                                    <td class="num">{row.index + 1}</td>
                                    <td class="num mono">{row.seed}</td>
                                    <td>{clip(&row.instruction, 300)}
                                        <details class="raw"><summary>"raw sample"</summary><pre>{raw}</pre></details>
                                        <details class="raw"><summary>"this row's calls as curl"</summary><pre>{code}</pre></details>
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
        <Section title="Rows" heading_id="gen-rows-h">
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
        </Section>
    }
}
