//! Loading encodings on demand and running encodes in slices, per workbench column.
//!
//! Rank files are fetched the first time an encoding is needed (not compiled into the wasm), checked
//! against the build's manifest, and parsed once. Encoding runs in ~12 ms slices with a yield to the
//! browser between them, so typing never stutters even on megabytes; a newer input cancels older work.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use leptos::prelude::*;

use crate::core::tokenize::bpe::EncodeJob;
use crate::core::tokenize::display::{chars_per_token, chips, Chip};
use crate::core::tokenize::extend::version::TokenizerVersion;
use crate::core::tokenize::ranks::RankManifest;
use crate::core::tokenize::{Encoder, EncodingSpec, Rank};
use crate::web::fetch::fetch_bytes;
use crate::web::storage;
use crate::web::tick::{now_ms, yield_now, Slice};

/// How many chips a column draws; counts always cover the whole text.
pub const CHIP_LIMIT: usize = 1000;
/// How many ids the "Token ids" box lists.
pub const ID_LIMIT: usize = 20_000;
/// Texts longer than this show a progress bar while they encode.
const PROGRESS_FROM: usize = 200_000;

/// Where an encoding's rank file is.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadStatus {
    Idle,
    Loading,
    Ready { sha256: String },
    Failed(String),
}

/// The result of encoding the current text.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Which settled text this is for (see `TokenizerLab`).
    pub version: u64,
    pub allow_special: bool,
    pub count: usize,
    pub chars_per_token: f64,
    pub chips: Vec<Chip>,
    pub ids: Vec<u32>,
    pub millis: f64,
}

/// One encoding's column: its spec and reactive state.
#[derive(Clone, Copy)]
pub struct Column {
    pub spec: &'static EncodingSpec,
    pub status: RwSignal<LoadStatus>,
    pub outcome: RwSignal<Option<Outcome>>,
    pub progress: RwSignal<Option<f64>>,
}

impl Column {
    pub fn new(spec: &'static EncodingSpec) -> Self {
        Column {
            spec,
            status: RwSignal::new(LoadStatus::Idle),
            outcome: RwSignal::new(None),
            progress: RwSignal::new(None),
        }
    }
}

/// A loaded encoding: the encoder, its rank file's bytes (for exports) and their SHA-256.
#[derive(Clone)]
pub struct Loaded {
    pub encoder: Rc<RefCell<Encoder>>,
    pub rank_file: Rc<Vec<u8>>,
    pub sha256: String,
}

thread_local! {
    static ENCODERS: RefCell<HashMap<&'static str, Loaded>> = RefCell::new(HashMap::new());
    static MANIFEST: RefCell<Option<Rc<RankManifest>>> = const { RefCell::new(None) };
    /// Rank files fetched for workers ([`rank_bytes`]) but not parsed here.
    static RANK_FILES: RefCell<HashMap<&'static str, Rc<Vec<u8>>>> = RefCell::new(HashMap::new());
}

/// Loads an encoding (once): fetch its rank file, check it against the manifest, parse it.
pub async fn load(spec: &'static EncodingSpec) -> Result<Loaded, String> {
    if let Some(l) = ENCODERS.with(|e| e.borrow().get(spec.name).cloned()) {
        return Ok(l);
    }
    let file = spec.file.trim_start_matches("ranks/");
    let bytes = fetch_bytes(spec.file).await?;
    if let Ok(m) = manifest().await {
        m.verify(file, &bytes)?;
    }
    // Give the loading state a frame to show before parsing.
    yield_now().await;
    let enc = spec
        .build(&bytes)
        .map_err(|e| format!("{}: {e}", spec.file))?;
    let loaded = Loaded {
        encoder: Rc::new(RefCell::new(enc)),
        sha256: crate::core::tokenize::ranks::sha256_hex(&bytes),
        rank_file: Rc::new(bytes),
    };
    ENCODERS.with(|e| e.borrow_mut().insert(spec.name, loaded.clone()));
    Ok(loaded)
}

/// An encoding's rank file (fetched once, checked against the manifest), for a worker to build the
/// encoder itself: the page never parses it.
pub async fn rank_bytes(spec: &'static EncodingSpec) -> Result<Rc<Vec<u8>>, String> {
    if let Some(l) = ENCODERS.with(|e| e.borrow().get(spec.name).cloned()) {
        return Ok(l.rank_file);
    }
    if let Some(b) = RANK_FILES.with(|r| r.borrow().get(spec.name).cloned()) {
        return Ok(b);
    }
    let bytes = fetch_bytes(spec.file).await?;
    if let Ok(m) = manifest().await {
        m.verify(spec.file.trim_start_matches("ranks/"), &bytes)?;
    }
    let bytes = Rc::new(bytes);
    RANK_FILES.with(|r| r.borrow_mut().insert(spec.name, bytes.clone()));
    Ok(bytes)
}

/// Encodes `text` in ~12 ms slices, yielding to the browser between them. Returns None as soon as
/// `wanted()` turns false (newer input arrived); `progress` hears the share done for long texts.
pub async fn encode_sliced(
    enc: &Rc<RefCell<Encoder>>,
    text: &str,
    allow_special: bool,
    wanted: impl Fn() -> bool,
    progress: impl Fn(Option<f64>),
) -> Option<Vec<Rank>> {
    let mut job = EncodeJob::new(&enc.borrow(), text, allow_special);
    let mut slice = Slice::new();
    loop {
        let done = loop {
            let d = enc.borrow_mut().step(&mut job, text, 32 * 1024);
            if d || slice.due() {
                break d;
            }
        };
        if done {
            break;
        }
        if text.len() > PROGRESS_FROM {
            progress(Some(job.done_bytes() as f64 / text.len() as f64));
        }
        slice.pause().await;
        if !wanted() {
            progress(None);
            return None;
        }
    }
    progress(None);
    Some(job.tokens)
}

/// The build's rank manifest (fetched once).
pub async fn manifest() -> Result<Rc<RankManifest>, String> {
    if let Some(m) = MANIFEST.with(|m| m.borrow().clone()) {
        return Ok(m);
    }
    let bytes = fetch_bytes("ranks/manifest.json").await?;
    let m: RankManifest = serde_json::from_slice(&bytes)
        .map_err(|e| format!("ranks/manifest.json is unreadable: {e}"))?;
    let m = Rc::new(m);
    MANIFEST.with(|slot| *slot.borrow_mut() = Some(m.clone()));
    Ok(m)
}

fn encoder(name: &str) -> Option<Rc<RefCell<Encoder>>> {
    ENCODERS.with(|e| e.borrow().get(name).map(|l| l.encoder.clone()))
}

/// Starts loading the column's encoding unless it is loading or loaded already.
pub fn ensure_loaded(col: Column) {
    if col.status.get_untracked() != LoadStatus::Idle {
        return;
    }
    col.status.set(LoadStatus::Loading);
    leptos::task::spawn_local(async move {
        match load(col.spec).await {
            Ok(l) => col.status.set(LoadStatus::Ready { sha256: l.sha256 }),
            Err(msg) => col.status.set(LoadStatus::Failed(msg)),
        }
    });
}

/// Encodes `text` for `col` in slices; gives up quietly when `generation` moves on (newer input).
pub async fn encode_column(
    col: Column,
    text: Rc<str>,
    version: u64,
    allow_special: bool,
    generation: Rc<Cell<u64>>,
    mine: u64,
) {
    let Some(enc) = encoder(col.spec.name) else {
        return;
    };
    let started = now_ms();
    let tokens = encode_sliced(
        &enc,
        &text,
        allow_special,
        || generation.get() == mine,
        |p| col.progress.set(p),
    )
    .await;
    let Some(tokens) = tokens else {
        return;
    };
    let millis = now_ms() - started;
    let enc = enc.borrow();
    let outcome = Outcome {
        version,
        allow_special,
        count: tokens.len(),
        chars_per_token: chars_per_token(&text, tokens.len()),
        chips: chips(&enc, &text, &tokens, CHIP_LIMIT),
        ids: tokens.iter().take(ID_LIMIT).copied().collect(),
        millis,
    };
    col.outcome.set(Some(outcome));
}

const VERSIONS_KEY: &str = "datalab:tokenizer-versions";
const CURRENT_KEY: &str = "datalab:tokenizer-current";

/// Extended tokenizer versions saved in this browser (by the extend lab), newest first. Every lab that
/// names a tokenizer version reads them here.
pub fn load_versions() -> Vec<TokenizerVersion> {
    storage::get(VERSIONS_KEY)
        .and_then(|s| serde_json::from_str::<Vec<TokenizerVersion>>(&s).ok())
        .unwrap_or_default()
}

/// The extension version the extend lab has current, if any.
pub fn load_current() -> Option<String> {
    storage::get(CURRENT_KEY).filter(|s| !s.is_empty())
}

/// Saves the versions and which is current; false when the browser refused.
pub fn save_versions(versions: &[TokenizerVersion], current: Option<&str>) -> bool {
    let ok = storage::set(
        VERSIONS_KEY,
        &serde_json::to_string(versions).unwrap_or_default(),
    );
    storage::set(CURRENT_KEY, current.unwrap_or("")) && ok
}

/// The tokenizers a select offers: the base encodings, then the extend lab's versions. Values are the
/// encoding's name or the version's id (`tok-…`), the names a tokenizer is known by everywhere.
pub fn tokenizer_options(versions: &[TokenizerVersion]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = crate::core::tokenize::encodings::ENCODINGS
        .iter()
        .map(|e| (e.name.to_string(), e.name.to_string()))
        .collect();
    out.extend(versions.iter().map(|v| {
        (
            v.id.clone(),
            format!(
                "{} ({} + {} terms, {} ids)",
                v.id,
                v.base,
                v.terms.len(),
                v.n_vocab
            ),
        )
    }));
    out
}

/// The tokenizer a select value names: an encoding by name, or an extension version by id.
pub fn plan_of(
    versions: &[TokenizerVersion],
    value: &str,
) -> Option<crate::core::ab::plan::TokenizerPlan> {
    use crate::core::ab::plan::TokenizerPlan;
    if EncodingSpec::by_name(value).is_some() {
        return Some(TokenizerPlan::Base {
            name: value.to_string(),
        });
    }
    versions
        .iter()
        .find(|v| v.id == value)
        .map(|v| TokenizerPlan::Version {
            version: Box::new(v.clone()),
        })
}

/// A tokenizer's encoder (the base loaded and checked, an extension built on it) and its id.
pub async fn encoder_for(
    plan: &crate::core::ab::plan::TokenizerPlan,
) -> Result<(Encoder, String), String> {
    let spec = EncodingSpec::by_name(plan.base())
        .ok_or_else(|| format!("Unknown encoding {}.", plan.base()))?;
    let loaded = load(spec).await?;
    let base = loaded.encoder.borrow();
    crate::core::ab::proxy::tokenizer_for(plan, &base, &loaded.sha256)
}
