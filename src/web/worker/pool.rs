//! Page side: the workers the page runs (started on first use, kept for later jobs), sending one request
//! and waiting for its answer with progress, and Cancel (which ends the workers at once).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use super::transport::{deferred, envelope, get, json_of, message_of, object};
use crate::core::job::protocol::{Answer, Reply, Request};
use crate::core::job::{Ended, JobResult};

/// Workers the page may run at once: one per core on a student laptop's two, so a split job (the gates)
/// takes half the time; most jobs use the first only.
pub const MAX_WORKERS: usize = 2;

/// What `cancel` rejects a waiting job with, so the job ends as [`Ended::Cancelled`] — told apart by
/// this marker, never by the wording of a message.
const CANCELLED: &str = "\u{0}cancelled";

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
    /// The key of the rows the worker keeps from its last job (see [`held`]).
    held: RefCell<Option<String>>,
    pending: Rc<RefCell<Option<Pending>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

thread_local! {
    static HANDLES: RefCell<[Option<Rc<Handle>>; MAX_WORKERS]> = const { RefCell::new([None, None]) };
    static NEXT_ID: RefCell<u32> = const { RefCell::new(1) };
}

/// The URLs of a worker bundle's glue and wasm, which `static/boot.js` left in `globalThis.datalab.files`.
pub(crate) fn worker_files(bundle: &str) -> Option<(String, String)> {
    let files = get(&get(&js_sys::global(), "datalab"), "files");
    let own = get(&files, bundle);
    Some((get(&own, "js").as_string()?, get(&own, "wasm").as_string()?))
}

fn reject_with(f: &Function, why: &JsValue) {
    let _ = f.call1(&JsValue::NULL, why);
}

/// Handles one message from worker `slot`.
fn on_reply(
    slot: usize,
    data: JsValue,
    pending: &RefCell<Option<Pending>>,
    ready_ok: &Function,
    fail: &dyn Fn(String),
) {
    let Some(json) = json_of(&data) else {
        // worker.js could not load the module: it says why in `message`.
        fail(format!(
            "The background worker could not start: {}",
            get(&data, "message").as_string().unwrap_or_default()
        ));
        forget_worker(slot);
        return;
    };
    let reply = match Reply::<Answer>::from_json(&json) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let mine = |id| pending.borrow().as_ref().is_some_and(|p| p.id == id);
    match reply {
        Reply::Ready => {
            let _ = ready_ok.call0(&JsValue::NULL);
        }
        Reply::Progress { id, value, label } => {
            if mine(id) {
                let progress = pending.borrow().as_ref().map(|p| p.progress.clone());
                if let Some(progress) = progress {
                    progress(value, label);
                }
            }
        }
        Reply::Done { id, .. } | Reply::Failed { id, .. } if mine(id) => {
            let p = pending.borrow_mut().take().expect("checked above");
            match reply {
                // The whole message: the answer is read again there, with its attachments.
                Reply::Done { .. } => {
                    let _ = p.resolve.call1(&JsValue::NULL, &data);
                }
                Reply::Failed { message, .. } => reject_with(&p.reject, &message.into()),
                _ => unreachable!(),
            }
        }
        Reply::Done { .. } | Reply::Failed { .. } | Reply::Line { .. } => {}
    }
}

fn spawn(slot: usize) -> Result<Rc<Handle>, String> {
    let (glue, wasm) = worker_files(crate::core::bundles::WORKER_BUNDLE).ok_or(
        "The page does not know where the worker's code is (its start-up script did not run), so the background worker cannot start. Reload the page.",
    )?;
    let opts = WorkerOptions::new();
    opts.set_type(WorkerType::Module);
    opts.set_name(&format!("datalab-worker-{slot}"));
    let worker = Worker::new_with_options("worker.js", &opts)
        .map_err(|e| format!("The browser refused to start a worker: {}", message_of(&e)))?;
    let (ready, ready_ok, ready_fail) = deferred();
    let pending: Rc<RefCell<Option<Pending>>> = Rc::new(RefCell::new(None));
    // Fails the start and the waiting job with `msg`.
    let fail: Rc<dyn Fn(String)> = {
        let (pending, ready_fail) = (pending.clone(), ready_fail.clone());
        Rc::new(move |msg: String| {
            reject_with(&ready_fail, &msg.clone().into());
            if let Some(p) = pending.borrow_mut().take() {
                reject_with(&p.reject, &msg.into());
            }
        })
    };
    let on_message = {
        let (pending, fail) = (pending.clone(), fail.clone());
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            on_reply(slot, e.data(), &pending, &ready_ok, &*fail)
        })
    };
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
        fail(format!(
            "The background worker stopped with an error: {}. Run the job again; if it fails again, reload the page.",
            e.message()
        ));
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
        fail_ready: ready_fail,
        held: RefCell::new(None),
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

/// The key of the rows worker `slot` keeps from its last job, if it is running and keeps some.
pub fn held(slot: usize) -> Option<String> {
    HANDLES.with(|h| {
        h.borrow()[slot]
            .as_ref()
            .and_then(|h| h.held.borrow().clone())
    })
}

/// Worker `slot`, started on first use and ready for a job.
async fn ready_handle(slot: usize) -> JobResult<Rc<Handle>> {
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
        .map_err(|e| ended(&e))?;
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

fn ended(e: &JsValue) -> Ended {
    match e.as_string().as_deref() {
        Some(CANCELLED) => Ended::Cancelled,
        _ => Ended::Failed(message_of(e)),
    }
}

/// Sends `request` to worker `slot` with its `attachments` (the buffers in `transfer` are handed over,
/// not copied) and waits for the answer; `progress` hears the share done (0..=1) and, when the worker
/// gives one, a line on the stage. `keeps` says which rows the worker holds afterwards (see [`held`]).
/// Returns the answer and the reply message, whose attachments the caller reads.
pub async fn run(
    slot: usize,
    request: &Request,
    attachments: &[(&str, JsValue)],
    transfer: &Array,
    keeps: Option<String>,
    progress: impl Fn(f64, Option<String>) + 'static,
) -> JobResult<(Answer, JsValue)> {
    let handle = ready_handle(slot).await?;
    let id = next_id();
    let msg: Object = envelope(request.to_json(), attachments);
    let _ = js_sys::Reflect::set(&msg, &"id".into(), &JsValue::from(id));
    let (done, resolve, reject) = deferred();
    *handle.pending.borrow_mut() = Some(Pending {
        id,
        resolve,
        reject,
        progress: Rc::new(progress),
    });
    if let Err(e) = handle.worker.post_message_with_transfer(&msg, transfer) {
        handle.pending.borrow_mut().take();
        return Err(format!("Could not send the job to the worker: {}", message_of(&e)).into());
    }
    *handle.held.borrow_mut() = keeps;
    let data = JsFuture::from(done).await.map_err(|e| ended(&e))?;
    match Reply::<Answer>::from_json(&json_of(&data).unwrap_or_default())? {
        Reply::Done { answer, .. } => Ok((answer, data)),
        _ => Err("The worker's answer was not a result.".into()),
    }
}

/// Stops the running job at once: the workers are ended (their work is lost) and the job ends as
/// [`Ended::Cancelled`].
pub fn cancel() {
    for slot in 0..MAX_WORKERS {
        if let Some(h) = HANDLES.with(|h| h.borrow_mut()[slot].take()) {
            h.worker.terminate();
            reject_with(&h.fail_ready, &CANCELLED.into());
            if let Some(p) = h.pending.borrow_mut().take() {
                reject_with(&p.reject, &CANCELLED.into());
            }
        }
    }
}
