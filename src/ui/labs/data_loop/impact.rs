//! Slide 19's storyboard on the student's choice: a phrase and a tokenizer version, measured against the
//! version's base on the current dataset (the sample dataset when the workspace is empty), then played.
//! With no version of their own yet, a stand-in plays: the terms the extend lab would suggest for the
//! corpus, added to GPT-2 in memory (never saved), and the story says so.
//! The corpus is tokenized in slices under the panel's own busy bar, with Cancel. Rows are counted as the A/B
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
use crate::core::quality::dedup::row_text;
use crate::core::storyboard::{tokenizer_story, Story, TokenizerImpact};
use crate::core::tokenize::encodings::EncodingSpec;
use crate::core::tokenize::extend::mining::{Miner, MiningOptions};
use crate::core::tokenize::extend::version::{build, TokenizerVersion};
use crate::core::tokenize::extend::Mode;
use crate::ui::jobs::{Jobs, Ticket};
use crate::ui::services::tokenizer::{encoder_for, load};
use crate::ui::services::workspace::now_iso;
use crate::ui::services::workspace::use_workspace;
use crate::ui::widgets::progress::BusyBar;
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

/// How many mined terms the stand-in version adds.
const STAND_IN_TERMS: usize = 8;

/// The stand-in: GPT-2 extended (added tokens, the notebook's way) by the best terms mined from `rows`,
/// mined in slices. `Ok(None)` if cancelled.
async fn stand_in(job: Ticket, rows: &[Record]) -> Result<Option<TokenizerVersion>, String> {
    let spec =
        EncodingSpec::by_name("gpt2").ok_or("GPT-2's encoding is missing from this build.")?;
    let sha256 = load(spec).await?.sha256;
    // An encoder of its own: the mining runs across awaits, so it must not borrow the shared one.
    let (mut enc, _) = encoder_for(&TokenizerPlan::Base {
        name: spec.name.to_string(),
    })
    .await?;
    let texts: Vec<String> = rows.iter().map(row_text).collect();
    let opts = MiningOptions {
        top: STAND_IN_TERMS,
        ..MiningOptions::default()
    };
    let mut miner = Miner::new(&opts);
    let mut slice = Slice::new();
    for (i, t) in texts.iter().enumerate() {
        miner.feed(&mut enc, t);
        if job
            .slice(&mut slice, 0.3 * (i + 1) as f64 / texts.len() as f64)
            .await
            .is_err()
        {
            return Ok(None);
        }
    }
    let terms: Vec<String> = miner
        .finish(&mut enc)
        .candidates
        .into_iter()
        .map(|c| c.term)
        .collect();
    if terms.is_empty() {
        return Err("no term occurs often enough in this corpus to suggest one; make a version in Extend the tokenizer".into());
    }
    let built = build(
        spec.name,
        &sha256,
        &enc,
        Mode::AddedTokens,
        &terms,
        None,
        &now_iso(),
        "stand-in",
    );
    Ok(Some(built.version))
}

#[component]
pub fn ImpactStoryboard(versions: Vec<TokenizerVersion>) -> impl IntoView {
    let ws = use_workspace();
    let versions = StoredValue::new(versions);
    let first = versions.with_value(|v| v.last().cloned());
    // A version's id, or "" for the stand-in.
    let chosen = RwSignal::new(first.as_ref().map(|v| v.id.clone()).unwrap_or_default());
    let phrase = RwSignal::new(default_phrase(first.as_ref()));
    // Until the student edits the phrase, it follows the stand-in's terms.
    let phrase_edited = StoredValue::new(first.is_some());
    let story = RwSignal::new(None::<Story>);
    let problem = RwSignal::new(None::<String>);
    // Its own job runner: measuring again when the version changes must never cancel the page's work
    // (an import still running, say).
    let jobs = Jobs::new();

    let measure = move || {
        let mine =
            versions.with_value(|vs| vs.iter().find(|v| v.id == chosen.get_untracked()).cloned());
        let rows = ws.rows.get_untracked();
        let current = ws.current_id();
        problem.set(None);
        spawn_local(async move {
            let job = jobs.start("Tokenizing the corpus before and after …");
            let result: Result<Option<Story>, String> = async {
                let (rows, name) = corpus(rows, current).await?;
                let standing_in = mine.is_none();
                let v = match mine {
                    Some(v) => v,
                    None => match stand_in(job, &rows).await? {
                        Some(v) => v,
                        None => return Ok(None),
                    },
                };
                if standing_in && !phrase_edited.get_value() {
                    phrase.set(default_phrase(Some(&v)));
                }
                let text = phrase.get_untracked();
                let before_plan = TokenizerPlan::Base { name: v.base.clone() };
                let after_plan = TokenizerPlan::Version { version: Box::new(v.clone()) };
                let (mut before, before_id) = encoder_for(&before_plan).await?;
                let (mut after, after_id) = encoder_for(&after_plan).await?;
                let (mut a, mut b) = (Vec::with_capacity(rows.len()), Vec::with_capacity(rows.len()));
                let mut slice = Slice::new();
                let start = if standing_in { 0.3 } else { 0.0 };
                for (i, r) in rows.iter().enumerate() {
                    let p = prompt(r);
                    a.push(before.encode(&p, false).len() as u32);
                    b.push(after.encode(&p, false).len() as u32);
                    let done = start + (1.0 - start) * (i + 1) as f64 / rows.len() as f64;
                    if job.slice(&mut slice, done).await.is_err() {
                        return Ok(None);
                    }
                }
                let mut s = tokenizer_story(&TokenizerImpact {
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
                });
                if standing_in {
                    s.source = format!(
                        "Stand-in {after_id}: GPT-2 plus the {} terms mined from {name} ({}), made in memory and not saved — make your own in Extend the tokenizer",
                        v.terms.len(),
                        v.terms.iter().map(|t| t.trim()).collect::<Vec<_>>().join(", ")
                    );
                }
                Ok(Some(s))
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
    let none_yet = versions.with_value(|v| v.is_empty());
    view! {
        {none_yet.then(|| view! {
            <p class="hint" data-testid="storyboard-tokenizer-stand-in">
                "You have no tokenizer version yet, so a stand-in plays: the terms "<a href="?lab=extend">"Extend the tokenizer"</a>
                " would suggest for this corpus. Make your own there to play it here."
            </p>
        })}
        <div class="field-row">
            <div class="field">
                <label class="field-label" for="story-phrase">"Phrase"</label>
                <input id="story-phrase" type="text" prop:value=move || phrase.get()
                    on:change=move |ev| {
                        phrase_edited.set_value(true);
                        phrase.set(event_target_value(&ev));
                    } />
            </div>
            <div class="field">
                <label class="field-label" for="story-tokenizer">"Tokenizer version"</label>
                <select id="story-tokenizer" on:change=move |ev| chosen.set(event_target_value(&ev))>
                    {versions.with_value(|vs| vs.iter().rev().map(|v| {
                        let id = v.id.clone();
                        let selected = id == chosen.get_untracked();
                        view! { <option value=id.clone() selected=selected>{format!("{id} ({} + {} terms)", v.base, v.terms.len())}</option> }
                    }).collect_view())}
                    <option value="" selected=none_yet>"Stand-in: terms mined from the corpus"</option>
                </select>
            </div>
            <button type="button" on:click=move |_| measure()>"Measure"</button>
        </div>
        <BusyBar jobs=jobs cancel=move || { jobs.cancel(); } />
        {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
        <Storyboard label="Storyboard: the tokenizer's impact" key="tokenizer" story=story />
    }
}
