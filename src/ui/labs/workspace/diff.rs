//! Diff of any two versions: rows added, removed and changed, with a word diff of each changed field.
//! Rows are matched by content first (so moved rows are not "changed"), then by instruction, then by
//! position (see `core::dataset::diff`); word diffs are computed only for the page shown.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::dataset::diff::{diff_rows, DiffSummary, Row, RowChange};
use crate::core::dataset::record::Record;
use crate::core::dataset::transform::FIELDS;
use crate::ui::design::Section;
use crate::ui::services::workspace::{rows_of, use_workspace};
use crate::ui::widgets::word_diff::inline_word_diff;

/// Changes shown per page.
const PER_PAGE: usize = 20;

struct Diffed {
    old_id: String,
    new_id: String,
    old: Arc<Vec<Record>>,
    new: Arc<Vec<Record>>,
    /// Only the differences (unchanged rows are counted, not listed).
    changes: Vec<RowChange>,
    summary: DiffSummary,
}

fn fields(r: &Record) -> [&str; 3] {
    [r.instruction.as_str(), r.input.as_str(), r.output.as_str()]
}

fn row_fields(r: &Record) -> AnyView {
    FIELDS
        .iter()
        .zip(fields(r))
        .filter(|(_, t)| !t.is_empty())
        .map(|(f, t)| view! { <div class="diff-field"><span class="field-name">{*f}": "</span>{t.to_string()}</div> })
        .collect_view()
        .into_any()
}

#[component]
pub fn DiffPanel() -> impl IntoView {
    let ctx = use_workspace();
    let old_id = RwSignal::new(String::new());
    let new_id = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Arc<Diffed>>);
    let error = RwSignal::new(None::<String>);
    let page = RwSignal::new(0usize);

    // Default: the current version against its parent.
    Effect::new(move |_| {
        let (cur, parent) = ctx.ws.with(|w| {
            let c = w.current_version();
            (c.map(|v| v.id.clone()), c.and_then(|v| v.parent.clone()))
        });
        if let Some(c) = cur {
            new_id.set(c);
            old_id.set(parent.unwrap_or_default());
        }
    });

    let compare = move |_| {
        let (a, b) = (old_id.get_untracked(), new_id.get_untracked());
        if a.is_empty() || b.is_empty() {
            error.set(Some("Choose two versions to compare.".into()));
            return;
        }
        error.set(None);
        spawn_local(async move {
            let (old, new) = match (rows_of(ctx, &a).await, rows_of(ctx, &b).await) {
                (Ok(o), Ok(n)) => (o, n),
                (Err(e), _) | (_, Err(e)) => {
                    error.set(Some(e));
                    return;
                }
            };
            let old_rows: Vec<Row> = old
                .iter()
                .map(|r| Row {
                    key: None,
                    fields: fields(r),
                })
                .collect();
            let new_rows: Vec<Row> = new
                .iter()
                .map(|r| Row {
                    key: None,
                    fields: fields(r),
                })
                .collect();
            let (changes, summary) = diff_rows(&old_rows, &new_rows);
            let changes = changes
                .into_iter()
                .filter(|c| !matches!(c, RowChange::Unchanged { .. }))
                .collect();
            drop((old_rows, new_rows));
            page.set(0);
            result.set(Some(Arc::new(Diffed {
                old_id: a,
                new_id: b,
                old,
                new,
                changes,
                summary,
            })));
        });
    };

    let options = move |sig: RwSignal<String>| {
        ctx.ws.with(|w| {
            w.versions
                .iter()
                .map(|v| {
                    let id = v.id.clone();
                    let id2 = id.clone();
                    view! { <option value=id.clone() selected=move || sig.get() == id2>{format!("{} ({}, {} rows)", id, v.transform, v.rows)}</option> }
                })
                .collect_view()
        })
    };

    let shown = move || {
        let d = result.get()?;
        let s = d.summary;
        let p = page.get();
        let pages = d.changes.len().div_ceil(PER_PAGE).max(1);
        let items = d
            .changes
            .iter()
            .skip(p * PER_PAGE)
            .take(PER_PAGE)
            .map(|c| match c {
                RowChange::Added { new_index } => view! {
                    <li class="diff-added"><span class="badge">"added"</span>{format!(" new row {}", new_index + 1)}{row_fields(&d.new[*new_index])}</li>
                }.into_any(),
                RowChange::Removed { old_index } => view! {
                    <li class="diff-removed"><span class="badge">"removed"</span>{format!(" old row {}", old_index + 1)}{row_fields(&d.old[*old_index])}</li>
                }.into_any(),
                RowChange::Changed { old_index, new_index, fields: changed } => {
                    let (o, n) = (&d.old[*old_index], &d.new[*new_index]);
                    let (of, nf) = (fields(o), fields(n));
                    let parts = changed
                        .iter()
                        .map(|&k| view! { <div class="diff-field"><span class="field-name">{FIELDS[k]}": "</span>{inline_word_diff(of[k], nf[k])}</div> })
                        .collect_view();
                    view! {
                        <li class="diff-changed"><span class="badge">"changed"</span>{format!(" row {} → {}", old_index + 1, new_index + 1)}{parts}</li>
                    }.into_any()
                }
                RowChange::Unchanged { .. } => ().into_any(),
            })
            .collect_view();
        Some(view! {
            <p data-testid="diff-summary">
                {format!(
                    "{} → {}: {} added, {} removed, {} changed, {} unchanged.",
                    d.old_id, d.new_id, s.added, s.removed, s.changed, s.unchanged
                )}
            </p>
            <ol class="diff">{items}</ol>
            {(pages > 1).then(|| view! {
                <div class="controls pager">
                    <button type="button" on:click=move |_| page.update(|p| *p = p.saturating_sub(1)) disabled=move || page.get() == 0>"Previous changes"</button>
                    <span>{format!("Page {} of {pages}", p + 1)}</span>
                    <button type="button" on:click=move |_| page.update(|p| *p += 1) disabled=move || { page.get() + 1 >= pages }>"Next changes"</button>
                </div>
            })}
        })
    };

    view! {
        <Section title="Compare two versions" heading_id="diff-h">
            <div class="controls">
                <label class="field-label inline" for="diff-old">"Old version"</label>
                <select id="diff-old" on:change=move |ev| old_id.set(event_target_value(&ev))>
                    <option value="" selected=move || old_id.get().is_empty()>"(choose)"</option>
                    {move || options(old_id)}
                </select>
                <label class="field-label inline" for="diff-new">"New version"</label>
                <select id="diff-new" on:change=move |ev| new_id.set(event_target_value(&ev))>
                    <option value="" selected=move || new_id.get().is_empty()>"(choose)"</option>
                    {move || options(new_id)}
                </select>
                <button type="button" on:click=compare>"Compare"</button>
            </div>
            {move || error.get().map(|e| view! { <div class="error" role="alert">{e}</div> })}
            {shown}
        </Section>
    }
}
