//! Files students and instructors pass around: A/B experiment specs, pipeline specs, drill packs, run
//! bundles, and the messages a slide's host page posts into the lab.

use datalab::core::ab::spec::Spec as AbSpec;
use datalab::core::drills::board::{Board, Pack};
use datalab::core::embed::FromHost;
use datalab::core::llm::bundle::RunBundle;
use datalab::core::release::spec::Spec as PipelineSpec;

use super::{ensure, lines_in, lines_named_exist, JSON_DICT};
use crate::engine::{default_bound, Target};

/// The lab version the files are read as (the lab's own: `datalab`'s package version).
const LAB_VERSION: &str = "0.1.0";

pub const AB_SPEC: Target = Target {
    name: "ab-spec",
    about: "A/B experiment specs: every problem named by field; read, written, read again",
    run: ab_spec,
    max_len: 8 << 10,
    dict: JSON_DICT,
    bound: default_bound,
};

pub const PIPELINE_SPEC: Target = Target {
    name: "pipeline-spec",
    about: "pipeline specs (release runbook): read, written, read again",
    run: pipeline_spec,
    max_len: 16 << 10,
    dict: JSON_DICT,
    bound: default_bound,
};

pub const DRILL_PACK: Target = Target {
    name: "drill-pack",
    about: "drill packs and the stored drill scoreboard: read, written, read again",
    run: drill_pack,
    max_len: 16 << 10,
    dict: JSON_DICT,
    bound: default_bound,
};

pub const RUN_BUNDLE: Target = Target {
    name: "run-bundle",
    about: "recorded run bundles (format, lab version, content hash checked): read, written, read again",
    run: run_bundle,
    max_len: 16 << 10,
    dict: JSON_DICT,
    bound: default_bound,
};

pub const HOST_MESSAGE: Target = Target {
    name: "host-message",
    about: "messages a slide's host page posts to the lab (datalab:kept, …)",
    run: host_message,
    max_len: 4 << 10,
    dict: &[
        b"\"type\"",
        b"\"datalab:kept\"",
        b"\"datalab:hello\"",
        b"\"state\"",
        b"\"slide:stop\"",
        b"{",
        b"}",
        b"\"",
        b":",
        b",",
    ],
    bound: default_bound,
};

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

fn ab_spec(data: &[u8]) -> Result<(), String> {
    let Some(t) = text(data) else { return Ok(()) };
    match AbSpec::parse(t) {
        Ok(s) => {
            let again = AbSpec::parse(&s.to_json())
                .map_err(|e| format!("a spec the lab wrote does not read: {e:?}"))?;
            ensure(again == s, || "spec → JSON → spec changed it".into())
        }
        // Its errors name fields (and quote them), not lines.
        Err(errors) => ensure(!errors.is_empty(), || {
            "a refused spec with no reason".into()
        }),
    }
}

fn pipeline_spec(data: &[u8]) -> Result<(), String> {
    let Some(t) = text(data) else { return Ok(()) };
    match PipelineSpec::from_json(t, LAB_VERSION) {
        Ok((s, _)) => {
            let (again, _) = PipelineSpec::from_json(&s.to_json(), LAB_VERSION)
                .map_err(|e| format!("a pipeline spec the lab wrote does not read: {e}"))?;
            ensure(again == s, || {
                "pipeline spec → JSON → spec changed it".into()
            })
        }
        Err(e) => lines_named_exist(&e, lines_in(data)),
    }
}

fn drill_pack(data: &[u8]) -> Result<(), String> {
    let Some(t) = text(data) else { return Ok(()) };
    if let Ok(p) = Pack::from_json(t) {
        let again = Pack::from_json(&p.to_json())
            .map_err(|e| format!("a pack the lab wrote does not read: {e}"))?;
        ensure(again == p, || "pack → JSON → pack changed it".into())?;
    }
    let (b, warning) = Board::from_json(t);
    if warning.is_none() {
        let json = serde_json::to_string(&b).map_err(|e| e.to_string())?;
        let (again, w) = Board::from_json(&json);
        ensure(w.is_none() && again == b, || {
            "board → JSON → board changed it".into()
        })?;
    }
    Ok(())
}

fn run_bundle(data: &[u8]) -> Result<(), String> {
    let Some(t) = text(data) else { return Ok(()) };
    if let Ok(b) = RunBundle::load(t, LAB_VERSION) {
        let again = RunBundle::load(&b.to_json(), LAB_VERSION)
            .map_err(|e| format!("a bundle the lab wrote does not load: {e}"))?;
        ensure(again == b, || "bundle → JSON → bundle changed it".into())?;
    }
    Ok(())
}

fn host_message(data: &[u8]) -> Result<(), String> {
    let Some(t) = text(data) else { return Ok(()) };
    if let Ok(m) = serde_json::from_str::<FromHost>(t) {
        let json = serde_json::to_string(&m).map_err(|e| e.to_string())?;
        let again: FromHost = serde_json::from_str(&json)
            .map_err(|e| format!("a host message the lab wrote does not read: {e}"))?;
        ensure(again == m, || "message → JSON → message changed it".into())?;
    }
    Ok(())
}
