//! Import: file picker, drag and drop, or paste; CSV column mapping; the import runs in slices with a
//! progress bar and Cancel, and ends with a report (counts, warnings, schema drift).

use leptos::html::Input;
use leptos::prelude::*;

use crate::ui::services::sample::SampleButton;
use leptos::task::spawn_local;
use serde_json::json;

use crate::core::dataset::contract::Violation;
use crate::core::dataset::importer::{ImportJob, Imported};
use crate::core::dataset::parse::{
    check_size, csv_columns, decode_owned, detect, CsvMapping, Format, MAX_IMPORT_BYTES,
};
use crate::core::dataset::validate::Issue;
use crate::core::dataset::workspace::Transform;
use crate::ui::design::Section;
use crate::ui::jobs::Slice;
use crate::ui::services::workspace::{commit, use_workspace, Ctx, Parent};
use crate::web::files::{chosen_file, read_file_bytes};
use crate::web::tick::{now_ms, yield_now};

/// Warnings listed at most (the count says how many there are).
const MAX_WARNINGS: usize = 50;

/// What the last import reported.
#[derive(Clone, Debug, PartialEq)]
struct Report {
    summary: String,
    warnings: Vec<String>,
    warning_count: usize,
    drift: Vec<String>,
    drift_from: Option<String>,
    /// The contract pinned on the lineage that was current, and the file's violations of it.
    contract: Option<(String, Vec<Violation>)>,
}

/// A CSV waiting for its column mapping.
#[derive(Clone, Debug, PartialEq)]
struct PendingCsv {
    name: String,
    columns: Vec<String>,
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::JsonArray => "JSON array",
        Format::Jsonl => "JSONL",
        Format::Csv => "CSV",
    }
}

fn format_id(f: Format) -> &'static str {
    match f {
        Format::JsonArray => "json",
        Format::Jsonl => "jsonl",
        Format::Csv => "csv",
    }
}

/// The column whose name matches one of `names` (case-insensitive), for a first guess at the mapping.
fn guess(columns: &[String], names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| columns.iter().find(|c| c.eq_ignore_ascii_case(n)).cloned())
}

#[component]
pub fn ImportPanel() -> impl IntoView {
    let ctx = use_workspace();
    let file_input = NodeRef::<Input>::new();
    let report = RwSignal::new(None::<Report>);
    let failure = RwSignal::new(None::<String>);
    let dragging = RwSignal::new(false);
    // The decoded text of the file being imported (kept for re-mapping a CSV).
    let text = StoredValue::new(None::<String>);
    let pending = RwSignal::new(None::<PendingCsv>);
    let map_instruction = RwSignal::new(String::new());
    let map_input = RwSignal::new(String::new());
    let map_output = RwSignal::new(String::new());

    let run = move |name: String, body: String, format: Format, mapping: CsvMapping| {
        spawn_local(run_import(
            ctx, name, body, format, mapping, failure, report,
        ));
    };

    // Decodes bytes and starts the import (a CSV first shows its columns).
    let accept = move |name: String, bytes: Vec<u8>, format: Option<Format>| {
        failure.set(None);
        report.set(None);
        pending.set(None);
        text.set_value(None);
        let decoded = match decode_owned(bytes) {
            Ok(t) => t,
            Err(e) => {
                failure.set(Some(format!("Could not import {name}: {e}")));
                return;
            }
        };
        let format = format.unwrap_or_else(|| detect(&decoded, Some(&name)));
        if format == Format::Csv {
            match csv_columns(&decoded) {
                Err(e) => {
                    failure.set(Some(format!("Could not import {name}: {e}")));
                    return;
                }
                Ok(columns) => {
                    let ins = guess(&columns, &["instruction", "prompt", "question"]);
                    let out = guess(&columns, &["output", "response", "answer", "completion"]);
                    let inp = guess(&columns, &["input", "context"]);
                    map_instruction.set(ins.clone().unwrap_or_default());
                    map_output.set(out.clone().unwrap_or_default());
                    map_input.set(inp.clone().unwrap_or_default());
                    // Kept, so the file can be imported again with another mapping.
                    text.set_value(Some(decoded.clone()));
                    pending.set(Some(PendingCsv {
                        name: name.clone(),
                        columns,
                    }));
                    if let (Some(i), Some(o)) = (ins, out) {
                        run(
                            name,
                            decoded,
                            format,
                            CsvMapping {
                                instruction: i,
                                input: inp,
                                output: o,
                            },
                        );
                    }
                    return;
                }
            }
        }
        run(name, decoded, format, CsvMapping::default());
    };

    let read_file = move |file: web_sys::File| {
        spawn_local(async move {
            match read_file_bytes(&file, MAX_IMPORT_BYTES as f64).await {
                Ok((name, bytes)) => {
                    if let Err(e) = check_size(bytes.len()) {
                        failure.set(Some(format!("Could not import {name}: {e}")));
                        return;
                    }
                    // Let the page paint between reading the file and checking it.
                    yield_now().await;
                    accept(name, bytes, None);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };

    let on_file = move |_| {
        if let Some(input) = file_input.get_untracked() {
            if let Some(f) = chosen_file(&input) {
                read_file(f);
            }
            // The same file can be chosen again after fixing it.
            input.set_value("");
        }
    };
    // A file dropped anywhere on the page is imported (the drop zone only shows where to aim); the
    // browser's default — opening the file in place of the lab — is prevented.
    let over = window_event_listener(leptos::ev::dragover, move |ev| {
        ev.prevent_default();
        dragging.set(true);
    });
    let leave = window_event_listener(leptos::ev::dragleave, move |_| dragging.set(false));
    let drop = window_event_listener(leptos::ev::drop, move |ev| {
        ev.prevent_default();
        dragging.set(false);
        let file = ev
            .data_transfer()
            .and_then(|dt| dt.files())
            .and_then(|fs| fs.get(0));
        match file {
            Some(f) => read_file(f),
            None => failure.set(Some(
                "Nothing to import was dropped: drop a .json, .jsonl or .csv file.".into(),
            )),
        }
    });
    on_cleanup(move || {
        over.remove();
        leave.remove();
        drop.remove();
    });
    let on_paste_import = move |(body, format): (String, Option<Format>)| {
        accept("pasted text".into(), body.into_bytes(), format);
    };
    let on_map = move |()| {
        let Some(p) = pending.get_untracked() else {
            return;
        };
        let (i, o) = (map_instruction.get_untracked(), map_output.get_untracked());
        if i.is_empty() || o.is_empty() {
            failure.set(Some(
                "Choose the columns that hold the instruction and the output.".into(),
            ));
            return;
        }
        failure.set(None);
        let Some(body) = text.get_value() else {
            return;
        };
        let inp = map_input.get_untracked();
        run(
            p.name,
            body,
            Format::Csv,
            CsvMapping {
                instruction: i,
                input: (!inp.is_empty()).then_some(inp),
                output: o,
            },
        );
    };

    view! {
        <Section title="Import" heading_id="import-h">
            <p class="hint">
                "Alpaca-style JSON array (" <code>"instruction"</code> ", " <code>"input"</code> ", " <code>"output"</code>
                "; " <code>"input"</code> " may be missing), JSONL, or CSV with a header row. Up to "
                {format!("{} MB", MAX_IMPORT_BYTES / 1024 / 1024)} ". Invalid rows are quarantined with their reasons, never dropped."
            </p>
            <div class="dropzone" class:dragging=move || dragging.get()>
                <label class="field-label" for="ws-file">"Import dataset"</label>
                <input
                    id="ws-file"
                    type="file"
                    accept=".json,.jsonl,.ndjson,.csv,.txt,application/json,text/csv"
                    node_ref=file_input
                    on:change=on_file
                />
                <span class="hint">" … or drop a file anywhere on this page, or paste below."</span>
            </div>
            <PasteBox on_import=Callback::new(on_paste_import) />
            <SampleButton />
            <CsvMappingForm pending=pending instruction=map_instruction input=map_input
                output=map_output on_map=Callback::new(on_map) />
            {move || failure.get().map(|f| view! { <div class="error" role="alert" data-testid="import-error">{f}</div> })}
            <ImportReport report=report />
        </Section>
    }
}

/// Makes the imported version and reports on it.
async fn finish(
    ctx: Ctx,
    imported: Imported,
    contract: Option<String>,
    mapping: CsvMapping,
    took_ms: f64,
    report: RwSignal<Option<Report>>,
) {
    let Imported {
        source,
        format,
        records,
        quarantined,
        warnings,
        schema,
        content_hash,
        violations,
    } = imported;
    let mut params = json!({ "source": source, "format": format_id(format) });
    if format == Format::Csv {
        params["mapping"] = json!({
            "instruction": mapping.instruction,
            "input": mapping.input,
            "output": mapping.output,
        });
    }
    if let Some(from) = &contract {
        // The check travels with the version it made: which contract, and what broke it.
        params["contract_checked"] = json!({
            "version": from,
            "violations": violations.iter().map(|v| json!({"field": v.field, "code": v.code, "rows": v.rows})).collect::<Vec<_>>(),
        });
    }
    let (valid, held) = (records.len(), quarantined.len());
    let created = crate::ui::services::workspace::now_iso();
    let t = Transform {
        name: "import",
        params,
        created: &created,
        quarantined: held,
        tokenizer: None,
        note: "",
        schema: Some(schema),
    };
    // Without quarantined rows, a file whose rows match an existing version is that version (an
    // exported version imported again keeps its id). With quarantined rows the import is a version of
    // its own, so its quarantine stays with it.
    let parent = Parent::Import {
        hash: content_hash,
        match_content: held == 0,
    };
    let result = commit(ctx, records, quarantined, t, parent).await;
    let Some((v, added)) = result else { return };
    let warning_count = warnings.len();
    let summary = if added {
        format!(
            "Imported {source} ({}) in {:.0} ms: {valid} valid rows, {held} quarantined, {warning_count} warning(s). New version {}.",
            format_name(format),
            took_ms,
            v.id
        )
    } else {
        format!(
            "{source} holds exactly the rows of version {} ({valid} rows), so no new version was made: {} is current now.",
            v.id, v.id
        )
    };
    report.set(Some(Report {
        summary,
        warnings: warnings
            .iter()
            .take(MAX_WARNINGS)
            .map(Issue::to_string)
            .collect(),
        warning_count,
        drift: v.drift.clone(),
        drift_from: v.drift_from.clone(),
        contract: contract.map(|c| (c, violations)),
    }));
}

/// What the last import did: counts, the warnings (rows imported with something to check) and any
/// schema drift against the version that was current.
#[component]
fn ImportReport(report: RwSignal<Option<Report>>) -> impl IntoView {
    move || {
        report.get().map(|r| {
            let warnings = (!r.warnings.is_empty()).then(|| {
                let more = r.warning_count.saturating_sub(r.warnings.len());
                view! {
                    <details class="warnings" data-testid="import-warnings">
                        <summary>{format!("{} warning(s): rows imported, with something to check", r.warning_count)}</summary>
                        <ul class="findings">
                            {r.warnings.iter().map(|w| view! { <li class="finding warning">{w.clone()}</li> }).collect_view()}
                        </ul>
                        {(more > 0).then(|| view! { <p class="hint">{format!("… and {more} more.")}</p> })}
                    </details>
                }
            });
            let drift = match (&r.drift_from, r.drift.is_empty()) {
                (None, _) => None,
                (Some(from), true) => Some(view! {
                    <p class="note" data-testid="schema-drift">{format!("Schema drift against {from}: none — same fields and types.")}</p>
                }.into_any()),
                (Some(from), false) => Some(view! {
                    <div class="drift" data-testid="schema-drift">
                        <h3>{format!("Schema drift against {from}")}</h3>
                        <ul class="findings">
                            {r.drift.iter().map(|d| view! { <li class="finding warning">{d.clone()}</li> }).collect_view()}
                        </ul>
                    </div>
                }.into_any()),
            };
            let contract = r.contract.clone().map(|(from, v)| {
                if v.is_empty() {
                    view! { <p class="note ok" data-testid="contract-violations" data-count="0">{format!("Every row meets the schema contract pinned on {from}.")}</p> }.into_any()
                } else {
                    let n = v.len();
                    view! {
                        <div class="drift" data-testid="contract-violations" data-count=n.to_string()>
                            <h3>{format!("Violations of the schema contract pinned on {from}")}</h3>
                            <ul class="findings">
                                {v.iter().map(|x| view! { <li class="finding warning">{format!("{} ({}, {} rows): {}", if x.field.is_empty() { "(row)" } else { x.field.as_str() }, x.code, x.rows, x.message)}</li> }).collect_view()}
                            </ul>
                        </div>
                    }.into_any()
                }
            });
            view! {
                <p class="note" role="status" data-testid="import-report">{r.summary.clone()}</p>
                {contract}
                {warnings}
                {drift}
            }
        })
    }
}

/// Imports `body` (named `name`) in slices under the page's job runner, then makes the version; a
/// failure names the file and says what went wrong.
async fn run_import(
    ctx: Ctx,
    name: String,
    body: String,
    format: Format,
    mapping: CsvMapping,
    failure: RwSignal<Option<String>>,
    report: RwSignal<Option<Report>>,
) {
    // The page's notice is cleared when the student starts the import, not when it ends: saving a big
    // import takes a while, and a notice set meanwhile (a save that failed, a job cancelled) must stay.
    ctx.notice.set(None);
    let ticket = ctx.jobs.start(format!("Importing {name} …"));
    let started = now_ms();
    yield_now().await;
    // A contract pinned on the current version's lineage checks every file imported after it.
    let contract = ctx
        .current_id()
        .and_then(|c| ctx.ws.with_untracked(|w| w.contract_of(&c)));
    let mut job = match ImportJob::new(body, &name, Some(format), &mapping) {
        Ok(j) => match &contract {
            Some((_, c)) => j.with_contract(c.clone()),
            None => j,
        },
        Err(e) => {
            ticket.end();
            failure.set(Some(format!("Could not import {name}: {e}")));
            return;
        }
    };
    let mut slice = Slice::new();
    loop {
        match job.step(64 * 1024) {
            Ok(true) => break,
            Ok(false) => {}
            Err(e) => {
                ticket.end();
                failure.set(Some(format!("Could not import {name}: {e}")));
                return;
            }
        }
        if ticket.slice(&mut slice, job.progress()).await.is_err() {
            return;
        }
    }
    ticket.end();
    let imported = job.finish();
    let took = now_ms() - started;
    finish(
        ctx,
        imported,
        contract.map(|(id, _)| id),
        mapping,
        took,
        report,
    )
    .await;
}

/// A CSV's column mapping: which columns hold instruction, input and output.
#[component]
fn CsvMappingForm(
    pending: RwSignal<Option<PendingCsv>>,
    instruction: RwSignal<String>,
    input: RwSignal<String>,
    output: RwSignal<String>,
    on_map: Callback<()>,
) -> impl IntoView {
    move || {
        pending.get().map(|p| {
            let select = |label: &'static str, id: &'static str, sig: RwSignal<String>, optional: bool| {
                let options = p
                    .columns
                    .iter()
                    .map(|c| {
                        let c2 = c.clone();
                        view! { <option value=c.clone() selected=move || sig.get() == c2>{c.clone()}</option> }
                    })
                    .collect_view();
                view! {
                    <label class="field-label inline" for=id>{label}</label>
                    <select id=id on:change=move |ev| sig.set(event_target_value(&ev))>
                        <option value="" selected=move || sig.get().is_empty()>
                            {if optional { "(none)" } else { "(choose)" }}
                        </option>
                        {options}
                    </select>
                }
            };
            view! {
                <fieldset class="group mapping">
                    <legend>{format!("CSV columns of {}", p.name)}</legend>
                    {select("Instruction column", "map-instruction", instruction, false)}
                    {select("Input column", "map-input", input, true)}
                    {select("Output column", "map-output", output, false)}
                    <button type="button" on:click=move |_| on_map.run(())>"Import with this mapping"</button>
                </fieldset>
            }
        })
    }
}

/// Dataset text pasted by hand, with its format (or "detect").
#[component]
fn PasteBox(on_import: Callback<(String, Option<Format>)>) -> impl IntoView {
    let pasted = RwSignal::new(String::new());
    let paste_format = RwSignal::new("auto".to_string());
    let on_click = move |_| {
        let format = match paste_format.get_untracked().as_str() {
            "json" => Some(Format::JsonArray),
            "jsonl" => Some(Format::Jsonl),
            "csv" => Some(Format::Csv),
            _ => None,
        };
        on_import.run((pasted.get_untracked(), format));
    };
    view! {
        <div class="paste">
            <label class="field-label" for="ws-paste">"Paste dataset text"</label>
            <textarea
                id="ws-paste"
                rows="4"
                spellcheck="false"
                placeholder="[{\"instruction\": \"…\", \"input\": \"\", \"output\": \"…\"}] — or JSONL, or CSV with a header row"
                prop:value=move || pasted.get()
                on:input=move |ev| pasted.set(event_target_value(&ev))
            ></textarea>
            <div class="controls">
                <label class="field-label inline" for="ws-paste-format">"Format"</label>
                <select id="ws-paste-format" on:change=move |ev| paste_format.set(event_target_value(&ev))>
                    <option value="auto">"detect"</option>
                    <option value="json">"JSON array"</option>
                    <option value="jsonl">"JSONL"</option>
                    <option value="csv">"CSV"</option>
                </select>
                <button type="button" on:click=on_click>"Import pasted text"</button>
            </div>
        </div>
    }
}
