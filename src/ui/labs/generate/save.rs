//! A run's kept rows as a dataset version: a new lineage root (`magpie`), its parameters holding the run's
//! settings and every sample that was not kept, with why.

use leptos::prelude::*;

use crate::core::dataset::workspace::Transform;
use crate::ui::services::workspace::{commit, hash_rows, now_iso, Parent};

use super::state::GCtx;

/// Saves the run's kept rows as a new version (made current in the workspace).
pub async fn save_version(g: GCtx) {
    let ctx = g.ws;
    let Some(run) = g.run.get_untracked() else {
        return;
    };
    let records = run.records();
    if records.is_empty() {
        return ctx.error("No row was kept yet: there is nothing to save.");
    }
    let job = ctx.jobs.start("Hashing the generated rows …");
    let Some(hash) = hash_rows(job, &records).await else {
        return;
    };
    job.end();
    let kept = records.len();
    let created = now_iso();
    let t = Transform {
        name: "magpie",
        params: run.version_params(),
        created: &created,
        quarantined: 0,
        tokenizer: None,
        note: "",
        schema: None,
    };
    let parent = Parent::Import {
        hash,
        match_content: false,
    };
    if let Some((v, _)) = commit(ctx, records, Vec::new(), t, parent).await {
        g.saved.set(Some(v.id.clone()));
        ctx.info(format!(
            "Version {} made from {kept} generated rows; it is now the workspace's current version.",
            v.id
        ));
    }
}

/// Saves the calls this tab made for the run as a run bundle, for students to replay with no model.
pub fn export_bundle(g: GCtx) {
    let Some(run) = g.run.get_untracked() else {
        return;
    };
    let calls = g.tape.get_value();
    if calls.is_empty() {
        return g.ws.error(if g.llm.replaying() {
            "A replayed run records nothing new: the bundle you loaded is already the recording."
        } else {
            "Nothing was recorded in this tab: a bundle holds the calls made since the run started here. Generate (or resume) with a model connected, then export."
        });
    }
    // The whole form, so a student who loads the bundle gets exactly these settings back.
    let settings = serde_json::json!({
        "generation": run.settings,
        "template": run.template,
    });
    let n = calls.len();
    let bundle = g.llm.bundle_of("generate", &run.model, settings, calls);
    let safe: String = run
        .model
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = format!("run-bundle-generate-{safe}-{}rows.json", run.settings.count);
    match crate::web::files::download(&name, "application/json", bundle.to_json().as_bytes()) {
        Ok(()) => g.ws.info(format!(
            "Exported {name}: {n} requests and their streamed answers, model {}{}. Students load it with \"Run bundle\" in the connection panel and press Generate with the same settings.",
            run.model,
            bundle.digest.as_deref().map(|d| format!(" ({d})")).unwrap_or_default()
        )),
        Err(e) => g.ws.error(e),
    }
}

/// With a generation bundle loaded, the form takes the settings it was recorded with, so "Generate"
/// reproduces the recorded rows as it is. `None` when the bundle carries no generation settings.
pub fn adopt_bundle_settings(g: GCtx) -> Option<String> {
    let r = g.llm.replay.get_untracked()?;
    let b = r.bundle();
    if b.lab != "generate" {
        return None;
    }
    let settings: crate::core::llm::magpie::GenerationSettings =
        serde_json::from_value(b.settings.get("generation")?.clone()).ok()?;
    let template: crate::core::llm::magpie::Template =
        serde_json::from_value(b.settings.get("template")?.clone()).ok()?;
    let line = format!(
        "Settings taken from the run bundle: {} rows from base seed {}, temperature {}, top_p {}, the {} template — press Generate to replay the recorded run.",
        settings.count,
        settings.base_seed,
        settings.temperature,
        settings.top_p,
        template.family.label()
    );
    g.settings.set(settings);
    g.template.set(template);
    Some(line)
}
