//! The experiment log: every run and rule change, oldest first, never edited; exportable as JSON Lines.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::AbCtx;
use crate::core::ab::log::{to_jsonl, Kind};
use crate::ui::design::Section;
use crate::web::experiment_log;
use crate::web::files::download;

#[component]
pub fn LogPanel() -> impl IntoView {
    let ab = expect_context::<AbCtx>();
    // Until IndexedDB answers, the panel says so rather than "No runs yet." (which would be untrue).
    let loaded = RwSignal::new(false);
    spawn_local(async move {
        let read = experiment_log::load().await;
        loaded.set(true);
        match read {
            Ok((entries, unreadable)) => {
                ab.log.set(entries);
                if unreadable > 0 {
                    ab.log_error.set(Some(format!(
                        "{unreadable} log entries could not be read and are not shown."
                    )));
                }
            }
            Err(e) => ab.log_error.set(Some(format!(
                "The experiment log is not available: {e}. Runs still work; export each table to keep it."
            ))),
        }
    });
    let export = move |_| {
        let text = ab.log.with_untracked(|l| to_jsonl(l));
        if let Err(e) = download(
            "experiment-log.jsonl",
            "application/x-ndjson",
            text.as_bytes(),
        ) {
            ab.ws.error(e);
        }
    };
    view! {
        <Section title="Experiment log" heading_id="ab-log">
            <p class="hint">
                "Every run is appended with a hash of all it read (dataset contents, tokenizer ids, evaluation set, spec, seed, this lab's version) and of all it gave. Entries are never changed, and a dataset version an entry names cannot be deleted."
            </p>
            {move || {
                let log = ab.log.get();
                if log.is_empty() && !loaded.get() {
                    return view! { <p class="hint" data-testid="ab-log-count">"Reading the log …"</p> }.into_any();
                }
                if log.is_empty() {
                    return view! { <p class="hint" data-testid="ab-log-count">"No runs yet."</p> }.into_any();
                }
                view! {
                    <p class="hint" data-testid="ab-log-count">{format!("{} entries", log.len())}</p>
                    <div class="table-wrap">
                        <table>
                            <thead><tr>
                                <th scope="col">"#"</th><th scope="col">"When"</th><th scope="col">"What"</th>
                                <th scope="col">"Inputs"</th><th scope="col">"Outputs"</th>
                            </tr></thead>
                            <tbody>
                                {log.iter().rev().map(|e| {
                                    let what = match e.kind {
                                        Kind::Run => e.outputs.iter().map(|o| format!("{} {}", o.name, o.verdict)).collect::<Vec<_>>().join(", "),
                                        Kind::RuleChange => e.note.clone(),
                                    };
                                    view! {
                                        <tr>
                                            <th scope="row">{e.n}</th>
                                            <td>{e.at.get(..19).unwrap_or(&e.at).replace('T', " ")}</td>
                                            <td>{what}</td>
                                            <td class="mono">{e.input_hash.get(..12).unwrap_or("").to_string()}</td>
                                            <td class="mono">{e.output_hash.get(..12).unwrap_or("").to_string()}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <button class="secondary" on:click=export disabled=move || ab.log.with(Vec::is_empty)>"Download log (JSONL)"</button>
        </Section>
    }
}
