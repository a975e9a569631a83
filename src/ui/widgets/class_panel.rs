//! The instructor's corner of the connection panel: the commands that open one Ollama (and the lab) to
//! the room, and the class link — as text to paste and as a QR code for the projector — that sets every
//! student's endpoint and model in one click. The words and the code are `core::llm::classroom`.

use leptos::prelude::*;

use crate::core::llm::classroom::{class_endpoint, class_link, instructor_steps, qr_path};
use crate::ui::services::llm::Llm;
use crate::ui::widgets::llm_connection::steps_view;
use crate::web::clipboard::copy_text;

fn location() -> (String, String, String) {
    let loc = web_sys::window().map(|w| w.location());
    let get = |f: fn(&web_sys::Location) -> Result<String, wasm_bindgen::JsValue>| {
        loc.as_ref().and_then(|l| f(l).ok()).unwrap_or_default()
    };
    (
        get(web_sys::Location::origin),
        get(web_sys::Location::href),
        get(web_sys::Location::hostname),
    )
}

/// "For instructors: one Ollama for the whole class".
#[component]
pub fn ClassPanel() -> impl IntoView {
    let llm = Llm::get();
    let (origin, href, host) = location();
    let lab = crate::web::url::current_query()
        .get("lab")
        .unwrap_or("generate")
        .to_string();
    let steps = steps_view(instructor_steps(&origin, origin.starts_with("https://")));
    let endpoint = {
        let host = host.clone();
        Memo::new(move |_| class_endpoint(&llm.endpoint.get(), &host))
    };
    let link = Memo::new(move |_| {
        class_link(
            &href,
            &lab,
            &endpoint.with(|e| e.0.clone()),
            &llm.model.get(),
        )
    });
    let copied = RwSignal::new(false);
    let qr = move || {
        match qr_path(&link.get()) {
        Ok((size, d)) => view! {
            <svg class="qr" role="img" aria-label="QR code: scan to open the lab with the class server" data-testid="class-qr"
                viewBox=format!("0 0 {size} {size}") width="220" height="220" shape-rendering="crispEdges">
                <rect width=size.to_string() height=size.to_string() fill="#FFFFFF" />
                <path d=d fill="#1A365D" />
            </svg>
        }
        .into_any(),
        Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
    }
    };
    view! {
        <details class="class-panel">
            <summary>"For instructors: one Ollama for the whole class"</summary>
            <p>
                "Run the model once, on your machine, and let every student's browser call it over the room's network. Students open the class link (or scan the code) and their endpoint and model are set; a busy server makes them wait and retry, never fail at once."
            </p>
            <ol>{steps}</ol>
            {move || endpoint.with(|e| e.1.clone()).map(|w| view! { <p class="note" role="status">{w}</p> })}
            <div class="field">
                <label class="field-label" for="class-link">"Class link"</label>
                <input id="class-link" type="text" class="mono" readonly data-testid="class-link"
                    prop:value=move || link.get() />
            </div>
            <button type="button" on:click=move |_| {
                let text = link.get_untracked();
                leptos::task::spawn_local(async move { copied.set(copy_text(&text).await) });
            }>{move || if copied.get() { "Copied" } else { "Copy class link" }}</button>
            {qr}
        </details>
    }
}
