//! The shell: header, navigation in runbook order, and the lab chosen by the URL (`?lab=…`).
//!
//! Routing uses the query string rather than paths so the lab works from any static host and any sub-path
//! (a course site, a slide deck's folder) with no server rewrite rules, and a reload never 404s.
//! `?embed=1` shows only the lab body, for an iframe in a slide.
//!
//! The labs ship as a few wasm bundles (`core::bundles`); each bundle's bin calls [`start`] with the pages it
//! holds, so its module carries only those labs' code while the shell around them is the same everywhere.

use leptos::prelude::*;

use crate::core::bundles::bundle_of;
use crate::core::labs::{lab_in, resolve, Lab, LABS};
use crate::core::urlstate::Query;
use crate::web::url::{current_query, href_with};

/// The page of a lab this bundle holds (with `embed` for an iframe), or `None` for a lab it does not.
pub type Pages = fn(lab: &'static Lab, embed: bool) -> Option<AnyView>;

/// Starts bundle `name` in the page: the panic panel, then the app with its pages mounted in the body.
pub fn start(name: &'static str, pages: Pages) {
    crate::web::panic::install();
    if crate::web::embed::is_embedded() {
        // As early as can be: a slide:stop sent while the lab loads must not be missed.
        crate::web::embed::listen_for_slides();
    }
    if crate::web::embed::is_embedded() && crate::web::storage::local().is_none() {
        // A slide's frame denied storage: the deck may keep the lab's state (embed-host.js); ask first, so
        // the lab starts from what the student had.
        wasm_bindgen_futures::spawn_local(async move {
            crate::web::embed::connect_host(800).await;
            mount(name, pages);
        });
    } else {
        mount(name, pages);
    }
}

fn mount(name: &'static str, pages: Pages) {
    leptos::mount::mount_to_body(move || view! { <App bundle=name pages=pages /> });
    // The static "Loading the lab…" note has done its job.
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
}

/// The whole app, around the page of the lab the URL names.
#[component]
fn App(bundle: &'static str, pages: Pages) -> impl IntoView {
    crate::ui::services::llm::provide_llm();
    let query = current_query();
    let embed = matches!(query.get("embed"), Some("1" | "true"));
    let lab = resolve(lab_in(&query));
    let body = pages(lab, embed).unwrap_or_else(|| wrong_bundle(bundle, lab));
    if embed {
        let mut full = query.clone();
        full.set("embed", None);
        full.set("panel", None);
        full.set("present", None);
        let full_href = href_with(&full);
        let present = matches!(query.get("present"), Some("1" | "true"));
        let panel_problem = RwSignal::new(None::<String>);
        if crate::web::url::in_frame() {
            crate::web::embed::post_height_to_parent();
        }
        let form_key = crate::core::embed::form_key(&query);
        let panel = query.get("panel").map(str::to_string);
        // Once the lab's body is in the page: keep its controls, and show only the chosen panel.
        request_animation_frame(move || {
            crate::web::embed::form::keep(form_key);
            if let Some(p) = panel {
                let name = p.clone();
                crate::web::embed::panel::only(p, move |names| {
                    panel_problem.set(Some(if names.is_empty() {
                        format!("This lab has no panel named '{name}'; the whole lab is shown.")
                    } else {
                        format!(
                            "This lab has no panel named '{name}'; the whole lab is shown. Its panels: {}.",
                            names.join(", ")
                        )
                    }))
                });
            }
        });
        let keeping = crate::web::embed::keeping().message();
        return view! {
            <div class="app embed" class:present=present>
                <div class="embed-bar">
                    <span class="brand-small">"datalab · " {lab.title}</span>
                    {keeping.map(|m| view! { <span class="embed-keeping" data-testid="embed-keeping">{m}</span> })}
                    {move || panel_problem.get().map(|m| view! { <span class="embed-keeping" role="alert" data-testid="embed-panel">{m}</span> })}
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

/// Shown if the loader started a bundle without this lab's page: `core::bundles` and the bins disagree.
fn wrong_bundle(bundle: &'static str, lab: &'static Lab) -> AnyView {
    let want = bundle_of(Some(lab.id)).name;
    view! {
        <section class="panel" role="alert" data-testid="wrong-bundle">
            <h2>"This lab did not load"</h2>
            <p>
                {format!(
                    "The page started the \"{bundle}\" bundle, but {} is in \"{want}\". This is a bug in this build of datalab: reload, and if it stays, report it.",
                    lab.title,
                )}
            </p>
        </section>
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
            // The loop (first) is the map, not a step: the runbook's steps are numbered after it.
            let step = if i == 0 {
                "↺".to_string()
            } else {
                format!("{i}.")
            };
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
