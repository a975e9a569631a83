//! What the workspace records beside its versions: checks that ran without making a version (a gate run
//! that flagged nothing still counts as evidence), waived release gates with their reasons, the rows a
//! student marked as teaching examples, and releases. All of it travels in `workspace.json`, so a
//! workspace zip carries its release history with it.

use serde::{Deserialize, Serialize};

/// A check that ran on a version: the quality gates (`kind` "gates") or the duplicate search
/// ("duplicates"). Kept because such a run may remove nothing and so make no version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub version: String,
    pub kind: String,
    /// ISO 8601.
    pub at: String,
    /// Rows the check flagged (gates) or would remove (duplicates).
    pub found: usize,
    /// Per item (a gate's id, "exact", "near"): how many rows.
    pub per: Vec<(String, usize)>,
    /// The settings it ran with.
    pub params: serde_json::Value,
    /// One line for people.
    pub summary: String,
}

/// A release gate waived for one version, with the reason that stays on the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiver {
    pub reason: String,
    pub at: String,
}

/// One gate's state as it was when a version was released.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateLine {
    pub n: u8,
    pub title: String,
    /// `pass`, `fail` or `waived`.
    pub status: String,
    pub evidence: String,
}

/// A released version: tagged, with its changelog entry and the gates it passed. Never removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    pub version: String,
    /// Semantic version, e.g. `1.2.0`.
    pub tag: String,
    pub at: String,
    pub changelog: String,
    pub gates: Vec<GateLine>,
}

/// Shortest reason a waiver accepts: a few words, not a shrug.
pub const WAIVER_MIN_CHARS: usize = 12;

/// Why `reason` cannot waive a gate, if it cannot.
pub fn waiver_problem(reason: &str) -> Option<String> {
    let n = reason.trim().chars().count();
    if n == 0 {
        Some("A waiver needs a written reason: say why this gate does not apply or what makes the risk acceptable. Nothing was waived.".into())
    } else if n < WAIVER_MIN_CHARS {
        Some(format!(
            "The reason is {n} characters; write at least {WAIVER_MIN_CHARS} — why the gate does not apply, or what makes the risk acceptable. Nothing was waived."
        ))
    } else {
        None
    }
}
