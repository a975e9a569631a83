//! The sample audit (slide 4: "random sample audit before training"): a seeded random sample of the
//! current version's rows, judged good or bad with a note, by keyboard (G, B, N, ← →). The audit is
//! stored with the version and shown in its scorecard; the same seed draws the same rows.

use leptos::html::{Input, Section};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::dataset::workspace::Verdict;
use crate::ui::design::section_title;
use crate::ui::services::workspace::{save, use_workspace};

#[component]
pub fn AuditPanel() -> impl IntoView {
    let ctx = use_workspace();
    let size = RwSignal::new(20usize);
    let seed = RwSignal::new(2026u64);
    let at = RwSignal::new(0usize);
    let note_input = NodeRef::<Input>::new();
    let panel = NodeRef::<Section>::new();
    // Judging re-draws the card, which removes the focused button; keep the focus in the panel so the
    // next key still reaches it.
    let keep_focus = move || {
        spawn_local(async move {
            crate::web::tick::yield_now().await;
            let Some(section) = panel.get_untracked() else {
                return;
            };
            let active = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element());
            let inside = active.is_some_and(|a| section.contains(Some(&a)));
            if !inside {
                let _ = section.focus();
            }
        });
    };
    let audit = move || {
        ctx.ws
            .with(|w| w.current.as_ref().and_then(|c| w.audits.get(c).cloned()))
    };

    let start = move |_| {
        let Some(id) = ctx.current_id() else {
            ctx.error("Import a dataset first: the audit samples the current version.");
            return;
        };
        let result = ctx
            .ws
            .try_update(|w| {
                w.start_audit(&id, size.get_untracked(), seed.get_untracked())
                    .map(|_| ())
            })
            .expect("the page is alive");
        match result {
            Ok(()) => {
                at.set(0);
                keep_focus();
                spawn_local(save(ctx));
            }
            Err(e) => ctx.error(e),
        }
    };

    let judge = move |verdict: Verdict| {
        let Some(id) = ctx.current_id() else { return };
        let note = note_input
            .get_untracked()
            .map(|i| i.value())
            .unwrap_or_default();
        let k = at.get_untracked();
        let len = ctx.ws.try_update(|w| {
            let a = w.audits.get_mut(&id)?;
            let row = *a.rows.get(k)?;
            a.verdicts.insert(row, (verdict, note));
            Some(a.rows.len())
        });
        if let Some(Some(len)) = len {
            if k + 1 < len {
                at.set(k + 1);
            }
            keep_focus();
            spawn_local(save(ctx));
        }
    };

    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        // Typing a note must not judge rows: only Enter leaves the note field.
        let in_note = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok())
            .is_some_and(|i| i.id() == "audit-note");
        let len = audit().map(|a| a.rows.len()).unwrap_or(0);
        if len == 0 {
            return;
        }
        match (ev.key().as_str(), in_note) {
            ("Enter", true) => {
                ev.prevent_default();
                if let Some(el) = panel.get_untracked() {
                    let _ = el.focus();
                }
            }
            (_, true) => {}
            ("g" | "G", _) => judge(Verdict::Good),
            ("b" | "B", _) => judge(Verdict::Bad),
            ("n" | "N", _) => {
                ev.prevent_default();
                if let Some(el) = note_input.get_untracked() {
                    let _ = el.focus();
                }
            }
            ("ArrowRight" | "j", _) => {
                at.update(|k| *k = (*k + 1).min(len - 1));
                keep_focus();
            }
            ("ArrowLeft" | "k", _) => {
                at.update(|k| *k = k.saturating_sub(1));
                keep_focus();
            }
            _ => {}
        }
    };

    let card = move || {
        let a = audit()?;
        if a.rows.is_empty() {
            return Some(
                view! { <p class="hint">"The version has no rows to sample."</p> }.into_any(),
            );
        }
        let k = at.get().min(a.rows.len() - 1);
        let row_index = a.rows[k];
        let row = ctx.rows.with(|r| r.get(row_index).cloned())?;
        let verdict = a.verdicts.get(&row_index).cloned();
        let (score, n) = a.score();
        let note = verdict.as_ref().map(|v| v.1.clone()).unwrap_or_default();
        let status = match &verdict {
            None => "not judged yet".to_string(),
            Some((Verdict::Good, _)) => "judged good".into(),
            Some((Verdict::Bad, _)) => "judged bad".into(),
        };
        Some(view! {
            <p data-testid="audit-score">{format!("Reviewed {n} of {} · {:.0}% good", a.rows.len(), score * 100.0)}</p>
            <div class="audit-card" class:good=matches!(verdict, Some((Verdict::Good, _))) class:bad=matches!(verdict, Some((Verdict::Bad, _)))>
                <p class="hint">{format!("Sample {} of {} · row {} · {status}", k + 1, a.rows.len(), row_index + 1)}</p>
                <div class="diff-field"><span class="field-name">"instruction: "</span>{row.instruction.clone()}</div>
                {(!row.input.is_empty()).then(|| view! { <div class="diff-field"><span class="field-name">"input: "</span>{row.input.clone()}</div> })}
                <div class="diff-field"><span class="field-name">"output: "</span>{row.output.clone()}</div>
            </div>
            <div class="controls">
                <button type="button" on:click=move |_| judge(Verdict::Good) aria-keyshortcuts="G">"Good (G)"</button>
                <button type="button" on:click=move |_| judge(Verdict::Bad) aria-keyshortcuts="B">"Bad (B)"</button>
                <label class="field-label inline" for="audit-note">"Note (N)"</label>
                <input id="audit-note" type="text" node_ref=note_input prop:value=note aria-keyshortcuts="N" />
                <button type="button" on:click=move |_| at.update(|k| *k = k.saturating_sub(1)) aria-keyshortcuts="ArrowLeft">"← Previous"</button>
                <button type="button" on:click=move |_| at.update(|k| *k += 1) disabled={ k + 1 >= a.rows.len() } aria-keyshortcuts="ArrowRight">"Next →"</button>
            </div>
        }.into_any())
    };

    view! {
        <section class="panel audit" aria-labelledby="audit-h" on:keydown=on_key tabindex="-1" node_ref=panel>
            <h2 id="audit-h">{section_title("Sample audit")}</h2>
            <p class="hint">
                "Read a seeded random sample by hand before training. Keys: G good, B bad, N note (Enter to leave it), ← → move. "
                "The audit is stored with the version and shown in its scorecard."
            </p>
            <div class="controls">
                <label class="field-label inline" for="audit-size">"Sample size"</label>
                <input id="audit-size" type="number" min="1" max="1000" prop:value=move || size.get().to_string()
                    on:input=move |ev| size.set(event_target_value(&ev).parse().unwrap_or(20).clamp(1, 1000)) />
                <label class="field-label inline" for="audit-seed">"Seed"</label>
                <input id="audit-seed" type="number" min="0" prop:value=move || seed.get().to_string()
                    on:input=move |ev| seed.set(event_target_value(&ev).parse().unwrap_or(0)) />
                <button type="button" on:click=start>{move || if audit().is_some() { "Restart audit" } else { "Start audit" }}</button>
            </div>
            {card}
        </section>
    }
}
