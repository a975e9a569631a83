//! The A/B page's state: the spec being built (by the controls or pasted as JSON), the last run with its
//! decision table, and the experiment log. Provided once by the page, read by every panel by context.

use std::sync::Arc;

use leptos::prelude::*;

use crate::core::ab::compare::Comparison;
use crate::core::ab::log::Entry;
use crate::core::ab::measure::ArmResult;
use crate::core::ab::plan::{Plan, VersionInfo};
use crate::core::ab::spec::{Rule, Spec};
use crate::core::tokenize::extend::version::TokenizerVersion;
use crate::ui::services::tokenizer::load_versions;
use crate::ui::services::workspace::Ctx;

/// One finished run.
#[derive(Clone, Debug)]
pub struct Run {
    pub spec: Spec,
    pub plan: Plan,
    /// Per rung of the plan (`None`: refused).
    pub results: Vec<Option<ArmResult>>,
    pub table: Vec<Comparison>,
    /// Its number in the log (`None` when the log could not be written).
    pub entry: Option<u64>,
    /// "Reproduced entry #N" or what changed, when an earlier run had the same spec.
    pub reproduction: Option<String>,
}

/// Signals shared by the A/B page's panels.
#[derive(Clone, Copy)]
pub struct AbCtx {
    pub ws: Ctx,
    pub spec: RwSignal<Spec>,
    /// The "Experiment spec" text box.
    pub text: RwSignal<String>,
    /// What is wrong with the spec (each naming its field), shown above the Run button.
    pub problems: RwSignal<Vec<String>>,
    pub run: RwSignal<Option<Arc<Run>>>,
    pub log: RwSignal<Vec<Entry>>,
    /// Why the log could not be read or written, if so.
    pub log_error: RwSignal<Option<String>>,
    /// Extension versions from the extend lab.
    pub tokenizers: RwSignal<Vec<TokenizerVersion>>,
}

impl AbCtx {
    pub fn new(ws: Ctx) -> Self {
        AbCtx {
            ws,
            spec: RwSignal::new(Spec::default()),
            text: RwSignal::new(String::new()),
            problems: RwSignal::new(Vec::new()),
            run: RwSignal::new(None),
            log: RwSignal::new(Vec::new()),
            log_error: RwSignal::new(None),
            tokenizers: RwSignal::new(load_versions()),
        }
    }

    /// What the plan needs to know of a dataset version (untracked).
    pub fn version_info(&self, id: &str) -> Option<VersionInfo> {
        self.ws
            .ws
            .with_untracked(|w| w.get(id).map(|v| VersionInfo { rows: v.rows }))
    }

    /// An extension version by id (untracked).
    pub fn tokenizer(&self, id: &str) -> Option<TokenizerVersion> {
        self.tokenizers
            .with_untracked(|t| t.iter().find(|v| v.id == id).cloned())
    }

    /// The rule of the last run, if the spec's rule differs from it now.
    pub fn rule_changed_since_run(&self) -> Option<(Rule, Rule)> {
        let now = self.spec.with(|s| s.rule);
        self.run.with(|r| {
            r.as_ref()
                .map(|r| r.spec.rule)
                .filter(|&then| then != now)
                .map(|then| (then, now))
        })
    }
}
