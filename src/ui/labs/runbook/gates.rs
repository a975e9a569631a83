//! The release candidate and slide 24's gates: each gate's state and evidence, waivers with their written
//! reasons, and Release — which tags the version only when every gate passes or is waived.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::RunbookCtx;
use crate::core::dataset::ledger::{waiver_problem, Release};
use crate::core::release::gates::{blocking, Gate, Status};
use crate::core::release::tag::next_tag;
use crate::ui::design::Section;
use crate::ui::services::workspace::{now_iso, save, version_options};

#[component]
pub fn CandidatePanel() -> impl IntoView {
    let r = expect_context::<RunbookCtx>();
    let quarantined = move || {
        let id = r.candidate.get();
        r.ws.ws.with(|w| w.get(&id).map_or(0, |v| v.quarantined))
    };
    view! {
        <Section title="What to release" heading_id="rb-candidate-h">
            <p class="hint">"The dataset version you would release. Every gate and verification point below is read from what the labs recorded about it — nothing here asks you to say what you did."</p>
            {move || r.ws.ws.with(|w| w.versions.is_empty()).then(|| view! {
                <p class="note" role="status">"There is no dataset version yet: import or generate one first ("<a href="?lab=workspace">"workspace lab"</a>")."</p>
            })}
            <label class="field-label" for="rb-candidate">"Release candidate"</label>
            <select id="rb-candidate" on:change=move |ev| r.candidate.set(event_target_value(&ev))>
                {version_options(r.ws, r.candidate)}
            </select>
            {move || (quarantined() > 0).then(|| view! {
                <p class="note" role="status" data-testid="rb-quarantined">{format!("This version holds {} quarantined rows back: gate 1 fails until they are fixed or discarded in the workspace lab.", quarantined())}</p>
            })}
            {move || r.notes.get().into_iter().map(|n| view! { <p class="note" role="status">{n}</p> }).collect_view()}
        </Section>
    }
}

fn gate_row(r: RunbookCtx, g: Gate) -> impl IntoView {
    let n = g.n;
    let reason = RwSignal::new(String::new());
    let released = move || {
        let id = r.candidate.get();
        r.ws.ws.with(|w| w.release_of(&id).is_some())
    };
    let waive = move |_| {
        let id = r.candidate.get_untracked();
        let text = reason.get_untracked();
        if let Some(p) = waiver_problem(&text) {
            r.ws.error(p);
            return;
        }
        let at = now_iso();
        let res =
            r.ws.ws
                .try_update(|w| w.waive(&id, n, &text, &at))
                .expect("the page is alive");
        match res {
            Ok(()) => {
                r.ws.info(format!("Gate {n} waived for {id}; the reason stays on the record and in the portfolio."));
                spawn_local(save(r.ws));
            }
            Err(e) => r.ws.error(e),
        }
    };
    let withdraw = move |_| {
        let id = r.candidate.get_untracked();
        let res =
            r.ws.ws
                .try_update(|w| w.unwaive(&id, n))
                .expect("the page is alive");
        match res {
            Ok(()) => spawn_local(save(r.ws)),
            Err(e) => r.ws.error(e),
        }
    };
    let class = format!("gate gate-{}", g.status.word());
    let state = g.status.word();
    let waiver = g.waiver.clone().map(|w| w.reason);
    let lab = g.lab;
    view! {
        <li class=class data-testid=format!("gate-{n}")>
            <span class="gate-state">{state}</span>
            <span class="gate-title">{format!(" — {}. {}", n, g.title)}</span>
            <p class="gate-evidence">{g.evidence.clone()}</p>
            {waiver.map(|w| view! { <p class="gate-waiver">"Waived: "{w}</p> })}
            {(g.status == Status::Fail && lab != "runbook").then(|| view! {
                <p class="gate-fix"><a href=format!("?lab={lab}")>{format!("Fix it in the {lab} lab")}</a></p>
            })}
            {move || (!released() && g.status == Status::Fail).then(|| view! {
                <details class="waive">
                    <summary>"Waive this gate…"</summary>
                    <label class="field-label" for=format!("waive-{n}")>{format!("Reason for waiving gate {n}")}</label>
                    <textarea id=format!("waive-{n}") rows="2" prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                    <button type="button" on:click=waive>{format!("Waive gate {n}")}</button>
                </details>
            })}
            {move || (!released() && g.status == Status::Waived).then(|| view! {
                <button type="button" class="small" on:click=withdraw aria-label=format!("Withdraw the waiver of gate {n}")>"Withdraw waiver"</button>
            })}
        </li>
    }
}

#[component]
pub fn GatesPanel() -> impl IntoView {
    let r = expect_context::<RunbookCtx>();
    let gates = Memo::new(move |_| r.gates());
    let note = RwSignal::new(String::new());
    let loading = move || {
        let id = r.candidate.get();
        !id.is_empty() && r.loaded.with(|l| l.as_ref().is_none_or(|l| l.id != id))
    };
    let release = move || {
        let id = r.candidate.get();
        r.ws.ws.with(|w| w.release_of(&id).cloned())
    };
    let proposed = move || {
        let id = r.candidate.get();
        let n = note.get();
        r.ws.ws.with(|w| next_tag(w, &id, &n))
    };
    let do_release = move |_| {
        let id = r.candidate.get_untracked();
        let g = gates.get_untracked();
        if g.is_empty() {
            r.ws.error("The candidate is still loading: wait for its gates.");
            return;
        }
        let blocked = blocking(&g);
        if !blocked.is_empty() {
            r.ws.error(format!(
                "Not released: {} gate(s) fail — {}. Fix them, or waive each with a written reason.",
                blocked.len(),
                blocked.join("; ")
            ));
            return;
        }
        let (tag, changelog) =
            r.ws.ws
                .with_untracked(|w| next_tag(w, &id, &note.get_untracked()));
        let rel = Release {
            version: id.clone(),
            tag: tag.clone(),
            at: now_iso(),
            changelog,
            gates: g.iter().map(Gate::line).collect(),
        };
        let res =
            r.ws.ws
                .try_update(|w| w.release(rel))
                .expect("the page is alive");
        match res {
            Ok(()) => {
                r.ws.info(format!("Released {id} as v{tag}. It can no longer be deleted or changed; a fix is a new version."));
                spawn_local(save(r.ws));
            }
            Err(e) => r.ws.error(e),
        }
    };
    view! {
        <Section title="Release gates (slide 24)" heading_id="rb-gates-h">
            <p class="hint">"Eleven checks, in the slide's order. A gate that cannot pass can be waived only with a written reason, which stays on the record and goes into the portfolio."</p>
            {move || loading().then(|| view! { <p class="hint" role="status" data-testid="gates-loading">"Reading the candidate's rows and lineage …"</p> })}
            <ol class="gates" aria-label="Release gates">
                {move || gates.get().into_iter().map(|g| gate_row(r, g)).collect_view()}
            </ol>
            {move || match release() {
                Some(rel) => view! {
                    <p class="released" data-testid="release-state">{format!("Released as v{} on {}. {}", rel.tag, rel.at, rel.changelog)}</p>
                }.into_any(),
                None => view! {
                    <div class="release-form">
                        <p data-testid="release-state">{move || {
                            let g = gates.get();
                            let failing = g.iter().filter(|x| x.status == Status::Fail).count();
                            if g.is_empty() { "Not released.".to_string() }
                            else if failing == 0 { format!("Not released. Every gate passes or is waived: ready to release as v{}.", proposed().0) }
                            else { format!("Not released: {failing} gate(s) fail.") }
                        }}</p>
                        <label class="field-label" for="rb-note">"Changelog note (what changed and why)"</label>
                        <input id="rb-note" type="text" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev)) />
                        <p class="hint">{move || format!("Changelog entry: {}", proposed().1)}</p>
                        <button type="button" class="primary" on:click=do_release>"Release"</button>
                    </div>
                }.into_any(),
            }}
        </Section>
    }
}
