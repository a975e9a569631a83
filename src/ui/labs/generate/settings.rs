//! The run's settings and the pre-query template, editable and shown exactly as they will be sent.

use leptos::prelude::*;

use crate::core::llm::magpie::{template_for, Family, GenerationSettings, Template};
use crate::ui::design::Section;

use super::state::GCtx;

/// One numeric setting: a labelled input that writes through `set`; a field-named error shows below.
fn number_field(
    g: GCtx,
    id: &'static str,
    field: &'static str,
    label: &'static str,
    step: &'static str,
    get: fn(&GenerationSettings) -> String,
    set: fn(&mut GenerationSettings, &str) -> bool,
) -> impl IntoView {
    let error = move || {
        g.errors
            .with(|e| e.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()))
    };
    view! {
        <div class="field">
            <label class="field-label" for=id>{label}</label>
            <input id=id type="number" step=step prop:value=move || g.settings.with(get)
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    let mut ok = true;
                    g.settings.update(|s| ok = set(s, v.trim()));
                    g.errors.update(|e| e.retain(|(f, _)| *f != field));
                    if !ok {
                        g.errors.update(|e| e.push((field.to_string(), format!("\"{v}\" is not a number"))));
                    }
                } />
            {move || error().map(|m| view! { <p class="field-error" role="alert">{format!("{label}: {m}")}</p> })}
        </div>
    }
}

#[component]
pub fn SettingsPanel() -> impl IntoView {
    let g = expect_context::<GCtx>();
    let llm = g.llm;
    let family_options = Family::ALL
        .iter()
        .map(|f| {
            let f = *f;
            view! { <option value=f.label() selected=move || g.template.with(|t| t.family == f)>{f.label()}</option> }
        })
        .collect_view();
    let pick_family = move |ev| {
        let v = event_target_value(&ev);
        if let Some(f) = Family::ALL.iter().find(|f| f.label() == v) {
            g.template.set(Template::builtin(*f));
        }
    };
    let guess = move |_| {
        let m = llm.model.get_untracked();
        match template_for(&m, None) {
            Some(t) => g.template.set(t),
            None => g.ws.error(format!(
                "No known template for \"{m}\": choose a family or edit the template by hand."
            )),
        }
    };
    let stops = move || g.template.with(|t| t.stop.join("\n"));
    let warning = move || g.template.with(|t| t.warning());
    view! {
        <Section title="Settings and template" heading_id="gen-set-h">
            <div class="controls-row">
                {number_field(g, "g-count", "count", "Rows to generate", "1",
                    |s| s.count.to_string(), |s, v| v.parse().map(|x| s.count = x).is_ok())}
                {number_field(g, "g-temp", "temperature", "Temperature", "0.1",
                    |s| s.temperature.to_string(), |s, v| v.parse().map(|x| s.temperature = x).is_ok())}
                {number_field(g, "g-top-p", "top_p", "top_p", "0.05",
                    |s| s.top_p.to_string(), |s, v| v.parse().map(|x| s.top_p = x).is_ok())}
                {number_field(g, "g-num-predict", "num_predict", "num_predict (max tokens)", "1",
                    |s| s.num_predict.to_string(), |s, v| v.parse().map(|x| s.num_predict = x).is_ok())}
                {number_field(g, "g-seed", "base_seed", "Base seed", "1",
                    |s| s.base_seed.to_string(), |s, v| v.parse().map(|x| s.base_seed = x).is_ok())}
                {number_field(g, "g-min", "min_instruction_chars", "Shortest instruction kept (characters)", "1",
                    |s| s.min_instruction_chars.to_string(), |s, v| v.parse().map(|x| s.min_instruction_chars = x).is_ok())}
            </div>
            <p class="hint">
                "Row i is sampled with options.seed = base seed + i: each row differs, and the run replays. "
                "The course notebook put seed, temperature and top_p at the top level of the request, where Ollama ignores them "
                "(it reads sampling settings only inside options) — which is why its \"seeded\" outputs differed on every run."
            </p>
            <div class="controls-row">
                <div class="field">
                    <label class="field-label" for="g-family">"Template family"</label>
                    <select id="g-family" on:change=pick_family>{family_options}</select>
                </div>
                <button type="button" on:click=guess>"Template for the chosen model"</button>
            </div>
            {move || warning().map(|w| view! { <p class="warn" role="note">{w}</p> })}
            <div class="field">
                <label class="field-label" for="g-pre">"Pre-query template (sent exactly as written, raw: true)"</label>
                <textarea id="g-pre" class="mono" rows="3" spellcheck="false"
                    prop:value=move || g.template.with(|t| t.pre_query.clone())
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        g.template.update(|t| t.pre_query = v.replace("\\n", "\n"));
                    }></textarea>
                <p class="hint">"Type \\n for a newline. Shown as sent:"</p>
                <pre class="code" data-testid="template-as-sent">{move || g.template.with(|t| format!("{:?}", t.pre_query))}</pre>
            </div>
            <div class="field">
                <label class="field-label" for="g-stop">"Stop strings (one per line)"</label>
                <textarea id="g-stop" class="mono" rows="4" spellcheck="false" prop:value=stops
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        g.template.update(|t| t.stop = v.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect());
                    }></textarea>
            </div>
        </Section>
    }
}
