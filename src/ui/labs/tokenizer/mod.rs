//! Tokenizer workbench (ADDON-B-LAB-03, part 1): the same text under GPT-2, cl100k_base and o200k_base.

mod column;

use std::cell::Cell;
use std::rc::Rc;

use leptos::html::Textarea;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::tokenize::workbench::{WorkbenchState, SAMPLE_TEXT};
use crate::core::tokenize::ENCODINGS;
use crate::core::urlstate::state_key;
use crate::ui::design::LabPage;
use crate::ui::services::tokenizer::{self as engine, Column, LoadStatus};
use crate::ui::widgets::bar_chart::BarChart;
use crate::ui::widgets::checkbox::Checkbox;
use crate::web::{storage, tick, url};
use column::EncodingColumn;

/// Typing settles this long before the counts are recomputed.
const DEBOUNCE_MS: i32 = 120;

/// Where an embedded workbench keeps its state, so a slide's iframe that is reloaded keeps the text.
fn embed_storage_key() -> String {
    let mut q = url::current_query();
    if let Some(k) = q.get("sk") {
        return format!("datalab:tokenizer:{k}");
    }
    q.set("sk", None);
    let key = state_key(&q.to_search());
    q.set("sk", Some(&key));
    url::replace_query(&q);
    format!("datalab:tokenizer:{key}")
}

fn initial_state(embed: bool) -> (WorkbenchState, Option<String>) {
    let from_url = WorkbenchState::from_query(&url::current_query());
    if !embed {
        return (from_url, None);
    }
    let key = embed_storage_key();
    let state = storage::get(&key)
        .and_then(|s| WorkbenchState::from_json(&s))
        .unwrap_or(from_url);
    (state, Some(key))
}

#[component]
pub fn TokenizerLab(embed: bool) -> impl IntoView {
    let (init, storage_key) = initial_state(embed);
    let text_box = NodeRef::<Textarea>::new();
    // `settled` follows the text box after typing pauses; `version` numbers each settled text.
    let settled = RwSignal::new(init.text.clone());
    let version = RwSignal::new(0u64);
    let enabled = RwSignal::new(init.encodings.clone());
    let show_ids = RwSignal::new(init.show_ids);
    let show_ws = RwSignal::new(init.show_whitespace);
    let allow_special = RwSignal::new(init.allow_special);
    let url_note = RwSignal::new(None::<String>);
    // The page's link, shown to copy by hand when the clipboard is not allowed.
    let manual_link = RwSignal::new(None::<String>);
    let columns: Vec<Column> = ENCODINGS.iter().map(Column::new).collect();
    let columns = StoredValue::new_local(columns);

    let typed = StoredValue::new(0u64);
    let settle = move |value: String| {
        settled.set(value);
        version.update(|v| *v += 1);
    };
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        typed.update_value(|g| *g += 1);
        let mine = typed.get_value();
        spawn_local(async move {
            tick::sleep(DEBOUNCE_MS).await;
            if typed.try_get_value() == Some(mine) {
                settle(value);
            }
        });
    };
    let set_text = move |value: &str| {
        if let Some(el) = text_box.get_untracked() {
            el.set_value(value);
        }
        typed.update_value(|g| *g += 1);
        settle(value.to_string());
    };

    // Fetch an encoding's ranks the first time it has text to encode.
    Effect::new(move |_| {
        let has_text = !settled.with(|t| t.is_empty());
        let en = enabled.get();
        for col in columns.get_value() {
            if has_text && en.contains(&col.spec.name) {
                engine::ensure_loaded(col);
            }
        }
    });

    encode_on_change(columns, settled, version, enabled, allow_special);

    // Keep the address bar (and, when embedded, storage) in step with what is shown.
    Effect::new(move |_| {
        let state = WorkbenchState {
            text: settled.get(),
            encodings: enabled.get(),
            show_ids: show_ids.get(),
            show_whitespace: show_ws.get(),
            allow_special: allow_special.get(),
        };
        let mut q = url::current_query();
        let fits = state.write_query(&mut q);
        url::replace_query(&q);
        url_note.set((!fits).then(|| {
            "This text is too long for a link, so the address bar leaves it out.".to_string()
        }));
        if let Some(key) = &storage_key {
            storage::set(key, &state.to_json());
        }
    });

    let chart_data = Signal::derive(move || {
        let en = enabled.get();
        columns
            .get_value()
            .iter()
            .filter(|c| en.contains(&c.spec.name))
            .filter_map(|c| {
                c.outcome.with(|o| {
                    o.as_ref()
                        .map(|o| (c.spec.name.to_string(), o.count as f64))
                })
            })
            .collect::<Vec<_>>()
    });

    let column_views = move || {
        let en = enabled.get();
        columns
            .get_value()
            .into_iter()
            .filter(|c| en.contains(&c.spec.name))
            .map(|col| {
                view! {
                    <EncodingColumn
                        col=col
                        version=version
                        show_ids=show_ids
                        show_ws=show_ws
                        allow_special=allow_special
                    />
                }
            })
            .collect_view()
    };

    view! {
        <LabPage id="tokenizer">
            <section class="panel input-panel" aria-label="Input" data-panel="input">
                <label class="field-label" for="tok-text">
                    "Text to tokenize"
                </label>
                <textarea
                    id="tok-text"
                    node_ref=text_box
                    rows="6"
                    spellcheck="false"
                    prop:value=init.text.clone()
                    on:input=on_input
                ></textarea>
                <div class="controls">
                    <fieldset class="group">
                        <legend>"Encodings"</legend>
                        <EncodingToggles enabled=enabled />
                    </fieldset>
                    <fieldset class="group">
                        <legend>"View"</legend>
                        <Checkbox value=show_ids label="Show token ids" />
                        <Checkbox value=show_ws label="Show whitespace" />
                        <Checkbox value=allow_special label="Allow special tokens" />
                    </fieldset>
                    <div class="buttons">
                        <button type="button" on:click=move |_| set_text(SAMPLE_TEXT)>
                            "Sample text"
                        </button>
                        <button type="button" on:click=move |_| set_text("")>
                            "Clear"
                        </button>
                        <CopyLink manual_link=manual_link />
                    </div>
                </div>
                <p class="hint">
                    {move || {
                        if allow_special.get() {
                            "Special tokens such as <|endoftext|> become one reserved id (50256 in GPT-2)."
                        } else {
                            "Special tokens such as <|endoftext|> are treated as plain text, as tiktoken's encode_ordinary does."
                        }
                    }}
                </p>
                {move || url_note.get().map(|n| view! { <p class="note">{n}</p> })}
                <ManualLink href=manual_link />
            </section>
            <div class="columns" data-panel="chips">{column_views}</div>
            <section class="panel chart-panel" aria-label="Token counts chart" data-panel="chart">
                <BarChart data=chart_data title="Tokens per encoding for this text" y_label="tokens" />
            </section>
            <TokenizerVersion columns=columns />
        </LabPage>
    }
}

/// Which tokenizer runs: our encoder, the rank files' source and version, and each file's hash.
#[component]
fn TokenizerVersion(columns: StoredValue<Vec<Column>, LocalStorage>) -> impl IntoView {
    let manifest = LocalResource::new(engine::manifest);
    let hashes = move || {
        columns
            .get_value()
            .iter()
            .filter_map(|c| match c.status.get() {
                LoadStatus::Ready { sha256 } => Some(format!("{} {}…", c.spec.name, &sha256[..12])),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(" · ")
    };
    view! {
        <footer class="version" data-testid="tokenizer-version">
            "Tokenizer: datalab's tiktoken-compatible BPE (ids identical to tiktoken) · rank files from "
            {move || match manifest.get() {
                Some(Ok(m)) => format!("{} {}", m.source, m.version),
                Some(Err(e)) => format!("an unknown source ({e})"),
                None => "…".to_string(),
            }}
            <span class="hashes">{move || {
                let h = hashes();
                if h.is_empty() { String::new() } else { format!(" · SHA-256 {h}") }
            }}</span>
        </footer>
    }
}

/// Encodes the enabled columns again whenever the text, the special-token switch, the selection or a load
/// status changes; a newer change stops an older encoding between columns.
fn encode_on_change(
    columns: StoredValue<Vec<Column>, LocalStorage>,
    settled: RwSignal<String>,
    version: RwSignal<u64>,
    enabled: RwSignal<Vec<&'static str>>,
    allow_special: RwSignal<bool>,
) {
    let generation = Rc::new(Cell::new(0u64));
    Effect::new(move |_| {
        let v = version.get();
        let special = allow_special.get();
        let en = enabled.get();
        let text: Rc<str> = settled.with(|t| Rc::from(t.as_str()));
        let mut todo = Vec::new();
        for col in columns.get_value() {
            let status = col.status.get();
            if !en.contains(&col.spec.name) {
                continue;
            }
            let fresh = col.outcome.with_untracked(|o| {
                o.as_ref()
                    .is_some_and(|o| o.version == v && o.allow_special == special)
            });
            if fresh {
                continue;
            }
            if text.is_empty() {
                col.outcome.set(Some(engine::Outcome {
                    version: v,
                    allow_special: special,
                    count: 0,
                    chars_per_token: 0.0,
                    chips: vec![],
                    ids: vec![],
                    millis: 0.0,
                }));
            } else if matches!(status, LoadStatus::Ready { .. }) {
                todo.push(col);
            }
        }
        generation.set(generation.get() + 1);
        let mine = generation.get();
        let generation = generation.clone();
        spawn_local(async move {
            for col in todo {
                engine::encode_column(col, text.clone(), v, special, generation.clone(), mine)
                    .await;
                if generation.get() != mine {
                    return;
                }
            }
        });
    });
}

/// One checkbox per encoding; the selection keeps the canonical order.
#[component]
fn EncodingToggles(enabled: RwSignal<Vec<&'static str>>) -> impl IntoView {
    ENCODINGS
        .iter()
        .map(|spec| {
            let name = spec.name;
            let checked = move || enabled.with(|e| e.contains(&name));
            let on_change = move |ev: leptos::ev::Event| {
                let on = event_target_checked(&ev);
                enabled.update(|e| {
                    e.retain(|n| *n != name);
                    if on {
                        e.push(name);
                    }
                    // Keep the canonical order.
                    e.sort_by_key(|n| ENCODINGS.iter().position(|s| s.name == *n));
                });
            };
            view! {
                <label class="check">
                    <input type="checkbox" prop:checked=checked on:change=on_change />
                    {spec.label}
                </label>
            }
        })
        .collect_view()
}

/// "Copy link": the page's address to the clipboard when allowed, otherwise into `manual_link` to copy by
/// hand.
#[component]
fn CopyLink(manual_link: RwSignal<Option<String>>) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy_link = move |_| {
        let href = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default();
        spawn_local(async move {
            if crate::web::clipboard::copy_text(&href).await {
                manual_link.set(None);
                copied.set(true);
                tick::sleep(1500).await;
                copied.try_set(false);
            } else {
                manual_link.set(Some(href));
            }
        });
    };
    view! {
        <button type="button" on:click=copy_link>
            {move || if copied.get() { "Link copied" } else { "Copy link" }}
        </button>
    }
}

/// The link to copy by hand, when the clipboard refused it.
#[component]
fn ManualLink(href: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        href.get().map(|href| {
            view! {
                <label class="field-label manual-link">
                    "Copy this link by hand"
                    <input type="text" readonly prop:value=href />
                </label>
            }
        })
    }
}
