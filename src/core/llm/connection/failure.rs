//! What went wrong, as far as the page can tell: a failed fetch, a status and body, a stream's error.

use super::*;

/// What went wrong, as far as the page can tell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// No response at all, from a page Ollama would accept: most likely nothing is listening.
    NothingListening,
    /// No response, and the page's origin is one Ollama refuses by default (or the browser's
    /// local-network rules stopped it): most likely blocked, not down.
    BlockedByBrowser,
    /// An https page calling an http endpoint the browser will not allow (always for remote hosts; Safari
    /// also for localhost).
    MixedContent,
    /// HTTP 403: the server refused this origin.
    Forbidden,
    /// HTTP 401: an API key is missing or wrong.
    Unauthorized { message: String },
    /// HTTP 404 naming a model: it is not installed.
    ModelNotFound { model: String },
    /// HTTP 404 without a JSON error: the route does not exist, so this is not (this version of) the API.
    RouteNotFound { path: String },
    /// HTTP 5xx.
    Server { status: u16, message: String },
    /// Another HTTP error (400, 429, …).
    Http { status: u16, message: String },
    /// A 2xx answer that is not the JSON the API promises.
    InvalidJson { detail: String, excerpt: String },
    /// No answer within the time limit.
    Timeout { seconds: u32 },
    /// An `{"error": …}` line arrived in the middle of a stream (status 200).
    StreamError { message: String },
    /// The stream stopped before its final line.
    StreamCut,
    /// A shared server stayed busy (503 queue full, or 429) through every retry until the time limit.
    Busy { retries: u32, waited_s: u32 },
    /// Replaying a run bundle: the request the lab would send is not in the bundle (`what` names it).
    NotRecorded { what: String },
}

impl Failure {
    /// A few words for the connection status badge.
    pub fn short(&self) -> String {
        match self {
            Failure::NothingListening => "Not reachable".into(),
            Failure::BlockedByBrowser => "Blocked by the browser".into(),
            Failure::MixedContent => "Blocked: https page → http endpoint".into(),
            Failure::Forbidden => "Refused this page (403)".into(),
            Failure::Unauthorized { .. } => "API key missing or wrong (401)".into(),
            Failure::ModelNotFound { model } => format!("Model `{model}` not installed"),
            Failure::RouteNotFound { .. } => "Not an Ollama endpoint (404)".into(),
            Failure::Server { status, .. } => format!("Server error ({status})"),
            Failure::Http { status, .. } => format!("Request refused ({status})"),
            Failure::InvalidJson { .. } => "Answer is not JSON".into(),
            Failure::Timeout { seconds } => format!("No answer in {seconds} s"),
            Failure::StreamError { .. } => "Error during generation".into(),
            Failure::StreamCut => "Answer cut short".into(),
            Failure::Busy { waited_s, .. } => format!("Server busy for {waited_s} s — gave up"),
            Failure::NotRecorded { .. } => "Request not in the run bundle".into(),
        }
    }
}

/// Classifies a `fetch` that threw before any response (a `TypeError` in the browser).
pub fn classify_network_error(ctx: &Context) -> Failure {
    let mixed = ctx.page_is_https() && !ctx.endpoint.is_https();
    if mixed && (!ctx.endpoint.is_loopback() || ctx.browser == Browser::Safari) {
        return Failure::MixedContent;
    }
    if ctx.same_origin() {
        return Failure::NothingListening;
    }
    let origin_refused = ctx.ollama_rules() && !is_default_allowed_origin(&ctx.page_origin);
    let needs_permission = ctx.browser == Browser::Chromium && ctx.needs_local_network_permission();
    if origin_refused || needs_permission {
        Failure::BlockedByBrowser
    } else {
        Failure::NothingListening
    }
}

/// Classifies a response by status and body; `None` for success (2xx).
pub fn classify_status(
    status: u16,
    body: &str,
    path: &str,
    model: Option<&str>,
) -> Option<Failure> {
    if (200..300).contains(&status) {
        return None;
    }
    let json: Option<Value> = serde_json::from_str(body).ok();
    let message = json
        .as_ref()
        .and_then(error_message)
        .unwrap_or_else(|| match body.trim() {
            "" => "(empty body)".to_string(),
            t => excerpt(t),
        });
    Some(match status {
        401 => Failure::Unauthorized { message },
        403 => Failure::Forbidden,
        404 => match json.as_ref().and_then(error_message) {
            Some(m) if looks_like_missing_model(&m, json.as_ref()) => Failure::ModelNotFound {
                model: quoted_name(&m)
                    .or(model.map(String::from))
                    .unwrap_or_default(),
            },
            Some(m) => Failure::Http { status, message: m },
            None => Failure::RouteNotFound {
                path: path.to_string(),
            },
        },
        500..=599 => Failure::Server { status, message },
        _ => Failure::Http { status, message },
    })
}

pub(super) fn looks_like_missing_model(message: &str, json: Option<&Value>) -> bool {
    let m = message.to_ascii_lowercase();
    let code = json
        .and_then(|v| v.pointer("/error/code"))
        .and_then(Value::as_str);
    code == Some("model_not_found") || (m.contains("model") && m.contains("not found"))
}

/// The first name in double or single quotes: Ollama writes `model "llama3.2" not found, try pulling it
/// first`; older versions and other servers use `'…'`.
pub(super) fn quoted_name(message: &str) -> Option<String> {
    for q in ['"', '\''] {
        if let Some(start) = message.find(q) {
            if let Some(len) = message[start + 1..].find(q) {
                let name = &message[start + 1..start + 1 + len];
                if !name.is_empty() {
                    return Some(name.to_string());
                }
            }
        }
    }
    None
}

/// Classifies a stream that has ended: an `{"error": …}` line, or no final `done` line. `None` when the
/// answer is complete.
pub fn classify_stream(acc: &Accumulator) -> Option<Failure> {
    if let Some(message) = &acc.error {
        return Some(Failure::StreamError {
            message: message.clone(),
        });
    }
    (!acc.is_done()).then_some(Failure::StreamCut)
}

/// Parses a 2xx body that must be JSON, or says what arrived instead.
pub fn check_json(body: &str) -> Result<Value, Failure> {
    serde_json::from_str(body).map_err(|e| {
        let t = body.trim_start();
        let detail = if t.is_empty() {
            "the body is empty".to_string()
        } else if t.starts_with('<') {
            "this is a web page (HTML), not an API answer".to_string()
        } else {
            e.to_string()
        };
        Failure::InvalidJson {
            detail,
            excerpt: excerpt(body.trim()),
        }
    })
}
