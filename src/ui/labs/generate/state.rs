//! The generation page's state: the settings and template being edited, the run (saved after every row
//! so a reload can resume), the text arriving now, and the last request for the code bridge.

use leptos::prelude::*;

use crate::core::llm::bridge::Call;
use crate::core::llm::magpie::{Family, GenerationSettings, RunState, Template};
use crate::ui::services::llm::{Llm, Tape};
use crate::ui::services::workspace::Ctx;
use crate::web::storage;

/// Where an interrupted run is kept between page loads.
const KEY_RUN: &str = "datalab.magpie.run";

/// The call being streamed now.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Live {
    pub index: usize,
    /// "instruction" (the raw pre-query sample) or "response" (the chat answer).
    pub phase: &'static str,
    pub text: String,
}

#[derive(Clone, Copy)]
pub struct GCtx {
    pub ws: Ctx,
    /// The app's model connection (taken from the context while the page is built: async tasks have none).
    pub llm: Llm,
    pub settings: RwSignal<GenerationSettings>,
    pub template: RwSignal<Template>,
    pub run: RwSignal<Option<RunState>>,
    pub live: RwSignal<Option<Live>>,
    pub last_call: RwSignal<Option<Call>>,
    /// The version this run was saved as, if it was.
    pub saved: RwSignal<Option<String>>,
    /// Problems with the settings, by field, shown beside the form.
    pub errors: RwSignal<Vec<(String, String)>>,
    /// Every call of the run made in this tab, with its streamed answer: "Export run bundle" saves it.
    pub tape: Tape,
}

impl GCtx {
    pub fn new(ws: Ctx) -> GCtx {
        let run: Option<RunState> =
            storage::get(KEY_RUN).and_then(|s| serde_json::from_str(&s).ok());
        let template = run
            .as_ref()
            .map(|r| r.template.clone())
            .unwrap_or_else(|| Template::builtin(Family::Llama3));
        GCtx {
            ws,
            llm: Llm::get(),
            settings: RwSignal::new(run.as_ref().map(|r| r.settings.clone()).unwrap_or_default()),
            template: RwSignal::new(template),
            run: RwSignal::new(run),
            live: RwSignal::new(None),
            last_call: RwSignal::new(None),
            saved: RwSignal::new(None),
            errors: RwSignal::new(Vec::new()),
            tape: StoredValue::new(Vec::new()),
        }
    }

    /// Saves the run so a reload can resume it (or forgets it).
    pub fn persist(&self) {
        match self.run.get_untracked() {
            Some(r) => {
                let json = serde_json::to_string(&r).unwrap_or_default();
                if !storage::set(KEY_RUN, &json) {
                    self.ws.error("The run could not be saved in this browser's storage (full or blocked): a reload would lose it, so save it as a version soon.");
                }
            }
            None => {
                storage::set(KEY_RUN, "");
            }
        }
    }

    /// Whether a run is going (reactive).
    pub fn running(&self) -> bool {
        self.ws.jobs.is_busy()
    }

    /// Stops the run: the call in flight is aborted (its row is not kept; resuming samples it again).
    pub fn cancel(&self) {
        self.ws.jobs.cancel();
    }
}
