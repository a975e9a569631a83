//! Worker side: read each request, hand it to its job's handler, and post the reply — progress on the
//! way, then the answer or the failure. The one dispatch of the protocol's requests.

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::transport::{envelope, get, json_of, now};
use crate::core::job::protocol::{Answer, Reply, Request};
use crate::core::job::Throttle;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(reply: &Reply, attachments: &[(&str, JsValue)], transfer: &Array) -> Result<(), JsValue> {
    scope().post_message_with_transfer(&envelope(reply.to_json(), attachments), transfer)
}

/// Reports a request's progress to the page, throttled (see [`Throttle`]).
pub struct Reporter {
    id: u32,
    throttle: Throttle,
}

impl Reporter {
    /// Reports `value` (0..=1), with a line on the stage if there is one.
    pub fn say(&mut self, value: f64, label: Option<String>) {
        if self.throttle.pass(value, now()) {
            let _ = post(
                &Reply::Progress {
                    id: self.id,
                    value,
                    label,
                },
                &[],
                &Array::new(),
            );
        }
    }
}

/// A handler's result: the answer, its attachments, and the buffers among them to hand over.
pub type Handled = Result<(Answer, Vec<(&'static str, JsValue)>, Array), String>;

fn handle(request: Request, data: &JsValue, rep: &mut Reporter) -> Handled {
    match request {
        Request::Quality { job, rows_key } => super::quality::handle(job, rows_key, data, rep),
        Request::ImdbPrepare {
            name,
            key,
            settings,
        } => super::imdb::prepare_here(name, key, settings, data, rep),
        Request::ImdbTrain { settings } => super::imdb::train_here(settings, data, rep),
        Request::AbArm { job } => super::ab::handle(job, data, rep),
        Request::TokensCheck { model } => super::tokens::handle(model, data, rep),
    }
}

/// Worker entry: answer requests until the page ends the worker.
pub fn serve() {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|e: MessageEvent| {
        let data = e.data();
        let id = get(&data, "id").as_f64().map_or(0, |x| x as u32);
        let mut rep = Reporter {
            id,
            throttle: Throttle::default(),
        };
        let outcome = Request::from_json(&json_of(&data).unwrap_or_default())
            .and_then(|request| handle(request, &data, &mut rep));
        let sent = match outcome {
            Ok((answer, attachments, transfer)) => {
                post(&Reply::Done { id, answer }, &attachments, &transfer)
                    .map_err(|_| "The worker could not hand its result back.".to_string())
            }
            Err(message) => Err(message),
        };
        if let Err(message) = sent {
            let _ = post(&Reply::Failed { id, message }, &[], &Array::new());
        }
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = post(&Reply::Ready, &[], &Array::new());
}
