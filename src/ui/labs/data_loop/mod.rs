//! The loop (slide 1; the home page): the five stages from raw data to improved training results as one
//! diagram, each showing where the student's own data stands — read from the workspace, the tokenizer
//! versions and the A/B log (`core::data_loop`) — and linking to the lab that does it.

mod impact;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::ab::log::Entry;
use crate::core::data_loop::{stages, Inputs};
use crate::core::labs::by_id;
use crate::core::storyboard::{generation_story, sample_story, Story};
use crate::ui::design::{LabPage, Section};
use crate::ui::services::tokenizer::load_versions;
use crate::ui::services::workspace::provide_workspace;
use crate::ui::widgets::storyboard::Storyboard;
use crate::ui::widgets::version_bar::VersionBar;
use crate::web::experiment_log;
use crate::web::fetch::fetch_bytes;

/// The sample's manifest, the storyboard's stand-in while the workspace is empty.
const SAMPLE_MANIFEST: &str = "sample/flaws.json";

#[component]
pub fn LoopLab() -> impl IntoView {
    let ws = provide_workspace();
    let tokenizers = RwSignal::new(load_versions());
    let ab_log = RwSignal::new(Vec::<Entry>::new());
    let note = RwSignal::new(None::<String>);
    spawn_local(async move {
        match experiment_log::load().await {
            Ok((log, 0)) => ab_log.set(log),
            Ok((log, bad)) => {
                ab_log.set(log);
                note.set(Some(format!(
                    "{bad} entries of the A/B log could not be read and are not shown."
                )));
            }
            Err(e) => note.set(Some(format!(
                "The A/B log could not be opened ({e}); the last stage reads it as empty."
            ))),
        }
    });
    let view_stages = move || {
        let w = ws.ws.read();
        let toks = tokenizers.read();
        let log = ab_log.read();
        stages(&Inputs {
            ws: &w,
            tokenizers: &toks,
            ab_log: &log,
        })
    };
    let sample = RwSignal::new(None::<serde_json::Value>);
    spawn_local(async move {
        if let Ok(bytes) = fetch_bytes(SAMPLE_MANIFEST).await {
            sample.set(serde_json::from_slice(&bytes).ok());
        }
    });
    let story = Memo::new(move |_| -> Option<Story> {
        let w = ws.ws.read();
        match w.current.as_deref() {
            Some(id) => generation_story(&w, id),
            None => sample.with(|m| m.as_ref().and_then(sample_story)),
        }
    });
    let cancel = move || ws.cancel();
    view! {
        <LabPage id="loop">
            <VersionBar cancel=cancel sample=true />
            <Section title="The loop, on your data" heading_id="loop-h">
                <p class="hint">
                    "Raw data → synthetic generation → refinement → tokenizer update → improved training results, and round again. "
                    "Each stage shows what your labs recorded in this browser; an empty stage says what to do first."
                </p>
                {move || note.get().map(|n| view! { <p class="note" role="status">{n}</p> })}
                <ol class="loop-ring" aria-label="The loop's five stages">
                    {move || view_stages().into_iter().enumerate().map(|(i, s)| {
                        let started = s.started();
                        let lab_title = by_id(s.lab).map_or(s.lab, |l| l.title);
                        view! {
                            <li class="loop-stage" class:empty=!started data-testid=format!("loop-stage-{}", s.key)>
                                <span class="loop-n" aria-hidden="true">{i + 1}</span>
                                <h3>{s.title}</h3>
                                {if started {
                                    view! {
                                        <ul class="loop-lines">
                                            {s.lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                } else {
                                    view! { <p class="loop-todo">{format!("To do first: {}", s.todo)}</p> }.into_any()
                                }}
                                <a class="loop-link" href=format!("?lab={}", s.lab)>{format!("Open {lab_title} →")}</a>
                            </li>
                        }
                    }).collect_view()}
                </ol>
                <p class="loop-back">"↺ The results of one pass are the raw data of the next: every change starts again from the dataset it produced."</p>
            </Section>
            <Section title="Storyboard: the dataset generation loop (slide 7)" heading_id="story-generation-h">
                <p class="hint">"Seed set → synthetic expansion → reflection cleanup → quality gate → training-ready dataset, played on your current version's lineage with its real counts."</p>
                <Storyboard label="Storyboard: the dataset generation loop" key="generation" story=story />
            </Section>
            <Section title="Storyboard: the tokenizer's impact (slide 19)" heading_id="story-tokenizer-h">
                <p class="hint">"A phrase before and after your tokenizer version → the sequence lengths of your dataset shifting → what it means for compute and context, by the A/B lab's cost model (GPT-2 small, 1,024-token context)."</p>
                <impact::ImpactStoryboard versions=load_versions() />
            </Section>
        </LabPage>
    }
}
