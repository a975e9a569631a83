//! The LSH S-curve: the probability 1 − (1 − s^r)^b that two documents of Jaccard similarity s become
//! candidates, against s, with the chosen threshold marked — so a student sees what bands × rows does.

use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;

use crate::core::quality::minhash::candidate_probability;

use crate::ui::design::palette::{CHARCOAL, GOLD, LINE, NAVY, PEARL};

/// `data`: (bands, rows, threshold).
#[component]
pub fn SCurve(#[prop(into)] data: Signal<(usize, usize, f64)>) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let description = move || {
        let (b, r, t) = data.get();
        format!(
            "Candidate probability against Jaccard similarity for {b} bands of {r} rows: {:.0}% at the threshold {t:.2}, {:.0}% at 0.5, {:.0}% at 0.9.",
            candidate_probability(t, r, b) * 100.0,
            candidate_probability(0.5, r, b) * 100.0,
            candidate_probability(0.9, r, b) * 100.0
        )
    };
    Effect::new(move |_| {
        let (b, r, t) = data.get();
        if let Some(el) = canvas.get() {
            if let Err(e) = draw(el, b, r, t) {
                crate::web::tick::warn(&format!("s-curve: {e}"));
            }
        }
    });
    view! {
        <figure class="chart" data-panel="s-curve">
            <canvas node_ref=canvas width="560" height="260" role="img" aria-label=description></canvas>
            <figcaption>
                "P(candidate) = 1 − (1 − s" <sup>"r"</sup> ")" <sup>"b"</sup> " — "
                <span class="legend navy">"■ S-curve"</span> " "
                <span class="legend gold">"■ threshold"</span>
            </figcaption>
        </figure>
    }
}

fn draw(
    el: web_sys::HtmlCanvasElement,
    bands: usize,
    rows: usize,
    threshold: f64,
) -> Result<(), String> {
    let backend = CanvasBackend::with_canvas_object(el).ok_or("no 2D context")?;
    let root = backend.into_drawing_area();
    root.fill(&PEARL).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(46)
        .build_cartesian_2d(0.0..1.0, 0.0..1.0)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .light_line_style(LINE)
        .axis_style(CHARCOAL)
        .x_desc("Jaccard similarity s")
        .y_desc("P(candidate)")
        .label_style(("sans-serif", 12).into_font().color(&CHARCOAL))
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(LineSeries::new(
            [(threshold, 0.0), (threshold, 1.0)],
            GOLD.stroke_width(2),
        ))
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(LineSeries::new(
            (0..=200).map(|i| {
                let s = i as f64 / 200.0;
                (s, candidate_probability(s, rows, bands))
            }),
            NAVY.stroke_width(3),
        ))
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
