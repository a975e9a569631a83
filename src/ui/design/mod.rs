//! The deck's design system: the lab page frame ([`LabPage`], numbered [`Section`]s), with a wisdom box
//! and a beginner's corner on every lab page.
//! Colours and type live in `static/style.css` (Pearl White → Soft Grey, Charcoal, Navy, Gold).

use leptos::prelude::*;

mod page;
pub use page::{section_title, LabPage, Section};

/// The design system's colours for charts drawn with plotters on a canvas (CSS cannot reach them).
pub mod palette {
    use plotters::style::RGBColor;

    pub const NAVY: RGBColor = RGBColor(0x1A, 0x36, 0x5D);
    pub const GOLD: RGBColor = RGBColor(0xC9, 0xA2, 0x27);
    pub const CHARCOAL: RGBColor = RGBColor(0x2D, 0x37, 0x48);
    pub const PEARL: RGBColor = RGBColor(0xFA, 0xFA, 0xFA);
    /// Grid lines (the CSS `--line`).
    pub const LINE: RGBColor = RGBColor(0xE2, 0xE8, 0xF0);
}

/// The deck's "wisdom" box: one sentence worth remembering from the lab.
#[component]
pub fn WisdomBox(#[prop(into)] quote: String) -> impl IntoView {
    view! {
        <aside class="wisdom" aria-label="Wisdom">
            <span class="wisdom-mark" aria-hidden="true">"✦"</span>
            <p>{quote}</p>
        </aside>
    }
}

/// The beginner's corner: what this means, why it matters, the common mistake.
#[component]
pub fn BeginnersCorner(
    #[prop(into)] means: String,
    #[prop(into)] matters: String,
    #[prop(into)] mistake: String,
) -> impl IntoView {
    view! {
        <details class="corner" open>
            <summary>"Beginner's corner"</summary>
            <dl>
                <dt>"What this means"</dt>
                <dd>{means}</dd>
                <dt>"Why it matters"</dt>
                <dd>{matters}</dd>
                <dt>"Common mistake"</dt>
                <dd>{mistake}</dd>
            </dl>
        </details>
    }
}
