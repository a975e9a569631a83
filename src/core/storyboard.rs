//! The deck's two storyboards, told with the student's own data.
//!
//! - Slide 7: seed set → synthetic expansion → reflection cleanup → quality gate → training-ready dataset,
//!   with the counts of the student's lineage (rows generated, rejected, revised, gated out, kept). With an
//!   empty workspace the sample dataset's manifest stands in, and the story says so.
//! - Slide 19: a phrase before and after a tokenizer change → the corpus' sequence length shift → what it
//!   means for training, priced by the A/B lab's cost model.
//!
//! Pure; the page plays the frames (`ui::widgets::storyboard`).

use crate::core::dataset::workspace::{DatasetVersion, Workspace};

/// One step of a storyboard.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    /// The deck's name for the step.
    pub title: &'static str,
    /// The count at this step, when it has one (rows, tokens …), and its unit.
    pub count: Option<u64>,
    pub unit: &'static str,
    /// What happened here, with the numbers.
    pub detail: String,
}

/// A storyboard to play: where its numbers come from, and its frames in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Story {
    pub source: String,
    pub frames: Vec<Frame>,
    /// A frame that shows a distribution shifting: its index, and the histogram before and after.
    pub shift: Option<(usize, Vec<Bin>)>,
}

/// One bar pair of a before/after histogram: rows whose length falls in `from..to` tokens.
#[derive(Clone, Debug, PartialEq)]
pub struct Bin {
    pub from: u32,
    pub to: u32,
    pub before: usize,
    pub after: usize,
}

/// Row lengths before and after in `n` shared bins of equal width from 0 to the longer p99 (longer rows go
/// in the last bin), so the two histograms can be read against each other.
pub fn length_bins(before: &[u32], after: &[u32], n: usize) -> Vec<Bin> {
    let p99 = |v: &[u32]| {
        let mut s = v.to_vec();
        s.sort_unstable();
        s.get((s.len().saturating_sub(1)) * 99 / 100)
            .copied()
            .unwrap_or(0)
    };
    let n = n.max(1);
    let top = p99(before).max(p99(after)).max(1) + 1;
    let width = top.div_ceil(n as u32).max(1);
    let mut bins: Vec<Bin> = (0..n as u32)
        .map(|i| Bin {
            from: i * width,
            to: (i + 1) * width,
            before: 0,
            after: 0,
        })
        .collect();
    let at = |len: u32| ((len / width) as usize).min(n - 1);
    for &l in before {
        bins[at(l)].before += 1;
    }
    for &l in after {
        bins[at(l)].after += 1;
    }
    bins
}

fn n(p: &serde_json::Value, key: &str) -> usize {
    p.get(key).and_then(|v| v.as_u64()).unwrap_or(0) as usize
}

fn removed_by(chain: &[&DatasetVersion], transforms: &[&str]) -> (usize, usize) {
    let mut removed = 0;
    let mut steps = 0;
    for pair in chain.windows(2) {
        if transforms.contains(&pair[1].transform.as_str()) {
            removed += pair[0].rows.saturating_sub(pair[1].rows);
            steps += 1;
        }
    }
    (removed, steps)
}

/// Slide 7's loop on the lineage that ends at `id` (the current version).
pub fn generation_story(ws: &Workspace, id: &str) -> Option<Story> {
    let chain = ws.lineage(id);
    let root = *chain.first()?;
    let last = *chain.last()?;
    let gen = chain.iter().find(|v| v.transform == "magpie");
    let seed = match gen {
        Some(g) if g.id == root.id => {
            let p = &g.params;
            let asked = n(p, "kept") + n(p, "rejected") + n(p, "failed");
            Frame {
                title: "Seed set",
                count: None,
                unit: "rows",
                detail: format!(
                    "No seed rows: Magpie starts from the chat template's user turn, {asked} seeds ({}).",
                    p.get("seeds").and_then(|s| s.as_str()).unwrap_or("one per row")
                ),
            }
        }
        _ => Frame {
            title: "Seed set",
            count: Some(root.rows as u64),
            unit: "rows",
            detail: format!(
                "{} rows in {} ({}), {} quarantined at import.",
                root.rows, root.id, root.transform, root.quarantined
            ),
        },
    };
    let expansion = match gen {
        Some(g) => {
            let p = &g.params;
            let asked = n(p, "kept") + n(p, "rejected") + n(p, "failed");
            Frame {
                title: "Synthetic expansion",
                count: Some(g.rows as u64),
                unit: "rows",
                detail: format!(
                    "{asked} rows generated: {} kept, {} rejected by the instruction checks, {} failed.",
                    n(p, "kept"),
                    n(p, "rejected"),
                    n(p, "failed")
                ),
            }
        }
        None => Frame {
            title: "Synthetic expansion",
            count: None,
            unit: "rows",
            detail: "Nothing generated in this lineage: its rows were imported.".into(),
        },
    };
    let refines: Vec<&&DatasetVersion> = chain.iter().filter(|v| v.transform == "refine").collect();
    let reflection = if refines.is_empty() {
        Frame {
            title: "Reflection cleanup",
            count: None,
            unit: "rows",
            detail: "No reflection yet in this lineage.".into(),
        }
    } else {
        let (mut revised, mut rejected) = (0, 0);
        for r in &refines {
            revised += n(&r.params, "accepted") + n(&r.params, "edited");
            rejected += n(&r.params, "rejected");
        }
        Frame {
            title: "Reflection cleanup",
            count: refines.last().map(|r| r.rows as u64),
            unit: "rows",
            detail: format!(
                "{revised} rows revised, {rejected} revisions rejected (the original row kept)."
            ),
        }
    };
    let (gated, gate_steps) = removed_by(&chain, &["clean", "dedup", "remove", "filter"]);
    let flagged = ws
        .checks
        .iter()
        .rev()
        .find(|c| c.kind == "gates" && chain.iter().any(|v| v.id == c.version));
    let gate = Frame {
        title: "Quality gate",
        count: (gate_steps > 0).then_some(last.rows as u64),
        unit: "rows",
        detail: match (gate_steps, flagged) {
            (0, Some(c)) => format!(
                "The gates flag {} rows of {}; none removed yet.",
                c.found, c.version
            ),
            (0, None) => "No gate run on this lineage yet.".into(),
            (k, _) => format!(
                "{gated} rows gated out in {k} step{} (gates, dedup, removals).",
                if k == 1 { "" } else { "s" }
            ),
        },
    };
    let released = ws.releases.iter().rev().find(|r| r.version == last.id);
    let ready = Frame {
        title: "Training-ready dataset",
        count: Some(last.rows as u64),
        unit: "rows",
        detail: match released {
            Some(r) => format!(
                "{} rows kept in {}, released as v{}.",
                last.rows, last.id, r.tag
            ),
            None => format!("{} rows kept in {} (not released yet).", last.rows, last.id),
        },
    };
    Some(Story {
        source: format!("Your lineage ending at {}", last.id),
        frames: vec![seed, expansion, reflection, gate, ready],
        shift: None,
    })
}

/// The stand-in when the workspace is empty: the sample dataset as its manifest (`static/sample/flaws.json`)
/// describes it — rows in the file, rows the importer quarantines, planted flaws the gates remove, rows kept.
pub fn sample_story(manifest: &serde_json::Value) -> Option<Story> {
    let train = manifest.get("train_rows")?.as_u64()? as usize;
    let clean = manifest.get("clean_rows")?.as_u64()? as usize;
    let flaws = manifest.get("flaws")?.as_array()?;
    let rows_of = |kind: &str| -> usize {
        flaws
            .iter()
            .filter(|f| f.get("kind").and_then(|k| k.as_str()) == Some(kind))
            .filter_map(|f| f.get("rows").and_then(|r| r.as_array()).map(|r| r.len()))
            .sum()
    };
    let quarantined = rows_of("null_instruction");
    let imported = train - quarantined;
    Some(Story {
        source: "The sample dataset (its manifest) — load it, or your own data, to play your lineage".into(),
        frames: vec![
            Frame {
                title: "Seed set",
                count: Some(train as u64),
                unit: "rows",
                detail: format!("{train} rows in the sample's training file."),
            },
            Frame {
                title: "Synthetic expansion",
                count: Some(imported as u64),
                unit: "rows",
                detail: format!(
                    "The sample was written, not generated: {imported} rows import and {quarantined} is quarantined \
                     (its instruction is null). The generation lab expands a dataset with a model."
                ),
            },
            Frame {
                title: "Reflection cleanup",
                count: None,
                unit: "rows",
                detail: "Reflection needs a model: the refine lab revises weak rows with one.".into(),
            },
            Frame {
                title: "Quality gate",
                count: Some(clean as u64),
                unit: "rows",
                detail: format!(
                    "{} planted flaws to gate out: refusals, truncations, duplicates, PII, leaks …",
                    imported - clean
                ),
            },
            Frame {
                title: "Training-ready dataset",
                count: Some(clean as u64),
                unit: "rows",
                detail: format!("{clean} clean rows: what the gates should leave."),
            },
        ],
        shift: None,
    })
}

/// What slide 19's storyboard is told from: a phrase and a corpus tokenized before and after a tokenizer
/// change, and the model the A/B lab's cost model prices them for.
pub struct TokenizerImpact<'a> {
    pub phrase: &'a str,
    pub before_name: &'a str,
    pub after_name: &'a str,
    pub phrase_before: usize,
    pub phrase_after: usize,
    /// Tokens per corpus row, before and after (same rows, same order).
    pub rows_before: &'a [u32],
    pub rows_after: &'a [u32],
    pub n_vocab_before: usize,
    pub n_vocab_after: usize,
    /// Where the corpus came from ("your version ds-…", "the sample dataset").
    pub corpus: &'a str,
    /// GPT-2 size in parameters, and the context length, for the cost model.
    pub params: u64,
    pub context: usize,
}

fn change(before: f64, after: f64) -> String {
    if before == 0.0 {
        return "—".into();
    }
    format!("{:+.1}%", 100.0 * (after - before) / before)
}

/// Slide 19's storyboard: a phrase before and after extension → the sequence length shift over the corpus
/// → what it means for training (tokens, compute, context, embedding rows) by the A/B lab's cost model.
pub fn tokenizer_story(t: &TokenizerImpact) -> Story {
    use crate::core::ab::compare::{cost, shift};
    use crate::core::ab::measure::ArmResult;
    let arm = |name: &str, rows: &[u32], n_vocab: usize| ArmResult {
        name: name.to_string(),
        n_vocab,
        train_rows: rows.len(),
        row_tokens: rows.to_vec(),
        ..Default::default()
    };
    let a = cost(
        &arm(t.before_name, t.rows_before, t.n_vocab_before),
        t.params,
        t.context,
    );
    let b = cost(
        &arm(t.after_name, t.rows_after, t.n_vocab_after),
        t.params,
        t.context,
    );
    let s = shift(t.rows_before, t.rows_after);
    let frames = vec![
        Frame {
            title: "The phrase before",
            count: Some(t.phrase_before as u64),
            unit: "tokens",
            detail: format!("“{}” is {} tokens with {}.", t.phrase, t.phrase_before, t.before_name),
        },
        Frame {
            title: "After extension",
            count: Some(t.phrase_after as u64),
            unit: "tokens",
            detail: format!(
                "{} tokens with {} ({}).",
                t.phrase_after,
                t.after_name,
                change(t.phrase_before as f64, t.phrase_after as f64)
            ),
        },
        Frame {
            title: "Sequence length shift",
            count: Some(b.tokens),
            unit: "tokens in all",
            detail: format!(
                "Over {} rows of {}: median row {:.0} → {:.0} tokens, p90 {:.0} → {:.0}; {} → {} tokens in all ({}). \
                 Rows moved {:.1} tokens on average (earth mover's), KS {:.2}.",
                t.rows_before.len(),
                t.corpus,
                a.p50,
                b.p50,
                a.p90,
                b.p90,
                a.tokens,
                b.tokens,
                change(a.tokens as f64, b.tokens as f64),
                s.emd,
                s.ks
            ),
        },
        Frame {
            title: "What it means for training",
            count: None,
            unit: "tokens",
            detail: format!(
                "One epoch costs {} compute (6 × parameters × tokens); rows over a {}-token context: {:.1}% → {:.1}%; \
                 the embedding gains {} rows ({} parameters).",
                change(a.flops, b.flops),
                t.context,
                100.0 * a.over_context,
                100.0 * b.over_context,
                t.n_vocab_after.saturating_sub(t.n_vocab_before),
                change(a.params as f64, b.params as f64)
            ),
        },
    ];
    Story {
        source: format!("{} → {} on {}", t.before_name, t.after_name, t.corpus),
        frames,
        shift: Some((2, length_bins(t.rows_before, t.rows_after, 12))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::dataset::workspace::Transform;
    use serde_json::json;

    fn t(name: &str, params: serde_json::Value) -> Transform<'_> {
        Transform {
            name,
            params,
            created: "2026-12-04T10:00:00Z",
            quarantined: 0,
            tokenizer: None,
            note: "",
            schema: None,
        }
    }

    #[test]
    fn the_story_counts_each_step_of_the_lineage() {
        let mut ws = Workspace::default();
        let (g, _) = ws.commit(
            "a".into(),
            20,
            None,
            t("magpie", json!({"kept": 20, "rejected": 3, "failed": 1, "seeds": "options.seed = 7 + row index"})),
        );
        let (r, _) = ws.commit(
            "b".into(),
            20,
            Some(g.id.clone()),
            t("refine", json!({"accepted": 4, "edited": 1, "rejected": 2})),
        );
        let (c, _) = ws.commit("c".into(), 17, Some(r.id.clone()), t("clean", json!({})));
        let (d, _) = ws.commit("d".into(), 15, Some(c.id.clone()), t("dedup", json!({})));
        let s = generation_story(&ws, &d.id).unwrap();
        let titles: Vec<&str> = s.frames.iter().map(|f| f.title).collect();
        assert_eq!(
            titles,
            [
                "Seed set",
                "Synthetic expansion",
                "Reflection cleanup",
                "Quality gate",
                "Training-ready dataset"
            ]
        );
        assert!(s.frames[0]
            .detail
            .contains("24 seeds (options.seed = 7 + row index)"));
        assert_eq!(s.frames[1].count, Some(20));
        assert!(s.frames[1]
            .detail
            .starts_with("24 rows generated: 20 kept, 3 rejected"));
        assert!(s.frames[2]
            .detail
            .starts_with("5 rows revised, 2 revisions rejected"));
        assert_eq!(
            s.frames[3].detail,
            "5 rows gated out in 2 steps (gates, dedup, removals)."
        );
        assert_eq!(s.frames[4].count, Some(15));
        assert!(s.source.contains(&d.id));
    }

    #[test]
    fn an_imported_lineage_starts_from_its_rows_and_says_what_is_missing() {
        let mut ws = Workspace::default();
        let (i, _) = ws.commit("a".into(), 9, None, t("import", json!({})));
        let s = generation_story(&ws, &i.id).unwrap();
        assert_eq!(s.frames[0].count, Some(9));
        assert!(s.frames[1].detail.contains("Nothing generated"));
        assert!(s.frames[3].detail.contains("No gate run"));
        assert!(generation_story(&ws, "nope").is_none());
    }

    #[test]
    fn the_tokenizer_story_prices_the_shift_with_the_cost_model() {
        let before = [10u32, 20, 30, 2000];
        let after = [8u32, 15, 30, 1000];
        let s = tokenizer_story(&TokenizerImpact {
            phrase: "Kubernetes pods",
            before_name: "gpt2",
            after_name: "tok-1",
            phrase_before: 5,
            phrase_after: 2,
            rows_before: &before,
            rows_after: &after,
            n_vocab_before: 50_257,
            n_vocab_after: 50_259,
            corpus: "your version ds-1",
            params: 124_000_000,
            context: 1024,
        });
        assert_eq!(s.frames.len(), 4);
        assert_eq!(
            s.frames[0].detail,
            "“Kubernetes pods” is 5 tokens with gpt2."
        );
        assert_eq!(s.frames[1].detail, "2 tokens with tok-1 (-60.0%).");
        assert!(
            s.frames[2]
                .detail
                .contains("2060 → 1053 tokens in all (-48.9%)"),
            "{}",
            s.frames[2].detail
        );
        assert_eq!(s.frames[2].count, Some(1053));
        // One row of four is over the context before, none after; two embedding rows are added.
        assert!(
            s.frames[3].detail.contains("25.0% → 0.0%"),
            "{}",
            s.frames[3].detail
        );
        assert!(
            s.frames[3].detail.contains("gains 2 rows"),
            "{}",
            s.frames[3].detail
        );
    }

    #[test]
    fn length_bins_share_edges_and_count_every_row() {
        let before = [1u32, 5, 9, 10, 400];
        let after = [1u32, 2, 3, 4, 5];
        let bins = length_bins(&before, &after, 4);
        assert_eq!(bins.len(), 4);
        assert_eq!(bins.iter().map(|b| b.before).sum::<usize>(), 5);
        assert_eq!(bins.iter().map(|b| b.after).sum::<usize>(), 5);
        assert_eq!(bins[0].from, 0);
        assert!(bins.windows(2).all(|w| w[0].to == w[1].from));
        // The longest row (400) is counted in the last bin.
        assert!(bins[3].before >= 1);
        assert!(length_bins(&[], &[], 3)
            .iter()
            .all(|b| b.before == 0 && b.after == 0));
    }

    #[test]
    fn the_sample_stands_in_from_its_manifest() {
        let manifest: serde_json::Value =
            serde_json::from_str(include_str!("../../static/sample/flaws.json")).unwrap();
        let s = sample_story(&manifest).unwrap();
        assert_eq!(s.frames[0].count, Some(300));
        assert_eq!(s.frames[1].count, Some(299));
        assert_eq!(s.frames[4].count, Some(254));
        assert!(s.frames[3].detail.starts_with("45 planted flaws"));
        assert!(sample_story(&json!({})).is_none());
    }
}
