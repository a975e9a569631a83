//! Creating, listing, exporting and importing extended tokenizer versions (kept in local storage).

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::Ctx;
use crate::core::tokenize::extend::version::{build, TokenizerVersion};
use crate::core::tokenize::extend::{parse_terms, Mode};
use crate::ui::design::Section;
use crate::ui::services::tokenizer::save_versions as save;
pub use crate::ui::services::tokenizer::{load_current, load_versions};
use crate::ui::widgets::outcome::Outcome;
use crate::web::files::{download, read_chosen_text};

fn now_iso() -> String {
    js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

#[component]
pub fn VersionsPanel(text: RwSignal<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let note = RwSignal::new(String::new());
    let message = RwSignal::new(None::<Result<String, String>>);
    let import_input = NodeRef::<Input>::new();
    let blocked = move || {
        ctx.preview.with(|p| {
            p.as_ref()
                .is_none_or(|p| p.has_errors() || p.version.terms.is_empty())
        })
    };

    // Makes a version from the current terms; returns it (or why not).
    let create = move || -> Result<TokenizerVersion, String> {
        let (Some(base), Some(Ok(sha))) = (ctx.base.get_value(), ctx.base_status.get_untracked())
        else {
            return Err("GPT-2 is still loading.".into());
        };
        let p = ctx
            .preview
            .get_untracked()
            .ok_or("The preview is not ready yet.")?;
        if p.has_errors() {
            return Err("Fix the errors in the safety checks first.".into());
        }
        let terms = parse_terms(&ctx.terms_raw.get_untracked());
        if terms.is_empty() {
            return Err("Add at least one term.".into());
        }
        let v = build(
            "gpt2",
            &sha,
            &base.encoder.borrow(),
            ctx.mode.get_untracked(),
            &terms,
            ctx.current.get_untracked(),
            &now_iso(),
            &note.get_untracked(),
        )
        .version;
        ctx.versions.update(|vs| {
            vs.retain(|x| x.id != v.id);
            vs.insert(0, v.clone());
        });
        ctx.current.set(Some(v.id.clone()));
        if !save(&ctx.versions.get_untracked(), Some(&v.id)) {
            message.set(Some(Err(
                "The browser refused to store the version (storage full or blocked); export it to keep it.".into(),
            )));
        }
        Ok(v)
    };
    let on_create = move |_| match create() {
        Ok(v) => message.set(Some(Ok(format!("Created {}.", v.id)))),
        Err(e) => message.set(Some(Err(e))),
    };
    // The version exports act on: the current one, or a new one made from the terms.
    let target = move || -> Result<TokenizerVersion, String> {
        let current = ctx.current.get_untracked();
        let want = ctx
            .preview
            .with_untracked(|p| p.as_ref().map(|p| p.version.id.clone()));
        match ctx
            .versions
            .with_untracked(|vs| vs.iter().find(|v| Some(&v.id) == current.as_ref()).cloned())
        {
            Some(v) if Some(&v.id) == want.as_ref() => Ok(v),
            _ => create(),
        }
    };
    let export = move |what: &'static str| {
        let result = target().and_then(|v| {
            let base = ctx.base.get_value().ok_or("GPT-2 is still loading.")?;
            let stem = v.file_stem();
            match what {
                "manifest" => download(
                    &format!("{stem}.manifest.json"),
                    "application/json",
                    v.manifest_json().as_bytes(),
                ),
                "ranks" => download(
                    &format!("{stem}.tiktoken"),
                    "text/plain",
                    &v.tiktoken_file(&base.rank_file),
                ),
                "specials" => download(
                    &format!("{stem}.special_tokens.json"),
                    "application/json",
                    v.special_tokens_json(&base.encoder.borrow()).as_bytes(),
                ),
                _ => {
                    let sample = text.get_untracked();
                    let mut enc = v
                        .encoder(&base.encoder.borrow())
                        .map_err(|e| e.to_string())?;
                    let ids = enc.encode(&sample, true);
                    download(
                        &format!("{stem}.check.py"),
                        "text/x-python",
                        v.python_snippet(&base.encoder.borrow(), &sample, &ids)
                            .as_bytes(),
                    )
                }
            }?;
            Ok(format!("Exported {what} of {}.", v.id))
        });
        message.set(Some(result));
    };
    let on_import = move |_| {
        let Some(input) = import_input.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let result = match read_chosen_text(&input).await {
                None => return,
                Some(Err(e)) => Err(e),
                Some(Ok((name, json))) => TokenizerVersion::from_manifest(&json).and_then(|v| {
                    if v.base != "gpt2" {
                        return Err(format!("{name} extends {}, but this lab extends gpt2.", v.base));
                    }
                    let sha = ctx.base_status.get_untracked().and_then(|s| s.ok()).unwrap_or_default();
                    if !sha.is_empty() && v.base_ranks_sha256 != sha {
                        return Err(format!(
                            "{name} was made from a different GPT-2 rank file (SHA-256 {}…); its ids would not match here.",
                            crate::core::text::prefix(&v.base_ranks_sha256, 12)
                        ));
                    }
                    ctx.terms_raw.set(v.terms.join("\n"));
                    ctx.mode.set(v.mode);
                    ctx.versions.update(|vs| {
                        vs.retain(|x| x.id != v.id);
                        vs.insert(0, v.clone());
                    });
                    ctx.current.set(Some(v.id.clone()));
                    save(&ctx.versions.get_untracked(), Some(&v.id));
                    Ok(format!("Imported {} from {name}: its terms and mode are loaded above.", v.id))
                }),
            };
            message.set(Some(result));
            input.set_value("");
        });
    };
    let load_version = move |v: TokenizerVersion| {
        ctx.terms_raw.set(v.terms.join("\n"));
        ctx.mode.set(v.mode);
        ctx.current.set(Some(v.id.clone()));
        save(&ctx.versions.get_untracked(), Some(&v.id));
    };
    let list = move || {
        ctx.versions
            .get()
            .into_iter()
            .map(|v| {
                let is_current = ctx.current.get().as_deref() == Some(v.id.as_str());
                let line = v.changelog_line();
                let mode = match v.mode {
                    Mode::AddedTokens => "added tokens",
                    Mode::ReachableMerges => "reachable merges",
                };
                let terms = v.terms.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join(", ");
                view! {
                    <li class:current=is_current>
                        <span class="mono">{line}</span>
                        <span class="note">{format!(" ({mode}: {terms})")}</span>
                        " "
                        <button type="button" on:click=move |_| load_version(v.clone())>"Load"</button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <Section title="Versions and exports" heading_id="versions-h">
            <p class="hint">
                "A version's id is a hash of the base rank file, the mode, the ordered terms and the new ranks: the same id always means the same ids. "
                "Counts and corpus measurements name the id they were made with."
            </p>
            <div class="controls">
                <label class="field-label inline" for="ext-note">"Version note"</label>
                <input id="ext-note" type="text" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev)) />
                <button type="button" on:click=on_create disabled=blocked>"Create version"</button>
            </div>
            <p>
                "Current version: "
                <code data-testid="current-tokenizer-version">{move || ctx.current.get().unwrap_or_else(|| "none yet".into())}</code>
            </p>
            <div class="buttons">
                <button type="button" on:click=move |_| export("manifest")>"Export tokenizer"</button>
                <button type="button" on:click=move |_| export("ranks")>"Export ranks"</button>
                <button type="button" on:click=move |_| export("specials")>"Export special tokens"</button>
                <button type="button" on:click=move |_| export("python")>"Export Python check"</button>
            </div>
            <label class="field-label" for="ext-import">"Import tokenizer manifest"</label>
            <input id="ext-import" type="file" accept=".json,application/json" node_ref=import_input on:change=on_import />
            <Outcome msg=message />
            <h3>"Changelog"</h3>
            <ol class="versions" aria-label="Tokenizer versions">{list}</ol>
        </Section>
    }
}
