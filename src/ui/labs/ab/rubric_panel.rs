//! The optional rubric column: with a model connected, the refine lab's judge scores a fixed-seed sample
//! of each arm's rows (each dataset once), and each arm's mean score is compared with its rung's.

use std::collections::BTreeMap;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::AbCtx;
use crate::core::ab::rubric::{difference, sample, Judged, DEFAULT_SAMPLE};
use crate::core::llm::call::{plan, Intent, Sampling};
use crate::core::llm::judge::{self, Rubric};
use crate::core::llm::ollama::Message;
use crate::ui::services::llm::Llm;
use crate::ui::services::workspace::rows_of;
use crate::ui::widgets::llm_connection::ConnectionPanel;
use crate::web::llm::{Abort, CallError};

/// The judged samples of the last rubric run, by dataset version.
pub type Judgements = Arc<BTreeMap<String, Judged>>;

async fn judge_all(ab: AbCtx, llm: Llm, size: usize, out: RwSignal<Option<Judgements>>) {
    let ctx = ab.ws;
    let Some(run) = ab.run.get_untracked() else {
        return ctx
            .error("Run the experiment first: the rubric scores the rows of each arm that ran.");
    };
    let (server, model) = match (llm.server(), llm.chosen_model()) {
        (Ok(s), Ok(m)) => (s, m),
        (Err(e), _) | (_, Err(e)) => return ctx.error(format!("The rubric needs a model: {e}")),
    };
    let rubric = Rubric::default();
    let options = judge::options(run.spec.seed as u32);
    let sampling = Sampling {
        temperature: options["temperature"].as_f64(),
        seed: options["seed"].as_i64(),
        ..Sampling::default()
    };
    let mut datasets: Vec<String> = run
        .plan
        .runnable()
        .map(|(_, r)| r.dataset.clone())
        .collect();
    datasets.dedup();
    datasets.sort();
    datasets.dedup();
    let mut picked = Vec::new();
    for d in &datasets {
        match rows_of(ctx, d).await {
            Ok(rows) => {
                let idx = sample(rows.len(), size, run.spec.seed);
                picked.push((d.clone(), rows, idx));
            }
            Err(e) => return ctx.error(e),
        }
    }
    let total: usize = picked.iter().map(|(_, _, i)| i.len()).sum();
    let job = ctx.jobs.start("Scoring each arm's sample with the rubric");
    let abort = Abort::new();
    job.on_cancel({
        let abort = abort.clone();
        move || abort.abort()
    });
    let mut done = 0;
    let mut result = BTreeMap::new();
    for (dataset, rows, idx) in picked {
        let mut judged = Judged {
            dataset: dataset.clone(),
            rows: Vec::new(),
            scores: Vec::new(),
            failures: Vec::new(),
        };
        for i in idx {
            job.stage(
                done as f64 / total.max(1) as f64,
                Some(format!("{dataset}: row {}", i + 1)),
            );
            done += 1;
            let (system, user) = judge::prompt(&rubric, &rows[i]);
            let intent = Intent::Chat {
                messages: vec![Message::system(system), Message::user(user)],
                format: Some(judge::schema(&rubric)),
            };
            let planned = match plan(
                server.kind,
                &server.endpoint,
                &model,
                &intent,
                &sampling,
                server.api_key.is_some(),
            ) {
                Ok(p) => p,
                Err(e) => {
                    job.end();
                    return ctx.error(e);
                }
            };
            match llm
                .call(&server, &planned, &model, &abort, None, |_| {})
                .await
            {
                Ok(c) => match judge::parse_scores(&rubric, &c.text) {
                    Ok(s) => {
                        judged.rows.push(i);
                        judged.scores.push(s.mean());
                    }
                    Err(e) => judged
                        .failures
                        .push(format!("{dataset} row {}: {e}", i + 1)),
                },
                Err(CallError::Cancelled) => return,
                Err(CallError::Failed(f)) => {
                    let short = f.short();
                    llm.report(&server, f);
                    job.end();
                    return ctx.error(format!(
                        "{dataset} row {}: the judge's call failed ({short}). The connection panel says what to do.",
                        i + 1
                    ));
                }
            }
        }
        result.insert(dataset, judged);
    }
    job.end();
    out.set(Some(Arc::new(result)));
    ctx.info("Every arm's sample is scored: see the rubric column.");
}

#[component]
pub fn RubricPanel() -> impl IntoView {
    let ab = expect_context::<AbCtx>();
    let llm = Llm::get();
    let size = RwSignal::new(DEFAULT_SAMPLE);
    let judged = RwSignal::new(None::<Judgements>);
    // Scores belong to the run they were made for.
    Effect::new(move |_| {
        ab.run.track();
        judged.set(None);
    });
    let start = move |_| {
        if !ab.ws.jobs.is_busy_now() {
            spawn_local(judge_all(ab, llm, size.get_untracked(), judged));
        }
    };
    view! {
        <details class="panel rubric-optional">
            <summary>"Optional: the same rubric on every arm (needs a model)"</summary>
            <p class="hint">
                "The refine lab's judge scores a fixed-seed sample of each arm's rows with the same rubric, prompts and sample size; the interval says how sure the mean is. A rubric reads text, not tokens, so an arm that only changes the tokenizer has its rung's score."
            </p>
            <ConnectionPanel heading="Connect to a model for the rubric" />
            <div class="controls-row">
                <label class="field">
                    <span>"Rows judged per arm"</span>
                    <input type="number" min="1" max="500" aria-label="Rows judged per arm"
                        prop:value=move || size.get().to_string()
                        on:change=move |ev| {
                            if let Ok(v) = event_target_value(&ev).parse::<usize>() {
                                size.set(v.clamp(1, 500))
                            }
                        } />
                </label>
                <button on:click=start disabled=move || ab.run.with(Option::is_none) || ab.ws.jobs.is_busy()>
                    "Score arms with the rubric"
                </button>
            </div>
            {move || {
                let (Some(run), Some(j)) = (ab.run.get(), judged.get()) else { return None };
                let seed = run.spec.seed;
                let rows = run.plan.rungs.iter().filter(|r| r.refused.is_none()).map(|r| {
                    let mine = j.get(&r.dataset);
                    let mean = mine.and_then(|m| m.mean(seed));
                    let diff = r.against.and_then(|k| {
                        let rung = j.get(&run.plan.rungs[k].dataset)?;
                        difference(mine?, rung, seed)
                    });
                    let failures = mine.map_or(0, |m| m.failures.len());
                    view! {
                        <tr>
                            <th scope="row">{r.name.clone()}</th>
                            <td class="num" data-testid=format!("ab-rubric-{}", r.name)>
                                {mean.map_or("—".into(), |m| format!("{:.2} ({:.2} to {:.2})", m.mean, m.low, m.high))}
                            </td>
                            <td class="num" data-testid=format!("ab-rubric-delta-{}", r.name)>
                                {diff.map_or("—".into(), |d| format!("{:+.2} ({:.2} to {:.2})", d.mean, d.low, d.high))}
                            </td>
                            <td class="num">{mine.map_or(0, |m| m.scores.len())}</td>
                            <td class="num">{failures}</td>
                        </tr>
                    }
                }).collect_view();
                let failures: Vec<String> = j.values().flat_map(|m| m.failures.clone()).collect();
                Some(view! {
                    <table>
                        <caption>"Rubric score (mean over the criteria, 1–5) per arm, 95% bootstrap intervals"</caption>
                        <thead><tr><th scope="col">"Rung"</th><th scope="col">"Mean score"</th><th scope="col">"Δ vs its rung"</th><th scope="col">"Rows scored"</th><th scope="col">"Unreadable replies"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                    {(!failures.is_empty()).then(|| view! {
                        <ul class="flags" data-testid="ab-rubric-failures">{failures.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
                    })}
                })
            }}
        </details>
    }
}
