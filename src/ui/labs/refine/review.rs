//! Review: every refined row as a card — original and revision side by side with a word diff, the
//! critique beside them — accepted, rejected (with a reason) or edited, by mouse or keyboard; then a new
//! version from the accepted rows, the original version untouched.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::card::Card;
use super::state::{notice_view, RCtx};
use crate::core::llm::reflection::Status;
use crate::core::llm::review::{apply, params, Counts, Reviewed};
use crate::ui::design::Section;
use crate::ui::services::workspace::{derive, Notice};
use crate::ui::widgets::checkbox::Checkbox;

#[component]
pub fn ReviewPanel() -> impl IntoView {
    let r = expect_context::<RCtx>();
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
                <For each=visible key=|uid| *uid children=move |uid| view! { <Card uid=uid /> } />
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
