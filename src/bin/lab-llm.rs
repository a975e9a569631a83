//! The model bundle: Magpie generation and refinement by reflection, which share the model connection.

#[cfg(target_arch = "wasm32")]
fn main() {
    use datalab::ui::labs::{generate::GenerateLab, refine::RefineLab};
    use leptos::prelude::*;
    datalab::ui::app::start("llm", |lab, _embed| {
        Some(match lab.id {
            "generate" => view! { <GenerateLab /> }.into_any(),
            "refine" => view! { <RefineLab /> }.into_any(),
            _ => return None,
        })
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    datalab::native_main();
}
