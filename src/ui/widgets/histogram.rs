//! Two distributions over the same bins (before / after), drawn with plotters on a canvas.

use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;

use crate::core::stats::Bin;

use crate::ui::design::palette::{CHARCOAL, GOLD, LINE, NAVY, PEARL};

/// `data`: (bins before, bins after), same bins in both. The canvas carries a text description.
#[component]
pub fn PairedHistogram(
    #[prop(into)] data: Signal<(Vec<Bin>, Vec<Bin>)>,
    #[prop(into)] title: String,
    #[prop(into)] x_label: String,
    /// Names of the two series (default: before / after).
    #[prop(optional)]
    legend: Option<(String, String)>,
) -> impl IntoView {
    let (first, second) = legend.unwrap_or_else(|| ("before".into(), "after".into()));
    let canvas = NodeRef::<Canvas>::new();
    let description = {
        let title = title.clone();
        let (first, second) = (first.clone(), second.clone());
        move || {
            let (b, a) = data.get();
            let fmt = |bins: &[Bin]| {
                bins.iter()
                    .map(|x| format!("{}–{}: {}", x.start, x.end - 1, x.count))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!("{title}. {first}: {}. {second}: {}.", fmt(&b), fmt(&a))
        }
    };
    Effect::new(move |_| {
        let (b, a) = data.get();
        if let Some(el) = canvas.get() {
            if let Err(e) = draw(el, &b, &a, &x_label) {
                crate::web::tick::warn(&format!("histogram: {e}"));
            }
        }
    });
    view! {
        <figure class="chart">
            <canvas node_ref=canvas width="640" height="260" role="img" aria-label=description></canvas>
            <figcaption>
                {title} " — " <span class="legend navy">"■ " {first}</span> " "
                <span class="legend gold">"■ " {second}</span>
            </figcaption>
        </figure>
    }
}

fn draw(
    el: web_sys::HtmlCanvasElement,
    before: &[Bin],
    after: &[Bin],
    x_label: &str,
) -> Result<(), String> {
    let backend = CanvasBackend::with_canvas_object(el).ok_or("no 2D context")?;
    let root = backend.into_drawing_area();
    root.fill(&PEARL).map_err(|e| e.to_string())?;
    let n = before.len().max(after.len());
    if n == 0 {
        return root.present().map_err(|e| e.to_string());
    }
    let max = before
        .iter()
        .chain(after)
        .map(|b| b.count)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let labels: Vec<String> = before.iter().map(|b| format!("{}", b.start)).collect();
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(50)
        .build_cartesian_2d((0..n).into_segmented(), 0.0..max * 1.1)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(LINE)
        .axis_style(CHARCOAL)
        .x_desc(x_label)
        .y_desc("records")
        .x_labels(n.min(12))
        .label_style(("sans-serif", 12).into_font().color(&CHARCOAL))
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .draw()
        .map_err(|e| e.to_string())?;
    for (bins, colour, left) in [(before, NAVY, true), (after, GOLD, false)] {
        chart
            .draw_series(bins.iter().enumerate().map(|(i, b)| {
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), b.count as f64),
                    ],
                    colour.filled(),
                );
                if left {
                    bar.set_margin(0, 0, 3, 14);
                } else {
                    bar.set_margin(0, 0, 14, 3);
                }
                bar
            }))
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}
