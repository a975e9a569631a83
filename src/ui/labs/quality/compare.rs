//! Quality drift: the same gates over a second version, beside the current one in the scorecard.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::gates::run_gates_on;
use super::state::QCtx;
use crate::ui::design::Section;
use crate::ui::services::workspace::rows_of;

#[component]
pub fn ComparePanel() -> impl IntoView {
    let q = expect_context::<QCtx>();
    let other = RwSignal::new(String::new());
    let compare = move |_| {
        let id = other.get_untracked();
        if id.is_empty() {
            q.ws.error("Choose a version to compare with.");
            return;
        }
        if q.gates.with_untracked(Option::is_none) {
            q.ws.error("Run the gates on the current version first; the comparison uses the same settings.");
            return;
        }
        spawn_local(async move {
            match rows_of(q.ws, &id).await {
                Ok(rows) => run_gates_on(q, id, rows, q.compare).await,
                Err(e) => q.ws.error(e),
            }
        });
    };
    let options = move || {
        let current = q.ws.ws.with(|w| w.current.clone());
        q.ws.ws.with(|w| {
            w.versions
                .iter()
                .rev()
                .filter(|v| Some(&v.id) != current.as_ref())
                .map(|v| {
                    let id = v.id.clone();
                    view! { <option value=id.clone()>{format!("{} · {} · {} rows", v.id, v.transform, v.rows)}</option> }
                })
                .collect_view()
        })
    };
    view! {
        <Section title="Compare two versions (quality drift)" heading_id="cmp-h">
            <p class="hint">"Runs the same gates over another version and shows its pass rates and scores beside this one's in the scorecard."</p>
            <div class="controls">
                <label class="field-label" for="cmp-version">"Version to compare with"</label>
                <select id="cmp-version" on:change=move |ev| other.set(event_target_value(&ev))>
                    <option value="">"— choose —"</option>
                    {options}
                </select>
                <button type="button" on:click=compare disabled=move || q.ws.jobs.is_busy()>"Compare"</button>
                {move || q.compare.get().map(|(id, _)| view! {
                    <span class="hint">{format!("Compared with {id}. ")}</span>
                    <button type="button" on:click=move |_| q.compare.set(None)>"Stop comparing"</button>
                })}
            </div>
        </Section>
    }
}
