//! Word diffs shown as text (`core::worddiff`): removed words struck through, added ones highlighted.
//! Every piece is a text node, so dataset text and model output can never become markup. Two layouts of
//! the one diff: side by side (the review page) and inline (the workspace's version diff).

use leptos::prelude::*;

use crate::core::worddiff::{word_diff, Seg};

/// One segment as an element: `<span>` for common text, `<del>` removed, `<ins>` added.
fn piece(seg: &Seg) -> AnyView {
    match *seg {
        Seg::Same(t) => view! { <span>{t.to_string()}</span> }.into_any(),
        Seg::Added(t) => view! { <ins>{t.to_string()}</ins> }.into_any(),
        Seg::Removed(t) => view! { <del>{t.to_string()}</del> }.into_any(),
    }
}

/// The old text with removals marked, and the new one with additions marked, side by side.
#[component]
pub fn WordDiff(#[prop(into)] before: String, #[prop(into)] after: String) -> impl IntoView {
    let segs = word_diff(&before, &after);
    let side = |removed: bool| {
        segs.iter()
            .filter(|s| {
                !matches!(
                    (s, removed),
                    (Seg::Added(_), true) | (Seg::Removed(_), false)
                )
            })
            .map(piece)
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

/// Both texts in one run: common text, then each change as its removal followed by its addition.
pub fn inline_word_diff(old: &str, new: &str) -> AnyView {
    word_diff(old, new)
        .iter()
        .map(piece)
        .collect_view()
        .into_any()
}
