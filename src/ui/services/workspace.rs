//! The dataset workspace as a service for every lab that reads or writes datasets (the workspace, quality,
//! generation and refinement labs): the current version and its rows, the store, the page's jobs and
//! messages, and the operations every panel uses — make a version, switch to one, load a version's rows,
//! save. Panels never write IndexedDB themselves, so "saved" has one meaning.

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;

use crate::core::dataset::content::ContentHasher;
use crate::core::dataset::record::Record;
use crate::core::dataset::validate::{quarantine_to_store, Quarantined};
use crate::core::dataset::workspace::{DatasetVersion, Transform, Workspace};
use crate::core::job::Ended;
use crate::core::quality::jobs::{pack_rows, packed_len};
use crate::ui::jobs::{Jobs, Slice, Ticket};
use crate::web::dataset_store::WorkspaceStore;
use crate::web::idb::StoreError;

/// A message for the student: what happened, or what went wrong and what to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    Info(String),
    Error(String),
}

/// Whether the workspace in the browser's storage matches what is shown.
#[derive(Clone, Debug, PartialEq)]
pub enum Saved {
    /// Still opening the database.
    Opening,
    Saved,
    Saving,
    /// The last save failed (message); the work is kept in this tab.
    Failed(String),
    /// The browser offers no storage (message).
    NoStorage(String),
}

/// Signals shared by the page's panels.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub ws: RwSignal<Workspace>,
    /// The current version's rows.
    pub rows: RwSignal<Arc<Vec<Record>>>,
    /// The current version's quarantined rows.
    pub quarantine: RwSignal<Arc<Vec<Quarantined>>>,
    pub store: StoredValue<Option<WorkspaceStore>, LocalStorage>,
    /// Rows of versions made or loaded in this tab (always the current one, and any not yet saved).
    pub cache: StoredValue<HashMap<String, Arc<Vec<Record>>>>,
    pub qcache: StoredValue<HashMap<String, Arc<Vec<Quarantined>>>>,
    /// Versions whose data is not in storage yet.
    pub unsaved: StoredValue<Vec<String>>,
    pub notice: RwSignal<Option<Notice>>,
    /// The page's long jobs (import, hashing, loading a version, the quality lab's worker jobs).
    pub jobs: Jobs,
    pub saved: RwSignal<Saved>,
    /// Bumped after every save, so the storage-use figure refreshes.
    pub saves: RwSignal<u64>,
    /// Saves asked for and saves finished, as tickets: saves run one at a time, in order, and only the last
    /// one may say "saved" (an earlier one finishing must not hide a later version still being written).
    pub save_tickets: StoredValue<(u64, u64)>,
}

impl Default for Ctx {
    fn default() -> Self {
        Self::new()
    }
}

impl Ctx {
    pub fn new() -> Self {
        Ctx {
            ws: RwSignal::new(Workspace::default()),
            rows: RwSignal::new(Arc::new(Vec::new())),
            quarantine: RwSignal::new(Arc::new(Vec::new())),
            store: StoredValue::new_local(None),
            cache: StoredValue::new(HashMap::new()),
            qcache: StoredValue::new(HashMap::new()),
            unsaved: StoredValue::new(Vec::new()),
            notice: RwSignal::new(None),
            jobs: Jobs::new(),
            saved: RwSignal::new(Saved::Opening),
            saves: RwSignal::new(0),
            save_tickets: StoredValue::new((0, 0)),
        }
    }

    pub fn info(&self, s: impl Into<String>) {
        self.notice.set(Some(Notice::Info(s.into())));
    }

    pub fn error(&self, s: impl Into<String>) {
        self.notice.set(Some(Notice::Error(s.into())));
    }

    pub fn current_id(&self) -> Option<String> {
        self.ws.with_untracked(|w| w.current.clone())
    }

    /// Cancels whatever runs; nothing it made is kept.
    pub fn cancel(&self) {
        self.jobs.cancel();
        self.info(Ended::Cancelled.message());
    }
}

/// Opens the browser's workspace for this page and provides it to the page's panels, which reach it with
/// [`use_workspace`] instead of having it handed down as a prop.
pub fn provide_workspace() -> Ctx {
    let ctx = Ctx::new();
    leptos::task::spawn_local(open(ctx));
    provide_context(ctx);
    ctx
}

/// The page's workspace (see [`provide_workspace`]); call it while a component is built.
pub fn use_workspace() -> Ctx {
    expect_context::<Ctx>()
}

/// Waits until the saved workspace has been opened (at most ~30 s, then goes on as if storage were
/// missing). Every change to the workspace waits here first: a version made while the page is still
/// opening storage (an import started as the page appears) would otherwise be overwritten by the saved
/// workspace when it arrives, or never saved because the store was not there yet.
pub async fn ready(ctx: Ctx) {
    for _ in 0..3000 {
        if ctx.saved.get_untracked() != Saved::Opening {
            return;
        }
        crate::web::tick::sleep(10).await;
    }
}

/// Now, as ISO 8601.
pub fn now_iso() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

/// [`crate::core::dataset::content::content_hash`] of `rows`, in slices; `None` if the job was cancelled.
pub async fn hash_rows(job: Ticket, rows: &[Record]) -> Option<String> {
    let mut h = ContentHasher::default();
    let mut slice = Slice::new();
    for (i, r) in rows.iter().enumerate() {
        h.push([r.instruction.as_str(), r.input.as_str(), r.output.as_str()]);
        if i % 128 == 0 {
            job.slice(&mut slice, i as f64 / rows.len() as f64)
                .await
                .ok()?;
        }
    }
    Some(h.finish())
}

/// How a new version relates to the workspace.
pub enum Parent {
    /// Made from the current version.
    Current,
    /// An import (a lineage root) with this content hash; with `match_content`, a version that already
    /// has exactly this content is made current instead of adding one.
    Import { hash: String, match_content: bool },
}

/// Makes (or finds) the version of `rows` under `t`, makes it current, shows it, and saves it. Returns the
/// version and whether it is new; `None` if cancelled while hashing.
pub async fn commit(
    ctx: Ctx,
    rows: Vec<Record>,
    quarantine: Vec<Quarantined>,
    t: Transform<'_>,
    parent: Parent,
) -> Option<(DatasetVersion, bool)> {
    ready(ctx).await;
    let job = ctx.jobs.start("Hashing the new version …");
    let (v, added) = match parent {
        Parent::Import {
            hash,
            match_content,
        } => {
            let n = rows.len();
            ctx.ws
                .try_update(|w| {
                    if match_content {
                        w.import_version(hash, n, t)
                    } else {
                        w.commit(hash, n, None, t)
                    }
                })
                .expect("the page is alive")
        }
        Parent::Current => {
            let hash = hash_rows(job, &rows).await?;
            let parent = ctx.current_id();
            let n = rows.len();
            ctx.ws
                .try_update(|w| w.commit(hash, n, parent, t))
                .expect("the page is alive")
        }
    };
    job.end();
    let id = v.id.clone();
    if added {
        let rows = Arc::new(rows);
        let q = Arc::new(quarantine);
        ctx.cache.update_value(|c| {
            c.insert(id.clone(), rows.clone());
        });
        ctx.qcache.update_value(|c| {
            c.insert(id.clone(), q.clone());
        });
        ctx.unsaved.update_value(|u| u.push(id.clone()));
        ctx.rows.set(rows);
        ctx.quarantine.set(q);
    } else {
        // A version that exists already: show its stored data.
        show_version(ctx, &id).await;
    }
    save(ctx).await;
    Some((v, added))
}

/// Makes the version a hand-made transform of the current version gives: `name` with `params`, new rows
/// and quarantine (see [`commit`]). `None` if cancelled.
pub async fn derive(
    ctx: Ctx,
    name: &str,
    params: serde_json::Value,
    rows: Vec<Record>,
    quarantine: Vec<Quarantined>,
) -> Option<DatasetVersion> {
    let created = now_iso();
    let t = Transform {
        name,
        params,
        created: &created,
        quarantined: quarantine.len(),
        tokenizer: None,
        note: "",
        schema: None,
    };
    commit(ctx, rows, quarantine, t, Parent::Current)
        .await
        .map(|(v, _)| v)
}

/// A version's rows: from this tab's memory, or from storage.
pub async fn rows_of(ctx: Ctx, id: &str) -> Result<Arc<Vec<Record>>, String> {
    if let Some(r) = ctx.cache.with_value(|c| c.get(id).cloned()) {
        return Ok(r);
    }
    let store = ctx.store.get_value().ok_or_else(|| {
        format!("The rows of {id} are not in this tab and storage is not available.")
    })?;
    let job = ctx.jobs.start(format!("Loading {id} …"));
    let rows = store
        .load_rows(id, |p| job.progress(p))
        .await
        .map_err(|e| e.to_string());
    job.end();
    rows?.map(Arc::new).ok_or_else(|| {
        format!("The rows of {id} are missing from storage; import a workspace zip that has them.")
    })
}

/// A version's quarantined rows.
pub async fn quarantine_of(ctx: Ctx, id: &str) -> Result<Arc<Vec<Quarantined>>, String> {
    if let Some(q) = ctx.qcache.with_value(|c| c.get(id).cloned()) {
        return Ok(q);
    }
    match ctx.store.get_value() {
        None => Ok(Arc::new(Vec::new())),
        Some(store) => store
            .load_quarantine(id)
            .await
            .map(Arc::new)
            .map_err(|e| e.to_string()),
    }
}

/// Shows version `id`'s rows and quarantine (it must already be current in `ws`).
pub async fn show_version(ctx: Ctx, id: &str) {
    match rows_of(ctx, id).await {
        Ok(rows) => {
            ctx.cache.update_value(|c| {
                c.insert(id.to_string(), rows.clone());
            });
            ctx.rows.set(rows);
        }
        Err(e) => {
            ctx.rows.set(Arc::new(Vec::new()));
            ctx.error(e);
        }
    }
    match quarantine_of(ctx, id).await {
        Ok(q) => ctx.quarantine.set(q),
        Err(e) => ctx.error(e),
    }
}

/// Makes an earlier version current again (rollback); nothing is deleted.
pub async fn switch_to(ctx: Ctx, id: &str) {
    ready(ctx).await;
    let result = ctx
        .ws
        .try_update(|w| w.rollback(id))
        .expect("the page is alive");
    if let Err(e) = result {
        ctx.error(e);
        return;
    }
    show_version(ctx, id).await;
    save(ctx).await;
}

/// Saves what is not saved yet: each unsaved version's rows and quarantine, then the manifest. On failure
/// (e.g. the quota) the work stays in this tab and the message says what to do.
pub async fn save(ctx: Ctx) {
    ready(ctx).await;
    let Some(store) = ctx.store.get_value() else {
        return;
    };
    ctx.saved.set(Saved::Saving);
    crate::web::leave::saving(true);
    // One save at a time: wait for the ones before this to finish writing.
    let turn = ctx.save_tickets.get_value().0;
    ctx.save_tickets.update_value(|t| t.0 += 1);
    while ctx.save_tickets.get_value().1 < turn {
        crate::web::tick::sleep(5).await;
    }
    let result: Result<(), StoreError> = async {
        for id in ctx.unsaved.get_value() {
            let rows = ctx.cache.with_value(|c| c.get(&id).cloned());
            let q = ctx.qcache.with_value(|c| c.get(&id).cloned());
            if let Some(rows) = rows {
                store.save_rows(&id, &rows).await?;
            }
            store
                .save_quarantine(&id, &quarantine_to_store(&q.unwrap_or_default()))
                .await?;
            ctx.unsaved.update_value(|u| u.retain(|x| x != &id));
        }
        let ws = ctx.ws.get_untracked();
        store.save_manifest(&ws).await
    }
    .await;
    ctx.save_tickets.update_value(|t| t.1 += 1);
    let last = ctx.save_tickets.with_value(|t| t.0 == t.1);
    match result {
        // A later save is waiting: it will say how it went.
        Ok(()) if !last => {}
        Ok(()) => {
            // Saved versions can be re-read from storage: keep only the current one in memory.
            let current = ctx.current_id();
            let unsaved = ctx.unsaved.get_value();
            let keep = |k: &String| Some(k) == current.as_ref() || unsaved.contains(k);
            ctx.cache.update_value(|c| c.retain(|k, _| keep(k)));
            ctx.qcache.update_value(|c| c.retain(|k, _| keep(k)));
            ctx.saved.set(Saved::Saved);
        }
        // Shown as a standing alert until a save succeeds (see the page's current-version bar).
        Err(e) => ctx.saved.set(Saved::Failed(e.to_string())),
    }
    crate::web::leave::saving(false);
    ctx.saves.update(|s| *s += 1);
}

/// Opens storage and shows the saved workspace, if any.
pub async fn open(ctx: Ctx) {
    let store = match WorkspaceStore::open().await {
        Ok(s) => s,
        Err(e) => {
            ctx.saved.set(Saved::NoStorage(e.to_string()));
            return;
        }
    };
    ctx.store.set_value(Some(store.clone()));
    match store.load().await {
        Ok(Some(ws)) => {
            let current = ws.current.clone();
            ctx.ws.set(ws);
            if let Some(id) = current {
                show_version(ctx, &id).await;
            }
            ctx.saved.set(Saved::Saved);
        }
        Ok(None) => ctx.saved.set(Saved::Saved),
        Err(e) => ctx.saved.set(Saved::Failed(e.to_string())),
    }
    ctx.saves.update(|s| *s += 1);
}

/// Rows packed for a background worker (`quality::jobs::pack_rows`) into one JS buffer, to be handed
/// over without a copy; built in ~12 ms slices so the page keeps drawing (progress 0..0.05 of `job`).
/// `None` if the job was cancelled meanwhile.
pub async fn packed_rows(job: Ticket, parts: &[&[Record]]) -> Option<js_sys::Uint8Array> {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let len: usize = parts.iter().map(|p| packed_len(p)).sum();
    let out = js_sys::Uint8Array::new_with_length(len as u32);
    let mut buf = Vec::with_capacity(1 << 20);
    let (mut at, mut done) = (0u32, 0usize);
    let mut slice = Slice::new();
    for chunk in parts.iter().flat_map(|p| p.chunks(256)) {
        buf.clear();
        pack_rows(chunk, &mut buf);
        out.subarray(at, at + buf.len() as u32).copy_from(&buf);
        at += buf.len() as u32;
        done += chunk.len();
        job.slice(&mut slice, 0.05 * done as f64 / total.max(1) as f64)
            .await
            .ok()?;
    }
    Some(out)
}

/// The `<option>`s of a version select: every dataset version, newest first, with its transform, rows and
/// release tag; `selected` holds the chosen id.
pub fn version_options(ctx: Ctx, selected: RwSignal<String>) -> impl IntoView {
    move || {
        ctx.ws.with(|w| {
            w.versions
                .iter()
                .rev()
                .map(|v| {
                    let id = v.id.clone();
                    let sel = id.clone();
                    let tag = w
                        .release_of(&v.id)
                        .map_or(String::new(), |r| format!(" · v{}", r.tag));
                    view! { <option value=id selected=move || selected.get() == sel>{format!("{} · {} · {} rows{tag}", v.id, v.transform, v.rows)}</option> }
                })
                .collect_view()
        })
    }
}
