//! Talking to the model server from the page: `fetch` with a streamed body and an abort switch. Every
//! decision — which route, what body, what a failure means — is made in `core::llm`; this module only moves
//! bytes and reports what the browser said.
//!
//! The page talks to no host but the endpoint the student chose.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, ReadableStreamDefaultReader, RequestInit, Response};

use crate::core::llm::bundle::{line_bytes, LineRecorder, RecordedCall};
use crate::core::llm::call::{Decoder, Planned};
use crate::core::llm::connection::{
    check_json, classify_network_error, classify_status, classify_stream, ApiKind, Browser,
    Context, Endpoint, Failure,
};
use crate::core::llm::ollama::{Accumulator, Completion};
use crate::core::llm::openai::ApiKey;

/// Stops a call at once (the fetch and its stream are aborted).
#[derive(Clone)]
pub struct Abort(AbortController);

impl Abort {
    pub fn new() -> Abort {
        Abort(AbortController::new().expect("AbortController exists in every supported browser"))
    }

    pub fn abort(&self) {
        self.0.abort();
    }

    pub fn aborted(&self) -> bool {
        self.0.signal().aborted()
    }
}

impl Default for Abort {
    fn default() -> Self {
        Abort::new()
    }
}

/// How a call ended when it did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// The student pressed Cancel.
    Cancelled,
    Failed(Failure),
}

/// Where the calls go: the API, its address and, for OpenAI-compatible servers, a key kept in memory only.
/// With `in_page`, the model in the page's own worker answers instead of a server (Ollama's API, at a
/// placeholder address nothing is ever sent to).
#[derive(Clone, Debug, PartialEq)]
pub struct Server {
    pub kind: ApiKind,
    pub endpoint: Endpoint,
    pub api_key: Option<ApiKey>,
    pub in_page: bool,
}

impl Server {
    /// What the browser situation is, for explaining a failure.
    pub fn context(&self, model: Option<&str>) -> Context {
        let window = web_sys::window();
        let page_origin = window
            .as_ref()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_else(|| "null".into());
        let ua = window
            .as_ref()
            .and_then(|w| w.navigator().user_agent().ok())
            .unwrap_or_default();
        Context {
            page_origin,
            endpoint: self.endpoint.clone(),
            kind: self.kind,
            embedded: crate::web::embed::is_embedded(),
            browser: Browser::from_user_agent(&ua),
            model: model.map(String::from),
        }
    }
}

async fn send(
    server: &Server,
    method: &str,
    url: &str,
    body: Option<&str>,
    abort: &Abort,
    model: Option<&str>,
) -> Result<Response, CallError> {
    if server.in_page {
        let path = url
            .strip_prefix(server.endpoint.base.as_str())
            .unwrap_or(url);
        let resp = crate::web::model::client::respond(path, body, &abort.0.signal()).await;
        if abort.aborted() {
            return Err(CallError::Cancelled);
        }
        return resp.map_err(|message| {
            CallError::Failed(Failure::Server {
                status: 500,
                message,
            })
        });
    }
    let init = RequestInit::new();
    init.set_method(method);
    init.set_signal(Some(&abort.0.signal()));
    let headers = Headers::new().map_err(|_| CallError::Failed(Failure::NothingListening))?;
    if let Some(b) = body {
        let _ = headers.set("Content-Type", "application/json");
        init.set_body(&JsValue::from_str(b));
    }
    if let Some(k) = &server.api_key {
        let _ = headers.set("Authorization", &k.header_value());
    }
    init.set_headers(&headers);
    let window = web_sys::window().expect("the page has a window");
    let res = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await;
    match res {
        Ok(r) => Ok(r.unchecked_into()),
        Err(_) if abort.aborted() => Err(CallError::Cancelled),
        // A fetch that throws (TypeError) gives the page no reason: refused, blocked or down look alike.
        Err(_) => Err(CallError::Failed(classify_network_error(
            &server.context(model),
        ))),
    }
}

async fn body_text(resp: &Response, abort: &Abort) -> Result<String, CallError> {
    let p = resp
        .text()
        .map_err(|_| CallError::Failed(Failure::StreamCut))?;
    match JsFuture::from(p).await {
        Ok(t) => Ok(t.as_string().unwrap_or_default()),
        Err(_) if abort.aborted() => Err(CallError::Cancelled),
        Err(_) => Err(CallError::Failed(Failure::StreamCut)),
    }
}

/// GETs `path` and parses the JSON answer, with a time limit (a probe should not hang).
pub async fn get_json(
    server: &Server,
    path: &str,
    seconds: u32,
) -> Result<serde_json::Value, CallError> {
    let abort = Abort::new();
    let timer = {
        let a = abort.clone();
        timeout(seconds, move || a.abort())
    };
    let url = server.endpoint.url(path);
    let result = async {
        let resp = send(server, "GET", &url, None, &abort, None).await?;
        let text = body_text(&resp, &abort).await?;
        if let Some(f) = classify_status(resp.status(), &text, path, None) {
            return Err(CallError::Failed(f));
        }
        check_json(&text).map_err(CallError::Failed)
    }
    .await;
    drop(timer);
    match result {
        // Our own timer aborted it: that is a timeout, not the student's Cancel.
        Err(CallError::Cancelled) => Err(CallError::Failed(Failure::Timeout { seconds })),
        r => r,
    }
}

/// A timeout that calls `f` unless dropped first.
struct Timeout {
    id: i32,
    _f: wasm_bindgen::closure::Closure<dyn FnMut()>,
}

impl Drop for Timeout {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            w.clear_timeout_with_handle(self.id);
        }
    }
}

fn timeout(seconds: u32, f: impl FnMut() + 'static) -> Option<Timeout> {
    let f = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(f);
    let id = web_sys::window()?
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            f.as_ref().unchecked_ref(),
            (seconds * 1000) as i32,
        )
        .ok()?;
    Some(Timeout { id, _f: f })
}

/// Sends a planned call and reads its stream, handing each new piece of text to `on_text` as it
/// arrives. Ends with the whole answer, or why there is none (Cancel, an HTTP error, an error line in
/// the stream, a stream cut short). With `record`, every line of the answer is kept with its arrival time
/// (for a run bundle).
pub async fn stream(
    server: &Server,
    planned: &Planned,
    model: &str,
    abort: &Abort,
    mut on_text: impl FnMut(&str),
    mut record: Option<&mut LineRecorder>,
) -> Result<Completion, CallError> {
    let t0 = crate::web::tick::now_ms();
    let resp = send(
        server,
        "POST",
        &planned.url,
        Some(&planned.body),
        abort,
        Some(model),
    )
    .await?;
    if !(200..300).contains(&resp.status()) {
        let text = body_text(&resp, abort).await?;
        return Err(CallError::Failed(status_failure(
            resp.status(),
            &text,
            planned,
            model,
        )));
    }
    let mut decoder = Decoder::new(planned.kind);
    let mut acc = Accumulator::default();
    let reader: ReadableStreamDefaultReader = match resp.body() {
        Some(b) => b.get_reader().unchecked_into(),
        None => return Err(CallError::Failed(Failure::StreamCut)),
    };
    loop {
        let chunk = match JsFuture::from(reader.read()).await {
            Ok(c) => c,
            Err(_) if abort.aborted() => return Err(CallError::Cancelled),
            // The connection broke mid-answer: what arrived is judged below (no final line → cut).
            Err(_) => break,
        };
        if Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true)
        {
            break;
        }
        let Ok(value) = Reflect::get(&chunk, &"value".into()) else {
            break;
        };
        let bytes = Uint8Array::new(&value).to_vec();
        if let Some(r) = record.as_deref_mut() {
            r.push(&bytes, crate::web::tick::now_ms() - t0);
        }
        let added = decoder.push(&bytes, &mut acc);
        if !added.is_empty() {
            on_text(&added);
        }
        if acc.error.is_some() {
            let _ = reader.cancel();
            break;
        }
    }
    if abort.aborted() {
        return Err(CallError::Cancelled);
    }
    finish(decoder, acc, on_text)
}

fn status_failure(status: u16, text: &str, planned: &Planned, model: &str) -> Failure {
    classify_status(status, text, planned.path, Some(model)).unwrap_or(Failure::Http {
        status,
        message: text.to_string(),
    })
}

/// The end of an answer, live or replayed: the decoder's last text, then a complete answer or why not.
fn finish(
    mut decoder: Decoder,
    mut acc: Accumulator,
    mut on_text: impl FnMut(&str),
) -> Result<Completion, CallError> {
    let added = decoder.finish(&mut acc);
    if !added.is_empty() {
        on_text(&added);
    }
    if let Some(f) = classify_stream(&acc) {
        return Err(CallError::Failed(f));
    }
    acc.into_completion()
        .map_err(|_| CallError::Failed(Failure::StreamCut))
}

/// Plays a recorded answer back through the same decoder and checks a live answer goes through: the lab
/// cannot tell a replayed model from a live one, except that nothing is sent anywhere.
pub async fn replay(
    planned: &Planned,
    call: &RecordedCall,
    model: &str,
    abort: &Abort,
    mut on_text: impl FnMut(&str),
) -> Result<Completion, CallError> {
    if !(200..300).contains(&call.status) {
        let text: Vec<&str> = call.lines.iter().map(|(_, l)| l.as_str()).collect();
        return Err(CallError::Failed(status_failure(
            call.status,
            &text.join("\n"),
            planned,
            model,
        )));
    }
    let mut decoder = Decoder::new(planned.kind);
    let mut acc = Accumulator::default();
    for (i, (_, line)) in call.lines.iter().enumerate() {
        if abort.aborted() {
            return Err(CallError::Cancelled);
        }
        let added = decoder.push(&line_bytes(line), &mut acc);
        if !added.is_empty() {
            on_text(&added);
        }
        if acc.error.is_some() {
            break;
        }
        // Let the page draw the text arriving, as it would from a live model.
        if i % 16 == 15 {
            crate::web::tick::yield_now().await;
        }
    }
    if abort.aborted() {
        return Err(CallError::Cancelled);
    }
    finish(decoder, acc, on_text)
}
