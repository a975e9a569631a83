//! The tokens check, usable on any tokenized JSONL file: per row, are the ids what the model tokenizer
//! makes of `text`, are they below its vocabulary size, does decoding give `text` back. The file goes to
//! the background worker by reference, so a 100 MB file is checked with progress and Cancel.

use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::DrillsCtx;
use crate::core::ab::plan::TokenizerPlan;
use crate::core::drills::tokens::{TokenReport, Verdict};
use crate::core::tokenize::encodings::EncodingSpec;
use crate::ui::design::Section;
use crate::ui::services::tokenizer::rank_bytes;
use crate::web::files::chosen_file;
use crate::web::worker;

/// Largest tokenized file the check reads (the worker holds it whole while it checks).
const MAX_BYTES: f64 = 512.0 * 1024.0 * 1024.0;

/// Checks `file` against `model` in the worker; `None` when cancelled or failed (the page says why).
pub async fn run_check(
    d: DrillsCtx,
    file: web_sys::Blob,
    name: &str,
    model: TokenizerPlan,
) -> Option<TokenReport> {
    let ctx = d.ws;
    let Some(base) = EncodingSpec::by_name(model.base()) else {
        ctx.error(format!("Unknown encoding {}.", model.base()));
        return None;
    };
    let ranks = match rank_bytes(base).await {
        Ok(r) => r,
        Err(e) => {
            ctx.error(e);
            return None;
        }
    };
    let job = ctx.jobs.start(format!("Checking the tokens of {name}"));
    let progress = move |p: f64, stage: Option<String>| job.stage(p, stage);
    match worker::tokens::check(&model, &file, &ranks, progress).await {
        Ok(r) => {
            job.end();
            Some(r)
        }
        Err(e) => {
            if !job.cancelled() {
                job.end();
                ctx.error(format!("The tokens check stopped: {}", e.message()));
            }
            None
        }
    }
}

/// The report of a check. Its test ids start with `ids` (`tok-check` for the tokens check, the contract's
/// ids; another prefix where a drill shows a report, so one page never holds two of the same id).
pub fn report_view(r: &TokenReport, ids: &'static str) -> impl IntoView {
    let id = move |name: &str| format!("{ids}-{name}");
    let n_vocab = r.n_vocab;
    let verdict = r.verdict.as_str();
    let examples = r
        .examples
        .iter()
        .map(|m| {
            let chips = |v: &[crate::core::drills::tokens::Shown]| {
                v.iter()
                    .map(|t| view! { <span class="chip mono" title=format!("id {}", t.id)>{format!("{} {}", t.id, t.text)}</span> })
                    .collect_view()
            };
            view! {
                <li class="q-item">
                    <div class="mono hint">{format!("line {} · first difference at token {}{}", m.line, m.position, if m.round_trip { " · decodes back to the text" } else { " · does not decode back to the text" })}</div>
                    <div><span class="field-name">"model tokenizer: "</span>{chips(&m.expected)}</div>
                    <div><span class="field-name">"file: "</span>{chips(&m.found)}</div>
                    {(!m.out_of_range.is_empty()).then(|| view! {
                        <div class="warn">{format!("ids past the vocabulary ({n_vocab} ids): {}", m.out_of_range.iter().map(u64::to_string).collect::<Vec<_>>().join(", "))}</div>
                    })}
                    <div class="diff-field"><span class="field-name">"the file's ids decoded by the model tokenizer: "</span>{m.decoded.clone()}</div>
                </li>
            }
        })
        .collect_view();
    let problems = r
        .problems
        .iter()
        .map(|p| view! { <li>{format!("line {}{}: {}", p.line, p.field.as_ref().map(|f| format!(", field \"{f}\"")).unwrap_or_default(), p.message)}</li> })
        .collect_view();
    view! {
        <div class="stats">
            <div class="stat"><span class="stat-label">"Rows checked"</span><span class="stat-value" data-testid=id("rows")>{r.rows}</span></div>
            <div class="stat"><span class="stat-label">"Ids differ from the model tokenizer"</span><span class="stat-value" data-testid=id("mismatch")>{r.mismatch}</span></div>
            <div class="stat"><span class="stat-label">{format!("Rows with an id ≥ {}", r.n_vocab)}</span><span class="stat-value" data-testid=id("out-of-range")>{r.out_of_range}</span></div>
            <div class="stat"><span class="stat-label">"Do not decode back"</span><span class="stat-value">{r.not_round_trip}</span></div>
            <div class="stat"><span class="stat-label">"Verdict"</span><span class=format!("stat-value verdict-{verdict}") data-testid=id("verdict")>{verdict}</span></div>
        </div>
        <p class="hint">{format!(
            "Model tokenizer {} ({} ids). {} non-blank lines, {} rows checked, {} match{}{}{}.",
            r.model, r.n_vocab, r.lines, r.rows, r.matching,
            if r.eot_appended > 0 { format!(" ({} of them end in the end-of-text token, which is not in their text)", r.eot_appended) } else { String::new() },
            r.max_id.map(|m| format!("; the largest id is {m}")).unwrap_or_default(),
            if r.declared.is_empty() { String::new() } else { format!("; rows say they were tokenized with {}", r.declared.iter().map(|(t, n)| format!("{t} ({n})")).collect::<Vec<_>>().join(", ")) },
        )}</p>
        {(r.verdict == Verdict::Mismatch && r.rows > 0).then(|| view! {
            <p class="note">"A model reads ids, not text: ids made by another tokenizer are other tokens to it. Re-tokenize the text with the model's tokenizer, and record which tokenizer version a dataset was tokenized with."</p>
        })}
        {(r.problems_total > 0).then(|| view! {
            <div class="error" role="alert">
                <p>{format!("{} lines could not be checked (the other rows were):", r.problems_total)}</p>
                <ul data-testid=id("problems")>{problems}</ul>
                {(r.problems_total > r.problems.len()).then(|| view! { <p>{format!("… and {} more.", r.problems_total - r.problems.len())}</p> })}
            </div>
        })}
        {(!r.examples.is_empty()).then(|| view! {
            <h3>"First mismatching rows"</h3>
            <ol class="findings" data-testid=id("examples")>{examples}</ol>
        })}
    }
}

#[component]
pub fn TokensCheckPanel() -> impl IntoView {
    let d = expect_context::<DrillsCtx>();
    let file_ref = NodeRef::<html::Input>::new();
    let model = RwSignal::new("gpt2".to_string());
    let report = RwSignal::new(None::<Arc<TokenReport>>);
    let check = move |_| {
        let Some(input) = file_ref.get_untracked() else {
            return;
        };
        let Some(file) = chosen_file(&input) else {
            d.ws.error(
                "Choose a tokenized JSONL file first (rows with \"text\" and \"input_ids\").",
            );
            return;
        };
        if file.size() > MAX_BYTES {
            d.ws.error(format!(
                "{} is {:.0} MB; the tokens check reads files up to {:.0} MB. Check a part of it (e.g. `head -n 100000`).",
                file.name(),
                file.size() / 1_048_576.0,
                MAX_BYTES / 1_048_576.0
            ));
            return;
        }
        let Some(plan) = d.plan_of(&model.get_untracked()) else {
            d.ws.error("Choose the model tokenizer.");
            return;
        };
        let name = file.name();
        spawn_local(async move {
            if let Some(r) = run_check(d, file.into(), &name, plan).await {
                d.ws.info(format!(
                    "{name}: {} rows checked, verdict {}.",
                    r.rows,
                    r.verdict.as_str()
                ));
                report.set(Some(Arc::new(r)));
            }
        });
    };
    view! {
        <Section title="Tokens check" heading_id="tok-check-h">
            <p class="hint">
                "For any tokenized dataset — JSONL rows with " <code>"text"</code> " and " <code>"input_ids"</code>
                " (and optionally " <code>"tokenizer"</code> "), the usual form of a tokenized corpus. Each row's ids are compared with what the model's tokenizer makes of its text, checked against its vocabulary size, and decoded back."
            </p>
            <div class="controls">
                <label class="field-label" for="tok-check-file">"Tokenized dataset"</label>
                <input id="tok-check-file" type="file" accept=".jsonl,.json,.txt,application/json" node_ref=file_ref />
                <label class="field-label" for="tok-check-model">"Model tokenizer"</label>
                <select id="tok-check-model" on:change=move |ev| model.set(event_target_value(&ev))>
                    {move || d.tokenizer_options().into_iter().map(|(v, label)| {
                        let sel = v.clone();
                        view! { <option value=v selected=move || model.get() == sel>{label}</option> }
                    }).collect_view()}
                </select>
                <button type="button" class="primary" on:click=check disabled=move || d.ws.jobs.is_busy()>"Check tokens"</button>
            </div>
            {move || report.get().map(|r| report_view(&r, "tok-check"))}
        </Section>
    }
}
