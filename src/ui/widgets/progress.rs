//! A progress bar for long work, with an accessible label.

use leptos::prelude::*;

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
