//! Exact and near duplicates (slide 14): MinHash over word n-gram shingles with LSH banding, every knob
//! editable beside the S-curve it gives; candidates verified by exact Jaccard; clusters side by side with
//! the spans they share; a keep policy; the clusters exported as JSON.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use super::state::{run_job, QCtx};
use crate::core::dataset::ledger::Check;
use crate::core::dataset::transform::drop_rows;
use crate::core::quality::dedup::{removals, shared_spans, Cluster, KeepPolicy, NearDupParams};
use crate::core::quality::jobs::{DuplicateReport, Job, Outcome};
use crate::core::quality::minhash::{candidate_probability, clusters, optimal_bands};
use crate::ui::design::Section;
use crate::ui::services::workspace::{derive, now_iso, save};
use crate::ui::widgets::s_curve::SCurve;
use crate::web::files::download;

/// Clusters shown per page.
const PER_PAGE: usize = 10;

fn param_input(
    q: QCtx,
    id: &'static str,
    label: &'static str,
    get: fn(&NearDupParams) -> f64,
    set: fn(&mut NearDupParams, f64),
    step: &'static str,
) -> impl IntoView {
    view! {
        <span class="param">
            <label class="field-label" for=id>{label}</label>
            <input id=id type="number" min="0" step=step
                prop:value=move || q.params.with(|p| get(p).to_string())
                on:change=move |ev| {
                    if let Ok(v) = event_target_value(&ev).trim().parse::<f64>() {
                        if v >= 0.0 {
                            q.params.update(|p| set(p, v));
                        }
                    }
                } />
        </span>
    }
}

/// The export: every cluster with its rows (0-based indices in the version) and each verified pair's
/// estimated and exact Jaccard; exact-duplicate groups too.
pub fn export_json(version: &str, r: &DuplicateReport) -> String {
    let doc = json!({
        "version": version,
        "row_index": "0-based position in the version",
        "params": r.params,
        "near_duplicate_pairs": r.near.pairs.len(),
        "candidates": r.near.candidates,
        "clusters": r.near.clusters.iter().map(|c| json!({
            "rows": c.rows,
            "pairs": c.pairs.iter().map(|p| json!({
                "a": p.a, "b": p.b,
                "estimated_jaccard": p.estimated_jaccard,
                "jaccard": p.jaccard,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "exact_duplicate_groups": r.exact,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// One member of a cluster, with what it shares with `other` highlighted.
fn member(
    rows: &[crate::core::dataset::record::Record],
    i: usize,
    other: usize,
    k: usize,
) -> impl IntoView {
    let text = |j: usize| {
        rows.get(j)
            .map(crate::core::quality::dedup::row_text)
            .unwrap_or_default()
    };
    let (mine, theirs) = (text(i), text(other));
    // Very long rows are cut for display; the comparison uses the whole text.
    let spans = shared_spans(&mine, &theirs, k);
    let mut shown = 0usize;
    let parts = spans
        .into_iter()
        .take_while(|(t, _)| {
            shown += t.len();
            shown < 6000
        })
        .map(|(t, on)| {
            if on {
                view! { <mark>{t}</mark> }.into_any()
            } else {
                view! { <span>{t}</span> }.into_any()
            }
        })
        .collect_view();
    view! {
        <div class="dup-member">
            <div class="mono hint">{format!("row #{i}")}</div>
            <div class="dup-text">{parts}</div>
        </div>
    }
}

#[component]
fn ClusterView(n: usize, cluster: Cluster, shingle: usize) -> impl IntoView {
    let q = expect_context::<QCtx>();
    let rows = q.ws.rows.get_untracked();
    let first = cluster.rows[0];
    let shown: Vec<usize> = cluster.rows.iter().copied().take(3).collect();
    let members = shown
        .iter()
        .map(|&i| {
            let other = if i == first { cluster.rows[1] } else { first };
            member(&rows, i, other, shingle)
        })
        .collect_view();
    let pairs = cluster
        .pairs
        .iter()
        .take(6)
        .map(|p| {
            format!(
                "#{}–#{}: J = {:.3} (estimate {:.3})",
                p.a, p.b, p.jaccard, p.estimated_jaccard
            )
        })
        .collect::<Vec<_>>()
        .join(" · ");
    let more = cluster.rows.len().saturating_sub(3);
    view! {
        <li class="dup-cluster">
            <p><strong>{format!("Cluster {n}: ")}</strong>{format!("{} rows — ", cluster.rows.len())}{pairs}</p>
            <div class="dup-columns">{members}</div>
            {(more > 0).then(|| view! { <p class="hint">{format!("… and {more} more rows in this cluster (see the export).")}</p> })}
        </li>
    }
}

/// Keeps the search on the workspace's record: "no duplicates" is evidence too (release gate 3).
async fn record_dups(q: QCtx, id: &str, r: &DuplicateReport) {
    let exact: usize = r.exact.iter().map(|g| g.len() - 1).sum();
    let near: usize = r.near.clusters.iter().map(|c| c.rows.len() - 1).sum();
    let check = Check {
        version: id.to_string(),
        kind: "duplicates".into(),
        at: now_iso(),
        found: exact + near,
        per: vec![("exact".into(), exact), ("near".into(), near)],
        params: serde_json::to_value(&r.params).unwrap_or_default(),
        summary: format!(
            "{exact} exact and {near} near duplicates beyond the first of each group (Jaccard ≥ {})",
            r.params.threshold
        ),
    };
    q.ws.ws.update(|w| w.record_check(check));
    save(q.ws).await;
}

#[component]
pub fn DupsPanel() -> impl IntoView {
    let q = expect_context::<QCtx>();
    let page = RwSignal::new(0usize);
    let problem = move || q.params.with(|p| p.check().err());
    let find = move |_| {
        let Some(id) = q.ws.current_id() else {
            q.ws.error("There is no dataset yet: import one first.");
            return;
        };
        let params = q.params.get_untracked();
        if let Err(e) = params.check() {
            q.ws.error(e);
            return;
        }
        let rows = q.ws.rows.get_untracked();
        spawn_local(async move {
            let job = Job::Duplicates { params };
            let label = format!("Finding duplicates among {} rows …", rows.len());
            if let Some(Outcome::Duplicates(r)) =
                run_job(q, &label, job, &[&rows], None, None).await
            {
                page.set(0);
                record_dups(q, &id, &r).await;
                q.dups.set(Some((id, Arc::new(*r))));
            }
        });
    };
    let export = move |_| {
        if let Some((id, r)) = q.dups.get_untracked() {
            if let Err(e) = download(
                &format!("{id}-duplicates.json"),
                "application/json",
                export_json(&id, &r).as_bytes(),
            ) {
                q.ws.error(e);
            }
        }
    };
    let remove = move |_| remove_duplicates(q);

    view! {
        <Section title="Exact and near duplicates" heading_id="dups-h">
            <p class="hint">
                "Exact duplicates are rows equal once case, spacing and punctuation are ignored. Near duplicates are found with MinHash: "
                "each row becomes a set of word n-grams (shingles), a signature of minimum hashes estimates how much two sets overlap (Jaccard), "
                "and LSH banding proposes pairs to check. Every proposed pair is then verified with the exact Jaccard before it is reported."
            </p>
            <NearDupSettings />
            <div class="buttons">
                <button type="button" class="primary" on:click=find
                    disabled=move || q.ws.jobs.is_busy() || problem().is_some()>"Find duplicates"</button>
                <button type="button" on:click=export disabled=move || q.dups.with(Option::is_none)>"Export duplicates"</button>
            </div>
            {move || q.dups.get().map(|(id, r)| {
                let exact_rows: usize = r.exact.iter().map(|g| g.len() - 1).sum();
                let shingle = r.params.shingle;
                let n = r.near.clusters.len();
                let pages = n.div_ceil(PER_PAGE).max(1);
                let p = page.get().min(pages - 1);
                let shown = r.near.clusters[p * PER_PAGE..((p + 1) * PER_PAGE).min(n)]
                    .iter()
                    .enumerate()
                    .map(|(k, c)| view! { <ClusterView n=p * PER_PAGE + k + 1 cluster=c.clone() shingle=shingle /> })
                    .collect_view();
                view! {
                    <div class="stats">
                        <div class="stat">
                            <span class="stat-label">"Near-duplicate pairs"</span>
                            <span class="stat-value" data-testid="near-dup-pairs">{r.near.pairs.len()}</span>
                        </div>
                        <div class="stat">
                            <span class="stat-label">"Clusters"</span>
                            <span class="stat-value" data-testid="near-dup-clusters">{n}</span>
                        </div>
                        <div class="stat">
                            <span class="stat-label">"Candidates checked"</span>
                            <span class="stat-value">{r.near.candidates}</span>
                        </div>
                        <div class="stat">
                            <span class="stat-label">"Exact duplicates"</span>
                            <span class="stat-value" data-testid="exact-dup-rows">{exact_rows}</span>
                        </div>
                        <div class="stat">
                            <span class="stat-label">"Time in the worker"</span>
                            <span class="stat-value small" data-testid="near-dup-ms">{format!("{:.0} ms", r.millis)}</span>
                            <span class="hint" data-testid="near-dup-compute-ms">{format!("search alone {:.0} ms", r.compute_millis)}</span>
                        </div>
                    </div>
                    <p class="hint">{format!(
                        "Version {id}: {} exact-duplicate groups ({exact_rows} rows beyond the first of each); {} candidate pairs, {} verified at J ≥ {:.2}.",
                        r.exact.len(), r.near.candidates, r.near.pairs.len(), r.params.threshold
                    )}</p>
                    <div class="controls">
                        <label class="field-label" for="keep-policy">"Keep in each group"</label>
                        <select id="keep-policy" on:change=move |ev| {
                            let v = event_target_value(&ev);
                            if let Some(k) = KeepPolicy::ALL.iter().find(|k| serde_json::to_value(k).ok().and_then(|x| x.as_str().map(String::from)) == Some(v.clone())) {
                                q.keep.set(*k);
                            }
                        }>
                            {KeepPolicy::ALL.iter().map(|k| {
                                let v = serde_json::to_value(k).ok().and_then(|x| x.as_str().map(String::from)).unwrap_or_default();
                                let k = *k;
                                view! { <option value=v selected=move || q.keep.get() == k>{k.label()}</option> }
                            }).collect_view()}
                        </select>
                        <button type="button" on:click=remove disabled=move || q.ws.jobs.is_busy()>"Remove duplicates as a new version"</button>
                    </div>
                    <ol class="dup-clusters">{shown}</ol>
                    {(pages > 1).then(|| view! {
                        <div class="pager">
                            <button type="button" disabled=move || { page.get() == 0 } on:click=move |_| page.update(|x| *x = x.saturating_sub(1))>"Previous clusters"</button>
                            <span>{format!("page {} of {pages}", p + 1)}</span>
                            <button type="button" disabled=move || { page.get() + 1 >= pages } on:click=move |_| page.update(|x| *x += 1)>"Next clusters"</button>
                        </div>
                    })}
                }
            })}
        </Section>
    }
}

/// Makes a new version with one survivor per group of exact or near duplicates (chosen by the keep
/// policy), each removed row listed with the row kept in its place.
fn remove_duplicates(q: QCtx) {
    let Some((id, r)) = q.dups.get_untracked() else {
        return;
    };
    if q.ws.current_id().as_deref() != Some(id.as_str()) {
        q.ws.error("The duplicates were found in another version: find them again in the current version first.");
        return;
    }
    let policy = q.keep.get_untracked();
    let scores = q
        .gates
        .get_untracked()
        .filter(|(g, _)| *g == id)
        .map(|(_, run)| run);
    if policy == KeepPolicy::BestScore && scores.is_none() {
        q.ws.error(
            "“Best gate score” needs the gates: run them on this version first (section 1).",
        );
        return;
    }
    let rows = q.ws.rows.get_untracked();
    // Exact groups and near clusters together: one survivor per connected group.
    let links: Vec<(u32, u32)> = r
        .exact
        .iter()
        .chain(r.near.clusters.iter().map(|c| &c.rows))
        .flat_map(|g| g.windows(2).map(|w| (w[0] as u32, w[1] as u32)))
        .collect();
    let groups = clusters(rows.len(), &links);
    let gone = removals(
        &groups,
        policy,
        "duplicate",
        |i| rows.get(i).map_or(0, |r| r.output.chars().count()),
        |i| {
            scores
                .as_ref()
                .and_then(|s| s.scores.get(i))
                .map_or(1.0, |&x| x as f64)
        },
    );
    if gone.is_empty() {
        q.ws.info("No duplicates to remove.");
        return;
    }
    let kept = drop_rows(&rows, gone.iter().map(|g| g.row));
    let n = gone.len();
    let params = json!({
        "near_duplicates": r.params,
        "keep": policy,
        "removed": gone,
    });
    let quarantine = q.ws.quarantine.get_untracked().as_ref().clone();
    spawn_local(async move {
        if let Some(v) = derive(q.ws, "dedup", params, kept, quarantine).await {
            q.ws.info(format!("Version {} made: {n} duplicate rows removed, each listed with the row kept in its place.", v.id));
            q.dups.set(None);
            q.gates.set(None);
        }
    });
}

/// The near-duplicate search's parameters (shingles, permutations, banding, threshold) beside the
/// S-curve of the chance that a pair becomes a candidate.
#[component]
fn NearDupSettings() -> impl IntoView {
    let q = expect_context::<QCtx>();
    let problem = move || q.params.with(|p| p.check().err());
    let curve = Signal::derive(move || q.params.with(|p| (p.bands, p.rows, p.threshold)));
    view! {
    <div class="two-col">
        <div class="controls params">
            {param_input(q, "nd-shingle", "Shingle size (words)", |p| p.shingle as f64, |p, v| p.shingle = v as usize, "1")}
            {param_input(q, "nd-perm", "Permutations", |p| p.num_perm as f64, |p, v| p.num_perm = v as usize, "1")}
            {param_input(q, "nd-bands", "Bands", |p| p.bands as f64, |p, v| p.bands = v as usize, "1")}
            {param_input(q, "nd-rows", "Rows per band", |p| p.rows as f64, |p, v| p.rows = v as usize, "1")}
            {param_input(q, "nd-threshold", "Jaccard threshold", |p| p.threshold, |p, v| p.threshold = v, "0.05")}
            <div class="buttons">
                <button type="button" on:click=move |_| q.params.update(|p| {
                    let (b, r) = optimal_bands(p.threshold, p.num_perm);
                    p.bands = b;
                    p.rows = r;
                }) title="The bands × rows datasketch's MinHashLSH picks for this threshold (equal weight to false positives and false negatives)">"datasketch's banding"</button>
                <button type="button" on:click=move |_| q.params.update(|p| {
                    let (b, r) = optimal_bands((p.threshold - 0.15).max(0.05), p.num_perm);
                    p.bands = b;
                    p.rows = r;
                }) title="Band for a threshold 0.15 lower: more candidates, each checked exactly, so fewer true pairs are missed">"Recall-first banding"</button>
                <button type="button" on:click=move |_| q.params.set(NearDupParams::default())>"Defaults"</button>
            </div>
            <p class="hint">{move || q.params.with(|p| format!(
                "{} × {} = {} of {} signature values used. A pair exactly at the threshold becomes a candidate with probability {:.0}%; at 0.5, {:.1}%.",
                p.bands, p.rows, p.bands * p.rows, p.num_perm,
                candidate_probability(p.threshold, p.rows, p.bands) * 100.0,
                candidate_probability(0.5, p.rows, p.bands) * 100.0
            ))}</p>
            {move || problem().map(|e| view! { <div class="error" role="alert">{e}</div> })}
        </div>
        <SCurve data=curve />
    </div>
    }
}
