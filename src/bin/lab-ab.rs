//! The A/B experiments bundle, with the failure drills (which run its proxy model) and the runbook (which reads the A/B log): its own, because it reads the workspace's versions *and* talks to a model
//! (the optional rubric) — joined to either group it would make that group's every page fetch both.

#[cfg(target_arch = "wasm32")]
fn main() {
    use datalab::ui::labs::ab::AbLab;
    use datalab::ui::labs::drills::DrillsLab;
    use datalab::ui::labs::runbook::RunbookLab;
    use leptos::prelude::*;
    datalab::ui::app::start("ab", |lab, _embed| {
        Some(match lab.id {
            "ab" => view! { <AbLab /> }.into_any(),
            "drills" => view! { <DrillsLab /> }.into_any(),
            "runbook" => view! { <RunbookLab /> }.into_any(),
            _ => return None,
        })
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    datalab::native_main();
}
