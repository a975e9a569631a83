//! The two lists of the "In this page" panel: the models a folder offers (to download), and the models
//! kept in this browser (to load again without downloading, or to remove), with their sizes and SHA-256
//! so a student can compare them with `sha256sum` on the instructor's copy.

use leptos::prelude::*;

use crate::core::model::library::{megabytes, Offered};
use crate::ui::jobs::Jobs;
use crate::web::model::library::Kept;

/// The models a folder offers, each with a Download button.
#[component]
pub fn OfferedList(
    offered: RwSignal<Vec<Offered>>,
    on_download: Callback<Offered>,
    busy: Jobs,
) -> impl IntoView {
    move || {
        let list = offered.get();
        (!list.is_empty()).then(|| {
            let rows = list
                .into_iter()
                .map(|o| {
                    let label = format!("Download {}", o.name);
                    let size = o.size.map(|s| megabytes(s as f64)).unwrap_or_else(|| "—".into());
                    let sha = o.sha256.clone().unwrap_or_else(|| "not announced".into());
                    let name = o.name.clone();
                    view! {
                        <tr>
                            <th scope="row">{name}</th>
                            <td class="num">{size}</td>
                            <td class="mono small">{sha}</td>
                            <td>
                                <button type="button" aria-label=label disabled=move || busy.is_busy()
                                    on:click=move |_| on_download.run(o.clone())>"Download"</button>
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table class="data" data-testid="model-offered">
                    <caption>"Models in this folder"</caption>
                    <thead><tr><th scope="col">"File"</th><th scope="col">"Size"</th><th scope="col">"SHA-256"</th><th scope="col">"Actions"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
        })
    }
}

/// The models kept in this browser: size, SHA-256, where each came from; Load and Remove.
#[component]
pub fn KeptList(
    kept: RwSignal<Vec<Kept>>,
    storage: RwSignal<Option<(f64, f64)>>,
    loaded: RwSignal<Option<String>>,
    on_load: Callback<Kept>,
    on_remove: Callback<Kept>,
    busy: Jobs,
) -> impl IntoView {
    let total = move || kept.with(|k| k.iter().map(|k| k.size).sum::<f64>());
    let summary = move || {
        let n = kept.with(Vec::len);
        let models = if n == 1 { "model" } else { "models" };
        let room = storage
            .get()
            .map(|(used, quota)| {
                format!(
                    " · this site uses {} of the {} the browser allows it",
                    megabytes(used),
                    megabytes(quota)
                )
            })
            .unwrap_or_default();
        format!(
            "Kept in this browser: {n} {models}, {}{room}.",
            megabytes(total())
        )
    };
    let rows = move || {
        kept.get()
            .into_iter()
            .map(|k| {
                let in_use = {
                    let key = k.key.clone();
                    move || loaded.with(|l| l.as_deref() == Some(key.as_str()))
                };
                let (k1, k2) = (k.clone(), k.clone());
                let load_label = format!("Load {}", k.name);
                let remove_label = format!("Remove {} from this browser", k.name);
                view! {
                    <tr>
                        <th scope="row">
                            {k.name.clone()}
                            <Show when=in_use.clone()>
                                <span class="hint">" (loaded)"</span>
                            </Show>
                        </th>
                        <td class="num">{megabytes(k.size)}</td>
                        <td class="mono small" data-testid="kept-sha256">{k.sha256.clone()}</td>
                        <td class="small">{k.source.clone()}</td>
                        <td>
                            <button type="button" aria-label=load_label disabled=move || busy.is_busy()
                                on:click=move |_| on_load.run(k1.clone())>"Load"</button>
                            " "
                            <button type="button" aria-label=remove_label disabled=move || busy.is_busy()
                                on:click=move |_| on_remove.run(k2.clone())>"Remove"</button>
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <Show when=move || kept.with(|k| !k.is_empty())>
            <table class="data" data-testid="model-kept">
                <caption>{summary}</caption>
                <thead><tr><th scope="col">"Model"</th><th scope="col">"Size"</th><th scope="col">"SHA-256"</th><th scope="col">"From"</th><th scope="col">"Actions"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </Show>
    }
}
