//! Extend the tokenizer (ADDON-B-LAB-03, slides 8–9, 16, 19): add domain terms to GPT-2 in two ways, check
//! them, measure what they save on a corpus, mine candidates, size the model change, and version it all.

mod compare;
mod corpus;
mod corpus_results;
mod sizing;
pub mod state;
mod terms;
mod versions;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::tokenize::extend::Mode;
use crate::core::tokenize::EncodingSpec;
use crate::ui::design::LabPage;
use crate::ui::services::tokenizer as engine;
use crate::web::{tick, url};
use state::Ctx;

/// The notebook's example, shown until the student types their own.
pub const SAMPLE_TERMS: &str = "MyNewToken_1\nMyNewToken_2";
pub const SAMPLE_TEXT: &str = "Sample text with MyNewToken_1 and MyNewToken_2. <|endoftext|>";

#[component]
pub fn ExtendLab() -> impl IntoView {
    let q = url::current_query();
    let ctx = Ctx {
        base: StoredValue::new_local(None),
        base_status: RwSignal::new(None),
        terms_raw: RwSignal::new(q.get("terms").unwrap_or(SAMPLE_TERMS).to_string()),
        mode: RwSignal::new(if q.get("mode") == Some("merges") {
            Mode::ReachableMerges
        } else {
            Mode::AddedTokens
        }),
        allow_special: RwSignal::new(q.get("special") != Some("0")),
        preview: RwSignal::new(None),
        ext: StoredValue::new_local(None),
        ext_version: RwSignal::new(0),
        versions: RwSignal::new(versions::load_versions()),
        current: RwSignal::new(versions::load_current()),
    };
    // The lab's state reaches its panels by context, as the shared services do.
    provide_context(ctx);
    let text = RwSignal::new(q.get("text").unwrap_or(SAMPLE_TEXT).to_string());

    // GPT-2 is the base of every extension here.
    spawn_local(async move {
        let spec = EncodingSpec::by_name("gpt2").expect("gpt2 is an encoding");
        match engine::load(spec).await {
            Ok(l) => {
                let sha = l.sha256.clone();
                ctx.base.set_value(Some(l));
                ctx.base_status.set(Some(Ok(sha)));
            }
            Err(e) => ctx.base_status.set(Some(Err(e))),
        }
    });

    // Rebuild the preview when terms or mode change (terms after a short pause in typing).
    let typed = StoredValue::new(0u64);
    Effect::new(move |first: Option<()>| {
        ctx.terms_raw.track();
        ctx.mode.track();
        ctx.base_status.track();
        ctx.current.track();
        typed.update_value(|g| *g += 1);
        let mine = typed.get_value();
        let wait = if first.is_none() { 0 } else { 150 };
        spawn_local(async move {
            tick::sleep(wait).await;
            if typed.try_get_value() == Some(mine) {
                state::refresh(ctx);
            }
        });
    });

    // Keep the address bar in step (a link reproduces terms, mode and text).
    Effect::new(move |_| {
        let mut q = url::current_query();
        let terms = ctx.terms_raw.get();
        let t = text.get();
        q.set("terms", (terms.len() <= 2000).then_some(terms.as_str()));
        q.set(
            "mode",
            Some(match ctx.mode.get() {
                Mode::AddedTokens => "added",
                Mode::ReachableMerges => "merges",
            }),
        );
        q.set("text", (t.len() <= 2000).then_some(t.as_str()));
        q.set("special", (!ctx.allow_special.get()).then_some("0"));
        url::replace_query(&q);
    });

    let base_note = move || match ctx.base_status.get() {
        None => Some(
            view! {
                <p class="loading" role="status">
                    <span class="spinner" aria-hidden="true"></span>
                    "Downloading GPT-2's rank file …"
                </p>
            }
            .into_any(),
        ),
        Some(Err(e)) => Some(
            view! {
                <div class="error" role="alert">
                    <strong>"GPT-2 is unavailable. "</strong>
                    {e}
                </div>
            }
            .into_any(),
        ),
        Some(Ok(_)) => None,
    };

    view! {
        <LabPage id="extend">
            {base_note}
            <terms::TermsPanel />
            <compare::ComparePanel text=text />
            <corpus::CorpusPanel />
            <sizing::SizingPanel />
            <versions::VersionsPanel text=text />
        </LabPage>
    }
}
