//! Schema drift: a drifted export of a version, the schema contract pinned on a lineage, and the field
//! mapping that brings a drifted file back under it.
//!
//! The drill writes a version's records as the JSONL a changed upstream exporter would produce — `output`
//! renamed to `response`, `input` split into a list of sentences, a new `source` field, a few nulls — with
//! a seed, so every student of a class gets the same file and the instructor knows what was planted. The
//! student checks it against the lineage's [`crate::core::dataset::contract::Contract`], writes (or
//! accepts) a [`crate::core::dataset::contract::Mapping`], imports, and [`recovery`] says which records came
//! back exactly, which changed and which are missing.

use serde_json::Value;

use crate::core::dataset::record::Record;

/// What to plant.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DriftPlan {
    /// Chooses the rows given a null.
    pub seed: u64,
    /// `output` is written as `response`.
    pub rename_output: bool,
    /// `input` is written as a list of its sentences (`[]` for an empty input).
    pub input_as_list: bool,
    /// A new string field `source` ([`SOURCE`]) is added to every row.
    pub new_field: bool,
    /// The share of rows (0 to 1) given a null: half of them in `input`, half in `output`.
    pub null_share: f64,
}

impl Default for DriftPlan {
    fn default() -> Self {
        DriftPlan {
            seed: 7,
            rename_output: true,
            input_as_list: true,
            new_field: true,
            null_share: 0.05,
        }
    }
}

/// The value of the planted `source` field.
pub const SOURCE: &str = "crawler-v2";

/// What was planted, for the instructor and the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    /// One sentence per planted fault.
    pub faults: Vec<String>,
    /// 0-based indices of the rows whose `input` is null (ascending).
    pub null_inputs: Vec<usize>,
    /// 0-based indices of the rows whose `output` (or `response`) is null (ascending).
    pub null_outputs: Vec<usize>,
}

/// SplitMix64: a tiny deterministic generator, so a seed gives the same file everywhere.
struct SplitMix(u64);

impl SplitMix {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Splits a text into sentences at the single spaces that follow `.`, `!` or `?`, so that joining the
/// pieces with `" "` gives the text back exactly. A space followed by another space or ending the text
/// is not a split point; an empty text has no sentences.
pub fn sentences(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        if c == ' '
            && matches!(prev, Some('.' | '!' | '?'))
            && next.is_some_and(|n| !n.is_whitespace())
        {
            out.push(text[start..i].to_owned());
            start = i + 1;
        }
        prev = Some(c);
    }
    out.push(text[start..].to_owned());
    out
}

/// Writes `rows` as a drifted JSONL export: one object per row in row order (line `i + 1` is row `i`),
/// keys `instruction`, `input`, `output`/`response`, then `source`. Deterministic in `plan.seed`.
pub fn drifted_export(rows: &[Record], plan: &DriftPlan) -> (String, Planted) {
    let share = if plan.null_share.is_finite() {
        plan.null_share.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let nulls = ((share * rows.len() as f64).round() as usize).min(rows.len());
    // A partial Fisher–Yates shuffle picks `nulls` distinct rows; the first half get a null input.
    let mut rng = SplitMix(plan.seed);
    let mut order: Vec<usize> = (0..rows.len()).collect();
    for i in 0..nulls {
        let j = i + rng.below(rows.len() - i);
        order.swap(i, j);
    }
    let mut null_inputs = order[..nulls / 2].to_vec();
    let mut null_outputs = order[nulls / 2..nulls].to_vec();
    null_inputs.sort_unstable();
    null_outputs.sort_unstable();

    let output_key = if plan.rename_output {
        "response"
    } else {
        "output"
    };
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        let input = if null_inputs.binary_search(&i).is_ok() {
            Value::Null
        } else if plan.input_as_list {
            Value::Array(sentences(&r.input).into_iter().map(Value::String).collect())
        } else {
            Value::String(r.input.clone())
        };
        let output = if null_outputs.binary_search(&i).is_ok() {
            Value::Null
        } else {
            Value::String(r.output.clone())
        };
        let mut pairs = vec![
            ("instruction", Value::String(r.instruction.clone())),
            ("input", input),
            (output_key, output),
        ];
        if plan.new_field {
            pairs.push(("source", Value::String(SOURCE.to_owned())));
        }
        // Written by hand to keep the key order (a serde_json map would sort the keys).
        let body: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}:{v}", Value::String((*k).to_owned())))
            .collect();
        out.push('{');
        out.push_str(&body.join(","));
        out.push_str("}\n");
    }

    let mut faults = Vec::new();
    if plan.rename_output {
        faults.push("The field \"output\" is renamed to \"response\" in every row.".to_owned());
    }
    if plan.input_as_list {
        faults.push(
            "\"input\" is written as a list of its sentences (an empty input as []) instead of one string."
                .to_owned(),
        );
    }
    if plan.new_field {
        faults.push(format!(
            "A new field \"source\" (\"{SOURCE}\") is added to every row."
        ));
    }
    // "1 row (line 4)" / "2 rows (lines 4, 9)".
    let where_ = |rows: &[usize]| {
        let lines: Vec<String> = rows.iter().map(|i| (i + 1).to_string()).collect();
        match rows.len() {
            1 => format!("1 row (line {})", lines[0]),
            n => format!("{n} rows (lines {})", lines.join(", ")),
        }
    };
    if !null_inputs.is_empty() {
        faults.push(format!("\"input\" is null in {}.", where_(&null_inputs)));
    }
    if !null_outputs.is_empty() {
        faults.push(format!(
            "\"{output_key}\" is null in {}.",
            where_(&null_outputs)
        ));
    }
    (
        out,
        Planted {
            faults,
            null_inputs,
            null_outputs,
        },
    )
}

/// How an import of a drifted export compares with the version it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Originals recovered with identical instruction, input and output.
    pub same: usize,
    /// 0-based indices of originals recovered with a different text (ascending).
    pub changed: Vec<usize>,
    /// 0-based indices of originals with no recovered record, e.g. quarantined rows (ascending).
    pub missing: Vec<usize>,
}

/// Pairs each recovered record with `original[line - 1]` through its provenance line (the export writes
/// row `i` on line `i + 1`). Records without a line, or with one past the originals, pair with nothing;
/// when two records claim one original, the first counts.
pub fn recovery(original: &[Record], recovered: &[Record]) -> Recovery {
    let mut paired: Vec<Option<&Record>> = vec![None; original.len()];
    for r in recovered {
        if let Some(slot) = r
            .provenance
            .line
            .and_then(|l| l.checked_sub(1))
            .and_then(|i| paired.get_mut(i))
        {
            slot.get_or_insert(r);
        }
    }
    let mut out = Recovery {
        same: 0,
        changed: Vec::new(),
        missing: Vec::new(),
    };
    for (i, (o, r)) in original.iter().zip(&paired).enumerate() {
        match r {
            None => out.missing.push(i),
            Some(r)
                if r.instruction == o.instruction && r.input == o.input && r.output == o.output =>
            {
                out.same += 1
            }
            Some(_) => out.changed.push(i),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::dataset::contract::{check, suggest, Contract, MapRule, Mapping};
    use crate::core::dataset::parse::{parse_rows, CsvMapping, Format, RawRow};
    use crate::core::dataset::record::Provenance;
    use crate::core::dataset::validate::validate;
    use crate::core::testing::Rng;

    const WORDS: &[&str] = &[
        "the",
        "model",
        "data",
        "reads",
        "a",
        "file",
        "\"quoted\"",
        "ünï",
        "日本",
        "x,y",
        "3.5",
    ];
    const ENDS: &[&str] = &[".", "!", "?", "...", ""];

    /// Records with non-empty, multi-sentence inputs (odd spacing included), so every planted null input
    /// is a visible change.
    fn records(n: usize, seed: u64) -> Vec<Record> {
        let mut rng = Rng(seed);
        let mut text = |sentences: usize| {
            let mut s = String::new();
            for k in 0..sentences {
                if k > 0 {
                    s.push_str([" ", "  ", " ", "\n"][rng.below(4)]);
                }
                for w in 0..1 + rng.below(5) {
                    if w > 0 {
                        s.push(' ');
                    }
                    s.push_str(WORDS[rng.below(WORDS.len())]);
                }
                s.push_str(ENDS[rng.below(ENDS.len())]);
            }
            s
        };
        (0..n)
            .map(|i| Record {
                instruction: format!("Task {i}: {}", text(1)),
                input: text(1 + i % 4),
                output: text(2),
                provenance: Provenance::file("v1.jsonl", i + 1),
            })
            .collect()
    }

    fn rows(text: &str) -> Vec<RawRow> {
        parse_rows(text, Format::Jsonl, &CsvMapping::default()).unwrap()
    }

    #[test]
    fn sentences_join_back_exactly() {
        assert!(sentences("").is_empty());
        assert_eq!(
            sentences("One. Two! Three? Four"),
            ["One.", "Two!", "Three?", "Four"]
        );
        assert_eq!(sentences("Dr.  Who. x"), ["Dr.  Who.", "x"]);
        assert_eq!(sentences("End. "), ["End. "]);
        assert_eq!(sentences(" . a"), [" .", "a"]);
        assert_eq!(sentences("no split here"), ["no split here"]);
        let mut rng = Rng(3);
        let alphabet = [".", "!", "?", " ", "  ", "a", "é", "\n", "?!"];
        for _ in 0..500 {
            let t: String = (0..rng.below(12))
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            assert_eq!(sentences(&t).join(" "), t, "{t:?}");
        }
    }

    #[test]
    fn export_shape() {
        let recs = records(40, 1);
        let (text, planted) = drifted_export(&recs, &DriftPlan::default());
        assert_eq!(text.lines().count(), 40);
        assert_eq!(planted.null_inputs.len() + planted.null_outputs.len(), 2);
        assert_eq!(planted.null_inputs.len(), 1);
        assert_eq!(planted.faults.len(), 5, "{:?}", planted.faults);
        for (i, line) in text.lines().enumerate() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
            assert_eq!(keys.len(), 4);
            assert!(line.starts_with("{\"instruction\":"));
            assert_eq!(v["instruction"], recs[i].instruction.as_str());
            assert_eq!(v["source"], SOURCE);
            assert!(v.get("output").is_none());
            if planted.null_inputs.contains(&i) {
                assert!(v["input"].is_null());
            } else {
                let parts: Vec<&str> = v["input"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap())
                    .collect();
                assert_eq!(parts.join(" "), recs[i].input);
            }
            if planted.null_outputs.contains(&i) {
                assert!(v["response"].is_null());
            } else {
                assert_eq!(v["response"], recs[i].output.as_str());
            }
        }
        let line = planted.null_outputs[0] + 1;
        assert!(planted
            .faults
            .iter()
            .any(|f| f == &format!("\"response\" is null in 1 row (line {line}).")));

        // Nothing planted: the book's JSONL, byte for byte.
        let plain = DriftPlan {
            rename_output: false,
            input_as_list: false,
            new_field: false,
            null_share: 0.0,
            ..DriftPlan::default()
        };
        let (text, planted) = drifted_export(&recs, &plain);
        assert_eq!(text, crate::core::dataset::record::to_jsonl(&recs));
        assert!(planted.faults.is_empty());

        // Odd shares never panic; an empty input is [].
        for share in [f64::NAN, -1.0, 2.0, f64::INFINITY] {
            let plan = DriftPlan {
                null_share: share,
                ..DriftPlan::default()
            };
            let (_, p) = drifted_export(&recs[..3], &plan);
            assert!(p.null_inputs.len() + p.null_outputs.len() <= 3);
        }
        let (_, all) = drifted_export(
            &recs[..3],
            &DriftPlan {
                null_share: 1.0,
                ..DriftPlan::default()
            },
        );
        assert_eq!((all.null_inputs.len(), all.null_outputs.len()), (1, 2));
        assert_eq!(drifted_export(&[], &DriftPlan::default()).0, "");
        let mut empty = recs[0].clone();
        empty.input.clear();
        let (text, _) = drifted_export(
            &[empty],
            &DriftPlan {
                null_share: 0.0,
                ..DriftPlan::default()
            },
        );
        assert!(text.contains("\"input\":[]"), "{text}");
    }

    #[test]
    fn deterministic_in_the_seed() {
        let recs = records(100, 2);
        let plan = DriftPlan::default();
        assert_eq!(drifted_export(&recs, &plan), drifted_export(&recs, &plan));
        let (a, pa) = drifted_export(&recs, &plan);
        let (b, pb) = drifted_export(&recs, &DriftPlan { seed: 8, ..plan });
        assert_ne!(a, b);
        assert_ne!(
            (pa.null_inputs, pa.null_outputs),
            (pb.null_inputs, pb.null_outputs)
        );
    }

    #[test]
    fn the_drill_end_to_end() {
        let recs = records(60, 5);
        for seed in [7, 8, 123] {
            let plan = DriftPlan {
                seed,
                ..DriftPlan::default()
            };
            let (text, planted) = drifted_export(&recs, &plan);
            let raw = rows(&text);
            let contract = Contract::record();

            // The contract sees every fault, with its lines.
            let v = check(&contract, &raw);
            let kinds: Vec<(&str, &str)> = v
                .iter()
                .map(|x| (x.field.as_str(), x.code.as_str()))
                .collect();
            assert_eq!(
                kinds,
                [
                    ("input", "null"),
                    ("input", "wrong_type"),
                    ("output", "missing"),
                    ("response", "unknown_field"),
                    ("source", "unknown_field"),
                ]
            );
            let null_input = &v[0];
            assert_eq!(
                null_input.lines,
                planted
                    .null_inputs
                    .iter()
                    .map(|i| i + 1)
                    .collect::<Vec<_>>()
            );
            assert_eq!(v[2].rows, 60);
            assert!(v[2].message.contains("map `response` to `output`"));
            assert!(v[1].message.contains("join the list"));
            assert!(v[4].message.contains("drop the field"));

            // The suggestion is the fix.
            let mapping = suggest(&contract, &raw);
            assert_eq!(
                mapping.to_text(),
                "rename response -> output\njoin input with \" \"\ndrop source\n"
            );
            assert_eq!(Mapping::parse(&mapping.to_text()).unwrap(), mapping);
            let mapped: Vec<RawRow> = raw.iter().map(|r| mapping.apply(r)).collect();

            // What is left are the planted nulls, on their lines.
            let left = check(&contract, &mapped);
            let lines = |rows: &[usize]| rows.iter().map(|i| i + 1).collect::<Vec<_>>();
            assert_eq!(left.len(), 2, "{left:?}");
            assert_eq!(
                (
                    left[0].field.as_str(),
                    left[0].code.as_str(),
                    left[0].lines.clone()
                ),
                ("input", "null", lines(&planted.null_inputs))
            );
            assert_eq!(
                (
                    left[1].field.as_str(),
                    left[1].code.as_str(),
                    left[1].lines.clone()
                ),
                ("output", "null", lines(&planted.null_outputs))
            );

            // Importing: null inputs become "" with a warning, null outputs are quarantined.
            let validated = validate(mapped, "drifted.jsonl");
            let warned: Vec<usize> = validated
                .warnings
                .iter()
                .filter(|w| w.problem.code() == "null_as_empty")
                .map(|w| w.index)
                .collect();
            assert_eq!(warned, planted.null_inputs);
            assert_eq!(
                validated
                    .quarantined
                    .iter()
                    .map(|q| q.row.index)
                    .collect::<Vec<_>>(),
                planted.null_outputs
            );
            let r = recovery(&recs, &validated.records);
            assert_eq!(r.changed, planted.null_inputs);
            assert_eq!(r.missing, planted.null_outputs);
            assert_eq!(r.same, 60 - r.changed.len() - r.missing.len());
        }
    }

    #[test]
    fn a_partial_mapping_leaves_violations_and_loses_nothing() {
        let recs = records(20, 9);
        let (text, _) = drifted_export(
            &recs,
            &DriftPlan {
                null_share: 0.0,
                ..DriftPlan::default()
            },
        );
        let raw = rows(&text);
        // Without the join, every input is still a list; without the drop, source is still unknown.
        let m = Mapping {
            rules: vec![MapRule::Rename {
                from: "response".into(),
                to: "output".into(),
            }],
        };
        let mapped: Vec<RawRow> = raw.iter().map(|r| m.apply(r)).collect();
        let v = check(&Contract::record(), &mapped);
        let kinds: Vec<(&str, &str, usize)> = v
            .iter()
            .map(|x| (x.field.as_str(), x.code.as_str(), x.rows))
            .collect();
        assert_eq!(
            kinds,
            [("input", "wrong_type", 20), ("source", "unknown_field", 20)]
        );
        // Validation quarantines the lists rather than guess.
        let validated = validate(mapped, "d.jsonl");
        assert_eq!(validated.quarantined.len(), 20);
        let r = recovery(&recs, &validated.records);
        assert_eq!((r.same, r.missing.len()), (0, 20));
    }

    #[test]
    fn recovery_pairs_by_line() {
        let recs = records(4, 11);
        let mut back = recs.clone();
        back[1].output.push('!');
        back.remove(2);
        let mut stray = recs[0].clone();
        stray.provenance = Provenance::generated("gen", None);
        back.push(stray);
        let mut past = recs[0].clone();
        past.provenance.line = Some(99);
        back.push(past);
        let mut zero = recs[0].clone();
        zero.provenance.line = Some(0);
        back.push(zero);
        assert_eq!(
            recovery(&recs, &back),
            Recovery {
                same: 2,
                changed: vec![1],
                missing: vec![2],
            }
        );
        assert_eq!(
            recovery(&recs, &[]),
            Recovery {
                same: 0,
                changed: vec![],
                missing: vec![0, 1, 2, 3],
            }
        );
    }
}
