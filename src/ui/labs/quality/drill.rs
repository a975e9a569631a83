//! The rows behind a number: whatever the student clicked in the scorecard lists here, page by page, with
//! each row's reasons. Row text is untrusted and shown as text.

use leptos::prelude::*;

use super::state::QCtx;
use crate::core::dataset::record::clip;

/// Rows shown per page.
const PER_PAGE: usize = 25;

#[component]
pub fn DrillPanel() -> impl IntoView {
    let q = expect_context::<QCtx>();
    let page = RwSignal::new(0usize);
    Effect::new(move |_| {
        q.drill.track();
        page.set(0);
    });
    move || {
        q.drill.get().map(|d| {
            let n = d.rows.len();
            let pages = n.div_ceil(PER_PAGE).max(1);
            let p = page.get().min(pages - 1);
            let rows = q.ws.rows.get_untracked();
            let items = d.rows[p * PER_PAGE..((p + 1) * PER_PAGE).min(n)]
                .iter()
                .map(|(i, reasons)| {
                    let r = rows.get(*i).cloned();
                    view! {
                        <li class="q-item">
                            <div class="mono hint">{format!("row #{i}")}</div>
                            {r.map(|r| view! {
                                <div class="diff-field"><span class="field-name">"instruction: "</span>{clip(&r.instruction, 300)}</div>
                                {(!r.input.is_empty()).then(|| view! { <div class="diff-field"><span class="field-name">"input: "</span>{clip(&r.input, 200)}</div> })}
                                <div class="diff-field"><span class="field-name">"output: "</span>{clip(&r.output, 400)}</div>
                            })}
                            <ul class="q-issues">
                                {reasons.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view()}
                            </ul>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="panel" aria-labelledby="drill-h">
                    <h2 id="drill-h">{d.title.clone()}</h2>
                    <p class="hint" data-testid="drill-count">{format!("{n} rows")}</p>
                    <ol class="findings" data-testid="drill-rows">{items}</ol>
                    <div class="pager">
                        <button type="button" disabled=move || { page.get() == 0 } on:click=move |_| page.update(|x| *x = x.saturating_sub(1))>"Previous rows"</button>
                        <span>{format!("page {} of {pages}", p + 1)}</span>
                        <button type="button" disabled=move || { page.get() + 1 >= pages } on:click=move |_| page.update(|x| *x += 1)>"Next rows"</button>
                        <button type="button" on:click=move |_| q.drill.set(None)>"Close the list"</button>
                    </div>
                </section>
            }
        })
    }
}
