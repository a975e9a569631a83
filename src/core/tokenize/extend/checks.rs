//! Safety checks on a list of domain terms, run before an extended tokenizer version is created (slide 9:
//! "collision checks"). Each finding says what is wrong and what to do; errors block the version,
//! warnings do not.

use super::merges::{self, MergeRefusal};
use super::Mode;
use crate::core::tokenize::Encoder;

/// Most terms one version may add: a few hundred well-chosen tokens is already a large change to a model.
pub const MAX_TERMS: usize = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Blocks creating the version.
    Error,
    /// Worth knowing; the version can still be made.
    Warning,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// 0-based position of the term in the list (None: about the list as a whole).
    pub term: Option<usize>,
    pub severity: Severity,
    /// Stable short name, e.g. `duplicate`.
    pub code: &'static str,
    pub message: String,
}

/// Runs every check on `terms` for `mode` against the base encoder.
pub fn check(base: &Encoder, terms: &[String], mode: Mode) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut enc = base.extended(&[], &[]).expect("a copy of a valid encoder");
    let err = |i: Option<usize>, code, message: String| Finding {
        term: i,
        severity: Severity::Error,
        code,
        message,
    };
    let warn = |i: Option<usize>, code, message: String| Finding {
        term: i,
        severity: Severity::Warning,
        code,
        message,
    };
    if terms.len() > MAX_TERMS {
        out.push(err(
            None,
            "too-many",
            format!(
                "{} terms is more than the {MAX_TERMS} one version may add. Keep the terms that save the most \
                 tokens (see the candidate list) and split the rest into a later version.",
                terms.len()
            ),
        ));
    }
    for (i, term) in terms.iter().enumerate() {
        let line = i + 1;
        if term.trim().is_empty() {
            out.push(err(
                Some(i),
                "empty",
                format!("Line {line} is empty or only white space; remove it."),
            ));
            continue;
        }
        if let Some(first) = terms[..i].iter().position(|t| t == term) {
            out.push(err(
                Some(i),
                "duplicate",
                format!(
                    "Line {line} repeats line {} ({term:?}); keep one.",
                    first + 1
                ),
            ));
            continue;
        }
        for (special, id) in base.specials() {
            if term == special || term.contains(special.as_str()) || special.contains(term.as_str())
            {
                out.push(err(
                    Some(i),
                    "special-clash",
                    format!(
                        "Line {line} ({term:?}) clashes with the special token {special} (id {id}); choose a term \
                         that neither contains nor is part of a special token."
                    ),
                ));
            }
        }
        let ids = enc.encode_ordinary(term);
        if let [id] = ids[..] {
            out.push(err(
                Some(i),
                "already-one-token",
                format!("Line {line} ({term:?}) is already one token (id {id}); adding it gains nothing."),
            ));
            continue;
        }
        match mode {
            Mode::ReachableMerges => {
                if let Err(r @ MergeRefusal::CrossesSplit(_)) = merges::plan(&mut enc, term) {
                    out.push(err(
                        Some(i),
                        "crosses-split",
                        format!("Line {line}: {}", r.explain(term)),
                    ));
                }
            }
            Mode::AddedTokens => {
                for (j, other) in terms.iter().enumerate() {
                    if j != i && !other.is_empty() && other != term && other.contains(term.as_str())
                    {
                        out.push(warn(
                            Some(i),
                            "overlap",
                            format!(
                                "Line {line} ({term:?}) is part of line {} ({other:?}). Here the longer one wins where \
                                 both match, but tiktoken tries added tokens in an unspecified order, so the ids \
                                 may differ there. Keep one, or make sure neither contains the other.",
                                j + 1
                            ),
                        ));
                    }
                }
                if !term.starts_with(' ') && enc.pattern().pieces(&format!(" {term}")).count() == 1
                {
                    out.push(warn(
                        Some(i),
                        "leading-space",
                        format!(
                            "Line {line} ({term:?}): in running text the word follows a space, and an added token \
                             leaves that space as a token of its own (220 in GPT-2). Consider adding \" {term}\" \
                             instead, or as well."
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// True when nothing blocks creating the version.
pub fn passes(findings: &[Finding]) -> bool {
    findings.iter().all(|f| f.severity != Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Encoder {
        crate::core::tokenize::bpe::byte_level_for_tests(&[("ab", 256)], &[("<|endoftext|>", 257)])
    }

    fn codes(f: &[Finding]) -> Vec<&'static str> {
        f.iter().map(|f| f.code).collect()
    }

    fn terms(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn each_problem_is_found() {
        let e = toy();
        let f = check(
            &e,
            &terms(&["", "  ", "xyz", "xyz", "ab", "<|endoftext|>", "endof"]),
            Mode::AddedTokens,
        );
        let c = codes(&f);
        assert_eq!(c.iter().filter(|c| **c == "empty").count(), 2);
        assert!(c.contains(&"duplicate"));
        assert!(c.contains(&"already-one-token"));
        assert_eq!(c.iter().filter(|c| **c == "special-clash").count(), 2);
        assert!(!passes(&f));
        assert!(f
            .iter()
            .find(|f| f.code == "duplicate")
            .unwrap()
            .message
            .contains("line 3"));
    }

    #[test]
    fn overlap_and_leading_space_are_warnings() {
        let e = toy();
        let f = check(&e, &terms(&["Token", "MyToken"]), Mode::AddedTokens);
        assert!(codes(&f).contains(&"overlap"));
        assert!(codes(&f).contains(&"leading-space"));
        assert!(passes(&f));
    }

    #[test]
    fn merges_mode_refuses_split_terms() {
        let e = toy();
        let f = check(
            &e,
            &terms(&[" GPT-4o", " Kubernetes"]),
            Mode::ReachableMerges,
        );
        assert_eq!(codes(&f), ["crosses-split"]);
        assert_eq!(f[0].term, Some(0));
    }

    #[test]
    fn too_many_terms() {
        let e = toy();
        let many: Vec<String> = (0..MAX_TERMS + 1).map(|i| format!("term{i}x")).collect();
        assert!(codes(&check(&e, &many, Mode::ReachableMerges)).contains(&"too-many"));
    }
}
