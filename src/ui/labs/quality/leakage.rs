//! Split leakage (slide 25's "duplicate leakage" drill): training rows that are exact or near duplicates of
//! test rows inflate the test score, because the model has seen the answers. Listed here, and removable
//! from the training side as a new version of it.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use super::state::{run_job, QCtx};
use crate::core::dataset::record::clip;
use crate::core::dataset::transform::drop_rows;
use crate::core::quality::dedup::LeakKind;
use crate::core::quality::jobs::{Job, Outcome};
use crate::ui::design::Section;
use crate::ui::services::workspace::{derive, quarantine_of, rows_of, switch_to, version_options};

/// Leaks listed at most (all are removed, and counted).
const SHOWN: usize = 200;

#[component]
pub fn LeakagePanel() -> impl IntoView {
    let q = expect_context::<QCtx>();
    let train = RwSignal::new(String::new());
    let test = RwSignal::new(String::new());
    // The train side defaults to the current version.
    Effect::new(move |_| {
        if let Some(c) = q.ws.ws.with(|w| w.current.clone()) {
            if train.get_untracked().is_empty() {
                train.set(c);
            }
        }
    });
    let rows_cache = StoredValue::new(
        None::<(
            Arc<Vec<crate::core::dataset::record::Record>>,
            Arc<Vec<crate::core::dataset::record::Record>>,
        )>,
    );
    let check = move |_| {
        let (a, b) = (train.get_untracked(), test.get_untracked());
        if a.is_empty() || b.is_empty() {
            q.ws.error("Choose a training version and a test version.");
            return;
        }
        if a == b {
            q.ws.error(
                "The training and test versions are the same version: choose two different ones.",
            );
            return;
        }
        spawn_local(async move {
            let (tr, te) = match (rows_of(q.ws, &a).await, rows_of(q.ws, &b).await) {
                (Ok(x), Ok(y)) => (x, y),
                (Err(e), _) | (_, Err(e)) => {
                    q.ws.error(e);
                    return;
                }
            };
            let job = Job::Leakage {
                params: q.params.get_untracked(),
                train: tr.len(),
            };
            let label = format!(
                "Checking {} training rows against {} test rows …",
                tr.len(),
                te.len()
            );
            if let Some(Outcome::Leakage(r)) =
                run_job(q, &label, job, &[&tr, &te], None, None).await
            {
                rows_cache.set_value(Some((tr, te)));
                q.leaks.set(Some((a, b, Arc::new(*r))));
            }
        });
    };
    let remove = move |_| {
        let Some((a, b, r)) = q.leaks.get_untracked() else {
            return;
        };
        let Some((tr, _)) = rows_cache.get_value() else {
            return;
        };
        let mut gone: Vec<usize> = r.leaks.iter().map(|l| l.train).collect();
        gone.sort_unstable();
        gone.dedup();
        if gone.is_empty() {
            q.ws.info("No leaked rows to remove.");
            return;
        }
        let kept = drop_rows(&tr, gone.iter().copied());
        let params = json!({
            "test_version": b,
            "near_duplicates": r.params,
            "removed": r.leaks.iter().map(|l| json!({
                "row": l.train, "test_row": l.test, "kind": l.kind, "jaccard": l.jaccard,
                "reason": match l.kind {
                    LeakKind::Exact => format!("exact duplicate of test row #{}", l.test),
                    LeakKind::Near => format!("near duplicate of test row #{} (J = {:.3})", l.test, l.jaccard),
                },
            })).collect::<Vec<_>>(),
        });
        let n = gone.len();
        spawn_local(async move {
            // The new version is a child of the training version: make it current first.
            if q.ws.current_id().as_deref() != Some(a.as_str()) {
                switch_to(q.ws, &a).await;
            }
            let quarantine = quarantine_of(q.ws, &a)
                .await
                .map(|x| x.as_ref().clone())
                .unwrap_or_default();
            if let Some(v) = derive(q.ws, "leakage", params, kept, quarantine).await {
                q.ws.info(format!(
                    "Version {} made from {a}: {n} training rows that leaked into {b} removed.",
                    v.id
                ));
                q.leaks.set(None);
                train.set(v.id);
            }
        });
    };
    view! {
        <Section title="Leakage between splits" heading_id="leak-h">
            <p class="hint">
                "Import the training and the test split as two versions (in the workspace lab, or above), choose them here, and check: "
                "every training row that is an exact or near duplicate of a test row is listed (same shingles, threshold and banding as section 4)."
            </p>
            <div class="controls">
                <label class="field-label" for="leak-train">"Training split"</label>
                <select id="leak-train" on:change=move |ev| train.set(event_target_value(&ev))>
                    <option value="">"— choose —"</option>
                    {version_options(q.ws, train)}
                </select>
                <label class="field-label" for="leak-test">"Test split"</label>
                <select id="leak-test" on:change=move |ev| test.set(event_target_value(&ev))>
                    <option value="">"— choose —"</option>
                    {version_options(q.ws, test)}
                </select>
                <button type="button" class="primary" on:click=check disabled=move || q.ws.jobs.is_busy()>"Check leakage"</button>
            </div>
            {move || q.leaks.get().map(|(a, b, r)| {
                let (tr, te) = rows_cache.get_value().unwrap_or_default();
                let mut rows: Vec<usize> = r.leaks.iter().map(|l| l.train).collect();
                rows.dedup();
                let items = r.leaks.iter().take(SHOWN).map(|l| {
                    let kind = match l.kind { LeakKind::Exact => "exact".to_string(), LeakKind::Near => format!("near, J = {:.3}", l.jaccard) };
                    let ti = tr.get(l.train).map(|x| clip(&x.instruction, 160)).unwrap_or_default();
                    let si = te.get(l.test).map(|x| clip(&x.instruction, 160)).unwrap_or_default();
                    view! {
                        <tr>
                            <td class="num">{format!("#{}", l.train)}</td>
                            <td class="num">{format!("#{}", l.test)}</td>
                            <td>{kind}</td>
                            <td class="reason">{ti}</td>
                            <td class="reason">{si}</td>
                        </tr>
                    }
                }).collect_view();
                view! {
                    <div class="stats">
                        <div class="stat">
                            <span class="stat-label">"Leaked training rows"</span>
                            <span class="stat-value" data-testid="leak-count">{rows.len()}</span>
                        </div>
                        <div class="stat">
                            <span class="stat-label">"Exact"</span>
                            <span class="stat-value">{r.leaks.iter().filter(|l| l.kind == LeakKind::Exact).count()}</span>
                        </div>
                        <div class="stat">
                            <span class="stat-label">"Near"</span>
                            <span class="stat-value">{r.leaks.iter().filter(|l| l.kind == LeakKind::Near).count()}</span>
                        </div>
                    </div>
                    <p class="hint">{format!("{a} ({} rows) against {b} ({} rows), in {:.0} ms.", r.train_rows, r.test_rows, r.millis)}</p>
                    {(!r.leaks.is_empty()).then(|| view! {
                        <div class="table-wrap">
                            <table class="quality">
                                <thead><tr>
                                    <th scope="col">"Train row"</th><th scope="col">"Test row"</th><th scope="col">"Kind"</th>
                                    <th scope="col">"Train instruction"</th><th scope="col">"Test instruction"</th>
                                </tr></thead>
                                <tbody>{items}</tbody>
                            </table>
                        </div>
                        <button type="button" on:click=remove disabled=move || q.ws.jobs.is_busy()>"Remove leaked rows from the training split"</button>
                    })}
                }
            })}
        </Section>
    }
}
