//! Progress of long work: a bar with an accessible label, and the busy bar of a page's job runner
//! (label, bar, stage line and Cancel).

use leptos::prelude::*;

use crate::ui::jobs::Jobs;

/// Shows `value` (0..=1) while it is `Some`. The element is drawn once per run and only its value
/// changes, so screen readers and clicks nearby are not disturbed by frequent updates.
#[component]
pub fn Progress(
    #[prop(into)] value: Signal<Option<f64>>,
    #[prop(into)] label: String,
) -> impl IntoView {
    let shown = Memo::new(move |_| value.with(Option::is_some));
    let pct = move || (value.get().unwrap_or(0.0).clamp(0.0, 1.0) * 100.0).round();
    view! {
        <Show when=move || shown.get()>
            <progress class="progress" max="100" prop:value=pct aria-label=label.clone()>
                {move || format!("{}%", pct())}
            </progress>
        </Show>
    }
}

/// The running job of `jobs`: its label, progress bar, stage line and a Cancel button that calls
/// `cancel`; with `only`, just while the running job has that label (a page with a bar in each panel).
/// Drawn once per job — only the bar's value and the stage change while it runs — so a Cancel
/// click never lands on an element that was just replaced.
#[component]
pub fn BusyBar<F>(
    jobs: Jobs,
    cancel: F,
    #[prop(optional)] only: Option<&'static str>,
) -> impl IntoView
where
    F: Fn() + Copy + Send + Sync + 'static,
{
    let busy = jobs.busy();
    let label = Memo::new(move |_| {
        busy.with(|b| b.as_ref().map(|b| b.label.clone()))
            .filter(|l| only.is_none_or(|o| o == l))
    });
    move || {
        label.get().map(|label| {
            let value = Signal::derive(move || busy.with(|b| b.as_ref().map(|b| b.progress)));
            let stage = move || busy.with(|b| b.as_ref().and_then(|b| b.stage.clone()));
            view! {
                <div class="busy" role="status">
                    <span>{label.clone()}</span>
                    <Progress value=value label=label />
                    <button type="button" on:click=move |_| cancel()>"Cancel"</button>
                    {move || stage().map(|s| view! { <span class="hint">{s}</span> })}
                </div>
            }
        })
    }
}
