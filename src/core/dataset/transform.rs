//! The hand-made transforms of the workspace page: accept a fixed quarantined row, edit or remove a row,
//! keep the rows a search finds. Each returns new rows (versions are immutable) and the parameters that
//! go into the new version's id.

use serde_json::{json, Value};

use super::record::Record;
use super::search::Search;

/// The fields a student can edit, in the book's order: the schema's fields.
pub use super::validate::FIELDS;

/// `rows` with a fixed record put back where it came from: before the first row of the same source with a
/// later line (at the end when there is none), so a fixed row is not exiled to the bottom of the table.
pub fn insert_fixed(rows: &[Record], fixed: Record) -> (Vec<Record>, Value) {
    let line = fixed.provenance.line.unwrap_or(usize::MAX);
    let at = rows
        .iter()
        .position(|r| {
            r.provenance.source == fixed.provenance.source
                && r.provenance.line.is_some_and(|l| l > line)
        })
        .unwrap_or(rows.len());
    let params = json!({
        "source": fixed.provenance.source,
        "line": fixed.provenance.line,
        "at": at,
    });
    let mut out = Vec::with_capacity(rows.len() + 1);
    out.extend_from_slice(&rows[..at]);
    out.push(fixed);
    out.extend_from_slice(&rows[at..]);
    (out, params)
}

/// `rows` with field `field` of row `index` set to `value`; the row's provenance notes the edit.
pub fn edit_row(
    rows: &[Record],
    index: usize,
    field: &str,
    value: &str,
) -> Result<(Vec<Record>, Value), String> {
    edit_fields(rows, index, &[(field, value)])
}

/// `rows` with several fields of row `index` set at once (one copy of the rows, one version); fields whose
/// text does not change are left out. The row's provenance notes which fields were edited.
pub fn edit_fields(
    rows: &[Record],
    index: usize,
    values: &[(&str, &str)],
) -> Result<(Vec<Record>, Value), String> {
    let Some(old) = rows.get(index) else {
        return Err(format!(
            "There is no row {index}: this version has {} rows.",
            rows.len()
        ));
    };
    let mut edited = old.clone();
    let mut changed = Vec::new();
    for (field, value) in values {
        let slot = match *field {
            "instruction" => &mut edited.instruction,
            "input" => &mut edited.input,
            "output" => &mut edited.output,
            other => {
                return Err(format!(
                    "\"{other}\" is not a field; use instruction, input or output."
                ))
            }
        };
        if slot != value {
            *slot = (*value).to_owned();
            changed.push(*field);
        }
    }
    if changed.is_empty() {
        return Err("Nothing changed: the new text is the same as the old.".into());
    }
    for field in &changed {
        let note = format!("edited by hand: \"{field}\"");
        edited.provenance.note = Some(match edited.provenance.note.take() {
            Some(old) if !old.contains(&note) => format!("{old}; {note}"),
            Some(old) => old,
            None => note,
        });
    }
    let mut out = rows.to_vec();
    out[index] = edited;
    let params = if let [one] = changed.as_slice() {
        json!({ "row": index, "field": one })
    } else {
        json!({ "row": index, "fields": changed })
    };
    Ok((out, params))
}

/// `rows` without row `index`.
pub fn remove_row(rows: &[Record], index: usize) -> Result<(Vec<Record>, Value), String> {
    if index >= rows.len() {
        return Err(format!(
            "There is no row {index}: this version has {} rows.",
            rows.len()
        ));
    }
    let mut out = rows.to_vec();
    let r = out.remove(index);
    Ok((
        out,
        json!({ "remove": index, "source": r.provenance.source, "line": r.provenance.line }),
    ))
}

/// The rows matching `search`, in order.
pub fn filter_rows(rows: &[Record], search: &Search) -> (Vec<Record>, Value) {
    let mut m = search.matcher();
    let out: Vec<Record> = rows.iter().filter(|r| m.matches(r)).cloned().collect();
    let params = json!({
        "text": search.text,
        "scope": search.scope,
        "filter": search.filter,
    });
    (out, params)
}

/// `rows` without the rows at `gone` (indices in any order, repeats and out-of-range ones ignored) — the
/// rows a cleaning, deduplication or leakage removal keeps, in their order.
pub fn drop_rows(rows: &[Record], gone: impl IntoIterator<Item = usize>) -> Vec<Record> {
    let mut keep = vec![true; rows.len()];
    for i in gone {
        if let Some(k) = keep.get_mut(i) {
            *k = false;
        }
    }
    rows.iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(r, _)| r.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::record::Provenance;
    use super::super::search::{RowFilter, Scope};
    use super::*;

    fn rec(i: &str, line: usize) -> Record {
        Record {
            instruction: i.into(),
            input: String::new(),
            output: "o".into(),
            provenance: Provenance::file("f.json", line),
        }
    }

    #[test]
    fn fixed_rows_go_back_in_place() {
        let rows = vec![rec("a", 1), rec("c", 3)];
        let (out, params) = insert_fixed(&rows, rec("b", 2));
        let names: Vec<_> = out.iter().map(|r| r.instruction.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(params["at"], 1);
        let (out, _) = insert_fixed(&rows, rec("z", 9));
        assert_eq!(out.last().unwrap().instruction, "z");
    }

    #[test]
    fn edits_and_removals() {
        let rows = vec![rec("a", 1), rec("b", 2)];
        let (out, params) = edit_row(&rows, 1, "output", "new").unwrap();
        assert_eq!(out[1].output, "new");
        assert_eq!(
            out[1].provenance.note.as_deref(),
            Some("edited by hand: \"output\"")
        );
        assert_eq!(params, json!({"row": 1, "field": "output"}));
        assert_eq!(rows[1].output, "o", "the old version is untouched");
        assert!(edit_row(&rows, 5, "output", "x").is_err());
        assert!(edit_row(&rows, 0, "score", "x")
            .unwrap_err()
            .contains("not a field"));
        assert!(edit_row(&rows, 0, "output", "o")
            .unwrap_err()
            .contains("Nothing changed"));
        let (out, _) = remove_row(&rows, 0).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].instruction, "b");
        let (out, params) = filter_rows(
            &rows,
            &Search {
                text: "B".into(),
                scope: Scope::Instruction,
                filter: RowFilter::Any,
            },
        );
        assert_eq!(out.len(), 1);
        assert_eq!(params["scope"], "instruction");
    }

    #[test]
    fn dropping_rows_keeps_the_rest_in_order() {
        let rows: Vec<Record> = (0..5)
            .map(|i| Record {
                instruction: format!("r{i}"),
                input: String::new(),
                output: "o".into(),
                provenance: Provenance::file("t", i + 1),
            })
            .collect();
        let kept = drop_rows(&rows, [3, 1, 3, 99]);
        let names: Vec<&str> = kept.iter().map(|r| r.instruction.as_str()).collect();
        assert_eq!(names, ["r0", "r2", "r4"]);
    }
}
