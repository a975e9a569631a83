//! Page side of the in-page model: starts the model worker on first use (the `lab-model` bundle, so the
//! engine is fetched only now), loads a model into it, and turns each request into a `Response` whose
//! body streams the worker's lines — to `web::llm` it looks exactly like Ollama over `fetch`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, MessageEvent, ReadableStream, ReadableStreamDefaultController, Response,
    ResponseInit, Worker, WorkerOptions, WorkerType,
};

use crate::core::bundles::MODEL_BUNDLE;
use crate::core::job::protocol::{attach, ModelAnswer, ModelRequest, ModelSummary, Reply};
use crate::web::worker::pool::worker_files;
use crate::web::worker::transport::{deferred, envelope, json_of, message_of, object};

/// One call's state on the page.
enum Pending {
    Load {
        resolve: Function,
        reject: Function,
        progress: Rc<dyn Fn(f64, Option<String>)>,
    },
    Call(Rc<RefCell<Stream>>),
}

/// A streamed answer: lines wait in `buffered` until the `Response`'s stream has started.
#[derive(Default)]
struct Stream {
    /// Settles when the first line (or the end, or a failure) arrives.
    first: Option<(Function, Function)>,
    controller: Option<ReadableStreamDefaultController>,
    buffered: Vec<String>,
    done: bool,
}

struct Handle {
    worker: Worker,
    ready: Promise,
    pending: Rc<RefCell<HashMap<u32, Pending>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

thread_local! {
    static HANDLE: RefCell<Option<Rc<Handle>>> = const { RefCell::new(None) };
    static NEXT: RefCell<u32> = const { RefCell::new(1) };
    static LOADED: RefCell<Option<ModelSummary>> = const { RefCell::new(None) };
}

fn next_id() -> u32 {
    NEXT.with(|n| {
        let mut n = n.borrow_mut();
        *n += 1;
        *n
    })
}

fn bytes_of(line: &str) -> JsValue {
    let mut b = line.as_bytes().to_vec();
    b.push(b'\n');
    Uint8Array::from(b.as_slice()).into()
}

fn on_reply(data: JsValue, pending: &RefCell<HashMap<u32, Pending>>, ready_ok: &Function) {
    let Some(json) = json_of(&data) else {
        fail_all(
            pending,
            &format!(
                "The in-page model's worker could not start: {}",
                crate::web::worker::transport::get(&data, "message")
                    .as_string()
                    .unwrap_or_default()
            ),
        );
        return;
    };
    let Ok(reply) = Reply::<ModelAnswer>::from_json(&json) else {
        return;
    };
    match reply {
        Reply::Ready => {
            let _ = ready_ok.call0(&JsValue::NULL);
        }
        Reply::Progress { id, value, label } => {
            if let Some(Pending::Load { progress, .. }) = pending.borrow().get(&id) {
                progress(value, label);
            }
        }
        Reply::Line { id, line } => {
            if let Some(Pending::Call(s)) = pending.borrow().get(&id) {
                let mut s = s.borrow_mut();
                match &s.controller {
                    Some(c) => {
                        let _ = c.enqueue_with_chunk(&bytes_of(&line));
                    }
                    None => s.buffered.push(line),
                }
                if let Some((ok, _)) = s.first.take() {
                    let _ = ok.call0(&JsValue::NULL);
                }
            }
        }
        Reply::Done { id, answer } => match pending.borrow_mut().remove(&id) {
            Some(Pending::Load { resolve, .. }) => {
                if let ModelAnswer::Loaded(summary) = answer {
                    LOADED.with(|l| *l.borrow_mut() = Some((*summary).clone()));
                }
                let _ = resolve.call0(&JsValue::NULL);
            }
            Some(Pending::Call(s)) => {
                let mut s = s.borrow_mut();
                s.done = true;
                if let Some(c) = &s.controller {
                    let _ = c.close();
                }
                if let Some((ok, _)) = s.first.take() {
                    let _ = ok.call0(&JsValue::NULL);
                }
            }
            None => {}
        },
        Reply::Failed { id, message } => match pending.borrow_mut().remove(&id) {
            Some(Pending::Load { reject, .. }) => {
                let _ = reject.call1(&JsValue::NULL, &message.into());
            }
            Some(Pending::Call(s)) => fail_stream(&s, &message),
            None => {}
        },
    }
}

fn fail_stream(s: &RefCell<Stream>, message: &str) {
    let mut s = s.borrow_mut();
    if let Some((_, err)) = s.first.take() {
        let _ = err.call1(&JsValue::NULL, &message.into());
    } else if let Some(c) = &s.controller {
        c.error_with_e(&js_sys::Error::new(message).into());
    }
    s.done = true;
}

fn fail_all(pending: &RefCell<HashMap<u32, Pending>>, message: &str) {
    for (_, p) in pending.borrow_mut().drain() {
        match p {
            Pending::Load { reject, .. } => {
                let _ = reject.call1(&JsValue::NULL, &message.into());
            }
            Pending::Call(s) => fail_stream(&s, message),
        }
    }
}

fn spawn() -> Result<Rc<Handle>, String> {
    let (glue, wasm) = worker_files(MODEL_BUNDLE).ok_or(
        "This build has no in-page model (its start-up script did not list the model bundle). Reload the page.",
    )?;
    let opts = WorkerOptions::new();
    opts.set_type(WorkerType::Module);
    opts.set_name("datalab-model");
    let worker = Worker::new_with_options("worker.js", &opts).map_err(|e| {
        format!(
            "The browser refused to start the model's worker: {}",
            message_of(&e)
        )
    })?;
    let (ready, ready_ok, _ready_fail) = deferred();
    let pending: Rc<RefCell<HashMap<u32, Pending>>> = Rc::new(RefCell::new(HashMap::new()));
    let on_message = {
        let pending = pending.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            on_reply(e.data(), &pending, &ready_ok)
        })
    };
    let on_error = {
        let pending = pending.clone();
        Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
            // The tab lives on; the model is gone (most often the browser ran out of memory for it).
            fail_all(&pending, &format!(
                "The in-page model stopped: {}. It may be too large for this browser's memory: choose a smaller file (SmolLM2-135M, Q4_K_M) and load it again.",
                e.message()
            ));
            LOADED.with(|l| *l.borrow_mut() = None);
            HANDLE.with(|h| *h.borrow_mut() = None);
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let init = object(&[(
        "init",
        object(&[
            ("glue", JsValue::from_str(&glue)),
            ("wasm", JsValue::from_str(&wasm)),
        ])
        .into(),
    )]);
    worker
        .post_message(&init)
        .map_err(|e| format!("Could not talk to the model's worker: {}", message_of(&e)))?;
    Ok(Rc::new(Handle {
        worker,
        ready,
        pending,
        _on_message: on_message,
        _on_error: on_error,
    }))
}

async fn handle() -> Result<Rc<Handle>, String> {
    let h = match HANDLE.with(|h| h.borrow().clone()) {
        Some(h) => h,
        None => {
            let h = spawn()?;
            HANDLE.with(|slot| *slot.borrow_mut() = Some(h.clone()));
            h
        }
    };
    JsFuture::from(h.ready.clone())
        .await
        .map_err(|e| message_of(&e))?;
    Ok(h)
}

fn send(
    h: &Handle,
    id: u32,
    request: &ModelRequest,
    attachments: &[(&str, JsValue)],
    transfer: &Array,
) -> Result<(), String> {
    let msg: Object = envelope(request.to_json(), attachments);
    let _ = js_sys::Reflect::set(&msg, &"id".into(), &JsValue::from(id));
    h.worker
        .post_message_with_transfer(&msg, transfer)
        .map_err(|e| format!("Could not send to the model's worker: {}", message_of(&e)))
}

/// The model loaded in this page, if any.
pub fn loaded() -> Option<ModelSummary> {
    LOADED.with(|l| l.borrow().clone())
}

/// Loads `bytes` (a GGUF file, handed over to the worker) as the page's model; `progress` hears the stage.
pub async fn load(
    bytes: Uint8Array,
    name: &str,
    progress: impl Fn(f64, Option<String>) + 'static,
) -> Result<ModelSummary, String> {
    let h = handle().await?;
    let id = next_id();
    let (done, resolve, reject) = deferred();
    h.pending.borrow_mut().insert(
        id,
        Pending::Load {
            resolve,
            reject,
            progress: Rc::new(progress),
        },
    );
    LOADED.with(|l| *l.borrow_mut() = None);
    let transfer = Array::of1(&bytes.buffer());
    send(
        &h,
        id,
        &ModelRequest::Load {
            name: name.to_string(),
        },
        &[(attach::FILE, bytes.into())],
        &transfer,
    )?;
    JsFuture::from(done).await.map_err(|e| message_of(&e))?;
    loaded().ok_or_else(|| "The model worker did not say what it loaded.".to_string())
}

/// Ends the model's worker, which frees the model's memory.
pub fn unload() {
    if let Some(h) = HANDLE.with(|h| h.borrow_mut().take()) {
        h.worker.terminate();
        fail_all(&h.pending, "The in-page model was removed.");
    }
    LOADED.with(|l| *l.borrow_mut() = None);
}

/// Answers one request as Ollama at `path` would: a `Response` whose body streams the model's NDJSON
/// lines (or, for a request that cannot start, status 400 with `{"error": …}`). Aborting `signal` stops the
/// generation between two tokens and errors the stream, as an aborted `fetch` does.
pub async fn respond(
    path: &str,
    body: Option<&str>,
    signal: &AbortSignal,
) -> Result<Response, String> {
    let h = handle().await?;
    let id = next_id();
    let stream = Rc::new(RefCell::new(Stream::default()));
    let (first, ok, err) = deferred();
    stream.borrow_mut().first = Some((ok, err));
    h.pending
        .borrow_mut()
        .insert(id, Pending::Call(stream.clone()));
    let request = ModelRequest::Call {
        path: path.to_string(),
        body: body.unwrap_or("{}").to_string(),
    };
    send(&h, id, &request, &[], &Array::new())?;
    {
        let (h2, stream) = (h.clone(), stream.clone());
        let on_abort = Closure::once_into_js(move || {
            let _ = send(
                &h2,
                next_id(),
                &ModelRequest::Cancel { call: id },
                &[],
                &Array::new(),
            );
            h2.pending.borrow_mut().remove(&id);
            fail_stream(&stream, "The call was cancelled.");
        });
        let _ = signal.add_event_listener_with_callback("abort", on_abort.unchecked_ref());
    }
    let init = ResponseInit::new();
    if let Err(e) = JsFuture::from(first).await {
        init.set_status(400);
        let body = serde_json::json!({ "error": message_of(&e) }).to_string();
        return Response::new_with_opt_str_and_init(Some(&body), &init).map_err(|e| message_of(&e));
    }
    // The stream's source: lines already here first, then each as it comes; closed at the end.
    let start = {
        let stream = stream.clone();
        Closure::once_into_js(move |c: ReadableStreamDefaultController| {
            let mut s = stream.borrow_mut();
            for line in s.buffered.drain(..) {
                let _ = c.enqueue_with_chunk(&bytes_of(&line));
            }
            if s.done {
                let _ = c.close();
            } else {
                s.controller = Some(c);
            }
        })
    };
    let source = object(&[("start", start)]);
    let body = ReadableStream::new_with_underlying_source(&source).map_err(|e| message_of(&e))?;
    init.set_status(200);
    Response::new_with_opt_readable_stream_and_init(Some(&body), &init).map_err(|e| message_of(&e))
}
