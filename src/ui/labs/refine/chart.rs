//! Mean judge scores per criterion before (navy) and after (gold), with the paired change's 95% interval
//! drawn as a whisker on the "after" bar (before + the delta's interval), drawn with plotters on a canvas.

use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;

use crate::ui::design::palette::{CHARCOAL, GOLD, LINE, NAVY, PEARL};

/// One criterion: label, mean before, mean after, and the interval of "after" (before + delta interval).
pub type Bar = (String, f64, f64, Option<(f64, f64)>);

#[component]
pub fn BeforeAfterChart(
    #[prop(into)] data: Signal<Vec<Bar>>,
    #[prop(into)] title: String,
) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let description = {
        let title = title.clone();
        move || {
            let parts: Vec<String> = data
                .get()
                .iter()
                .map(|(l, b, a, i)| {
                    let i = i
                        .map(|(lo, hi)| format!(" (interval {lo:.2}–{hi:.2})"))
                        .unwrap_or_default();
                    format!("{l}: before {b:.2}, after {a:.2}{i}")
                })
                .collect();
            format!("{title}. {}", parts.join("; "))
        }
    };
    Effect::new(move |_| {
        let rows = data.get();
        if let Some(el) = canvas.get() {
            if let Err(e) = draw(el, &rows) {
                crate::web::tick::warn(&format!("chart: {e}"));
            }
        }
    });
    view! {
        <figure class="chart">
            <canvas node_ref=canvas width="640" height="260" role="img" aria-label=description></canvas>
            <figcaption>
                {title} " — " <span class="legend navy">"■ before"</span> " "
                <span class="legend gold">"■ after"</span>
            </figcaption>
        </figure>
    }
}

fn draw(el: web_sys::HtmlCanvasElement, rows: &[Bar]) -> Result<(), String> {
    let backend = CanvasBackend::with_canvas_object(el).ok_or("no 2D context")?;
    let root = backend.into_drawing_area();
    root.fill(&PEARL).map_err(|e| e.to_string())?;
    let n = rows.len();
    if n == 0 {
        return root.present().map_err(|e| e.to_string());
    }
    let top = rows
        .iter()
        .flat_map(|(_, b, a, i)| [*b, *a, i.map_or(0.0, |x| x.1)])
        .fold(5.0, f64::max);
    // Criterion i is centred on x = i; its bars sit either side.
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(44)
        .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..top * 1.08)
        .map_err(|e| e.to_string())?;
    let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(LINE)
        .axis_style(CHARCOAL)
        .y_desc("mean score")
        .x_labels(n)
        .label_style(("sans-serif", 12).into_font().color(&CHARCOAL))
        .x_label_formatter(&|v| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .draw()
        .map_err(|e| e.to_string())?;
    let w = 0.34;
    chart
        .draw_series(rows.iter().enumerate().flat_map(|(i, (_, b, a, _))| {
            let x = i as f64;
            [
                Rectangle::new([(x - w - 0.02, 0.0), (x - 0.02, *b)], NAVY.filled()),
                Rectangle::new([(x + 0.02, 0.0), (x + w + 0.02, *a)], GOLD.filled()),
            ]
        }))
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(rows.iter().enumerate().filter_map(|(i, (_, _, a, iv))| {
            let (lo, hi) = (*iv)?;
            let x = i as f64 + 0.02 + w / 2.0;
            Some(ErrorBar::new_vertical(
                x,
                lo,
                *a,
                hi,
                CHARCOAL.stroke_width(2),
                10,
            ))
        }))
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
