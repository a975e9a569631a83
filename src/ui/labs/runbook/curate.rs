//! What only the runbook records: the tokenizer the dataset is used with (a version of its own, with its
//! token count, so `pipeline.py` can check it with tiktoken) and the teaching-ready examples (gate 11).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::RunbookCtx;
use crate::core::dataset::record::clip;
use crate::core::dataset::workspace::Transform;
use crate::core::release::gates::{marked_rows, MIN_EXAMPLES};
use crate::core::release::tokenizer::{params, row_tokens};
use crate::ui::design::Section;
use crate::ui::jobs::Slice;
use crate::ui::services::tokenizer::{encoder_for, plan_of, tokenizer_options};
use crate::ui::services::workspace::{commit, now_iso, save, switch_to, Parent};

const PER_PAGE: usize = 10;

#[component]
pub fn TokenizerPanel() -> impl IntoView {
    let r = expect_context::<RunbookCtx>();
    let choice = RwSignal::new("gpt2".to_string());
    let record = move |_| {
        let id = r.candidate.get_untracked();
        let Some(plan) = r
            .tokenizers
            .with_untracked(|t| plan_of(t, &choice.get_untracked()))
        else {
            r.ws.error("Choose the tokenizer the model uses.");
            return;
        };
        let Some(l) = r.loaded.get_untracked().filter(|l| l.id == id) else {
            r.ws.error("The candidate is still loading.");
            return;
        };
        spawn_local(async move {
            let ctx = r.ws;
            let (mut enc, tok_id) = match encoder_for(&plan).await {
                Ok(e) => e,
                Err(e) => return ctx.error(e),
            };
            let job = ctx.jobs.start(format!(
                "Counting the tokens of {} rows with {tok_id} …",
                l.rows.len()
            ));
            let mut slice = Slice::new();
            let (mut tokens, mut max) = (0u64, 0u32);
            for (i, row) in l.rows.iter().enumerate() {
                let (n, m) = row_tokens(&mut enc, row);
                tokens += n as u64;
                max = max.max(m);
                if job
                    .slice(&mut slice, i as f64 / l.rows.len().max(1) as f64)
                    .await
                    .is_err()
                {
                    return;
                }
            }
            job.end();
            let n_vocab = enc.n_vocab();
            if max as usize >= n_vocab {
                return ctx.error(format!("Token id {max} is outside {tok_id}'s {n_vocab} ids: this tokenizer cannot encode the rows consistently."));
            }
            if ctx.current_id().as_deref() != Some(id.as_str()) {
                switch_to(ctx, &id).await;
            }
            let created = now_iso();
            let t = Transform {
                name: "tokenizer",
                params: params(&tok_id, n_vocab, tokens, max),
                created: &created,
                quarantined: 0,
                tokenizer: Some(tok_id.clone()),
                note: "the tokenizer this dataset is used with, and its token count",
                schema: None,
            };
            if let Some((v, _)) =
                commit(ctx, l.rows.as_ref().clone(), Vec::new(), t, Parent::Current).await
            {
                ctx.info(format!("Version {} records {tok_id}: {tokens} tokens, largest id {max} of {n_vocab}. It has the same rows, so audits and marked examples carry over.", v.id));
                r.candidate.set(v.id);
            }
        });
    };
    view! {
        <Section title="Tokenizer on the dataset" heading_id="rb-tok-h">
            <p class="hint">"Gate 4 needs the tokenizer the model will use recorded on the dataset. Recording it makes a version with the same rows, its tokenizer id and the token count (pipeline.py checks that count with OpenAI's tiktoken)."</p>
            <label class="field-label" for="rb-tokenizer">"Tokenizer the dataset is used with"</label>
            <select id="rb-tokenizer" on:change=move |ev| choice.set(event_target_value(&ev))>
                {move || r.tokenizers.with(|t| tokenizer_options(t)).into_iter().map(|(v, label)| {
                    let sel = v.clone();
                    view! { <option value=v selected=move || choice.get() == sel>{label}</option> }
                }).collect_view()}
            </select>
            <button type="button" on:click=record>"Record tokenizer"</button>
        </Section>
    }
}

#[component]
pub fn ExamplesPanel() -> impl IntoView {
    let r = expect_context::<RunbookCtx>();
    let page = RwSignal::new(0usize);
    Effect::new(move |_| {
        r.candidate.track();
        page.set(0);
    });
    let marked = move || {
        let id = r.candidate.get();
        r.ws.ws.with(|w| {
            marked_rows(w, &id)
                .map(|(_, m)| m.clone())
                .unwrap_or_default()
        })
    };
    let toggle = move |i: usize, on: bool| {
        let id = r.candidate.get_untracked();
        let inherited = r.ws.ws.with_untracked(|w| {
            marked_rows(w, &id)
                .map(|(_, m)| m.clone())
                .unwrap_or_default()
        });
        let res =
            r.ws.ws
                .try_update(|w| {
                    // Marks made on a version with the same rows carry over: copy them onto this one first.
                    for &j in &inherited {
                        w.mark(&id, j, true)?;
                    }
                    w.mark(&id, i, on)
                })
                .expect("the page is alive");
        match res {
            Ok(()) => spawn_local(save(r.ws)),
            Err(e) => r.ws.error(e),
        }
    };
    let rows_view = move || {
        let cand = r.candidate.get();
        let Some(l) = r.loaded.get().filter(|l| l.id == cand) else {
            return view! { <p class="hint">"Loading the candidate's rows …"</p> }.into_any();
        };
        let set = marked();
        let start = page.get() * PER_PAGE;
        view! {
            <ul class="examples">
                {l.rows.iter().enumerate().skip(start).take(PER_PAGE).map(|(i, row)| {
                    let on = set.contains(&i);
                    view! {
                        <li class=if on { "example marked" } else { "example" }>
                            <label>
                                <input type="checkbox" prop:checked=on aria-label=format!("Teaching example: row #{i}")
                                    on:change=move |ev| toggle(i, event_target_checked(&ev)) />
                                <b>{format!("#{i} ")}</b>{clip(&row.instruction, 140)}
                            </label>
                            <p class="example-output">{clip(&row.output, 240)}</p>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <div class="controls">
                <button type="button" disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p -= 1)>"Previous rows"</button>
                <span>{format!("rows {}–{} of {}", start, (start + PER_PAGE).min(l.rows.len()).saturating_sub(1), l.rows.len())}</span>
                <button type="button" disabled=start + PER_PAGE >= l.rows.len() on:click=move |_| page.update(|p| *p += 1)>"Next rows"</button>
            </div>
        }.into_any()
    };
    view! {
        <Section title="Teaching-ready examples" heading_id="rb-examples-h">
            <p class="hint">{format!("Mark at least {MIN_EXAMPLES} rows you would show a class: clear, correct, typical. They go into the quality report (gate 11).")}</p>
            <p data-testid="examples-count">{move || format!("{} rows marked", marked().len())}</p>
            {rows_view}
        </Section>
    }
}
