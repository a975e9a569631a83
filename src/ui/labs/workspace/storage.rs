//! Storage: how much the browser holds for the lab, the whole workspace as one zip (export and import,
//! byte-identical round trip), and deleting everything — only after confirmation.

use std::collections::BTreeMap;
use std::sync::Arc;

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::dataset::record::Record;
use crate::core::dataset::validate::{quarantine_from_store, quarantine_to_store};
use crate::core::dataset::workspace::{export_zip, import_zip, Workspace};
use crate::ui::design::Section;
use crate::ui::services::workspace::{
    quarantine_of, ready, rows_of, save, show_version, use_workspace, Ctx, Saved,
};
use crate::ui::widgets::outcome::Outcome;
use crate::web::files::{chosen_file, download, read_file_bytes};
use crate::web::idb::usage;

/// Largest workspace zip the lab reads.
const MAX_ZIP_BYTES: f64 = 512.0 * 1024.0 * 1024.0;

fn mb(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.1} GB", bytes / 1e9)
    } else {
        format!("{:.1} MB", bytes / 1e6)
    }
}

#[component]
pub fn StoragePanel() -> impl IntoView {
    let ctx = use_workspace();
    let used = RwSignal::new(None::<(f64, f64)>);
    let confirm_delete = RwSignal::new(false);
    let zip_input = NodeRef::<Input>::new();
    let msg = RwSignal::new(None::<Result<String, String>>);

    Effect::new(move |_| {
        ctx.saves.track();
        spawn_local(async move { used.set(usage().await) });
    });

    let export = move |_| {
        spawn_local(async move {
            let ws = ctx.ws.get_untracked();
            if ws.versions.is_empty() {
                msg.set(Some(Err(
                    "The workspace is empty: import a dataset first.".into()
                )));
                return;
            }
            let mut rows: BTreeMap<String, Arc<Vec<Record>>> = BTreeMap::new();
            let mut quarantine: BTreeMap<String, String> = BTreeMap::new();
            for v in &ws.versions {
                match rows_of(ctx, &v.id).await {
                    Ok(r) => {
                        rows.insert(v.id.clone(), r);
                    }
                    Err(e) => {
                        msg.set(Some(Err(e)));
                        return;
                    }
                }
                match quarantine_of(ctx, &v.id).await {
                    Ok(q) => {
                        quarantine.insert(v.id.clone(), quarantine_to_store(&q));
                    }
                    Err(e) => {
                        msg.set(Some(Err(e)));
                        return;
                    }
                }
            }
            let zip = export_zip(
                &ws,
                |id| rows.get(id).map(|r| r.as_slice()),
                |id| quarantine.get(id).cloned(),
            );
            let result = zip.and_then(|z| {
                let name = format!(
                    "datalab-workspace-{}.zip",
                    ws.current.clone().unwrap_or_default()
                );
                download(&name, "application/zip", &z).map(|_| {
                    format!(
                        "Exported the workspace ({} versions, {} bytes) as {name}.",
                        ws.versions.len(),
                        z.len()
                    )
                })
            });
            msg.set(Some(result));
        });
    };

    let import = move |_| {
        let Some(input) = zip_input.get_untracked() else {
            return;
        };
        let Some(file) = chosen_file(&input) else {
            return;
        };
        input.set_value("");
        spawn_local(async move {
            let (name, bytes) = match read_file_bytes(&file, MAX_ZIP_BYTES).await {
                Ok(x) => x,
                Err(e) => {
                    msg.set(Some(Err(e)));
                    return;
                }
            };
            let files = match import_zip(&bytes) {
                Ok(f) => f,
                Err(e) => {
                    msg.set(Some(Err(format!("{name} was not imported: {e}"))));
                    return;
                }
            };
            let total = files.workspace.versions.len();
            let added = merge(ctx, files.workspace, files.rows, files.quarantine).await;
            msg.set(Some(Ok(format!(
                "Imported the workspace from {name}: {} new version(s), {} already here; current is {}.",
                added,
                total - added,
                ctx.current_id().unwrap_or_else(|| "none".into())
            ))));
        });
    };

    let delete_all = move |_| {
        if !confirm_delete.get_untracked() {
            confirm_delete.set(true);
            return;
        }
        confirm_delete.set(false);
        spawn_local(async move {
            ready(ctx).await;
            if let Some(store) = ctx.store.get_value() {
                if let Err(e) = store.clear().await {
                    msg.set(Some(Err(e.to_string())));
                    return;
                }
            }
            ctx.ws.set(Workspace::default());
            ctx.cache.update_value(|c| c.clear());
            ctx.qcache.update_value(|c| c.clear());
            ctx.unsaved.update_value(|u| u.clear());
            ctx.rows.set(Arc::new(Vec::new()));
            ctx.quarantine.set(Arc::new(Vec::new()));
            ctx.saves.update(|s| *s += 1);
            msg.set(Some(Ok("Deleted the workspace from this browser.".into())));
        });
    };

    view! {
        <Section title="Storage and the whole workspace" heading_id="storage-h">
            <p data-testid="save-state">
                {move || match ctx.saved.get() {
                    Saved::Opening => "Opening the browser's storage …".to_string(),
                    Saved::Saved => "All versions are saved in this browser (IndexedDB): they survive a reload and a restart.".into(),
                    Saved::Saving => "Saving …".into(),
                    Saved::Failed(e) => format!("Not saved: {e}"),
                    Saved::NoStorage(e) => format!("No storage: {e}"),
                }}
            </p>
            <p class="hint" data-testid="storage-use">
                {move || match used.get() {
                    Some((u, q)) => format!("This site uses {} of the {} the browser allows it.", mb(u), mb(q)),
                    None => "The browser does not report storage use.".into(),
                }}
            </p>
            <div class="controls">
                <button type="button" on:click=export>"Export workspace"</button>
                <label class="field-label inline" for="ws-zip">"Import workspace (zip)"</label>
                <input id="ws-zip" type="file" accept=".zip,application/zip" node_ref=zip_input on:change=import />
                <button type="button" class="danger" on:click=delete_all>
                    {move || if confirm_delete.get() { "Really delete every version?" } else { "Delete workspace" }}
                </button>
                {move || confirm_delete.get().then(|| view! { <button type="button" on:click=move |_| confirm_delete.set(false)>"Keep it"</button> })}
            </div>
            <Outcome msg=msg />
        </Section>
    }
}

/// Merges an imported workspace into this one (versions are content-addressed, so nothing here is
/// overwritten: versions it lacks are added), makes the import's current version current, and saves.
/// Returns how many versions were added.
async fn merge(
    ctx: Ctx,
    ws: Workspace,
    mut rows: BTreeMap<String, Vec<Record>>,
    mut quarantine: BTreeMap<String, String>,
) -> usize {
    ready(ctx).await;
    let added = ctx
        .ws
        .try_update(|w| w.merge(&ws))
        .expect("the page is alive");
    for id in &added {
        let r = rows.remove(id).unwrap_or_default();
        let q = quarantine
            .remove(id)
            .map(|q| quarantine_from_store(&q).unwrap_or_default())
            .unwrap_or_default();
        ctx.cache.update_value(|c| {
            c.insert(id.clone(), Arc::new(r));
        });
        ctx.qcache.update_value(|c| {
            c.insert(id.clone(), Arc::new(q));
        });
        ctx.unsaved.update_value(|u| u.push(id.clone()));
    }
    if let Some(id) = ctx.current_id() {
        show_version(ctx, &id).await;
    }
    save(ctx).await;
    added.len()
}
