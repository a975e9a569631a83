//! Learning curves and cost: bits per byte against training tokens seen (slide 10's "training stability"
//! and "efficiency" at lab scale), what each arm's data costs under its tokenizer, and how the
//! token-length distribution shifts against the rung (slide 10: "track token-length distribution
//! changes").

use leptos::prelude::*;

use super::state::AbCtx;
use crate::core::ab::compare::cost;
use crate::core::stats::histogram;
use crate::ui::design::Section;
use crate::ui::widgets::histogram::PairedHistogram;
use crate::ui::widgets::line_chart::{LineChart, Series};

fn flops(f: f64) -> String {
    if f <= 0.0 {
        return "0".into();
    }
    let e = f.log10().floor() as i32;
    format!("{:.2}e{e}", f / 10f64.powi(e))
}

#[component]
pub fn CostPanel() -> impl IntoView {
    let ab = expect_context::<AbCtx>();
    let curves = Signal::derive(move || {
        ab.run.with(|r| {
            r.as_ref()
                .map(|r| {
                    r.results
                        .iter()
                        .flatten()
                        .map(|a| {
                            let pts = a
                                .curve
                                .iter()
                                .map(|p| (p.tokens as f64, p.bits_per_byte))
                                .collect();
                            (a.name.clone(), pts)
                        })
                        .collect::<Vec<Series>>()
                })
                .unwrap_or_default()
        })
    });
    let chosen = RwSignal::new(String::new());
    let arms = move || {
        ab.run.with(|r| {
            r.as_ref()
                .map(|r| {
                    r.plan
                        .rungs
                        .iter()
                        .enumerate()
                        .filter(|(i, x)| x.against.is_some() && r.results[*i].is_some())
                        .map(|(_, x)| x.name.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    // The chosen arm's row lengths against its rung's, on the same bins.
    let overlay = Signal::derive(move || {
        ab.run.with(|r| {
            let r = r.as_ref()?;
            let want = chosen.get();
            let i = r
                .plan
                .rungs
                .iter()
                .position(|x| x.against.is_some() && (want.is_empty() || x.name == want))?;
            let mine = r.results[i].as_ref()?;
            let theirs = r.results[r.plan.rungs[i].against?].as_ref()?;
            let max = mine
                .row_tokens
                .iter()
                .chain(&theirs.row_tokens)
                .max()
                .copied()
                .unwrap_or(0) as usize;
            let lens = |v: &[u32]| v.iter().map(|&x| x as usize).collect::<Vec<_>>();
            Some((
                theirs.name.clone(),
                mine.name.clone(),
                histogram(&lens(&theirs.row_tokens), 20, Some(max)),
                histogram(&lens(&mine.row_tokens), 20, Some(max)),
                r.table[i].shift,
            ))
        })
    });
    view! {
        <Section title="Learning curves and cost" heading_id="ab-cost">
            {move || match ab.run.get() {
                None => view! { <p class="hint">"After a run: each arm's learning curve, and what its data costs in tokens and compute."</p> }.into_any(),
                Some(run) => {
                    let params = run.spec.model_params();
                    let context = run.spec.context;
                    view! {
                        <LineChart data=curves title="Learning curves: bits per byte on the evaluation set"
                            x_label="training tokens seen (log scale)" y_label="bits per byte" />
                        <p class="hint">
                            "Why per byte: a tokenizer with longer tokens has fewer, harder-to-guess tokens, so loss per token moves with the vocabulary even when the data does not change. Every arm is scored on the same evaluation bytes. Tokens never seen in training are scored as "
                            <code>"<unk>"</code> ", as KenLM does."
                        </p>
                        <div class="table-wrap">
                            <table>
                                <caption>{format!("Cost of each arm's training rows (GPT-2 {} with the arm's vocabulary; context {context} tokens)", run.spec.model)}</caption>
                                <thead><tr>
                                    <th scope="col">"Rung"</th><th scope="col">"Tokenizer"</th><th scope="col">"Rows"</th>
                                    <th scope="col">"Tokens"</th><th scope="col">"Tokens/word"</th><th scope="col">"Chars/token"</th>
                                    <th scope="col">"p50 / p90 / p99 tokens per row"</th><th scope="col">"Over context"</th>
                                    <th scope="col">"Parameters"</th><th scope="col">"Compute (6·N·D FLOPs)"</th>
                                    <th scope="col">"N-grams"</th><th scope="col">"Unseen eval tokens"</th>
                                    <th scope="col">"Worker time"</th>
                                </tr></thead>
                                <tbody>
                                    {run.results.iter().flatten().map(|a| {
                                        let c = cost(a, params, context);
                                        view! {
                                            <tr>
                                                <th scope="row">{a.name.clone()}</th>
                                                <td class="mono">{a.tokenizer_id.clone()}</td>
                                                <td class="num">{c.rows}</td>
                                                <td class="num">{c.tokens}</td>
                                                <td class="num">{format!("{:.3}", c.fertility)}</td>
                                                <td class="num">{format!("{:.2}", c.chars_per_token)}</td>
                                                <td class="num">{format!("{:.0} / {:.0} / {:.0}", c.p50, c.p90, c.p99)}</td>
                                                <td class="num">{format!("{:.1}%", c.over_context * 100.0)}</td>
                                                <td class="num">{format!("{:.1}M", c.params as f64 / 1e6)}</td>
                                                <td class="num">{flops(c.flops)}</td>
                                                <td class="num">{a.ngrams.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" / ")}</td>
                                                <td class="num">{a.eval_unknown}</td>
                                                <td class="num" data-testid=format!("ab-millis-{}", a.name)>{format!("{:.0} ms", a.millis)}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }
            }}
            {move || {
                let names = arms();
                (!names.is_empty()).then(|| view! {
                    <label class="field">
                        <span>"Token lengths of arm"</span>
                        <select aria-label="Token lengths of arm" on:change=move |ev| chosen.set(event_target_value(&ev))>
                            {names.into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                })
            }}
            {move || overlay.get().map(|(rung, arm, before, after, shift)| {
                let title = format!("Tokens per training row: {arm} against {rung}");
                view! {
                    <PairedHistogram data=Signal::derive(move || (before.clone(), after.clone()))
                        title=title x_label="tokens per row" legend=(rung.clone(), arm.clone()) />
                    {shift.map(|s| view! {
                        <p class="hint">{format!(
                            "Distance between the two distributions: Kolmogorov–Smirnov {:.3} (largest gap between the cumulative shares), earth mover's {:.1} tokens (how far a row's length moved on average).",
                            s.ks, s.emd
                        )}</p>
                    })}
                }
            })}
        </Section>
    }
}
