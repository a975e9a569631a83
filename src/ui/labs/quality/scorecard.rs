//! The scorecard of the last gate run: pass rate per gate, the deck's quality dimensions, length
//! histograms and task diversity — every count a button that lists the rows behind it — and cleaning,
//! which makes a new version and lists every removed row with its reasons.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use super::state::{percent, QCtx};
use crate::core::dataset::transform::drop_rows;
use crate::core::quality::gates::Gate;
use crate::core::quality::scorecard::{first_word, rows_flagged_by, Dimension, GateRun};
use crate::core::stats::{histogram, Bin};
use crate::ui::design::Section;
use crate::ui::services::workspace::derive;
use crate::ui::widgets::histogram::PairedHistogram;

/// The reasons of row `i` in `run` (empty when it passes).
fn reasons(run: &GateRun, i: usize) -> Vec<String> {
    run.report
        .flagged
        .binary_search_by_key(&i, |(r, _)| *r)
        .ok()
        .map(|k| {
            run.report.flagged[k]
                .1
                .iter()
                .map(|f| format!("{}: {}", f.gate.label(), f.reason))
                .collect()
        })
        .unwrap_or_default()
}

fn with_reasons(run: &GateRun, rows: Vec<usize>) -> Vec<(usize, Vec<String>)> {
    rows.into_iter().map(|i| (i, reasons(run, i))).collect()
}

/// Bins for a length distribution; `max` shared by both runs so bars line up.
fn bins(lengths: &[u32], max: usize) -> Vec<Bin> {
    let v: Vec<usize> = lengths.iter().map(|&x| x as usize).collect();
    histogram(&v, 12, Some(max))
}

#[component]
fn LengthHistogram(
    run: Arc<GateRun>,
    field: &'static str,
    lengths: fn(&GateRun) -> &Vec<u32>,
) -> impl IntoView {
    let q = expect_context::<QCtx>();
    let other = q.compare.get_untracked().map(|(_, r)| r);
    let max = lengths(&run)
        .iter()
        .chain(other.iter().flat_map(|r| lengths(r).iter()))
        .copied()
        .max()
        .unwrap_or(0) as usize;
    let mine = bins(lengths(&run), max);
    let theirs = other.map(|r| bins(lengths(&r), max)).unwrap_or_default();
    let data = Signal::derive({
        let (m, t) = (mine.clone(), theirs.clone());
        move || (m.clone(), t.clone())
    });
    let buttons = mine
        .into_iter()
        .filter(|b| b.count > 0)
        .map(|b| {
            let run = run.clone();
            let drill = move |_| {
                let rows: Vec<usize> = lengths(&run)
                    .iter()
                    .enumerate()
                    .filter(|(_, &n)| (b.start..b.end).contains(&(n as usize)))
                    .map(|(i, _)| i)
                    .collect();
                q.show(
                    format!("Rows whose {field} has {}–{} characters", b.start, b.end - 1),
                    with_reasons(&run, rows),
                );
            };
            view! {
                <button type="button" class="chip-button" on:click=drill
                    aria-label=format!("Show the {} rows whose {field} has {}–{} characters", b.count, b.start, b.end - 1)>
                    {format!("{}–{}: {}", b.start, b.end - 1, b.count)}
                </button>
            }
        })
        .collect_view();
    view! {
        <div>
            <PairedHistogram data=data title=format!("{field} length (characters)") x_label="characters"
                legend=("this version".to_string(), "compared version".to_string()) />
            <div class="buttons bins">{buttons}</div>
        </div>
    }
}

#[component]
pub fn ScorecardPanel() -> impl IntoView {
    let q = expect_context::<QCtx>();
    let remove_gates = RwSignal::new(Vec::<Gate>::new());
    // By default a cleaning removes rows flagged by any gate that flagged some row.
    Effect::new(move |_| {
        if let Some((_, run)) = q.gates.get() {
            remove_gates.set(run.report.per_gate.iter().map(|(g, _)| *g).collect());
        }
    });
    let clean = move |_| clean_flagged(q, remove_gates.get_untracked());

    view! {
        <Section title="Scorecard" heading_id="score-h">
            {move || {
                q.gates.get().map(|(_, run)| {
                    let compare = q.compare.get().map(|(_, r)| r);
                    let (valid, quarantined) = (q.ws.rows.with(|r| r.len()), q.ws.quarantine.with(|r| r.len()));
                    let distinct = run.first_words.len();
                    view! {
                        <>
                            <p class="hint">"Every count is a button: it lists the rows behind it, with their reasons, below."</p>
                            <div class="table-wrap">
                                <table class="quality">
                                    <thead>
                                        <tr>
                                            <th scope="col">"Gate"</th>
                                            <th scope="col">"Pass rate"</th>
                                            <th scope="col">"Flagged rows"</th>
                                            {compare.is_some().then(|| view! {
                                                <th scope="col">"Compared version"</th>
                                                <th scope="col">"Drift (points)"</th>
                                            })}
                                            <th scope="col">"Example reason"</th>
                                            <th scope="col">"Remove when cleaning"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        <tr>
                                            <th scope="row">"Schema complete"</th>
                                            <td class="num">{percent(valid as f64 / (valid + quarantined).max(1) as f64)}</td>
                                            <td class="num">{quarantined}</td>
                                            {compare.is_some().then(|| view! { <td></td><td></td> })}
                                            <td class="reason">"Rows that failed the schema are held in the workspace's quarantine and are not gated."</td>
                                            <td></td>
                                        </tr>
                                        <GateRows run=run.clone() compare=compare.clone() remove_gates=remove_gates />
                                    </tbody>
                                </table>
                            </div>
                            <div class="buttons">
                                <button type="button" on:click=clean disabled=move || q.ws.jobs.is_busy()>
                                    "Remove flagged rows as a new version"
                                </button>
                            </div>
                            <h3>"Quality dimensions (0–100)"</h3>
                            <ul class="dims"><Dimensions run=run.clone() compare=compare.clone() /></ul>
                            <h3>"Lengths"</h3>
                            <div class="two-col">
                                <LengthHistogram run=run.clone() field="instruction" lengths=|r| &r.instruction_chars />
                                <LengthHistogram run=run.clone() field="output" lengths=|r| &r.output_chars />
                            </div>
                            <h3>"Task diversity: first words of instructions"</h3>
                            <p class="hint">{format!(
                                "{distinct} different first words; {} rows exactly duplicate an earlier row (case, spacing and punctuation ignored).",
                                run.exact_duplicates
                            )}</p>
                            <ul class="dims"><FirstWords run=run.clone() /></ul>
                        </>
                    }
                })
            }}
            <Show when=move || q.gates.with(Option::is_none)>
                <p class="hint">"No scorecard yet: run the gates above on the current version."</p>
            </Show>
        </Section>
    }
}

/// One table row per enabled gate: pass rate, flagged rows (a button listing them), the compared version's
/// rate and drift, an example reason, and whether cleaning removes its rows.
#[component]
fn GateRows(
    run: Arc<GateRun>,
    compare: Option<Arc<GateRun>>,
    remove_gates: RwSignal<Vec<Gate>>,
) -> impl IntoView {
    let q = expect_context::<QCtx>();
    run
        .config
        .enabled
        .iter()
        .map(|&g| {
            let flagged = run.report.per_gate.iter().find(|(x, _)| *x == g).map_or(0, |x| x.1);
            let rate = 1.0 - flagged as f64 / run.report.rows.max(1) as f64;
            let other = compare.as_ref().map(|c| {
                let f = c.report.per_gate.iter().find(|(x, _)| *x == g).map_or(0, |x| x.1);
                1.0 - f as f64 / c.report.rows.max(1) as f64
            });
            let example = run
                .report
                .flagged
                .iter()
                .find_map(|(_, fs)| fs.iter().find(|f| f.gate == g))
                .map(|f| f.reason.clone())
                .unwrap_or_default();
            let r2 = run.clone();
            let drill = move |_| {
                let rows = rows_flagged_by(&r2.report, &[g]);
                q.show(format!("Rows flagged by “{}”", g.label()), with_reasons(&r2, rows));
            };
            let checked = move || remove_gates.with(|v| v.contains(&g));
            view! {
                <tr data-gate=g.id()>
                    <th scope="row">{g.label()}</th>
                    <td class="num">{percent(rate)}</td>
                    <td class="num">
                        <button type="button" class="link" on:click=drill disabled=flagged == 0
                            aria-label=format!("Show the {flagged} rows flagged by {}", g.label())>{flagged}</button>
                    </td>
                    {compare.is_some().then(|| {
                        let o = other.unwrap_or(1.0);
                        view! {
                            <td class="num">{percent(o)}</td>
                            <td class="num">{format!("{:+.1}", (o - rate) * 100.0)}</td>
                        }
                    })}
                    <td class="reason">{example}</td>
                    <td>
                        <input type="checkbox" prop:checked=checked
                            aria-label=format!("Remove rows flagged by {} when cleaning", g.label())
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                remove_gates.update(|v| {
                                    v.retain(|x| *x != g);
                                    if on { v.push(g); }
                                });
                            } />
                    </td>
                </tr>
            }
        })
        .collect_view()
}

/// The deck's quality dimensions, 0–100, each a button listing the rows that lower it.
#[component]
fn Dimensions(run: Arc<GateRun>, compare: Option<Arc<GateRun>>) -> impl IntoView {
    let q = expect_context::<QCtx>();
    run
        .dimensions
        .iter()
        .map(|&(d, score)| {
            let other = compare
                .as_ref()
                .and_then(|c| c.dimensions.iter().find(|x| x.0 == d).map(|x| x.1));
            let r2 = run.clone();
            let drill = move |_| {
                if d == Dimension::Diversity {
                    q.show("Diversity is measured over the whole batch: see the first words below and the duplicates section.", Vec::new());
                } else {
                    let rows = rows_flagged_by(&r2.report, d.gates());
                    q.show(format!("Rows lowering “{}”", d.label()), with_reasons(&r2, rows));
                }
            };
            let pct = (score * 100.0).round();
            view! {
                <li class="dim" title=d.explain()>
                    <span class="dim-name">{d.label()}</span>
                    <span class="dim-bar"><span class="dim-fill" style:width=format!("{pct}%")></span></span>
                    <button type="button" class="link" on:click=drill
                        aria-label=format!("{}: {:.0} of 100 — show the rows behind it", d.label(), pct)
                        data-testid=format!("dim-{}", serde_json::to_value(d).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default())>
                        {format!("{pct:.0}")}
                    </button>
                    {other.map(|o| view! { <span class="hint">{format!(" (compared: {:.0})", o * 100.0)}</span> })}
                    <span class="hint dim-how">{d.explain()}</span>
                </li>
            }
        })
        .collect_view()
}

/// The most common first words of instructions, each a button listing its rows: task diversity at a glance.
#[component]
fn FirstWords(run: Arc<GateRun>) -> impl IntoView {
    let q = expect_context::<QCtx>();
    let total = run.report.rows.max(1);
    run
        .first_words
        .iter()
        .take(15)
        .map(|(w, n)| {
            let (w, n) = (w.clone(), *n);
            let r2 = run.clone();
            let word = w.clone();
            let drill = move |_| {
                let rows = q.ws.rows.get_untracked();
                let hits: Vec<usize> = rows
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| first_word(&r.instruction).unwrap_or_default() == word)
                    .map(|(i, _)| i)
                    .collect();
                q.show(format!("Instructions that start with “{word}”"), with_reasons(&r2, hits));
            };
            let share = n as f64 / total as f64;
            let label = if w.is_empty() { "(none)".to_string() } else { w };
            view! {
                <li class="dim">
                    <span class="dim-name mono">{label.clone()}</span>
                    <span class="dim-bar"><span class="dim-fill gold" style:width=format!("{:.1}%", share * 100.0)></span></span>
                    <button type="button" class="link" on:click=drill
                        aria-label=format!("Show the {n} instructions that start with {label}")>{n}</button>
                </li>
            }
        })
        .collect_view()
}

/// Makes a new version without the rows flagged by the `chosen` gates in the last run, each removal listed
/// with its reasons in the version's parameters.
fn clean_flagged(q: QCtx, chosen: Vec<Gate>) {
    let Some((id, run)) = q.gates.get_untracked() else {
        return;
    };
    if q.ws.current_id().as_deref() != Some(id.as_str()) {
        q.ws.error(
            "The gates ran on another version: run them again on the current version first.",
        );
        return;
    }
    let rows = q.ws.rows.get_untracked();
    let mut removed = Vec::new();
    let mut gone = Vec::new();
    for (i, flags) in &run.report.flagged {
        let hits: Vec<_> = flags.iter().filter(|f| chosen.contains(&f.gate)).collect();
        if !hits.is_empty() && *i < rows.len() {
            gone.push(*i);
            removed.push(json!({
                "row": i,
                "reasons": hits.iter().map(|f| json!({"gate": f.gate.id(), "score": f.score, "reason": f.reason})).collect::<Vec<_>>(),
            }));
        }
    }
    if removed.is_empty() {
        q.ws.info("No row is flagged by the chosen gates: nothing to remove.");
        return;
    }
    let kept = drop_rows(&rows, gone);
    let n = removed.len();
    let params = json!({
        "gates": chosen.iter().map(|g| g.id()).collect::<Vec<_>>(),
        "config": run.config,
        "tokenizer": run.encoding,
        "removed": removed,
    });
    let quarantine = q.ws.quarantine.get_untracked().as_ref().clone();
    spawn_local(async move {
        if let Some(v) = derive(q.ws, "clean", params, kept, quarantine).await {
            q.ws.info(format!(
                "Version {} made: {n} rows removed, each listed with its reasons in the version's parameters (workspace lab → versions).",
                v.id
            ));
            q.gates.set(None);
            q.drill.set(None);
        }
    });
}
