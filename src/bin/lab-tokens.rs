//! The tokenizer bundle: the workbench and the vocabulary extension, which share the tokenizer engine.
//! It is the first page a student opens (the default lab), so it must stay small (see `core::bundles`).

#[cfg(target_arch = "wasm32")]
fn main() {
    use datalab::ui::labs::{extend::ExtendLab, tokenizer::TokenizerLab};
    use leptos::prelude::*;
    datalab::ui::app::start("tokens", |lab, embed| {
        Some(match lab.id {
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
