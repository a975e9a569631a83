//! The frame of every lab page, drawn from the registry (`core::labs::LABS`): the deck anchor and slides,
//! the title and lead, the lab's panels, and the wisdom box and beginner's corner. A lab page is then only
//! its panels; headers cannot drift from the registry, and sections number themselves.

use leptos::prelude::*;

use super::{BeginnersCorner, WisdomBox};
use crate::core::labs::{by_id, Lab};

/// Numbers a page's sections in the order they are declared (see [`Section`]).
#[derive(Clone, Copy)]
struct SectionNumbers(StoredValue<usize>);

/// A lab page: `id` names the lab in `core::labs::LABS`.
#[component]
pub fn LabPage(id: &'static str, children: Children) -> impl IntoView {
    let lab: &'static Lab = by_id(id).expect("a lab page names a lab of core::labs::LABS");
    let teaching = lab
        .teaching
        .expect("a built lab has its teaching in core::labs::LABS");
    provide_context(SectionNumbers(StoredValue::new(0)));
    view! {
        <article class=format!("lab {id}-lab")>
            <header class="lab-head">
                <p class="eyebrow">{format!("{} · slides {}", lab.anchors, lab.slides)}</p>
                <h1>{lab.title}</h1>
                <p class="lead">{teaching.lead}</p>
            </header>
            {children()}
            <div class="teach">
                <WisdomBox quote=teaching.wisdom />
                <BeginnersCorner means=teaching.means matters=teaching.matters mistake=teaching.mistake />
            </div>
        </article>
    }
}

/// "N · title", N being the next section number of the page being built (the title alone outside a
/// [`LabPage`]). For a panel that draws its own `<section>`; others use [`Section`]. Call it while the
/// panel is built, not inside a reactive closure, so the number follows the order of declaration.
pub fn section_title(title: &str) -> String {
    match use_context::<SectionNumbers>() {
        Some(SectionNumbers(n)) => {
            n.update_value(|n| *n += 1);
            format!("{} · {title}", n.get_value())
        }
        None => title.to_owned(),
    }
}

/// A numbered section of a lab page: "2 · Title", numbered by its place among the page's sections (a
/// section shared by two labs gets the number of its place in each). Its heading id is also its panel name
/// (`&panel=` shows it alone in a slide). A section is always drawn, even
/// when it has nothing to show yet — then it says what comes first — so numbers never skip.
#[component]
pub fn Section(
    /// The heading, without its number.
    #[prop(into)]
    title: String,
    /// The heading's id (the section is labelled by it).
    heading_id: &'static str,
    /// Classes besides `panel`.
    #[prop(optional, into)]
    class: String,
    children: Children,
) -> impl IntoView {
    let heading = section_title(&title);
    let class = if class.is_empty() {
        "panel".to_owned()
    } else {
        format!("panel {class}")
    };
    view! {
        <section class=class aria-labelledby=heading_id data-panel=heading_id>
            <h2 id=heading_id>{heading}</h2>
            {children()}
        </section>
    }
}
