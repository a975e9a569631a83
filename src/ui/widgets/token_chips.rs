//! Tokens as chips: a colour per token id (the same id always looks the same), optional ids, a
//! whitespace-visible view, and id + bytes on hover or keyboard focus. Text is rendered as text, never HTML.

use leptos::prelude::*;

use crate::core::tokenize::display::{colour_for, visible_whitespace, Chip};

/// Renders `chips`; `total` is the full token count (chips may be only the first part of it).
#[component]
pub fn TokenChips(
    chips: Vec<Chip>,
    total: usize,
    #[prop(into)] show_ids: Signal<bool>,
    #[prop(into)] show_ws: Signal<bool>,
    #[prop(into)] label: String,
) -> impl IntoView {
    let shown = chips.len();
    let items = chips
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let text = c.text.clone();
            let newline = c.text.ends_with('\n');
            let tip = format!("#{} · id {} · bytes {}", i + 1, c.id, c.hex);
            let aria = format!("token {} of {}: id {}, text {:?}", i + 1, total, c.id, c.text);
            // Set through CSSOM (style:…), which a strict Content-Security-Policy allows; a style attribute it blocks.
            let background = colour_for(c.id);
            let id = c.id;
            view! {
                <span
                    class="chip"
                    class:partial=c.partial
                    tabindex="0"
                    role="listitem"
                    style:background=background
                    title=tip.clone()
                    data-tip=tip
                    aria-label=aria
                >
                    <span class="chip-text">
                        {move || if show_ws.get() { visible_whitespace(&text) } else { text.clone() }}
                    </span>
                    <Show when=move || show_ids.get()>
                        <span class="chip-id">{id}</span>
                    </Show>
                </span>
                {newline.then(|| view! { <span class="chip-break" aria-hidden="true"></span> })}
            }
        })
        .collect_view();
    view! {
        <div class="chips" role="list" aria-label=label>
            {items}
        </div>
        {(shown < total)
            .then(|| {
                view! {
                    <p class="note">
                        {format!("Showing the first {shown} of {total} tokens; the count covers all of them.")}
                    </p>
                }
            })}
    }
}
