//! "In this page": a GGUF model runs in the page's own worker, so the generation, refinement and rubric
//! labs work with no Ollama at all. The file is picked from disk or fetched from a URL — by default the
//! `models/` folder beside the lab, so an instructor serves it once for a whole class — read in pieces
//! with its SHA-256, kept in the browser when there is room (`web::model::library`), and handed to the
//! model worker (`web::model::client`), which is fetched only now.

mod lists;

use js_sys::Uint8Array;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use crate::core::job::protocol::ModelSummary;
use crate::core::job::Ended;
use crate::core::model::library::{
    check_sha256, file_name, megabytes, room_to_keep, source_of, Offered, Source, DEFAULT_URL,
};
use crate::core::model::serve::params_label;
use crate::ui::jobs::{Jobs, Ticket};
use crate::ui::services::llm::Llm;
use crate::ui::widgets::progress::BusyBar;
use crate::web::files::chosen_file;
use crate::web::model::client;
use crate::web::model::library::{self, Kept, Read};

use lists::{KeptList, OfferedList};

/// The largest file the page tries: the model is copied into the worker's WebAssembly memory (at most
/// 4 GB) and its embeddings are unpacked beside it.
const MAX_BYTES: f64 = 1.6e9;

fn summary_line(s: &ModelSummary) -> String {
    format!(
        "{} · {} · {} · {} parameters · {} · loaded in {:.1} s",
        s.info.name,
        s.info.arch,
        s.info.quant,
        params_label(s.info.params),
        megabytes(s.info.bytes as f64),
        s.load_ms / 1000.0
    )
}

/// Why a file of `size` bytes will not fit, before anything is read.
fn too_large(size: f64) -> Option<String> {
    if size > MAX_BYTES {
        return Some(format!(
            "This file is {}: the page can run models up to {} (WebAssembly's memory holds 4 GB and the model needs room twice). Use a smaller model or quantization: SmolLM2-360M-Instruct or Qwen2.5-0.5B-Instruct in Q4_K_M is about 250–400 MB.",
            megabytes(size),
            megabytes(MAX_BYTES)
        ));
    }
    // Chrome says roughly how much memory the device has (in GB, rounded down).
    let device_gb = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"deviceMemory".into()).ok())
        .and_then(|v| v.as_f64());
    match device_gb {
        Some(gb) if size * 3.0 > gb * 1e9 => Some(format!(
            "This device reports about {gb} GB of memory; a {} model needs about {} while it runs. Choose a smaller file (SmolLM2-135M-Instruct, Q4_K_M, about 100 MB).",
            megabytes(size),
            megabytes(size * 3.0)
        )),
        _ => None,
    }
}

/// A model file read into the page, and where it came from.
struct Got {
    name: String,
    /// Its key in the browser's cache.
    key: String,
    /// Where it came from, for the kept list.
    source: String,
    read: Read,
}

/// The panel's state (cheap to copy into handlers).
#[derive(Clone, Copy)]
struct Panel {
    llm: Llm,
    jobs: Jobs,
    error: RwSignal<Option<String>>,
    /// What happened besides loading: kept or not, cancelled.
    note: RwSignal<Option<String>>,
    info: RwSignal<Option<(ModelSummary, String)>>,
    kept: RwSignal<Vec<Kept>>,
    offered: RwSignal<Vec<Offered>>,
    storage: RwSignal<Option<(f64, f64)>>,
    /// The cache key of the model loaded now.
    in_use: RwSignal<Option<String>>,
}

impl Panel {
    fn new() -> Self {
        Panel {
            llm: Llm::get(),
            jobs: Jobs::new(),
            error: RwSignal::new(None),
            note: RwSignal::new(None),
            info: RwSignal::new(
                client::loaded()
                    .map(|s| (s, library::in_use().map(|(_, sha)| sha).unwrap_or_default())),
            ),
            in_use: RwSignal::new(client::loaded().and(library::in_use()).map(|(key, _)| key)),
            kept: RwSignal::new(Vec::new()),
            offered: RwSignal::new(Vec::new()),
            storage: RwSignal::new(None),
        }
    }

    fn fail(&self, e: String) {
        self.error.set(Some(e));
    }

    /// Reads the kept models and the storage estimate again.
    async fn refresh(self) {
        match library::kept().await {
            Ok(k) => self.kept.set(k),
            // No cache (an insecure page): nothing is listed, and keeping says why when it is tried.
            Err(_) => self.kept.set(Vec::new()),
        }
        self.storage.set(crate::web::idb::usage().await);
    }

    /// Cancels what runs: a read, a download (its request is aborted) or a load (the worker is ended).
    fn cancel(&self) {
        self.jobs.cancel();
        self.note
            .set(Some("Cancelled; nothing was kept or loaded.".into()));
    }

    fn clear(&self) {
        self.error.set(None);
        self.note.set(None);
    }

    /// How a job's progress reads: "12 MB of 140 MB".
    fn reporter(ticket: Ticket) -> impl Fn(f64, Option<f64>) {
        move |done, total| match total {
            Some(t) if t > 0.0 => ticket.stage(
                done / t,
                Some(format!("{} of {}", megabytes(done), megabytes(t))),
            ),
            _ => ticket.stage(0.0, Some(megabytes(done))),
        }
    }
}

/// Loads the model into the model worker, then — only once it loaded, so a broken file is never kept —
/// keeps it in the browser when there is room, saying so either way.
async fn finish(p: Panel, got: Got, keep: bool) {
    let Got {
        name,
        key,
        source,
        read: Read { bytes, sha256 },
    } = got;
    let size = bytes.length() as f64;
    // The copy to keep is taken before the bytes are handed over to the worker.
    let copy = if keep {
        library::blob_of(&bytes)
            .map_err(|e| p.note.set(Some(e)))
            .ok()
    } else {
        None
    };
    if !load(p, &name, &key, bytes, &sha256).await {
        return;
    }
    let Some(blob) = copy else { return };
    let ticket = p.jobs.start(format!("Keeping {name} in this browser …"));
    let kept = match room_to_keep(size, crate::web::idb::usage().await) {
        Ok(()) => {
            let k = Kept {
                key,
                name: name.clone(),
                size,
                sha256,
                source,
            };
            library::keep(&k, &blob).await
        }
        Err(e) => Err(e),
    };
    if ticket.cancelled() {
        return;
    }
    ticket.end();
    p.note.set(Some(match kept {
        Ok(()) => format!("{name} is kept in this browser: next time, load it from the list below without downloading it again."),
        Err(e) => e,
    }));
    p.refresh().await;
}

/// Hands the bytes to the model worker (the array is transferred, not copied); whether it loaded.
async fn load(p: Panel, name: &str, key: &str, bytes: Uint8Array, sha256: &str) -> bool {
    let ticket = p.jobs.start(format!("Loading {name} into the page …"));
    ticket.on_cancel(client::unload);
    p.info.set(None);
    let loaded = client::load(bytes, name, move |v, label| ticket.stage(v, label)).await;
    if ticket.cancelled() {
        return false;
    }
    ticket.end();
    match loaded {
        Ok(s) => {
            p.llm.set_model(s.info.name.clone());
            library::set_in_use(Some((key.to_string(), sha256.to_string())));
            p.info.set(Some((s, sha256.to_string())));
            p.in_use.set(Some(key.to_string()));
            p.llm.test();
            true
        }
        Err(e) => {
            p.fail(e);
            false
        }
    }
}

/// A file picked from disk: checked from its first bytes, read in pieces, kept, loaded.
async fn pick(p: Panel, file: web_sys::File) {
    let (name, size) = (file.name(), file.size());
    if let Some(e) = too_large(size) {
        return p.fail(e);
    }
    let ticket = p
        .jobs
        .start(format!("Reading {name} ({}) …", megabytes(size)));
    let progress = Panel::reporter(ticket);
    let read = library::read_file(&file, &progress, &|| ticket.cancelled()).await;
    match read {
        Ok(read) => {
            let got = Got {
                key: library::picked_key(&name),
                source: "picked from disk".into(),
                name,
                read,
            };
            finish(p, got, true).await
        }
        Err(Ended::Cancelled) => {}
        Err(Ended::Failed(e)) => {
            ticket.end();
            p.fail(e)
        }
    }
}

/// Downloads one model (checked against the SHA-256 its folder announces), keeps it, loads it.
async fn download(p: Panel, offer: Offered) {
    if let Some(e) = offer.size.and_then(|s| too_large(s as f64)) {
        return p.fail(e);
    }
    let url = library::absolute(&offer.href);
    let name = offer.name.clone();
    let ticket = p.jobs.start(format!("Downloading {name} …"));
    let Ok(abort) = AbortController::new() else {
        return p.fail("The browser cannot cancel downloads here.".into());
    };
    let signal = abort.signal();
    ticket.on_cancel(move || abort.abort());
    let progress = {
        let report = Panel::reporter(ticket);
        move |done: f64, total: Option<f64>| {
            if ticket.cancelled() {
                return;
            }
            // The server says how large the file is: too large is refused before the rest comes.
            if let Some(e) = total.and_then(too_large) {
                p.fail(e);
                p.jobs.cancel();
                return;
            }
            report(done, total)
        }
    };
    match library::download(&url, &progress, &signal).await {
        Ok(read) => {
            if let Some(e) = check_sha256(&name, &read.sha256, offer.sha256.as_deref()) {
                ticket.end();
                return p.fail(e);
            }
            let got = Got {
                name,
                key: url.clone(),
                source: url,
                read,
            };
            finish(p, got, true).await
        }
        Err(Ended::Cancelled) => {}
        Err(Ended::Failed(e)) => {
            ticket.end();
            p.fail(e)
        }
    }
}

/// The URL field: one `.gguf` file is downloaded; a folder's listing is shown (or, with one model,
/// that model is downloaded).
async fn fetch_url(p: Panel, url: String) {
    p.offered.set(Vec::new());
    match source_of(&url) {
        Err(e) => p.fail(e),
        Ok(Source::File(u)) => {
            let offer = Offered {
                name: file_name(&u),
                href: u,
                size: None,
                sha256: None,
            };
            download(p, offer).await
        }
        Ok(Source::Folder { listing }) => {
            let ticket = p
                .jobs
                .start(format!("Reading the list of models at {listing} …"));
            let found = library::listing(&library::absolute(&listing)).await;
            if ticket.cancelled() {
                return;
            }
            ticket.end();
            match found {
                Ok(mut found) if found.len() == 1 => download(p, found.remove(0)).await,
                Ok(found) => p.offered.set(found),
                Err(e) => p.fail(e),
            }
        }
    }
}

/// A kept model, read from the browser's cache and loaded.
async fn load_kept(p: Panel, k: Kept) {
    let ticket = p
        .jobs
        .start(format!("Reading {} from this browser …", k.name));
    let bytes = library::read_kept(&k.key).await;
    if ticket.cancelled() {
        return;
    }
    ticket.end();
    match bytes {
        Ok(b) => {
            load(p, &k.name, &k.key, b, &k.sha256).await;
        }
        Err(e) => {
            p.fail(e);
            p.refresh().await;
        }
    }
}

/// The "In this page" controls of the connection panel.
#[component]
pub fn InPageModel() -> impl IntoView {
    let p = Panel::new();
    let input = NodeRef::<Input>::new();
    let url = RwSignal::new(DEFAULT_URL.to_string());
    spawn_local(p.refresh());
    let on_file = move |_| {
        let Some(file) = input.get_untracked().and_then(|el| chosen_file(&el)) else {
            return;
        };
        p.clear();
        spawn_local(pick(p, file));
    };
    let on_fetch = move |_| {
        p.clear();
        spawn_local(fetch_url(p, url.get_untracked()));
    };
    let unload = move |_| {
        client::unload();
        p.info.set(None);
        p.in_use.set(None);
        library::set_in_use(None);
        p.llm.test();
    };
    let on_download = Callback::new(move |o: Offered| {
        p.clear();
        spawn_local(download(p, o));
    });
    let on_load = Callback::new(move |k: Kept| {
        p.clear();
        spawn_local(load_kept(p, k));
    });
    let on_remove = Callback::new(move |k: Kept| {
        p.clear();
        spawn_local(async move {
            match library::remove(&k.key).await {
                Ok(()) => p
                    .note
                    .set(Some(format!("{} was removed from this browser.", k.name))),
                Err(e) => p.fail(format!("{} could not be removed: {e}", k.name)),
            }
            p.refresh().await;
        });
    });
    view! {
        <div class="in-page-model">
            <div class="controls-row">
                <div class="field">
                    <label class="field-label" for="llm-gguf">"Model file (GGUF)"</label>
                    <input id="llm-gguf" type="file" accept=".gguf" node_ref=input on:change=on_file
                        disabled=move || p.jobs.is_busy() />
                </div>
                <div class="field grow">
                    <label class="field-label" for="llm-gguf-url">"Or a URL: a .gguf file, or a folder with models.json"</label>
                    <input id="llm-gguf-url" type="text" class="mono" spellcheck="false"
                        prop:value=move || url.get()
                        on:input=move |ev| url.set(event_target_value(&ev)) />
                </div>
                <button type="button" on:click=on_fetch disabled=move || p.jobs.is_busy()>"Fetch the model"</button>
                <Show when=move || p.info.with(Option::is_some)>
                    <button type="button" on:click=unload>"Unload the model"</button>
                </Show>
            </div>
            <BusyBar jobs=p.jobs cancel=move || p.cancel() />
            {move || p.error.get().map(|e| view! { <div class="error" role="alert" data-testid="model-error">{e}</div> })}
            {move || p.note.get().map(|n| view! { <p class="hint" role="status" data-testid="model-note">{n}</p> })}
            {move || p.info.get().map(|(s, sha)| view! {
                <p class="hint ok" data-testid="model-info">{summary_line(&s)}</p>
                {(!sha.is_empty()).then(|| view! {
                    <p class="hint">"SHA-256 " <span class="mono" data-testid="model-sha256">{sha}</span></p>
                })}
            })}
            <OfferedList offered=p.offered on_download=on_download busy=p.jobs />
            <KeptList kept=p.kept storage=p.storage loaded=p.in_use on_load=on_load on_remove=on_remove busy=p.jobs />
            <p class="hint">
                "A small instruct model runs in this tab, with no install and no server: SmolLM2-135M or -360M-Instruct, or Qwen2.5-0.5B-Instruct, as GGUF files (Q4_K_M or Q8_0). It uses the file's own tokenizer and chat template, so it answers as the same file does in Ollama — only slower. Every lab's requests go to it unchanged. "
                "An instructor puts the files in the " <code>"models/"</code> " folder beside the lab with a " <code>"models.json"</code>
                " listing them (" <code>"python3 scripts/models-listing.py"</code> " writes it), and each student fetches and keeps them once."
            </p>
        </div>
    }
}
