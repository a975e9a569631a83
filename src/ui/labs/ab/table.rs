//! The decision table (slide 10: "use final decision table for adoption"): per rung what changed, Δ bits
//! per byte with its interval and p-value, the cost in tokens, the verdict and why — exportable as
//! Markdown and JSON.

use leptos::prelude::*;

use super::state::AbCtx;
use crate::core::ab::compare::{bits_text, table_markdown, Comparison, Verdict};
use crate::core::ab::plan::Change;
use crate::ui::design::Section;
use crate::web::files::download;

fn row(c: Comparison) -> impl IntoView {
    let name = c.name.clone();
    let tid = |what: &str| format!("ab-{what}-{name}");
    let baseline = c.change == Change::Baseline;
    let verdict = c.verdict.word();
    let bpb = c.bits_per_byte.map(|b| format!("{b:.4}"));
    let delta = c.delta;
    let tokens = c.cost.as_ref().map(|c| c.tokens);
    let growth = c.cost_growth;
    view! {
        <tr class=format!("rung verdict-{verdict}")>
            <th scope="row">{c.name.clone()}</th>
            <td>{if c.against.is_empty() { "—".to_string() } else { c.against.clone() }}</td>
            <td>{c.change.describe()}</td>
            <td class="num" data-testid=tid("bpb")>{bpb.unwrap_or_else(|| "—".into())}</td>
            {match delta {
                Some(d) => view! {
                    <td class="num" data-testid=tid("delta")>{bits_text(d.delta, true)}</td>
                    <td class="num" data-testid=tid("ci")>{format!("{} to {}", bits_text(d.low, false), bits_text(d.high, false))}</td>
                    <td class="num">{format!("{:.3}", d.p_value)}</td>
                }.into_any(),
                None => view! { <td>"—"</td><td>"—"</td><td>"—"</td> }.into_any(),
            }}
            <td class="num" data-testid=tokens.map(|_| tid("tokens"))>{tokens.map_or("—".into(), |t| t.to_string())}</td>
            <td class="num">{growth.map_or("—".into(), |g| format!("{g:+.1}%"))}</td>
            <td>
                {if baseline {
                    view! { <span class="badge">"baseline"</span> }.into_any()
                } else {
                    view! { <span class=format!("badge {verdict}") data-testid=tid("verdict")>{verdict}</span> }.into_any()
                }}
            </td>
        </tr>
        <tr class="why-row">
            <td colspan="10">
                <span class="why-label">"Why: "</span>{c.why.clone()}
                {(!c.flags.is_empty()).then(|| view! {
                    <ul class="flags">{c.flags.iter().map(|f| view! { <li>"⚠ " {f.clone()}</li> }).collect_view()}</ul>
                })}
            </td>
        </tr>
    }
}

#[component]
pub fn TablePanel() -> impl IntoView {
    let ab = expect_context::<AbCtx>();
    let export = move |markdown: bool| {
        let Some(run) = ab.run.get_untracked() else {
            return;
        };
        let (name, mime, body) = if markdown {
            (
                "decision-table.md",
                "text/markdown",
                table_markdown(&run.spec, &run.table),
            )
        } else {
            let v = serde_json::json!({
                "spec": serde_json::from_str::<serde_json::Value>(&run.spec.to_json()).unwrap_or_default(),
                "log_entry": run.entry,
                "rungs": run.table,
            });
            (
                "decision-table.json",
                "application/json",
                serde_json::to_string_pretty(&v).unwrap_or_default(),
            )
        };
        if let Err(e) = download(name, mime, body.as_bytes()) {
            ab.ws.error(e);
        }
    };
    view! {
        <Section title="Decision table" heading_id="ab-table">
            {move || match ab.run.get() {
                None => view! {
                    <p class="hint">"Run the experiment: each rung gets a row here, with its verdict under the rule you set."</p>
                }.into_any(),
                Some(run) => {
                    let adopted = run.table.iter().filter(|c| c.verdict == Verdict::Adopt).count();
                    view! {
                        <p class="hint">
                            {format!(
                                "Δ is the arm's bits per byte minus its rung's on the {} evaluation rows (negative = better), with a paired bootstrap of {} resamples (seed {}). {adopted} of {} arms adopted.",
                                run.results.iter().flatten().next().map_or(0, |r| r.eval_bits.len()),
                                run.spec.resamples, run.spec.seed, run.table.len().saturating_sub(1)
                            )}
                        </p>
                        <div class="table-wrap">
                            <table class="ab-table">
                                <caption>"One change per rung, each against the rung it names"</caption>
                                <thead><tr>
                                    <th scope="col">"Rung"</th><th scope="col">"Against"</th><th scope="col">"What changed"</th>
                                    <th scope="col">"Bits/byte"</th><th scope="col">"Δ bits/byte"</th><th scope="col">"95% interval"</th>
                                    <th scope="col">"p"</th><th scope="col">"Training tokens"</th><th scope="col">"Δ tokens"</th>
                                    <th scope="col">"Verdict"</th>
                                </tr></thead>
                                <tbody>{run.table.iter().cloned().map(row).collect_view()}</tbody>
                            </table>
                        </div>
                        {
                            let power: Vec<String> = run.table.iter().filter_map(|c| c.delta.map(|d| format!("{} {}", c.name, bits_text(d.detectable, false)))).collect();
                            (!power.is_empty()).then(|| view! {
                                <p class="hint" data-testid="ab-power">{format!(
                                    "With this evaluation set, differences smaller than these (bits/byte) are not detectable with 80% power at the 5% level: {}. A larger evaluation set narrows them.",
                                    power.join(", ")
                                )}</p>
                            })
                        }
                        <div class="controls-row">
                            <button class="secondary" on:click=move |_| export(true)>"Download table (Markdown)"</button>
                            <button class="secondary" on:click=move |_| export(false)>"Download table (JSON)"</button>
                        </div>
                    }.into_any()
                }
            }}
        </Section>
    }
}
