//! The deck's code-demonstration bridge: the exact request a lab just sent, as JSON, as curl and as
//! Python — so a student can replay any call outside the browser and see there is no magic.

use leptos::prelude::*;

use crate::core::llm::bridge::{render, Call};

/// Tabs over the three views of `call` (nothing is shown until there is a call).
#[component]
pub fn CodeBridge(#[prop(into)] call: Signal<Option<Call>>) -> impl IntoView {
    let tab = RwSignal::new(0usize);
    let views = Memo::new(move |_| call.get().map(|c| render(&c)));
    let body = move || {
        views.get().map(|v| {
            let text = match tab.get() {
                0 => v.json,
                1 => v.curl,
                _ => v.python,
            };
            view! { <pre class="code" data-testid="code-bridge"><code>{text}</code></pre> }
        })
    };
    let tab_button = move |i: usize, label: &'static str| {
        view! {
            <button type="button" role="tab" class="tab" aria-selected=move || (tab.get() == i).to_string()
                on:click=move |_| tab.set(i)>{label}</button>
        }
    };
    view! {
        <details class="code-bridge">
            <summary>"Show the last request as code (JSON · curl · Python)"</summary>
            <Show when=move || views.with(Option::is_some) fallback=|| view! { <p class="hint">"No request sent yet."</p> }>
                <div role="tablist" aria-label="Request as">
                    {tab_button(0, "Request JSON")}
                    {tab_button(1, "curl")}
                    {tab_button(2, "Python")}
                </div>
                {body}
            </Show>
        </details>
    }
}
