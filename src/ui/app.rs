//! The shell: header, navigation in runbook order, and the lab chosen by the URL (`?lab=…`).
//!
//! Routing uses the query string rather than paths so the lab works from any static host and any sub-path
//! (a course site, a slide deck's folder) with no server rewrite rules, and a reload never 404s.
//! `?embed=1` shows only the lab body, for an iframe in a slide.

use leptos::prelude::*;

use crate::core::labs::{resolve, LABS};
use crate::core::urlstate::Query;
use crate::ui::labs::extend::ExtendLab;
use crate::ui::labs::generate::GenerateLab;
use crate::ui::labs::imdb::ImdbLab;
use crate::ui::labs::quality::QualityLab;
use crate::ui::labs::refine::RefineLab;
use crate::ui::labs::tokenizer::TokenizerLab;
use crate::ui::labs::workspace::WorkspaceLab;
use crate::web::url::{current_query, href_with};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    crate::ui::widgets::llm_connection::provide_llm();
    let query = current_query();
    let embed = matches!(query.get("embed"), Some("1" | "true"));
    let lab = resolve(query.get("lab"));
    let body = match lab.id {
        "tokenizer" => view! { <TokenizerLab embed=embed /> }.into_any(),
        "extend" => view! { <ExtendLab /> }.into_any(),
        "workspace" => view! { <WorkspaceLab /> }.into_any(),
        "quality" => view! { <QualityLab /> }.into_any(),
        "refine" => view! { <RefineLab /> }.into_any(),
        "generate" => view! { <GenerateLab /> }.into_any(),
        "imdb" => view! { <ImdbLab /> }.into_any(),
        _ => unreachable!("resolve() only returns built labs"),
    };
    if embed {
        let mut full = query.clone();
        full.set("embed", None);
        let full_href = href_with(&full);
        if crate::web::url::in_frame() {
            crate::web::embed::post_height_to_parent();
        }
        return view! {
            <div class="app embed">
                <div class="embed-bar">
                    <span class="brand-small">"datalab · " {lab.title}</span>
                    <a href=full_href target="_blank" rel="noopener">
                        "Open full lab ↗"
                    </a>
                </div>
                <main id="main" class="lab-body">
                    {body}
                </main>
            </div>
        }
        .into_any();
    }
    view! {
        <div class="app">
            <a class="skip" href="#main">
                "Skip to the lab"
            </a>
            <header class="top">
                <a class="brand" href="?">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    " datalab"
                </a>
                <span class="tagline">"Generate, refine and encode better training data — in your browser."</span>
            </header>
            <div class="layout">
                <Nav current=lab.id />
                <main id="main" class="lab-body">
                    {body}
                </main>
            </div>
        </div>
    }
    .into_any()
}

/// The deck's labs in runbook order; built ones are links, the rest are marked as planned.
#[component]
fn Nav(current: &'static str) -> impl IntoView {
    let items = LABS
        .iter()
        .enumerate()
        .map(|(i, lab)| {
            let step = format!("{}.", i + 1);
            let meta = format!("{} · slides {}", lab.anchors, lab.slides);
            if lab.built {
                let mut q = Query::default();
                q.set("lab", Some(lab.id));
                let href = q.to_search();
                let is_current = lab.id == current;
                view! {
                    <li class="nav-item built" class:current=is_current>
                        <a
                            href=href
                            aria-current=if is_current { Some("page") } else { None }
                            title=lab.summary
                        >
                            <span class="step">{step}</span>
                            <span class="nav-title">{lab.title}</span>
                            <span class="nav-meta">{meta}</span>
                        </a>
                    </li>
                }
                .into_any()
            } else {
                view! {
                    <li class="nav-item planned" title=lab.summary>
                        <span class="step">{step}</span>
                        <span class="nav-title">{lab.title}</span>
                        <span class="badge">"planned"</span>
                        <span class="nav-meta">{meta}</span>
                    </li>
                }
                .into_any()
            }
        })
        .collect_view();
    view! {
        <nav class="side" aria-label="Labs in runbook order">
            <h2>"Runbook"</h2>
            <ol>{items}</ol>
        </nav>
    }
}
