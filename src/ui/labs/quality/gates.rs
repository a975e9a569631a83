//! Gates: the settings of every gate (all editable), "Run gates", and the batch pass rate. The scorecard
//! that reads the run is in `scorecard.rs`.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{percent, run_job, QCtx};
use crate::core::dataset::ledger::Check;
use crate::core::quality::gates::{Gate, GateConfig};
use crate::core::quality::jobs::{Job, Outcome};
use crate::core::tokenize::encodings::{EncodingSpec, ENCODINGS};
use crate::ui::design::Section;
use crate::ui::services::tokenizer as engine;
use crate::ui::services::workspace::{now_iso, save};

/// A number input bound to one field of the gate configuration.
fn num_input(
    q: QCtx,
    id: &'static str,
    label: &'static str,
    get: fn(&GateConfig) -> f64,
    set: fn(&mut GateConfig, f64),
    step: &'static str,
) -> impl IntoView {
    view! {
        <label class="field-label" for=id>{label}</label>
        <input id=id type="number" min="0" step=step
            prop:value=move || q.config.with(|c| get(c).to_string())
            on:change=move |ev| {
                if let Ok(v) = event_target_value(&ev).trim().parse::<f64>() {
                    if v >= 0.0 {
                        q.config.update(|c| set(c, v));
                    }
                }
            } />
    }
}

/// A textarea editing a list of phrases, one per line.
fn list_input(
    q: QCtx,
    id: &'static str,
    label: &'static str,
    get: fn(&GateConfig) -> &Vec<String>,
    set: fn(&mut GateConfig, Vec<String>),
) -> impl IntoView {
    view! {
        <label class="field-label" for=id>{label}</label>
        <textarea id=id rows="5"
            prop:value=move || q.config.with(|c| get(c).join("\n"))
            on:change=move |ev| {
                let list = event_target_value(&ev)
                    .lines()
                    .map(|l| l.trim().to_string())
                    .filter(|l| !l.is_empty())
                    .collect();
                q.config.update(|c| set(c, list));
            }></textarea>
    }
}

/// Runs the gates over version `id`'s rows; the result goes to `into` (the main run or the comparison).
pub async fn run_gates_on(
    q: QCtx,
    id: String,
    rows: Arc<Vec<crate::core::dataset::record::Record>>,
    into: RwSignal<Option<(String, Arc<crate::core::quality::scorecard::GateRun>)>>,
) {
    let config = q.config.get_untracked();
    let encoding = q.encoding.get_untracked();
    let spec = (config.enabled.contains(&Gate::TokenLength) && !encoding.is_empty())
        .then(|| EncodingSpec::by_name(&encoding))
        .flatten();
    let ranks = match spec {
        Some(spec) => match engine::load(spec).await {
            Ok(l) => Some(l.rank_file.clone()),
            Err(e) => {
                q.ws.error(format!(
                    "The {} tokenizer could not load ({e}); choose \"no token gate\" or try again.",
                    spec.label
                ));
                return;
            }
        },
        None => None,
    };
    let job = Job::Gates {
        config,
        encoding: spec.map(|s| s.name.to_string()),
    };
    if let Some(Outcome::Gates(run)) = run_job(
        q,
        &format!("Running the gates over {} rows …", rows.len()),
        job,
        &[&rows],
        ranks,
        Some(&id),
    )
    .await
    {
        record_gates(q, &id, &run).await;
        into.set(Some((id, Arc::new(*run))));
    }
}

/// Keeps the run on the workspace's record (even when it flags nothing and so makes no version): the
/// runbook's release gates read it.
async fn record_gates(q: QCtx, id: &str, run: &crate::core::quality::scorecard::GateRun) {
    let r = &run.report;
    let check = Check {
        version: id.to_string(),
        kind: "gates".into(),
        at: now_iso(),
        found: r.rows - r.passed,
        per: r
            .per_gate
            .iter()
            .map(|(g, n)| (g.id().to_string(), *n))
            .collect(),
        params: serde_json::json!({
            "enabled": run.config.enabled.iter().map(|g| g.id()).collect::<Vec<_>>(),
            "config": run.config,
            "encoding": run.encoding,
        }),
        summary: format!(
            "{} of {} rows pass every gate ({} gates on)",
            r.passed,
            r.rows,
            run.config.enabled.len()
        ),
    };
    q.ws.ws.update(|w| w.record_check(check));
    save(q.ws).await;
}

#[component]
pub fn GatesPanel() -> impl IntoView {
    let q = expect_context::<QCtx>();
    let run = move |_| {
        let Some(id) = q.ws.current_id() else {
            q.ws.error(
                "There is no dataset yet: import one above (or in the workspace lab) first.",
            );
            return;
        };
        let rows = q.ws.rows.get_untracked();
        q.drill.set(None);
        spawn_local(run_gates_on(q, id, rows, q.gates));
    };
    let gate_toggles = Gate::ALL
        .iter()
        .map(|&g| {
            view! {
                <label class="check">
                    <input type="checkbox"
                        prop:checked=move || q.config.with(|c| c.enabled.contains(&g))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            q.config.update(|c| {
                                c.enabled.retain(|x| *x != g);
                                if on {
                                    c.enabled.push(g);
                                    c.enabled.sort();
                                }
                            });
                        } />
                    {g.label()}
                </label>
            }
        })
        .collect_view();
    let stale = move || {
        q.gates.with(|g| {
            g.as_ref().is_some_and(|(id, run)| {
                Some(id.clone()) != q.ws.ws.with(|w| w.current.clone())
                    || q.config.with(|c| *c != run.config)
            })
        })
    };
    view! {
        <Section title="Gates" heading_id="gates-h">
            <p class="hint">
                "Each gate looks at one row and says whether it passes, why not, and a score from 0 (clearly bad) to 1 (clean). "
                "They are cheap proxies that point at rows a person should read, not judges. Change any setting and run again; "
                "the settings are saved with any version a cleaning makes."
            </p>
            <details class="controls">
                <summary>"Gate settings"</summary>
                <fieldset class="group">
                    <legend>"Gates to run"</legend>
                    <div class="buttons">{gate_toggles}</div>
                </fieldset>
                <div class="two-col">
                    <div>
                        {num_input(q, "g-ins-min", "Instruction: fewest characters", |c| c.instruction_chars.0 as f64, |c, v| c.instruction_chars.0 = v as usize, "1")}
                        {num_input(q, "g-ins-max", "Instruction: most characters", |c| c.instruction_chars.1 as f64, |c, v| c.instruction_chars.1 = v as usize, "1")}
                        {num_input(q, "g-out-min", "Output: fewest characters", |c| c.output_chars.0 as f64, |c, v| c.output_chars.0 = v as usize, "1")}
                        {num_input(q, "g-out-max", "Output: most characters", |c| c.output_chars.1 as f64, |c, v| c.output_chars.1 = v as usize, "1")}
                        {num_input(q, "g-ins-tmin", "Instruction: fewest tokens", |c| c.instruction_tokens.0 as f64, |c, v| c.instruction_tokens.0 = v as usize, "1")}
                        {num_input(q, "g-ins-tmax", "Instruction: most tokens", |c| c.instruction_tokens.1 as f64, |c, v| c.instruction_tokens.1 = v as usize, "1")}
                        {num_input(q, "g-out-tmin", "Output: fewest tokens", |c| c.output_tokens.0 as f64, |c, v| c.output_tokens.0 = v as usize, "1")}
                        {num_input(q, "g-out-tmax", "Output: most tokens", |c| c.output_tokens.1 as f64, |c, v| c.output_tokens.1 = v as usize, "1")}
                        <label class="field-label" for="g-enc">"Tokenizer for the token gate"</label>
                        <select id="g-enc" on:change=move |ev| q.encoding.set(event_target_value(&ev))>
                            {ENCODINGS.iter().map(|e| view! {
                                <option value=e.name selected=move || q.encoding.get() == e.name>{e.label}</option>
                            }).collect_view()}
                            <option value="" selected=move || q.encoding.get().is_empty()>"no token gate"</option>
                        </select>
                    </div>
                    <div>
                        {num_input(q, "g-rep-n", "Repetition: words per n-gram", |c| c.repetition_n as f64, |c, v| c.repetition_n = (v as usize).max(1), "1")}
                        {num_input(q, "g-rep-max", "Repetition: highest share of repeated n-grams", |c| c.repetition_max, |c, v| c.repetition_max = v.min(1.0), "0.05")}
                        {list_input(q, "g-refusals", "Refusal and boilerplate phrases (one per line)", |c| &c.refusals, |c, v| c.refusals = v)}
                        {list_input(q, "g-safety", "Safety words (one per line)", |c| &c.safety_words, |c, v| c.safety_words = v)}
                    </div>
                </div>
                <button type="button" on:click=move |_| q.config.set(GateConfig::default())>"Restore default settings"</button>
            </details>
            <div class="buttons">
                <button type="button" class="primary" on:click=run
                    disabled=move || q.ws.jobs.is_busy()>"Run gates"</button>
            </div>
            {move || q.gates.get().map(|(id, run)| view! {
                <div class="stats">
                    <div class="stat">
                        <span class="stat-label">"Batch pass rate"</span>
                        <span class="stat-value" data-testid="gate-pass-rate">{percent(run.report.pass_rate())}</span>
                    </div>
                    <div class="stat">
                        <span class="stat-label">"Rows passing every gate"</span>
                        <span class="stat-value">{format!("{} of {}", run.report.passed, run.report.rows)}</span>
                    </div>
                    <div class="stat">
                        <span class="stat-label">"Time in the worker"</span>
                        <span class="stat-value small" data-testid="gate-ms">{format!("{:.0} ms", run.millis)}</span>
                        <span class="hint" data-testid="gate-compute-ms">{format!("gates alone {:.0} ms", run.compute_millis)}</span>
                    </div>
                </div>
                <p class="hint">
                    {format!("Version {id}; token gate: {}", match &run.encoding {
                        Some(e) => format!("{e} ({} fields needed tokenizing, the rest were decided by their length in bytes)", run.fields_tokenized),
                        None => "off".into(),
                    })}
                </p>
            })}
            {move || stale().then(|| view! {
                <p class="note" role="status">"The settings or the current version changed since this run: run the gates again to update it."</p>
            })}
        </Section>
    }
}
