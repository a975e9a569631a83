//! The running job (label, progress bar, Cancel) and the last message, as every page that works on the
//! workspace shows them.

use leptos::prelude::*;

use super::state::{Ctx, Notice};

/// The running job's progress bar; `cancel` is what its Cancel button does (the quality page also ends its
/// workers).
#[component]
pub fn BusyBar<F>(ctx: Ctx, cancel: F) -> impl IntoView
where
    F: Fn() + Copy + Send + Sync + 'static,
{
    move || {
        ctx.busy.get().map(|b| {
            let pct = (b.progress.clamp(0.0, 1.0) * 100.0).round();
            view! {
                <div class="busy" role="status">
                    <span>{b.label.clone()}</span>
                    <progress class="progress" max="100" value=pct aria-label=b.label.clone()>{format!("{pct}%")}</progress>
                    <button type="button" on:click=move |_| cancel()>"Cancel"</button>
                </div>
            }
        })
    }
}

/// The last message: what happened, or an alert saying what went wrong and what to do.
#[component]
pub fn NoticeLine(ctx: Ctx) -> impl IntoView {
    move || {
        ctx.notice.get().map(|n| match n {
            Notice::Info(s) => view! { <p class="note notice" role="status">{s}</p> }.into_any(),
            Notice::Error(e) => view! { <div class="error" role="alert">{e}</div> }.into_any(),
        })
    }
}
