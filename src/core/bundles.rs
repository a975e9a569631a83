//! Which wasm bundle holds which lab: labs load on demand.
//!
//! All labs in one wasm module made the first page a student opens transfer every lab's code (761 KB
//! brotli). Trunk 0.21 cannot split one module, so the labs ship as a few modules instead — one Cargo bin
//! per group of labs under `src/bin/`, plus one for the background worker. `static/boot.js` reads `?lab=`,
//! loads only that lab's bundle, and tells it where the worker's bundle is. Navigating to another lab is a
//! page load (the lab's state lives in the URL and IndexedDB, not in memory), so bundles never need to share
//! a running module.
//!
//! Labs are grouped by what they share, so a student moving between neighbouring labs reuses a cached
//! bundle: the tokenizer engine (workbench, extension), the dataset workspace and its versions (workspace,
//! quality gates), the model connection (generation, reflection), and the IMDb pipeline. The A/B lab, which
//! needs both the workspace and the model connection, has a bundle of its own rather than growing either;
//! the failure drills share it, as they run its proxy model, the workspace and the extend lab's versions.

use crate::core::labs::{resolve, LABS};

/// One bundle: its name (the Cargo bin is `src/bin/lab-<name>.rs`) and the labs whose pages it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bundle {
    pub name: &'static str,
    pub labs: &'static [&'static str],
}

/// Every page bundle. A new lab joins the bundle of the labs it shares most with (or gets a bin of its
/// own), and its page is added to that bin's `start` call.
pub static BUNDLES: &[Bundle] = &[
    Bundle {
        name: "tokens",
        labs: &["loop", "tokenizer", "extend"],
    },
    Bundle {
        name: "data",
        labs: &["workspace", "quality"],
    },
    Bundle {
        name: "llm",
        labs: &["generate", "refine"],
    },
    Bundle {
        name: "imdb",
        labs: &["imdb"],
    },
    Bundle {
        name: "ab",
        labs: &["ab", "drills", "runbook"],
    },
];

/// The bundle of the background worker (`src/bin/lab-worker.rs`): the jobs' worker side, and no page.
pub const WORKER_BUNDLE: &str = "worker";

/// The bundle of the in-page model's worker (`src/bin/lab-model.rs`): the inference engine, fetched only
/// when a student chooses "In this page" — never part of any lab's first load.
pub const MODEL_BUNDLE: &str = "model";

/// The bundle that holds the page `?lab=<id>` shows (after [`resolve`]: unknown or planned labs show the
/// default lab).
pub fn bundle_of(id: Option<&str>) -> &'static Bundle {
    let lab = resolve(id).id;
    BUNDLES
        .iter()
        .find(|b| b.labs.contains(&lab))
        .expect("every built lab is in a bundle (tested)")
}

/// The two lines of `static/boot.js` that route a URL to its bundle, as they must read: the bundle of every
/// routable id (built labs and aliases) and the default bundle. A test checks the file against this, so the
/// loader can never drift from the registry.
pub fn boot_routes() -> String {
    let mut ids: Vec<&str> = LABS.iter().filter(|l| l.built).map(|l| l.id).collect();
    ids.extend(crate::core::labs::ALIASES.iter().map(|(alias, _)| *alias));
    let pairs: Vec<String> = ids
        .iter()
        .map(|id| format!("{id}: \"{}\"", bundle_of(Some(id)).name))
        .collect();
    format!(
        "const BUNDLE_OF = {{ {} }};\nconst DEFAULT_BUNDLE = \"{}\";",
        pairs.join(", "),
        bundle_of(None).name
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_lab_is_in_exactly_one_bundle() {
        for lab in LABS {
            let n = BUNDLES.iter().filter(|b| b.labs.contains(&lab.id)).count();
            assert_eq!(n, usize::from(lab.built), "{}", lab.id);
        }
        let mut names: Vec<_> = BUNDLES.iter().map(|b| b.name).collect();
        names.push(WORKER_BUNDLE);
        names.sort();
        names.dedup();
        assert_eq!(names.len(), BUNDLES.len() + 1, "bundle names are unique");
    }

    #[test]
    fn routes_follow_resolve() {
        assert_eq!(bundle_of(None).name, "tokens");
        assert_eq!(bundle_of(Some("baselines")).name, "imdb");
        assert_eq!(bundle_of(Some("quality")).name, "data");
        assert_eq!(bundle_of(Some("drills")).name, "ab");
        assert_eq!(bundle_of(Some("runbook")).name, "ab");
        assert_eq!(bundle_of(Some("no-such-lab")).name, bundle_of(None).name);
    }

    #[test]
    fn boot_script_routes_match_the_registry() {
        let boot = include_str!("../../static/boot.js");
        let want = boot_routes();
        assert!(
            boot.contains(&want),
            "static/boot.js must contain exactly these lines (copy them in):\n{want}"
        );
    }

    #[test]
    fn every_bundle_has_its_bin() {
        for name in BUNDLES.iter().map(|b| b.name).chain([WORKER_BUNDLE]) {
            let bin = format!("{}/src/bin/lab-{name}.rs", env!("CARGO_MANIFEST_DIR"));
            let src = std::fs::read_to_string(&bin).unwrap_or_else(|e| panic!("{bin}: {e}"));
            assert!(
                src.contains(&format!("start(\"{name}\"")) || name == WORKER_BUNDLE,
                "{bin} starts its bundle by name"
            );
        }
    }
}
