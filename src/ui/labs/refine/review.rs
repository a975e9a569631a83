//! Review: every refined row as a card — original and revision side by side with a word diff, the
//! critique beside them — accepted, rejected (with a reason) or edited, by mouse or keyboard; then a new
//! version from the accepted rows, the original version untouched.

use leptos::html::{Input, Textarea};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::state::{notice_view, RCtx};
use crate::core::llm::reflection::{Kind, Status};
use crate::core::llm::review::{apply, params, status_word, Counts, Decision, Reviewed};
use crate::ui::design::Section;
use crate::ui::services::workspace::{derive, Notice};
use crate::ui::widgets::checkbox::Checkbox;
use crate::ui::widgets::word_diff::WordDiff;

#[component]
pub fn ReviewPanel(r: RCtx) -> impl IntoView {
    let visible = move || {
        let (changed, failed) = (r.only_changed.get(), r.only_failed.get());
        r.items.with(|v| {
            v.iter()
                .filter(|i| {
                    let s = &i.it.refinement.status;
                    (!changed && !failed)
                        || (changed && *s == Status::Revised)
                        || (failed && matches!(s, Status::ParseFailed(_)))
                })
                .map(|i| i.uid)
                .collect::<Vec<_>>()
        })
    };
    let counts = move || {
        r.items.with(|v| {
            let its: Vec<Reviewed> = v.iter().map(|i| i.it.clone()).collect();
            Counts::of(&its)
        })
    };
    let make = move |_| make_version(r);
    view! {
        <Section title="Review" heading_id="review-h" class="review">
            <p class="hint">
                "Read each revision next to its original and the model's critique. Accept it, reject it with a reason, or edit it "
                "(your text is then used). Keys on a focused card: " <kbd>"a"</kbd> " accept · " <kbd>"r"</kbd> " reject (type the reason first) · "
                <kbd>"e"</kbd> " edit · " <kbd>"j"</kbd> " / " <kbd>"k"</kbd> " next / previous card · " <kbd>"Esc"</kbd> " back from a field to its card; Enter in the reason field rejects."
            </p>
            <div class="controls">
                <Checkbox value=r.only_changed label="only changed" />
                <Checkbox value=r.only_failed label="only failed" />
            </div>
            <p class="result-line" data-testid="review-counts" role="status">
                {move || {
                    let c = counts();
                    format!("{} accepted · {} rejected · {} pending", c.accepted, c.rejected, c.pending)
                }}
            </p>
            <p class="hint">
                {move || {
                    let c = counts();
                    format!(
                        "{} revised ({} of the accepted edited by hand) · {} unchanged · {} parse failed (originals kept)",
                        c.revised(), c.edited, c.unchanged, c.failed
                    )
                }}
            </p>
            <Show when=move || r.items.with(Vec::is_empty)>
                <p class="hint">"Nothing to review yet: reflect on some rows above."</p>
            </Show>
            <ol class="review-cards" aria-label="Refined rows">
                <For each=visible key=|uid| *uid children=move |uid| view! { <Card r=r uid=uid /> } />
            </ol>
            <div class="buttons left">
                <button type="button" class="primary" on:click=make
                    disabled=move || r.ws.jobs.is_busy() || r.running.with(Option::is_some)>
                    "Make a version from the accepted rows"
                </button>
            </div>
            <p class="hint">
                "The new version is the reviewed version with each accepted (or edited) revision in place of its original; every other row is "
                "unchanged. Its parameters record each row's decision, reason, kind, model and critique, and the prompts and options used. "
                "The version the rows came from is never changed."
            </p>
            {notice_view(r.review_note, "review-note")}
        </Section>
    }
}

/// Builds the new version from the accepted revisions.
fn make_version(r: RCtx) {
    let err = |s: String| r.review_note.set(Some(Notice::Error(s)));
    let Some(src) = r.source.get_untracked() else {
        return err("Reflect on some rows and accept revisions first.".into());
    };
    let current = r.ws.current_id().unwrap_or_else(|| "none".into());
    if current != src {
        return err(format!(
            "The refinements were made on version {src}, but the current version is {current}: a version can only \
             be made from the one they were made on. Make {src} current again (workspace lab, Roll back), or reflect on {current}."
        ));
    }
    let items: Vec<Reviewed> = r
        .items
        .with_untracked(|v| v.iter().map(|i| i.it.clone()).collect());
    let rows = r.ws.rows.get_untracked();
    let (new_rows, replaced) = match apply(&rows, &items) {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    let p = params(&src, &r.runs.get_untracked(), &items);
    r.review_note.set(None);
    spawn_local(async move {
        match derive(r.ws, "refine", p, new_rows, Vec::new()).await {
            Some(v) => r.review_note.set(Some(Notice::Info(format!(
                "Made version {} from {src}: {replaced} accepted {} replaced {}; every other row is as it was, and {src} is unchanged.",
                v.id,
                if replaced == 1 { "revision" } else { "revisions" },
                if replaced == 1 { "its original" } else { "their originals" },
            )))),
            None => r
                .review_note
                .set(Some(Notice::Info("Cancelled; no version was made.".into()))),
        }
    });
}

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
fn Card(r: RCtx, uid: u64) -> impl IntoView {
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

    let on_key = move |ev: leptos::ev::KeyboardEvent| {
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
    };

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
                    <div class="editor">
                        <label class="field-label" for=format!("edit-i-{uid}")>{format!("Revised instruction (row {row})")}</label>
                        <textarea id=format!("edit-i-{uid}") rows="3" node_ref=edit_instruction
                            prop:value=move || draft_instruction.get()
                            on:input=move |ev| draft_instruction.set(event_target_value(&ev))></textarea>
                        <label class="field-label" for=format!("edit-o-{uid}")>{format!("Revised output (row {row})")}</label>
                        <textarea id=format!("edit-o-{uid}") rows="6"
                            prop:value=move || draft_output.get()
                            on:input=move |ev| draft_output.set(event_target_value(&ev))></textarea>
                        <div class="buttons left">
                            <button type="button" class="primary" on:click=move |_| save_edit()>"Save edit"</button>
                            <button type="button" on:click=move |_| editing.set(false)>"Cancel edit"</button>
                        </div>
                    </div>
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
        Status::Unchanged => view! {
            <p class="hint">"The model's version is the same as the original: nothing to review, the row stays as it is."</p>
            <div class="diff-field"><span class="field-name">"instruction: "</span>{original.instruction.clone()}</div>
            <div class="diff-field"><span class="field-name">"output: "</span>{original.output.clone()}</div>
            <aside class="critique"><h4 class="field-title">"Critique"</h4><p class="critique-text">{critique.clone()}</p></aside>
        }
        .into_any(),
        Status::ParseFailed(reason) => view! {
            <p class="parse-failed" data-testid="parse-failed">
                {format!("Parse failed: {reason}. The original row is kept as it was.")}
            </p>
            <div class="diff-field"><span class="field-name">"instruction (original, kept): "</span>{original.instruction.clone()}</div>
            <div class="diff-field"><span class="field-name">"output (original, kept): "</span>{original.output.clone()}</div>
            <details class="raw-reply">
                <summary>"Raw reply"</summary>
                <pre class="raw" data-testid="raw-reply">{rf.raw.clone()}</pre>
            </details>
        }
        .into_any(),
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
