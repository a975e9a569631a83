//! The schema-drift drill: the lab writes a drifted export of a version (a field renamed, `input` turned
//! into a list, a new field, some nulls) with a seed. Imported as a pipeline would, it breaks; the student
//! finds out why with the import's own reports, pins a schema contract on the lineage, writes the field
//! mapping that brings the file back under it, and imports with the mapping. Contract and mapping are
//! stored with the versions they made, and every later import into the lineage is checked against the
//! contract, violations named per field.

use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use super::state::{
    child_version, chosen_or_current, current_by_default, version_options, DrillsCtx,
};
use crate::core::dataset::contract::{check, suggest, Contract, Mapping, Violation};
use crate::core::dataset::parse::{detect, parse_rows, CsvMapping, RawRow};
use crate::core::dataset::record::Record;
use crate::core::dataset::validate::{drift, schema_of, validate, FIELDS};
use crate::core::dataset::workspace::Transform;
use crate::core::drills::schema::{drifted_export, recovery, DriftPlan, Planted};
use crate::ui::design::Section;
use crate::ui::services::workspace::{commit, now_iso, rows_of, switch_to, Parent};
use crate::web::files::{download, read_chosen_text};

const DRILL: &str = "schema-drift";

#[derive(Clone)]
struct Drift {
    source: String,
    seed: u64,
    original: Arc<Vec<Record>>,
    planted: Planted,
    /// The file to import: the drifted export, or the file the student picked.
    name: String,
    rows: Arc<Vec<RawRow>>,
    text: Arc<String>,
}

/// What a plain import of the file gives, and how its schema differs from the source's.
#[derive(Clone)]
struct Naive {
    imported: usize,
    quarantined: usize,
    reasons: Vec<(String, usize)>,
    drift: Vec<String>,
}

fn violations_view(v: &[Violation], testid: &'static str) -> impl IntoView {
    if v.is_empty() {
        return view! { <p class="note ok" data-testid=testid data-count="0">"No violations: every row meets the contract."</p> }.into_any();
    }
    let n = v.len();
    let rows = v
        .iter()
        .map(|x| {
            view! {
                <tr>
                    <td class="mono">{if x.field.is_empty() { "(row)".to_string() } else { x.field.clone() }}</td>
                    <td>{x.code.clone()}</td>
                    <td class="num">{x.rows}</td>
                    <td class="mono">{x.lines.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")}</td>
                    <td class="reason">{x.message.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="quality" data-testid=testid data-count=n.to_string()>
                <thead><tr><th scope="col">"Field"</th><th scope="col">"Violation"</th><th scope="col">"Rows"</th><th scope="col">"First lines"</th><th scope="col">"What to do"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The contract pinned on `id`'s lineage, and the version it was pinned on.
fn contract_of(d: DrillsCtx, id: &str) -> Option<(String, Contract)> {
    d.ws.ws.with_untracked(|w| w.contract_of(id))
}

#[component]
pub fn SchemaDrillPanel() -> impl IntoView {
    let d = expect_context::<DrillsCtx>();
    let source = current_by_default(d);
    let seed = RwSignal::new(7u64);
    let drifted = RwSignal::new(None::<Arc<Drift>>);
    let naive = RwSignal::new(None::<Naive>);
    let pinned = RwSignal::new(None::<(String, Contract)>);
    let mapping_text = RwSignal::new(String::new());
    let mapping_error = RwSignal::new(None::<String>);
    let after = RwSignal::new(None::<Vec<Violation>>);
    let result = RwSignal::new(None::<String>);
    let file_ref = NodeRef::<html::Input>::new();
    let hint = RwSignal::new(0usize);
    let busy = move || d.ws.jobs.is_busy();

    let plant = move |_| {
        let src = chosen_or_current(d, source);
        if src.is_empty() {
            d.ws.error(
                "Choose the version to export (import a dataset in the workspace lab first).",
            );
            return;
        }
        let pack = d
            .pack
            .with_untracked(|p| p.as_ref().and_then(|p| p.schema.clone()));
        let plan = pack.unwrap_or(DriftPlan {
            seed: d.seed(seed.get_untracked()),
            ..DriftPlan::default()
        });
        spawn_local(async move {
            let rows = match rows_of(d.ws, &src).await {
                Ok(r) => r,
                Err(e) => return d.ws.error(e),
            };
            if rows.is_empty() {
                return d.ws.error(format!("{src} has no rows."));
            }
            let (text, planted) = drifted_export(&rows, &plan);
            let parsed = match parse_rows(
                &text,
                detect(&text, Some("drifted.jsonl")),
                &CsvMapping::default(),
            ) {
                Ok(r) => r,
                Err(e) => return d.ws.error(e.to_string()),
            };
            d.start(DRILL, plan.seed);
            naive.set(None);
            after.set(None);
            result.set(None);
            hint.set(0);
            pinned.set(contract_of(d, &src));
            drifted.set(Some(Arc::new(Drift {
                source: src.clone(),
                seed: plan.seed,
                original: rows,
                planted,
                name: format!("drifted-{src}.jsonl"),
                rows: Arc::new(parsed),
                text: Arc::new(text),
            })));
            d.ws.info(format!("A drifted export of {src} is ready (seed {}). Import it below as your pipeline would.", plan.seed));
        });
    };
    let import_naive = move |_| {
        let Some(dr) = drifted.get_untracked() else {
            return;
        };
        let input = file_ref.get_untracked();
        spawn_local(async move {
            // A file the student picked replaces the drifted export (e.g. the downloaded one, edited).
            let mut dr = (*dr).clone();
            if let Some(input) = input {
                match read_chosen_text(&input).await {
                    Some(Ok((name, text))) => {
                        match parse_rows(&text, detect(&text, Some(&name)), &CsvMapping::default())
                        {
                            Ok(rows) => {
                                dr.name = name;
                                dr.rows = Arc::new(rows);
                                dr.text = Arc::new(text);
                            }
                            Err(e) => return d.ws.error(format!("{name}: {e}")),
                        }
                    }
                    Some(Err(e)) => return d.ws.error(e),
                    None => {}
                }
            }
            d.step(DRILL);
            let v = validate(dr.rows.as_ref().clone(), &dr.name);
            let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
            for q in &v.quarantined {
                for i in &q.issues {
                    *reasons
                        .entry(format!(
                            "{}{}",
                            i.field
                                .as_ref()
                                .map(|f| format!("\"{f}\": "))
                                .unwrap_or_default(),
                            i.problem.code()
                        ))
                        .or_default() += 1;
                }
            }
            let src_schema =
                d.ws.ws
                    .with_untracked(|w| w.get(&dr.source).map(|v| v.schema.clone()))
                    .unwrap_or_default();
            naive.set(Some(Naive {
                imported: v.records.len(),
                quarantined: v.quarantined.len(),
                reasons: reasons.into_iter().collect(),
                drift: drift(&src_schema, &schema_of(&dr.rows)),
            }));
            if let Some((_, c)) = pinned.get_untracked() {
                after.set(Some(check(&c, &dr.rows)));
            }
            drifted.set(Some(Arc::new(dr)));
        });
    };
    let pin = move |_| {
        let Some(dr) = drifted.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let schema =
                d.ws.ws
                    .with_untracked(|w| w.get(&dr.source).map(|v| v.schema.clone()))
                    .unwrap_or_default();
            let required: Vec<&str> = FIELDS.iter().copied().filter(|f| *f != "input").collect();
            let contract = if schema.is_empty() {
                Contract::record()
            } else {
                Contract::from_schema(&schema, &required)
            };
            let rows = dr.original.as_ref().clone();
            let params = json!({"drill": DRILL, "contract": contract});
            let Some(v) = child_version(d.ws, &dr.source, "contract", params, rows).await else {
                return;
            };
            d.step(DRILL);
            after.set(Some(check(&contract, &dr.rows)));
            d.ws.info(format!(
                "Contract pinned on the lineage as version {}: {}.",
                v.id,
                contract.describe().join("; ")
            ));
            pinned.set(Some((v.id, contract)));
        });
    };
    let mapping = move || -> Option<Mapping> {
        match Mapping::parse(&mapping_text.get_untracked()) {
            Ok(m) => {
                mapping_error.set(None);
                Some(m)
            }
            Err(e) => {
                mapping_error.set(Some(e));
                None
            }
        }
    };
    let try_mapping = move |_| {
        let (Some(dr), Some((_, c))) = (drifted.get_untracked(), pinned.get_untracked()) else {
            return;
        };
        let Some(m) = mapping() else { return };
        d.step(DRILL);
        let mapped: Vec<RawRow> = dr.rows.iter().map(|r| m.apply(r)).collect();
        after.set(Some(check(&c, &mapped)));
    };
    let suggest_click = move |_| {
        let (Some(dr), Some((_, c))) = (drifted.get_untracked(), pinned.get_untracked()) else {
            d.ws.error("Pin the contract first: a mapping maps the file onto it.");
            return;
        };
        d.hint(DRILL);
        mapping_text.set(suggest(&c, &dr.rows).to_text());
    };
    let import_mapped = move |_| {
        let (Some(dr), Some((cid, c))) = (drifted.get_untracked(), pinned.get_untracked()) else {
            return;
        };
        let Some(m) = mapping() else { return };
        spawn_local(async move {
            let mapped: Vec<RawRow> = dr.rows.iter().map(|r| m.apply(r)).collect();
            let violations = check(&c, &mapped);
            let v = validate(mapped, &dr.name);
            let rec = recovery(&dr.original, &v.records);
            let (records, quarantine) = (v.records, v.quarantined);
            if d.ws.current_id().as_deref() != Some(cid.as_str()) {
                switch_to(d.ws, &cid).await;
            }
            let created = now_iso();
            let t = Transform {
                name: "import-mapped",
                params: json!({
                    "drill": DRILL, "file": dr.name, "contract_version": cid, "mapping": m,
                    "planted": {"seed": dr.seed, "faults": dr.planted.faults, "null_inputs": dr.planted.null_inputs, "null_outputs": dr.planted.null_outputs},
                    "violations": violations.iter().map(|x| json!({"field": x.field, "code": x.code, "rows": x.rows})).collect::<Vec<_>>(),
                }),
                created: &created,
                quarantined: quarantine.len(),
                tokenizer: None,
                note: "imported with a field mapping, checked against the lineage's contract",
                schema: Some(schema_of(&dr.rows)),
            };
            let Some((ver, _)) = commit(d.ws, records, quarantine, t, Parent::Current).await else {
                return;
            };
            d.step(DRILL);
            let nulls: std::collections::BTreeSet<usize> = dr
                .planted
                .null_inputs
                .iter()
                .chain(&dr.planted.null_outputs)
                .copied()
                .collect();
            let unexplained: Vec<usize> = rec
                .changed
                .iter()
                .chain(&rec.missing)
                .copied()
                .filter(|i| !nulls.contains(i))
                .collect();
            let only_nulls = violations.iter().all(|x| x.code == "null");
            let found = unexplained.is_empty() && only_nulls;
            let detail = format!(
                "{} of {} rows recovered unchanged as {}; {} lost to planted nulls{}{}",
                rec.same,
                dr.original.len(),
                ver.id,
                rec.changed.len() + rec.missing.len() - unexplained.len(),
                if unexplained.is_empty() {
                    String::new()
                } else {
                    format!("; {} rows differ for another reason", unexplained.len())
                },
                if only_nulls {
                    String::new()
                } else {
                    format!(
                        "; {} violations left besides nulls",
                        violations.iter().filter(|x| x.code != "null").count()
                    )
                },
            );
            d.finish(DRILL, found, &detail);
            after.set(Some(violations));
            result.set(Some(detail));
        });
    };
    let hints = [
        "Import the file and read why rows were quarantined, and the schema drift against the source: which fields are new, which are gone, which changed type?",
        "Pin the contract: it writes down what the lineage's rows must look like, and names every violation per field.",
        "A mapping is a few lines: `rename response -> output`, `join input with \" \"`, `drop source`. \"Suggest a mapping\" proposes one from the violations (it counts as a hint).",
    ];
    view! {
        <Section title="Drill: schema drift" heading_id="drill-schema-h">
            <p class="hint">"An upstream export changes shape without warning: a field renamed, a string turned into a list, a new field, some nulls. The lab writes such an export of your version with a seed. Import it, find out what changed, and recover so that the next drifted file is caught at the door."</p>
            <div class="controls">
                <label class="field-label" for="schema-source">"Version to export"</label>
                <select id="schema-source" on:change=move |ev| source.set(event_target_value(&ev))>
                    <option value="">"— choose —"</option>
                    {version_options(d.ws, source)}
                </select>
                <label class="field-label" for="schema-seed">"Seed"</label>
                <input id="schema-seed" type="number" min="0" step="1" prop:value=move || seed.get().to_string()
                    on:change=move |ev| if let Ok(v) = event_target_value(&ev).parse() { seed.set(v) } />
                <button type="button" class="primary" on:click=plant disabled=busy>"Make a drifted export"</button>
                <button type="button" on:click=move |_| { d.hint(DRILL); hint.update(|h| *h = (*h + 1).min(hints.len())); } aria-label="Show a hint for the schema-drift drill" disabled=move || { hint.get() >= hints.len() }>"Show a hint"</button>
            </div>
            <ol class="hints">{move || hints.iter().take(hint.get()).map(|h| view! { <li>{*h}</li> }).collect_view()}</ol>
            {move || drifted.get().map(|dr| {
                let text = dr.text.clone();
                let name = dr.name.clone();
                view! {
                    <p class="note" data-testid="schema-drifted">{format!("{}: {} lines. Nothing in it says what changed.", dr.name, dr.rows.len())}</p>
                    <div class="controls">
                        <button type="button" on:click=move |_| if let Err(e) = download(&name, "application/jsonl", text.as_bytes()) { d.ws.error(e) }>"Download the drifted file"</button>
                        <label class="field-label" for="schema-file">"Or import another file"</label>
                        <input id="schema-file" type="file" accept=".jsonl,.json,.csv" node_ref=file_ref />
                        <button type="button" on:click=import_naive disabled=busy>"Import the file"</button>
                    </div>
                }
            })}
            {move || naive.get().map(|n| view! {
                <div class="stats">
                    <div class="stat"><span class="stat-label">"Rows imported"</span><span class="stat-value" data-testid="schema-imported">{n.imported}</span></div>
                    <div class="stat"><span class="stat-label">"Rows quarantined"</span><span class="stat-value" data-testid="schema-quarantined">{n.quarantined}</span></div>
                </div>
                <ul class="findings">{n.reasons.iter().map(|(r, k)| view! { <li>{format!("{k} rows: {r}")}</li> }).collect_view()}</ul>
                <h3>"Schema drift against the source version"</h3>
                <ul class="findings" data-testid="schema-drift">{n.drift.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view()}</ul>
                <button type="button" class="primary" on:click=pin disabled=move || busy() || pinned.with(Option::is_some)>"Pin a schema contract on the lineage"</button>
            })}
            {move || pinned.get().map(|(id, c)| view! {
                <h3>{format!("Contract of the lineage (pinned on {id})")}</h3>
                <ul class="findings mono" data-testid="schema-contract">{c.describe().into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
                <label class="field-label" for="schema-mapping">"Field mapping"</label>
                <textarea id="schema-mapping" rows="4" class="mono" placeholder="rename response -> output"
                    prop:value=move || mapping_text.get() on:input=move |ev| mapping_text.set(event_target_value(&ev))></textarea>
                {move || mapping_error.get().map(|e| view! { <div class="error" role="alert">{e}</div> })}
                <div class="controls">
                    <button type="button" on:click=suggest_click>"Suggest a mapping"</button>
                    <button type="button" on:click=try_mapping disabled=busy>"Check with the mapping"</button>
                    <button type="button" class="primary" on:click=import_mapped disabled=busy>"Import with the mapping"</button>
                </div>
            })}
            {move || after.get().map(|v| view! {
                <h3>"Violations of the contract"</h3>
                {violations_view(&v, "schema-violations")}
            })}
            {move || result.get().map(|r| view! { <p class="note ok" data-testid="schema-result">{r}</p> })}
        </Section>
    }
}
