//! Corpus impact (tokens before/after, length distribution, per-term savings) and candidate mining.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::corpus_results::{Candidates, CorpusProblems, ImpactResults, ReadSummary};
use super::state::Ctx;
use crate::core::job::Ended;
use crate::core::tokenize::extend::corpus::{parse_corpus, Corpus};
use crate::core::tokenize::extend::impact::{Impact, ImpactJob};
use crate::core::tokenize::extend::mining::{Miner, MiningOptions, MiningResult};
use crate::ui::design::Section;
use crate::ui::jobs::{Jobs, Slice};
use crate::ui::widgets::progress::Progress;
use crate::web::files::read_chosen_text;
use crate::web::tick::{now_ms, yield_now};

/// Files larger than this are measured without being shown in the text box.
const SHOW_IN_BOX: usize = 1_000_000;

/// Problems listed at most (the count says how many there are).
const MAX_PROBLEMS: usize = 100;

#[component]
pub fn CorpusPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let corpus_text = RwSignal::new(String::new());
    // A large file is measured from here rather than put in the text box (a text box holding tens of
    // megabytes makes the page crawl).
    let file_corpus = RwSignal::new(None::<String>);
    let file_note = RwSignal::new(None::<Result<String, String>>);
    let parsed = RwSignal::new(None::<ReadSummary>);
    let impact = RwSignal::new(None::<Impact>);
    // Measuring and mining run on this thread in slices, one at a time.
    let jobs = Jobs::new();
    let running = move || jobs.is_busy();
    let progress = Signal::derive(move || jobs.busy().with(|b| b.as_ref().map(|b| b.progress)));
    let status = RwSignal::new(None::<String>);
    let mined = RwSignal::new(None::<MiningResult>);
    let file_input = NodeRef::<Input>::new();

    let on_file = move |_| {
        let Some(input) = file_input.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match read_chosen_text(&input).await {
                Some(Ok((name, text))) if text.len() > SHOW_IN_BOX => {
                    file_note.set(Some(Ok(format!(
                        "Using {name} ({:.1} MB) as the corpus; it is too large to show in the box. Type in the box to use typed text instead.",
                        text.len() as f64 / 1e6
                    ))));
                    corpus_text.set(String::new());
                    file_corpus.set(Some(text));
                }
                Some(Ok((name, text))) => {
                    file_note.set(Some(Ok(format!("Read {name} ({} bytes).", text.len()))));
                    file_corpus.set(None);
                    corpus_text.set(text);
                }
                Some(Err(e)) => file_note.set(Some(Err(e))),
                None => {}
            }
        });
    };

    // Parses the corpus and lists its problems; returns it for measuring or mining.
    let parse = move || -> Corpus {
        let corpus = match file_corpus.with_untracked(|f| f.as_ref().map(|t| parse_corpus(t))) {
            Some(c) => c,
            None => corpus_text.with_untracked(|t| parse_corpus(t)),
        };
        let problems: Vec<String> = corpus
            .issues
            .iter()
            .take(MAX_PROBLEMS)
            .map(|i| i.message.clone())
            .collect();
        parsed.set(Some((
            corpus.format,
            corpus.records.len(),
            problems,
            corpus.issues.len(),
        )));
        corpus
    };

    let measure = move |_| measure_impact(ctx, jobs, status, impact, parse);
    let cancel = move |_| {
        jobs.cancel();
        status.set(Some(Ended::Cancelled.message()));
    };
    let do_mine = move |_| mine_candidates(ctx, jobs, status, mined, parse);
    view! {
        <Section title="Impact on a corpus, and candidates from it" heading_id="corpus-h">
            <p class="hint">
                "Paste plain text, or an instruction dataset as a JSON array or JSONL (fields instruction, input, output). "
                "Problems are listed by line; every readable record is kept."
            </p>
            <label class="field-label" for="ext-corpus">
                "Corpus"
            </label>
            <textarea
                id="ext-corpus"
                rows="5"
                spellcheck="false"
                prop:value=move || corpus_text.get()
                on:input=move |ev| {
                    file_corpus.set(None);
                    file_note.set(None);
                    corpus_text.set(event_target_value(&ev));
                }
            ></textarea>
            <div class="controls">
                <label class="field-label inline" for="ext-corpus-file">
                    "Corpus file"
                </label>
                <input id="ext-corpus-file" type="file" accept=".txt,.json,.jsonl,text/plain,application/json" node_ref=file_input on:change=on_file />
                <div class="buttons">
                    <button type="button" on:click=measure disabled=running>
                        "Measure impact"
                    </button>
                    <button type="button" on:click=cancel disabled=move || !running()>
                        "Cancel"
                    </button>
                    <button type="button" on:click=do_mine disabled=running>
                        "Mine candidates"
                    </button>
                </div>
            </div>
            {move || file_note.get().map(|n| match n {
                Ok(m) => view! { <p class="note">{m}</p> }.into_any(),
                Err(e) => view! { <div class="error" role="alert">{e}</div> }.into_any(),
            })}
            <Progress value=progress label="Working through the corpus" />
            <p class="note" role="status">{move || status.get()}</p>
            <CorpusProblems parsed=parsed />
            <ImpactResults impact=impact />
            <Candidates mined=mined />
        </Section>
    }
}

/// Measures the corpus (`parse` reads it) under GPT-2 and the extension, in slices on this thread.
fn measure_impact(
    ctx: Ctx,
    jobs: Jobs,
    status: RwSignal<Option<String>>,
    impact: RwSignal<Option<Impact>>,
    parse: impl Fn() -> Corpus,
) {
    let (Some(base), Some(ext), Some(preview)) = (
        ctx.base.get_value(),
        ctx.ext.get_value(),
        ctx.preview.get_untracked(),
    ) else {
        status.set(Some(
            "GPT-2 is still loading; try again in a moment.".into(),
        ));
        return;
    };
    let corpus = parse();
    if corpus.records.is_empty() {
        status.set(Some(
            "The corpus is empty: paste text or choose a file first.".into(),
        ));
        return;
    }
    let special = ctx.allow_special.get_untracked();
    let t = jobs.start("Measuring");
    status.set(Some("Measuring …".into()));
    spawn_local(async move {
        let started = now_ms();
        let texts = corpus.texts();
        let mut job = ImpactJob::new(
            &preview.version,
            &mut base.encoder.borrow_mut(),
            &ext.borrow(),
            special,
        );
        let mut slice = Slice::new();
        loop {
            let done = job.step(
                &mut base.encoder.borrow_mut(),
                &mut ext.borrow_mut(),
                &texts,
                16 * 1024,
            );
            if done {
                break;
            }
            if t.slice(&mut slice, job.progress(texts.len()))
                .await
                .is_err()
            {
                return;
            }
        }
        t.end();
        let r = job.finish();
        status.set(Some(format!(
            "Measured {} records in {:.0} ms with tokenizer {}.",
            r.before.len(),
            now_ms() - started,
            r.version_id
        )));
        impact.set(Some(r));
    });
}

/// Mines candidate terms from the corpus (`parse` reads it), in slices on this thread.
fn mine_candidates(
    ctx: Ctx,
    jobs: Jobs,
    status: RwSignal<Option<String>>,
    mined: RwSignal<Option<MiningResult>>,
    parse: impl Fn() -> Corpus + 'static,
) {
    let Some(base) = ctx.base.get_value() else {
        return;
    };
    let t = jobs.start("Mining candidates");
    status.set(Some("Mining candidates …".into()));
    spawn_local(async move {
        yield_now().await;
        let corpus = parse();
        let texts = corpus.texts();
        let started = now_ms();
        let mut miner = Miner::new(&MiningOptions::default());
        let mut slice = Slice::new();
        for (i, text) in texts.iter().enumerate() {
            miner.feed(&mut base.encoder.borrow_mut(), text);
            if t.slice(&mut slice, i as f64 / texts.len() as f64)
                .await
                .is_err()
            {
                return;
            }
        }
        let result = miner.finish(&mut base.encoder.borrow_mut());
        t.end();
        status.set(Some(format!(
            "Mined {} candidates from {} records in {:.0} ms.",
            result.candidates.len(),
            corpus.records.len(),
            now_ms() - started
        )));
        mined.set(Some(result));
    });
}
