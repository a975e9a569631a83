//! What the extension costs the model: embedding and output-head shapes, parameters, and resize code.

use leptos::prelude::*;

use super::state::Ctx;
use crate::core::tokenize::extend::sizing::{pytorch_resize_code, sizing, GPT2_SIZES};
use crate::ui::design::Section;
use crate::ui::widgets::checkbox::Checkbox;
use crate::web::files::download;

#[component]
pub fn SizingPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let size = RwSignal::new(0usize);
    let tied = RwSignal::new(false);
    let report = move || {
        let added = ctx
            .preview
            .with(|p| p.as_ref().map_or(0, |p| p.version.added_count()));
        let base_vocab = ctx
            .base
            .with_value(|b| b.as_ref().map_or(50_257, |b| b.encoder.borrow().n_vocab()));
        sizing(&GPT2_SIZES[size.get()], base_vocab, added, tied.get())
    };
    let version_id = move || {
        ctx.preview
            .with(|p| p.as_ref().map(|p| p.version.id.clone()).unwrap_or_default())
    };
    let code = move || pytorch_resize_code(&report(), &version_id());
    let shape = |s: (usize, usize)| format!("({}, {})", s.0, s.1);
    let options = GPT2_SIZES
        .iter()
        .enumerate()
        .map(|(i, s)| view! { <option value=i.to_string() selected=move || size.get() == i>{s.name}</option> })
        .collect_view();
    view! {
        <Section title="What it costs the model" heading_id="sizing-h">
            <div class="controls">
                <label class="field-label inline" for="ext-size">
                    "Model size"
                </label>
                <select id="ext-size" on:change=move |ev| size.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {options}
                </select>
                <Checkbox value=tied label="Weight tying" />
            </div>
            <table class="data compact" aria-label="Model sizing">
                <thead>
                    <tr><th scope="col"></th><th scope="col">"Before"</th><th scope="col">"After"</th></tr>
                </thead>
                <tbody>
                    <tr><th scope="row">"Vocabulary"</th><td>{move || report().old_vocab}</td><td>{move || report().new_vocab}</td></tr>
                    <tr><th scope="row">"Token embedding"</th><td>{move || shape(report().embedding_before)}</td><td>{move || shape(report().embedding_after)}</td></tr>
                    <tr><th scope="row">"Output head (weight)"</th><td>{move || shape(report().head_before)}</td><td>{move || shape(report().head_after)}</td></tr>
                    <tr><th scope="row">"Parameters in both"</th><td>{move || report().params_before}</td><td>{move || report().params_after}</td></tr>
                </tbody>
            </table>
            <p>
                "Parameter delta: "
                <strong data-testid="params-delta">{move || report().params_delta()}</strong>
                {move || if tied.get() { " (tied: the head shares the embedding, so new rows are counted once)" } else { " (untied: the embedding and the head each grow)" }}
            </p>
            <p class="hint">
                "The resize keeps every old row, starts new rows at the mean of the old ones, and adds no bias: the notebook's "
                "Linear(768, 50259, bias=True) gives every token — old ones too — a random offset, which changes what the trained model predicts."
            </p>
            <pre class="code" data-testid="resize-code" aria-label="PyTorch resize code">{code}</pre>
            <button type="button" on:click=move |_| { let _ = download("resize_vocab.py", "text/x-python", code().as_bytes()); }>
                "Download resize code"
            </button>
        </Section>
    }
}
