//! Running the ladder: check the spec, load every version's rows and the base rank files, run each arm
//! in the background worker (progress and Cancel on the page's bar), compare, and append the run to the
//! log — saying whether it reproduced an earlier entry.

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{AbCtx, Run};
use crate::core::ab::compare::compare;
use crate::core::ab::log::{inputs, reproduction, rule_change_entry, run_entry};
use crate::core::ab::measure::ArmResult;
use crate::core::ab::plan::plan;
use crate::core::ab::proxy::ArmJob;
use crate::core::dataset::record::Record;
use crate::core::tokenize::encodings::EncodingSpec;
use crate::ui::design::Section;
use crate::ui::services::tokenizer::rank_bytes;
use crate::ui::services::workspace::{now_iso, packed_rows, rows_of};
use crate::web::{experiment_log, worker};

/// The lab's version, logged with every run (the proxy or the statistics may change between versions).
const LAB_VERSION: &str = env!("CARGO_PKG_VERSION");

async fn run_experiment(ab: AbCtx) {
    let ctx = ab.ws;
    let spec = ab.spec.get_untracked();
    let plan = match plan(&spec, &|id| ab.version_info(id), &|id| ab.tokenizer(id)) {
        Ok(p) => p,
        Err(e) => return ab.problems.set(e),
    };
    ab.problems.set(Vec::new());
    // Every version's rows, each loaded once.
    let mut rows: HashMap<String, Arc<Vec<Record>>> = HashMap::new();
    let mut ids: Vec<&str> = vec![spec.eval.as_str()];
    ids.extend(plan.runnable().map(|(_, r)| r.dataset.as_str()));
    for id in ids {
        if !rows.contains_key(id) {
            match rows_of(ctx, id).await {
                Ok(r) => {
                    rows.insert(id.to_string(), r);
                }
                Err(e) => return ctx.error(e),
            }
        }
    }
    let job = ctx.jobs.start("Running the experiment");
    let eval = rows[&spec.eval].clone();
    let runnable: Vec<usize> = plan.runnable().map(|(i, _)| i).collect();
    let mut results: Vec<Option<ArmResult>> = vec![None; plan.rungs.len()];
    // Rungs with the same rows and tokenizer give the same numbers: measured once.
    let mut done: HashMap<(String, String), usize> = HashMap::new();
    for (k, &i) in runnable.iter().enumerate() {
        let rung = &plan.rungs[i];
        let same = (rung.dataset.clone(), rung.tokenizer.key());
        if let Some(&j) = done.get(&same) {
            let mut r = results[j].clone().expect("measured above");
            r.name = rung.name.clone();
            results[i] = Some(r);
            continue;
        }
        let Some(base) = EncodingSpec::by_name(rung.tokenizer.base()) else {
            job.end();
            return ctx.error(format!("Unknown encoding {}.", rung.tokenizer.base()));
        };
        let ranks = match rank_bytes(base).await {
            Ok(r) => r,
            Err(e) => {
                job.end();
                return ctx.error(e);
            }
        };
        let total = runnable.len() as f64;
        let share = move |p: f64| (k as f64 + p) / total;
        job.stage(share(0.0), Some(format!("{}: packing the rows", rung.name)));
        let train = rows[&rung.dataset].clone();
        let Some(train_buf) = packed_rows(job, &[&train]).await else {
            return;
        };
        let Some(eval_buf) = packed_rows(job, &[&eval]).await else {
            return;
        };
        let arm = ArmJob {
            name: rung.name.clone(),
            order: spec.order,
            seed: spec.seed,
            tokenizer: rung.tokenizer.clone(),
        };
        let name = rung.name.clone();
        let progress = move |p: f64, stage: Option<String>| {
            job.stage(
                share(p),
                Some(format!("{name}: {}", stage.unwrap_or_default())),
            )
        };
        match worker::ab::run(&arm, train_buf, eval_buf, &ranks, progress).await {
            Ok(r) => {
                done.insert(same, i);
                results[i] = Some(r);
            }
            Err(e) => {
                if !job.cancelled() {
                    job.end();
                    ctx.error(format!("Arm {}: {}", rung.name, e.message()));
                }
                return;
            }
        }
        if job.check().is_err() {
            return;
        }
    }
    job.end();
    let table = compare(&spec, &plan, &results);
    let content = |id: &str| {
        ctx.ws.with_untracked(|w| {
            w.get(id)
                .map(|v| v.content_hash.clone())
                .unwrap_or_default()
        })
    };
    let built: Vec<Option<String>> = results
        .iter()
        .map(|r| r.as_ref().map(|r| r.tokenizer_id.clone()))
        .collect();
    let ins = inputs(&spec, &plan, &content, &built, LAB_VERSION);
    let n = ab.log.with_untracked(|l| l.last().map_or(1, |e| e.n + 1));
    let entry = run_entry(n, &now_iso(), &spec, ins, &table);
    let repro = ab.log.with_untracked(|l| reproduction(l, &entry));
    let logged = match experiment_log::append(&entry).await {
        Ok(()) => {
            ab.log.update(|l| l.push(entry));
            Some(n)
        }
        Err(e) => {
            ab.log_error.set(Some(format!(
                "This run is not in the log: {e}. Its table is below; export it to keep it."
            )));
            None
        }
    };
    ab.run.set(Some(Arc::new(Run {
        spec,
        plan,
        results,
        table,
        entry: logged,
        reproduction: repro,
    })));
    ctx.info(match logged {
        Some(n) => format!("The experiment ran; it is entry #{n} of the log."),
        None => "The experiment ran.".into(),
    });
}

/// Writes a rule change after a run to the log at once (the run's verdicts stand as decided): from the
/// rule last recorded for that run — the run's own, or the last change logged after it — to the rule now.
pub async fn log_rule_change(ab: AbCtx) {
    let Some(after) = ab.run.with_untracked(|r| {
        r.as_ref().and_then(|r| r.entry).and_then(|n| {
            ab.log
                .with_untracked(|l| l.iter().find(|e| e.n == n).cloned())
        })
    }) else {
        return;
    };
    let to = ab.spec.with_untracked(|s| s.rule);
    let from = ab.log.with_untracked(|l| {
        l.iter()
            .rev()
            .find(|e| e.n >= after.n && e.spec == after.spec)
            .map_or(after.inputs.rule, |e| e.inputs.rule)
    });
    if from == to {
        return;
    }
    let n = ab.log.with_untracked(|l| l.last().map_or(1, |e| e.n + 1));
    let entry = rule_change_entry(n, &now_iso(), &after, from, to);
    match experiment_log::append(&entry).await {
        Ok(()) => ab.log.update(|l| l.push(entry)),
        Err(e) => ab
            .log_error
            .set(Some(format!("The rule change is not in the log: {e}"))),
    }
}

#[component]
pub fn RunPanel() -> impl IntoView {
    let ab = expect_context::<AbCtx>();
    let busy = move || ab.ws.jobs.is_busy();
    let start = move |_| {
        if ab.ws.jobs.is_busy_now() {
            return;
        }
        spawn_local(run_experiment(ab));
    };
    view! {
        <Section title="Run" heading_id="ab-run">
            <p class="hint">
                "Each arm trains its own proxy model in the background: an interpolated modified Kneser–Ney n-gram model (KenLM's "
                <code>"lmplz"</code> " estimate) on the arm's rows in the book's prompt format, each row its own sequence. Small proxies scored by likelihood are how data recipes are ranked cheaply (DataDecide, arXiv 2504.11393; CCNet filters with KenLM models): they cannot tell you how GPT-2 will do, but a change that does not help an n-gram model on your evaluation set has to earn its place some other way."
            </p>
            <button class="primary" on:click=start disabled=busy>"Run experiment"</button>
            {move || ab.rule_changed_since_run().map(|(a, b)| view! {
                <p class="note" role="status">
                    {format!(
                        "The rule changed after the last run (smallest gain {} → {}, cost growth {}% → {}%), and the change is in the log. The table below stands as decided under the rule set before that run; run again to decide under the new one.",
                        a.min_gain, b.min_gain, a.max_cost_growth, b.max_cost_growth
                    )}
                </p>
            })}
            {move || ab.run.with(|r| r.as_ref().and_then(|r| r.reproduction.clone())).map(|m| view! {
                <p class="note" role="status" data-testid="ab-reproduction">{m}</p>
            })}
            {move || ab.log_error.get().map(|e| view! { <div class="error" role="alert">{e}</div> })}
        </Section>
    }
}
