//! Slide 19's storyboard on the student's choice: a phrase and a tokenizer version, measured against the
//! version's base on the current dataset (the sample dataset when the workspace is empty), then played.
//! The corpus is tokenized in slices under the page's busy bar, with Cancel. Rows are counted as the A/B
//! lab counts them (the book's prompt format; `encode(text, false)`, so an added-tokens version's terms
//! match and special tokens stay text).

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::ab::plan::TokenizerPlan;
use crate::core::ab::proxy::prompt;
use crate::core::dataset::importer::import_text;
use crate::core::dataset::parse::CsvMapping;
use crate::core::dataset::record::Record;
use crate::core::storyboard::{tokenizer_story, Story, TokenizerImpact};
use crate::core::tokenize::extend::version::TokenizerVersion;
use crate::ui::services::tokenizer::encoder_for;
use crate::ui::services::workspace::use_workspace;
use crate::ui::widgets::storyboard::Storyboard;
use crate::web::fetch::fetch_bytes;
use crate::web::tick::Slice;

/// GPT-2 small and its context: the size the cost model prices by default, as in the A/B lab.
const PARAMS: u64 = 124_000_000;
const CONTEXT: usize = 1024;

/// The phrase offered first: the version's own terms, so the saving shows at once.
fn default_phrase(v: Option<&TokenizerVersion>) -> String {
    match v {
        Some(v) if !v.terms.is_empty() => {
            // Terms keep their leading space (" Kubernetes" is the word inside a sentence); a term without
            // one is written after a space, as text has it.
            let terms: Vec<String> = v
                .terms
                .iter()
                .take(4)
                .map(|t| {
                    if t.starts_with(char::is_whitespace) {
                        t.clone()
                    } else {
                        format!(" {t}")
                    }
                })
                .collect();
            format!("Notes on{}", terms.join(","))
        }
        _ => "Kubernetes pods autoscale with kubectl".into(),
    }
}

/// The corpus the shift is measured on: the current version's rows, or the sample's.
async fn corpus(
    rows: Arc<Vec<Record>>,
    current: Option<String>,
) -> Result<(Arc<Vec<Record>>, String), String> {
    if let (Some(id), false) = (current, rows.is_empty()) {
        return Ok((rows, format!("your version {id}")));
    }
    let bytes = fetch_bytes("sample/train.json").await?;
    let text = String::from_utf8(bytes).map_err(|e| e.to_string())?;
    let imported = import_text(text, "sample/train.json", None, &CsvMapping::default())
        .map_err(|e| e.to_string())?;
    Ok((Arc::new(imported.records), "the sample dataset".into()))
}

#[component]
pub fn ImpactStoryboard(versions: Vec<TokenizerVersion>) -> impl IntoView {
    let ws = use_workspace();
    let versions = StoredValue::new(versions);
    let first = versions.with_value(|v| v.last().cloned());
    let chosen = RwSignal::new(first.as_ref().map(|v| v.id.clone()).unwrap_or_default());
    let phrase = RwSignal::new(default_phrase(first.as_ref()));
    let story = RwSignal::new(None::<Story>);
    let problem = RwSignal::new(None::<String>);

    let measure = move || {
        let Some(v) =
            versions.with_value(|vs| vs.iter().find(|v| v.id == chosen.get_untracked()).cloned())
        else {
            return;
        };
        let text = phrase.get_untracked();
        let rows = ws.rows.get_untracked();
        let current = ws.current_id();
        problem.set(None);
        spawn_local(async move {
            let job = ws.jobs.start("Tokenizing the corpus before and after …");
            let result: Result<Option<Story>, String> = async {
                let before_plan = TokenizerPlan::Base {
                    name: v.base.clone(),
                };
                let after_plan = TokenizerPlan::Version {
                    version: Box::new(v.clone()),
                };
                let (mut before, before_id) = encoder_for(&before_plan).await?;
                let (mut after, after_id) = encoder_for(&after_plan).await?;
                let (rows, name) = corpus(rows, current).await?;
                let (mut a, mut b) = (
                    Vec::with_capacity(rows.len()),
                    Vec::with_capacity(rows.len()),
                );
                let mut slice = Slice::new();
                for (i, r) in rows.iter().enumerate() {
                    let p = prompt(r);
                    a.push(before.encode(&p, false).len() as u32);
                    b.push(after.encode(&p, false).len() as u32);
                    if job
                        .slice(&mut slice, (i + 1) as f64 / rows.len() as f64)
                        .await
                        .is_err()
                    {
                        return Ok(None);
                    }
                }
                Ok(Some(tokenizer_story(&TokenizerImpact {
                    phrase: &text,
                    before_name: &before_id,
                    after_name: &after_id,
                    phrase_before: before.encode(&text, false).len(),
                    phrase_after: after.encode(&text, false).len(),
                    rows_before: &a,
                    rows_after: &b,
                    n_vocab_before: before.n_vocab(),
                    n_vocab_after: after.n_vocab(),
                    corpus: &name,
                    params: PARAMS,
                    context: CONTEXT,
                })))
            }
            .await;
            job.end();
            match result {
                Ok(Some(s)) => story.set(Some(s)),
                Ok(None) => {}
                Err(e) => problem.set(Some(format!(
                    "The tokenizer's impact could not be measured: {e}"
                ))),
            }
        });
    };

    if versions.with_value(|v| v.is_empty()) {
        return view! {
            <p class="loop-todo" data-testid="storyboard-tokenizer-empty">
                "To do first: make a tokenizer version in "<a href="?lab=extend">"Extend the tokenizer"</a>
                " — this storyboard plays a phrase and your dataset before and after it."
            </p>
        }
        .into_any();
    }
    // Measured once the workspace has opened (and again on "Measure"), so Play has a story to play.
    // Measured once the workspace has opened, and again whenever the current version changes (and on
    // "Measure"), so Play always has a story of the data in front of the student.
    let measured = StoredValue::new(None::<(Option<String>, usize)>);
    Effect::new(move |_| {
        let opened = ws.saved.get() != crate::ui::services::workspace::Saved::Opening;
        let now = (ws.ws.with(|w| w.current.clone()), ws.rows.with(|r| r.len()));
        if opened && measured.get_value().as_ref() != Some(&now) {
            measured.set_value(Some(now));
            measure();
        }
    });
    view! {
        <div class="field-row">
            <div class="field">
                <label class="field-label" for="story-phrase">"Phrase"</label>
                <input id="story-phrase" type="text" prop:value=move || phrase.get()
                    on:change=move |ev| phrase.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label class="field-label" for="story-tokenizer">"Tokenizer version"</label>
                <select id="story-tokenizer" on:change=move |ev| chosen.set(event_target_value(&ev))>
                    {versions.with_value(|vs| vs.iter().rev().map(|v| {
                        let id = v.id.clone();
                        let selected = id == chosen.get_untracked();
                        view! { <option value=id.clone() selected=selected>{format!("{id} ({} + {} terms)", v.base, v.terms.len())}</option> }
                    }).collect_view())}
                </select>
            </div>
            <button type="button" on:click=move |_| measure()>"Measure"</button>
        </div>
        {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
        <Storyboard label="Storyboard: the tokenizer's impact" key="tokenizer" story=story />
    }
    .into_any()
}
