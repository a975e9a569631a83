//! The quarantine: every row that did not import, with all its reasons (record, line, field, problem),
//! exportable as JSONL and fixable in place. Accepting a fixed row puts it back where it was and makes a
//! `fix` version; discarding one (after confirmation) makes a `discard` version — nothing vanishes
//! without a version that says so.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::core::dataset::parse::RawValue;
use crate::core::dataset::transform::{insert_fixed, FIELDS};
use crate::core::dataset::validate::{fix_fields, quarantine_to_jsonl, Quarantined};
use crate::ui::design::Section;
use crate::ui::services::workspace::{derive, use_workspace, Ctx};
use crate::ui::widgets::outcome::Outcome;
use crate::web::files::download;

/// Quarantined rows shown per page.
const PER_PAGE: usize = 10;

/// The row as the file had it, for display (duplicate keys kept, as text).
fn raw_text(q: &Quarantined) -> String {
    match &q.row.value {
        RawValue::Object(pairs) => {
            let body: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("  {}: {}", Value::String(k.clone()), v))
                .collect();
            format!("{{\n{}\n}}", body.join(",\n"))
        }
        RawValue::NotObject(v) => v.to_string(),
        RawValue::Unparsable(_) => "(could not be read)".into(),
    }
}

/// The current text of a field in a quarantined row, to start a fix from (numbers as their digits).
fn field_text(q: &Quarantined, field: &str) -> String {
    let RawValue::Object(pairs) = &q.row.value else {
        return String::new();
    };
    match pairs.iter().rev().find(|(k, _)| k == field).map(|(_, v)| v) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

/// Whether the row has `field` as a string.
fn has_text(q: &Quarantined, field: &str) -> bool {
    matches!(&q.row.value, RawValue::Object(pairs)
        if pairs.iter().filter(|(k, _)| k == field).count() == 1
            && pairs.iter().any(|(k, v)| k == field && v.is_string()))
}

/// Whether the row has `field` at all.
fn has_field(q: &Quarantined, field: &str) -> bool {
    matches!(&q.row.value, RawValue::Object(pairs) if pairs.iter().any(|(k, _)| k == field))
}

#[component]
pub fn QuarantinePanel() -> impl IntoView {
    let ctx = use_workspace();
    let page = RwSignal::new(0usize);
    let msg = RwSignal::new(None::<Result<String, String>>);
    let count = move || ctx.quarantine.with(|q| q.len());
    Effect::new(move |_| {
        ctx.quarantine.track();
        page.set(0);
    });

    let export = move |_| {
        let q = ctx.quarantine.get_untracked();
        let id = ctx.current_id().unwrap_or_else(|| "dataset".into());
        let r = download(
            &format!("{id}.quarantine.jsonl"),
            "application/x-ndjson",
            quarantine_to_jsonl(&q).as_bytes(),
        );
        msg.set(Some(
            r.map(|_| format!("Exported {} quarantined rows.", q.len())),
        ));
    };

    let list = move || {
        let q = ctx.quarantine.get();
        let p = page.get();
        q.iter()
            .enumerate()
            .skip(p * PER_PAGE)
            .take(PER_PAGE)
            .map(|(k, item)| view! { <QuarantineItem pos=k item=item.clone() msg=msg /> })
            .collect_view()
    };
    let pages = move || count().div_ceil(PER_PAGE).max(1);

    view! {
        <Section title="Quarantine" heading_id="quarantine-h">
            <p class="hint">
                "Rows that failed the schema (instruction and output required strings; input an optional string). "
                "Fix them here to accept them into a new version, or export them to fix at the source."
            </p>
            <div class="controls">
                <span>{move || match count() {
                    0 => "No quarantined rows in this version.".to_string(),
                    1 => "1 quarantined row.".to_string(),
                    n => format!("{n} quarantined rows."),
                }}</span>
                <button type="button" on:click=export disabled=move || count() == 0>"Export quarantine (JSONL)"</button>
            </div>
            <ol class="quarantine" aria-label="Quarantined rows">{list}</ol>
            <Show when=move || { pages() > 1 }>
                <div class="controls pager">
                    <button type="button" on:click=move |_| page.update(|p| *p = p.saturating_sub(1)) disabled=move || page.get() == 0>"Previous quarantined"</button>
                    <span>{move || format!("Page {} of {}", page.get() + 1, pages())}</span>
                    <button type="button" on:click=move |_| page.update(|p| *p += 1) disabled=move || { page.get() + 1 >= pages() }>"Next quarantined"</button>
                </div>
            </Show>
            <Outcome msg=msg />
        </Section>
    }
}

#[component]
fn QuarantineItem(
    pos: usize,
    item: Quarantined,
    msg: RwSignal<Option<Result<String, String>>>,
) -> impl IntoView {
    let ctx = use_workspace();
    let values = FIELDS.map(|f| RwSignal::new(field_text(&item, f)));
    let confirm_discard = RwSignal::new(false);
    let label = format!(
        "Record {} (line {} of {})",
        item.row.index, item.row.line, item.source
    );
    let issues = item
        .issues
        .iter()
        .map(|i| {
            let field = i
                .field
                .clone()
                .map(|f| format!("\"{f}\": "))
                .unwrap_or_default();
            view! {
                <li>
                    <span class="badge">{i.problem.code()}</span>
                    " "
                    {field}
                    {i.message.clone()}
                </li>
            }
        })
        .collect_view();
    let raw = raw_text(&item);
    let item = Arc::new(item);
    let accept = {
        let item = item.clone();
        move |_| {
            // Only fields the student changed, or that hold no text yet, are set (and named in the note).
            let vals: Vec<(&str, String)> = FIELDS
                .iter()
                .zip(values.iter())
                .map(|(f, v)| (*f, v.get_untracked()))
                .filter(|(f, v)| !has_text(&item, f) || *v != field_text(&item, f))
                .filter(|(f, v)| !(*f == "input" && v.is_empty() && !has_field(&item, f)))
                .collect();
            let pairs: Vec<(&str, &str)> = vals.iter().map(|(f, v)| (*f, v.as_str())).collect();
            match fix_fields(&item, &pairs) {
                Err(issues) => msg.set(Some(Err(format!(
                    "Still not valid: {}",
                    issues
                        .iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                )))),
                Ok(record) => {
                    let rows = ctx.rows.get_untracked();
                    let (next, params) = insert_fixed(&rows, record);
                    let Some(q) = without(ctx, &item, msg) else {
                        return;
                    };
                    let line = item.row.line;
                    spawn_local(async move {
                        if let Some(v) = derive(ctx, "fix", params, next, q).await {
                            msg.set(Some(Ok(format!(
                                "The row from line {line} is fixed and accepted: version {}.",
                                v.id
                            ))));
                        }
                    });
                }
            }
        }
    };
    let discard = {
        let item = item.clone();
        move |_| {
            if !confirm_discard.get_untracked() {
                confirm_discard.set(true);
                return;
            }
            let rows = ctx.rows.get_untracked().as_ref().clone();
            let Some(q) = without(ctx, &item, msg) else {
                return;
            };
            let params = json!({ "discard": { "source": item.source, "line": item.row.line, "index": item.row.index } });
            let line = item.row.line;
            spawn_local(async move {
                if let Some(v) = derive(ctx, "discard", params, rows, q).await {
                    msg.set(Some(Ok(format!(
                        "Discarded the row from line {line}: version {} (the previous version still lists it).",
                        v.id
                    ))));
                }
            });
        }
    };
    let fields = FIELDS
        .iter()
        .enumerate()
        .map(|(k, f)| {
            let id = format!("fix-{pos}-{f}");
            let sig = values[k];
            view! {
                <label class="field-label" for=id.clone()>{*f}</label>
                <textarea id=id rows="2" prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev))></textarea>
            }
        })
        .collect_view();
    view! {
        <li class="q-item">
            <div class="q-head">
                <strong>{label}</strong>
            </div>
            <ul class="q-issues">{issues}</ul>
            <details>
                <summary>"Fix in place"</summary>
                <pre class="raw">{raw}</pre>
                {fields}
                <div class="controls">
                    <button type="button" on:click=accept>"Accept fixed row"</button>
                    <button type="button" class="danger" on:click=discard>
                        {move || if confirm_discard.get() { "Really discard it?" } else { "Discard row" }}
                    </button>
                </div>
            </details>
        </li>
    }
}

/// The current quarantine without `item` (found by source, line and index, so this works after a reload),
/// or `None` — with a message — if it is no longer there.
fn without(
    ctx: Ctx,
    item: &Quarantined,
    msg: RwSignal<Option<Result<String, String>>>,
) -> Option<Vec<Quarantined>> {
    let mut q = ctx.quarantine.get_untracked().as_ref().clone();
    let found = q.iter().position(|x| {
        x.row.line == item.row.line && x.row.index == item.row.index && x.source == item.source
    });
    match found {
        Some(at) => {
            q.remove(at);
            Some(q)
        }
        None => {
            msg.set(Some(Err(
                "This row is no longer in the current version's quarantine.".into(),
            )));
            None
        }
    }
}
