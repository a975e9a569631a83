//! The Magpie loop: for each row, sample an instruction by letting the model continue the bare pre-query
//! template (`/api/generate`, `raw: true`), keep its first line, then ask for the answer with an ordinary
//! chat turn. Each row is recorded with everything needed to replay it, and the run is saved after every
//! row.
//!
//! With "Parallel requests" above 1, several rows are in flight at once; row *i* still gets seed
//! `base + i` and its own place, so the rows are the same for any setting. Every call goes through
//! `Llm::call` (busy-server retries, run-bundle recording and replay).

use leptos::prelude::*;
use serde_json::Value;

use crate::core::llm::call::{plan, Intent, Planned, Sampling};
use crate::core::llm::connection::{ApiKind, Failure};
use crate::core::llm::magpie::{
    extract_instruction_min, GeneratedRow, RowStatus, RunState, Timing,
};
use crate::core::llm::ollama::{Completion, Message};
use crate::ui::jobs::Ticket;
use crate::ui::services::llm::each_parallel;
use crate::web::llm::{Abort, CallError, Server};

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
    let r = g
        .llm
        .call(server, p, model, &abort, Some(g.tape), |t| {
            g.live.update(|l| {
                if let Some(l) = l {
                    if l.index == index {
                        l.text.push_str(t);
                    }
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

/// What a row needs from the run, cloned once so rows can run side by side.
struct RowPlan {
    server: Server,
    model: String,
    settings: crate::core::llm::magpie::GenerationSettings,
    template: crate::core::llm::magpie::Template,
}

impl RowPlan {
    fn sampling(&self, i: usize) -> Sampling {
        let s = &self.settings;
        Sampling {
            temperature: Some(s.temperature),
            top_p: Some(s.top_p),
            seed: Some(s.seed_for(i) as i64),
            max_tokens: Some(s.num_predict),
            stop: self.template.stop.clone(),
        }
    }

    /// The instruction call of row `i` (the raw pre-query sample).
    fn instruction_call(&self, i: usize) -> Result<Planned, String> {
        let raw = Intent::Raw {
            prompt: self.template.pre_query.clone(),
        };
        plan(
            self.server.kind,
            &self.server.endpoint,
            &self.model,
            &raw,
            &self.sampling(i),
            false,
        )
    }
}

/// Generates row `i`: `None` when the run must stop (Cancel, a server failure, a planning error).
async fn generate_row(g: GCtx, job: Ticket, p: &RowPlan, i: usize) -> Option<GeneratedRow> {
    let started = now();
    let model = &p.model;
    let mut sampling = p.sampling(i);
    let planned = match p.instruction_call(i) {
        Ok(x) => x,
        Err(e) => {
            g.ws.error(e);
            return None;
        }
    };
    let mut row = GeneratedRow {
        index: i,
        model: model.clone(),
        family: p.template.family,
        pre_query: p.template.pre_query.clone(),
        instruction_options: sent_options(&planned),
        response_options: Value::Null,
        seed: p.settings.seed_for(i),
        instruction_raw: String::new(),
        instruction: String::new(),
        response: String::new(),
        instruction_timing: None,
        response_timing: None,
        started_ms: started,
        finished_ms: started,
        status: RowStatus::Ok,
    };
    match call(g, job, &p.server, &planned, model, i, "instruction").await {
        Step::Stop => return None,
        Step::RowFailed(reason) => row.status = RowStatus::Failed { reason },
        Step::Done(c) => {
            row.instruction_timing = timing(&c);
            row.instruction_raw = c.text.clone();
            match extract_instruction_min(&c.text, &p.template, p.settings.min_instruction_chars) {
                Err(rej) => row.status = RowStatus::Rejected { reason: rej.reason },
                Ok(instruction) => {
                    row.instruction = instruction.clone();
                    // The answer: a plain user turn, the chat template applied by Ollama (no stop strings).
                    sampling.stop.clear();
                    let chat = Intent::Chat {
                        messages: vec![Message::user(instruction)],
                        format: None,
                    };
                    let planned = match plan(
                        p.server.kind,
                        &p.server.endpoint,
                        model,
                        &chat,
                        &sampling,
                        false,
                    ) {
                        Ok(x) => x,
                        Err(e) => {
                            g.ws.error(e);
                            return None;
                        }
                    };
                    row.response_options = sent_options(&planned);
                    match call(g, job, &p.server, &planned, model, i, "response").await {
                        Step::Stop => return None,
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
    Some(row)
}

/// With a run bundle loaded: which of the rows to generate the bundle cannot answer, said before any
/// row starts (rather than failing halfway).
fn check_bundle(g: GCtx, p: &RowPlan, pending: &[usize]) -> Result<(), String> {
    let Some(r) = g.llm.replay.get_untracked() else {
        return Ok(());
    };
    let mut wanted = Vec::new();
    for &i in pending {
        let c = p.instruction_call(i)?;
        let body: Value = serde_json::from_str(&c.body).unwrap_or_default();
        wanted.push((
            format!("row {} (seed {})", i + 1, p.settings.seed_for(i)),
            c.path.to_string(),
            body,
        ));
    }
    let missing = r.missing(&wanted);
    if missing.is_empty() {
        return Ok(());
    }
    let first = wanted
        .iter()
        .find(|w| missing.contains(&w.0.as_str()))
        .map(|(_, path, body)| r.differences(path, body))
        .unwrap_or_default();
    let shown: Vec<&str> = missing.iter().take(6).copied().collect();
    let more = if missing.len() > 6 {
        format!(" and {} more", missing.len() - 6)
    } else {
        String::new()
    };
    Err(format!(
        "The run bundle does not hold {} of the {} rows these settings ask for: {}{more}. The closest recorded request differs in: {}. Use the settings the bundle was recorded with ({}), or choose Ollama to run live.",
        missing.len(),
        wanted.len(),
        shown.join(", "),
        first.join("; "),
        serde_json::to_string(&r.bundle().settings).unwrap_or_default()
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
    let Some(run) = g.run.get_untracked() else {
        return;
    };
    let p = RowPlan {
        server,
        model: run.model.clone(),
        settings: run.settings.clone(),
        template: run.template.clone(),
    };
    let pending = run.pending();
    if let Err(e) = check_bundle(g, &p, &pending) {
        return g.ws.error(e);
    }
    // A fresh run starts a fresh recording; a resumed one adds to it.
    if run.rows.is_empty() {
        g.tape.set_value(Vec::new());
    }
    let job = g.ws.jobs.start("Generating");
    g.saved.set(None);
    llm.ensure_digest(&p.server, &p.model).await;
    let parallel = llm.parallel.get_untracked().max(1) as usize;
    let p = &p;
    each_parallel(parallel, pending, |i| async move {
        if job.cancelled() {
            return false;
        }
        let Some(row) = generate_row(g, job, p, i).await else {
            return false;
        };
        let mut pushed = Ok(());
        g.run.update(|r| {
            if let Some(r) = r {
                pushed = r.push(row);
            }
        });
        if let Err(e) = pushed {
            g.ws.error(e);
            return false;
        }
        g.persist();
        true
    })
    .await;
    g.live.set(None);
    job.end();
    let Some(run) = g.run.get_untracked() else {
        return;
    };
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
