//! "In this page": a GGUF model file picked from disk runs in the page's own worker, so the generation,
//! refinement and rubric labs work with no Ollama at all. The file is read here and handed to the model
//! worker (`web::model::client`), which is fetched only now.

use js_sys::Uint8Array;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;

use crate::core::job::protocol::ModelSummary;
use crate::core::model::serve::params_label;
use crate::ui::services::llm::Llm;
use crate::web::files::chosen_file;
use crate::web::model::client;

/// The largest file the page tries: the model is copied into the worker's WebAssembly memory (at most
/// 4 GB) and its embeddings are unpacked beside it.
const MAX_BYTES: f64 = 1.6e9;

fn mb(bytes: f64) -> String {
    format!("{:.0} MB", bytes / 1e6)
}

fn summary_line(s: &ModelSummary) -> String {
    format!(
        "{} · {} · {} · {} parameters · {} · loaded in {:.1} s",
        s.info.name,
        s.info.arch,
        s.info.quant,
        params_label(s.info.params),
        mb(s.info.bytes as f64),
        s.load_ms / 1000.0
    )
}

/// Why a file of `size` bytes will not fit, before anything is read.
fn too_large(size: f64) -> Option<String> {
    if size > MAX_BYTES {
        return Some(format!(
            "This file is {}: the page can run models up to {} (WebAssembly's memory holds 4 GB and the model needs room twice). Use a smaller model or quantization: SmolLM2-360M-Instruct or Qwen2.5-0.5B-Instruct in Q4_K_M is about 250–400 MB.",
            mb(size),
            mb(MAX_BYTES)
        ));
    }
    // Chrome says roughly how much memory the device has (in GB, rounded down).
    let device_gb = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"deviceMemory".into()).ok())
        .and_then(|v| v.as_f64());
    match device_gb {
        Some(gb) if size * 3.0 > gb * 1e9 => Some(format!(
            "This device reports about {gb} GB of memory; a {} model needs about {} while it runs. Choose a smaller file (SmolLM2-135M-Instruct, Q4_K_M, about 100 MB).",
            mb(size),
            mb(size * 3.0)
        )),
        _ => None,
    }
}

/// The "In this page" controls of the connection panel.
#[component]
pub fn InPageModel() -> impl IntoView {
    let llm = Llm::get();
    let input = NodeRef::<Input>::new();
    let stage = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let info = RwSignal::new(client::loaded());
    let on_file = move |_| {
        let Some(el) = input.get_untracked() else {
            return;
        };
        let Some(file) = chosen_file(&el) else {
            return;
        };
        spawn_local(async move {
            error.set(None);
            let (name, size) = (file.name(), file.size());
            if let Some(e) = too_large(size) {
                error.set(Some(e));
                return;
            }
            stage.set(Some(format!("Reading {name} ({}) …", mb(size))));
            let buf = match JsFuture::from(file.array_buffer()).await {
                Ok(b) => b,
                Err(e) => {
                    stage.set(None);
                    error.set(Some(format!(
                        "The browser could not read {name}: {}. Pick the file again.",
                        crate::web::worker::transport::message_of(&e)
                    )));
                    return;
                }
            };
            info.set(None);
            let loaded = client::load(Uint8Array::new(&buf), &name, move |_, label| {
                if let Some(l) = label {
                    stage.set(Some(l));
                }
            })
            .await;
            stage.set(None);
            match loaded {
                Ok(s) => {
                    llm.set_model(s.info.name.clone());
                    info.set(Some(s));
                    llm.test();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let remove = move |_| {
        client::unload();
        info.set(None);
        llm.test();
    };
    view! {
        <div class="in-page-model">
            <div class="controls-row">
                <div class="field">
                    <label class="field-label" for="llm-gguf">"Model file (GGUF)"</label>
                    <input id="llm-gguf" type="file" accept=".gguf" node_ref=input on:change=on_file />
                </div>
                <Show when=move || info.with(Option::is_some)>
                    <button type="button" on:click=remove>"Remove the model"</button>
                </Show>
            </div>
            {move || stage.get().map(|s| view! { <p class="busy-line" role="status" data-testid="model-stage">{s}</p> })}
            {move || error.get().map(|e| view! { <div class="error" role="alert" data-testid="model-error">{e}</div> })}
            {move || info.get().map(|s| view! { <p class="hint ok" data-testid="model-info">{summary_line(&s)}</p> })}
            <p class="hint">
                "A small instruct model runs in this tab, with no install and no server: SmolLM2-135M or -360M-Instruct, or Qwen2.5-0.5B-Instruct, as GGUF files (Q4_K_M or Q8_0). It uses the file's own tokenizer and chat template, so it answers as the same file does in Ollama — only slower. Every lab's requests go to it unchanged."
            </p>
        </div>
    }
}
