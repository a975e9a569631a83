//! The background worker: long quality jobs (gates, duplicates, leakage over 50k rows) run in a Web Worker,
//! so the page keeps drawing and Cancel works at once (it ends the worker).
//!
//! The worker runs this same wasm module — no second build. `static/worker.js` imports the page's own
//! wasm-bindgen glue and starts it; `main` sees there is no window and calls [`serve`], which answers job
//! messages. The page side ([`run`]) starts the worker on first use and keeps it for later jobs.
//!
//! Messages: page → worker `{id, job, rows, ranks?}` (`job` is a [`Job`] as JSON, `rows` the rows packed
//! by [`crate::core::quality::jobs::pack_rows`] in a buffer that is transferred, not copied, `ranks` the
//! bytes of a rank file); worker → page
//! `{kind: "ready"}`, `{kind: "progress", id, value}`, `{kind: "done", id, result}` (an [`Outcome`] as
//! JSON), `{kind: "error", id, message}`; worker.js sends `{kind: "init-error", message}` if it cannot start.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::core::quality::jobs::{run as run_job, unpack_rows, Job, Outcome};
use crate::core::quality::scorecard::{splits_at_whitespace, TokenCounter};
use crate::core::tokenize::encodings::EncodingSpec;
use crate::core::tokenize::Encoder;

pub(crate) fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub(crate) fn object(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

pub(crate) fn message_of(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

/// A promise and the functions that settle it.
fn deferred() -> (Promise, Function, Function) {
    let mut slot = None;
    let p = Promise::new(&mut |resolve, reject| slot = Some((resolve, reject)));
    let (resolve, reject) = slot.expect("the Promise executor runs at once");
    (p, resolve, reject)
}

// ---------------------------------------------------------------------------------------------------------
// Page side

struct Pending {
    id: u32,
    resolve: Function,
    reject: Function,
    progress: Rc<dyn Fn(f64, Option<String>)>,
}

struct Handle {
    worker: Worker,
    ready: Promise,
    /// Rejects `ready` (a job cancelled while the worker is still starting must not wait forever).
    fail_ready: Function,
    /// The key of the rows the worker keeps from its last job (see [`Rows`]).
    cached: RefCell<Option<String>>,
    pending: Rc<RefCell<Option<Pending>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

/// Workers the page may run at once: one per core on a student laptop's two, so a split job (the gates)
/// takes half the time; most jobs use the first only.
pub const MAX_WORKERS: usize = 2;

thread_local! {
    static HANDLES: RefCell<[Option<Rc<Handle>>; MAX_WORKERS]> = const { RefCell::new([None, None]) };
    static NEXT_ID: RefCell<u32> = const { RefCell::new(1) };
}

/// The href of the first `<link>` matching `selector` (Trunk's preload links name the glue and the wasm).
fn link_href(selector: &str) -> Option<String> {
    let el = web_sys::window()?
        .document()?
        .query_selector(selector)
        .ok()??;
    Some(el.dyn_into::<web_sys::HtmlLinkElement>().ok()?.href())
}

fn spawn(slot: usize) -> Result<Rc<Handle>, String> {
    let glue = link_href("link[rel=modulepreload][href$='.js']")
        .ok_or("The page has no link to its own script, so the background worker cannot start.")?;
    let wasm = link_href("link[rel=preload][href$='.wasm']")
        .ok_or("The page has no link to its wasm module, so the background worker cannot start.")?;
    let opts = WorkerOptions::new();
    opts.set_type(WorkerType::Module);
    opts.set_name(&format!("datalab-worker-{slot}"));
    let worker = Worker::new_with_options("worker.js", &opts)
        .map_err(|e| format!("The browser refused to start a worker: {}", message_of(&e)))?;
    let (ready, ready_ok, ready_fail) = deferred();
    let ready_fail_cancel = ready_fail.clone();
    let pending: Rc<RefCell<Option<Pending>>> = Rc::new(RefCell::new(None));
    let fail_pending = {
        let pending = pending.clone();
        move |msg: String| {
            if let Some(p) = pending.borrow_mut().take() {
                let _ = p.reject.call1(&JsValue::NULL, &JsValue::from_str(&msg));
            }
        }
    };
    let on_message = {
        let pending = pending.clone();
        let fail_pending = fail_pending.clone();
        let ready_fail = ready_fail.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let data = e.data();
            let kind = get(&data, "kind").as_string().unwrap_or_default();
            let id = get(&data, "id").as_f64().map(|x| x as u32);
            match kind.as_str() {
                "ready" => {
                    let _ = ready_ok.call0(&JsValue::NULL);
                }
                "init-error" => {
                    let msg = format!(
                        "The background worker could not start: {}",
                        get(&data, "message").as_string().unwrap_or_default()
                    );
                    let _ = ready_fail.call1(&JsValue::NULL, &JsValue::from_str(&msg));
                    fail_pending(msg);
                    forget_worker(slot);
                }
                "progress" => {
                    let p = pending.borrow();
                    if let (Some(p), Some(v)) = (p.as_ref(), get(&data, "value").as_f64()) {
                        if Some(p.id) == id {
                            (p.progress)(v, get(&data, "label").as_string());
                        }
                    }
                }
                "done" | "error" => {
                    let mine = pending.borrow().as_ref().map(|p| Some(p.id) == id);
                    if mine == Some(true) {
                        let p = pending.borrow_mut().take().expect("checked above");
                        if kind == "done" {
                            let _ = p.resolve.call1(&JsValue::NULL, &data);
                        } else {
                            let _ = p.reject.call1(&JsValue::NULL, &get(&data, "message"));
                        }
                    }
                }
                _ => {}
            }
        })
    };
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
        let msg = format!(
            "The background worker stopped with an error: {}. Run the job again; if it fails again, reload the page.",
            e.message()
        );
        let _ = ready_fail.call1(&JsValue::NULL, &JsValue::from_str(&msg));
        fail_pending(msg);
        forget_worker(slot);
    });
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
        .map_err(|e| format!("Could not talk to the worker: {}", message_of(&e)))?;
    Ok(Rc::new(Handle {
        worker,
        ready,
        fail_ready: ready_fail_cancel,
        cached: RefCell::new(None),
        pending,
        _on_message: on_message,
        _on_error: on_error,
    }))
}

/// Drops worker `slot` (after it failed): the next job starts a fresh one.
fn forget_worker(slot: usize) {
    if let Some(h) = HANDLES.with(|h| h.borrow_mut()[slot].take()) {
        h.worker.terminate();
    }
}

/// How many workers a split job should use: [`MAX_WORKERS`], or fewer on a one-core machine.
pub fn parallelism() -> usize {
    let cores = web_sys::window().map_or(1.0, |w| w.navigator().hardware_concurrency()) as usize;
    cores.clamp(1, MAX_WORKERS)
}

/// The rows a job runs over: packed and handed over, and kept by the worker under `key` when one is given
/// — so the next job over the same rows (the gates again, with other settings) sends nothing.
pub struct Rows {
    /// `None`: the worker has them already ([`has_rows`]).
    pub packed: Option<Uint8Array>,
    pub key: Option<String>,
}

/// Whether worker `slot` keeps the rows stored under `key`.
pub fn has_rows(slot: usize, key: &str) -> bool {
    HANDLES.with(|h| {
        h.borrow()[slot]
            .as_ref()
            .is_some_and(|h| h.cached.borrow().as_deref() == Some(key))
    })
}

/// Runs `job` over each of `parts` (consecutive parts of the rows) in its own worker at once;
/// `progress` hears the mean progress. The outcomes come back in the parts' order.
pub async fn run_parallel(
    job: &Job,
    parts: Vec<Rows>,
    ranks: Option<&[u8]>,
    progress: impl Fn(f64) + 'static,
) -> Result<Vec<Outcome>, String> {
    let n = parts.len().clamp(1, MAX_WORKERS);
    let shares = Rc::new(RefCell::new(vec![0.0; n]));
    let progress = Rc::new(progress);
    let runs = parts.into_iter().take(n).enumerate().map(|(slot, rows)| {
        let (shares, progress) = (shares.clone(), progress.clone());
        run_on(slot, job, rows, ranks, move |p| {
            let mean = {
                let mut s = shares.borrow_mut();
                s[slot] = p;
                s.iter().sum::<f64>() / s.len() as f64
            };
            progress(mean);
        })
    });
    futures::future::join_all(runs).await.into_iter().collect()
}

/// Runs `job` over `rows` (packed rows; the buffer is handed over to the worker and left empty here) in
/// the background worker; `progress` hears 0..=1. Fails with a message for the student if the worker
/// cannot start, the job fails, or it is [`cancel`]led.
pub async fn run(
    job: &Job,
    rows: Uint8Array,
    ranks: Option<&[u8]>,
    progress: impl Fn(f64) + 'static,
) -> Result<Outcome, String> {
    let rows = Rows {
        packed: Some(rows),
        key: None,
    };
    run_on(0, job, rows, ranks, progress).await
}

/// Worker `slot`, started on first use and ready for a job.
async fn ready_handle(slot: usize) -> Result<Rc<Handle>, String> {
    let handle = match HANDLES.with(|h| h.borrow()[slot].clone()) {
        Some(h) => h,
        None => {
            let h = spawn(slot)?;
            HANDLES.with(|hs| hs.borrow_mut()[slot] = Some(h.clone()));
            h
        }
    };
    JsFuture::from(handle.ready.clone())
        .await
        .map_err(|e| message_of(&e))?;
    // A job already running is cancelled: one job at a time.
    if handle.pending.borrow().is_some() {
        cancel();
        return Err("Another job was still running; it was cancelled. Run this one again.".into());
    }
    Ok(handle)
}

fn next_id() -> u32 {
    NEXT_ID.with(|n| {
        let mut n = n.borrow_mut();
        *n += 1;
        *n
    })
}

/// Posts `msg` (which carries `id`) and waits for the worker's `done` message, returned whole.
async fn send(
    handle: &Handle,
    id: u32,
    msg: &Object,
    transfer: &Array,
    progress: Rc<dyn Fn(f64, Option<String>)>,
) -> Result<JsValue, String> {
    let (done, resolve, reject) = deferred();
    *handle.pending.borrow_mut() = Some(Pending {
        id,
        resolve,
        reject,
        progress,
    });
    if let Err(e) = handle.worker.post_message_with_transfer(msg, transfer) {
        handle.pending.borrow_mut().take();
        return Err(format!(
            "Could not send the job to the worker: {}",
            message_of(&e)
        ));
    }
    JsFuture::from(done).await.map_err(|e| message_of(&e))
}

/// Runs a task other than a quality job (see [`crate::web::imdb_jobs`]) in worker `slot`: `fields` go
/// into the message beside `id` and `task`, `transfer` lists buffers handed over. Returns the worker's
/// `done` message; `progress` hears the share done and, when the worker gives one, a line on the stage.
pub async fn run_task(
    slot: usize,
    task: &str,
    fields: &[(&str, JsValue)],
    transfer: &Array,
    progress: impl Fn(f64, Option<String>) + 'static,
) -> Result<JsValue, String> {
    let handle = ready_handle(slot).await?;
    let id = next_id();
    let msg = object(fields);
    let _ = Reflect::set(&msg, &"id".into(), &JsValue::from(id));
    let _ = Reflect::set(&msg, &"task".into(), &JsValue::from_str(task));
    // The worker may drop rows it kept for the quality lab to make room.
    *handle.cached.borrow_mut() = None;
    send(&handle, id, &msg, transfer, Rc::new(progress)).await
}

/// [`run`] in worker `slot` (started on first use).
async fn run_on(
    slot: usize,
    job: &Job,
    rows: Rows,
    ranks: Option<&[u8]>,
    progress: impl Fn(f64) + 'static,
) -> Result<Outcome, String> {
    let handle = ready_handle(slot).await?;
    if rows.packed.is_none() && handle.cached.borrow().as_deref() != rows.key.as_deref() {
        return Err("The worker no longer holds these rows; run the job again.".into());
    }
    let id = next_id();
    let msg = object(&[
        ("id", JsValue::from(id)),
        (
            "job",
            JsValue::from_str(&serde_json::to_string(job).map_err(|e| e.to_string())?),
        ),
        (
            "rows",
            rows.packed.clone().map_or(JsValue::UNDEFINED, Into::into),
        ),
        (
            "key",
            rows.key
                .as_deref()
                .map_or(JsValue::UNDEFINED, JsValue::from_str),
        ),
        (
            "ranks",
            ranks.map_or(JsValue::UNDEFINED, |r| Uint8Array::from(r).into()),
        ),
    ]);
    let transfer = Array::new();
    if let Some(p) = &rows.packed {
        transfer.push(&p.buffer());
    }
    if rows.packed.is_some() {
        *handle.cached.borrow_mut() = rows.key.clone();
    }
    let data = send(
        &handle,
        id,
        &msg,
        &transfer,
        Rc::new(move |v, _| progress(v)),
    )
    .await?;
    let json = get(&data, "result").as_string().unwrap_or_default();
    serde_json::from_str(&json).map_err(|e| format!("The worker's answer was unreadable: {e}"))
}

/// Stops the running job at once: the workers are ended (their work is lost) and the job fails as
/// cancelled.
pub fn cancel() {
    for slot in 0..MAX_WORKERS {
        if let Some(h) = HANDLES.with(|h| h.borrow_mut()[slot].take()) {
            h.worker.terminate();
            let _ = h.fail_ready.call1(
                &JsValue::NULL,
                &JsValue::from_str("Cancelled; nothing was changed."),
            );
            if let Some(p) = h.pending.borrow_mut().take() {
                let _ = p.reject.call1(
                    &JsValue::NULL,
                    &JsValue::from_str("Cancelled; nothing was changed."),
                );
            }
        }
    }
}

/// Whether we are running inside a worker (no window).
pub fn in_worker() -> bool {
    web_sys::window().is_none()
}

// ---------------------------------------------------------------------------------------------------------
// Worker side

thread_local! {
    /// Encoders built in this worker, by encoding name, with their longest token in bytes.
    static ENCODERS: RefCell<HashMap<String, (Encoder, usize)>> = RefCell::new(HashMap::new());
}

pub(crate) fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

pub(crate) fn post(pairs: &[(&str, JsValue)]) {
    let _ = scope().post_message(&object(pairs));
}

/// Worker entry: answer job messages until the page ends the worker.
pub fn serve() {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|e: MessageEvent| {
        let data = e.data();
        let id = get(&data, "id");
        if let Some(task) = get(&data, "task").as_string() {
            crate::web::imdb_jobs::serve_task(&task, &data, &id);
            return;
        }
        match handle(&data, &id) {
            Ok(result) => post(&[
                ("kind", "done".into()),
                ("id", id),
                ("result", JsValue::from_str(&result)),
            ]),
            Err(message) => post(&[
                ("kind", "error".into()),
                ("id", id),
                ("message", JsValue::from_str(&message)),
            ]),
        }
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&[("kind", "ready".into())]);
}

pub(crate) fn now() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map_or(0.0, |p| p.now())
}

thread_local! {
    /// Worker side: the rows of the last job that came with a key, kept for the next job.
    static ROWS: RefCell<Option<(String, Rc<Vec<crate::core::dataset::record::Record>>)>> = const { RefCell::new(None) };
}

fn handle(data: &JsValue, id: &JsValue) -> Result<String, String> {
    let t0 = now();
    let job: Job = serde_json::from_str(&get(data, "job").as_string().unwrap_or_default())
        .map_err(|e| format!("The job could not be read: {e}"))?;
    let key = get(data, "key").as_string();
    let sent = get(data, "rows");
    let rows = if sent.is_undefined() {
        // The page knows this worker kept the rows of its last job under this key.
        ROWS.with(|r| match (&*r.borrow(), &key) {
            (Some((k, rows)), Some(key)) if k == key => Ok(rows.clone()),
            _ => Err("The worker no longer holds these rows; run the job again.".to_string()),
        })?
    } else {
        let packed = Uint8Array::new(&sent).to_vec();
        let rows = Rc::new(unpack_rows(&packed)?);
        drop(packed);
        // Rows without a key are not kept; rows with one replace what was kept.
        ROWS.with(|r| *r.borrow_mut() = key.map(|k| (k, rows.clone())));
        rows
    };
    let t1 = now();
    let mut last = -1.0;
    let mut progress = |v: f64| {
        if v - last >= 0.01 || v >= 1.0 {
            last = v;
            post(&[
                ("kind", "progress".into()),
                ("id", id.clone()),
                ("value", v.into()),
            ]);
        }
    };
    let encoding = match &job {
        Job::Gates {
            encoding: Some(e), ..
        } => Some(e.clone()),
        _ => None,
    };
    let mut outcome = match encoding {
        Some(name) => {
            ensure_encoder(&name, get(data, "ranks"))?;
            ENCODERS.with(|m| {
                let mut m = m.borrow_mut();
                let (enc, max) = m.get_mut(&name).expect("built above");
                let max_token_bytes = *max;
                let mut count = |s: &str| enc.count(s, false);
                run_job(
                    &job,
                    &rows,
                    Some(TokenCounter {
                        count: &mut count,
                        max_token_bytes,
                        splits_at_whitespace: splits_at_whitespace(&name),
                    }),
                    &mut progress,
                )
            })?
        }
        None => run_job(&job, &rows, None, &mut progress)?,
    };
    let t2 = now();
    outcome.set_millis(t2 - t0, t2 - t1);
    serde_json::to_string(&outcome).map_err(|e| e.to_string())
}

fn ensure_encoder(name: &str, ranks: JsValue) -> Result<(), String> {
    if ENCODERS.with(|m| m.borrow().contains_key(name)) {
        return Ok(());
    }
    let spec = EncodingSpec::by_name(name).ok_or_else(|| format!("Unknown encoding {name}."))?;
    if ranks.is_undefined() || ranks.is_null() {
        return Err(format!("The rank file of {name} did not reach the worker."));
    }
    let bytes = Uint8Array::new(&ranks).to_vec();
    let enc = spec.build(&bytes)?;
    let max = (0..enc.n_vocab() as u32)
        .filter_map(|id| enc.token_bytes(id).map(<[u8]>::len))
        .max()
        .unwrap_or(1);
    ENCODERS.with(|m| m.borrow_mut().insert(name.to_string(), (enc, max)));
    Ok(())
}
