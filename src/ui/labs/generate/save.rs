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
