//! Version tags and changelog entries: a release is tagged with a semantic version worked out from what
//! changed since the last release on its lineage — a new schema is a major change, added rows a minor one,
//! rows removed or rewritten a patch.

use crate::core::dataset::workspace::{DatasetVersion, Workspace};

use super::gates::NARROWING;

fn parse(tag: &str) -> Option<(u64, u64, u64)> {
    let mut it = tag.split('.').map(|p| p.parse::<u64>().ok());
    let t = (it.next()??, it.next()??, it.next()??);
    it.next().is_none().then_some(t)
}

/// The tag a release of `id` gets now, and the changelog entry (with `note`, the student's words, last).
pub fn next_tag(ws: &Workspace, id: &str, note: &str) -> (String, String) {
    let lineage = ws.lineage(id);
    let Some(cand) = lineage.last() else {
        return ("1.0.0".into(), String::new());
    };
    if let Some(r) = ws.release_of(id) {
        return (r.tag.clone(), r.changelog.clone());
    }
    // The latest release on this lineage is what the change is measured from.
    let base = lineage.iter().enumerate().rev().skip(1).find_map(|(i, v)| {
        ws.release_of(&v.id)
            .and_then(|r| parse(&r.tag).map(|t| (i, r.tag.clone(), t)))
    });
    let (mut tag, since) = match &base {
        None => {
            let major = ws
                .releases
                .iter()
                .filter_map(|r| parse(&r.tag))
                .map(|t| t.0)
                .max()
                .unwrap_or(0);
            (
                (major + 1, 0, 0),
                "first release of this lineage".to_string(),
            )
        }
        Some((i, tag, (ma, mi, pa))) => {
            let steps = &lineage[i + 1..];
            let from = lineage[*i];
            let t = if from.schema != cand.schema {
                (ma + 1, 0, 0)
            } else if steps
                .iter()
                .any(|v| !NARROWING.contains(&v.transform.as_str()))
            {
                (*ma, mi + 1, 0)
            } else {
                (*ma, *mi, pa + 1)
            };
            (
                t,
                format!("since v{tag} ({}): {}", from.id, changes(steps, from)),
            )
        }
    };
    while ws
        .releases
        .iter()
        .any(|r| r.tag == format!("{}.{}.{}", tag.0, tag.1, tag.2))
    {
        tag.2 += 1;
    }
    let tag = format!("{}.{}.{}", tag.0, tag.1, tag.2);
    let mut entry = format!(
        "v{tag} — {} ({} rows, sha256 {}): {since}.",
        cand.id,
        cand.rows,
        crate::core::text::prefix(&cand.content_hash, 16)
    );
    if !note.trim().is_empty() {
        entry.push(' ');
        entry.push_str(note.trim());
    }
    (tag, entry)
}

/// "dedup −12 rows; clean −3 rows" for the steps after `from`.
fn changes(steps: &[&DatasetVersion], from: &DatasetVersion) -> String {
    let mut prev = from.rows as i64;
    let parts: Vec<String> = steps
        .iter()
        .map(|v| {
            let d = v.rows as i64 - prev;
            prev = v.rows as i64;
            match d {
                0 => format!("{} ({})", v.transform, v.id),
                d if d > 0 => format!("{} +{d} rows", v.transform),
                d => format!("{} −{} rows", v.transform, -d),
            }
        })
        .collect();
    if parts.is_empty() {
        "no change".into()
    } else {
        parts.join("; ")
    }
}
