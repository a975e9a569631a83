//! Connecting the page to a local model, and saying in plain words what to do when it does not work.
//!
//! Most first-time failures are not bugs but security rules working as designed, and the browser reports
//! them all the same way: `fetch` throws a `TypeError` with no status and no body. Whether Ollama is not
//! running, or is running but refused this page's origin (CORS), or the browser blocked an https page from
//! calling http (mixed content) cannot be read from the error itself. So [`classify_network_error`] reasons
//! from what *is* known — the page's origin, the endpoint, the browser — and [`advise`] always includes the
//! one test that tells the cases apart (open `/api/version` in a tab: if it answers, Ollama is up and the
//! browser blocked the page).
//!
//! When a response does arrive, its status and body say more: [`classify_status`] turns them into a
//! [`Failure`] (a 404 naming a model means `ollama pull`, a 404 without JSON means the address is not
//! Ollama, and so on).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ndjson::excerpt;
use super::ollama::{error_message, Accumulator};

/// Where Ollama listens unless told otherwise.
pub const DEFAULT_ENDPOINT: &str = "http://localhost:11434";

/// Which HTTP API the endpoint speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKind {
    /// Ollama's native `/api/...` routes (streaming NDJSON, `options`).
    Ollama,
    /// `/v1/chat/completions` (OpenAI, vLLM, llama.cpp, and Ollama's own compatibility layer).
    OpenAi,
}

impl ApiKind {
    pub fn label(self) -> &'static str {
        match self {
            ApiKind::Ollama => "Ollama",
            ApiKind::OpenAi => "OpenAI-compatible",
        }
    }

    /// The cheapest call that proves the server is there and speaks this API.
    pub fn probe_path(self) -> &'static str {
        match self {
            ApiKind::Ollama => super::ollama::VERSION_PATH,
            ApiKind::OpenAi => super::openai::MODELS_PATH,
        }
    }

    pub fn models_path(self) -> &'static str {
        match self {
            ApiKind::Ollama => super::ollama::TAGS_PATH,
            ApiKind::OpenAi => super::openai::MODELS_PATH,
        }
    }

    pub fn chat_path(self) -> &'static str {
        match self {
            ApiKind::Ollama => super::ollama::CHAT_PATH,
            ApiKind::OpenAi => super::openai::CHAT_PATH,
        }
    }
}

/// A checked, normalised endpoint: `scheme://host[:port][/prefix]`, no trailing slash, no API suffix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// What requests are built from, like `http://localhost:11434`.
    pub base: String,
    /// `http` or `https`.
    pub scheme: String,
    /// Lower-cased host; IPv6 addresses keep their brackets.
    pub host: String,
    pub port: Option<u16>,
    /// The API the typed address pointed at, when its path said so (`…/v1` → OpenAI-compatible).
    pub hint: Option<ApiKind>,
}

/// Why an endpoint was not accepted, phrased for the "Ollama endpoint" field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointError(pub String);

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EndpointError {}

/// Route suffixes a student might paste along with the address; each says which API it belongs to.
const SUFFIXES: [(&str, ApiKind); 9] = [
    ("/api/chat", ApiKind::Ollama),
    ("/api/generate", ApiKind::Ollama),
    ("/api/tags", ApiKind::Ollama),
    ("/api/version", ApiKind::Ollama),
    ("/v1/chat/completions", ApiKind::OpenAi),
    ("/v1/completions", ApiKind::OpenAi),
    ("/v1/models", ApiKind::OpenAi),
    ("/api", ApiKind::Ollama),
    ("/v1", ApiKind::OpenAi),
];

/// Checks and normalises what was typed into the "Ollama endpoint" field.
///
/// Trims spaces, adds `http://` when no scheme is given (`localhost:11434` is what people type), lower-cases
/// scheme and host, and removes a trailing slash and one API suffix (`/api`, `/v1`, or a whole route such as
/// `/api/chat`), because the lab appends the route itself. Anything else in the path is kept as a prefix
/// (`https://openrouter.ai/api/v1` → `https://openrouter.ai/api`), for servers mounted below the root.
pub fn parse_endpoint(input: &str) -> Result<Endpoint, EndpointError> {
    let err = |m: String| Err(EndpointError(m));
    let text = input.trim();
    if text.is_empty() {
        return err(format!(
            "Enter the address where the model server listens, for example {DEFAULT_ENDPOINT}."
        ));
    }
    if text.chars().any(char::is_whitespace) {
        return err(format!("The address `{text}` contains a space; remove it."));
    }
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => ("http".to_string(), text),
    };
    if scheme != "http" && scheme != "https" {
        return err(format!(
            "`{scheme}://` is not something a web page can call: the address must start with http:// or https://."
        ));
    }
    if rest.contains(['?', '#']) {
        return err(
            "Leave out the `?…` or `#…` part: the address is only scheme, host, port (and at most a path prefix)."
                .into(),
        );
    }
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return err(
            "Leave user names and passwords out of the address; an API key goes in its own field."
                .into(),
        );
    }
    let (host, port_text) = split_host_port(authority);
    let host = host.to_ascii_lowercase();
    if host.is_empty() {
        return err(format!(
            "`{text}` has no host name: try {DEFAULT_ENDPOINT}."
        ));
    }
    let host_ok = if host.starts_with('[') {
        host.ends_with(']')
            && host[1..host.len() - 1]
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    } else {
        host.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    };
    if !host_ok {
        return err(format!("`{host}` is not a valid host name."));
    }
    let port = match port_text {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                return err(format!(
                    "The port `{p}` must be a number from 1 to 65535 (Ollama's is 11434)."
                ))
            }
        },
    };
    let mut path = path.trim_end_matches('/');
    let mut hint = None;
    for (suffix, kind) in SUFFIXES {
        if path.len() >= suffix.len()
            && path[path.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
        {
            path = path[..path.len() - suffix.len()].trim_end_matches('/');
            hint = Some(kind);
            break;
        }
    }
    let base = match port {
        Some(p) => format!("{scheme}://{host}:{p}{path}"),
        None => format!("{scheme}://{host}{path}"),
    };
    Ok(Endpoint {
        base,
        scheme,
        host,
        port,
        hint,
    })
}

/// Splits `host[:port]`, keeping an IPv6 literal's brackets. The port is `None` when absent.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => {
                let rest = &authority[end + 1..];
                (&authority[..=end], rest.strip_prefix(':'))
            }
            None => (authority, None),
        };
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    }
}

/// True for names that always mean "this computer". The browser treats them as secure even over http.
fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || host.strip_prefix("127.").is_some_and(|rest| {
            let parts: Vec<&str> = rest.split('.').collect();
            parts.len() == 3 && parts.iter().all(|p| p.parse::<u8>().is_ok())
        })
}

impl Endpoint {
    /// The full URL of a route, like `http://localhost:11434/api/chat`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The endpoint is on this computer (localhost, 127.x.x.x, [::1]).
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }

    pub fn is_https(&self) -> bool {
        self.scheme == "https"
    }
}

/// The parts of an origin (`scheme://host[:port]`), lower-cased; `None` for opaque origins like `null`.
fn split_origin(origin: &str) -> Option<(String, String, Option<String>)> {
    let (scheme, rest) = origin.trim().split_once("://")?;
    let (host, port) = split_host_port(rest.trim_end_matches('/'));
    Some((
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase(),
        port.map(String::from),
    ))
}

/// Schemes Ollama allows from any host: desktop-app and editor webviews (its `app://*`, `file://*`,
/// `tauri://*`, `vscode-webview://*`, `vscode-file://*` defaults) and browser extensions (its CORS layer is
/// configured with `AllowBrowserExtensions`).
const ALLOWED_SCHEMES: [&str; 9] = [
    "app",
    "file",
    "tauri",
    "vscode-webview",
    "vscode-file",
    "chrome-extension",
    "moz-extension",
    "safari-extension",
    "ms-browser-extension",
];

/// Whether Ollama, with no `OLLAMA_ORIGINS` set, accepts requests from a page with this origin.
///
/// Its defaults are `http://` and `https://` on `localhost`, `127.0.0.1` and `0.0.0.0` with any port (or
/// none), plus the schemes in [`ALLOWED_SCHEMES`]. Not included, and often surprising: `http://[::1]:8080`,
/// other `127.x` addresses, `*.localhost` names, and `null` — the origin a page opened from a `file://` path
/// actually sends, despite `file://*` being on the list.
pub fn is_default_allowed_origin(origin: &str) -> bool {
    let Some((scheme, host, port)) = split_origin(origin) else {
        return false;
    };
    if ALLOWED_SCHEMES.contains(&scheme.as_str()) {
        return true;
    }
    let port_ok = match &port {
        None => true,
        Some(p) => !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()),
    };
    (scheme == "http" || scheme == "https")
        && matches!(host.as_str(), "localhost" | "127.0.0.1" | "0.0.0.0")
        && port_ok
}

/// The browser family, because each blocks local requests its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Browser {
    /// Chrome, Edge, Opera, Brave…: the local-network-access permission.
    Chromium,
    /// Safari and every iOS browser (all use WebKit): blocks https → http://localhost as mixed content.
    Safari,
    Firefox,
    Other,
}

impl Browser {
    /// A best guess from `navigator.userAgent`, only used to put the most relevant advice first.
    pub fn from_user_agent(ua: &str) -> Browser {
        if ua.contains("CriOS") || ua.contains("FxiOS") || ua.contains("EdgiOS") {
            Browser::Safari
        } else if ua.contains("Firefox/") {
            Browser::Firefox
        } else if ua.contains("Chrome/") || ua.contains("Chromium/") || ua.contains("Edg/") {
            Browser::Chromium
        } else if ua.contains("Safari/") {
            Browser::Safari
        } else {
            Browser::Other
        }
    }
}

/// What is known when a request fails: who asked, whom, from where.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// `location.origin` of the lab page, like `https://course.example` (or `null` from a file).
    pub page_origin: String,
    pub endpoint: Endpoint,
    pub kind: ApiKind,
    /// The lab runs inside another page's iframe.
    pub embedded: bool,
    pub browser: Browser,
    /// The model the failed request asked for, if any.
    pub model: Option<String>,
}

impl Context {
    fn page_is_https(&self) -> bool {
        self.page_origin
            .trim()
            .to_ascii_lowercase()
            .starts_with("https://")
    }

    /// The page itself runs on this computer (so no local-network permission is involved).
    fn page_is_local(&self) -> bool {
        split_origin(&self.page_origin)
            .is_some_and(|(_, host, _)| is_loopback_host(&host) || host == "0.0.0.0")
    }

    /// Ollama's origin rules apply: the native API, or anything on this computer (Ollama's `/v1` shares them).
    fn ollama_rules(&self) -> bool {
        self.kind == ApiKind::Ollama || self.endpoint.is_loopback()
    }

    /// The page and the endpoint are the same origin, so CORS does not apply.
    fn same_origin(&self) -> bool {
        match split_origin(&self.page_origin) {
            Some((s, h, p)) => {
                s == self.endpoint.scheme
                    && h == self.endpoint.host
                    && p.and_then(|p| p.parse::<u16>().ok()) == self.endpoint.port
            }
            None => false,
        }
    }
}

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
    let needs_permission =
        ctx.browser == Browser::Chromium && !ctx.page_is_local() && ctx.endpoint.is_loopback();
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

fn looks_like_missing_model(message: &str, json: Option<&Value>) -> bool {
    let m = message.to_ascii_lowercase();
    let code = json
        .and_then(|v| v.pointer("/error/code"))
        .and_then(Value::as_str);
    code == Some("model_not_found") || (m.contains("model") && m.contains("not found"))
}

/// The first name in double or single quotes: Ollama writes `model "llama3.2" not found, try pulling it
/// first`; older versions and other servers use `'…'`.
fn quoted_name(message: &str) -> Option<String> {
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

/// One thing to do: a sentence, and optionally the exact text to type or paste.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub label: String,
    pub code: Option<String>,
}

fn step(label: impl Into<String>, code: Option<String>) -> Step {
    Step {
        label: label.into(),
        code,
    }
}

/// What the page shows for a failure: a title, why it happens, and the steps that fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advice {
    pub title: String,
    pub explanation: String,
    pub steps: Vec<Step>,
}

/// The page origin as it may appear inside a shell command. Real origins only contain safe characters;
/// anything else (or the opaque `null`) becomes a placeholder rather than text pasted into a terminal.
fn origin_for_commands(origin: &str) -> Option<String> {
    let o = origin.trim().trim_end_matches('/');
    let (scheme, rest) = o.split_once("://")?;
    let safe = !scheme.is_empty()
        && !rest.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '[' | ']' | '_'));
    safe.then(|| o.to_string())
}

fn probe_step(ctx: &Context) -> Step {
    let url = ctx.endpoint.url(ctx.kind.probe_path());
    step(
        format!(
            "Check that the server is up: open {url} in a new tab (or run the command). If it shows a version, the server runs and the browser blocked this page; if the tab cannot connect, it is not running."
        ),
        Some(format!("curl {url}")),
    )
}

/// The `OLLAMA_ORIGINS` recipes for each system.
fn origins_steps(origin: &str) -> Vec<Step> {
    vec![
        step(
            format!("Allow this page's origin ({origin}) in Ollama. macOS (the Ollama app): run this, then quit Ollama from the menu bar and open it again."),
            Some(format!("launchctl setenv OLLAMA_ORIGINS \"{origin}\"")),
        ),
        step(
            "Linux (Ollama as a systemd service): open an override file for the service…",
            Some("sudo systemctl edit ollama.service".into()),
        ),
        step(
            "…add these two lines in the editor, save and close…",
            Some(format!("[Service]\nEnvironment=\"OLLAMA_ORIGINS={origin}\"")),
        ),
        step(
            "…then reload the configuration and restart Ollama.",
            Some("sudo systemctl daemon-reload && sudo systemctl restart ollama".into()),
        ),
        step(
            "Windows: run this in a terminal, then quit Ollama from the tray icon and start it again.",
            Some(format!("setx OLLAMA_ORIGINS \"{origin}\"")),
        ),
        step(
            "Or, for one session: stop the running Ollama and start it from a terminal with the variable set.",
            Some(format!("OLLAMA_ORIGINS={origin} ollama serve")),
        ),
        step(
            "If OLLAMA_ORIGINS already lists other origins, keep them and add this one after a comma.",
            None,
        ),
    ]
}

fn serve_locally_step() -> Step {
    step(
        "Or open the lab from this computer: Ollama accepts pages from http://localhost and http://127.0.0.1 without any setting.",
        Some("scripts/serve.sh    # then open http://127.0.0.1:8080".into()),
    )
}

fn chromium_steps(ctx: &Context) -> Vec<Step> {
    let mut steps = vec![step(
        "Chrome and Edge ask before a website may reach your own computer: when asked whether the site may access devices on your local network, choose Allow. If you chose Block earlier, open the site settings (the icon left of the address), set \"Local network access\" to Allow and reload.",
        None,
    )];
    if ctx.embedded {
        steps.push(step(
            "This lab runs inside another page (an iframe), which can only ask for that permission if the embedding page grants it with the allow attribute:",
            Some("<iframe src=\"…\" allow=\"local-network-access\"></iframe>".into()),
        ));
        steps.push(step(
            "Older Chrome versions send a \"Private Network Access\" preflight instead, which Ollama does not answer: update the browser, or use \"Open full lab\" to run the lab in its own tab.",
            None,
        ));
    }
    steps
}

fn safari_step() -> Step {
    step(
        "Safari (and every browser on iPhone and iPad) blocks an https page from calling http://localhost as mixed content, and no setting changes that. Open the lab from http://localhost instead, or use Chrome, Edge or Firefox.",
        Some("scripts/serve.sh    # then open http://127.0.0.1:8080".into()),
    )
}

fn start_steps(ctx: &Context) -> Vec<Step> {
    if !ctx.endpoint.is_loopback() {
        return vec![
            step(
                format!("Check the address: is {} right, and is that machine on and reachable from yours?", ctx.endpoint.base),
                None,
            ),
            step(
                "A server elsewhere must also allow requests from this page (CORS); for Ollama that is OLLAMA_ORIGINS on that machine.",
                None,
            ),
        ];
    }
    vec![
        step(
            "Start Ollama: on macOS and Windows open the Ollama app; on Linux, or without the app, run:",
            Some("ollama serve".into()),
        ),
        step(
            "Not installed yet? Get it from ollama.com, then fetch a small model:",
            Some("ollama pull llama3.2".into()),
        ),
        step(
            format!(
                "Ollama listens on port 11434 unless OLLAMA_HOST says otherwise; make sure the endpoint ({}) matches.",
                ctx.endpoint.base
            ),
            None,
        ),
    ]
}

/// Plain-words advice for a failure, with the exact commands for this page's origin and endpoint.
pub fn advise(failure: &Failure, ctx: &Context) -> Advice {
    let origin = origin_for_commands(&ctx.page_origin);
    let origin_text = origin
        .clone()
        .unwrap_or_else(|| "<this page's origin>".into());
    let advice = |title: &str, explanation: String, steps: Vec<Step>| Advice {
        title: title.to_string(),
        explanation,
        steps,
    };
    match failure {
        Failure::NothingListening => {
            let mut steps = start_steps(ctx);
            steps.push(probe_step(ctx));
            advice(
                "Nothing answered",
                format!(
                    "The browser could not reach {}. Usually the server is simply not running. (The browser reports a refused connection and a blocked one the same way, so if the check below shows a version, see the origin steps.)",
                    ctx.endpoint.base
                ),
                steps,
            )
        }
        Failure::BlockedByBrowser => {
            let mut steps = vec![probe_step(ctx)];
            if origin.is_none() {
                steps.push(step(
                    "This page has no usable origin (it was probably opened as a file). Serve it over http instead:",
                    Some("scripts/serve.sh    # then open http://127.0.0.1:8080".into()),
                ));
            } else if ctx.ollama_rules() && !is_default_allowed_origin(&ctx.page_origin) {
                steps.extend(origins_steps(&origin_text));
            }
            if matches!(ctx.browser, Browser::Chromium | Browser::Other) && !ctx.page_is_local() && ctx.endpoint.is_loopback() {
                steps.extend(chromium_steps(ctx));
            }
            if matches!(ctx.browser, Browser::Safari | Browser::Other) && ctx.page_is_https() && !ctx.endpoint.is_https() {
                steps.push(safari_step());
            }
            if origin.is_some() {
                steps.push(serve_locally_step());
            }
            advice(
                "The browser blocked the request",
                format!(
                    "Ollama only answers web pages from origins it trusts: by default pages on localhost or 127.0.0.1. This page comes from {origin_text}, so unless OLLAMA_ORIGINS includes it, Ollama refuses and the browser stops the request. That protects you: otherwise any website you visit could use your local model."
                ),
                steps,
            )
        }
        Failure::MixedContent => {
            let mut steps = Vec::new();
            if ctx.endpoint.is_loopback() {
                steps.push(safari_step());
            } else {
                steps.push(step(
                    format!("Use an https address for the server, or open the lab over http. An https page may not call {} because the answer could be read or changed on the way.", ctx.endpoint.base),
                    None,
                ));
            }
            steps.push(serve_locally_step());
            advice(
                "An https page cannot call an http address",
                format!(
                    "This page was loaded over https, and {} is plain http. Browsers block that mix (\"mixed content\") so a secure page never depends on an insecure connection.",
                    ctx.endpoint.base
                ),
                steps,
            )
        }
        Failure::Forbidden => {
            let mut steps = Vec::new();
            if ctx.ollama_rules() {
                steps.extend(origins_steps(&origin_text));
            }
            steps.push(serve_locally_step());
            advice(
                "The server refused this page (403)",
                format!("The server answered 403 Forbidden: it does not accept requests from {origin_text}. Ollama does this for origins missing from OLLAMA_ORIGINS."),
                steps,
            )
        }
        Failure::Unauthorized { message } => advice(
            "API key missing or wrong (401)",
            format!("The server wants an API key and did not accept the one sent (it said: {message}). The key is kept in this tab's memory only, never saved, so it must be entered again after a reload."),
            vec![step("Paste the key into the API key field and test the connection again.", None)],
        ),
        Failure::ModelNotFound { model } => {
            let model = if model.is_empty() {
                ctx.model.clone().unwrap_or_else(|| "<model>".into())
            } else {
                model.clone()
            };
            advice(
                "The model is not installed",
                format!("The server is running but has no model called `{model}`. Models are downloaded once, then run offline."),
                vec![
                    step("Download it (a few GB; the progress shows in the terminal):", Some(format!("ollama pull {model}"))),
                    step("Or pick one that is installed: this lists them.", Some("ollama list".into())),
                ],
            )
        }
        Failure::RouteNotFound { path } => advice(
            "This address is not the expected API",
            format!(
                "The server at {} answered 404 for {path}, so it is not {} — or not a version that has this route. Another program may be using the port, or the address has an extra path.",
                ctx.endpoint.base,
                ctx.kind.label()
            ),
            vec![
                probe_step(ctx),
                step(format!("Ollama's address is {DEFAULT_ENDPOINT} unless configured otherwise."), None),
                step("For an OpenAI-compatible server, choose that API kind instead of Ollama.", None),
            ],
        ),
        Failure::Server { status, message } => advice(
            "The server failed",
            format!("The server answered {status}: {message}. Common causes are a model too large for the memory available, or a model file that failed to load."),
            vec![
                step("Try again; if it repeats, try a smaller model.", None),
                step("Read Ollama's log — macOS:", Some("cat ~/.ollama/logs/server.log".into())),
                step("Linux:", Some("journalctl -u ollama --no-pager -n 50".into())),
                step("Windows (PowerShell):", Some("Get-Content $env:LOCALAPPDATA\\Ollama\\server.log -Tail 50".into())),
            ],
        ),
        Failure::Http { status, message } => advice(
            "The server refused the request",
            format!("The server answered {status}: {message}"),
            vec![step(
                if *status == 429 {
                    "Too many requests at once: wait a moment, or lower the number of parallel calls."
                } else {
                    "Check the request in the code view: model name, and the options' types."
                },
                None,
            )],
        ),
        Failure::InvalidJson { detail, excerpt } => advice(
            "The answer is not what the API sends",
            format!("Something answered at {}, but not with JSON ({detail}). It began with: {excerpt}", ctx.endpoint.base),
            vec![probe_step(ctx), step("Check that the address points at the model server, not a web page or a proxy's login page.", None)],
        ),
        Failure::Timeout { seconds } => advice(
            "No answer in time",
            format!("Nothing came back within {seconds} s. The first call after starting Ollama loads the model into memory, which can take a minute on a laptop; a long answer on a CPU is also slow."),
            vec![
                step("Try again: the model stays loaded for a few minutes after a call.", None),
                step("Or choose a smaller model, or lower num_predict.", None),
            ],
        ),
        Failure::StreamError { message } => advice(
            "The model stopped with an error",
            format!("The generation started, then the server reported: {message}. The text received so far is kept."),
            vec![step("Try again; if it repeats, check Ollama's log or use a smaller model.", None)],
        ),
        Failure::StreamCut => advice(
            "The answer was cut short",
            "The stream stopped before the server said it was done: the connection closed, the server restarted, or the request was cancelled. Finished rows are kept.".into(),
            vec![step("Run the remaining rows again (a run can be resumed).", None)],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(s: &str) -> Endpoint {
        parse_endpoint(s).unwrap()
    }

    fn ctx(origin: &str, endpoint: &str, browser: Browser) -> Context {
        Context {
            page_origin: origin.into(),
            endpoint: ep(endpoint),
            kind: ApiKind::Ollama,
            embedded: false,
            browser,
            model: Some("llama3.2".into()),
        }
    }

    fn all_code(a: &Advice) -> String {
        a.steps
            .iter()
            .filter_map(|s| s.code.clone())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn endpoints_are_normalised() {
        let e = ep("  localhost:11434/ ");
        assert_eq!(e.base, "http://localhost:11434");
        assert_eq!((e.port, e.hint), (Some(11434), None));
        assert_eq!(
            ep("HTTP://LocalHost:11434/api").base,
            "http://localhost:11434"
        );
        assert_eq!(
            ep("http://127.0.0.1:11434/api/chat").hint,
            Some(ApiKind::Ollama)
        );
        let v1 = ep("https://api.openai.com/v1/");
        assert_eq!(
            (v1.base.as_str(), v1.hint),
            ("https://api.openai.com", Some(ApiKind::OpenAi))
        );
        assert_eq!(
            ep("https://openrouter.ai/api/v1").base,
            "https://openrouter.ai/api"
        );
        assert_eq!(ep("http://[::1]:11434").host, "[::1]");
        assert_eq!(
            ep("http://localhost:11434").url("/api/tags"),
            "http://localhost:11434/api/tags"
        );
    }

    #[test]
    fn bad_endpoints_get_clear_messages() {
        let msg = |s: &str| parse_endpoint(s).unwrap_err().to_string();
        assert!(msg("").contains("http://localhost:11434"));
        assert!(msg("   ").contains("Enter the address"));
        assert!(msg("ftp://localhost").contains("http:// or https://"));
        assert!(msg("ws://localhost:11434").contains("`ws://`"));
        assert!(msg("localhost:99999").contains("1 to 65535"));
        assert!(msg("localhost:abc").contains("port `abc`"));
        assert!(msg("http://:11434").contains("no host"));
        assert!(msg("http://user:pw@host").contains("API key"));
        assert!(msg("http://local host").contains("space"));
        assert!(msg("http://localhost:11434/?x=1").contains("`?…`"));
        assert!(msg("http://ex%ample.com").contains("not a valid host"));
    }

    #[test]
    fn loopback_detection() {
        assert!(ep("localhost:1").is_loopback());
        assert!(ep("127.0.0.1").is_loopback());
        assert!(ep("http://127.1.2.3").is_loopback());
        assert!(ep("http://[::1]").is_loopback());
        assert!(ep("http://lab.localhost").is_loopback());
        assert!(!ep("http://192.168.1.5:11434").is_loopback());
        assert!(!ep("http://127.example.com").is_loopback());
    }

    #[test]
    fn ollama_default_origins() {
        for ok in [
            "http://localhost",
            "http://localhost:8080",
            "https://127.0.0.1:3000",
            "http://0.0.0.0:1",
            "HTTP://LOCALHOST:5173",
            "app://anything",
            "file://",
            "tauri://localhost",
            "vscode-webview://abc123",
            "chrome-extension://abcdef",
        ] {
            assert!(is_default_allowed_origin(ok), "{ok}");
        }
        for refused in [
            "https://course.example",
            "http://localhost.evil.com",
            "http://127.0.0.2:8080",
            "http://[::1]:8080",
            "http://lab.localhost:8080",
            "http://localhost:abc",
            "null",
            "",
        ] {
            assert!(!is_default_allowed_origin(refused), "{refused}");
        }
    }

    #[test]
    fn browsers_from_user_agents() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";
        let safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        let ios_chrome = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0 Mobile/15E148 Safari/604.1";
        assert_eq!(Browser::from_user_agent(chrome), Browser::Chromium);
        assert_eq!(Browser::from_user_agent(safari), Browser::Safari);
        assert_eq!(Browser::from_user_agent(firefox), Browser::Firefox);
        assert_eq!(Browser::from_user_agent(ios_chrome), Browser::Safari);
        assert_eq!(Browser::from_user_agent("curl/8"), Browser::Other);
    }

    #[test]
    fn network_errors_are_classified_from_context() {
        let local = ctx("http://127.0.0.1:8080", DEFAULT_ENDPOINT, Browser::Chromium);
        assert_eq!(classify_network_error(&local), Failure::NothingListening);
        let course = ctx("https://course.example", DEFAULT_ENDPOINT, Browser::Firefox);
        assert_eq!(classify_network_error(&course), Failure::BlockedByBrowser);
        let safari = ctx("https://course.example", DEFAULT_ENDPOINT, Browser::Safari);
        assert_eq!(classify_network_error(&safari), Failure::MixedContent);
        let remote_http = ctx(
            "https://course.example",
            "http://192.168.1.5:11434",
            Browser::Chromium,
        );
        assert_eq!(classify_network_error(&remote_http), Failure::MixedContent);
        // An allowed origin on Chrome reaching localhost needs no permission: the page is local too.
        let lan_page = ctx(
            "http://localhost:3000",
            "http://127.0.0.1:11434",
            Browser::Chromium,
        );
        assert_eq!(classify_network_error(&lan_page), Failure::NothingListening);
        // A remote OpenAI-compatible server over https: no local rule is involved, so it is unreachable.
        let allowed_remote = Context {
            kind: ApiKind::OpenAi,
            endpoint: ep("https://api.example.com/v1"),
            ..ctx(
                "https://course.example",
                DEFAULT_ENDPOINT,
                Browser::Chromium,
            )
        };
        assert_eq!(
            classify_network_error(&allowed_remote),
            Failure::NothingListening
        );
    }

    #[test]
    fn statuses_are_classified() {
        let f = classify_status(
            404,
            r#"{"error":"model \"llama3.2\" not found, try pulling it first"}"#,
            "/api/chat",
            None,
        );
        assert_eq!(
            f,
            Some(Failure::ModelNotFound {
                model: "llama3.2".into()
            })
        );
        let f = classify_status(
            404,
            r#"{"error":"model 'qwen2:0.5b' not found"}"#,
            "/api/chat",
            None,
        );
        assert_eq!(
            f,
            Some(Failure::ModelNotFound {
                model: "qwen2:0.5b".into()
            })
        );
        let f = classify_status(
            404,
            r#"{"error":{"message":"The model does not exist","code":"model_not_found"}}"#,
            "/v1/chat/completions",
            Some("gpt-x"),
        );
        assert_eq!(
            f,
            Some(Failure::ModelNotFound {
                model: "gpt-x".into()
            })
        );
        let f = classify_status(404, "404 page not found", "/api/version", None);
        assert_eq!(
            f,
            Some(Failure::RouteNotFound {
                path: "/api/version".into()
            })
        );
        assert_eq!(
            classify_status(403, "", "/api/tags", None),
            Some(Failure::Forbidden)
        );
        assert_eq!(
            classify_status(
                500,
                r#"{"error":"llama runner process has terminated"}"#,
                "/api/chat",
                None
            ),
            Some(Failure::Server {
                status: 500,
                message: "llama runner process has terminated".into()
            })
        );
        assert_eq!(
            classify_status(502, "", "/api/chat", None),
            Some(Failure::Server {
                status: 502,
                message: "(empty body)".into()
            })
        );
        assert!(matches!(
            classify_status(401, "{}", "/v1/models", None),
            Some(Failure::Unauthorized { .. })
        ));
        assert!(matches!(
            classify_status(429, "slow down", "/api/chat", None),
            Some(Failure::Http { status: 429, .. })
        ));
        assert_eq!(classify_status(200, "{}", "/api/tags", None), None);
    }

    #[test]
    fn non_json_bodies_are_recognised() {
        let Err(Failure::InvalidJson { detail, excerpt }) = check_json("<!doctype html><html>")
        else {
            panic!()
        };
        assert!(detail.contains("web page"));
        assert!(excerpt.starts_with("<!doctype"));
        assert!(
            matches!(check_json(""), Err(Failure::InvalidJson { detail, .. }) if detail.contains("empty"))
        );
        assert!(check_json("{\"version\":\"0.1\"}").is_ok());
    }

    #[test]
    fn blocked_advice_has_every_systems_command_for_this_origin() {
        let c = ctx("https://course.example", DEFAULT_ENDPOINT, Browser::Other);
        let a = advise(&Failure::BlockedByBrowser, &c);
        let code = all_code(&a);
        for expected in [
            "launchctl setenv OLLAMA_ORIGINS \"https://course.example\"",
            "sudo systemctl edit ollama.service",
            "[Service]\nEnvironment=\"OLLAMA_ORIGINS=https://course.example\"",
            "sudo systemctl daemon-reload && sudo systemctl restart ollama",
            "setx OLLAMA_ORIGINS \"https://course.example\"",
            "OLLAMA_ORIGINS=https://course.example ollama serve",
            "curl http://localhost:11434/api/version",
        ] {
            assert!(code.contains(expected), "missing {expected:?} in\n{code}");
        }
        let labels: String = a.steps.iter().map(|s| s.label.as_str()).collect();
        assert!(
            labels.contains("Local network access"),
            "Chrome's permission is explained"
        );
        assert!(
            labels.contains("Safari"),
            "Safari's rule is explained for an unknown browser"
        );
        assert!(!labels.contains("iframe"), "not embedded");
    }

    #[test]
    fn embedded_advice_mentions_the_iframe_allow_attribute() {
        let c = Context {
            embedded: true,
            ..ctx(
                "https://slides.example",
                DEFAULT_ENDPOINT,
                Browser::Chromium,
            )
        };
        let a = advise(&Failure::BlockedByBrowser, &c);
        assert!(all_code(&a).contains("allow=\"local-network-access\""));
        assert!(a
            .steps
            .iter()
            .any(|s| s.label.contains("Private Network Access")));
        assert!(
            !a.steps.iter().any(|s| s.label.contains("Safari")),
            "Chromium only"
        );
    }

    #[test]
    fn unsafe_or_opaque_origins_never_reach_a_command() {
        let c = ctx("null", DEFAULT_ENDPOINT, Browser::Firefox);
        let a = advise(&Failure::BlockedByBrowser, &c);
        assert!(!all_code(&a).contains("OLLAMA_ORIGINS"));
        assert!(a.steps.iter().any(|s| s.label.contains("opened as a file")));
        let evil = ctx(
            "https://x.example\"; rm -rf ~; \"",
            DEFAULT_ENDPOINT,
            Browser::Firefox,
        );
        let a = advise(&Failure::Forbidden, &evil);
        assert!(!all_code(&a).contains("rm -rf"));
        assert!(all_code(&a).contains("<this page's origin>"));
    }

    #[test]
    fn other_advice() {
        let c = ctx("http://127.0.0.1:8080", DEFAULT_ENDPOINT, Browser::Firefox);
        let a = advise(
            &Failure::ModelNotFound {
                model: "llama3.2:1b".into(),
            },
            &c,
        );
        assert!(all_code(&a).contains("ollama pull llama3.2:1b"));
        let a = advise(
            &Failure::ModelNotFound {
                model: String::new(),
            },
            &c,
        );
        assert!(
            all_code(&a).contains("ollama pull llama3.2"),
            "falls back to the requested model"
        );
        let a = advise(&Failure::NothingListening, &c);
        assert!(all_code(&a).contains("ollama serve"));
        assert_eq!(a.title, "Nothing answered");
        let safari = ctx("https://course.example", DEFAULT_ENDPOINT, Browser::Safari);
        let a = advise(&Failure::MixedContent, &safari);
        assert!(a.steps[0].label.contains("Safari"));
        assert!(advise(&Failure::Timeout { seconds: 60 }, &c)
            .explanation
            .contains("60 s"));
        for f in [
            Failure::RouteNotFound {
                path: "/api/tags".into(),
            },
            Failure::Server {
                status: 500,
                message: "x".into(),
            },
            Failure::StreamCut,
            Failure::StreamError {
                message: "y".into(),
            },
        ] {
            let a = advise(&f, &c);
            assert!(!a.title.is_empty() && !a.steps.is_empty(), "{f:?}");
            assert!(!f.short().is_empty());
        }
    }

    #[test]
    fn ended_streams_are_classified() {
        use crate::core::llm::ollama::{FinalStats, StreamEvent};
        let mut acc = Accumulator::default();
        acc.apply(&StreamEvent::Delta("a".into()));
        assert_eq!(classify_stream(&acc), Some(Failure::StreamCut));
        acc.apply(&StreamEvent::Done(FinalStats::default()));
        assert_eq!(classify_stream(&acc), None);
        let mut bad = Accumulator::default();
        bad.apply(&StreamEvent::Error("oom".into()));
        assert_eq!(
            classify_stream(&bad),
            Some(Failure::StreamError {
                message: "oom".into()
            })
        );
    }

    #[test]
    fn failure_serialises_with_a_kind_tag() {
        let v = serde_json::to_value(Failure::ModelNotFound { model: "m".into() }).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"kind": "model_not_found", "model": "m"})
        );
    }
}
