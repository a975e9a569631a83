//! The outcome of an action: a status line when it worked, an alert saying what to do when it did not.

use leptos::prelude::*;

/// Shows `msg` while it is `Some`: `Ok` as a polite status, `Err` as an alert.
#[component]
pub fn Outcome(msg: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    move || {
        msg.get().map(|m| match m {
            Ok(s) => view! { <p class="note" role="status">{s}</p> }.into_any(),
            Err(e) => view! { <div class="error" role="alert">{e}</div> }.into_any(),
        })
    }
}
