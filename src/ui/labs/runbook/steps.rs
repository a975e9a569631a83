//! The runbook (APP-B): the deck's run order with each step's verification points, evaluated live.

use leptos::prelude::*;

use super::state::RunbookCtx;
use crate::core::release::runbook::{evaluate, Inputs, Point};
use crate::ui::design::Section;

#[component]
pub fn RunbookPanel() -> impl IntoView {
    let r = expect_context::<RunbookCtx>();
    let steps = move || {
        let ws = r.ws.ws.read();
        let loaded = r.loaded.get();
        let cand = r.candidate.get();
        let rows = loaded
            .as_ref()
            .filter(|l| l.id == cand)
            .map(|l| l.rows.clone());
        let log = r.ab_log.read();
        let toks = r.tokenizers.read();
        let runs = r.imdb_runs.read();
        let board = r.board.read();
        evaluate(&Inputs {
            ws: &ws,
            candidate: (!cand.is_empty()).then_some(cand.as_str()),
            rows: rows.as_ref().map(|x| x.as_slice()),
            ab_log: &log,
            tokenizers: &toks,
            imdb_runs: &runs,
            board: &board,
            replay: r.replay.get(),
        })
    };
    view! {
        <Section title="Runbook: run order and verification points (APP-B)" heading_id="rb-runbook-h">
            <p class="hint">"The add-on's labs in the deck's order. Each point is checked against what is stored in this browser: pass, not yet, or failed — with the evidence, and the lab that does the work."</p>
            <ol class="runbook">
                {move || steps().into_iter().map(|s| {
                    let done = s.checks.iter().all(|c| c.state == Point::Pass);
                    view! {
                        <li class=if done { "rb-step done" } else { "rb-step" } data-testid=format!("runbook-{}", s.anchor)>
                            <h3>{format!("{} · {}", s.anchor, s.title)}" "<a href=format!("?lab={}", s.lab)>{format!("open the {} lab", s.lab)}</a></h3>
                            <ul>
                                {s.checks.into_iter().map(|c| view! {
                                    <li class=format!("rb-point rb-{}", c.state.word().replace(' ', "-"))>
                                        <span class="rb-state">{c.state.word()}</span>
                                        {format!(" — {}: ", c.what)}
                                        <span class="rb-evidence">{c.evidence}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </Section>
    }
}
