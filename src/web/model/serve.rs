//! Worker side of the in-page model: holds the loaded model, answers `ModelLoad` and `ModelCall` requests
//! one at a time, and streams each answer's lines as they come. Generation yields to the worker's event
//! loop every few tens of milliseconds, so a `ModelCancel` is heard between two tokens and the model stays
//! loaded (ending the worker would throw it away).

use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};

use js_sys::Uint8Array;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::core::job::protocol::{attach, ModelAnswer, ModelRequest, ModelSummary, Reply};
use crate::core::model::engine::{Model, Step};
use crate::core::model::serve::{answer_info, chunk_line, done_line, error_line, plan};
use crate::web::worker::transport::{envelope, get, json_of, now};

/// How long generation runs before the worker reads its messages (Cancel).
const SLICE_MS: f64 = 30.0;

#[derive(Default)]
struct State {
    model: Option<Model>,
    /// Load time to report on the first call after loading (Ollama's `load_duration`).
    load_ms: f64,
    queue: VecDeque<(u32, ModelRequest, JsValue)>,
    cancelled: HashSet<u32>,
    running: bool,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(reply: &Reply<ModelAnswer>) {
    let _ = scope().post_message(&envelope(reply.to_json(), &[]));
}

fn line(id: u32, line: String) {
    post(&Reply::Line { id, line });
}

/// Lets the worker read its messages (a macrotask: a Cancel posted meanwhile is handled first).
async fn pause() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
    });
    let _ = JsFuture::from(p).await;
}

fn created_at() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

/// Worker entry: answer requests until the page ends the worker.
pub fn serve() {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|e: MessageEvent| {
        let data = e.data();
        let id = get(&data, "id").as_f64().map_or(0, |x| x as u32);
        match ModelRequest::from_json(&json_of(&data).unwrap_or_default()) {
            Ok(ModelRequest::Cancel { call }) => {
                STATE.with(|s| s.borrow_mut().cancelled.insert(call));
            }
            // Questions about the model are answered at once, even while a generation runs (the lab
            // polls `/api/ps` during calls).
            Ok(ModelRequest::Call { path, .. }) if is_info(&path) => {
                let v = STATE.with(|s| answer_info(s.borrow().model.as_ref(), &path));
                line(id, v.unwrap_or(Value::Null).to_string());
                post(&Reply::Done {
                    id,
                    answer: ModelAnswer::Called,
                });
            }
            Ok(request) => {
                STATE.with(|s| s.borrow_mut().queue.push_back((id, request, data)));
                drive();
            }
            Err(message) => post(&Reply::Failed { id, message }),
        }
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&Reply::Ready);
}

fn is_info(path: &str) -> bool {
    answer_info(None, path).is_some()
}

/// Runs the queued requests one after another (one model, one generation at a time).
fn drive() {
    let start = STATE.with(|s| {
        let mut s = s.borrow_mut();
        !std::mem::replace(&mut s.running, true)
    });
    if !start {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        loop {
            let next = STATE.with(|s| s.borrow_mut().queue.pop_front());
            let Some((id, request, data)) = next else {
                break;
            };
            match request {
                ModelRequest::Load { name } => load(id, &name, &data).await,
                ModelRequest::Call { path, body } => call(id, &path, &body).await,
                // Handled as it arrives (see `serve`).
                ModelRequest::Cancel { .. } => {}
            }
        }
        STATE.with(|s| s.borrow_mut().running = false);
    });
}

async fn load(id: u32, name: &str, data: &JsValue) {
    let Ok(bytes) = get(data, attach::FILE).dyn_into::<Uint8Array>() else {
        return post(&Reply::Failed {
            id,
            message: "The model file did not reach the worker; pick it again.".into(),
        });
    };
    // The old model goes first, so two never share the memory.
    STATE.with(|s| s.borrow_mut().model = None);
    post(&Reply::Progress {
        id,
        value: 0.5,
        label: Some(format!("Reading the weights of {name} …")),
    });
    pause().await;
    let t0 = now();
    let bytes = bytes.to_vec();
    let loaded = Model::load(&bytes);
    drop(bytes);
    match loaded {
        Ok(model) => {
            let load_ms = now() - t0;
            let info = model.info.clone();
            STATE.with(|s| {
                let mut s = s.borrow_mut();
                s.model = Some(model);
                s.load_ms = load_ms;
            });
            post(&Reply::Done {
                id,
                answer: ModelAnswer::Loaded(Box::new(ModelSummary { info, load_ms })),
            });
        }
        Err(e) => post(&Reply::Failed {
            id,
            message: e.to_string(),
        }),
    }
}

async fn call(id: u32, path: &str, body: &str) {
    let body: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let started = STATE.with(|s| {
        let mut s = s.borrow_mut();
        let load_ms = std::mem::take(&mut s.load_ms);
        let model = s.model.as_mut().ok_or_else(|| {
            "No model is loaded in this page: pick a GGUF file under \"Model file (GGUF)\" in the connection panel.".to_string()
        })?;
        let p = plan(model, path, &body)?;
        let ids = model.encode_prompt(&p.prompt);
        let g = model.start(&ids, &p.opts, now()).map_err(|e| e.to_string())?;
        Ok::<_, String>((p, g, load_ms))
    });
    let (p, mut g, load_ms) = match started {
        Ok(x) => x,
        Err(message) => return post(&Reply::Failed { id, message }),
    };
    let mut full = String::new();
    let mut slice_start = now();
    loop {
        if STATE.with(|s| s.borrow_mut().cancelled.remove(&id)) {
            let stats = g.cancel(now());
            line(
                id,
                done_line(
                    &p,
                    &stats,
                    load_ms,
                    &created_at(),
                    (!p.stream).then_some(full.as_str()),
                ),
            );
            break;
        }
        let step = STATE.with(|s| {
            let mut s = s.borrow_mut();
            match s.model.as_mut() {
                Some(m) => g.step(m, &now),
                None => Err(crate::core::model::engine::ModelError::Run(
                    "the model was unloaded".into(),
                )),
            }
        });
        match step {
            Ok(Step::Text(t)) => {
                if !t.is_empty() {
                    if p.stream {
                        line(id, chunk_line(&p, &t, &created_at()));
                    } else {
                        full.push_str(&t);
                    }
                }
            }
            Ok(Step::Done(stats)) => {
                line(
                    id,
                    done_line(
                        &p,
                        &stats,
                        load_ms,
                        &created_at(),
                        (!p.stream).then_some(full.as_str()),
                    ),
                );
                break;
            }
            Err(e) => {
                line(id, error_line(&e));
                break;
            }
        }
        if now() - slice_start > SLICE_MS {
            pause().await;
            slice_start = now();
        }
    }
    post(&Reply::Done {
        id,
        answer: ModelAnswer::Called,
    });
}
