//! Building the experiment: the baseline, the evaluation set, the ladder of arms and the rule, with
//! controls — or pasted as JSON in "Experiment spec" and loaded. Both edit the same spec; "Spec of these
//! controls" writes it out for keeping and sharing.

use leptos::prelude::*;

use super::state::AbCtx;
use crate::core::ab::spec::{ArmSpec, Spec, TokenizerRef, BASELINE, MODEL_SIZES, ORDERS};
use crate::core::tokenize::encodings::ENCODINGS;
use crate::ui::design::Section;
use crate::web::files::download;

/// `(value, label)` of every dataset version, newest first.
fn version_options(ab: AbCtx) -> Vec<(String, String)> {
    ab.ws.ws.with(|w| {
        w.versions
            .iter()
            .rev()
            .map(|v| {
                (
                    v.id.clone(),
                    format!("{} · {} · {} rows", v.id, v.transform, v.rows),
                )
            })
            .collect()
    })
}

/// `(value, label)` of every tokenizer: the encodings, then the extend lab's versions.
fn tokenizer_options(ab: AbCtx) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = ENCODINGS
        .iter()
        .map(|e| (e.name.to_string(), e.label.to_string()))
        .collect();
    ab.tokenizers.with(|t| {
        out.extend(t.iter().map(|v| {
            (
                v.id.clone(),
                format!("{} · {} + {} terms", v.id, v.base, v.terms.len()),
            )
        }))
    });
    out
}

/// A select over `options` bound to `get`/`set`; an empty first option says what to pick. A value not
/// in the list (an inline extension, a version from a pasted spec) is shown as its own option.
#[component]
fn Pick(
    #[prop(into)] label: String,
    options: Signal<Vec<(String, String)>>,
    value: Signal<String>,
    on_pick: Callback<String>,
    #[prop(optional, into)] none: Option<String>,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label.clone()}</span>
            <select
                aria-label=label
                prop:value=move || value.get()
                on:change=move |ev| on_pick.run(event_target_value(&ev))
            >
                {none.map(|n| view! { <option value="">{n}</option> })}
                {move || {
                    let v = value.get();
                    let mut opts = options.get();
                    if !v.is_empty() && !opts.iter().any(|(k, _)| *k == v) {
                        opts.insert(0, (v.clone(), v.clone()));
                    }
                    opts.into_iter()
                        .map(|(k, l)| {
                            let selected = k == v;
                            view! { <option value=k selected=selected>{l}</option> }
                        })
                        .collect_view()
                }}
            </select>
        </label>
    }
}

fn tok_value(t: &TokenizerRef) -> String {
    match t {
        TokenizerRef::Named(n) => n.clone(),
        TokenizerRef::Inline(_) => t.label(),
    }
}

#[component]
pub fn SpecPanel() -> impl IntoView {
    let ab = expect_context::<AbCtx>();
    let versions = Signal::derive(move || version_options(ab));
    let tokenizers = Signal::derive(move || tokenizer_options(ab));
    let edit = move |f: &dyn Fn(&mut Spec)| ab.spec.update(|s| f(s));
    // Until the student picks, the baseline is the workspace's current version.
    Effect::new(move |_| {
        let cur = ab.ws.ws.with(|w| w.current.clone());
        if let Some(cur) = cur {
            if ab.spec.with_untracked(|s| s.baseline_dataset.is_empty()) {
                ab.spec.update(|s| s.baseline_dataset = cur);
            }
        }
    });
    let load = move |_| match Spec::parse(&ab.text.get_untracked()) {
        Ok(s) => {
            ab.spec.set(s);
            ab.problems.set(Vec::new());
            ab.ws
                .info("Experiment loaded: the controls below show it. Run it when ready.");
        }
        Err(e) => ab.problems.set(e),
    };
    let write_out = move |_| ab.text.set(ab.spec.with_untracked(Spec::to_json));
    let save_file = move |_| {
        let json = ab.spec.with_untracked(Spec::to_json);
        if let Err(e) = download("experiment-spec.json", "application/json", json.as_bytes()) {
            ab.ws.error(e);
        }
    };
    view! {
        <Section title="Set up the experiment" heading_id="ab-setup">
            <p class="hint">
                "The " <strong>"baseline"</strong> " is a dataset version and a tokenizer. Every "
                <strong>"arm"</strong> " changes exactly one of the two against an earlier rung, and all are scored on the same "
                <strong>"evaluation set"</strong> " — a version none of them trains on."
            </p>
            <div class="form-grid">
                <Pick label="Baseline dataset" options=versions none="— pick a version —"
                    value=Signal::derive(move || ab.spec.with(|s| s.baseline_dataset.clone()))
                    on_pick=Callback::new(move |v: String| edit(&|s| s.baseline_dataset = v.clone())) />
                <Pick label="Baseline tokenizer" options=tokenizers
                    value=Signal::derive(move || ab.spec.with(|s| tok_value(&s.baseline_tokenizer)))
                    on_pick=Callback::new(move |v: String| edit(&|s| s.baseline_tokenizer = TokenizerRef::Named(v.clone()))) />
                <Pick label="Evaluation set" options=versions none="— pick a version —"
                    value=Signal::derive(move || ab.spec.with(|s| s.eval.clone()))
                    on_pick=Callback::new(move |v: String| edit(&|s| s.eval = v.clone())) />
                <Pick label="Model order (n of the n-gram)"
                    options=Signal::derive(|| ORDERS.map(|o| (o.to_string(), format!("{o}-gram"))).collect())
                    value=Signal::derive(move || ab.spec.with(|s| s.order.to_string()))
                    on_pick=Callback::new(move |v: String| edit(&|s| s.order = v.parse().unwrap_or(3))) />
                <label class="field">
                    <span>"Seed"</span>
                    <input type="number" min="0" aria-label="Seed"
                        prop:value=move || ab.spec.with(|s| s.seed.to_string())
                        on:change=move |ev| {
                            if let Ok(v) = event_target_value(&ev).parse() {
                                edit(&|s| s.seed = v)
                            }
                        } />
                </label>
            </div>
            <ArmsEditor versions=versions tokenizers=tokenizers />
            <RuleEditor />
            <div class="spec-json">
                <h3>"The spec as JSON"</h3>
                <p class="hint">"Paste a spec and load it to fill the controls, or write out what the controls say to keep or share it."</p>
                <label class="field wide">
                    <span>"Experiment spec"</span>
                    <textarea rows="12" class="mono" aria-label="Experiment spec" spellcheck="false"
                        prop:value=move || ab.text.get()
                        on:input=move |ev| ab.text.set(event_target_value(&ev))></textarea>
                </label>
                <div class="controls-row">
                    <button on:click=load>"Load experiment"</button>
                    <button class="secondary" on:click=write_out>"Spec of these controls"</button>
                    <button class="secondary" on:click=save_file>"Download spec"</button>
                </div>
            </div>
            {move || {
                let p = ab.problems.get();
                (!p.is_empty()).then(|| view! {
                    <div class="error" role="alert" data-testid="ab-problems">
                        <p>"The experiment cannot run yet:"</p>
                        <ul>{p.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                    </div>
                })
            }}
        </Section>
    }
}

/// The ladder of arms.
#[component]
fn ArmsEditor(
    versions: Signal<Vec<(String, String)>>,
    tokenizers: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let ab = expect_context::<AbCtx>();
    let add = move |_| {
        ab.spec.update(|s| {
            let n = s.arms.len() + 1;
            s.arms.push(ArmSpec {
                name: format!("arm-{n}"),
                dataset: None,
                tokenizer: None,
                against: None,
            })
        })
    };
    view! {
        <h3>"Arms"</h3>
        <p class="hint">"Each arm names what it changes; leave a field on “as baseline” to keep the baseline's."</p>
        <ol class="arms">
            {move || {
                let n = ab.spec.with(|s| s.arms.len());
                (0..n).map(|i| view! { <ArmRow i=i versions=versions tokenizers=tokenizers /> }).collect_view()
            }}
        </ol>
        <button class="secondary" on:click=add>"Add arm"</button>
    }
}

#[component]
fn ArmRow(
    i: usize,
    versions: Signal<Vec<(String, String)>>,
    tokenizers: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let ab = expect_context::<AbCtx>();
    let get = move |f: fn(&ArmSpec) -> String| {
        Signal::derive(move || ab.spec.with(|s| s.arms.get(i).map(f).unwrap_or_default()))
    };
    let set = move |f: fn(&mut ArmSpec, String)| {
        Callback::new(move |v: String| {
            ab.spec.update(|s| {
                if let Some(a) = s.arms.get_mut(i) {
                    f(a, v)
                }
            })
        })
    };
    let rungs = Signal::derive(move || {
        ab.spec.with(|s| {
            std::iter::once(BASELINE.to_string())
                .chain(s.arms.iter().take(i).map(|a| a.name.clone()))
                .map(|n| (n.clone(), n))
                .collect()
        })
    });
    let remove = move |_| {
        ab.spec.update(|s| {
            if i < s.arms.len() {
                s.arms.remove(i);
            }
        })
    };
    view! {
        <li class="arm-row">
            <label class="field">
                <span>"Arm name"</span>
                <input aria-label=format!("Arm {} name", i + 1)
                    prop:value=get(|a| a.name.clone())
                    on:change=move |ev| set(|a, v| a.name = v).run(event_target_value(&ev)) />
            </label>
            <Pick label=format!("Arm {} dataset", i + 1) options=versions none="as baseline"
                value=get(|a| a.dataset.clone().unwrap_or_default())
                on_pick=set(|a, v| a.dataset = (!v.is_empty()).then_some(v)) />
            <Pick label=format!("Arm {} tokenizer", i + 1) options=tokenizers none="as baseline"
                value=get(|a| a.tokenizer.as_ref().map(tok_value).unwrap_or_default())
                on_pick=set(|a, v| a.tokenizer = (!v.is_empty()).then_some(TokenizerRef::Named(v))) />
            <Pick label=format!("Arm {} compared with", i + 1) options=rungs
                value=get(|a| a.against.clone().unwrap_or_else(|| BASELINE.into()))
                on_pick=set(|a, v| a.against = (v != BASELINE).then_some(v)) />
            <button class="secondary" aria-label=format!("Remove arm {}", i + 1) on:click=remove>"Remove"</button>
        </li>
    }
}

/// The decision rule and the cost model, fixed before the run.
#[component]
fn RuleEditor() -> impl IntoView {
    let ab = expect_context::<AbCtx>();
    let num = move |label: &'static str,
                    step: &'static str,
                    get: fn(&Spec) -> f64,
                    put: fn(&mut Spec, f64)| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input type="number" step=step aria-label=label
                    prop:value=move || ab.spec.with(|s| get(s).to_string())
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                            ab.spec.update(|s| put(s, v));
                            // A rule changed after a run is logged at once.
                            leptos::task::spawn_local(super::run::log_rule_change(ab));
                        }
                    } />
            </label>
        }
    };
    view! {
        <h3>"Decision rule (set before the run)"</h3>
        <p class="hint">
            "Adopt an arm only when its whole 95% interval is better than the smallest gain worth having and its training tokens grow no more than allowed; reject it when the whole interval is worse; otherwise it is inconclusive. Changing the rule after a run is written to the log."
        </p>
        <div class="form-grid">
            {num("Smallest gain worth having (bits/byte)", "0.001", |s| s.rule.min_gain, |s, v| s.rule.min_gain = v.max(0.0))}
            {num("Largest growth in training tokens (%)", "1", |s| s.rule.max_cost_growth, |s, v| s.rule.max_cost_growth = v)}
            {num("Context length (tokens)", "1", |s| s.context as f64, |s, v| s.context = v.max(1.0) as usize)}
            <Pick label="GPT-2 size for the compute estimate"
                options=Signal::derive(|| MODEL_SIZES.iter().map(|(n, _)| (n.to_string(), format!("GPT-2 {n}"))).collect())
                value=Signal::derive(move || ab.spec.with(|s| s.model.clone()))
                on_pick=Callback::new(move |v: String| ab.spec.update(|s| s.model = v)) />
        </div>
    }
}
