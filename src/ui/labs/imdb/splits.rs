//! Panel 2: the three files — rows, class balance, lengths, SHA-256 — with their downloads, and how to
//! check them against the reference script.

use leptos::prelude::*;

use super::state::ICtx;
use crate::core::imdb::jobs::PrepareSummary;
use crate::core::imdb::prepare::SplitStats;
use crate::ui::design::Section;
use crate::web::files::download_blob;

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn split_row(ctx: ICtx, k: usize, st: SplitStats) -> impl IntoView {
    let name = st.name.clone();
    let file = format!("{name}.csv");
    let share = if st.rows == 0 {
        "—".to_string()
    } else {
        format!("{:.2} %", st.positive as f64 * 100.0 / st.rows as f64)
    };
    let chars = if st.rows == 0 {
        "—".to_string()
    } else {
        format!(
            "{:.0} / {:.0} / {} / {}",
            st.chars.mean, st.chars.p50, st.chars.min, st.chars.max
        )
    };
    let download = {
        let file = file.clone();
        move |_| {
            let blob = ctx.blobs.with_value(|b| b.get(k).cloned());
            match blob {
                Some(b) => {
                    if let Err(e) = download_blob(&file, &b) {
                        ctx.error.set(Some(format!("{file}: {e}")));
                    }
                }
                None => ctx.error.set(Some("Prepare the splits first.".into())),
            }
        }
    };
    view! {
        <tr>
            <th scope="row">{file.clone()}</th>
            <td class="num">{thousands(st.rows)}</td>
            <td class="num">{thousands(st.positive)} " / " {thousands(st.negative)}</td>
            <td class="num">{share}</td>
            <td class="num">{chars}</td>
            <td class="num">{format!("{:.0}", st.words.mean)}</td>
            <td class="hash-cell"><code class="hash" data-testid=format!("sha256-{name}")>{st.sha256.clone()}</code></td>
            <td><button type="button" on:click=download>{format!("Download {file}")}</button></td>
        </tr>
    }
}

fn archive_line(p: &PrepareSummary) -> String {
    let c = p.counts;
    format!(
        "{} · {:.1} MB · {} reviews (test: {} pos + {} neg, train: {} pos + {} neg) under {}/ · {} tar entries, {:.1} MB unpacked · {}",
        p.archive.name,
        p.archive.bytes as f64 / 1e6,
        thousands(p.reviews),
        thousands(c[0]),
        thousands(c[1]),
        thousands(c[2]),
        thousands(c[3]),
        if p.root.is_empty() { "." } else { &p.root },
        thousands(p.entries as usize),
        p.tar_bytes as f64 / 1e6,
        if p.cached {
            format!("re-split in {:.2} s (the worker still had the reviews)", p.millis_split / 1000.0)
        } else {
            format!(
                "read in {:.1} s, split and written in {:.1} s",
                p.millis_unpack / 1000.0,
                p.millis_split / 1000.0
            )
        }
    )
}

#[component]
pub fn SplitsPanel() -> impl IntoView {
    let ctx = expect_context::<ICtx>();
    view! {
        <Section title="The splits" heading_id="splits-h">
            {move || {
                ctx.prepared.get().map(|p| {
                    let rows: Vec<_> = p
                        .stats
                        .iter()
                        .cloned()
                        .enumerate()
                        .map(|(k, st)| split_row(ctx, k, st))
                        .collect();
                    let notes: Vec<_> = p.notes.iter().map(|n| view! { <li class="finding">{n.clone()}</li> }).collect();
                    let s = p.settings;
                    view! {
                        <>
                            <p class="hint">{archive_line(&p)}</p>
                            <p class="hint">
                                "Archive SHA-256: " <code class="hash" data-testid="sha256-archive">{p.archive.sha256.clone()}</code>
                            </p>
                            <div class="table-wrap">
                                <table class="data">
                                    <caption class="sr-only">"The three split files"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"File"</th>
                                            <th scope="col">"Rows"</th>
                                            <th scope="col">"Positive / negative"</th>
                                            <th scope="col">"Positive share"</th>
                                            <th scope="col">"Characters: mean / median / min / max"</th>
                                            <th scope="col">"Words (mean)"</th>
                                            <th scope="col">"SHA-256"</th>
                                            <th scope="col">"Download"</th>
                                        </tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                            <ul class="findings">{notes}</ul>
                            <p class="hint">
                                {format!(
                                    "Seed {}, {} shuffle{}, sizes {} / {} / {}. ",
                                    s.seed,
                                    s.shuffles,
                                    if s.shuffles == 1 { "" } else { "s" },
                                    thousands(s.train),
                                    thousands(s.validation),
                                    thousands(s.test)
                                )}
                                "Columns text,label; quoted and ended exactly as pandas' to_csv(index=False) writes them. "
                                "Check them against the reference script's files:"
                            </p>
                            <pre class="code"><code>"python download_prepare_dataset.py   # writes train.csv, validation.csv, test.csv\nsha256sum train.csv validation.csv test.csv"</code></pre>
                        </>
                    }
                })
            }}
            <Show when=move || ctx.prepared.with(Option::is_none)>
                <p class="hint">"No splits yet: pick the archive above, and train.csv, validation.csv and test.csv appear here with their hashes."</p>
            </Show>
        </Section>
    }
}
