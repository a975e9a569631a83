//! Lines over a logarithmic x axis (a learning curve: a metric against the data seen), drawn with plotters
//! on a canvas that carries the numbers as its text description.

use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;

use crate::ui::design::palette::{CHARCOAL, GOLD, LINE, NAVY, PEARL};

/// One line: its name and points `(x, y)`, x > 0.
pub type Series = (String, Vec<(f64, f64)>);

/// The colours lines take in turn: the deck's navy and gold, then charcoal and a muted teal and rose (the
/// legend's `.line-<i>` classes in style.css match them).
const COLOURS: [RGBColor; 5] = [
    NAVY,
    GOLD,
    CHARCOAL,
    RGBColor(0x2C, 0x7A, 0x7B),
    RGBColor(0xB8, 0x32, 0x80),
];

#[component]
pub fn LineChart(
    #[prop(into)] data: Signal<Vec<Series>>,
    #[prop(into)] title: String,
    #[prop(into)] x_label: String,
    #[prop(into)] y_label: String,
) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let description = {
        let title = title.clone();
        move || {
            let lines: Vec<String> = data
                .get()
                .iter()
                .map(|(name, pts)| {
                    let pts: Vec<String> =
                        pts.iter().map(|(x, y)| format!("{x:.0}: {y:.4}")).collect();
                    format!("{name}: {}", pts.join(", "))
                })
                .collect();
            format!("{title}. {}", lines.join(". "))
        }
    };
    let (xl, yl) = (x_label.clone(), y_label.clone());
    Effect::new(move |_| {
        let series = data.get();
        if let Some(el) = canvas.get() {
            if let Err(e) = draw(el, &series, &xl, &yl) {
                crate::web::tick::warn(&format!("line chart: {e}"));
            }
        }
    });
    view! {
        <figure class="chart">
            <canvas node_ref=canvas width="640" height="280" role="img" aria-label=description></canvas>
            <figcaption>
                {title} " — "
                {move || data.get().into_iter().enumerate().map(|(i, (name, _))| view! {
                    <span class=format!("legend line-{}", i % COLOURS.len())>"■ " {name} " "</span>
                }).collect_view()}
            </figcaption>
        </figure>
    }
}

fn draw(
    el: web_sys::HtmlCanvasElement,
    series: &[Series],
    x_label: &str,
    y_label: &str,
) -> Result<(), String> {
    let backend = CanvasBackend::with_canvas_object(el).ok_or("no 2D context")?;
    let root = backend.into_drawing_area();
    root.fill(&PEARL).map_err(|e| e.to_string())?;
    let pts = series.iter().flat_map(|(_, p)| p.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 || x0 <= 0.0 {
        return root.present().map_err(|e| e.to_string());
    }
    let pad = ((y1 - y0) * 0.1).max(0.01);
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d((x0 * 0.8..x1 * 1.25).log_scale(), (y0 - pad)..(y1 + pad))
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .light_line_style(LINE)
        .axis_style(CHARCOAL)
        .x_desc(x_label)
        .y_desc(y_label)
        .x_label_formatter(&|v| {
            if *v >= 1e6 {
                format!("{:.1}M", v / 1e6)
            } else if *v >= 1e3 {
                format!("{:.0}k", v / 1e3)
            } else {
                format!("{v:.0}")
            }
        })
        .label_style(("sans-serif", 12).into_font().color(&CHARCOAL))
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, (_, p)) in series.iter().enumerate() {
        let c = COLOURS[i % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(p.iter().copied(), c.stroke_width(3)))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(p.iter().map(|&pt| Circle::new(pt, 4, c.filled())))
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}
