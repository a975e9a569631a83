//! The model connection every lab that calls a model shares: endpoint, API, key (memory only), the models
//! the server offers and the one chosen. Its panel is `widgets::llm_connection`.
//!
//! One [`Llm`] lives at the app's root, in Leptos context. The endpoint, API and model are remembered in
//! `localStorage`, so a connection set up on one lab page holds on the next; an API key never is. A class
//! link (`?ollama=<endpoint>&model=<model>`) sets both on opening.
//!
//! Every model call of every lab goes through [`Llm::call`]: it waits out a busy shared server (jittered
//! backoff, cancellable, bounded), records the answer for a run bundle when asked, and — with a bundle
//! loaded — replays the recorded answer instead of sending anything.

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::llm::bundle::{LineRecorder, RecordedCall, Replayer, RunBundle};
use crate::core::llm::call::Planned;
use crate::core::llm::classroom::class_params;
use crate::core::llm::connection::{advise, parse_endpoint, Advice, ApiKind, Failure};
use crate::core::llm::ollama::{parse_tags, parse_version, Completion, TAGS_PATH, VERSION_PATH};
use crate::core::llm::openai::{parse_models, ApiKey, MODELS_PATH};
use crate::core::llm::ps::{loaded_line, parse_ps, PS_PATH};
use crate::core::llm::retry::{busy_line, is_busy, Backoff};
use crate::web::llm::{get_json, replay, stream, Abort, CallError, Server};
use crate::web::storage;
use crate::web::tick::{now_ms, sleep};

const KEY_ENDPOINT: &str = "datalab.llm.endpoint";
const KEY_API: &str = "datalab.llm.api";
const KEY_MODEL: &str = "datalab.llm.model";
const KEY_PARALLEL: &str = "datalab.llm.parallel";
const KEY_PATIENCE: &str = "datalab.llm.patience";

/// The most requests one page keeps in flight: beyond the server's slots they only queue.
pub const MAX_PARALLEL: u32 = 16;

/// The lab version a run bundle records (and must match to be replayed).
pub const LAB_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The calls of one run, recorded for a run bundle (a lab keeps one per run and exports it).
pub type Tape = StoredValue<Vec<RecordedCall>>;

/// Where the connection stands.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkState {
    Untested,
    Testing,
    Connected {
        version: Option<String>,
        models: usize,
    },
    /// The endpoint field itself is not an address.
    BadEndpoint(String),
    Failed(Failure, Advice),
    /// A run bundle is loaded: calls are answered from it, nothing is sent.
    Replaying(String),
}

/// The connection's signals.
#[derive(Clone, Copy)]
pub struct Llm {
    pub endpoint: RwSignal<String>,
    pub kind: RwSignal<ApiKind>,
    /// Kept in this tab's memory only: never stored, never exported, never shown in code.
    pub key: RwSignal<String>,
    pub state: RwSignal<LinkState>,
    pub models: RwSignal<Vec<String>>,
    pub model: RwSignal<String>,
    /// Model digests from `/api/tags`, by name (a run bundle records the one it used).
    pub digests: RwSignal<HashMap<String, String>>,
    /// How many calls a run keeps in flight at once (1..=[`MAX_PARALLEL`]).
    pub parallel: RwSignal<u32>,
    /// Seconds to keep retrying a busy server before giving up.
    pub patience: RwSignal<u32>,
    /// "server busy — retrying (n) …" while a call waits, for the page to show.
    pub waiting: RwSignal<Option<String>>,
    /// Whether the model is in memory (from `/api/ps`, polled while calls are in flight).
    pub loaded: RwSignal<Option<(bool, String)>>,
    /// Calls in flight now.
    pub in_flight: RwSignal<usize>,
    /// The run bundle being replayed, if one is loaded.
    pub replay: RwSignal<Option<Arc<Replayer>>>,
    /// The "Replay" choice is on (a bundle may not be loaded yet).
    pub replay_mode: RwSignal<bool>,
    /// Why the class link's endpoint was not used, or why a bundle was refused.
    pub problem: RwSignal<Option<String>>,
    /// The API choice "In this page": the model in the page's own worker answers (remembered).
    pub in_page: RwSignal<bool>,
}

/// The placeholder address of the in-page model (nothing is ever sent there; see `web::llm::Server`).
pub const IN_PAGE_ENDPOINT: &str = "http://in-page.invalid";

/// Makes the app's one connection and provides it to every page below (see [`Llm::get`]).
pub fn provide_llm() {
    provide_context(Llm::new());
}

impl Llm {
    fn new() -> Llm {
        let kind = match storage::get(KEY_API).as_deref() {
            Some("openai") => ApiKind::OpenAi,
            _ => ApiKind::Ollama,
        };
        let num = |key: &str, default: u32, max: u32| {
            storage::get(key)
                .and_then(|s| s.parse::<u32>().ok())
                .filter(|n| (1..=max).contains(n))
                .unwrap_or(default)
        };
        let llm = Llm {
            endpoint: RwSignal::new(
                storage::get(KEY_ENDPOINT).unwrap_or_else(|| "http://localhost:11434".into()),
            ),
            kind: RwSignal::new(kind),
            key: RwSignal::new(String::new()),
            state: RwSignal::new(LinkState::Untested),
            models: RwSignal::new(Vec::new()),
            model: RwSignal::new(storage::get(KEY_MODEL).unwrap_or_default()),
            digests: RwSignal::new(HashMap::new()),
            parallel: RwSignal::new(num(KEY_PARALLEL, 1, MAX_PARALLEL)),
            patience: RwSignal::new(num(KEY_PATIENCE, 120, 3600)),
            waiting: RwSignal::new(None),
            loaded: RwSignal::new(None),
            in_flight: RwSignal::new(0),
            replay: RwSignal::new(None),
            replay_mode: RwSignal::new(false),
            problem: RwSignal::new(None),
            in_page: RwSignal::new(storage::get(KEY_API).as_deref() == Some("in-page")),
        };
        llm.apply_class_link();
        llm
    }

    /// A class link (`?ollama=…&model=…`) sets the endpoint and model, and they are remembered, so a reload
    /// or another lab keeps them. A malformed endpoint is named and leaves the old one in place.
    fn apply_class_link(&self) {
        let p = class_params(&crate::web::url::current_query());
        match p.endpoint {
            Some(Ok(e)) => {
                storage::set(KEY_ENDPOINT, &e);
                self.endpoint.set(e);
                // A class server is Ollama's own API.
                storage::set(KEY_API, "ollama");
                self.kind.set(ApiKind::Ollama);
                self.in_page.set(false);
            }
            Some(Err(msg)) => self.problem.set(Some(msg)),
            None => {}
        }
        if let Some(m) = p.model {
            self.set_model(m);
        }
    }

    /// Sets the number of parallel requests (remembered), clamped to 1..=[`MAX_PARALLEL`].
    pub fn set_parallel(&self, n: u32) {
        let n = n.clamp(1, MAX_PARALLEL);
        storage::set(KEY_PARALLEL, &n.to_string());
        self.parallel.set(n);
    }

    /// Sets how long to wait for a busy server (remembered), 1 s to an hour.
    pub fn set_patience(&self, s: u32) {
        let s = s.clamp(1, 3600);
        storage::set(KEY_PATIENCE, &s.to_string());
        self.patience.set(s);
    }

    /// Loads a run bundle: from now on calls are answered from it. A refused bundle leaves the
    /// connection as it was and says why.
    pub fn load_bundle(&self, text: &str) {
        match RunBundle::load(text, LAB_VERSION) {
            Ok(b) => {
                let summary = b.summary();
                self.problem.set(None);
                self.kind.set(b.api);
                self.model.set(b.model.clone());
                self.replay.set(Some(Arc::new(Replayer::new(b))));
                self.replay_mode.set(true);
                self.state.set(LinkState::Replaying(summary));
            }
            Err(e) => self.problem.set(Some(e)),
        }
    }

    /// Leaves replay: calls go to the endpoint again.
    pub fn stop_replay(&self) {
        self.replay.set(None);
        self.replay_mode.set(false);
        self.state.set(LinkState::Untested);
    }

    /// Whether calls are answered from a bundle (not reactive).
    pub fn replaying(&self) -> bool {
        self.replay.with_untracked(Option::is_some)
    }

    /// The app's connection, provided by the app's root ([`provide_llm`]); call it while a component is
    /// built and keep the (copyable) value for event handlers and async tasks, which run without one.
    pub fn get() -> Llm {
        expect_context::<Llm>()
    }

    /// Chooses the model in the page ("In this page", remembered); the connection must be tested again.
    pub fn set_in_page(&self) {
        storage::set(KEY_API, "in-page");
        self.kind.set(ApiKind::Ollama);
        self.in_page.set(true);
        self.state.set(LinkState::Untested);
    }

    /// Switches the API (remembered); the connection must be tested again.
    pub fn set_kind(&self, kind: ApiKind) {
        self.in_page.set(false);
        storage::set(
            KEY_API,
            if kind == ApiKind::OpenAi {
                "openai"
            } else {
                "ollama"
            },
        );
        self.kind.set(kind);
        self.state.set(LinkState::Untested);
    }

    /// Chooses the model (remembered).
    pub fn set_model(&self, model: String) {
        storage::set(KEY_MODEL, &model);
        self.model.set(model);
    }

    /// The server the calls go to, or why the endpoint field cannot be used. While replaying, the
    /// server the bundle was recorded against (nothing is sent to it).
    pub fn server(&self) -> Result<Server, String> {
        if let Some(r) = self.replay.get_untracked() {
            let b = r.bundle();
            let endpoint = parse_endpoint(&b.endpoint)
                .or_else(|_| parse_endpoint(crate::core::llm::connection::DEFAULT_ENDPOINT))
                .map_err(|e| e.0)?;
            return Ok(Server {
                kind: b.api,
                endpoint,
                api_key: None,
                in_page: false,
            });
        }
        if self.replay_mode.get_untracked() {
            return Err("Replay is chosen but no run bundle is loaded: load the instructor's file with \"Run bundle\" in the connection panel, or choose Ollama.".into());
        }
        if self.in_page.get_untracked() {
            return Ok(Server {
                kind: ApiKind::Ollama,
                endpoint: parse_endpoint(IN_PAGE_ENDPOINT).map_err(|e| e.0)?,
                api_key: None,
                in_page: true,
            });
        }
        let endpoint = parse_endpoint(&self.endpoint.get_untracked()).map_err(|e| e.0)?;
        let key = self.key.get_untracked();
        Ok(Server {
            kind: self.kind.get_untracked(),
            endpoint,
            api_key: ApiKey::new(&key),
            in_page: false,
        })
    }

    /// The model chosen, or a message asking for one.
    pub fn chosen_model(&self) -> Result<String, String> {
        if let Some(r) = self.replay.get_untracked() {
            return Ok(r.bundle().model.clone());
        }
        let m = self.model.get_untracked().trim().to_string();
        if m.is_empty() {
            Err("Choose a model first: click \"Test connection\" and pick one from the list (or type its name).".into())
        } else {
            Ok(m)
        }
    }

    /// The digest `/api/tags` gave for `model`, if the connection was tested.
    pub fn digest_of(&self, model: &str) -> Option<String> {
        self.digests.with_untracked(|d| d.get(model).cloned())
    }

    /// Makes sure the digest of `model` is known (a class link skips "Test connection"), so a run bundle
    /// can record which exact model answered. A failure here is not the run's business: the run's own
    /// calls will say what is wrong.
    pub async fn ensure_digest(&self, server: &Server, model: &str) {
        if server.kind != ApiKind::Ollama || self.replaying() || self.digest_of(model).is_some() {
            return;
        }
        if let Ok(v) = get_json(server, TAGS_PATH, 5).await {
            if let Ok(t) = parse_tags(&v) {
                self.digests.update(|d| {
                    for m in t.models {
                        if let Some(dg) = m.digest {
                            d.insert(m.name, dg);
                        }
                    }
                });
            }
        }
    }

    /// A run bundle of `calls`, sealed: what "Export run bundle" saves.
    pub fn bundle_of(
        &self,
        lab: &str,
        model: &str,
        settings: serde_json::Value,
        calls: Vec<RecordedCall>,
    ) -> RunBundle {
        let server = self.server().ok();
        RunBundle {
            format: crate::core::llm::bundle::BUNDLE_FORMAT.into(),
            lab_version: LAB_VERSION.into(),
            lab: lab.into(),
            created: crate::ui::services::workspace::now_iso(),
            api: server.as_ref().map_or(ApiKind::Ollama, |s| s.kind),
            endpoint: server.map(|s| s.endpoint.base).unwrap_or_default(),
            model: model.into(),
            digest: self.digest_of(model),
            settings,
            calls,
            hash: String::new(),
        }
        .seal()
    }

    /// Sends one planned call (or answers it from the loaded bundle), streaming its text to `on_text`.
    /// A busy server is retried with jittered exponential backoff until [`Llm::patience`] runs out,
    /// with "server busy — retrying (n)" in [`Llm::waiting`]; Cancel (`abort`) stops the wait too. With
    /// `tape`, a live answer is recorded for a run bundle.
    pub async fn call(
        &self,
        server: &Server,
        planned: &Planned,
        model: &str,
        abort: &Abort,
        tape: Option<Tape>,
        mut on_text: impl FnMut(&str),
    ) -> Result<Completion, CallError> {
        let body: serde_json::Value = serde_json::from_str(&planned.body).unwrap_or_default();
        if let Some(r) = self.replay.get_untracked() {
            return match r.find(planned.path, &body) {
                Some(rec) => replay(planned, rec, model, abort, on_text).await,
                None => Err(CallError::Failed(Failure::NotRecorded {
                    what: not_recorded(&r, planned.path, &body),
                })),
            };
        }
        let backoff = Backoff::giving_up_after(self.patience.get_untracked());
        let (mut retries, mut waited) = (0u32, 0.0f64);
        self.begin_call(server, model);
        let result = loop {
            let mut rec = tape.map(|_| LineRecorder::default());
            let t0 = now_ms();
            let r = stream(server, planned, model, abort, &mut on_text, rec.as_mut()).await;
            match r {
                Err(CallError::Failed(f)) if is_busy(&f) => {
                    retries += 1;
                    let Some(wait) = backoff.wait_ms(retries, js_sys::Math::random(), waited)
                    else {
                        break Err(CallError::Failed(Failure::Busy {
                            retries: retries - 1,
                            waited_s: (waited / 1000.0).round() as u32,
                        }));
                    };
                    if !self.wait_out(wait, retries, &mut waited, abort).await {
                        break Err(CallError::Cancelled);
                    }
                }
                Ok(c) => {
                    if let (Some(tape), Some(rec)) = (tape, rec) {
                        let lines = rec.finish(now_ms() - t0);
                        tape.update_value(|t| {
                            t.push(RecordedCall {
                                path: planned.path.to_string(),
                                body: body.clone(),
                                status: 200,
                                lines,
                            })
                        });
                    }
                    break Ok(c);
                }
                other => break other,
            }
        };
        self.waiting.set(None);
        self.in_flight.update(|n| *n = n.saturating_sub(1));
        result
    }

    /// Waits `wait` ms in small steps, showing the countdown; false when cancelled meanwhile.
    async fn wait_out(&self, wait: f64, retry: u32, waited: &mut f64, abort: &Abort) -> bool {
        let end = now_ms() + wait;
        loop {
            let left = end - now_ms();
            if abort.aborted() {
                return false;
            }
            if left <= 0.0 {
                *waited += wait;
                return true;
            }
            self.waiting
                .set(Some(busy_line(retry, left, *waited + wait - left)));
            sleep(left.min(250.0) as i32).await;
        }
    }

    /// Counts a call in flight; the first one starts polling `/api/ps` (Ollama only) so the page can say
    /// whether a long wait is the model loading.
    fn begin_call(&self, server: &Server, model: &str) {
        let first = self.in_flight.get_untracked() == 0;
        self.in_flight.update(|n| *n += 1);
        if !first || server.kind != ApiKind::Ollama {
            return;
        }
        let (llm, server, model) = (*self, server.clone(), model.to_string());
        spawn_local(async move {
            while llm.in_flight.get_untracked() > 0 {
                // A hidden slide does not poll the class's server.
                crate::web::embed::wait_on_stage().await;
                if let Ok(v) = get_json(&server, PS_PATH, 5).await {
                    llm.loaded.set(Some(loaded_line(&model, &parse_ps(&v))));
                }
                sleep(3000).await;
            }
        });
    }

    /// Shows a failed call's advice in the connection panel.
    pub fn report(&self, server: &Server, failure: Failure) {
        let ctx = server.context(Some(&self.model.get_untracked()));
        let advice = advise(&failure, &ctx);
        self.state.set(LinkState::Failed(failure, advice));
    }

    /// Probes the server: its version (Ollama), then its models.
    pub fn test(self) {
        if let Some(r) = self.replay.get_untracked() {
            self.state.set(LinkState::Replaying(r.bundle().summary()));
            return;
        }
        let server = match self.server() {
            Ok(s) => s,
            Err(e) => {
                self.state.set(LinkState::BadEndpoint(e));
                return;
            }
        };
        if !server.in_page {
            self.endpoint.set(server.endpoint.base.clone());
            storage::set(KEY_ENDPOINT, &server.endpoint.base);
        }
        self.state.set(LinkState::Testing);
        spawn_local(async move {
            let version = if server.kind == ApiKind::Ollama {
                match get_json(&server, VERSION_PATH, 5).await {
                    Ok(v) => parse_version(&v).ok().map(|v| v.version),
                    Err(CallError::Failed(f)) => return self.report(&server, f),
                    Err(CallError::Cancelled) => return,
                }
            } else {
                None
            };
            let path = match server.kind {
                ApiKind::Ollama => TAGS_PATH,
                ApiKind::OpenAi => MODELS_PATH,
            };
            let models: Vec<String> = match get_json(&server, path, 5).await {
                Ok(v) => match server.kind {
                    ApiKind::Ollama => {
                        let tags = parse_tags(&v).map(|t| t.models).unwrap_or_default();
                        self.digests.set(
                            tags.iter()
                                .filter_map(|m| Some((m.name.clone(), m.digest.clone()?)))
                                .collect(),
                        );
                        tags.into_iter().map(|m| m.name).collect()
                    }
                    ApiKind::OpenAi => parse_models(&v)
                        .map(|m| m.into_iter().map(|m| m.id).collect())
                        .unwrap_or_default(),
                },
                Err(CallError::Failed(f)) => return self.report(&server, f),
                Err(CallError::Cancelled) => return,
            };
            let n = models.len();
            if !models.is_empty() && !models.contains(&self.model.get_untracked()) {
                self.model.set(models[0].clone());
            }
            self.models.set(models);
            self.state.set(LinkState::Connected { version, models: n });
        });
    }
}

/// Names a request the bundle lacks: route, seed, and how it differs from the closest recorded one.
fn not_recorded(r: &Replayer, path: &str, body: &serde_json::Value) -> String {
    let seed = body
        .pointer("/options/seed")
        .or_else(|| body.get("seed"))
        .map(|s| format!(" with seed {s}"))
        .unwrap_or_default();
    let diffs = r.differences(path, body);
    let shown: Vec<&str> = diffs.iter().take(4).map(String::as_str).collect();
    let more = if diffs.len() > 4 {
        format!(" (and {} more)", diffs.len() - 4)
    } else {
        String::new()
    };
    format!(
        "a {path} request{seed} — closest recorded one differs in {}{more}",
        shown.join("; ")
    )
}

/// Runs `work` on each item with at most `limit` in flight, starting them in order. Once one returns
/// false (Cancel, or a failure that stops the run) no further item starts; those in flight finish or
/// are stopped by their own abort. Results land wherever `work` puts them — by index, so the order in
/// which they finish does not matter.
pub async fn each_parallel<T, Fut>(limit: usize, items: Vec<T>, work: impl Fn(T) -> Fut)
where
    Fut: std::future::Future<Output = bool>,
{
    use futures::StreamExt;
    let stop = std::cell::Cell::new(false);
    let (stop, work) = (&stop, &work);
    futures::stream::iter(items)
        .map(|item| async move {
            if stop.get() {
                return;
            }
            if !work(item).await {
                stop.set(true);
            }
        })
        .buffer_unordered(limit.max(1))
        .collect::<Vec<()>>()
        .await;
}
