//! From a spec to the ladder of rungs that will run: every id looked up, every arm checked to change
//! exactly one thing against its rung (slide 10: "keep one-change-at-a-time comparisons"; "common bug:
//! multiple simultaneous changes obscure causality").
//!
//! Problems with the spec as a whole (an unknown version, an empty dataset) stop the run, each naming its
//! field; an arm that changes two things is *refused* — kept in the table with the reason and how to split
//! it — while the other arms run.

use serde::{Deserialize, Serialize};

use super::spec::{Inline, Spec, TokenizerRef, BASELINE};
use crate::core::tokenize::encodings::EncodingSpec;
use crate::core::tokenize::extend::version::TokenizerVersion;

/// A tokenizer resolved to what the worker builds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TokenizerPlan {
    /// A base encoding by name.
    Base { name: String },
    /// An extension version from the extend lab.
    Version { version: Box<TokenizerVersion> },
    /// An extension written into the spec (built in the worker, from the base's rank file).
    Inline { inline: Inline },
}

impl TokenizerPlan {
    /// The base encoding whose rank file the worker needs.
    pub fn base(&self) -> &str {
        match self {
            TokenizerPlan::Base { name } => name,
            TokenizerPlan::Version { version } => &version.base,
            TokenizerPlan::Inline { inline } => &inline.base,
        }
    }

    /// What identifies it: two rungs have the same tokenizer when their keys are equal.
    pub fn key(&self) -> String {
        match self {
            TokenizerPlan::Base { name } => name.clone(),
            TokenizerPlan::Version { version } => version.id.clone(),
            TokenizerPlan::Inline { inline } => format!(
                "{}+{}:{}",
                inline.base,
                if inline.mode == crate::core::tokenize::extend::Mode::AddedTokens {
                    "added"
                } else {
                    "merges"
                },
                inline.terms.join("|")
            ),
        }
    }

    /// A short name for tables.
    pub fn label(&self) -> String {
        match self {
            TokenizerPlan::Base { name } => name.clone(),
            TokenizerPlan::Version { version } => format!(
                "{} ({} + {} terms)",
                version.id,
                version.base,
                version.terms.len()
            ),
            TokenizerPlan::Inline { inline } => TokenizerRef::Inline(inline.clone()).label(),
        }
    }
}

/// What a rung changes against the rung it is compared with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// The baseline itself.
    Baseline,
    Dataset {
        from: String,
        to: String,
    },
    Tokenizer {
        from: String,
        to: String,
    },
    /// Nothing: measured anyway (Δ 0, inconclusive) and flagged.
    Nothing,
    /// Both: refused.
    Both,
}

impl Change {
    /// One line for the decision table.
    pub fn describe(&self) -> String {
        match self {
            Change::Baseline => "— (the baseline)".into(),
            Change::Dataset { from, to } => format!("dataset {from} → {to}"),
            Change::Tokenizer { from, to } => format!("tokenizer {from} → {to}"),
            Change::Nothing => "nothing (same dataset and tokenizer as its rung)".into(),
            Change::Both => "dataset and tokenizer at once".into(),
        }
    }
}

/// One rung of the ladder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rung {
    pub name: String,
    pub dataset: String,
    pub tokenizer: TokenizerPlan,
    /// The index of the rung it is compared with (`None` for the baseline).
    pub against: Option<usize>,
    pub change: Change,
    /// Why it will not run, if it will not.
    pub refused: Option<String>,
}

/// What the plan needs to know about a dataset version.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionInfo {
    pub rows: usize,
}

/// The checked ladder: the baseline first, then the arms in the spec's order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub rungs: Vec<Rung>,
}

impl Plan {
    /// The rungs that run.
    pub fn runnable(&self) -> impl Iterator<Item = (usize, &Rung)> {
        self.rungs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.refused.is_none())
    }
}

/// Checks `spec` against the versions the lab has: `dataset(id)` for dataset versions, `tokenizer(id)`
/// for extension versions. Returns the plan, or every problem that stops the run (each naming its field).
pub fn plan(
    spec: &Spec,
    dataset: &dyn Fn(&str) -> Option<VersionInfo>,
    tokenizer: &dyn Fn(&str) -> Option<TokenizerVersion>,
) -> Result<Plan, Vec<String>> {
    let mut out = Vec::new();
    let check_dataset = |id: &str, at: &str, out: &mut Vec<String>| {
        match dataset(id) {
        None => out.push(format!(
            "{at}: there is no dataset version {id:?} in this workspace; pick one from the list (the workspace lab shows every version)."
        )),
        Some(v) if v.rows == 0 => out.push(format!(
            "{at}: version {id} has no rows; an arm needs rows to train on."
        )),
        Some(_) => {}
    }
    };
    check_dataset(&spec.eval, "eval", &mut out);
    check_dataset(&spec.baseline_dataset, "baseline.dataset", &mut out);
    let resolve = |t: &TokenizerRef, at: &str, out: &mut Vec<String>| -> Option<TokenizerPlan> {
        match t {
            TokenizerRef::Named(n) => {
                if let Some(e) = EncodingSpec::by_name(n) {
                    Some(TokenizerPlan::Base {
                        name: e.name.to_string(),
                    })
                } else if let Some(v) = tokenizer(n) {
                    Some(TokenizerPlan::Version {
                        version: Box::new(v),
                    })
                } else {
                    out.push(format!(
                        "{at}: {n:?} is neither an encoding (gpt2, cl100k_base, o200k_base) nor an extension version saved in the extend lab."
                    ));
                    None
                }
            }
            TokenizerRef::Inline(i) => {
                if EncodingSpec::by_name(&i.base).is_none() {
                    out.push(format!(
                        "{at}.base: {:?} is not an encoding; use gpt2, cl100k_base or o200k_base.",
                        i.base
                    ));
                    return None;
                }
                Some(TokenizerPlan::Inline { inline: i.clone() })
            }
        }
    };
    let base_tok = resolve(&spec.baseline_tokenizer, "baseline.tokenizer", &mut out);
    let mut rungs = vec![Rung {
        name: BASELINE.into(),
        dataset: spec.baseline_dataset.clone(),
        tokenizer: base_tok.clone().unwrap_or(TokenizerPlan::Base {
            name: "gpt2".into(),
        }),
        against: None,
        change: Change::Baseline,
        refused: None,
    }];
    for (i, arm) in spec.arms.iter().enumerate() {
        let at = format!("arms[{i}] ({})", arm.name);
        if rungs.iter().any(|r| r.name == arm.name) {
            out.push(format!(
                "{at}.name: another rung is already called {:?}; names must differ.",
                arm.name
            ));
            continue;
        }
        let against = match &arm.against {
            None => 0,
            Some(name) => match rungs.iter().position(|r| &r.name == name) {
                Some(k) => k,
                None => {
                    out.push(format!(
                        "{at}.against: {name:?} is not an earlier rung; an arm compares with the baseline or an arm above it."
                    ));
                    continue;
                }
            },
        };
        let rung = &rungs[against];
        let dataset = arm.dataset.clone().unwrap_or(spec.baseline_dataset.clone());
        if arm.dataset.is_some() {
            check_dataset(&dataset, &format!("{at}.dataset"), &mut out);
        }
        let tok = match &arm.tokenizer {
            Some(t) => match resolve(t, &format!("{at}.tokenizer"), &mut out) {
                Some(t) => t,
                None => continue,
            },
            None => base_tok.clone().unwrap_or(TokenizerPlan::Base {
                name: "gpt2".into(),
            }),
        };
        let ds_changed = dataset != rung.dataset;
        let tok_changed = tok.key() != rung.tokenizer.key();
        let change = match (ds_changed, tok_changed) {
            (false, false) => Change::Nothing,
            (true, false) => Change::Dataset {
                from: rung.dataset.clone(),
                to: dataset.clone(),
            },
            (false, true) => Change::Tokenizer {
                from: rung.tokenizer.label(),
                to: tok.label(),
            },
            (true, true) => Change::Both,
        };
        let refused = if let Some(why) = &rung.refused {
            let _ = why;
            Some(format!(
                "its rung {:?} was refused, so there is nothing to compare it with; fix that rung first.",
                rung.name
            ))
        } else if change == Change::Both {
            Some(format!(
                "it changes the dataset ({} → {dataset}) and the tokenizer ({} → {}) at once, so a difference could not be put down to either. Split it into two rungs: first an arm with dataset {dataset:?} against {:?}, then an arm with the new tokenizer against that arm.",
                rung.dataset,
                rung.tokenizer.label(),
                tok.label(),
                rung.name
            ))
        } else {
            None
        };
        rungs.push(Rung {
            name: arm.name.clone(),
            dataset,
            tokenizer: tok,
            against: Some(against),
            change,
            refused,
        });
    }
    if out.is_empty() {
        Ok(Plan { rungs })
    } else {
        Err(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(id: &str) -> Option<VersionInfo> {
        match id {
            "v-empty" => Some(VersionInfo { rows: 0 }),
            "v-eval" | "v-base" | "v-ref" | "v-more" => Some(VersionInfo { rows: 10 }),
            _ => None,
        }
    }

    fn no_tok(_: &str) -> Option<TokenizerVersion> {
        None
    }

    fn spec(arms: &str) -> Spec {
        Spec::parse(&format!(
            r#"{{"eval": "v-eval", "baseline": {{"dataset": "v-base", "tokenizer": "gpt2"}}, "arms": {arms}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_ladder_of_single_changes() {
        let s = spec(
            r#"[{"name": "refined", "dataset": "v-ref"},
                {"name": "ext", "dataset": "v-ref", "tokenizer": {"base": "gpt2", "mode": "added", "terms": ["Kubernetes"]}, "against": "refined"},
                {"name": "same"}]"#,
        );
        let p = plan(&s, &ds, &no_tok).unwrap();
        assert_eq!(p.rungs.len(), 4);
        assert_eq!(
            p.rungs[1].change,
            Change::Dataset {
                from: "v-base".into(),
                to: "v-ref".into()
            }
        );
        assert!(matches!(p.rungs[2].change, Change::Tokenizer { .. }));
        assert_eq!(p.rungs[2].against, Some(1));
        assert_eq!(p.rungs[3].change, Change::Nothing);
        assert_eq!(p.runnable().count(), 4);
    }

    #[test]
    fn two_changes_are_refused_with_a_split() {
        let s = spec(
            r#"[{"name": "both", "dataset": "v-ref", "tokenizer": "cl100k_base"},
                {"name": "after", "dataset": "v-more", "against": "both"},
                {"name": "fine", "dataset": "v-more"}]"#,
        );
        let p = plan(&s, &ds, &no_tok).unwrap();
        let why = p.rungs[1].refused.as_deref().unwrap();
        assert!(
            why.contains("at once") && why.contains("Split it into two rungs"),
            "{why}"
        );
        assert!(p.rungs[2]
            .refused
            .as_deref()
            .unwrap()
            .contains("was refused"));
        assert!(p.rungs[3].refused.is_none());
        assert_eq!(p.runnable().map(|(i, _)| i).collect::<Vec<_>>(), [0, 3]);
    }

    #[test]
    fn unknown_and_empty_versions_name_their_field() {
        let s = spec(
            r#"[{"name": "a", "dataset": "v-nope"}, {"name": "b", "dataset": "v-empty"},
                {"name": "c", "tokenizer": "tok-unknown"}, {"name": "d", "against": "zzz"},
                {"name": "a", "dataset": "v-ref"}]"#,
        );
        let e = plan(&s, &ds, &no_tok).unwrap_err().join("\n");
        for needle in [
            "arms[0] (a).dataset: there is no dataset version \"v-nope\"",
            "arms[1] (b).dataset: version v-empty has no rows",
            "arms[2] (c).tokenizer: \"tok-unknown\" is neither",
            "arms[3] (d).against: \"zzz\" is not an earlier rung",
            "arms[4] (a).name: another rung is already called",
        ] {
            assert!(e.contains(needle), "missing {needle:?} in\n{e}");
        }
        let mut s = spec("[]");
        s.eval = "v-x".into();
        let e = plan(&s, &ds, &no_tok).unwrap_err();
        assert!(
            e[0].starts_with("eval: there is no dataset version"),
            "{e:?}"
        );
    }
}
