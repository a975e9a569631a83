//! A word diff shown as text: removed words struck through, added ones highlighted. Every piece is a text
//! node, so model output can never become markup.

use leptos::prelude::*;

use crate::core::worddiff::{diff_words, Op};

/// The old text with removals marked, and the new one with additions marked, side by side.
#[component]
pub fn WordDiff(#[prop(into)] before: String, #[prop(into)] after: String) -> impl IntoView {
    let ops = diff_words(&before, &after);
    let side = |keep_removed: bool| {
        ops.iter()
            .filter_map(|op| match op {
                Op::Same(t) => Some(view! { <span>{t.clone()}</span> }.into_any()),
                Op::Removed(t) if keep_removed => Some(view! { <del>{t.clone()}</del> }.into_any()),
                Op::Added(t) if !keep_removed => Some(view! { <ins>{t.clone()}</ins> }.into_any()),
                _ => None,
            })
            .collect_view()
    };
    let (old, new) = (side(true), side(false));
    view! {
        <div class="word-diff">
            <div class="diff-side">
                <h4>"Original"</h4>
                <p class="diff-text" data-testid="diff-before">{old}</p>
            </div>
            <div class="diff-side">
                <h4>"Revised"</h4>
                <p class="diff-text" data-testid="diff-after">{new}</p>
            </div>
        </div>
    }
}
