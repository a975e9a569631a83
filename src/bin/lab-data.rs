//! The dataset bundle: the workspace, the quality gates and the A/B experiments, which share the workspace's
//! versions and store.

#[cfg(target_arch = "wasm32")]
fn main() {
    use datalab::ui::labs::{ab::AbLab, quality::QualityLab, workspace::WorkspaceLab};
    use leptos::prelude::*;
    datalab::ui::app::start("data", |lab, _embed| {
        Some(match lab.id {
            "workspace" => view! { <WorkspaceLab /> }.into_any(),
            "quality" => view! { <QualityLab /> }.into_any(),
            "ab" => view! { <AbLab /> }.into_any(),
            _ => return None,
        })
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    datalab::native_main();
}
