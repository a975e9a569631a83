//! The sample dataset a lab starts from when the workspace is empty: an instruction dataset in the book's
//! format with planted, documented flaws, and its evaluation split (made by `scripts/make-sample.py`,
//! shipped beside the page in `sample/`). It is imported through the same importer as a student's file —
//! so the notebook's `{"instruction": null, "output": ""}` row lands in the quarantine, as it would.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use crate::core::dataset::importer::import_text;
use crate::core::dataset::parse::{decode_owned, CsvMapping, Format};
use crate::core::dataset::workspace::Transform;
use crate::ui::services::workspace::{commit, now_iso, switch_to, use_workspace, Ctx, Parent};
use crate::web::fetch::fetch_bytes;

/// The training file and its evaluation split, relative to the page.
const TRAIN: (&str, &str) = ("sample/train.json", "datalab-sample-train.json");
const EVAL: (&str, &str) = ("sample/eval.json", "datalab-sample-eval.json");

/// Imports one sample file (or finds the version it already made); the version id and its counts.
async fn import_one(
    ctx: Ctx,
    (url, source): (&str, &str),
) -> Result<(String, usize, usize), String> {
    let bytes = fetch_bytes(url).await?;
    let text = decode_owned(bytes).map_err(|e| format!("{source}: {e}"))?;
    let imported = import_text(
        text,
        source,
        Some(Format::JsonArray),
        &CsvMapping::default(),
    )
    .map_err(|e| format!("{source}: {e}"))?;
    let (valid, held) = (imported.records.len(), imported.quarantined.len());
    // Loading the sample twice finds the first import instead of adding a copy (a file with a
    // quarantined row is otherwise a version of its own each time).
    let existing = ctx.ws.with_untracked(|w| {
        w.versions
            .iter()
            .find(|v| {
                v.transform == "import"
                    && v.parent.is_none()
                    && v.content_hash == imported.content_hash
                    && v.params.get("source").and_then(|s| s.as_str()) == Some(source)
            })
            .map(|v| v.id.clone())
    });
    if let Some(id) = existing {
        switch_to(ctx, &id).await;
        return Ok((id, valid, held));
    }
    let created = now_iso();
    let t = Transform {
        name: "import",
        params: json!({ "source": source, "format": "json", "sample": true }),
        created: &created,
        quarantined: held,
        tokenizer: None,
        note: "the lab's sample dataset (planted flaws: see the README)",
        schema: Some(imported.schema.clone()),
    };
    let parent = Parent::Import {
        hash: imported.content_hash.clone(),
        match_content: held == 0,
    };
    let (v, _) = commit(ctx, imported.records, imported.quarantined, t, parent)
        .await
        .ok_or("cancelled")?;
    Ok((v.id, valid, held))
}

/// Loads the evaluation split, then the training set (which ends up current).
pub async fn load_sample(ctx: Ctx) {
    let job = ctx.jobs.start("Loading the sample dataset …");
    let result = async {
        let eval = import_one(ctx, EVAL).await?;
        let train = import_one(ctx, TRAIN).await?;
        Ok::<_, String>((eval, train))
    }
    .await;
    job.end();
    match result {
        Ok(((eval_id, eval_n, _), (train_id, n, held))) => ctx.info(format!(
            "Loaded the sample dataset: version {train_id} ({n} rows, {held} quarantined) is current, and its evaluation split is version {eval_id} ({eval_n} rows). It has planted flaws to find: the generation notebook's null row (in the quarantine), refusals, truncated answers, exact and near duplicates, PII, answers that repeat the instruction, rows in other languages, and evaluation rows leaked into training."
        )),
        Err(e) => ctx.error(format!(
            "The sample dataset could not be loaded: {e}. It ships beside the page in sample/; if the lab was copied without that folder, copy the whole dist/ folder."
        )),
    }
}

/// "Load the sample dataset": a start for a student with no data of their own.
#[component]
pub fn SampleButton() -> impl IntoView {
    let ctx = use_workspace();
    view! {
        <div class="sample-start">
            <button type="button" on:click=move |_| {
                if !ctx.jobs.is_busy_now() {
                    spawn_local(load_sample(ctx));
                }
            }>"Load the sample dataset"</button>
            <span class="hint">
                "No data yet? The lab's sample: 300 instruction rows with planted flaws to find, and an evaluation split."
            </span>
        </div>
    }
}
