//! The scoreboard (every attempt: found or not, steps, hints, time — kept in this browser, exported for
//! the portfolio) and instructor mode: a drill pack with the dataset, the faults and the seed, which
//! students import so that the same seed plants the same faults for everyone.

use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use super::mismatch::Scenario;
use super::state::{chosen_or_current, version_options, DrillsCtx};
use crate::core::dataset::record::{Provenance, Record};
use crate::core::dataset::workspace::Transform;
use crate::core::drills::board::{title, Pack, PackRow, PACK_FORMAT};
use crate::core::drills::leak::LeakPlan;
use crate::core::drills::schema::DriftPlan;
use crate::ui::design::Section;
use crate::ui::services::workspace::{commit, hash_rows, now_iso, rows_of, Parent};
use crate::ui::widgets::checkbox::Checkbox;
use crate::web::files::{download, read_chosen_text};

#[component]
pub fn ScoreboardPanel() -> impl IntoView {
    let d = expect_context::<DrillsCtx>();
    let rows = move || {
        d.board.with(|b| {
            b.attempts
                .iter()
                .rev()
                .map(|a| {
                    let found = match a.found {
                        None => "open",
                        Some(true) => "found",
                        Some(false) => "not found",
                    };
                    view! {
                        <tr>
                            <td>{title(&a.drill).to_string()}</td>
                            <td class="num">{a.seed}</td>
                            <td class="mono">{a.started.chars().take(19).collect::<String>()}</td>
                            <td class=format!("found-{}", found.replace(' ', "-"))>{found}</td>
                            <td class="num">{a.steps}</td>
                            <td class="num">{a.hints}</td>
                            <td class="num">{a.seconds.map_or("—".to_string(), |s| format!("{s:.0} s"))}</td>
                            <td class="reason">{a.detail.clone()}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    let export_md = move |_| {
        let md = d.board.with_untracked(|b| b.to_markdown());
        if let Err(e) = download("drills-scoreboard.md", "text/markdown", md.as_bytes()) {
            d.ws.error(e);
        }
    };
    let export_json = move |_| {
        let js = d.board.with_untracked(|b| b.to_json());
        if let Err(e) = download("drills-scoreboard.json", "application/json", js.as_bytes()) {
            d.ws.error(e);
        }
    };
    view! {
        <Section title="Scoreboard" heading_id="drill-board-h">
            <p class="hint">"Every attempt at a drill, newest first: kept in this browser across reloads. Export it for your portfolio."</p>
            {move || d.board_note.get().map(|n| view! { <p class="note" role="status">{n}</p> })}
            {move || if d.board.with(|b| b.attempts.is_empty()) {
                view! { <p class="hint" data-testid="drill-board-empty">"No attempts yet: plant a fault in one of the drills above."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="quality" data-testid="drill-board">
                            <thead><tr>
                                <th scope="col">"Drill"</th><th scope="col">"Seed"</th><th scope="col">"Started"</th><th scope="col">"Found"</th>
                                <th scope="col">"Steps"</th><th scope="col">"Hints"</th><th scope="col">"Time"</th><th scope="col">"Outcome"</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <div class="controls">
                <button type="button" on:click=export_md>"Export scoreboard (Markdown)"</button>
                <button type="button" on:click=export_json>"Export scoreboard (JSON)"</button>
            </div>
        </Section>
    }
}

#[component]
pub fn InstructorPanel() -> impl IntoView {
    let d = expect_context::<DrillsCtx>();
    let version = RwSignal::new(String::new());
    let title_s = RwSignal::new("Failure drills".to_string());
    let seed = RwSignal::new(42u64);
    let with_schema = RwSignal::new(true);
    let with_leak = RwSignal::new(true);
    let with_tokens = RwSignal::new(true);
    let scenario = RwSignal::new(Scenario::ExtendedOnBase.id().to_string());
    let pack_ref = NodeRef::<html::Input>::new();

    let export = move |_| {
        let v = chosen_or_current(d, version);
        if v.is_empty() {
            d.ws.error("Choose the dataset version the class drills on.");
            return;
        }
        spawn_local(async move {
            let rows = match rows_of(d.ws, &v).await {
                Ok(r) => r,
                Err(e) => return d.ws.error(e),
            };
            let s = seed.get_untracked();
            let pack = Pack {
                format: PACK_FORMAT.into(),
                version: 1,
                title: title_s.get_untracked(),
                seed: s,
                created: now_iso(),
                rows: rows
                    .iter()
                    .map(|r| PackRow {
                        instruction: r.instruction.clone(),
                        input: r.input.clone(),
                        output: r.output.clone(),
                    })
                    .collect(),
                schema: with_schema.get_untracked().then(|| DriftPlan {
                    seed: s,
                    ..DriftPlan::default()
                }),
                leak: with_leak.get_untracked().then(|| LeakPlan {
                    seed: s,
                    ..LeakPlan::default()
                }),
                tokens: with_tokens
                    .get_untracked()
                    .then(|| scenario.get_untracked()),
            };
            if let Err(e) = Pack::from_json(&pack.to_json()) {
                return d.ws.error(e);
            }
            match download(
                "drill-pack.json",
                "application/json",
                pack.to_json().as_bytes(),
            ) {
                Ok(()) => d.ws.info(format!(
                    "Drill pack exported: {} rows of {v}, seed {s}.",
                    pack.rows.len()
                )),
                Err(e) => d.ws.error(e),
            }
        });
    };
    let import = move |_| {
        let Some(input) = pack_ref.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let (name, text) = match read_chosen_text(&input).await {
                None => return d.ws.error("Choose a drill pack file first."),
                Some(Err(e)) => return d.ws.error(e),
                Some(Ok(x)) => x,
            };
            let pack = match Pack::from_json(&text) {
                Ok(p) => p,
                Err(e) => return d.ws.error(format!("{name}: {e}")),
            };
            let rows: Vec<Record> = pack
                .rows
                .iter()
                .enumerate()
                .map(|(i, r)| Record {
                    instruction: r.instruction.clone(),
                    input: r.input.clone(),
                    output: r.output.clone(),
                    provenance: Provenance::file(&name, i + 1),
                })
                .collect();
            let job = d.ws.jobs.start("Hashing the pack's rows");
            let Some(hash) = hash_rows(job, &rows).await else {
                return;
            };
            job.end();
            let created = now_iso();
            let t = Transform {
                name: "drill-pack",
                params: json!({"pack": pack.title, "seed": pack.seed, "file": name}),
                created: &created,
                quarantined: 0,
                tokenizer: None,
                note: "",
                schema: None,
            };
            let n = rows.len();
            if let Some((v, _)) = commit(
                d.ws,
                rows,
                Vec::new(),
                t,
                Parent::Import {
                    hash,
                    match_content: true,
                },
            )
            .await
            {
                d.ws.info(format!("Drill pack \"{}\" loaded: {n} rows as version {}, seed {}. The drills above now plant its faults.", pack.title, v.id, pack.seed));
                d.pack.set(Some(Arc::new(pack)));
            }
        });
    };
    view! {
        <Section title="Instructor mode" heading_id="drill-instructor-h">
            <p class="hint">"Choose the dataset, the drills and a seed, and export one file for the class. A student imports it here: the rows become a version and every drill plants the pack's faults with the pack's seed — the same faults for everyone."</p>
            <div class="controls">
                <label class="field-label" for="pack-version">"Dataset version"</label>
                <select id="pack-version" on:change=move |ev| version.set(event_target_value(&ev))>
                    <option value="">"— choose —"</option>
                    {version_options(d.ws, version)}
                </select>
                <label class="field-label" for="pack-title">"Title"</label>
                <input id="pack-title" type="text" prop:value=move || title_s.get() on:input=move |ev| title_s.set(event_target_value(&ev)) />
                <label class="field-label" for="pack-seed">"Pack seed"</label>
                <input id="pack-seed" type="number" min="0" step="1" prop:value=move || seed.get().to_string()
                    on:change=move |ev| if let Ok(v) = event_target_value(&ev).parse() { seed.set(v) } />
            </div>
            <div class="controls">
                <Checkbox value=with_schema label="Schema drift" />
                <Checkbox value=with_leak label="Duplicate leakage" />
                <Checkbox value=with_tokens label="Tokenizer mismatch" />
                <label class="field-label" for="pack-scenario">"Tokenizer scenario"</label>
                <select id="pack-scenario" on:change=move |ev| scenario.set(event_target_value(&ev))>
                    {Scenario::ALL.into_iter().map(|s| view! { <option value=s.id()>{s.id()}</option> }).collect_view()}
                </select>
                <button type="button" class="primary" on:click=export disabled=move || d.ws.jobs.is_busy()>"Export drill pack"</button>
            </div>
            <div class="controls">
                <label class="field-label" for="pack-file">"Drill pack"</label>
                <input id="pack-file" type="file" accept=".json,application/json" node_ref=pack_ref />
                <button type="button" on:click=import disabled=move || d.ws.jobs.is_busy()>"Import drill pack"</button>
            </div>
            {move || d.pack.get().map(|p| view! {
                <p class="note" data-testid="drill-pack-loaded">{format!(
                    "Pack \"{}\" (seed {}): {}.", p.title, p.seed,
                    [p.schema.as_ref().map(|_| "schema drift"), p.leak.as_ref().map(|_| "duplicate leakage"), p.tokens.as_ref().map(|_| "tokenizer mismatch")]
                        .into_iter().flatten().collect::<Vec<_>>().join(", ")
                )}</p>
            })}
        </Section>
    }
}
