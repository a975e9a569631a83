//! The connection panel: endpoint, API (or a run bundle to replay), key, "Test connection", the model
//! picker, parallel requests and patience with a busy server — and, when something fails, what to do
//! about it in plain words. The connection itself is the shared service `ui::services::llm`; the
//! instructor's class setup is `widgets::class_panel`.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::llm::connection::{Advice, ApiKind, Step};
use crate::ui::design::Section;
use crate::ui::services::llm::{LinkState, Llm, MAX_PARALLEL};
use crate::ui::widgets::class_panel::ClassPanel;
use crate::ui::widgets::in_page_model::InPageModel;
use crate::web::files::read_chosen_text;

/// The status line's words (also `data-testid="llm-status"`). `in_page`: the models the page's own
/// worker holds, when "In this page" is chosen.
fn status_text(s: &LinkState, kind: ApiKind, in_page: Option<Vec<String>>) -> String {
    match s {
        LinkState::Untested => "Not tested yet".into(),
        LinkState::Testing => "Testing …".into(),
        LinkState::Connected { .. } if in_page.is_some() => {
            match in_page.unwrap_or_default().first() {
                Some(name) => format!("Connected · in this page · {name}"),
                None => {
                    "In this page · no model loaded yet: pick a file under \"Model file (GGUF)\""
                        .into()
                }
            }
        }
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
        LinkState::Replaying(summary) => summary.clone(),
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
    let bundle_input = NodeRef::<Input>::new();
    let on_bundle = move |_| {
        let Some(input) = bundle_input.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match read_chosen_text(&input).await {
                Some(Ok((_, text))) => llm.load_bundle(&text),
                Some(Err(e)) => llm.problem.set(Some(e)),
                None => {}
            }
        });
    };
    view! {
        <Section title=heading heading_id="llm-h" class="llm-connection">
            <div class="controls-row">
                <div class="field">
                    <label class="field-label" for="llm-endpoint">"Ollama endpoint"</label>
                    <input id="llm-endpoint" type="text" class="mono" spellcheck="false"
                        prop:value=move || llm.endpoint.get()
                        disabled=move || llm.replay_mode.get() || llm.in_page.get()
                        on:change=move |ev| llm.endpoint.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label class="field-label" for="llm-api">"API"</label>
                    <select id="llm-api" on:change=move |ev| {
                        match event_target_value(&ev).as_str() {
                            "replay" => {
                                llm.in_page.set(false);
                                llm.replay_mode.set(true);
                                llm.state.set(LinkState::Untested);
                            }
                            "in-page" => {
                                llm.stop_replay();
                                llm.set_in_page();
                            }
                            v => {
                                llm.stop_replay();
                                llm.set_kind(if v == "openai" { ApiKind::OpenAi } else { ApiKind::Ollama });
                            }
                        }
                    }>
                        <option value="ollama" selected=move || !llm.replay_mode.get() && !llm.in_page.get() && llm.kind.get() == ApiKind::Ollama>"Ollama (/api)"</option>
                        <option value="openai" selected=move || !llm.replay_mode.get() && !llm.in_page.get() && llm.kind.get() == ApiKind::OpenAi>"OpenAI-compatible (/v1)"</option>
                        <option value="in-page" selected=move || !llm.replay_mode.get() && llm.in_page.get()>"In this page (no install)"</option>
                        <option value="replay" selected=move || llm.replay_mode.get()>"Replay a run bundle (no model)"</option>
                    </select>
                </div>
                <Show when=move || llm.kind.get() == ApiKind::OpenAi && !llm.replay_mode.get()>
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
                class:ok=move || matches!(llm.state.get(), LinkState::Connected { .. } | LinkState::Replaying(_))
                class:bad=move || matches!(llm.state.get(), LinkState::Failed(..) | LinkState::BadEndpoint(_))>
                {move || status_text(&llm.state.get(), llm.kind.get(), llm.in_page.get().then(|| llm.models.get()))}
            </p>
            {move || llm.problem.get().map(|p| view! { <div class="error" role="alert" data-testid="llm-problem">{p}</div> })}
            <Show when=move || llm.in_page.get() && !llm.replay_mode.get()>
                <InPageModel />
            </Show>
            <div class="controls-row">
                <div class="field">
                    <label class="field-label" for="llm-model">"Model"</label>
                    <input id="llm-model" type="text" class="mono" list="llm-models" spellcheck="false"
                        placeholder="llama3.2:1b"
                        disabled=move || llm.replay.with(Option::is_some)
                        prop:value=move || llm.model.get()
                        on:change=move |ev| {
                            llm.set_model(event_target_value(&ev).trim().to_string());
                        } />
                    <datalist id="llm-models">{options}</datalist>
                </div>
                <div class="field">
                    <label class="field-label" for="llm-parallel">"Parallel requests"</label>
                    <input id="llm-parallel" type="number" min="1" max=MAX_PARALLEL.to_string() step="1"
                        aria-describedby="llm-parallel-hint"
                        prop:value=move || llm.parallel.get().to_string()
                        on:change=move |ev| {
                            let n = event_target_value(&ev).trim().parse::<u32>().unwrap_or(1);
                            llm.set_parallel(n);
                        } />
                </div>
                <div class="field">
                    <label class="field-label" for="llm-patience">"Wait for a busy server (s)"</label>
                    <input id="llm-patience" type="number" min="1" max="3600" step="1"
                        prop:value=move || llm.patience.get().to_string()
                        on:change=move |ev| {
                            let n = event_target_value(&ev).trim().parse::<u32>().unwrap_or(120);
                            llm.set_patience(n);
                        } />
                </div>
                <div class="field">
                    <label class="field-label" for="llm-bundle">"Run bundle"</label>
                    <input id="llm-bundle" type="file" accept=".json,application/json"
                        node_ref=bundle_input on:change=on_bundle />
                </div>
                <Show when=move || llm.replay.with(Option::is_some)>
                    <button type="button" on:click=move |_| llm.stop_replay()>"Stop replaying"</button>
                </Show>
            </div>
            <p class="hint" id="llm-parallel-hint">
                "Results are the same for any number of parallel requests: row i always gets seed base + i and keeps its place. More than 1 helps only when the server runs several requests at once (OLLAMA_NUM_PARALLEL, or a class server); against one slot, extra requests just queue. A run bundle (recorded by an instructor with \"Export run bundle\") replays a run with no model at all."
            </p>
            {move || llm.waiting.get().map(|w| view! { <p class="busy-line" role="status" data-testid="llm-waiting">{w}</p> })}
            {move || llm.loaded.get().map(|(yes, line)| view! {
                <p class="hint" class:ok=yes data-testid="llm-loaded">{line}</p>
            })}
            {advice}
            <ClassPanel />
        </Section>
    }
}

/// What to do about a failure: a title, why, and steps with the exact commands.
#[component]
pub fn AdviceView(advice: Advice) -> impl IntoView {
    let steps = steps_view(advice.steps);
    view! {
        <div class="advice" role="alert">
            <h3>{advice.title}</h3>
            <p>{advice.explanation}</p>
            <ol>{steps}</ol>
        </div>
    }
}

/// Steps to follow, each a sentence and, when there is one, the exact text to type (advice, and the
/// instructor's class setup).
pub fn steps_view(steps: Vec<Step>) -> impl IntoView {
    steps
        .into_iter()
        .map(|s| {
            view! {
                <li>
                    <span>{s.label}</span>
                    {s.code.map(|c| view! { <pre class="code"><code>{c}</code></pre> })}
                </li>
            }
        })
        .collect_view()
}
