//! Panel 3: the baselines trained here — majority class and bag-of-words logistic regression — in one
//! table with the book's published results (labelled as reported), so a student compares under one
//! protocol.

use leptos::prelude::*;

use super::state::{ICtx, TRAINING};
use crate::core::imdb::baseline::BaselineReport;
use crate::core::imdb::reported::REPORTED;
use crate::ui::design::Section;
use crate::ui::widgets::progress::BusyBar;

/// "88.85" (percent, two decimals) or "—" for an empty split.
fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.2}", v * 100.0))
}

fn pct_cell(v: Option<f64>, testid: Option<&'static str>) -> impl IntoView {
    let unit = if v.is_some() { " %" } else { "" };
    match testid {
        Some(id) => {
            view! { <td class="num"><span data-testid=id>{pct(v)}</span>{unit}</td> }.into_any()
        }
        None => view! { <td class="num"><span>{pct(v)}</span>{unit}</td> }.into_any(),
    }
}

fn own_rows(r: &BaselineReport) -> impl IntoView {
    let secs = (r.millis_vectorize + r.millis_fit) / 1000.0;
    view! {
        <tr class="own">
            <th scope="row">"Majority class (this run)"</th>
            <td>"1 label"</td>
            {pct_cell(r.majority[0], None)}
            {pct_cell(r.majority[1], None)}
            {pct_cell(r.majority[2], Some("majority-test-accuracy"))}
            <td>"instant"</td>
            <td>"measured here"</td>
        </tr>
        <tr class="own">
            <th scope="row">"Logistic regression, bag of words (this run)"</th>
            <td>{format!("{} weights", r.vocabulary + 1)}</td>
            {pct_cell(r.logreg[0], Some("logreg-train-accuracy"))}
            {pct_cell(r.logreg[1], Some("logreg-validation-accuracy"))}
            {pct_cell(r.logreg[2], Some("logreg-test-accuracy"))}
            <td>{format!("{secs:.1} s in your browser")}</td>
            <td>"measured here"</td>
        </tr>
    }
}

fn reported_rows() -> impl IntoView {
    REPORTED
        .iter()
        .map(|r| {
            let opt = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.2} %"));
            view! {
                <tr class="low">
                    <th scope="row">{r.model}</th>
                    <td>{r.size}</td>
                    <td class="num">{opt(r.train)}</td>
                    <td class="num">{opt(r.validation)}</td>
                    <td class="num">{format!("{:.2} %", r.test)}</td>
                    <td>{r.time}</td>
                    <td>"as reported"</td>
                </tr>
            }
        })
        .collect::<Vec<_>>()
}

fn details(r: &BaselineReport) -> impl IntoView {
    let words = |list: &[(String, f64)]| {
        list.iter()
            .map(|(w, c)| view! { <li class="chip"><span class="chip-text">{w.clone()}</span> <span class="chip-id">{format!("{c:+.2}")}</span></li> })
            .collect::<Vec<_>>()
    };
    view! {
        <p class="hint">
            {format!(
                "Vocabulary {} terms from {} training reviews ({} non-zero counts). Majority label: {}. Fit: {} iterations, {} evaluations, objective {:.6}, largest gradient {:.1e}; {}. Counting words {:.1} s, fitting {:.1} s.",
                r.vocabulary, r.rows[0], r.nnz,
                if r.majority_label == 1 { "positive" } else { "negative" },
                r.n_iter, r.evaluations, r.objective, r.grad_max, r.stop,
                r.millis_vectorize / 1000.0, r.millis_fit / 1000.0
            )}
        </p>
        <div class="two-col">
            <div>
                <h3>"Words that push towards positive"</h3>
                <ul class="chips" data-testid="top-positive">{words(&r.top_positive)}</ul>
            </div>
            <div>
                <h3>"Words that push towards negative"</h3>
                <ul class="chips" data-testid="top-negative">{words(&r.top_negative)}</ul>
            </div>
        </div>
    }
}

#[component]
pub fn BaselinesPanel() -> impl IntoView {
    let ctx = expect_context::<ICtx>();
    let num = move |sig: RwSignal<f64>, what: &'static str| {
        move |ev: leptos::ev::Event| match event_target_value(&ev).trim().parse::<f64>() {
            Ok(v) if v > 0.0 && v.is_finite() => sig.set(v),
            _ => ctx
                .train_error
                .set(Some(format!("{what} must be a number above 0."))),
        }
    };
    let set_max_iter =
        move |ev: leptos::ev::Event| match event_target_value(&ev).trim().parse::<usize>() {
            Ok(v) if v > 0 => ctx.max_iter.set(v),
            _ => ctx
                .train_error
                .set(Some("max_iter must be a whole number above 0.".into())),
        };
    view! {
        <Section title="Baselines" heading_id="baselines-h">
            <p>
                "The reference baseline script: " <code>"CountVectorizer()"</code> " (lowercase, tokens of two or more word characters, raw counts) and "
                <code>"LogisticRegression(max_iter=1000)"</code> " (L2, C = 1, lbfgs), fitted on train.csv; "
                <code>"DummyClassifier()"</code> " predicts the most frequent training label. Both run here, in a background worker."
            </p>
            <div class="controls">
                <div class="field">
                    <label class="field-label" for="imdb-c">"C (inverse regularisation)"</label>
                    <input id="imdb-c" type="number" min="0" step="any" prop:value=move || ctx.c.get().to_string()
                        on:change=num(ctx.c, "C") />
                </div>
                <div class="field">
                    <label class="field-label" for="imdb-max-iter">"max_iter"</label>
                    <input id="imdb-max-iter" type="number" min="1" step="1" prop:value=move || ctx.max_iter.get().to_string()
                        on:change=set_max_iter />
                </div>
                <div class="field">
                    <label class="field-label" for="imdb-tol">"tol"</label>
                    <input id="imdb-tol" type="number" min="0" step="any" prop:value=move || ctx.tol.get().to_string()
                        on:change=num(ctx.tol, "tol") />
                </div>
                <label class="check">
                    <input type="checkbox" prop:checked=move || ctx.auto_train.get()
                        on:change=move |ev| ctx.auto_train.set(event_target_checked(&ev)) />
                    "Fit the baselines as soon as the splits are ready"
                </label>
                <div class="buttons">
                    <button type="button" on:click=move |_| ctx.train()
                        disabled=move || ctx.prepared.get().is_none()>"Train baselines"</button>
                </div>
            </div>
            <BusyBar jobs=ctx.jobs cancel=move || ctx.cancel() only=TRAINING />
            {move || ctx.train_error.get().map(|e| view! { <p class="error" role="alert" data-testid="train-error">{e}</p> })}
            <div class="table-wrap">
                <table class="data baselines" data-testid="baseline-table">
                    <caption class="sr-only">"Baselines: this run beside the published results"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Model"</th>
                            <th scope="col">"Size"</th>
                            <th scope="col">"Train accuracy"</th>
                            <th scope="col">"Validation accuracy"</th>
                            <th scope="col">"Test accuracy"</th>
                            <th scope="col">"Time"</th>
                            <th scope="col">"Source"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || ctx.report.get().map(|r| own_rows(&r))}
                        {reported_rows()}
                    </tbody>
                </table>
            </div>
            <p class="hint">
                "Reported rows come from the book's repository (the IMDb bonus folder's results and logs; hardware not stated). "
                "They were measured on the reference script's splits: compare only if your SHA-256s match the script's files. "
                "The fine-tuned transformers gain about 3–6 points over the bag-of-words baseline at 66M–395M parameters and minutes of GPU time."
            </p>
            {move || ctx.report.get().map(|r| details(&r))}
        </Section>
    }
}
