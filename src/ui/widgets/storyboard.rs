//! A storyboard player: a story's frames revealed one at a time with Play, Pause, Step and Restart (also
//! Space, → and Home while it has focus). It never moves while its slide is hidden (`slide:stop`), and
//! with `prefers-reduced-motion` the frames change without transitions (CSS). The current frame is also
//! announced to screen readers.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::storyboard::Story;
use crate::web::{embed, tick};

/// How long a frame stays before the next one while playing.
const FRAME_MS: i32 = 1600;

#[component]
pub fn Storyboard(
    /// The region's name, e.g. "Storyboard: the dataset generation loop (slide 7)".
    label: &'static str,
    /// Test ids are `storyboard-<key>` and `storyboard-<key>-step`.
    key: &'static str,
    #[prop(into)] story: Signal<Option<Story>>,
) -> impl IntoView {
    let step = RwSignal::new(0usize);
    let playing = RwSignal::new(false);
    // Each Play starts a timer loop; a newer one (or Pause) makes the older one stop.
    let run = StoredValue::new(0u64);
    let len = move || story.with_untracked(|s| s.as_ref().map_or(0, |s| s.frames.len()));
    Effect::new(move |_| {
        story.track();
        run.update_value(|r| *r += 1);
        playing.set(false);
        step.set(0);
    });
    let pause = move || {
        run.update_value(|r| *r += 1);
        playing.set(false);
    };
    let play = move || {
        if len() == 0 {
            return;
        }
        if step.get_untracked() + 1 >= len() {
            step.set(0);
        }
        run.update_value(|r| *r += 1);
        let mine = run.get_value();
        playing.set(true);
        spawn_local(async move {
            loop {
                tick::sleep(FRAME_MS).await;
                // A hidden slide holds the story where it is.
                embed::wait_on_stage().await;
                if run.try_get_value() != Some(mine) {
                    return;
                }
                if step.get_untracked() + 1 >= len() {
                    playing.set(false);
                    return;
                }
                step.update(|s| *s += 1);
            }
        });
    };
    let step_once = move || {
        pause();
        if step.get_untracked() + 1 < len() {
            step.update(|s| *s += 1);
        }
    };
    let restart = move || {
        pause();
        step.set(0);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        " " => {
            ev.prevent_default();
            if playing.get_untracked() {
                pause()
            } else {
                play()
            }
        }
        "ArrowRight" => {
            ev.prevent_default();
            step_once()
        }
        "Home" => {
            ev.prevent_default();
            restart()
        }
        _ => {}
    };
    let frames = move || {
        story.with(|s| {
            let Some(s) = s else { return Vec::new() };
            // Bars compare frames of one unit (rows with rows, tokens with tokens).
            let max = |unit: &str| {
                s.frames
                    .iter()
                    .filter(|f| f.unit == unit)
                    .filter_map(|f| f.count)
                    .max()
                    .unwrap_or(0)
                    .max(1)
            };
            s.frames
                .iter()
                .enumerate()
                .map(|(k, f)| {
                    let pct = f.count.map(|c| 100.0 * c as f64 / max(f.unit) as f64);
                    (k, f.clone(), pct)
                })
                .collect::<Vec<_>>()
        })
    };
    let announce = move || {
        story.with(|s| {
            s.as_ref()
                .and_then(|s| s.frames.get(step.get()))
                .map(|f| format!("{}: {}", f.title, f.detail))
                .unwrap_or_default()
        })
    };
    view! {
        <div class="storyboard" role="region" aria-label=label tabindex="0" on:keydown=on_key
            data-testid=format!("storyboard-{key}") data-playing=move || playing.get().to_string()>
            <p class="hint story-source">{move || story.with(|s| s.as_ref().map(|s| s.source.clone()))}</p>
            <div class="story-controls">
                <button type="button" on:click=move |_| play() disabled=move || playing.get()>"Play"</button>
                <button type="button" on:click=move |_| pause() disabled=move || !playing.get()>"Pause"</button>
                <button type="button" on:click=move |_| step_once()>"Step"</button>
                <button type="button" on:click=move |_| restart()>"Restart"</button>
                <span class="story-step" data-testid=format!("storyboard-{key}-step")>
                    {move || format!("Step {} of {}", (step.get() + 1).min(len().max(1)), story.with(|s| s.as_ref().map_or(0, |s| s.frames.len())))}
                </span>
            </div>
            <ol class="story-frames">
                {move || frames().into_iter().map(|(k, f, pct)| view! {
                    <li class="story-frame" class:shown=move || k <= step.get() class:current=move || k == step.get()>
                        <span class="story-title">{f.title}</span>
                        <span class="story-rows">{f.count.map_or("—".to_string(), |c| format!("{c} {}", f.unit))}</span>
                        <span class="story-bar"><span class="story-fill" style:width=move || if k <= step.get() { format!("{:.1}%", pct.unwrap_or(0.0)) } else { "0%".into() }></span></span>
                        <span class="story-detail">{f.detail}</span>
                    </li>
                }).collect_view()}
            </ol>
            {move || story.with(|s| s.as_ref().and_then(|s| s.shift.clone())).map(|(at, bins)| {
                let top = bins.iter().map(|b| b.before.max(b.after)).max().unwrap_or(0).max(1) as f64;
                let height = move |n: usize| format!("{:.1}%", 100.0 * n as f64 / top);
                let summary = bins
                    .iter()
                    .map(|b| format!("{}–{} tokens: {} rows before, {} after", b.from, b.to, b.before, b.after))
                    .collect::<Vec<_>>()
                    .join("; ");
                view! {
                    <figure class="story-hist" class:shown=move || { step.get() >= at } data-testid=format!("storyboard-{key}-shift")>
                        <div class="story-hist-bars" role="img" aria-label=format!("Row lengths before and after: {summary}")>
                            {bins.into_iter().map(|b| {
                                let (before, after) = (b.before, b.after);
                                view! {
                                    <div class="story-hist-bin" title=format!("{}–{} tokens: {before} → {after} rows", b.from, b.to)>
                                        <span class="story-hist-before" style:height=move || { if step.get() >= at { height(before) } else { "0%".into() } }></span>
                                        <span class="story-hist-after" style:height=move || { if step.get() >= at { height(after) } else { "0%".into() } }></span>
                                    </div>
                                }
                            }).collect_view()}
                        </div>
                        <figcaption>"Rows by length in tokens, before (navy) and after (gold) the change; longer rows count in the last bar."</figcaption>
                    </figure>
                }
            })}
            <p class="sr-only" aria-live="polite">{announce}</p>
        </div>
    }
}
