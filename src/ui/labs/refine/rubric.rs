//! The same rubric before and after (slides 5 and 10): an LLM judge scores each revised row's original and
//! revision with the same prompt, schema and sampling; the paired deltas get a mean and a bootstrap 95%
//! interval, shown as text and as a chart.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::chart::BeforeAfterChart;
use super::reflect::progress_view;
use super::state::{notice_view, RCtx, Running, Scored};
use crate::core::dataset::record::Record;
use crate::core::llm::call::{plan, Intent, Sampling};
use crate::core::llm::judge::{self, Rubric};
use crate::core::llm::ollama::Message;
use crate::core::llm::reflection::Kind;
use crate::core::llm::review::{summarise, Judged, RubricSummary};
use crate::core::stats::Interval;
use crate::ui::design::Section;
use crate::ui::services::llm::each_parallel;
use crate::ui::services::workspace::Notice;
use crate::ui::widgets::code_bridge::CodeBridge;
use crate::web::llm::{Abort, CallError};

/// Resamples of the bootstrap interval.
const RESAMPLES: usize = 2000;

/// A signed number with two decimals.
fn signed(x: f64) -> String {
    format!("{}{:.2}", if x >= 0.0 { "+" } else { "−" }, x.abs())
}

/// "+0.40, 95% interval [−0.20, +1.00]".
fn interval_text(i: &Interval) -> String {
    format!(
        "{}, 95% interval [{}, {}]",
        signed(i.mean),
        signed(i.low),
        signed(i.high)
    )
}

/// Judges every revised row before and after.
async fn score(r: RCtx) {
    let llm = r.llm;
    let server = match llm.server() {
        Ok(s) => s,
        Err(e) => {
            return r.rubric_note.set(Some(Notice::Error(format!(
                "The endpoint cannot be used: {e}"
            ))))
        }
    };
    let model = match llm.chosen_model() {
        Ok(m) => m,
        Err(e) => return r.rubric_note.set(Some(Notice::Error(e))),
    };
    let rubric = Rubric::default();
    let seed = r.seed.get_untracked();
    // Temperature and seed exactly as `judge::options` says.
    let options = judge::options(seed);
    let sampling = Sampling {
        temperature: options["temperature"].as_f64(),
        seed: options["seed"].as_i64(),
        ..Sampling::default()
    };
    let rows: Vec<(usize, Kind, Record, Record)> = r.items.with_untracked(|v| {
        v.iter()
            .filter(|i| i.it.reviewable())
            .filter_map(|i| {
                Some((
                    i.it.index,
                    i.it.refinement.kind,
                    i.it.refinement.original.clone(),
                    i.it.after_record()?,
                ))
            })
            .collect()
    });
    if rows.is_empty() {
        return r.rubric_note.set(Some(Notice::Error(
            "There are no revised rows to score: reflect on some rows first.".into(),
        )));
    }
    let job = r.ws.jobs.start("Scoring before and after");
    let abort = Abort::new();
    job.on_cancel({
        let abort = abort.clone();
        move || abort.abort()
    });
    r.rubric_note.set(None);
    let n = rows.len() * 2;
    // Rows are scored side by side ("Parallel requests"); each keeps its index and the list is sorted
    // at the end, so the summary is the same for any setting.
    let judged_cell: std::cell::RefCell<Vec<Judged>> = std::cell::RefCell::new(Vec::new());
    let outcome: std::cell::RefCell<Option<Notice>> = std::cell::RefCell::new(None);
    let calls = std::cell::Cell::new(0usize);
    let (rubric_ref, sampling, abort, judged_ref, outcome_ref, calls, server, model) = (
        &rubric,
        &sampling,
        &abort,
        &judged_cell,
        &outcome,
        &calls,
        &server,
        &model,
    );
    each_parallel(llm.parallel.get_untracked() as usize, rows, |(index, kind, before, after)| async move {
        let mut results: Vec<Result<judge::Scores, String>> = Vec::with_capacity(2);
        for record in [before, after].iter() {
            let (system, user) = judge::prompt(rubric_ref, record);
            let intent = Intent::Chat {
                messages: vec![Message::system(system), Message::user(user)],
                format: Some(judge::schema(rubric_ref)),
            };
            let planned = match plan(
                server.kind,
                &server.endpoint,
                model,
                &intent,
                sampling,
                server.api_key.is_some(),
            ) {
                Ok(p) => p,
                Err(e) => {
                    outcome_ref.replace(Some(Notice::Error(e)));
                    return false;
                }
            };
            r.judge_call.set(Some(planned.bridge.clone()));
            calls.set(calls.get() + 1);
            job.progress((calls.get() - 1) as f64 / n as f64);
            r.running.set(Some(Running {
                what: "judge",
                k: calls.get(),
                n,
                row: index,
                live: String::new(),
            }));
            let result = llm
                .call(server, &planned, model, abort, Some(r.tape), |t| {
                    r.running.update(|x| {
                        if let Some(x) = x {
                            if x.row == index {
                                x.live.push_str(t)
                            }
                        }
                    })
                })
                .await;
            match result {
                Ok(c) => results.push(judge::parse_scores(rubric_ref, &c.text)),
                Err(CallError::Cancelled) => {
                    if outcome_ref.borrow().is_none() {
                        outcome_ref.replace(Some(Notice::Info(format!(
                            "Cancelled; the {} rows scored both times before it are shown.",
                            judged_ref.borrow().len()
                        ))));
                    }
                    return false;
                }
                Err(CallError::Failed(f)) => {
                    let short = f.short();
                    llm.report(server, f);
                    abort.abort();
                    outcome_ref.replace(Some(Notice::Error(format!(
                        "Row {}: the judge's call failed ({short}). The connection panel above says what to do.",
                        index + 1
                    ))));
                    return false;
                }
            }
        }
        let after = results.pop().expect("two results");
        let before = results.pop().expect("two results");
        judged_ref.borrow_mut().push(Judged {
            index,
            kind,
            before,
            after,
        });
        true
    })
    .await;
    let mut judged = judged_cell.take();
    judged.sort_by_key(|j| j.index);
    let outcome = outcome.take();
    r.running.set(None);
    job.end();
    if !judged.is_empty() {
        r.scored.set(Some(Scored {
            rubric,
            seed,
            judged,
        }));
    }
    r.rubric_note.set(outcome);
}

fn summary_view(s: &RubricSummary) -> impl IntoView {
    let delta = match &s.overall {
        Some(i) => format!(
            "Mean delta (after − before): {} over {} rows",
            interval_text(i),
            s.pairs
        ),
        None => {
            "No row was scored both times, so there is no delta; see the failures below.".into()
        }
    };
    let verdict = s.overall.map(|i| {
        if i.low > 0.0 {
            "The interval is above 0: on this rubric and judge, the revisions scored higher."
        } else if i.high < 0.0 {
            "The interval is below 0: on this rubric and judge, the revisions scored lower."
        } else {
            "The interval contains 0: these rows do not show a difference. More rows narrow the interval."
        }
    });
    let rows = s
        .criteria
        .iter()
        .map(|c| {
            view! {
                <tr>
                    <th scope="row">{c.name.clone()}</th>
                    <td class="num">{format!("{:.2}", c.before)}</td>
                    <td class="num">{format!("{:.2}", c.after)}</td>
                    <td class="num">{c.delta.as_ref().map(interval_text).unwrap_or_else(|| "—".into())}</td>
                </tr>
            }
        })
        .collect_view();
    let failures = (!s.failures.is_empty()).then(|| {
        let items = s
            .failures
            .iter()
            .map(|(i, side, e)| view! { <li>{format!("Row {} ({side}): {e}", i + 1)}</li> })
            .collect_view();
        view! {
            <h3>"Scores that could not be read"</h3>
            <ul class="q-issues" data-testid="rubric-failures">{items}</ul>
        }
    });
    view! {
        <p class="result-line" data-testid="rubric-delta">{delta}</p>
        {verdict.map(|v| view! { <p class="hint">{v}</p> })}
        <table class="data compact" aria-label="Mean scores before and after, per criterion">
            <thead><tr><th scope="col">"criterion"</th><th scope="col">"before"</th><th scope="col">"after"</th><th scope="col">"delta (after − before), 95% interval"</th></tr></thead>
            <tbody>
                {rows}
                <tr class="total">
                    <th scope="row">"All criteria (mean)"</th>
                    <td class="num">{format!("{:.2}", s.before)}</td>
                    <td class="num">{format!("{:.2}", s.after)}</td>
                    <td class="num">{s.overall.as_ref().map(interval_text).unwrap_or_else(|| "—".into())}</td>
                </tr>
            </tbody>
        </table>
        {failures}
    }
}

#[component]
pub fn RubricPanel() -> impl IntoView {
    let r = expect_context::<RCtx>();
    let summary = Memo::new(move |_| {
        r.scored.with(|s| {
            s.as_ref()
                .map(|s| summarise(&s.rubric, &s.judged, RESAMPLES, s.seed as u64))
        })
    });
    let chart_data = Signal::derive(move || {
        summary.with(|s| {
            s.as_ref()
                .map(|s| {
                    s.criteria
                        .iter()
                        .map(|c| {
                            (
                                c.id.replace('_', " "),
                                c.before,
                                c.after,
                                c.delta.map(|d| (c.before + d.low, c.before + d.high)),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
    });
    let criteria = Rubric::default()
        .criteria
        .into_iter()
        .map(|c| view! { <li><strong>{c.name}</strong> " — " {c.description}</li> })
        .collect_view();
    let start = move |_| {
        if r.busy() {
            return;
        }
        spawn_local(score(r));
    };
    view! {
        <Section title="Same rubric before and after" heading_id="rubric-h">
            <p class="hint">
                "A judge model scores each revised row's original and its revision (your edit, when you edited it) on the same rubric, "
                "with the same prompt, a JSON schema in Ollama's format field, temperature 0 and the seed above. Each row is compared "
                "with itself (paired deltas), and the mean delta gets a bootstrap 95% interval (2000 resamples). A judge is a model "
                "too — it tends to prefer longer answers — so weigh this next to your review, not instead of it."
            </p>
            <details>
                <summary>"The rubric (scores 1–5)"</summary>
                <ul>{criteria}</ul>
            </details>
            <div class="buttons left">
                <button type="button" class="primary" on:click=start
                    disabled=move || r.running.with(Option::is_some)>"Score before and after"</button>
            </div>
            {progress_view(r, "judge", "Call")}
            {notice_view(r.rubric_note, "rubric-note")}
            {move || summary.get().map(|s| view! {
                {summary_view(&s)}
                <BeforeAfterChart data=chart_data title="Mean score per criterion, before and after; the whisker is the 95% interval of the paired change" />
            })}
            <CodeBridge call=r.judge_call />
        </Section>
    }
}
