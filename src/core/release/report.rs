//! The quality report: one self-contained HTML page (styles and charts inline, no script, nothing fetched)
//! that opens from the unzipped pack in any browser — the release gates, the audit, the checks that ran,
//! and charts of rows per step and of lengths.

use crate::core::dataset::record::Record;
use crate::core::dataset::workspace::Workspace;

use super::gates::{marked_rows, same_rows, Gate, Status};
use super::spec::Spec;

/// Text as HTML (dataset text is never markup).
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A horizontal bar chart as inline SVG: one bar per (label, value).
fn bars(title: &str, items: &[(String, f64)], unit: &str) -> String {
    let w = 640.0;
    let label_w = 220.0;
    let row = 24.0;
    let h = 34.0 + row * items.len() as f64;
    let max = items.iter().map(|i| i.1).fold(0.0, f64::max).max(1e-9);
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" aria-label="{t}"><title>{t}</title><text x="0" y="16" font-weight="bold" fill="#1A365D">{t}</text>"##,
        t = esc(title)
    );
    for (i, (label, v)) in items.iter().enumerate() {
        let y = 28.0 + row * i as f64;
        let bw = (w - label_w - 90.0) * v / max;
        s.push_str(&format!(
            r##"<text x="0" y="{ty}" font-size="12" fill="#2D3748">{l}</text><rect x="{label_w}" y="{y}" width="{bw:.1}" height="16" fill="#1A365D"/><text x="{tx:.1}" y="{ty}" font-size="12" fill="#2D3748">{v}{unit}</text>"##,
            ty = y + 12.0,
            l = esc(label),
            tx = label_w + bw + 6.0,
            v = if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") },
        ));
    }
    s.push_str("</svg>");
    s
}

/// A histogram of `values` in `bins` equal bins, as bars.
fn histogram(title: &str, values: &[usize], bins: usize) -> String {
    if values.is_empty() {
        return String::new();
    }
    let max = *values.iter().max().unwrap_or(&1);
    let width = (max / bins).max(1) + 1;
    let mut counts = vec![0usize; bins];
    for &v in values {
        counts[(v / width).min(bins - 1)] += 1;
    }
    let items: Vec<(String, f64)> = counts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                format!("{}–{} chars", i * width, (i + 1) * width - 1),
                *c as f64,
            )
        })
        .collect();
    bars(title, &items, "")
}

/// The report for `candidate`.
pub fn quality_report(
    ws: &Workspace,
    candidate: &str,
    rows: &[Record],
    gates: &[Gate],
    spec: &Spec,
    made: &str,
) -> String {
    let mut body = String::new();
    body.push_str("<h2>Release gates (slide 24)</h2><table><tr><th>#</th><th>Gate</th><th>State</th><th>Evidence</th></tr>");
    for g in gates {
        let cls = match g.status {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Waived => "waived",
        };
        let l = g.line();
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"{cls}\">{}</td><td>{}</td></tr>",
            l.n,
            esc(&l.title),
            l.status,
            esc(&l.evidence)
        ));
    }
    body.push_str("</table>");

    let steps: Vec<(String, f64)> = spec
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("{}. {}", i + 1, s.transform), s.rows as f64))
        .collect();
    body.push_str("<h2>Rows at each step</h2>");
    body.push_str(&bars("Rows per version on the lineage", &steps, " rows"));

    body.push_str("<h2>Checks that ran on this version</h2>");
    let checks: Vec<_> = ws
        .checks
        .iter()
        .filter(|c| c.version == candidate)
        .collect();
    if checks.is_empty() {
        body.push_str("<p>No gate run or duplicate search is recorded on this version.</p>");
    }
    for c in checks {
        body.push_str(&format!(
            "<p>{} · {} — {}</p>",
            esc(&c.at),
            esc(&c.kind),
            esc(&c.summary)
        ));
        let items: Vec<(String, f64)> = c.per.iter().map(|(g, n)| (g.clone(), *n as f64)).collect();
        if !items.is_empty() {
            body.push_str(&bars(&format!("Rows flagged ({})", c.kind), &items, ""));
        }
    }

    body.push_str("<h2>Sample audit</h2>");
    let audit = same_rows(ws, candidate)
        .into_iter()
        .find_map(|v| ws.audits.get(&v.id));
    match audit {
        Some(a) => {
            let (good, n) = a.score();
            body.push_str(&format!(
                "<p>Seed {}: {n} of {} sampled rows reviewed, {:.0} % judged good.</p><table><tr><th>Row</th><th>Verdict</th><th>Note</th></tr>",
                a.seed,
                a.rows.len(),
                good * 100.0
            ));
            for (i, (v, note)) in &a.verdicts {
                body.push_str(&format!(
                    "<tr><td>#{i}</td><td>{v:?}</td><td>{}</td></tr>",
                    esc(note)
                ));
            }
            body.push_str("</table>");
        }
        None => body.push_str("<p>No sample audit of this version.</p>"),
    }

    body.push_str("<h2>Lengths</h2>");
    let ins: Vec<usize> = rows.iter().map(|r| r.instruction.chars().count()).collect();
    let out: Vec<usize> = rows.iter().map(|r| r.output.chars().count()).collect();
    body.push_str(&histogram("Instruction length (characters)", &ins, 10));
    body.push_str(&histogram("Output length (characters)", &out, 10));

    if let Some((_, marked)) = marked_rows(ws, candidate) {
        body.push_str("<h2>Teaching-ready examples</h2>");
        for &i in marked {
            if let Some(r) = rows.get(i) {
                body.push_str(&format!(
                    "<div class=\"ex\"><p><b>#{i} Instruction</b></p><pre>{}</pre>{}<p><b>Output</b></p><pre>{}</pre></div>",
                    esc(&r.instruction),
                    if r.input.is_empty() { String::new() } else { format!("<p><b>Input</b></p><pre>{}</pre>", esc(&r.input)) },
                    esc(&r.output)
                ));
            }
        }
    }

    format!(
        r##"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Quality report — {id}</title>
<style>
body{{font-family:system-ui,sans-serif;background:linear-gradient(#FAFAFA,#F0F4F8);color:#2D3748;max-width:60rem;margin:2rem auto;padding:0 1rem}}
h1,h2{{color:#1A365D}} h1{{border-bottom:3px solid #C9A227}}
table{{border-collapse:collapse;margin:.5rem 0}} td,th{{border:1px solid #CBD5E0;padding:.25rem .5rem;vertical-align:top;text-align:left}}
.pass{{color:#22543D;font-weight:bold}} .fail{{color:#9B2C2C;font-weight:bold}} .waived{{color:#975A16;font-weight:bold}}
pre{{white-space:pre-wrap;background:#fff;border:1px solid #E2E8F0;padding:.5rem}} .ex{{border-left:4px solid #C9A227;padding-left:.75rem;margin:1rem 0}}
</style></head><body>
<h1>Quality report — {id}</h1>
<p>{rows} rows · made {made} by datalab. Every figure below is computed from the lab's records.</p>
{body}
</body></html>
"##,
        id = esc(candidate),
        rows = rows.len(),
        made = esc(made),
    )
}
