//! The preview table of the current version: paging (so 50k rows stay fast: only one page is ever in
//! the DOM), search and filter (scanned in slices), a row editor, and "keep only matching rows" as a
//! filter transform.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::dataset::record::Record;
use crate::core::dataset::search::{RowFilter, Scope, Search};
use crate::core::dataset::transform::{edit_fields, filter_rows, remove_row, FIELDS};
use crate::ui::design::Section;
use crate::ui::services::workspace::{derive, use_workspace, Ctx};
use crate::ui::widgets::outcome::Outcome;
use crate::web::tick::{sleep, Slice};

/// Characters of a field shown in a table cell (the editor shows all).
const CELL_CHARS: usize = 240;

fn clip(s: &str) -> String {
    crate::core::dataset::record::clip(s, CELL_CHARS)
}

fn provenance(r: &Record) -> String {
    let mut s = r.provenance.source.clone();
    if let Some(l) = r.provenance.line {
        s.push_str(&format!(", line {l}"));
    }
    if let Some(n) = &r.provenance.note {
        s.push_str(&format!(" — {n}"));
    }
    s
}

#[component]
pub fn PreviewPanel() -> impl IntoView {
    let ctx = use_workspace();
    let text = RwSignal::new(String::new());
    let scope = RwSignal::new(Scope::All);
    let filter = RwSignal::new(RowFilter::Any);
    let page = RwSignal::new(0usize);
    let per_page = RwSignal::new(25usize);
    // Indices of matching rows; None = every row.
    let matches = RwSignal::new(None::<Arc<Vec<usize>>>);
    let scanning = RwSignal::new(None::<f64>);
    let editing = RwSignal::new(None::<usize>);
    let edit_msg = RwSignal::new(None::<Result<String, String>>);

    let search = move || Search {
        text: text.get_untracked(),
        scope: scope.get_untracked(),
        filter: filter.get_untracked(),
    };

    scan_on_change(ctx, text, scope, filter, page, matches, scanning);

    let total_shown = move || {
        matches.with(|m| match m {
            Some(m) => m.len(),
            None => ctx.rows.with(|r| r.len()),
        })
    };
    let pages = move || total_shown().div_ceil(per_page.get()).max(1);
    let page_rows = move || {
        let (p, n) = (page.get(), per_page.get());
        let rows = ctx.rows.get();
        let idx: Vec<usize> = matches.with(|m| match m {
            Some(m) => m.iter().skip(p * n).take(n).copied().collect(),
            None => (p * n..((p + 1) * n).min(rows.len())).collect(),
        });
        idx.into_iter()
            .filter_map(|i| rows.get(i).map(|r| (i, r.clone())))
            .collect::<Vec<_>>()
    };

    let keep_matching = move |_| {
        let s = search();
        if s.is_everything() {
            return;
        }
        let rows = ctx.rows.get_untracked();
        spawn_local(async move {
            let (kept, params) = filter_rows(&rows, &s);
            let n = kept.len();
            let q = ctx.quarantine.get_untracked().as_ref().clone();
            if let Some(v) = derive(ctx, "filter", params, kept, q).await {
                ctx.info(format!(
                    "Kept {n} of {} rows ({}): version {}.",
                    rows.len(),
                    s.describe(),
                    v.id
                ));
                text.set(String::new());
                filter.set(RowFilter::Any);
            }
        });
    };

    view! {
        <Section title="Rows of the current version" heading_id="preview-h">
            <div class="controls">
                <label class="field-label inline" for="ws-search">"Search rows"</label>
                <input
                    id="ws-search"
                    type="search"
                    placeholder="text to find"
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                />
                <label class="field-label inline" for="ws-scope">"in"</label>
                <select id="ws-scope" on:change=move |ev| scope.set(Scope::from_id(&event_target_value(&ev)))>
                    {Scope::ALL.into_iter().map(|s| view! { <option value=s.id() selected=move || scope.get() == s>{s.label()}</option> }).collect_view()}
                </select>
                <label class="field-label inline" for="ws-filter">"Show"</label>
                <select id="ws-filter" on:change=move |ev| filter.set(RowFilter::from_id(&event_target_value(&ev)))>
                    {RowFilter::ALL.into_iter().map(|f| view! { <option value=f.id() selected=move || filter.get() == f>{f.label()}</option> }).collect_view()}
                </select>
                <button
                    type="button"
                    on:click=keep_matching
                    disabled=move || text.get().is_empty() && filter.get() == RowFilter::Any
                    title="Make a new version with only the rows shown"
                >
                    "Keep only these rows"
                </button>
            </div>
            {move || scanning.get().map(|p| view! { <progress class="progress" max="100" value=(p * 100.0).round() aria-label="Searching rows"></progress> })}
            <p class="hint" data-testid="preview-count">
                {move || {
                    let n = total_shown();
                    let all = ctx.rows.with(|r| r.len());
                    let (p, k) = (page.get(), per_page.get());
                    let from = if n == 0 { 0 } else { p * k + 1 };
                    let to = ((p + 1) * k).min(n);
                    if matches.with(|m| m.is_some()) {
                        format!("Rows {from}–{to} of {n} matching (of {all}).")
                    } else {
                        format!("Rows {from}–{to} of {all}.")
                    }
                }}
            </p>
            <RowsTable page_rows=Signal::derive(page_rows) editing=editing edit_msg=edit_msg />
            <Pager page=page per_page=per_page pages=Signal::derive(pages) />
            {move || editing.get().map(|i| view! { <RowEditor index=i editing=editing msg=edit_msg /> })}
            <Outcome msg=edit_msg />
        </Section>
    }
}

/// Edits one row; saving makes an `edit` version, removing a `remove` version.
#[component]
fn RowEditor(
    index: usize,
    editing: RwSignal<Option<usize>>,
    msg: RwSignal<Option<Result<String, String>>>,
) -> impl IntoView {
    let ctx = use_workspace();
    let Some(row) = ctx.rows.with_untracked(|r| r.get(index).cloned()) else {
        return ().into_any();
    };
    let values = FIELDS.map(|f| {
        RwSignal::new(match f {
            "instruction" => row.instruction.clone(),
            "input" => row.input.clone(),
            _ => row.output.clone(),
        })
    });
    let confirm_remove = RwSignal::new(false);
    let save = move |_| {
        let rows = ctx.rows.get_untracked();
        let texts: Vec<String> = values.iter().map(|v| v.get_untracked()).collect();
        let pairs: Vec<(&str, &str)> = FIELDS
            .iter()
            .zip(&texts)
            .map(|(f, t)| (*f, t.as_str()))
            .collect();
        let (current, last_params) = match edit_fields(&rows, index, &pairs) {
            Ok(x) => x,
            Err(e) => {
                msg.set(Some(Err(e)));
                return;
            }
        };
        // edit_fields names what it changed: "field" for one, "fields" for several.
        let changed: Vec<String> = match (&last_params["field"], &last_params["fields"]) {
            (serde_json::Value::String(f), _) => vec![f.clone()],
            (_, serde_json::Value::Array(fs)) => fs
                .iter()
                .filter_map(|f| f.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        spawn_local(async move {
            let q = ctx.quarantine.get_untracked().as_ref().clone();
            if let Some(v) = derive(ctx, "edit", last_params, current, q).await {
                msg.set(Some(Ok(format!(
                    "Row {} edited ({}): version {}.",
                    index + 1,
                    changed.join(", "),
                    v.id
                ))));
                editing.set(None);
            }
        });
    };
    let remove = move |_| {
        if !confirm_remove.get_untracked() {
            confirm_remove.set(true);
            return;
        }
        let rows = ctx.rows.get_untracked();
        let Ok((next, params)) = remove_row(&rows, index) else {
            return;
        };
        spawn_local(async move {
            let q = ctx.quarantine.get_untracked().as_ref().clone();
            if let Some(v) = derive(ctx, "remove", params, next, q).await {
                msg.set(Some(Ok(format!(
                    "Row {} removed: version {} (the previous version still has it).",
                    index + 1,
                    v.id
                ))));
                editing.set(None);
            }
        });
    };
    let fields = FIELDS
        .iter()
        .enumerate()
        .map(|(k, f)| {
            let id = format!("edit-{f}");
            let sig = values[k];
            view! {
                <label class="field-label" for=id.clone()>{*f}</label>
                <textarea id=id rows="4" prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev))></textarea>
            }
        })
        .collect_view();
    view! {
        <div class="editor" role="group" aria-label=format!("Edit row {}", index + 1)>
            <h3>{format!("Row {} · {}", index + 1, provenance(&row))}</h3>
            {fields}
            <div class="controls">
                <button type="button" on:click=save>"Save as new version"</button>
                <button type="button" class="danger" on:click=remove>
                    {move || if confirm_remove.get() { "Really remove this row?" } else { "Remove row" }}
                </button>
                <button type="button" on:click=move |_| editing.set(None)>"Close"</button>
            </div>
        </div>
    }
    .into_any()
}

/// One page of rows, each with its provenance and an Edit button.
#[component]
fn RowsTable(
    page_rows: Signal<Vec<(usize, Record)>>,
    editing: RwSignal<Option<usize>>,
    edit_msg: RwSignal<Option<Result<String, String>>>,
) -> impl IntoView {
    let ctx = use_workspace();
    move || {
        let rows = page_rows.get();
        if rows.is_empty() {
            return view! { <p class="hint">{move || if ctx.rows.with(|r| r.is_empty()) { "No rows yet: import a dataset above." } else { "No row matches the search." }}</p> }.into_any();
        }
        let body = rows
            .into_iter()
            .map(|(i, r)| {
                let prov = provenance(&r);
                view! {
                    <tr class:selected=move || editing.get() == Some(i)>
                        <td class="num">{i + 1}</td>
                        <td class="cell">{clip(&r.instruction)}</td>
                        <td class="cell">{clip(&r.input)}</td>
                        <td class="cell">{clip(&r.output)}</td>
                        <td class="prov">{prov}</td>
                        <td>
                            <button
                                type="button"
                                aria-label=format!("Edit row {}", i + 1)
                                on:click=move |_| {
                                    edit_msg.set(None);
                                    editing.set(Some(i));
                                }
                            >
                                "Edit"
                            </button>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap">
                <table class="data rows" data-testid="preview-table">
                    <thead>
                        <tr>
                            <th scope="col">"#"</th>
                            <th scope="col">"instruction"</th>
                            <th scope="col">"input"</th>
                            <th scope="col">"output"</th>
                            <th scope="col">"provenance"</th>
                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        }
        .into_any()
    }
}

/// Previous / next page and the page size.
#[component]
fn Pager(page: RwSignal<usize>, per_page: RwSignal<usize>, pages: Signal<usize>) -> impl IntoView {
    view! {
    <div class="controls pager">
        <button type="button" on:click=move |_| page.update(|p| *p = p.saturating_sub(1)) disabled=move || page.get() == 0>
            "Previous page"
        </button>
        <span>{move || format!("Page {} of {}", page.get() + 1, pages.get())}</span>
        <button type="button" on:click=move |_| page.update(|p| *p += 1) disabled=move || { page.get() + 1 >= pages.get() }>
            "Next page"
        </button>
        <label class="field-label inline" for="ws-per-page">"Rows per page"</label>
        <select id="ws-per-page" on:change=move |ev| {
            per_page.set(event_target_value(&ev).parse().unwrap_or(25));
            page.set(0);
        }>
            {[10usize, 25, 50, 100].into_iter().map(|n| view! { <option value=n.to_string() selected=move || per_page.get() == n>{n}</option> }).collect_view()}
        </select>
    </div>
    }
}

/// Scans the rows again when the search or the rows change (typing waits for a short pause), in slices; a
/// newer search stops an older scan. `matches` is None while everything matches.
fn scan_on_change(
    ctx: Ctx,
    text: RwSignal<String>,
    scope: RwSignal<Scope>,
    filter: RwSignal<RowFilter>,
    page: RwSignal<usize>,
    matches: RwSignal<Option<Arc<Vec<usize>>>>,
    scanning: RwSignal<Option<f64>>,
) {
    let search_run = StoredValue::new(0u64);
    let search = move || Search {
        text: text.get_untracked(),
        scope: scope.get_untracked(),
        filter: filter.get_untracked(),
    };
    Effect::new(move |_| {
        text.track();
        scope.track();
        filter.track();
        let rows = ctx.rows.get();
        search_run.update_value(|r| *r += 1);
        let mine = search_run.get_value();
        page.set(0);
        let s = search();
        if s.is_everything() {
            matches.set(None);
            scanning.set(None);
            return;
        }
        spawn_local(async move {
            sleep(120).await;
            if search_run.try_get_value() != Some(mine) {
                return;
            }
            let mut m = s.matcher();
            let mut hits = Vec::new();
            let mut slice = Slice::new();
            for (i, r) in rows.iter().enumerate() {
                if m.matches(r) {
                    hits.push(i);
                }
                if i % 256 == 0 && slice.due() {
                    scanning.set(Some(i as f64 / rows.len() as f64));
                    slice.pause().await;
                    if search_run.try_get_value() != Some(mine) {
                        return;
                    }
                }
            }
            scanning.set(None);
            matches.set(Some(Arc::new(hits)));
        });
    });
}
