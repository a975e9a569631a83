//! The connection panel: endpoint, API, key, "Test connection", the model picker — and, when something
//! fails, what to do about it in plain words. The connection itself is the shared service
//! `ui::services::llm`.

use leptos::prelude::*;

use crate::core::llm::connection::{Advice, ApiKind};
use crate::ui::design::Section;
use crate::ui::services::llm::{LinkState, Llm};

/// The status line's words (also `data-testid="llm-status"`).
fn status_text(s: &LinkState, kind: ApiKind) -> String {
    match s {
        LinkState::Untested => "Not tested yet".into(),
        LinkState::Testing => "Testing …".into(),
        LinkState::Connected { version, models } => {
            let v = version
                .as_ref()
                .map(|v| format!(" {v}"))
                .unwrap_or_default();
            let m = if *models == 1 { "model" } else { "models" };
            format!("Connected · {}{v} · {models} {m}", kind.label())
        }
        LinkState::BadEndpoint(e) => format!("Not connected: {e}"),
        LinkState::Failed(f, _) => format!("Not connected: {}", f.short()),
    }
}

/// The connection panel.
#[component]
pub fn ConnectionPanel(#[prop(into)] heading: String) -> impl IntoView {
    let llm = Llm::get();
    let advice = move || match llm.state.get() {
        LinkState::Failed(_, a) => Some(view! { <AdviceView advice=a /> }),
        _ => None,
    };
    let options = move || {
        llm.models
            .get()
            .into_iter()
            .map(|m| {
                let label = m.clone();
                view! { <option value=m>{label}</option> }
            })
            .collect_view()
    };
    view! {
        <Section title=heading heading_id="llm-h" class="llm-connection">
            <div class="controls-row">
                <div class="field">
                    <label class="field-label" for="llm-endpoint">"Ollama endpoint"</label>
                    <input id="llm-endpoint" type="text" class="mono" spellcheck="false"
                        prop:value=move || llm.endpoint.get()
                        on:change=move |ev| llm.endpoint.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label class="field-label" for="llm-api">"API"</label>
                    <select id="llm-api" on:change=move |ev| {
                        let k = if event_target_value(&ev) == "openai" { ApiKind::OpenAi } else { ApiKind::Ollama };
                        llm.set_kind(k);
                    }>
                        <option value="ollama" selected=move || llm.kind.get() == ApiKind::Ollama>"Ollama (/api)"</option>
                        <option value="openai" selected=move || llm.kind.get() == ApiKind::OpenAi>"OpenAI-compatible (/v1)"</option>
                    </select>
                </div>
                <Show when=move || llm.kind.get() == ApiKind::OpenAi>
                    <div class="field">
                        <label class="field-label" for="llm-key">"API key (kept in this tab's memory only)"</label>
                        <input id="llm-key" type="password" autocomplete="off"
                            prop:value=move || llm.key.get()
                            on:change=move |ev| llm.key.set(event_target_value(&ev)) />
                    </div>
                </Show>
                <button type="button" class="primary" on:click=move |_| llm.test()
                    disabled=move || llm.state.get() == LinkState::Testing>
                    "Test connection"
                </button>
            </div>
            <p class="llm-status" data-testid="llm-status" role="status"
                class:ok=move || matches!(llm.state.get(), LinkState::Connected { .. })
                class:bad=move || matches!(llm.state.get(), LinkState::Failed(..) | LinkState::BadEndpoint(_))>
                {move || status_text(&llm.state.get(), llm.kind.get())}
            </p>
            <div class="field">
                <label class="field-label" for="llm-model">"Model"</label>
                <input id="llm-model" type="text" class="mono" list="llm-models" spellcheck="false"
                    placeholder="llama3.2:1b"
                    prop:value=move || llm.model.get()
                    on:change=move |ev| {
                        llm.set_model(event_target_value(&ev).trim().to_string());
                    } />
                <datalist id="llm-models">{options}</datalist>
            </div>
            {advice}
        </Section>
    }
}

/// What to do about a failure: a title, why, and steps with the exact commands.
#[component]
pub fn AdviceView(advice: Advice) -> impl IntoView {
    let steps = advice
        .steps
        .into_iter()
        .map(|s| {
            view! {
                <li>
                    <span>{s.label}</span>
                    {s.code.map(|c| view! { <pre class="code"><code>{c}</code></pre> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="advice" role="alert">
            <h3>{advice.title}</h3>
            <p>{advice.explanation}</p>
            <ol>{steps}</ol>
        </div>
    }
}
