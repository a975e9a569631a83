//! Versions: the lineage (a tree: imports are roots, every transform a child), the scorecard of a
//! version (what made it, its hashes, schema, drift and audit), rollback, deletion with confirmation, and
//! exports of any version in the book's JSON, JSONL or CSV.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::dataset::content::canonical_json;
use crate::core::dataset::record::{to_csv, to_json_array, to_jsonl};
use crate::core::dataset::workspace::{DatasetVersion, Workspace};
use crate::ui::design::Section;
use crate::ui::services::workspace::{rows_of, save, switch_to, use_workspace, Ctx};
use crate::ui::widgets::outcome::Outcome;
use crate::web::files::download;

/// `2026-11-24T21:40:00.000Z` → `2026-11-24 21:40`.
fn short_time(iso: &str) -> String {
    iso.get(..16).unwrap_or(iso).replace('T', " ")
}

/// The versions in tree order with their depth (children after their parent, in creation order).
fn tree(ws: &Workspace) -> Vec<(usize, DatasetVersion)> {
    let mut children: BTreeMap<Option<&str>, Vec<&DatasetVersion>> = BTreeMap::new();
    for v in &ws.versions {
        let parent = v.parent.as_deref().filter(|p| ws.get(p).is_some());
        children.entry(parent).or_default().push(v);
    }
    let mut out = Vec::new();
    let mut stack: Vec<(usize, &DatasetVersion)> = children
        .get(&None)
        .map(|r| r.iter().rev().map(|v| (0, *v)).collect())
        .unwrap_or_default();
    while let Some((depth, v)) = stack.pop() {
        out.push((depth, v.clone()));
        if let Some(cs) = children.get(&Some(v.id.as_str())) {
            stack.extend(cs.iter().rev().map(|c| (depth + 1, *c)));
        }
    }
    out
}

#[component]
pub fn VersionsPanel() -> impl IntoView {
    let ctx = use_workspace();
    // The version the scorecard and exports are about; None = the current one.
    let selected = RwSignal::new(None::<String>);
    let confirm_delete = RwSignal::new(None::<String>);
    let msg = RwSignal::new(None::<Result<String, String>>);
    let target = move || {
        selected
            .get()
            .or_else(|| ctx.ws.with(|w| w.current.clone()))
    };

    let export = move |kind: &'static str| {
        let Some(id) = target() else {
            msg.set(Some(Err(
                "There is no version to export yet: import a dataset first.".into(),
            )));
            return;
        };
        spawn_local(async move {
            let result = match rows_of(ctx, &id).await {
                Err(e) => Err(e),
                Ok(rows) => {
                    let (ext, mime, body) = match kind {
                        "json" => ("json", "application/json", to_json_array(&rows)),
                        "jsonl" => ("jsonl", "application/x-ndjson", to_jsonl(&rows)),
                        _ => ("csv", "text/csv", to_csv(&rows)),
                    };
                    download(&format!("{id}.{ext}"), mime, body.as_bytes())
                        .map(|_| format!("Exported {id} ({} rows) as {id}.{ext}.", rows.len()))
                }
            };
            msg.set(Some(result));
        });
    };

    let rollback = move |id: String| {
        selected.set(None);
        spawn_local(async move {
            switch_to(ctx, &id).await;
            ctx.info(format!(
                "{id} is the current version again; later versions are kept in the lineage."
            ));
        });
    };

    let delete = move |id: String| delete_version(ctx, id, selected, confirm_delete, msg);

    let lineage = move || {
        let ws = ctx.ws.get();
        let current = ws.current.clone();
        if ws.versions.is_empty() {
            return view! { <p class="hint">"No versions yet: every import and transform will appear here."</p> }.into_any();
        }
        let items = tree(&ws)
            .into_iter()
            .map(|(depth, v)| {
                let is_current = current.as_deref() == Some(v.id.as_str());
                let released = ws.release_of(&v.id).map(|r| r.tag.clone());
                // A released version is never deleted: no Delete button (the workspace refuses it anyway).
                let leaf = ws.children(&v.id).is_empty() && released.is_none();
                let id = v.id.clone();
                let (id2, id3, id4) = (id.clone(), id.clone(), id.clone());
                let audit = ws.audits.get(&v.id).map(|a| {
                    let (score, n) = a.score();
                    format!(" · audit {n}/{} ({:.0}% good)", a.rows.len(), score * 100.0)
                });
                view! {
                    <li class="lineage-item" class:current=is_current style:margin-left=format!("{}rem", depth as f32 * 1.4)>
                        <span class="mono">{if depth > 0 { "└ " } else { "" }}{v.id.clone()}</span>
                        " "
                        <span class="badge">{v.transform.clone()}</span>
                        {is_current.then(|| view! { " " <span class="badge current-badge">"current"</span> })}
                        {released.clone().map(|tag| view! { " " <span class="badge released-badge" title="Released: it can never be deleted or changed">{format!("v{tag}")}</span> })}
                        <span class="note">
                            {format!(" {} rows · {} quarantined · {}", v.rows, v.quarantined, short_time(&v.created))}
                            {audit}
                        </span>
                        " "
                        <button type="button" on:click=move |_| selected.set(Some(id2.clone()))>"Details"</button>
                        {(!is_current).then(|| view! {
                            " "
                            <button type="button" aria-label=format!("Roll back to {id}") on:click=move |_| rollback(id3.clone())>
                                "Make current"
                            </button>
                        })}
                        {(!is_current && leaf).then(|| {
                            let id5 = id4.clone();
                            view! {
                                " "
                                <button type="button" class="danger" aria-label=format!("Delete {id4}") on:click=move |_| delete(id5.clone())>
                                    {let id6 = id4.clone(); move || if confirm_delete.get().as_deref() == Some(id6.as_str()) { "Really delete?" } else { "Delete" }}
                                </button>
                            }
                        })}
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="lineage" aria-label="Lineage of dataset versions">{items}</ul> }
            .into_any()
    };

    view! {
        <Section title="Versions, lineage and exports" heading_id="versions-h">
            <p class="hint">
                "Every import and transform makes an immutable version; its id hashes the content, the parent, the transform and its parameters. "
                "Making an older version current (rollback) deletes nothing."
            </p>
            {lineage}
            <VersionScorecard target=Signal::derive(target) />
            <div class="controls">
                <span>{move || match target() { Some(id) => format!("Export {id}:"), None => "Export:".into() }}</span>
                <button type="button" on:click=move |_| export("json")>"Export JSON"</button>
                <button type="button" on:click=move |_| export("jsonl")>"Export JSONL"</button>
                <button type="button" on:click=move |_| export("csv")>"Export CSV"</button>
                {move || selected.get().map(|_| view! { <button type="button" on:click=move |_| selected.set(None)>"Back to the current version"</button> })}
            </div>
            <Outcome msg=msg />
        </Section>
    }
}

/// The facts of one version: how it was made, its parent, rows, content hash, tokenizer, schema drift,
/// sample audit and lineage.
#[component]
fn VersionScorecard(target: Signal<Option<String>>) -> impl IntoView {
    let ctx = use_workspace();
    move || {
        let id = target.get()?;
        let ws = ctx.ws.get();
        let v = ws.get(&id)?.clone();
        let chain = ws
            .lineage(&id)
            .iter()
            .map(|x| format!("{} ({})", x.id, x.transform))
            .collect::<Vec<_>>()
            .join(" → ");
        let audit = match ws.audits.get(&id) {
            None => "not audited yet".to_string(),
            Some(a) => {
                let (score, n) = a.score();
                let bad = a
                    .verdicts
                    .values()
                    .filter(|v| v.0 == crate::core::dataset::workspace::Verdict::Bad)
                    .count();
                format!(
                    "{n} of {} sampled rows reviewed (seed {}): {:.0}% good, {bad} bad",
                    a.rows.len(),
                    a.seed,
                    score * 100.0
                )
            }
        };
        let schema = v
            .schema
            .iter()
            .map(|(f, t)| view! { <tr><td class="mono">{f.clone()}</td><td>{t.join(" or ")}</td></tr> })
            .collect_view();
        let drift = match (&v.drift_from, v.drift.is_empty()) {
            (None, _) => "first version: nothing to compare with".to_string(),
            (Some(f), true) => format!("none against {f}"),
            (Some(f), false) => format!("against {f}: {}", v.drift.join(" ")),
        };
        Some(view! {
            <div class="scorecard" data-testid="version-scorecard">
                <h3>{format!("Scorecard of {}", v.id)}</h3>
                <dl class="facts">
                    <dt>"Made by"</dt><dd>{v.transform.clone()} " " <code class="params">{canonical_json(&v.params)}</code></dd>
                    <dt>"Parent"</dt><dd class="mono">{v.parent.clone().unwrap_or_else(|| "none (an import starts a lineage)".into())}</dd>
                    <dt>"Created"</dt><dd>{v.created.clone()}</dd>
                    <dt>"Rows"</dt><dd>{format!("{} valid, {} quarantined", v.rows, v.quarantined)}</dd>
                    <dt>"Content hash"</dt><dd class="mono hash">{v.content_hash.clone()}</dd>
                    <dt>"Tokenizer"</dt><dd>{v.tokenizer.clone().unwrap_or_else(|| "none used".into())}</dd>
                    <dt>"Schema drift"</dt><dd>{drift}</dd>
                    <dt>"Sample audit"</dt><dd data-testid="scorecard-audit">{audit}</dd>
                    <dt>"Lineage"</dt><dd class="mono">{chain}</dd>
                </dl>
                <table class="data compact" aria-label="Schema of the rows it was made from">
                    <thead><tr><th scope="col">"field"</th><th scope="col">"types seen"</th></tr></thead>
                    <tbody>{schema}</tbody>
                </table>
            </div>
        })
    }
}

/// Deletes a leaf version after a second click on the same button (the first asks "Really delete?").
fn delete_version(
    ctx: Ctx,
    id: String,
    selected: RwSignal<Option<String>>,
    confirm_delete: RwSignal<Option<String>>,
    msg: RwSignal<Option<Result<String, String>>>,
) {
    if confirm_delete.get_untracked().as_deref() != Some(id.as_str()) {
        confirm_delete.set(Some(id));
        return;
    }
    confirm_delete.set(None);
    spawn_local(async move {
        // A version an experiment names must stay, so the experiment can always be rerun.
        if let Ok((log, _)) = crate::web::experiment_log::load().await {
            let uses = crate::core::ab::log::referencing(&log, &id);
            if !uses.is_empty() {
                let list: Vec<String> = uses.iter().map(|n| format!("#{n}")).collect();
                msg.set(Some(Err(format!(
                    "Version {id} cannot be deleted: experiment log entr{} {} name{} it, and an experiment must stay reproducible.",
                    if uses.len() == 1 { "y" } else { "ies" },
                    list.join(", "),
                    if uses.len() == 1 { "s" } else { "" }
                ))));
                return;
            }
        }
        let result = ctx
            .ws
            .try_update(|w| w.remove(&id))
            .expect("the page is alive");
        match result {
            Err(e) => msg.set(Some(Err(e))),
            Ok(()) => {
                if selected.get_untracked().as_deref() == Some(id.as_str()) {
                    selected.set(None);
                }
                if let Some(store) = ctx.store.get_value() {
                    if let Err(e) = store.delete_version(&id).await {
                        ctx.error(e.to_string());
                    }
                }
                ctx.cache.update_value(|c| {
                    c.remove(&id);
                });
                save(ctx).await;
                msg.set(Some(Ok(format!("Deleted version {id}."))));
            }
        }
    });
}
