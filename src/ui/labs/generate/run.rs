//! The Magpie loop: for each row, sample an instruction by letting the model continue the bare pre-query
//! template (`/api/generate`, `raw: true`), keep its first line, then ask for the answer with an ordinary
//! chat turn. Each row is recorded with everything needed to replay it, and the run is saved after every
//! row.

use leptos::prelude::*;
use serde_json::Value;

use crate::core::llm::call::{plan, Intent, Planned, Sampling};
use crate::core::llm::connection::{ApiKind, Failure};
use crate::core::llm::magpie::{
    extract_instruction_min, GeneratedRow, RowStatus, RunState, Timing,
};
use crate::core::llm::ollama::{Completion, Message};
use crate::ui::jobs::Ticket;
use crate::web::llm::{stream, Abort, CallError, Server};

use super::state::{GCtx, Live};

/// How one call ended, for the loop.
enum Step {
    Done(Completion),
    /// This row failed but the run can go on (an error inside one answer).
    RowFailed(String),
    /// Stop the run: cancelled, or the server cannot be used (the connection panel says why).
    Stop,
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// The `options` object a planned Ollama call sends (what the row records).
fn sent_options(p: &Planned) -> Value {
    serde_json::from_str::<Value>(&p.body)
        .ok()
        .and_then(|v| v.get("options").cloned())
        .unwrap_or(Value::Null)
}

async fn call(
    g: GCtx,
    job: Ticket,
    server: &Server,
    p: &Planned,
    model: &str,
    index: usize,
    phase: &'static str,
) -> Step {
    g.last_call.set(Some(p.bridge.clone()));
    g.live.set(Some(Live {
        index,
        phase,
        text: String::new(),
    }));
    let abort = Abort::new();
    job.on_cancel({
        let abort = abort.clone();
        move || abort.abort()
    });
    let r = stream(server, p, model, &abort, |t| {
        g.live.update(|l| {
            if let Some(l) = l {
                l.text.push_str(t);
            }
        })
    })
    .await;
    match r {
        Ok(c) => Step::Done(c),
        Err(CallError::Cancelled) => Step::Stop,
        Err(CallError::Failed(f @ (Failure::StreamError { .. } | Failure::StreamCut))) => {
            Step::RowFailed(f.short())
        }
        Err(CallError::Failed(f)) => {
            g.llm.report(server, f.clone());
            g.ws.error(format!("Generation stopped: {}. The connection panel above says what to do; finished rows are kept.", f.short()));
            Step::Stop
        }
    }
}

fn timing(c: &Completion) -> Option<Timing> {
    let s = &c.stats;
    Some(Timing::new(
        s.total_duration.unwrap_or(0),
        s.eval_duration.unwrap_or(0),
        s.eval_count.unwrap_or(0),
    ))
}

/// Runs (or resumes) `g.run` until every row is done, Cancel is pressed or the server fails.
pub async fn generate(g: GCtx) {
    let llm = g.llm;
    let server = match llm.server() {
        Ok(s) => s,
        Err(e) => return g.ws.error(e),
    };
    if server.kind != ApiKind::Ollama {
        return g.ws.error("Magpie needs Ollama's own API: its raw pre-query template goes to /api/generate with raw: true, which OpenAI-compatible servers do not offer. Choose \"Ollama (/api)\" above.");
    }
    let Some(mut run) = g.run.get_untracked() else {
        return;
    };
    let job = g.ws.jobs.start("Generating");
    g.saved.set(None);
    let model = run.model.clone();
    while !run.is_complete() && !job.cancelled() {
        let i = run.next_index();
        let started = now();
        let s = &run.settings;
        let mut sampling = Sampling {
            temperature: Some(s.temperature),
            top_p: Some(s.top_p),
            seed: Some(s.seed_for(i) as i64),
            max_tokens: Some(s.num_predict),
            stop: run.template.stop.clone(),
        };
        let raw = Intent::Raw {
            prompt: run.template.pre_query.clone(),
        };
        let p = match plan(
            server.kind,
            &server.endpoint,
            &model,
            &raw,
            &sampling,
            false,
        ) {
            Ok(p) => p,
            Err(e) => {
                g.ws.error(e);
                break;
            }
        };
        let mut row = GeneratedRow {
            index: i,
            model: model.clone(),
            family: run.template.family,
            pre_query: run.template.pre_query.clone(),
            instruction_options: sent_options(&p),
            response_options: Value::Null,
            seed: s.seed_for(i),
            instruction_raw: String::new(),
            instruction: String::new(),
            response: String::new(),
            instruction_timing: None,
            response_timing: None,
            started_ms: started,
            finished_ms: started,
            status: RowStatus::Ok,
        };
        match call(g, job, &server, &p, &model, i, "instruction").await {
            Step::Stop => break,
            Step::RowFailed(reason) => row.status = RowStatus::Failed { reason },
            Step::Done(c) => {
                row.instruction_timing = timing(&c);
                row.instruction_raw = c.text.clone();
                match extract_instruction_min(
                    &c.text,
                    &run.template,
                    run.settings.min_instruction_chars,
                ) {
                    Err(rej) => row.status = RowStatus::Rejected { reason: rej.reason },
                    Ok(instruction) => {
                        row.instruction = instruction.clone();
                        // The answer: a plain user turn, the chat template applied by Ollama (no stop strings).
                        sampling.stop.clear();
                        let chat = Intent::Chat {
                            messages: vec![Message::user(instruction)],
                            format: None,
                        };
                        let p = match plan(
                            server.kind,
                            &server.endpoint,
                            &model,
                            &chat,
                            &sampling,
                            false,
                        ) {
                            Ok(p) => p,
                            Err(e) => {
                                g.ws.error(e);
                                break;
                            }
                        };
                        row.response_options = sent_options(&p);
                        match call(g, job, &server, &p, &model, i, "response").await {
                            Step::Stop => break,
                            Step::RowFailed(reason) => row.status = RowStatus::Failed { reason },
                            Step::Done(c) => {
                                row.response_timing = timing(&c);
                                row.response = c.text;
                                if row.response.trim().is_empty() {
                                    row.status = RowStatus::Rejected {
                                        reason: "the model gave an empty answer".into(),
                                    };
                                }
                            }
                        }
                    }
                }
            }
        }
        row.finished_ms = now();
        if let Err(e) = run.push(row) {
            g.ws.error(e);
            break;
        }
        g.run.set(Some(run.clone()));
        g.persist();
    }
    g.live.set(None);
    job.end();
    if run.is_complete() {
        let (ok, rejected, failed) = run.counts();
        g.ws.info(format!(
            "Run complete: {ok} rows kept, {rejected} rejected, {failed} failed."
        ));
        // A finished run ends in a dataset version (a cancelled one waits for "Save kept rows").
        if ok > 0 {
            super::save::save_version(g).await;
        }
    }
}

/// A fresh run from the page's settings, or the reasons it cannot start.
pub fn new_run(g: GCtx) -> Result<RunState, String> {
    let settings = g.settings.get_untracked();
    if let Err(errs) = settings.validate() {
        let list: Vec<(String, String)> = errs
            .iter()
            .map(|e| (e.field.to_string(), e.message.clone()))
            .collect();
        let msg = list
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; ");
        g.errors.set(list);
        return Err(format!("Check the settings — {msg}"));
    }
    g.errors.set(Vec::new());
    let template = g.template.get_untracked();
    template
        .validate()
        .map_err(|e| format!("Check the template — {e}"))?;
    let model = g.llm.chosen_model()?;
    Ok(RunState::new(settings, &model, template))
}
