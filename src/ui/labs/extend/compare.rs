//! The workbench text under GPT-2 and under the extended tokenizer, side by side.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::Ctx;
use crate::core::tokenize::display::{chips, Chip};
use crate::ui::design::Section;
use crate::ui::services::tokenizer::encode_sliced;
use crate::ui::widgets::checkbox::Checkbox;
use crate::ui::widgets::token_chips::TokenChips;

#[derive(Clone, Debug, PartialEq)]
struct Side {
    count: usize,
    chips: Vec<Chip>,
    ids: Vec<u32>,
}

const CHIPS: usize = 500;

#[component]
pub fn ComparePanel(text: RwSignal<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let before = RwSignal::new(None::<Side>);
    let after = RwSignal::new(None::<Side>);
    let generation = Rc::new(Cell::new(0u64));
    Effect::new(move |_| {
        let t: Rc<str> = text.with(|t| Rc::from(t.as_str()));
        let special = ctx.allow_special.get();
        ctx.ext_version.track();
        ctx.base_status.track();
        let (Some(base), Some(ext)) = (ctx.base.get_value(), ctx.ext.get_value()) else {
            return;
        };
        generation.set(generation.get() + 1);
        let mine = generation.get();
        let generation = generation.clone();
        spawn_local(async move {
            let wanted = || generation.get() == mine;
            for (enc, slot) in [(base.encoder.clone(), before), (ext.clone(), after)] {
                let Some(ids) = encode_sliced(&enc, &t, special, wanted, |_| {}).await else {
                    return;
                };
                let side = Side {
                    count: ids.len(),
                    chips: chips(&enc.borrow(), &t, &ids, CHIPS),
                    ids,
                };
                slot.set(Some(side));
            }
        });
    });
    let count = |s: RwSignal<Option<Side>>| {
        move || s.with(|s| s.as_ref().map_or("…".to_string(), |s| s.count.to_string()))
    };
    let saved = move || match (before.get(), after.get()) {
        (Some(b), Some(a)) => {
            let d = b.count as isize - a.count as isize;
            let pct = if b.count == 0 {
                0.0
            } else {
                d as f64 * 100.0 / b.count as f64
            };
            format!("{d} tokens saved ({pct:.1}%)")
        }
        _ => String::new(),
    };
    let chip_view = |s: RwSignal<Option<Side>>, label: &'static str| {
        move || {
            s.get().map(|s| {
                view! { <TokenChips chips=s.chips total=s.count show_ids=true show_ws=false label=label /> }
            })
        }
    };
    let ids_text = move || {
        after.with(|a| {
            a.as_ref().map_or(String::new(), |a| {
                format!(
                    "[{}]",
                    a.ids
                        .iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        })
    };
    view! {
        <Section title="Your text, before and after" heading_id="compare-h">
            <label class="field-label" for="ext-text">
                "Text to tokenize"
            </label>
            <textarea
                id="ext-text"
                rows="3"
                spellcheck="false"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
            <Checkbox value=ctx.allow_special label="Allow special tokens" />
            <span class="hint">" (on by default here, as the notebook encodes with allowed_special=\"all\")"</span>
            <div class="columns two">
                <div class="enc-col">
                    <div class="stat">
                        <span class="stat-label">"GPT-2 tokens"</span>
                        <span class="stat-value" data-testid="token-count-gpt2">{count(before)}</span>
                    </div>
                    {chip_view(before, "GPT-2 tokens of the text")}
                </div>
                <div class="enc-col">
                    <div class="stat">
                        <span class="stat-label">"Extended tokens"</span>
                        <span class="stat-value" data-testid="token-count-extended">{count(after)}</span>
                    </div>
                    {chip_view(after, "Extended tokens of the text")}
                    <details class="ids">
                        <summary>"Extended token ids"</summary>
                        <textarea readonly rows="3" aria-label="Extended token ids" prop:value=ids_text></textarea>
                    </details>
                </div>
            </div>
            <p class="note">
                {saved}
                " · tokenizer "
                <code data-testid="extension-version-id">
                    {move || ctx.preview.with(|p| p.as_ref().map(|p| p.version.id.clone()).unwrap_or_default())}
                </code>
            </p>
        </Section>
    }
}
