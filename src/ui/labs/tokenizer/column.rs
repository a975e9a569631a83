//! One encoding's column: count, characters per token, load state, chips and ids.

use leptos::prelude::*;

use crate::ui::services::tokenizer::{Column, LoadStatus};
use crate::ui::widgets::progress::Progress;
use crate::ui::widgets::token_chips::TokenChips;

#[component]
pub fn EncodingColumn(
    col: Column,
    version: RwSignal<u64>,
    show_ids: RwSignal<bool>,
    show_ws: RwSignal<bool>,
    allow_special: RwSignal<bool>,
) -> impl IntoView {
    let spec = col.spec;
    let heading_id = format!("enc-{}", spec.name);
    let labelled_by = heading_id.clone();
    let count = move || match (col.outcome.get(), col.status.get()) {
        (Some(o), _) => o.count.to_string(),
        (None, LoadStatus::Failed(_)) => "—".to_string(),
        _ => "…".to_string(),
    };
    let cpt = move || {
        col.outcome
            .get()
            .map_or("…".to_string(), |o| format!("{:.2}", o.chars_per_token))
    };
    let stale = move || {
        col.outcome.with(|o| {
            o.as_ref().is_some_and(|o| {
                o.version != version.get() || o.allow_special != allow_special.get()
            })
        })
    };
    let status = move || match col.status.get() {
        LoadStatus::Loading => Some(
            view! {
                <p class="loading" role="status">
                    <span class="spinner" aria-hidden="true"></span>
                    {format!("Downloading {} …", spec.file)}
                </p>
            }
            .into_any(),
        ),
        LoadStatus::Failed(msg) => Some(
            view! {
                <div class="error" role="alert">
                    <strong>{format!("{} is unavailable. ", spec.label)}</strong>
                    {msg}
                </div>
            }
            .into_any(),
        ),
        _ => None,
    };
    let chips = move || {
        col.outcome.get().map(|o| {
            let ids = o
                .ids
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let ids_label = format!("Token ids for {}", spec.label);
            let truncated = o.ids.len() < o.count;
            view! {
                <TokenChips
                    chips=o.chips
                    total=o.count
                    show_ids=show_ids
                    show_ws=show_ws
                    label=format!("Tokens of {}", spec.label)
                />
                <details class="ids">
                    <summary>"Token ids"</summary>
                    <textarea readonly rows="4" aria-label=ids_label>
                        {format!("[{ids}{}]", if truncated { ", …" } else { "" })}
                    </textarea>
                </details>
                <p class="timing">{format!("Encoded in {:.1} ms", o.millis)}</p>
            }
        })
    };
    view! {
        <section class="panel enc-col" class:stale=stale aria-labelledby=labelled_by>
            <header class="enc-head">
                <h2 id=heading_id>{spec.label}</h2>
                <span class="models">{spec.models}</span>
            </header>
            <div class="stats">
                <div class="stat">
                    <span class="stat-label">"Tokens"</span>
                    <span class="stat-value" data-testid=format!("token-count-{}", spec.name)>
                        {count}
                    </span>
                </div>
                <div class="stat">
                    <span class="stat-label">"Characters per token"</span>
                    <span class="stat-value small" data-testid=format!("chars-per-token-{}", spec.name)>
                        {cpt}
                    </span>
                </div>
            </div>
            {status}
            <Progress value=col.progress label=format!("Encoding with {}", spec.label) />
            {chips}
        </section>
    }
}
