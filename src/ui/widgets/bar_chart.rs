//! A bar chart drawn with plotters on a canvas, redrawn whenever its data changes.

use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_canvas::CanvasBackend;

use crate::ui::design::palette::{CHARCOAL, GOLD, LINE, NAVY, PEARL};

/// Bars of `data` (label, value); the largest is drawn in gold. The canvas carries a text description.
#[component]
pub fn BarChart(
    #[prop(into)] data: Signal<Vec<(String, f64)>>,
    #[prop(into)] title: String,
    #[prop(into)] y_label: String,
) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let description = {
        let title = title.clone();
        move || {
            let parts: Vec<String> = data
                .get()
                .iter()
                .map(|(l, v)| format!("{l}: {v}"))
                .collect();
            format!("{title}. {}", parts.join(", "))
        }
    };
    Effect::new(move |_| {
        let rows = data.get();
        if let Some(el) = canvas.get() {
            if let Err(e) = draw(el, &rows, &y_label) {
                crate::web::tick::warn(&format!("chart: {e}"));
            }
        }
    });
    view! {
        <figure class="chart">
            <canvas node_ref=canvas width="520" height="240" role="img" aria-label=description></canvas>
            <figcaption>{title}</figcaption>
        </figure>
    }
}

fn draw(
    el: web_sys::HtmlCanvasElement,
    rows: &[(String, f64)],
    y_label: &str,
) -> Result<(), String> {
    let backend = CanvasBackend::with_canvas_object(el).ok_or("no 2D context")?;
    let root = backend.into_drawing_area();
    root.fill(&PEARL).map_err(|e| e.to_string())?;
    if rows.is_empty() {
        return root.present().map_err(|e| e.to_string());
    }
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max).max(1.0);
    let n = rows.len();
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(56)
        .build_cartesian_2d((0..n).into_segmented(), 0.0..max * 1.18)
        .map_err(|e| e.to_string())?;
    let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(LINE)
        .axis_style(CHARCOAL)
        .y_desc(y_label)
        .label_style(("sans-serif", 13).into_font().color(&CHARCOAL))
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .draw()
        .map_err(|e| e.to_string())?;
    let top = rows.iter().map(|r| r.1).fold(f64::MIN, f64::max);
    chart
        .draw_series(rows.iter().enumerate().map(|(i, (_, v))| {
            let colour = if *v == top && n > 1 { GOLD } else { NAVY };
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), *v),
                ],
                colour.filled(),
            );
            bar.set_margin(0, 0, 18, 18);
            bar
        }))
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(rows.iter().enumerate().map(|(i, (_, v))| {
            Text::new(
                format!("{v}"),
                (SegmentValue::CenterOf(i), *v + max * 0.02),
                ("sans-serif", 14)
                    .into_font()
                    .color(&CHARCOAL)
                    .pos(Pos::new(HPos::Center, VPos::Bottom)),
            )
        }))
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
