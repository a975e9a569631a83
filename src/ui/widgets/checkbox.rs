//! A labelled checkbox bound to a boolean signal (the label is its accessible name).

use leptos::prelude::*;

#[component]
pub fn Checkbox(value: RwSignal<bool>, #[prop(into)] label: String) -> impl IntoView {
    view! {
        <label class="check">
            <input
                type="checkbox"
                prop:checked=move || value.get()
                on:change=move |ev| value.set(event_target_checked(&ev))
            />
            {label}
        </label>
    }
}
