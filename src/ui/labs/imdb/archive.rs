//! Panel 1: pick the archive, set seed and sizes, prepare (with progress and Cancel).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::{ICtx, PREPARING};
use crate::core::imdb::prepare::fitted_sizes;
use crate::ui::design::Section;
use crate::ui::widgets::progress::BusyBar;
use crate::web::files::chosen_file;

/// The dataset's official page (the lab cannot download it: it is served without CORS).
pub const OFFICIAL_PAGE: &str = "https://ai.stanford.edu/~amaas/data/sentiment/";

fn number_field(
    id: &'static str,
    label: &'static str,
    value: RwSignal<usize>,
    ctx: ICtx,
) -> impl IntoView {
    view! {
        <div class="field">
            <label class="field-label" for=id>{label}</label>
            <input id=id type="number" min="0" step="1"
                prop:value=move || value.get().to_string()
                on:change=move |ev| {
                    match event_target_value(&ev).trim().parse::<usize>() {
                        Ok(v) => {
                            value.set(v);
                            ctx.resplit();
                        }
                        Err(_) => ctx.error.set(Some(format!("{label} must be a whole number of rows (0 or more)."))),
                    }
                } />
        </div>
    }
}

#[component]
pub fn ArchivePanel() -> impl IntoView {
    let ctx = expect_context::<ICtx>();
    let take = move |file: web_sys::File| {
        ctx.file_name.set(Some(format!(
            "{} ({:.1} MB)",
            file.name(),
            file.size() / 1e6
        )));
        ctx.file.set_value(Some(file));
        ctx.prepare();
    };
    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(file) = chosen_file(&input) {
            take(file);
            // The same file can be picked again (after the archive on disk was replaced, say).
            input.set_value("");
        }
    };
    // An archive dropped anywhere on the page is taken (the browser would otherwise open it in place of
    // the lab).
    let over = window_event_listener(leptos::ev::dragover, move |ev| ev.prevent_default());
    let drop = window_event_listener(leptos::ev::drop, move |ev| {
        ev.prevent_default();
        match ev
            .data_transfer()
            .and_then(|dt| dt.files())
            .and_then(|fs| fs.get(0))
        {
            Some(f) => take(f),
            None => ctx.error.set(Some(
                "Nothing usable was dropped: drop aclImdb_v1.tar.gz.".into(),
            )),
        }
    });
    on_cleanup(move || {
        over.remove();
        drop.remove();
    });
    let fit = move |_| {
        if let Some(p) = ctx.prepared.get_untracked() {
            let (t, v, e) = fitted_sizes(p.reviews);
            ctx.train.set(t);
            ctx.validation.set(v);
            ctx.test.set(e);
            ctx.prepare();
        }
    };
    let too_small = move || {
        ctx.prepared.with(|p| {
            p.as_ref().is_some_and(|p| {
                p.settings.train + p.settings.validation + p.settings.test > p.reviews
            })
        })
    };
    view! {
        <Section title="The archive" heading_id="archive-h">
            <p>
                "Download " <code>"aclImdb_v1.tar.gz"</code> " (about 84 MB) from the "
                <a href=OFFICIAL_PAGE target="_blank" rel="noopener noreferrer">"Large Movie Review Dataset page"</a>
                " and pick it here. The lab cannot fetch it for you (the site does not allow it), and nothing is uploaded: "
                "the archive is read in your browser, in a background worker."
            </p>
            <div class="dropzone">
                <label class="field-label" for="imdb-archive">"IMDb archive"</label>
                <input id="imdb-archive" type="file" accept=".gz,.tgz,application/gzip,application/x-gzip"
                    on:change=on_file />
                <span class="hint" data-testid="imdb-archive-name">
                    {move || ctx.file_name.get().map_or_else(|| "No archive chosen yet: pick it or drop it here.".to_string(), |n| format!("Archive: {n}"))}
                </span>
            </div>
            <div class="controls">
                <div class="field">
                    <label class="field-label" for="imdb-seed">"Seed"</label>
                    <input id="imdb-seed" type="number" min="0" max="4294967295" step="1"
                        prop:value=move || ctx.seed.get().to_string()
                        on:change=move |ev| {
                            match event_target_value(&ev).trim().parse::<u32>() {
                                Ok(v) => {
                                    ctx.seed.set(v);
                                    ctx.resplit();
                                }
                                Err(_) => ctx.error.set(Some("Seed must be a whole number from 0 to 4294967295 (numpy's range).".into())),
                            }
                        } />
                </div>
                {number_field("imdb-train-size", "Train size", ctx.train, ctx)}
                {number_field("imdb-validation-size", "Validation size", ctx.validation, ctx)}
                {number_field("imdb-test-size", "Test size", ctx.test, ctx)}
                <div class="field">
                    <label class="field-label" for="imdb-shuffles">"Shuffles"</label>
                    <select id="imdb-shuffles" on:change=move |ev| {
                        ctx.shuffles.set(event_target_value(&ev).parse().unwrap_or(2));
                        ctx.resplit();
                    }>
                        <option value="2" selected=move || ctx.shuffles.get() == 2>"2 (the script's)"</option>
                        <option value="1" selected=move || ctx.shuffles.get() == 1>"1"</option>
                    </select>
                </div>
                <div class="buttons">
                    <button type="button" on:click=move |_| ctx.prepare()
                        disabled=move || ctx.file_name.get().is_none()>"Prepare splits"</button>
                    <button type="button" on:click=move |_| {
                        ctx.seed.set(123);
                        ctx.train.set(35_000);
                        ctx.validation.set(5_000);
                        ctx.test.set(10_000);
                        ctx.shuffles.set(2);
                        ctx.resplit();
                    }>"Script's settings"</button>
                </div>
            </div>
            <p class="hint">
                "The script shuffles with pandas " <code>"df.sample(frac=1, random_state=123)"</code>
                " twice — once when loading, once before splitting — and cuts 35,000 / 5,000 / 10,000. "
                "pandas uses numpy's RandomState (MT19937), which the lab reproduces exactly, so the same seed gives the same files."
            </p>
            <Show when=too_small>
                <p class="notice" role="status">
                    "This archive is smaller than the sizes ask for. "
                    <button type="button" on:click=fit>"Fit sizes to the archive (70/10/20 %)"</button>
                </p>
            </Show>
            <BusyBar jobs=ctx.jobs cancel=move || ctx.cancel() only=PREPARING />
            {move || ctx.error.get().map(|e| view! { <p class="error" role="alert" data-testid="imdb-error">{e}</p> })}
        </Section>
    }
}
