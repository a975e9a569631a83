//! The A/B lab's arms. Page side: send one arm's job with its training rows, the evaluation rows and
//! its base encoding's rank file, and wait for its measurements. Worker side: build the arm's tokenizer
//! on the base encoding and run `core::ab::proxy::run_arm`.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;

use super::encoders;
use super::pool;
use super::serve::{Handled, Reporter};
use super::transport::{get, now};
use crate::core::ab::measure::ArmResult;
use crate::core::ab::proxy::{run_arm, tokenizer_for, ArmJob};
use crate::core::job::protocol::{attach, Answer, Request};
use crate::core::job::JobResult;
use crate::core::quality::jobs::unpack_rows;

/// Runs `job` in the first worker: `train` and `eval` are packed rows (handed over, left empty here),
/// `ranks` the base encoding's rank file; `progress` hears 0..=1 and the stage.
pub async fn run(
    job: &ArmJob,
    train: Uint8Array,
    eval: Uint8Array,
    ranks: &[u8],
    progress: impl Fn(f64, Option<String>) + 'static,
) -> JobResult<ArmResult> {
    let transfer = Array::new();
    transfer.push(&train.buffer());
    transfer.push(&eval.buffer());
    let attachments = [
        (attach::TRAIN, JsValue::from(train)),
        (attach::EVAL, JsValue::from(eval)),
        (attach::RANKS, Uint8Array::from(ranks).into()),
    ];
    let request = Request::AbArm { job: job.clone() };
    let (answer, _) = pool::run(0, &request, &attachments, &transfer, None, progress).await?;
    match answer {
        Answer::AbArm(r) => Ok(*r),
        _ => Err("The worker answered another job.".into()),
    }
}

fn rows(data: &JsValue, name: &str) -> Result<Vec<crate::core::dataset::record::Record>, String> {
    let sent = get(data, name);
    if sent.is_undefined() {
        return Err(format!("The {name} rows did not reach the worker."));
    }
    unpack_rows(&Uint8Array::new(&sent).to_vec())
}

/// Runs one arm in this worker.
pub fn handle(job: ArmJob, data: &JsValue, rep: &mut Reporter) -> Handled {
    let t0 = now();
    let train = rows(data, attach::TRAIN)?;
    let eval = rows(data, attach::EVAL)?;
    let base_name = job.tokenizer.base().to_string();
    let mut result = encoders::with(&base_name, &get(data, attach::RANKS), |base| {
        let (mut enc, id) = tokenizer_for(&job.tokenizer, &base.encoder, &base.sha256)?;
        let mut progress = |v: f64, stage: &str| rep.say(v, Some(stage.to_string()));
        run_arm(&job, &train, &eval, &mut enc, &id, &mut progress)
    })??;
    result.millis = now() - t0;
    Ok((Answer::AbArm(Box::new(result)), Vec::new(), Array::new()))
}
