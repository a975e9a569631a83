//! A progress bar for long work, with an accessible label.

use leptos::prelude::*;

/// Shows `value` (0..=1) while it is `Some`.
#[component]
pub fn Progress(
    #[prop(into)] value: Signal<Option<f64>>,
    #[prop(into)] label: String,
) -> impl IntoView {
    move || {
        value.get().map(|v| {
            let pct = (v.clamp(0.0, 1.0) * 100.0).round();
            view! {
                <progress class="progress" max="100" value=pct aria-label=label.clone()>
                    {format!("{pct}%")}
                </progress>
            }
        })
    }
}
