//! What servers and models send back: Ollama / OpenAI-compatible JSON responses, the class server's model
//! listing, and model-written text the labs read (rubric scores, refinements), plus what a student types as
//! an endpoint or a shared link.

use datalab::core::dataset::record::{Provenance, Record};
use datalab::core::llm::connection::parse_endpoint;
use datalab::core::llm::judge::{parse_scores, Rubric};
use datalab::core::llm::ollama::{self, FinalStats};
use datalab::core::llm::reflection::{Kind, Refinement};
use datalab::core::llm::{openai, ps};
use datalab::core::model::library::parse_listing;
use datalab::core::tokenize::workbench::WorkbenchState;
use datalab::core::urlstate::Query;
use serde_json::Value;

use super::{ensure, JSON_DICT};
use crate::engine::{default_bound, Target};

pub const RESPONSES: Target = Target {
    name: "llm-responses",
    about:
        "Ollama and OpenAI-compatible JSON responses (generate, chat, version, tags, ps, models)",
    run: responses,
    max_len: 8 << 10,
    dict: &[
        b"\"response\"",
        b"\"done\"",
        b"\"message\"",
        b"\"choices\"",
        b"\"models\"",
        b"\"version\"",
        b"\"eval_count\"",
        b"\"size_vram\"",
        b"\"data\"",
        b"\"id\"",
        b"null",
        b"1e999",
        b"-1",
    ],
    bound: default_bound,
};

pub const MODEL_OUTPUT: Target = Target {
    name: "model-output",
    about: "text from models and people: rubric scores, refinements, model listings, endpoints, shared links, saved workbench state",
    run: model_output,
    max_len: 8 << 10,
    dict: JSON_DICT,
    bound: default_bound,
};

fn responses(data: &[u8]) -> Result<(), String> {
    let Ok(v) = serde_json::from_slice::<Value>(data) else {
        return Ok(());
    };
    let _ = ollama::parse_event(&v);
    let _ = ollama::parse_response(&v);
    let _ = ollama::parse_version(&v);
    let _ = ollama::parse_tags(&v);
    let _ = FinalStats::from_value(&v);
    let _ = openai::parse_response(&v);
    let _ = openai::parse_models(&v);
    let _ = ps::parse_ps(&v);
    Ok(())
}

fn model_output(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    let _ = parse_scores(&Rubric::default(), &text);
    let original = Record {
        instruction: "Explain tokenization.".into(),
        input: String::new(),
        output: "It splits text.".into(),
        provenance: Provenance::file("f", 1),
    };
    for kind in [
        Kind::InstructionReflection,
        Kind::ResponseReflection,
        Kind::ResponseReflectionWithInput,
    ] {
        let _ = Refinement::from_reply(kind, &original, &text, "m");
    }
    let _ = parse_listing(&text, "http://127.0.0.1:8080/models/");
    let _ = parse_endpoint(&text);
    // The workbench's saved state (localStorage, or a slide host's copy of it).
    if let Some(w) = WorkbenchState::from_json(&text) {
        ensure(WorkbenchState::from_json(&w.to_json()) == Some(w), || {
            "workbench state → JSON → state changed it".into()
        })?;
    }
    let q = Query::parse(&text);
    let again = Query::parse(&q.to_search());
    ensure(again == q, || {
        format!(
            "a link's query → search → query changed it: {:?} vs {:?}",
            q.0, again.0
        )
    })
}
