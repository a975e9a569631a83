//! The tokenizer bundle: the workbench and the vocabulary extension, which share the tokenizer engine, and
//! the loop (the home page, which reads the tokenizer versions too). It holds the first page a student
//! opens, so it must stay small (see `core::bundles`).

#[cfg(target_arch = "wasm32")]
fn main() {
    use datalab::ui::labs::{data_loop::LoopLab, extend::ExtendLab, tokenizer::TokenizerLab};
    use leptos::prelude::*;
    datalab::ui::app::start("tokens", |lab, embed| {
        Some(match lab.id {
            "loop" => view! { <LoopLab /> }.into_any(),
            "tokenizer" => view! { <TokenizerLab embed=embed /> }.into_any(),
            "extend" => view! { <ExtendLab /> }.into_any(),
            _ => return None,
        })
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    datalab::native_main();
}
