//! The portfolio pack (APP-C) and the pipeline spec as downloads, and the check of a pack that comes back.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{RunbookCtx, LAB_VERSION};
use crate::core::release::card::{CardMeta, LICENSES};
use crate::core::release::pack::{portfolio_zip, verify, PackInput};
use crate::ui::design::Section;
use crate::ui::services::workspace::now_iso;
use crate::web::files::{chosen_file, download, read_file_bytes, MAX_READ_BYTES};

fn text_input(
    r: RunbookCtx,
    id: &'static str,
    label: &'static str,
    get: fn(&CardMeta) -> String,
    set: fn(&mut CardMeta, String),
) -> impl IntoView {
    view! {
        <label class="field-label" for=id>{label}</label>
        <input id=id type="text" prop:value=move || r.meta.with(get)
            on:input=move |ev| { let v = event_target_value(&ev); r.meta.update(|m| set(m, v)) } />
    }
}

#[component]
pub fn ExportPanel() -> impl IntoView {
    let r = expect_context::<RunbookCtx>();
    let check_ref = NodeRef::<html::Input>::new();
    let check_msg = RwSignal::new(None::<Result<String, String>>);

    let export_pack = move |_| {
        let id = r.candidate.get_untracked();
        let Some(l) = r.loaded.get_untracked().filter(|l| l.id == id) else {
            return r.ws.error("The candidate is still loading: wait a moment.");
        };
        let spec = match &l.spec {
            Ok(s) => s.clone(),
            Err(e) => {
                return r
                    .ws
                    .error(format!("No pack without the pipeline spec: {e}"))
            }
        };
        let gates = r.gates();
        let mut meta = r.meta.get_untracked();
        if meta.name.trim().is_empty() {
            meta.name = format!("datalab-{id}");
        }
        let made = now_iso();
        let bytes = r.ws.ws.with_untracked(|ws| {
            let log = r.ab_log.read_untracked();
            let toks = r.tokenizers.read_untracked();
            let runs = r.imdb_runs.read_untracked();
            let board = r.board.read_untracked();
            portfolio_zip(&PackInput {
                ws,
                candidate: &id,
                rows: &l.rows,
                gates: &gates,
                spec: &spec,
                meta: &meta,
                tokenizers: &toks,
                ab_log: &log,
                board: &board,
                imdb_runs: &runs,
                made: &made,
                lab_version: LAB_VERSION,
            })
        });
        match bytes.and_then(|b| download(&format!("portfolio-{id}.zip"), "application/zip", &b)) {
            Ok(()) => r.ws.info(format!("Portfolio of {id} exported: unzip it and run `sha256sum -c SHA256SUMS` to check every file.")),
            Err(e) => r.ws.error(e),
        }
    };
    let export_spec = move |_| {
        let id = r.candidate.get_untracked();
        let Some(l) = r.loaded.get_untracked().filter(|l| l.id == id) else {
            return r.ws.error("The candidate is still loading: wait a moment.");
        };
        match &l.spec {
            Ok(s) => {
                if let Err(e) = download(
                    &format!("pipeline-{id}.json"),
                    "application/json",
                    s.to_json().as_bytes(),
                ) {
                    r.ws.error(e);
                }
            }
            Err(e) => r.ws.error(e.clone()),
        }
    };
    let check = move |_| {
        let Some(file) = check_ref.get().and_then(|i| chosen_file(&i)) else {
            return check_msg.set(Some(Err("Choose a portfolio zip first.".into())));
        };
        spawn_local(async move {
            let msg = match read_file_bytes(&file, MAX_READ_BYTES).await {
                Err(e) => Err(e),
                Ok((name, bytes)) => verify(&bytes).map(|c| {
                    format!(
                        "{name}: all {} files match SHA256SUMS{}.",
                        c.files,
                        if c.spec.is_some() {
                            "; it holds a pipeline spec you can replay below"
                        } else {
                            ""
                        }
                    )
                }),
            };
            check_msg.set(Some(msg));
        });
    };
    let licenses = LICENSES.map(|(id, _)| id);
    view! {
        <Section title="Portfolio pack and pipeline spec (APP-C, CODE-02)" heading_id="rb-export-h">
            <p class="hint">"One zip for the candidate, released or not: the data as JSONL and the book's JSON, a Hugging Face dataset card, Croissant metadata, a datasheet, the quality report, the tokenizer changelog, the A/B decisions and log, the drill scoreboard, the IMDb runs, the pipeline spec with pipeline.py, and SHA256SUMS over every file. What only you can write is marked [to write: …]."</p>
            <div class="controls wrap">
                {text_input(r, "rb-name", "Dataset name", |m| m.name.clone(), |m, v| m.name = v)}
                <label class="field-label" for="rb-license">"Licence"</label>
                <select id="rb-license" on:change=move |ev| { let v = event_target_value(&ev); r.meta.update(|m| m.license = v) }>
                    {licenses.into_iter().map(|l| view! { <option value=l selected=move || r.meta.with(|m| m.license == l)>{l}</option> }).collect_view()}
                </select>
                {text_input(r, "rb-language", "Language (ISO 639-1)", |m| m.language.clone(), |m, v| m.language = v)}
                {text_input(r, "rb-author", "Curated by", |m| m.author.clone(), |m, v| m.author = v)}
            </div>
            <div class="controls">
                <button type="button" class="primary" on:click=export_pack>"Export portfolio"</button>
                <button type="button" on:click=export_spec>"Export pipeline spec"</button>
            </div>
            <label class="field-label" for="rb-check">"Portfolio zip to check"</label>
            <input id="rb-check" type="file" accept=".zip,application/zip" node_ref=check_ref />
            <button type="button" on:click=check>"Check the pack"</button>
            {move || check_msg.get().map(|m| match m {
                Ok(t) => view! { <p class="ok" role="status" data-testid="pack-check">{t}</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert" data-testid="pack-check">{e}</p> }.into_any(),
            })}
        </Section>
    }
}
