//! Replay in the lab (LAB-08): a pipeline spec (or a portfolio pack holding one) and the raw input files —
//! every step recomputed, "identical at every step" or the first step whose content id differs, and why.
//! Needs nothing from this browser's workspace, so it works in a fresh profile.

use std::collections::BTreeMap;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{RunbookCtx, LAB_VERSION};
use crate::core::release::pack::verify;
use crate::core::release::spec::{verdict, Replay, Replayed, Spec};
use crate::ui::design::Section;
use crate::web::files::{read_file_bytes, MAX_READ_BYTES};
use crate::web::tick::yield_now;

struct Outcome {
    warning: Option<String>,
    steps: Vec<Replayed>,
    total: usize,
    needs: Vec<String>,
}

async fn read_all(input: &web_sys::HtmlInputElement) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    if let Some(files) = input.files() {
        for i in 0..files.length() {
            if let Some(f) = files.get(i) {
                out.push(read_file_bytes(&f, MAX_READ_BYTES).await?);
            }
        }
    }
    Ok(out)
}

/// The spec in `name`: a `pipeline.json`, or a portfolio zip checked against its SHA256SUMS first.
fn spec_text(name: &str, bytes: Vec<u8>) -> Result<String, String> {
    if bytes.starts_with(b"PK") {
        let checked = verify(&bytes).map_err(|e| format!("{name}: {e}"))?;
        return checked
            .spec
            .ok_or_else(|| format!("{name} holds no pipeline/pipeline.json."));
    }
    String::from_utf8(bytes)
        .map_err(|_| format!("{name} is not UTF-8 text: choose pipeline.json or a portfolio zip."))
}

#[component]
pub fn ReplayPanel() -> impl IntoView {
    let r = expect_context::<RunbookCtx>();
    let spec_ref = NodeRef::<html::Input>::new();
    let files_ref = NodeRef::<html::Input>::new();
    let outcome = RwSignal::new(None::<Result<Outcome, String>>);
    let run = move |_| {
        let (Some(si), Some(fi)) = (spec_ref.get(), files_ref.get()) else {
            return;
        };
        spawn_local(async move {
            let result = async {
                let mut spec_files = read_all(&si).await?;
                let (name, bytes) = spec_files
                    .pop()
                    .ok_or("Choose the pipeline spec (pipeline.json or a portfolio zip) first.")?;
                let (spec, warning) = Spec::from_json(&spec_text(&name, bytes)?, LAB_VERSION)?;
                let files: BTreeMap<String, Vec<u8>> = read_all(&fi).await?.into_iter().collect();
                let needs: Vec<String> = spec
                    .inputs()
                    .iter()
                    .map(|i| i.file.clone())
                    .filter(|f| !files.contains_key(f))
                    .collect();
                // One step at a time under the page's progress bar, yielding between steps (Cancel works).
                let total = spec.steps.len();
                let job = r.ws.jobs.start(format!("Replaying {total} steps …"));
                let mut run = Replay::new(&spec, &files);
                while !run.done() {
                    job.progress(run.replayed() as f64 / total.max(1) as f64);
                    yield_now().await;
                    if job.cancelled() {
                        job.end();
                        return Err("Replay cancelled.".to_string());
                    }
                    run.step();
                }
                job.end();
                let steps = run.finish();
                Ok::<_, String>(Outcome {
                    warning,
                    total: spec.steps.len(),
                    steps,
                    needs,
                })
            }
            .await;
            if let Ok(o) = &result {
                let identical =
                    o.steps.len() == o.total && o.steps.iter().all(|s| s.outcome.is_ok());
                r.replay.set(Some((identical, verdict(&o.steps, o.total))));
            }
            outcome.set(Some(result));
        });
    };
    let shown = move || {
        outcome.with(|o| match o {
            None => ().into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert" data-testid="replay-verdict">{e.clone()}</p> }.into_any(),
            Some(Ok(o)) => {
                let line = verdict(&o.steps, o.total);
                let ok = o.steps.len() == o.total && o.steps.iter().all(|s| s.outcome.is_ok());
                view! {
                    {o.warning.clone().map(|w| view! { <p class="note" role="status">{w}</p> })}
                    {(!o.needs.is_empty()).then(|| view! { <p class="note" role="status">{format!("Raw files the spec names that were not given: {}.", o.needs.join(", "))}</p> })}
                    <p class=if ok { "ok" } else { "error" } role="status" data-testid="replay-verdict">{line}</p>
                    <table class="quality" data-testid="replay-steps">
                        <thead><tr><th scope="col">"Step"</th><th scope="col">"Transform"</th><th scope="col">"Version"</th><th scope="col">"Rows"</th><th scope="col">"How"</th><th scope="col">"Result"</th></tr></thead>
                        <tbody>
                            {o.steps.iter().map(|s| view! {
                                <tr>
                                    <td class="num">{s.n}</td><td>{s.transform.clone()}</td><td class="mono">{s.id.clone()}</td>
                                    <td class="num">{s.rows}</td><td>{s.how.clone()}</td>
                                    <td>{match &s.outcome { Ok(()) => "identical".to_string(), Err(e) => e.clone() }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }
        })
    };
    view! {
        <Section title="Replay a pipeline (LAB-08)" heading_id="rb-replay-h">
            <p class="hint">"Give the spec and the raw files it starts from (the files you imported). Every step is recomputed — files parsed again, recorded decisions applied, model steps from their recorded outputs — and each content id compared. This needs nothing stored in this browser."</p>
            <label class="field-label" for="rb-spec">"Pipeline spec (pipeline.json or a portfolio zip)"</label>
            <input id="rb-spec" type="file" accept=".json,.zip,application/json,application/zip" node_ref=spec_ref />
            <label class="field-label" for="rb-inputs">"Raw input files"</label>
            <input id="rb-inputs" type="file" multiple node_ref=files_ref />
            <button type="button" class="primary" on:click=run>"Replay"</button>
            {shown}
        </Section>
    }
}
