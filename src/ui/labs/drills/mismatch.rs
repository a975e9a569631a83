//! The tokenizer-mismatch drill: a pre-tokenized dataset made with one tokenizer and read with another.
//! Three scenarios — an extension's ids past 50256 fed to a base GPT-2 (the embedding has too few rows:
//! PyTorch's "index out of range in self"), cl100k ids read as GPT-2 ids (the text decodes to garbage),
//! and a dataset tokenized before the terms were added (in range, so nothing fails — the new tokens are
//! just never trained). The student names the tokenizer that made the file; the check confirms it; the
//! recovery re-tokenizes with the model's tokenizer and records its id on a new dataset version
//! (slide 23: "track tokenizer version used per dataset").

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use super::state::{chosen_or_current, current_by_default, version_options, DrillsCtx};
use super::tokens_check::{report_view, run_check};
use crate::core::ab::plan::TokenizerPlan;
use crate::core::ab::proxy::prompt;
use crate::core::dataset::record::Record;
use crate::core::dataset::workspace::Transform;
use crate::core::drills::tokens::{embedding_failure, resize_fix, TokenReport, Verdict};
use crate::core::tokenize::encodings::EncodingSpec;
use crate::core::tokenize::extend::mining::{mine, MiningOptions};
use crate::core::tokenize::extend::version::{build, TokenizerVersion};
use crate::core::tokenize::extend::Mode;
use crate::core::tokenize::Encoder;
use crate::ui::design::Section;
use crate::ui::jobs::Slice;
use crate::ui::services::tokenizer::{encoder_for, load, load_current};
use crate::ui::services::workspace::{commit, now_iso, rows_of, switch_to, Parent};
use crate::web::files::download;

const DRILL: &str = "tokenizer-mismatch";

/// The scenarios: id, what the student is told, the tokenizer that makes the file, the model's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    ExtendedOnBase,
    Cl100kAsGpt2,
    BeforeTerms,
}

impl Scenario {
    pub const ALL: [Scenario; 3] = [
        Scenario::ExtendedOnBase,
        Scenario::Cl100kAsGpt2,
        Scenario::BeforeTerms,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Scenario::ExtendedOnBase => "extended-on-base",
            Scenario::Cl100kAsGpt2 => "cl100k-as-gpt2",
            Scenario::BeforeTerms => "before-terms",
        }
    }

    pub fn by_id(id: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.id() == id)
    }

    fn label(self) -> &'static str {
        match self {
            Scenario::ExtendedOnBase => "A colleague's tokenized file, for the base GPT-2 model",
            Scenario::Cl100kAsGpt2 => "A tokenized file from another team, for GPT-2",
            Scenario::BeforeTerms => "The course's tokenized file, for the extended model",
        }
    }
}

/// One planted scenario.
#[derive(Clone)]
struct Planted {
    scenario: Scenario,
    version: String,
    rows: Arc<Vec<Record>>,
    /// The tokenizer that made the file (the answer) and the model's.
    made_with: TokenizerPlan,
    model: TokenizerPlan,
    file: Arc<String>,
    damage: Option<Arc<TokenReport>>,
    diagnosis: Option<(String, Arc<TokenReport>)>,
    recovered: Option<(String, Arc<TokenReport>)>,
}

fn plan_id(p: &TokenizerPlan) -> String {
    match p {
        TokenizerPlan::Base { name } => name.clone(),
        TokenizerPlan::Version { version } => version.id.clone(),
        TokenizerPlan::Inline { .. } => p.key(),
    }
}

/// The extension the drill uses: the extend lab's current version on GPT-2, or else one made here from the
/// rows' most token-hungry words, added the notebook's way (`add_tokens`).
async fn extension(d: DrillsCtx, rows: &[Record]) -> Result<TokenizerVersion, String> {
    if let Some(cur) = load_current() {
        if let Some(v) = d
            .tokenizers
            .with_untracked(|t| t.iter().find(|v| v.id == cur && v.base == "gpt2").cloned())
        {
            return Ok(v);
        }
    }
    let spec = EncodingSpec::by_name("gpt2").expect("gpt2 is an encoding");
    let loaded = load(spec).await?;
    let mut enc = loaded.encoder.borrow_mut();
    let texts: Vec<String> = rows
        .iter()
        .take(2000)
        .map(|r| format!("{} {}", r.instruction, r.output))
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let opts = MiningOptions {
        max_words: 1,
        min_frequency: 2,
        top: 20,
    };
    let terms: Vec<String> = mine(&mut enc, &refs, &opts)
        .candidates
        .into_iter()
        .map(|c| c.term)
        .collect();
    if terms.is_empty() {
        return Err("This version has no word that GPT-2 splits into several tokens twice or more; plant the drill in a larger version, or make an extension in the extend lab.".into());
    }
    let built = build(
        "gpt2",
        &loaded.sha256,
        &enc,
        Mode::AddedTokens,
        &terms,
        None,
        &now_iso(),
        "made by the tokenizer-mismatch drill",
    );
    let v = built.version;
    d.tokenizers.update(|t| {
        if !t.iter().any(|x| x.id == v.id) {
            t.push(v.clone());
        }
    });
    Ok(v)
}

/// The rows as a tokenized JSONL file made with `enc`, without a `tokenizer` field (most tokenized corpora
/// do not say), in page-thread slices.
async fn tokenized_file(d: DrillsCtx, rows: &[Record], enc: &mut Encoder) -> Option<String> {
    let job = d.ws.jobs.start("Tokenizing the rows");
    let mut slice = Slice::new();
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        let text = prompt(r);
        let ids = enc.encode(&text, false);
        out.push_str(&json!({"text": text, "input_ids": ids}).to_string());
        out.push('\n');
        if job
            .slice(&mut slice, i as f64 / rows.len() as f64)
            .await
            .is_err()
        {
            return None;
        }
    }
    job.end();
    Some(out)
}

fn blob_of(text: &str) -> web_sys::Blob {
    let parts = js_sys::Array::of1(&js_sys::JsString::from(text));
    web_sys::Blob::new_with_str_sequence(&parts).expect("a Blob from a string")
}

async fn plant(d: DrillsCtx, scenario: Scenario, version: String) -> Option<Planted> {
    let ctx = d.ws;
    let rows = match rows_of(ctx, &version).await {
        Ok(r) => r,
        Err(e) => {
            ctx.error(e);
            return None;
        }
    };
    if rows.is_empty() {
        ctx.error(format!("{version} has no rows."));
        return None;
    }
    let gpt2 = TokenizerPlan::Base {
        name: "gpt2".into(),
    };
    let (made_with, model) = match scenario {
        Scenario::Cl100kAsGpt2 => (
            TokenizerPlan::Base {
                name: "cl100k_base".into(),
            },
            gpt2,
        ),
        Scenario::ExtendedOnBase | Scenario::BeforeTerms => {
            let ext = match extension(d, &rows).await {
                Ok(v) => TokenizerPlan::Version {
                    version: Box::new(v),
                },
                Err(e) => {
                    ctx.error(e);
                    return None;
                }
            };
            if scenario == Scenario::ExtendedOnBase {
                (ext, gpt2)
            } else {
                (gpt2, ext)
            }
        }
    };
    let (mut enc, _) = match encoder_for(&made_with).await {
        Ok(e) => e,
        Err(e) => {
            ctx.error(e);
            return None;
        }
    };
    let file = tokenized_file(d, &rows, &mut enc).await?;
    d.start(DRILL, 0);
    let mut p = Planted {
        scenario,
        version,
        rows,
        made_with,
        model: model.clone(),
        file: Arc::new(file),
        damage: None,
        diagnosis: None,
        recovered: None,
    };
    p.damage = run_check(d, blob_of(&p.file), "the tokenized file", model)
        .await
        .map(Arc::new);
    Some(p)
}

#[component]
pub fn MismatchDrillPanel() -> impl IntoView {
    let d = expect_context::<DrillsCtx>();
    let version = current_by_default(d);
    let scenario = RwSignal::new(Scenario::ExtendedOnBase);
    Effect::new(move |_| {
        if let Some(s) = d.pack.with(|p| {
            p.as_ref()
                .and_then(|p| p.tokens.as_deref().and_then(Scenario::by_id))
        }) {
            scenario.set(s);
        }
    });
    let planted = RwSignal::new(None::<Arc<Planted>>);
    let guess = RwSignal::new("gpt2".to_string());
    let hint = RwSignal::new(0usize);
    let busy = move || d.ws.jobs.is_busy();

    let plant_click = move |_| {
        let v = chosen_or_current(d, version);
        if v.is_empty() {
            d.ws.error(
                "Choose the version to tokenize (import a dataset in the workspace lab first).",
            );
            return;
        }
        let s = scenario.get_untracked();
        spawn_local(async move {
            if let Some(p) = plant(d, s, v).await {
                hint.set(0);
                planted.set(Some(Arc::new(p)));
            }
        });
    };
    let diagnose_click = move |_| {
        let Some(p) = planted.get_untracked() else {
            return;
        };
        let Some(plan) = d.plan_of(&guess.get_untracked()) else {
            d.ws.error("Choose the tokenizer you think made the file.");
            return;
        };
        spawn_local(async move {
            d.step(DRILL);
            let Some(r) = run_check(d, blob_of(&p.file), "the tokenized file", plan.clone()).await
            else {
                return;
            };
            let mut next = (*p).clone();
            next.diagnosis = Some((plan_id(&plan), Arc::new(r)));
            planted.set(Some(Arc::new(next)));
        });
    };
    let recover_click = move |_| {
        let Some(p) = planted.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let ctx = d.ws;
            let (mut enc, model_id) = match encoder_for(&p.model).await {
                Ok(e) => e,
                Err(e) => return ctx.error(e),
            };
            let Some(file) = tokenized_file(d, &p.rows, &mut enc).await else {
                return;
            };
            if ctx.current_id().as_deref() != Some(p.version.as_str()) {
                switch_to(ctx, &p.version).await;
            }
            let created = now_iso();
            let t = Transform {
                name: "retokenize",
                params: json!({"drill": DRILL, "tokenizer": model_id, "was_tokenized_with": plan_id(&p.made_with)}),
                created: &created,
                quarantined: 0,
                tokenizer: Some(model_id.clone()),
                note: "re-tokenized with the model's tokenizer; its id is recorded on this version",
                schema: None,
            };
            let Some((v, _)) =
                commit(ctx, p.rows.as_ref().clone(), Vec::new(), t, Parent::Current).await
            else {
                return;
            };
            d.step(DRILL);
            let Some(r) =
                run_check(d, blob_of(&file), "the re-tokenized file", p.model.clone()).await
            else {
                return;
            };
            let named = p
                .diagnosis
                .as_ref()
                .is_some_and(|(id, r)| *id == plan_id(&p.made_with) || r.verdict == Verdict::Match);
            let ok = r.verdict == Verdict::Match;
            d.finish(DRILL, named && ok, &format!(
                "{}: the file was made with {}; diagnosis {}; re-tokenized with {} as version {} (verdict {})",
                p.scenario.id(), plan_id(&p.made_with),
                p.diagnosis.as_ref().map_or("not made".to_string(), |(id, _)| format!("{id} ({})", if named { "right" } else { "wrong" })),
                model_id, v.id, r.verdict.as_str()
            ));
            ctx.info(format!(
                "Version {} records tokenizer {model_id}; the re-tokenized file matches it.",
                v.id
            ));
            let mut next = (*p).clone();
            next.file = Arc::new(file);
            next.recovered = Some((v.id.clone(), Arc::new(r)));
            planted.set(Some(Arc::new(next)));
        });
    };
    let hints = [
        "Look at the largest id in the file and at the model tokenizer's vocabulary size. Ids at or past the size have no row in the model's embedding.",
        "Decode a few rows' ids with other tokenizers: the one that gives the text back exactly is the one that made the file. The tokens check does that for you — try it with each candidate.",
        "If every id is in range and yet they differ from the model tokenizer's, the file was made by a tokenizer that shares most of the model's vocabulary: the base one, before terms were added.",
    ];
    view! {
        <Section title="Drill: tokenizer mismatch" heading_id="drill-tok-h">
            <p class="hint">
                "A tokenized dataset only means something with the tokenizer that made it. The drill tokenizes a version (the book's prompt format, one row per line, no " <code>"tokenizer"</code>
                " field — as most tokenized corpora ship) with one tokenizer, hands it to a model that reads another, and shows what that does. Name the tokenizer that made it, then recover."
            </p>
            <div class="controls">
                <label class="field-label" for="tok-drill-version">"Version to tokenize"</label>
                <select id="tok-drill-version" on:change=move |ev| version.set(event_target_value(&ev))>
                    <option value="">"— choose —"</option>
                    {version_options(d.ws, version)}
                </select>
                <label class="field-label" for="tok-drill-scenario">"Scenario"</label>
                <select id="tok-drill-scenario" on:change=move |ev| if let Some(s) = Scenario::by_id(&event_target_value(&ev)) { scenario.set(s) }>
                    {Scenario::ALL.into_iter().map(|s| view! { <option value=s.id() selected=move || scenario.get() == s>{s.label()}</option> }).collect_view()}
                </select>
                <button type="button" class="primary" on:click=plant_click disabled=busy>"Plant the mismatch"</button>
            </div>
            {move || planted.get().map(|p| {
                let file = p.file.clone();
                let model = plan_id(&p.model);
                let damage = p.damage.clone().map(|r| {
                    let failure = (r.out_of_range > 0).then(|| {
                        let max = r.max_id.unwrap_or(0);
                        view! {
                            <p>"Fed to the model, this file stops the first training step:"</p>
                            <pre class="code" data-testid="tok-drill-failure">{embedding_failure(max, r.n_vocab)}</pre>
                            <p>"The fix, if the model is meant to read the extended tokenizer's ids (then fine-tune so the new rows learn something):"</p>
                            <pre class="code">{resize_fix(r.n_vocab, max as usize + 1)}</pre>
                        }
                    });
                    view! {
                        <h3>{format!("The damage: the file read by the model's tokenizer ({model})")}</h3>
                        {report_view(&r, "tok-drill")}
                        {failure}
                    }
                });
                view! {
                    <p class="note">{format!("{} rows of {} tokenized; the model reads {}.", p.rows.len(), p.version, model)}</p>
                    <button type="button" on:click=move |_| {
                        if let Err(e) = download("tokenized.jsonl", "application/jsonl", file.as_bytes()) { d.ws.error(e) }
                    }>"Download the tokenized file"</button>
                    {damage}
                }
            })}
            <div class="controls">
                <label class="field-label" for="tok-drill-guess">"Which tokenizer made the file?"</label>
                <select id="tok-drill-guess" on:change=move |ev| guess.set(event_target_value(&ev))>
                    {move || d.tokenizer_options().into_iter().map(|(v, label)| {
                        let sel = v.clone();
                        view! { <option value=v selected=move || guess.get() == sel>{label}</option> }
                    }).collect_view()}
                </select>
                <button type="button" on:click=diagnose_click disabled=move || busy() || planted.with(Option::is_none)>"Check my diagnosis"</button>
                <button type="button" on:click=recover_click disabled=move || busy() || planted.with(Option::is_none)>"Re-tokenize with the model's tokenizer"</button>
                <button type="button" on:click=move |_| { d.hint(DRILL); hint.update(|h| *h = (*h + 1).min(hints.len())); } aria-label="Show a hint for the tokenizer-mismatch drill" disabled=move || { hint.get() >= hints.len() }>"Show a hint"</button>
            </div>
            <ol class="hints">{move || hints.iter().take(hint.get()).map(|h| view! { <li>{*h}</li> }).collect_view()}</ol>
            {move || planted.get().and_then(|p| p.diagnosis.clone().map(|(id, r)| {
                let right = id == plan_id(&p.made_with) || r.verdict == Verdict::Match;
                view! {
                    <p class=if right { "note ok" } else { "note" } data-testid="tok-drill-diagnosis">{if right {
                        format!("Right: read with {id}, every row's ids are what it makes of the text. The file was tokenized with {id}; the model reads {}.", plan_id(&p.model))
                    } else {
                        format!("Not {id}: read with it, {} of {} rows still differ. Try another tokenizer.", r.mismatch, r.rows)
                    }}</p>
                }
            }))}
            {move || planted.get().and_then(|p| p.recovered.clone().map(|(v, r)| view! {
                <p class="note ok" data-testid="tok-drill-recovered">{format!(
                    "Recovered: version {v} records tokenizer {}, and the re-tokenized file's verdict is {}.", plan_id(&p.model), r.verdict.as_str()
                )}</p>
            }))}
        </Section>
    }
}
