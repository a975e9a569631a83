//! What measuring and mining a corpus found: the problems met while reading it, the impact of the
//! extension (tokens before and after, per record and per term), and the candidate terms mined from it.

use leptos::prelude::*;

use super::state::Ctx;
use crate::core::stats::histogram;
use crate::core::tokenize::extend::corpus::CorpusFormat;
use crate::core::tokenize::extend::impact::Impact;
use crate::core::tokenize::extend::mining::MiningResult;
use crate::ui::widgets::histogram::PairedHistogram;

/// How a corpus was read: its format, the records kept, the problems listed (at most a hundred) and how
/// many there are in all.
pub type ReadSummary = (CorpusFormat, usize, Vec<String>, usize);

/// How the corpus was read, how many records were kept, and its problems (each naming its line).
#[component]
pub fn CorpusProblems(parsed: RwSignal<Option<ReadSummary>>) -> impl IntoView {
    move || {
        parsed.get().map(|(format, records, problems, total)| {
            let fmt = match format {
                CorpusFormat::PlainText => "plain text (one record per paragraph)",
                CorpusFormat::JsonArray => "a JSON array of instruction records",
                CorpusFormat::Jsonl => "JSONL instruction records",
            };
            view! {
                <p class="note">{format!("Read as {fmt}: {records} records kept, {total} problem(s).")}</p>
                <ul class="findings" aria-label="Corpus problems">
                    {problems
                        .into_iter()
                        .map(|p| view! { <li class="finding warning">{p}</li> })
                        .collect_view()}
                </ul>
            }
        })
    }
}

/// Tokens before and after the extension: totals, per-record percentiles and histogram, and per term.
#[component]
pub fn ImpactResults(impact: RwSignal<Option<Impact>>) -> impl IntoView {
    move || {
        impact.get().map(|r| {
            let (saved, share) = r.saved();
            let bins = 20;
            let max = r.before_summary.max.max(r.after_summary.max);
            let hist = (histogram(&r.before, bins, Some(max)), histogram(&r.after, bins, Some(max)));
            let pct = |label: &'static str, b: f64, a: f64, id: &'static str| {
                view! {
                    <tr>
                        <th scope="row">{label}</th>
                        <td data-testid=format!("{id}-before")>{format!("{b:.1}")}</td>
                        <td data-testid=format!("{id}-after")>{format!("{a:.1}")}</td>
                        <td>{format!("{:+.1}", a - b)}</td>
                    </tr>
                }
            };
            let (bs, a_s) = (r.before_summary, r.after_summary);
            let terms = r
                .terms
                .iter()
                .map(|t| {
                    view! {
                        <tr>
                            <th scope="row" class="mono">{format!("{:?}", t.term)}</th>
                            <td>{t.id.map(|i| i.to_string()).unwrap_or_else(|| "not added".into())}</td>
                            <td>{t.occurrences}</td>
                            <td>{t.tokens_before}</td>
                            <td>{t.saved}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <div class="stats">
                    <div class="stat">
                        <span class="stat-label">"Tokens before"</span>
                        <span class="stat-value" data-testid="corpus-tokens-before">{r.total_before}</span>
                    </div>
                    <div class="stat">
                        <span class="stat-label">"Tokens after"</span>
                        <span class="stat-value" data-testid="corpus-tokens-after">{r.total_after}</span>
                    </div>
                    <div class="stat">
                        <span class="stat-label">"Saved"</span>
                        <span class="stat-value" data-testid="corpus-tokens-saved">{saved}</span>
                        <span class="note">{format!("{:.2}% of the corpus", share * 100.0)}</span>
                    </div>
                </div>
                <p class="note">
                    "Measured with tokenizer "
                    <code data-testid="corpus-version-id">{r.version_id.clone()}</code>
                </p>
                <table class="data compact" aria-label="Sequence length per record">
                    <thead>
                        <tr><th scope="col">"Tokens per record"</th><th scope="col">"Before"</th><th scope="col">"After"</th><th scope="col">"Shift"</th></tr>
                    </thead>
                    <tbody>
                        {pct("p50", bs.p50, a_s.p50, "p50")}
                        {pct("p90", bs.p90, a_s.p90, "p90")}
                        {pct("p99", bs.p99, a_s.p99, "p99")}
                        {pct("mean", bs.mean, a_s.mean, "mean")}
                    </tbody>
                </table>
                <PairedHistogram data=Signal::derive(move || hist.clone()) title="Tokens per record" x_label="tokens per record (bin start)" />
                <table class="data" aria-label="Impact per term">
                    <thead>
                        <tr>
                            <th scope="col">"Term"</th>
                            <th scope="col">"New id"</th>
                            <th scope="col">"Occurrences"</th>
                            <th scope="col">"Tokens before"</th>
                            <th scope="col">"Tokens saved"</th>
                        </tr>
                    </thead>
                    <tbody>{terms}</tbody>
                </table>
            }
        })
    }
}

/// The mined candidate terms, each with an "Add" button (and "Add top 10") that puts it in the term list.
#[component]
pub fn Candidates(mined: RwSignal<Option<MiningResult>>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let add_terms = move |new: Vec<String>| {
        ctx.terms_raw.update(|raw| {
            let mut terms = crate::core::tokenize::extend::parse_terms(raw);
            for t in new {
                if !terms.contains(&t) {
                    terms.push(t);
                }
            }
            *raw = terms.join("\n");
        });
    };
    let add_top = move |_| {
        let top: Vec<String> = mined.with(|m| {
            m.as_ref()
                .map(|m| {
                    m.candidates
                        .iter()
                        .take(10)
                        .map(|c| c.term.clone())
                        .collect()
                })
                .unwrap_or_default()
        });
        add_terms(top);
    };

    move || {
        mined.get().map(|m| {
            let rows = m
                .candidates
                .into_iter()
                .map(|c| {
                    let term = c.term.clone();
                    view! {
                        <tr class:low=c.low_value>
                            <th scope="row" class="mono">{format!("{:?}", c.term)}</th>
                            <td>{c.frequency}</td>
                            <td>{c.tokens}</td>
                            <td>{c.saving}</td>
                            <td>{format!("{:.3}%", c.share * 100.0)}</td>
                            <td>
                                {c.low_value.then(|| view! { <span class="badge warn" title="Saves under 0.05% of the corpus, or occurs under 5 times: probably not worth a new embedding row.">"low value"</span> })}
                            </td>
                            <td>
                                <button type="button" on:click=move |_| add_terms(vec![term.clone()])>"Add"</button>
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <p class="note">{format!("The corpus is {} GPT-2 tokens. Ranked by tokens saved = frequency × (tokens − 1).", m.total_tokens)}</p>
                <button type="button" on:click=add_top>"Add top 10"</button>
                <table class="data" aria-label="Candidate terms">
                    <thead>
                        <tr>
                            <th scope="col">"Term"</th>
                            <th scope="col">"Frequency"</th>
                            <th scope="col">"Tokens now"</th>
                            <th scope="col">"Tokens saved"</th>
                            <th scope="col">"Share"</th>
                            <th scope="col">"Warning"</th>
                            <th scope="col">"Add"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            }
        })
    }
}
