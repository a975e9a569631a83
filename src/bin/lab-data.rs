//! The dataset bundle: the workspace and the quality gates, which share the workspace's versions and store.

#[cfg(target_arch = "wasm32")]
fn main() {
    use datalab::ui::labs::{quality::QualityLab, workspace::WorkspaceLab};
    use leptos::prelude::*;
    datalab::ui::app::start("data", |lab, _embed| {
        Some(match lab.id {
            "workspace" => view! { <WorkspaceLab /> }.into_any(),
            "quality" => view! { <QualityLab /> }.into_any(),
            _ => return None,
        })
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    datalab::native_main();
}
