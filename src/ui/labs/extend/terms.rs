//! Terms, mode, safety checks and the per-term before/after table.

use leptos::prelude::*;

use super::state::{Ctx, TermRow};
use crate::core::tokenize::extend::checks::Severity;
use crate::core::tokenize::extend::Mode;
use crate::ui::design::Section;
use crate::ui::widgets::token_chips::TokenChips;

#[component]
pub fn TermsPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let findings = move || {
        ctx.preview.with(|p| {
            p.as_ref().map(|p| {
                p.findings
                    .iter()
                    .map(|f| {
                        let sev = match f.severity {
                            Severity::Error => "error",
                            Severity::Warning => "warning",
                        };
                        view! {
                            <li class=format!("finding {sev}") data-severity=sev data-code=f.code>
                                <span class="badge">{sev}</span>
                                " "
                                {f.message.clone()}
                            </li>
                        }
                    })
                    .collect_view()
            })
        })
    };
    let summary = move || {
        ctx.preview.with(|p| match p {
            None => "Checking …".to_string(),
            Some(p) if p.findings.is_empty() => "All checks pass.".to_string(),
            Some(p) => {
                let e = p
                    .findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .count();
                let w = p.findings.len() - e;
                format!("{e} error(s) block a new version; {w} warning(s).")
            }
        })
    };
    let add_space_variants = move |_| {
        ctx.terms_raw.update(|raw| {
            let terms = crate::core::tokenize::extend::parse_terms(raw);
            let mut out = terms.clone();
            for t in &terms {
                if !t.starts_with(' ') && !t.trim().is_empty() {
                    let v = format!(" {t}");
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
            }
            *raw = out.join("\n");
        });
    };
    view! {
        <Section title="Terms and mode" heading_id="terms-h">
            <div class="two-col">
                <div>
                    <label class="field-label" for="ext-terms">
                        "Domain terms"
                    </label>
                    <textarea
                        id="ext-terms"
                        rows="6"
                        spellcheck="false"
                        prop:value=move || ctx.terms_raw.get()
                        on:input=move |ev| ctx.terms_raw.set(event_target_value(&ev))
                    ></textarea>
                    <p class="hint">
                        "One per line. A leading space is part of the term: in running text GPT-2 sees \" Kubernetes\", not \"Kubernetes\"."
                    </p>
                    <button type="button" on:click=add_space_variants>
                        "Add leading-space variants"
                    </button>
                </div>
                <div>
                    <label class="field-label" for="ext-mode">
                        "Extension mode"
                    </label>
                    <select
                        id="ext-mode"
                        on:change=move |ev| {
                            ctx.mode
                                .set(
                                    if event_target_value(&ev) == "merges" {
                                        Mode::ReachableMerges
                                    } else {
                                        Mode::AddedTokens
                                    },
                                )
                        }
                    >
                        <option value="added" selected=move || ctx.mode.get() == Mode::AddedTokens>
                            "Added tokens"
                        </option>
                        <option value="merges" selected=move || ctx.mode.get() == Mode::ReachableMerges>
                            "Reachable merges"
                        </option>
                    </select>
                    <p class="hint">
                        {move || match ctx.mode.get() {
                            Mode::AddedTokens => {
                                "Added tokens (the notebook's way): new ids from 50257 up, matched in the text before BPE, like special tokens. Any string works, but the space before a word stays a token of its own."
                            }
                            Mode::ReachableMerges => {
                                "Reachable merges: each term becomes an ordinary BPE token, with the intermediate merges BPE needs to reach it. Works inside longer words too; terms the pre-tokenizer splits are refused."
                            }
                        }}
                    </p>
                </div>
            </div>
            <h3>"Safety checks"</h3>
            <p class="note" role="status">{summary}</p>
            <ul class="findings" aria-label="Safety checks">{findings}</ul>
            <TermTable />
        </Section>
    }
}

#[component]
fn TermTable() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let rows = move || {
        ctx.preview.with(|p| {
            p.as_ref().map(|p| {
                p.rows
                    .iter()
                    .cloned()
                    .map(|r| view! { <TermRowView row=r /> })
                    .collect_view()
            })
        })
    };
    let merges = move || ctx.mode.get() == Mode::ReachableMerges;
    view! {
        <table class="data" aria-label="Terms before and after">
            <thead>
                <tr>
                    <th scope="col">"Term"</th>
                    <th scope="col">"GPT-2 today"</th>
                    <th scope="col">"Extended"</th>
                    <th scope="col">{move || if merges() { "How BPE gets there" } else { "Note" }}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
fn TermRowView(row: TermRow) -> impl IntoView {
    let quoted = format!("{:?}", row.term);
    let before_n = row.before.len();
    let after_n = row.after.len();
    let steps = |steps: &[Vec<String>]| {
        steps
            .iter()
            .map(|st| {
                view! {
                    <li>
                        {st.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>().join(" | ")}
                    </li>
                }
            })
            .collect_view()
    };
    let detail = if row.steps_before.is_empty() {
        view! {
            <span class="note">
                {if after_n == 1 && before_n > 1 {
                    "Matched as a whole before BPE."
                } else {
                    ""
                }}
            </span>
        }
        .into_any()
    } else {
        let demo = match (row.final_only, row.with_chain) {
            (Some((a, b)), Some((c, d))) => format!(
                "Only the final bytes at a new rank: the bare term is {a} token (tiktoken looks whole pieces up first), \
                 but {:?} is still {b} tokens — no merge reaches it. With the merge chain: {c} and {d}.",
                format!("{}s", row.term)
            ),
            _ => String::new(),
        };
        view! {
            <details>
                <summary>{format!("{} merge steps today, {} with the chain", row.steps_before.len().saturating_sub(1), row.steps_after.len().saturating_sub(1))}</summary>
                <p class="steps-h">"Today"</p>
                <ol class="steps">{steps(&row.steps_before)}</ol>
                <p class="steps-h">"Extended"</p>
                <ol class="steps">{steps(&row.steps_after)}</ol>
            </details>
            <p class="note">{demo}</p>
        }
        .into_any()
    };
    let ids_after: Vec<String> = row.after.iter().map(|c| c.id.to_string()).collect();
    view! {
        <tr>
            <th scope="row" class="mono">{quoted}</th>
            <td>
                <TokenChips chips=row.before total=before_n show_ids=true show_ws=true label="GPT-2 tokens" />
            </td>
            <td>
                <TokenChips chips=row.after total=after_n show_ids=true show_ws=true label="Extended tokens" />
                <span class="sr-only">{format!("ids {}", ids_after.join(", "))}</span>
                {(!row.new_ids.is_empty())
                    .then(|| {
                        view! {
                            <p class="note">
                                "New: "
                                {row
                                    .new_ids
                                    .iter()
                                    .map(|(t, id)| format!("{t:?} → {id}"))
                                    .collect::<Vec<_>>()
                                    .join(", ")}
                            </p>
                        }
                    })}
            </td>
            <td>{detail}</td>
        </tr>
    }
}
