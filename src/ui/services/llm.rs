//! The model connection every lab that calls a model shares: endpoint, API, key (memory only), the models
//! the server offers and the one chosen. Its panel is `widgets::llm_connection`.
//!
//! One [`Llm`] lives at the app's root, in Leptos context. The endpoint, API and model are remembered in
//! `localStorage`, so a connection set up on one lab page holds on the next; an API key never is.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::llm::connection::{advise, parse_endpoint, Advice, ApiKind, Failure};
use crate::core::llm::ollama::{parse_tags, parse_version, TAGS_PATH, VERSION_PATH};
use crate::core::llm::openai::{parse_models, ApiKey, MODELS_PATH};
use crate::web::llm::{get_json, CallError, Server};
use crate::web::storage;

const KEY_ENDPOINT: &str = "datalab.llm.endpoint";
const KEY_API: &str = "datalab.llm.api";
const KEY_MODEL: &str = "datalab.llm.model";

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
}

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
        Llm {
            endpoint: RwSignal::new(
                storage::get(KEY_ENDPOINT).unwrap_or_else(|| "http://localhost:11434".into()),
            ),
            kind: RwSignal::new(kind),
            key: RwSignal::new(String::new()),
            state: RwSignal::new(LinkState::Untested),
            models: RwSignal::new(Vec::new()),
            model: RwSignal::new(storage::get(KEY_MODEL).unwrap_or_default()),
        }
    }

    /// The app's connection, provided by the app's root ([`provide_llm`]); call it while a component is
    /// built and keep the (copyable) value for event handlers and async tasks, which run without one.
    pub fn get() -> Llm {
        expect_context::<Llm>()
    }

    /// Switches the API (remembered); the connection must be tested again.
    pub fn set_kind(&self, kind: ApiKind) {
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

    /// The server the calls go to, or why the endpoint field cannot be used.
    pub fn server(&self) -> Result<Server, String> {
        let endpoint = parse_endpoint(&self.endpoint.get_untracked()).map_err(|e| e.0)?;
        let key = self.key.get_untracked();
        Ok(Server {
            kind: self.kind.get_untracked(),
            endpoint,
            api_key: ApiKey::new(&key),
        })
    }

    /// The model chosen, or a message asking for one.
    pub fn chosen_model(&self) -> Result<String, String> {
        let m = self.model.get_untracked().trim().to_string();
        if m.is_empty() {
            Err("Choose a model first: click \"Test connection\" and pick one from the list (or type its name).".into())
        } else {
            Ok(m)
        }
    }

    /// Shows a failed call's advice in the connection panel.
    pub fn report(&self, server: &Server, failure: Failure) {
        let ctx = server.context(Some(&self.model.get_untracked()));
        let advice = advise(&failure, &ctx);
        self.state.set(LinkState::Failed(failure, advice));
    }

    /// Probes the server: its version (Ollama), then its models.
    pub fn test(self) {
        let server = match self.server() {
            Ok(s) => s,
            Err(e) => {
                self.state.set(LinkState::BadEndpoint(e));
                return;
            }
        };
        self.endpoint.set(server.endpoint.base.clone());
        storage::set(KEY_ENDPOINT, &server.endpoint.base);
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
                    ApiKind::Ollama => parse_tags(&v)
                        .map(|t| t.models.into_iter().map(|m| m.name).collect())
                        .unwrap_or_default(),
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
