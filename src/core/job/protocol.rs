//! The one message protocol between the page and its background workers, for every lab's jobs.
//!
//! A request is a [`Request`] and every answer a [`Reply`], both as JSON in the message's `json` field —
//! one definition on both sides, since the worker runs the page's own wasm module. Bulky inputs and
//! outputs never go through JSON: they travel beside it as named *attachments* (a transferred buffer, a
//! `File` or `Blob` passed by reference), listed with each variant below under the names in [`attach`].
//!
//! Adding a worker job means adding a variant here, its answer in [`Answer`], and one arm in the worker's
//! dispatch; the transport, progress, cancel and error handling are shared.

use serde::{Deserialize, Serialize};

use crate::core::ab::measure::ArmResult;
use crate::core::ab::plan::TokenizerPlan;
use crate::core::ab::proxy::ArmJob;
use crate::core::drills::tokens::TokenReport;
use crate::core::imdb::baseline::BaselineReport;
use crate::core::imdb::jobs::PrepareSummary;
use crate::core::imdb::logreg::Settings as LogRegSettings;
use crate::core::imdb::prepare::SplitSettings;
use crate::core::quality::jobs::{Job as QualityJob, Outcome as QualityOutcome};

/// Names of the attachments that travel beside a message's JSON.
pub mod attach {
    /// Rows packed by `quality::jobs::pack_rows`, a transferred `Uint8Array`.
    pub const ROWS: &str = "rows";
    /// A tokenizer rank file's bytes, a `Uint8Array`.
    pub const RANKS: &str = "ranks";
    /// The archive the student picked, a `File` (passed by reference, read in slices by the worker).
    pub const FILE: &str = "file";
    /// Files: a list of `Blob`s (page → worker) or transferred `Uint8Array`s (worker → page).
    pub const FILES: &str = "files";
    /// An A/B arm's training rows, packed like [`ROWS`], a transferred `Uint8Array`.
    pub const TRAIN: &str = "train";
    /// The evaluation set's rows, packed like [`ROWS`], a transferred `Uint8Array`.
    pub const EVAL: &str = "eval";
}

/// What the page asks a worker to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "kebab-case")]
pub enum Request {
    /// A quality-lab job over rows. Attachments: [`attach::ROWS`], unless the worker already keeps the
    /// rows under `rows_key` from an earlier job; [`attach::RANKS`] when the gates count tokens.
    Quality {
        job: QualityJob,
        /// Rows sent with a key are kept by the worker for the next job with the same key.
        rows_key: Option<String>,
    },
    /// Unpack the IMDb archive and write the three splits. Attachments: [`attach::FILE`].
    ImdbPrepare {
        /// The archive's file name, for the run record.
        name: String,
        /// Identifies the file (name, size, modification time): the worker keeps the unpacked reviews
        /// under it, so another seed or other sizes re-split without unpacking again.
        key: String,
        settings: SplitSettings,
    },
    /// Train and evaluate the baselines. Attachments: [`attach::FILES`], the three split CSVs as Blobs in
    /// the order of `imdb::prepare::SPLITS`.
    ImdbTrain { settings: LogRegSettings },
    /// One A/B arm's proxy run. Attachments: [`attach::RANKS`] (its base encoding), [`attach::TRAIN`]
    /// and [`attach::EVAL`].
    AbArm { job: ArmJob },
    /// The tokens check of a tokenized JSONL file against a model's tokenizer. Attachments:
    /// [`attach::FILE`] (a `File` or `Blob`) and [`attach::RANKS`] (the tokenizer's base encoding).
    TokensCheck { model: TokenizerPlan },
}

/// What the page asks the in-page model's worker (bundle `lab-model`) to do. A message set of its own
/// beside [`Request`], in the same envelope and answered with the same [`Reply`] shape, so neither worker
/// bundle — nor the page bundle that talks to the model — carries the other's message types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "kebab-case")]
pub enum ModelRequest {
    /// Load a GGUF model, replacing the one held. Attachments: [`attach::FILE`], the file's bytes as a
    /// transferred `Uint8Array`.
    Load { name: String },
    /// One request to the in-page model, as it would go to Ollama: `path` (`/api/generate`, `/api/chat`,
    /// `/api/tags` …) and the JSON body. The answer's lines come as [`Reply::Line`]s, then
    /// [`ModelAnswer::Called`]; a request that cannot start is [`Reply::Failed`] with the reason.
    Call { path: String, body: String },
    /// Stop generating for request `call` (Cancel); the model stays loaded.
    Cancel { call: u32 },
}

/// The in-page model worker's answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum ModelAnswer {
    Loaded(Box<ModelSummary>),
    /// The call's lines are all sent.
    Called,
}

impl ModelRequest {
    /// Serialises for the message's `json` field.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("requests are plain data")
    }

    /// Reads a request; the error says what could not be read.
    pub fn from_json(json: &str) -> Result<Self, String> {
        serde_json::from_str(json)
            .map_err(|e| format!("The model worker could not read the request: {e}"))
    }
}

/// What a worker says; `A` is its answer type ([`Answer`] for the job worker, [`ModelAnswer`] for the
/// model's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reply<A = Answer> {
    /// The worker has started and takes requests.
    Ready,
    /// How far request `id` is (0..=1), with a line on the stage when there is one to say.
    Progress {
        id: u32,
        value: f64,
        label: Option<String>,
    },
    /// Request `id` finished.
    Done { id: u32, answer: A },
    /// Request `id` failed; the message is for the student.
    Failed { id: u32, message: String },
    /// One line of request `id`'s streamed answer (the in-page model's NDJSON, as Ollama sends it).
    Line { id: u32, line: String },
}

/// The result of a request, one variant per [`Request`] variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum Answer {
    Quality(QualityOutcome),
    /// Attachments: [`attach::FILES`], the three CSVs as transferred buffers (train, validation, test).
    ImdbPrepared(Box<PrepareSummary>),
    ImdbTrained(Box<BaselineReport>),
    AbArm(Box<ArmResult>),
    TokensChecked(Box<TokenReport>),
}

/// A loaded in-page model, as the connection panel shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub info: crate::core::model::engine::ModelInfo,
    /// How long loading took, in ms.
    pub load_ms: f64,
}

impl Request {
    /// Serialises for the message's `json` field.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("requests are plain data")
    }

    /// Reads a request; the error says what could not be read.
    pub fn from_json(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|e| format!("The worker could not read the job: {e}"))
    }
}

impl<A: Serialize + serde::de::DeserializeOwned> Reply<A> {
    /// Serialises for the message's `json` field.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("replies are plain data")
    }

    /// Reads a reply; the error says what could not be read.
    pub fn from_json(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|e| format!("The worker's answer was unreadable: {e}"))
    }

    /// The request this reply is about (`None` for [`Reply::Ready`]).
    pub fn id(&self) -> Option<u32> {
        match self {
            Reply::Ready => None,
            Reply::Progress { id, .. }
            | Reply::Done { id, .. }
            | Reply::Failed { id, .. }
            | Reply::Line { id, .. } => Some(*id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_replies_round_trip() {
        let requests = [
            Request::Quality {
                job: QualityJob::Duplicates {
                    params: Default::default(),
                },
                rows_key: Some("ds-1|0".into()),
            },
            Request::ImdbPrepare {
                name: "aclImdb_v1.tar.gz".into(),
                key: "aclImdb_v1.tar.gz|84125825|0".into(),
                settings: SplitSettings::default(),
            },
            Request::ImdbTrain {
                settings: LogRegSettings::default(),
            },
        ];
        for r in requests {
            assert_eq!(Request::from_json(&r.to_json()).unwrap(), r);
        }
        let replies = [
            Reply::Ready,
            Reply::Progress {
                id: 3,
                value: 0.5,
                label: Some("Unpacking".into()),
            },
            Reply::Done {
                id: 4,
                answer: Answer::Quality(QualityOutcome::Duplicates(Box::default())),
            },
            Reply::Failed {
                id: 5,
                message: "no".into(),
            },
        ];
        for r in replies {
            assert_eq!(Reply::<Answer>::from_json(&r.to_json()).unwrap(), r);
        }
        assert_eq!(Reply::<Answer>::Ready.id(), None);
    }

    #[test]
    fn the_wire_format_is_readable() {
        let json = Request::ImdbTrain {
            settings: LogRegSettings::default(),
        }
        .to_json();
        assert!(
            json.starts_with(r#"{"task":"imdb-train","settings":"#),
            "{json}"
        );
        let json = Reply::<Answer>::Progress {
            id: 1,
            value: 0.25,
            label: None,
        }
        .to_json();
        assert_eq!(
            json,
            r#"{"kind":"progress","id":1,"value":0.25,"label":null}"#
        );
    }

    #[test]
    fn unreadable_messages_say_so() {
        let e = Request::from_json(r#"{"task":"mine-bitcoin"}"#).unwrap_err();
        assert!(e.starts_with("The worker could not read the job"), "{e}");
        let e = Reply::<Answer>::from_json("{").unwrap_err();
        assert!(e.starts_with("The worker's answer was unreadable"), "{e}");
    }
}
