//! The duplicate-leakage drill: split a version into training and evaluation rows, copy some evaluation
//! rows (exactly and lightly edited) into training, and let the A/B lab's proxy model show the damage — the
//! leaky version scores the evaluation set better, because it has seen the answers. Then find the copies
//! with the duplicate check, remove them as a new version, and see the score come back; the answer key
//! says which copies were found and why the others were missed.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use super::state::{
    child_version, chosen_or_current, current_by_default, version_options, DrillsCtx,
};
use crate::core::ab::plan::TokenizerPlan;
use crate::core::ab::proxy::ArmJob;
use crate::core::dataset::record::{clip, Record};
use crate::core::dataset::transform::drop_rows;
use crate::core::drills::leak::{plant, score, split, LeakPlan, LeakScore, Planted};
use crate::core::quality::dedup::{Leak, LeakKind, NearDupParams};
use crate::core::quality::jobs::{Job, Outcome};
use crate::core::tokenize::encodings::EncodingSpec;
use crate::ui::design::Section;
use crate::ui::services::tokenizer::rank_bytes;
use crate::ui::services::workspace::{packed_rows, rows_of};
use crate::web::worker;

const DRILL: &str = "duplicate-leakage";
/// The proxy's n-gram order: 5, the longest the A/B lab offers — long contexts are what a model
/// memorises rows with, so the leak shows as it would in a real model (a 3-gram barely remembers a row).
const ORDER: usize = 5;

/// One planted drill and what has been measured on it.
#[derive(Clone, Debug, Default)]
struct Drill {
    plan: LeakPlan,
    train_id: String,
    eval_id: String,
    leaky_id: String,
    train: Arc<Vec<Record>>,
    eval: Arc<Vec<Record>>,
    leaky: Arc<Vec<Record>>,
    planted: Vec<Planted>,
    clean: Option<f64>,
    leaky_score: Option<f64>,
    /// The check's leaks (over the leaky version then the evaluation set) and its score.
    found: Option<(Vec<Leak>, LeakScore, NearDupParams)>,
    recovered_id: Option<String>,
    recovered: Option<f64>,
}

/// Bits per byte of `eval` under a proxy trained on `train` (GPT-2 tokens), in the worker.
async fn proxy_score(
    d: DrillsCtx,
    label: &str,
    train: &[Record],
    eval: &[Record],
    seed: u64,
) -> Option<f64> {
    let ctx = d.ws;
    let base = EncodingSpec::by_name("gpt2").expect("gpt2 is an encoding");
    let ranks = match rank_bytes(base).await {
        Ok(r) => r,
        Err(e) => {
            ctx.error(e);
            return None;
        }
    };
    let job = ctx
        .jobs
        .start(format!("Scoring the evaluation set: {label}"));
    let train_buf = packed_rows(job, &[train]).await?;
    let eval_buf = packed_rows(job, &[eval]).await?;
    let arm = ArmJob {
        name: label.to_string(),
        order: ORDER,
        seed,
        tokenizer: TokenizerPlan::Base {
            name: "gpt2".into(),
        },
    };
    let progress = move |p: f64, stage: Option<String>| job.stage(p, stage);
    match worker::ab::run(&arm, train_buf, eval_buf, &ranks, progress).await {
        Ok(r) => {
            job.end();
            Some(r.bits_per_byte)
        }
        Err(e) => {
            if !job.cancelled() {
                job.end();
                ctx.error(format!("Scoring {label}: {}", e.message()));
            }
            None
        }
    }
}

async fn plant_drill(d: DrillsCtx, source: String, plan: LeakPlan) -> Option<Drill> {
    let ctx = d.ws;
    if let Err(e) = plan.check() {
        ctx.error(e);
        return None;
    }
    let rows = match rows_of(ctx, &source).await {
        Ok(r) => r,
        Err(e) => {
            ctx.error(e);
            return None;
        }
    };
    if rows.len() < 20 {
        ctx.error(format!(
            "{source} has {} rows; the drill needs at least 20 (a few hundred show the effect clearly).",
            rows.len()
        ));
        return None;
    }
    let (ti, ei) = split(rows.len(), plan.eval_share, plan.seed);
    let train: Vec<Record> = ti.iter().map(|&i| rows[i].clone()).collect();
    let eval: Vec<Record> = ei.iter().map(|&i| rows[i].clone()).collect();
    let (leaky, planted) = plant(&train, &eval, &plan);
    let split_params = |part: &str| json!({"drill": DRILL, "part": part, "seed": plan.seed, "eval_share": plan.eval_share});
    let train_v = child_version(
        ctx,
        &source,
        "drill-split",
        split_params("train"),
        train.clone(),
    )
    .await?;
    let eval_v = child_version(
        ctx,
        &source,
        "drill-split",
        split_params("evaluation"),
        eval.clone(),
    )
    .await?;
    let params = json!({
        "drill": DRILL, "seed": plan.seed, "percent": plan.percent, "edited_share": plan.edited_share,
        "evaluation_version": eval_v.id, "planted": planted,
    });
    let leaky_v =
        child_version(ctx, &train_v.id, "drill-plant-leak", params, leaky.clone()).await?;
    d.start(DRILL, plan.seed);
    Some(Drill {
        plan,
        train_id: train_v.id,
        eval_id: eval_v.id,
        leaky_id: leaky_v.id,
        train: Arc::new(train),
        eval: Arc::new(eval),
        leaky: Arc::new(leaky),
        planted,
        ..Drill::default()
    })
}

async fn find_leaks(d: DrillsCtx, drill: &Drill, params: NearDupParams) -> Option<Vec<Leak>> {
    let ctx = d.ws;
    if let Err(e) = params.check() {
        ctx.error(e);
        return None;
    }
    let job = ctx
        .jobs
        .start("Checking the training version against the evaluation set");
    let buf = packed_rows(job, &[&drill.leaky, &drill.eval]).await?;
    let q = Job::Leakage {
        params,
        train: drill.leaky.len(),
    };
    match worker::quality::run(&q, buf, None, move |p| job.progress(p)).await {
        Ok(Outcome::Leakage(r)) => {
            job.end();
            Some(r.leaks)
        }
        Ok(_) => {
            job.end();
            ctx.error("The worker answered another job.");
            None
        }
        Err(e) => {
            if !job.cancelled() {
                job.end();
                ctx.error(format!("The leakage check stopped: {}", e.message()));
            }
            None
        }
    }
}

fn score_stat(label: &'static str, testid: &'static str, v: Option<f64>) -> impl IntoView {
    view! {
        <div class="stat">
            <span class="stat-label">{label}</span>
            <span class="stat-value" data-testid=testid>{v.map_or("—".to_string(), |v| format!("{v:.4}"))}</span>
        </div>
    }
}

#[component]
pub fn LeakDrillPanel() -> impl IntoView {
    let d = expect_context::<DrillsCtx>();
    let source = current_by_default(d);
    let percent = RwSignal::new(20.0f64);
    let edited = RwSignal::new(50.0f64);
    let seed = RwSignal::new(25u64);
    let threshold = RwSignal::new(0.8f64);
    let drill = RwSignal::new(None::<Arc<Drill>>);
    let hint = RwSignal::new(0u32);
    let busy = move || d.ws.jobs.is_busy();

    let plant_click = move |_| {
        let src = chosen_or_current(d, source);
        if src.is_empty() {
            d.ws.error("Choose the version to plant the leak in (import a dataset in the workspace lab first).");
            return;
        }
        let pack_leak = d
            .pack
            .with_untracked(|p| p.as_ref().and_then(|p| p.leak.clone()));
        let plan = pack_leak.unwrap_or(LeakPlan {
            seed: d.seed(seed.get_untracked()),
            percent: percent.get_untracked(),
            edited_share: edited.get_untracked() / 100.0,
            ..LeakPlan::default()
        });
        spawn_local(async move {
            let Some(mut dr) = plant_drill(d, src, plan).await else {
                return;
            };
            hint.set(0);
            drill.set(Some(Arc::new(dr.clone())));
            // The damage, with a number: the same evaluation set scored after training on each version.
            dr.clean = proxy_score(
                d,
                "clean training version",
                &dr.train,
                &dr.eval,
                dr.plan.seed,
            )
            .await;
            drill.set(Some(Arc::new(dr.clone())));
            if dr.clean.is_none() {
                return;
            }
            dr.leaky_score = proxy_score(
                d,
                "leaky training version",
                &dr.leaky,
                &dr.eval,
                dr.plan.seed,
            )
            .await;
            d.ws.info(format!(
                "Planted {} copies of evaluation rows in {} (made from {}); the evaluation set is {}.",
                dr.planted.len(), dr.leaky_id, dr.train_id, dr.eval_id
            ));
            drill.set(Some(Arc::new(dr)));
        });
    };
    let check_click = move |_| {
        let Some(dr) = drill.get_untracked() else {
            return;
        };
        let params = NearDupParams {
            threshold: threshold.get_untracked(),
            ..NearDupParams::default()
        };
        spawn_local(async move {
            let Some(leaks) = find_leaks(d, &dr, params.clone()).await else {
                return;
            };
            d.step(DRILL);
            let s = score(&dr.planted, &leaks, &dr.leaky, &dr.eval, &params);
            let mut next = (*dr).clone();
            next.found = Some((leaks, s, params));
            next.recovered_id = None;
            next.recovered = None;
            drill.set(Some(Arc::new(next)));
        });
    };
    let remove_click = move |_| {
        let Some(dr) = drill.get_untracked() else {
            return;
        };
        let Some((leaks, s, params)) = dr.found.clone() else {
            return;
        };
        let mut gone: Vec<usize> = leaks.iter().map(|l| l.train).collect();
        gone.sort_unstable();
        gone.dedup();
        let kept = drop_rows(&dr.leaky, gone.iter().copied());
        let removed = gone.len();
        spawn_local(async move {
            let p = json!({
                "drill": DRILL, "evaluation_version": dr.eval_id, "near_duplicates": params,
                "removed": leaks.iter().map(|l| json!({"row": l.train, "evaluation_row": l.test, "kind": l.kind, "jaccard": l.jaccard})).collect::<Vec<_>>(),
            });
            let Some(v) =
                child_version(d.ws, &dr.leaky_id, "drill-remove-leak", p, kept.clone()).await
            else {
                return;
            };
            d.step(DRILL);
            let mut next = (*dr).clone();
            next.recovered_id = Some(v.id.clone());
            drill.set(Some(Arc::new(next.clone())));
            next.recovered = proxy_score(
                d,
                "recovered training version",
                &kept,
                &dr.eval,
                dr.plan.seed,
            )
            .await;
            let all = s.found == s.planted;
            let detail = format!(
                "{} of {} planted rows found ({} exact, {} near) at J ≥ {}; {} removed as {}{}",
                s.found,
                s.planted,
                s.found_exact,
                s.found_near,
                params.threshold,
                removed,
                v.id,
                if all {
                    String::new()
                } else {
                    format!("; {} missed", s.missed.len())
                }
            );
            d.finish(DRILL, all, &detail);
            d.ws.info(detail);
            drill.set(Some(Arc::new(next)));
        });
    };
    let hints = [
        "The leaky version scores better on the evaluation set than the clean one. A model that has seen evaluation rows in training remembers them: the gain is memory, not skill.",
        "Look for training rows that repeat evaluation rows — exactly, or with a few words changed. That is what the check below does (the quality lab's exact and near-duplicate check, between two versions).",
        "Copies with one word changed can fall below the similarity threshold. Lower it (0.5 finds most light edits) and check again; every row it reports is a verified pair, not a guess.",
    ];
    let hint_click = move |_| {
        d.hint(DRILL);
        hint.update(|h| *h = (*h + 1).min(hints.len() as u32));
    };

    view! {
        <Section title="Drill: duplicate leakage" heading_id="drill-leak-h">
            <p class="hint">
                "The drill splits a version into training and evaluation rows (seeded), copies some evaluation rows into the training rows — half exactly, half lightly edited — and trains the A/B lab's proxy model ("
                {ORDER} "-gram, GPT-2 tokens) on the clean and on the leaky training version. Your job: find the copies, remove them as a new version, and see the score come back."
            </p>
            <div class="controls">
                <label class="field-label" for="leak-source">"Version to plant in"</label>
                <select id="leak-source" on:change=move |ev| source.set(event_target_value(&ev))>
                    <option value="">"— choose —"</option>
                    {version_options(d.ws, source)}
                </select>
                <label class="field-label" for="leak-percent">"Leaked share of the evaluation rows (%)"</label>
                <input id="leak-percent" type="number" min="1" max="100" step="1" prop:value=move || percent.get().to_string()
                    on:change=move |ev| if let Ok(v) = event_target_value(&ev).parse() { percent.set(v) } />
                <label class="field-label" for="leak-edited">"Lightly edited copies (%)"</label>
                <input id="leak-edited" type="number" min="0" max="100" step="5" prop:value=move || edited.get().to_string()
                    on:change=move |ev| if let Ok(v) = event_target_value(&ev).parse() { edited.set(v) } />
                <label class="field-label" for="leak-seed">"Seed"</label>
                <input id="leak-seed" type="number" min="0" step="1" prop:value=move || seed.get().to_string()
                    on:change=move |ev| if let Ok(v) = event_target_value(&ev).parse() { seed.set(v) } />
                <button type="button" class="primary" on:click=plant_click disabled=busy>"Plant the leak"</button>
            </div>
            {move || d.pack.with(|p| p.as_ref().and_then(|p| p.leak.as_ref().map(|l| format!(
                "The drill pack sets this drill: seed {}, {}% of the evaluation rows leaked, {:.0}% of them edited.", l.seed, l.percent, l.edited_share * 100.0
            )))).map(|s| view! { <p class="note">{s}</p> })}
            {move || drill.get().map(|dr| {
                let gap = dr.clean.zip(dr.leaky_score).map(|(c, l)| c - l);
                view! {
                    <div class="stats">
                        <div class="stat"><span class="stat-label">"Planted copies"</span><span class="stat-value" data-testid="drill-leak-planted">{dr.planted.len()}</span></div>
                        {score_stat("Bits per byte, clean training version", "drill-score-clean", dr.clean)}
                        {score_stat("Bits per byte, leaky training version", "drill-score-leaky", dr.leaky_score)}
                        {score_stat("Bits per byte after removal", "drill-score-recovered", dr.recovered)}
                    </div>
                    <p class="hint" data-testid="drill-leak-versions">{format!(
                        "Versions: clean training {} ({} rows), evaluation {} ({} rows), leaky training {} ({} rows).",
                        dr.train_id, dr.train.len(), dr.eval_id, dr.eval.len(), dr.leaky_id, dr.leaky.len()
                    )}</p>
                    {gap.map(|g| view! {
                        <p class="note" data-testid="drill-leak-damage">{if g > 0.0 { format!(
                            "The leaky version scores the evaluation set {g:.4} bits per byte better ({:.1}% lower). Nothing about the data got better: the model has seen {} of the evaluation rows.",
                            100.0 * g / dr.clean.unwrap_or(1.0), dr.planted.len()
                        ) } else { format!("The leaky version does not score better here ({g:+.4}); with very few rows the proxy cannot remember them. Plant in a larger version or leak a larger share.") }}</p>
                    })}
                }
            })}
            <div class="controls">
                <label class="field-label" for="leak-threshold">"Near-duplicate threshold (Jaccard)"</label>
                <input id="leak-threshold" type="number" min="0.1" max="1" step="0.05" prop:value=move || threshold.get().to_string()
                    on:change=move |ev| if let Ok(v) = event_target_value(&ev).parse() { threshold.set(v) } />
                <button type="button" on:click=check_click disabled=move || busy() || drill.with(|d| d.as_ref().is_none_or(|d| d.leaky_score.is_none()))>"Check leaked rows"</button>
                <button type="button" on:click=remove_click disabled=move || busy() || drill.with(|d| d.as_ref().is_none_or(|d| d.found.as_ref().is_none_or(|f| f.0.is_empty())))>"Remove leaked rows as a new version"</button>
                <button type="button" on:click=hint_click aria-label="Show a hint for the duplicate-leakage drill" disabled=move || { hint.get() as usize >= hints.len() }>"Show a hint"</button>
            </div>
            <ol class="hints">
                {move || hints.iter().take(hint.get() as usize).map(|h| view! { <li>{*h}</li> }).collect_view()}
            </ol>
            {move || drill.get().and_then(|dr| dr.found.clone().map(|(leaks, s, params)| {
                let missed = s.missed.iter().map(|m| {
                    let text = dr.leaky.get(m.planted.train_row).map(|r| clip(&r.output, 160)).unwrap_or_default();
                    view! { <li>{format!("training row #{} (copy of evaluation row #{}): {}", m.planted.train_row, m.planted.eval_row, m.why)}<div class="hint">{text}</div></li> }
                }).collect_view();
                let exact = leaks.iter().filter(|l| l.kind == LeakKind::Exact).count();
                view! {
                    <div class="stats">
                        <div class="stat"><span class="stat-label">"Planted copies found"</span><span class="stat-value" data-testid="drill-leak-found">{s.found}</span></div>
                        <div class="stat"><span class="stat-label">"Missed"</span><span class="stat-value" data-testid="drill-leak-missed">{s.missed.len()}</span></div>
                        <div class="stat"><span class="stat-label">"Other rows reported"</span><span class="stat-value">{s.other}</span></div>
                    </div>
                    <p class="hint">{format!(
                        "The check reported {} leaked training rows ({exact} exact, {} near, at J ≥ {}); {} of the {} planted copies are among them.",
                        leaks.len(), leaks.len() - exact, params.threshold, s.found, s.planted
                    )}</p>
                    {(!s.missed.is_empty()).then(|| view! {
                        <h3>"Missed copies, and why"</h3>
                        <ul class="findings" data-testid="drill-leak-missed-list">{missed}</ul>
                    })}
                    {(s.other > 0).then(|| view! { <p class="note">{format!("{} reported rows were not planted: the source already repeats some rows between the two splits — real leakage the drill did not put there.", s.other)}</p> })}
                }
            }))}
        </Section>
    }
}
