//! Reflection: which rows and how (mode, row range), the prompts and options shown and editable, and the
//! run itself — one streamed chat call per row, the reply read by `Refinement::from_reply`, progress,
//! Cancel (finished rows are kept) and the code bridge of the last call.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{notice_view, RCtx, Running};
use crate::core::dataset::record::Record;
use crate::core::llm::call::{plan, Intent, Sampling};
use crate::core::llm::ollama::Message;
use crate::core::llm::reflection::{
    choose_kind_for, Mode, PromptSet, Refinement, ReflectionOptions, Status,
};
use crate::core::llm::review::{status_word, Counts, Decision, Reviewed, RunSettings};
use crate::ui::design::Section;
use crate::ui::services::llm::each_parallel;
use crate::ui::services::workspace::Notice;
use crate::ui::widgets::code_bridge::CodeBridge;
use crate::web::llm::{Abort, CallError, Server};

/// The rows, the mode, the prompts and the options.
#[component]
pub fn SetupPanel() -> impl IntoView {
    let r = expect_context::<RCtx>();
    let errors = Memo::new(move |_| r.prompts.with(|p| p.validate().err().unwrap_or_default()));
    let prompt_field = move |id: &'static str,
                             field: &'static str,
                             label: &'static str,
                             rows: &'static str,
                             get: fn(&PromptSet) -> &String,
                             set: fn(&mut PromptSet, String)| {
        let field_errors = move || {
            errors
                .get()
                .into_iter()
                .filter(|e| e.field == field)
                .map(|e| view! { <li>{e.message}</li> })
                .collect_view()
        };
        view! {
            <div class="prompt-field">
                <label class="field-label" for=id>{label}</label>
                <textarea id=id rows=rows spellcheck="false"
                    prop:value=move || r.prompts.with(|p| get(p).clone())
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        r.prompts.update(|p| set(p, v));
                    }></textarea>
                <ul class="q-issues prompt-errors" role="alert" data-testid=format!("prompt-errors-{field}")>{field_errors}</ul>
            </div>
        }
    };
    let rows_total = move || r.ws.rows.with(|v| v.len());
    view! {
        <Section title="Rows, mode and prompts" heading_id="setup-h">
            <div class="controls">
                <div class="field">
                    <label class="field-label" for="refine-mode">"What to improve"</label>
                    <select id="refine-mode" on:change=move |ev| {
                        r.mode.set(if event_target_value(&ev) == "response" { Mode::Response } else { Mode::Instruction });
                    }>
                        <option value="instruction" selected=move || r.mode.get() == Mode::Instruction>"Instruction reflection"</option>
                        <option value="response" selected=move || r.mode.get() == Mode::Response>"Response reflection"</option>
                    </select>
                </div>
                <div class="field">
                    <label class="field-label" for="refine-first">"First row"</label>
                    <input id="refine-first" type="number" min="1" step="1"
                        prop:value=move || r.first.get().to_string()
                        on:change=move |ev| r.first.set(event_target_value(&ev).trim().parse::<usize>().unwrap_or(1).max(1)) />
                </div>
                <div class="field">
                    <label class="field-label" for="refine-count">"How many rows"</label>
                    <input id="refine-count" type="number" min="1" step="1"
                        prop:value=move || r.count.get().to_string()
                        on:change=move |ev| r.count.set(event_target_value(&ev).trim().parse::<usize>().unwrap_or(10).max(1)) />
                </div>
            </div>
            <p class="hint">
                {move || {
                    let n = rows_total();
                    let first = r.first.get().max(1);
                    let last = (first - 1 + r.count.get()).min(n);
                    if n == 0 {
                        "The current version has no rows yet.".to_string()
                    } else if first > n {
                        format!("The current version has {n} rows: the first row must be between 1 and {n}.")
                    } else {
                        format!("Rows {first}–{last} of {n} will be reflected on: one model call each. Try a few rows first.")
                    }
                }}
                " Instruction reflection rewrites the instruction and its answer of rows without input; rows with input "
                "get response reflection (the recipe has no instruction reflection for them). Response reflection rewrites answers only."
            </p>
            <details class="prompts" open>
                <summary>"Prompts and options (sent exactly as shown; editable)"</summary>
                <p class="hint">
                    "Placeholders {instruction}, {input} and {output} are replaced by the row's text. The model must answer between the "
                    "bracketed markers ([New Instruction] … [End], [New Answer] … [End], [Better Answer] … [End]); a reply without them "
                    "keeps the original row and is marked \"parse failed\"."
                </p>
                {prompt_field("p-system", "system", "System prompt", "4", |p| &p.system, |p, v| p.system = v)}
                {prompt_field("p-instruction", "instruction_user", "Instruction reflection prompt (rows without input)", "12", |p| &p.instruction_user, |p, v| p.instruction_user = v)}
                {prompt_field("p-response", "response_user", "Response reflection prompt (rows without input)", "10", |p| &p.response_user, |p, v| p.response_user = v)}
                {prompt_field("p-response-input", "response_with_input_user", "Response reflection prompt (rows with input)", "10", |p| &p.response_with_input_user, |p, v| p.response_with_input_user = v)}
                <div class="controls">
                    <div class="field">
                        <label class="field-label" for="refine-temperature">"Temperature"</label>
                        <input id="refine-temperature" type="number" min="0" max="2" step="0.1"
                            prop:value=move || r.temperature.get().to_string()
                            on:change=move |ev| {
                                if let Ok(t) = event_target_value(&ev).trim().parse::<f64>() {
                                    r.temperature.set(t.clamp(0.0, 2.0));
                                }
                            } />
                    </div>
                    <div class="field">
                        <label class="field-label" for="refine-seed">"Seed"</label>
                        <input id="refine-seed" type="number" min="0" step="1"
                            prop:value=move || r.seed.get().to_string()
                            on:change=move |ev| {
                                if let Ok(s) = event_target_value(&ev).trim().parse::<u32>() {
                                    r.seed.set(s);
                                }
                            } />
                    </div>
                    <button type="button" on:click=move |_| r.prompts.set(PromptSet::default())>"Restore the lab's prompts"</button>
                </div>
                <p class="hint">
                    "Temperature 0 and a fixed seed (the notebook's 123) make a rerun give the same revision, as far as the server allows. "
                    "The seed goes in Ollama's options, where Ollama reads it (a top-level seed is ignored)."
                </p>
            </details>
        </Section>
    }
}

/// "1 row", "3 rows".
pub fn rows_word(n: usize) -> String {
    if n == 1 {
        "1 row".into()
    } else {
        format!("{n} rows")
    }
}

/// Why a run cannot start, or what it needs.
struct Plan {
    server: Server,
    model: String,
    settings: RunSettings,
    rows: Arc<Vec<Record>>,
    indices: Vec<usize>,
    run: usize,
}

fn prepare(r: RCtx) -> Result<Plan, String> {
    let Some(id) = r.ws.current_id() else {
        return Err(
            "There is no dataset yet: import one above (or in the workspace lab) first.".into(),
        );
    };
    let prompts = r.prompts.get_untracked();
    if let Err(errors) = prompts.validate() {
        let list: Vec<String> = errors.into_iter().map(|e| e.message).collect();
        return Err(format!(
            "Fix the prompts first (or restore the lab's): {}",
            list.join(" · ")
        ));
    }
    let llm = r.llm;
    let server = llm
        .server()
        .map_err(|e| format!("The endpoint cannot be used: {e}"))?;
    let model = llm.chosen_model()?;
    let rows = r.ws.rows.get_untracked();
    let n = rows.len();
    let first = r.first.get_untracked().max(1) - 1;
    if first >= n {
        return Err(format!(
            "The current version has {n} rows: choose a first row between 1 and {n}."
        ));
    }
    let end = (first + r.count.get_untracked().max(1)).min(n);
    let settings = RunSettings {
        mode: r.mode.get_untracked(),
        model: model.clone(),
        prompts,
        options: ReflectionOptions {
            temperature: r.temperature.get_untracked(),
            seed: r.seed.get_untracked(),
        },
    };
    // Refinements belong to one version: reflecting on another starts a new review.
    if r.source.get_untracked().as_deref() != Some(id.as_str()) {
        r.source.set(Some(id));
        r.items.set(Vec::new());
        r.runs.set(Vec::new());
        r.scored.set(None);
    }
    let run = r
        .runs
        .try_update(|v| {
            v.push(settings.clone());
            v.len() - 1
        })
        .unwrap_or(0);
    Ok(Plan {
        server,
        model,
        settings,
        rows,
        indices: (first..end).collect(),
        run,
    })
}

/// Reflects on the chosen rows: one call per row, up to "Parallel requests" at once (each row's result
/// lands at its own index, so the order they finish in does not matter).
async fn run(r: RCtx, p: Plan) {
    let llm = r.llm;
    let job = r.ws.jobs.start("Reflecting");
    llm.ensure_digest(&p.server, &p.model).await;
    let abort = Abort::new();
    job.on_cancel({
        let abort = abort.clone();
        move || abort.abort()
    });
    let sampling = Sampling {
        temperature: Some(p.settings.options.temperature),
        seed: Some(p.settings.options.seed as i64),
        ..Sampling::default()
    };
    let n = p.indices.len();
    let done = std::cell::Cell::new(0usize);
    let started = std::cell::Cell::new(0usize);
    let outcome: std::cell::RefCell<Option<Notice>> = std::cell::RefCell::new(None);
    let (p, sampling, abort, done, started, outcome) =
        (&p, &sampling, &abort, &done, &started, &outcome);
    let finished_word = move || {
        let d = done.get();
        format!(
            "{} finished before it {} kept",
            rows_word(d),
            if d == 1 { "is" } else { "are" }
        )
    };
    each_parallel(llm.parallel.get_untracked() as usize, p.indices.clone(), |i| async move {
        let record = &p.rows[i];
        let kind = choose_kind_for(record, p.settings.mode);
        let (system, user) = p.settings.prompts.render(kind, record);
        let intent = Intent::Chat {
            messages: vec![Message::system(system), Message::user(user)],
            format: None,
        };
        let planned = match plan(
            p.server.kind,
            &p.server.endpoint,
            &p.model,
            &intent,
            sampling,
            p.server.api_key.is_some(),
        ) {
            Ok(x) => x,
            Err(e) => {
                outcome.replace(Some(Notice::Error(e)));
                return false;
            }
        };
        r.reflect_call.set(Some(planned.bridge.clone()));
        started.set(started.get() + 1);
        r.running.set(Some(Running {
            what: "reflect",
            k: started.get(),
            n,
            row: i,
            live: String::new(),
        }));
        let result = llm
            .call(&p.server, &planned, &p.model, abort, Some(r.tape), |t| {
                r.running.update(|x| {
                    if let Some(x) = x {
                        if x.row == i {
                            x.live.push_str(t)
                        }
                    }
                })
            })
            .await;
        match result {
            Ok(c) => {
                let refinement = Refinement::from_reply(kind, record, &c.text, &p.model);
                let item = r.item(Reviewed {
                    index: i,
                    refinement,
                    model: p.model.clone(),
                    run: p.run,
                    decision: Decision::Pending,
                });
                r.items.update(|v| {
                    v.retain(|x| x.it.index != i);
                    v.push(item);
                    v.sort_by_key(|x| x.it.index);
                });
                r.persist();
                done.set(done.get() + 1);
                job.progress(done.get() as f64 / n as f64);
                true
            }
            Err(CallError::Cancelled) => {
                if outcome.borrow().is_none() {
                    outcome.replace(Some(Notice::Info(format!(
                        "Cancelled at row {} ({} of {n}); {}.",
                        i + 1,
                        started.get(),
                        finished_word()
                    ))));
                }
                false
            }
            Err(CallError::Failed(f)) => {
                let short = f.short();
                llm.report(&p.server, f);
                abort.abort();
                outcome.replace(Some(Notice::Error(format!(
                    "Row {}: the call failed ({short}). The connection panel above says what to do. {}.",
                    i + 1,
                    finished_word()
                ))));
                false
            }
        }
    })
    .await;
    let outcome = outcome.take();
    r.running.set(None);
    job.end();
    let note = outcome.unwrap_or_else(|| {
        let c = Counts::of(
            &r.items
                .with_untracked(|v| v.iter().map(|i| i.it.clone()).collect::<Vec<_>>()),
        );
        Notice::Info(format!(
            "Reflected on {}. {} waiting for review below.",
            rows_word(n),
            match c.pending {
                1 => "1 revision is".to_string(),
                k => format!("{k} revisions are"),
            }
        ))
    });
    r.reflect_note.set(Some(note));
}

/// The progress of the running call of kind `what`: row k of n, the live text, Cancel.
pub fn progress_view(r: RCtx, what: &'static str, unit: &'static str) -> impl IntoView {
    move || {
        r.running.get().filter(|x| x.what == what).map(|x| {
            let label = format!("{unit} {} of {} (row {})", x.k, x.n, x.row + 1);
            let pct = ((x.k - 1) as f64 / x.n.max(1) as f64 * 100.0).round();
            view! {
                <div class="busy" role="status">
                    <span data-testid=format!("{what}-progress")>{label.clone()}</span>
                    <progress class="progress" max="100" value=pct aria-label=label></progress>
                    <button type="button" on:click=move |_| r.cancel()>"Cancel"</button>
                </div>
                <pre class="raw live" aria-live="off" data-testid=format!("{what}-live")>{x.live}</pre>
            }
        })
    }
}

/// The Reflect button, progress, per-row results and the code bridge.
#[component]
pub fn ReflectPanel() -> impl IntoView {
    let r = expect_context::<RCtx>();
    let reflect = move |_| {
        if r.busy() {
            return;
        }
        match prepare(r) {
            Ok(p) => {
                r.reflect_note.set(None);
                spawn_local(run(r, p));
            }
            Err(e) => r.reflect_note.set(Some(Notice::Error(e))),
        }
    };
    let summary = move || {
        r.items.with(|v| {
            (!v.is_empty()).then(|| {
                let its: Vec<Reviewed> = v.iter().map(|i| i.it.clone()).collect();
                let c = Counts::of(&its);
                format!(
                    "{}: {} revised · {} unchanged · {} parse failed",
                    rows_word(its.len()),
                    c.revised(),
                    c.unchanged,
                    c.failed
                )
            })
        })
    };
    let results = move || {
        r.items.with(|v| {
            v.iter()
                .map(|i| {
                    let rf = &i.it.refinement;
                    let status = status_word(&rf.status);
                    let detail = match &rf.status {
                        Status::ParseFailed(reason) => Some(view! {
                            <span class="reason">{reason.clone()}</span>
                            <details>
                                <summary>"Raw reply"</summary>
                                <pre class="raw">{rf.raw.clone()}</pre>
                            </details>
                        }),
                        _ => None,
                    };
                    view! {
                        <tr data-row=i.it.index + 1>
                            <td class="num">{i.it.index + 1}</td>
                            <td>{rf.kind.label()}</td>
                            <td><span class=format!("badge status {}", status.replace(' ', "-"))>{status}</span> {detail}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    let source_note = move || {
        let (src, cur) = (r.source.get(), r.ws.ws.with(|w| w.current.clone()));
        match (src, cur) {
            (Some(s), Some(c)) if s != c && r.items.with(|v| !v.is_empty()) => Some(view! {
                <p class="note" role="status">
                    {format!("These refinements were made on version {s}; the current version is {c}. Reflect again to refine the current one.")}
                </p>
            }),
            _ => None,
        }
    };
    view! {
        <Section title="Reflect" heading_id="reflect-h">
            <p class="hint">
                "For each row the model first critiques it against the criteria, then writes a better version between the markers. "
                "The critique is stored with the row. Nothing is changed in the dataset until you review the revisions and make a new version."
            </p>
            <div class="buttons left">
                <button type="button" class="primary" on:click=reflect
                    disabled=move || r.running.with(Option::is_some)>"Reflect"</button>
                <Show when=move || r.running.with(Option::is_none) && r.items.with(|v| !v.is_empty())>
                    <button type="button" on:click=move |_| export_bundle(r)>"Export run bundle"</button>
                </Show>
            </div>
            {progress_view(r, "reflect", "Row")}
            {notice_view(r.reflect_note, "reflect-note")}
            {source_note}
            {move || summary().map(|s| view! {
                <p class="result-line" data-testid="reflect-summary">{s}</p>
                <div class="table-wrap">
                    <table class="data compact" data-testid="reflect-results" aria-label="Reflection per row">
                        <thead><tr><th scope="col">"row"</th><th scope="col">"reflection"</th><th scope="col">"status"</th></tr></thead>
                        <tbody>{results}</tbody>
                    </table>
                </div>
            })}
            <CodeBridge call=r.reflect_call />
        </Section>
    }
}

/// Saves this tab's reflection and rubric calls as a run bundle (students replay it with no model).
fn export_bundle(r: RCtx) {
    let calls = r.tape.get_value();
    if calls.is_empty() {
        return r.reflect_note.set(Some(Notice::Error(
            "Nothing was recorded in this tab: a bundle holds the calls made here with a model connected (a replayed run records nothing new).".into(),
        )));
    }
    let Some(settings) = r.runs.with_untracked(|v| v.last().cloned()) else {
        return;
    };
    let n = calls.len();
    let model = settings.model.clone();
    // The run's settings and rows, so a student who loads the bundle gets them back.
    let bundle = r.llm.bundle_of(
        "refine",
        &model,
        serde_json::json!({
            "run": settings,
            "first": r.first.get_untracked(),
            "count": r.count.get_untracked(),
        }),
        calls,
    );
    let name = format!("run-bundle-refine-{}.json", model.replace([':', '/'], "-"));
    let note = match crate::web::files::download(&name, "application/json", bundle.to_json().as_bytes()) {
        Ok(()) => Notice::Info(format!(
            "Exported {name}: {n} requests with their streamed answers. Students load it with \"Run bundle\" and reflect on the same rows with the same prompts and options."
        )),
        Err(e) => Notice::Error(e),
    };
    r.reflect_note.set(Some(note));
}

/// With a refine bundle loaded, the page takes the rows, mode, prompts and options it was recorded with,
/// so "Reflect" replays the recorded run as it is.
pub fn adopt_bundle_settings(r: RCtx) -> Option<String> {
    let rep = r.llm.replay.get_untracked()?;
    let b = rep.bundle();
    if b.lab != "refine" {
        return None;
    }
    let run: RunSettings = serde_json::from_value(b.settings.get("run")?.clone()).ok()?;
    let first = b.settings.get("first")?.as_u64()? as usize;
    let count = b.settings.get("count")?.as_u64()? as usize;
    r.mode.set(run.mode);
    r.prompts.set(run.prompts);
    r.temperature.set(run.options.temperature);
    r.seed.set(run.options.seed);
    r.first.set(first.max(1));
    r.count.set(count.max(1));
    Some(format!(
        "Settings taken from the run bundle: rows {first}–{} with its prompts, temperature {} and seed {} — press Reflect to replay the recorded run.",
        first + count - 1,
        run.options.temperature,
        run.options.seed
    ))
}
