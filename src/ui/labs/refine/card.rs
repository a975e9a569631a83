//! One review card: original and revision with a word diff, the critique beside them, and the decision —
//! accept, reject with a reason, or edit — by mouse or keyboard.

use leptos::html::{Input, Textarea};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::state::RCtx;
use crate::core::dataset::record::Record;
use crate::core::llm::reflection::{Kind, Status};
use crate::core::llm::review::{status_word, Decision};
use crate::ui::widgets::word_diff::WordDiff;

/// Focuses the card before or after `el` (j / k).
fn focus_sibling(el: &web_sys::Element, next: bool) {
    let sib = if next {
        el.next_element_sibling()
    } else {
        el.previous_element_sibling()
    };
    if let Some(h) = sib.and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = h.focus();
    }
}

/// Runs `f` once the view has been drawn (to focus an element that is about to appear).
fn after_render(f: impl FnOnce() + 'static) {
    spawn_local(async move {
        crate::web::tick::yield_now().await;
        f();
    });
}

/// One refined row.
#[component]
pub fn Card(uid: u64) -> impl IntoView {
    let r = expect_context::<RCtx>();
    let Some(it) = r
        .items
        .with_untracked(|v| v.iter().find(|i| i.uid == uid).map(|i| i.it.clone()))
    else {
        return ().into_any();
    };
    let row = it.index + 1;
    let rf = it.refinement.clone();
    let original = rf.original.clone();
    let revised = rf.revised.clone();
    let decision = Memo::new(move |_| {
        r.items.with(|v| {
            v.iter()
                .find(|i| i.uid == uid)
                .map(|i| i.it.decision.clone())
                .unwrap_or_default()
        })
    });
    let msg = RwSignal::new(None::<String>);
    let reason = RwSignal::new(match &it.decision {
        Decision::Rejected { reason } => reason.clone(),
        _ => String::new(),
    });
    let editing = RwSignal::new(false);
    let draft_instruction = RwSignal::new(String::new());
    let draft_output = RwSignal::new(String::new());
    let reason_input = NodeRef::<Input>::new();
    let edit_instruction = NodeRef::<Textarea>::new();
    let card = NodeRef::<leptos::html::Li>::new();
    let reviewable = it.reviewable();

    let decide = move |d: Decision| -> bool {
        match r.update_item(uid, |x| x.decide(d)) {
            Some(Ok(())) => {
                msg.set(None);
                true
            }
            Some(Err(e)) => {
                msg.set(Some(e));
                false
            }
            None => false,
        }
    };
    let accept = move || {
        if decide(Decision::Accepted) {
            editing.set(false);
        }
    };
    let reject = move || {
        if decide(Decision::Rejected {
            reason: reason.get_untracked(),
        }) {
            editing.set(false);
        } else if let Some(i) = reason_input.get_untracked() {
            let _ = i.focus();
        }
    };
    let revised_for_edit = StoredValue::new(revised.clone());
    let edit = move || {
        if !reviewable {
            msg.set(Some(format!(
                "Row {row} has no revision to edit; its original is kept."
            )));
            return;
        }
        let (i, o) = match decision.get_untracked() {
            Decision::Edited {
                instruction,
                output,
            } => (instruction, output),
            _ => revised_for_edit.with_value(|r| {
                r.as_ref()
                    .map(|x| (x.instruction.clone(), x.output.clone()))
                    .unwrap_or_default()
            }),
        };
        draft_instruction.set(i);
        draft_output.set(o);
        editing.set(true);
        after_render(move || {
            if let Some(t) = edit_instruction.get_untracked() {
                let _ = t.focus();
            }
        });
    };
    let save_edit = move || {
        if decide(Decision::Edited {
            instruction: draft_instruction.get_untracked(),
            output: draft_output.get_untracked(),
        }) {
            editing.set(false);
            if let Some(c) = card.get_untracked() {
                let _ = c.focus();
            }
        }
    };
    let undo = move || {
        decide(Decision::Pending);
    };

    let on_key = move |ev: leptos::ev::KeyboardEvent| card_key(&ev, card, &accept, &reject, &edit);

    let status = status_word(&rf.status);
    let kind_label = rf.kind.label();
    let critique = rf.critique.clone();
    let shows_instruction = rf.kind == Kind::InstructionReflection;
    let body = match rf.status.clone() {
        Status::Revised => {
            let revised = revised.clone().unwrap_or_else(|| original.clone());
            let (o, rv) = (original.clone(), revised.clone());
            let diffs = move || {
                let after = match decision.get() {
                    Decision::Edited {
                        instruction,
                        output,
                    } => (instruction, output),
                    _ => (rv.instruction.clone(), rv.output.clone()),
                };
                let instruction_diff = (shows_instruction || after.0 != o.instruction).then(|| {
                    view! {
                        <h4 class="field-title">"Instruction"</h4>
                        <WordDiff before=o.instruction.clone() after=after.0.clone() />
                    }
                });
                let input = (!o.input.trim().is_empty()).then(|| {
                    view! { <div class="diff-field"><span class="field-name">"input (unchanged): "</span>{o.input.clone()}</div> }
                });
                view! {
                    {instruction_diff}
                    {input}
                    <h4 class="field-title">"Output"</h4>
                    <WordDiff before=o.output.clone() after=after.1.clone() />
                }
            };
            let reason_id = format!("reject-reason-{uid}");
            let reason_label = format!("Reason for rejecting row {row}");
            view! {
                <div class="review-body">
                    <div class="review-diffs">{diffs}</div>
                    <aside class="critique" aria-label=format!("Critique of row {row}")>
                        <h4 class="field-title">"Critique"</h4>
                        <p class="critique-text" data-testid="critique">{critique.clone()}</p>
                    </aside>
                </div>
                <Show when=move || editing.get()>
                    <Editor uid=uid row=row instruction=draft_instruction output=draft_output
                        first=edit_instruction on_save=Callback::new(move |()| save_edit())
                        on_cancel=Callback::new(move |()| editing.set(false)) />
                </Show>
                <div class="controls review-controls">
                    <button type="button" class="primary" on:click=move |_| accept() aria-keyshortcuts="A">"Accept"</button>
                    <span class="reject-group">
                        <label class="field-label inline" for=reason_id.clone()>{reason_label}</label>
                        <input id=reason_id type="text" node_ref=reason_input placeholder="why the revision is not used"
                            prop:value=move || reason.get()
                            on:input=move |ev| reason.set(event_target_value(&ev)) />
                        <button type="button" on:click=move |_| reject() aria-keyshortcuts="R">"Reject"</button>
                    </span>
                    <button type="button" on:click=move |_| edit() aria-keyshortcuts="E">"Edit"</button>
                    <Show when=move || decision.get() != Decision::Pending>
                        <button type="button" on:click=move |_| undo()>"Undo decision"</button>
                    </Show>
                </div>
            }
            .into_any()
        }
        Status::Unchanged => unchanged_body(&original, critique),
        Status::ParseFailed(reason) => parse_failed_body(&reason, &original, rf.raw.clone()),
    };
    let decision_text = move || match decision.get() {
        Decision::Pending if reviewable => "pending".to_string(),
        Decision::Pending => "original kept".to_string(),
        Decision::Accepted => "accepted".into(),
        Decision::Edited { .. } => "edited and accepted".into(),
        Decision::Rejected { reason } => format!("rejected: {reason}"),
    };
    view! {
        <li class="review-card" tabindex="0" node_ref=card on:keydown=on_key data-row=row
            data-status=status.replace(' ', "-")
            class:accepted=move || matches!(decision.get(), Decision::Accepted | Decision::Edited { .. })
            class:rejected=move || matches!(decision.get(), Decision::Rejected { .. })
            aria-label=format!("Row {row}, {status}")>
            <div class="review-head">
                <span class="row-no">{format!("Row {row}")}</span>
                <span class="badge">{kind_label}</span>
                <span class=format!("badge status {}", status.replace(' ', "-"))>{status}</span>
                <span class="badge decision" data-testid="decision"
                    class:ok=move || matches!(decision.get(), Decision::Accepted | Decision::Edited { .. })
                    class:bad=move || matches!(decision.get(), Decision::Rejected { .. })>{decision_text}</span>
            </div>
            {body}
            {move || msg.get().map(|m| view! { <div class="error" role="alert" data-testid="card-message">{m}</div> })}
        </li>
    }
    .into_any()
}

/// A card's keyboard: A accepts, R rejects, E edits, J/K move to the next/previous card. In the reason
/// field Enter rejects; in any field Escape goes back to the card.
fn card_key(
    ev: &leptos::ev::KeyboardEvent,
    card: NodeRef<leptos::html::Li>,
    accept: &dyn Fn(),
    reject: &dyn Fn(),
    edit: &dyn Fn(),
) {
    if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
        return;
    }
    let target = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    let in_field = target.as_ref().is_some_and(|t| {
        matches!(
            t.tag_name().as_str(),
            "INPUT" | "TEXTAREA" | "SELECT" | "BUTTON" | "SUMMARY"
        )
    });
    let key = ev.key();
    if in_field {
        let tag = target.map(|t| t.tag_name()).unwrap_or_default();
        if key == "Escape" && tag != "BUTTON" {
            ev.prevent_default();
            if let Some(c) = card.get_untracked() {
                let _ = c.focus();
            }
        } else if key == "Enter" && tag == "INPUT" {
            ev.prevent_default();
            reject();
        }
        if tag != "BUTTON" && tag != "SUMMARY" {
            return;
        }
        // On a button, letter keys still work; Enter and Space press the button.
    }
    match key.as_str() {
        "a" | "A" => accept(),
        "r" | "R" => reject(),
        "e" | "E" => edit(),
        "j" | "J" => {
            if let Some(c) = card.get_untracked() {
                focus_sibling(&c, true)
            }
        }
        "k" | "K" => {
            if let Some(c) = card.get_untracked() {
                focus_sibling(&c, false)
            }
        }
        _ => return,
    }
    ev.prevent_default();
}

/// The editor of a card's revision: instruction and output, saved as an edited acceptance.
#[component]
fn Editor(
    uid: u64,
    row: usize,
    instruction: RwSignal<String>,
    output: RwSignal<String>,
    /// Focused when the editor opens.
    first: NodeRef<Textarea>,
    on_save: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="editor">
            <label class="field-label" for=format!("edit-i-{uid}")>{format!("Revised instruction (row {row})")}</label>
            <textarea id=format!("edit-i-{uid}") rows="3" node_ref=first
                prop:value=move || instruction.get()
                on:input=move |ev| instruction.set(event_target_value(&ev))></textarea>
            <label class="field-label" for=format!("edit-o-{uid}")>{format!("Revised output (row {row})")}</label>
            <textarea id=format!("edit-o-{uid}") rows="6"
                prop:value=move || output.get()
                on:input=move |ev| output.set(event_target_value(&ev))></textarea>
            <div class="buttons left">
                <button type="button" class="primary" on:click=move |_| on_save.run(())>"Save edit"</button>
                <button type="button" on:click=move |_| on_cancel.run(())>"Cancel edit"</button>
            </div>
        </div>
    }
}

/// A card whose revision equals the original: nothing to decide.
fn unchanged_body(original: &Record, critique: String) -> AnyView {
    view! {
        <p class="hint">"The model's version is the same as the original: nothing to review, the row stays as it is."</p>
        <div class="diff-field"><span class="field-name">"instruction: "</span>{original.instruction.clone()}</div>
        <div class="diff-field"><span class="field-name">"output: "</span>{original.output.clone()}</div>
        <aside class="critique"><h4 class="field-title">"Critique"</h4><p class="critique-text">{critique}</p></aside>
    }
    .into_any()
}

/// A card whose reply could not be read: the original is kept, and the raw reply shown (as text).
fn parse_failed_body(reason: &str, original: &Record, raw: String) -> AnyView {
    view! {
        <p class="parse-failed" data-testid="parse-failed">
            {format!("Parse failed: {reason}. The original row is kept as it was.")}
        </p>
        <div class="diff-field"><span class="field-name">"instruction (original, kept): "</span>{original.instruction.clone()}</div>
        <div class="diff-field"><span class="field-name">"output (original, kept): "</span>{original.output.clone()}</div>
        <details class="raw-reply">
            <summary>"Raw reply"</summary>
            <pre class="raw" data-testid="raw-reply">{raw}</pre>
        </details>
    }
    .into_any()
}
