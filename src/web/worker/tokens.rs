//! The tokens check. Page side: send the tokenized file (a `File` or `Blob`, passed by reference — a
//! 100 MB file is never copied on the page's thread) with the model tokenizer's base rank file, and wait for
//! the report. Worker side: read the file with `FileReaderSync`, build the model tokenizer, and run
//! `core::drills::tokens::TokenCheck` in slices, reporting progress between them.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, FileReaderSync};

use super::encoders;
use super::pool;
use super::serve::{Handled, Reporter};
use super::transport::{get, message_of};
use crate::core::ab::plan::TokenizerPlan;
use crate::core::ab::proxy::tokenizer_for;
use crate::core::drills::tokens::{TokenCheck, TokenReport};
use crate::core::job::protocol::{attach, Answer, Request};
use crate::core::job::JobResult;

/// Bytes of the file checked between two progress reports.
const SLICE: usize = 1 << 20;

/// Checks `file` against the tokenizer `model` describes (built on the base whose rank file is `ranks`).
pub async fn check(
    model: &TokenizerPlan,
    file: &Blob,
    ranks: &[u8],
    progress: impl Fn(f64, Option<String>) + 'static,
) -> JobResult<TokenReport> {
    let attachments = [
        (attach::FILE, JsValue::from(file.clone())),
        (attach::RANKS, Uint8Array::from(ranks).into()),
    ];
    let request = Request::TokensCheck {
        model: model.clone(),
    };
    match pool::run(0, &request, &attachments, &Array::new(), None, progress).await? {
        (Answer::TokensChecked(r), _) => Ok(*r),
        _ => Err("The worker answered another job.".into()),
    }
}

/// Runs the check in this worker.
pub fn handle(model: TokenizerPlan, data: &JsValue, rep: &mut Reporter) -> Handled {
    let blob: Blob = get(data, attach::FILE)
        .dyn_into()
        .map_err(|_| "The file did not reach the worker; pick it again.".to_string())?;
    rep.say(0.0, Some("Reading the file".into()));
    let reader = FileReaderSync::new().map_err(|e| message_of(&e))?;
    let buf = reader.read_as_array_buffer(&blob).map_err(|e| {
        format!(
            "The browser could not read the file ({}). If it changed since you picked it, pick it again.",
            message_of(&e)
        )
    })?;
    let bytes = Uint8Array::new(&buf).to_vec();
    drop(buf);
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        format!(
            "The file is not UTF-8 text: line {line} has bytes that are not UTF-8 (at byte {at}). Save it as UTF-8 JSONL and check it again."
        )
    })?;
    let base_name = model.base().to_string();
    let report = encoders::with(&base_name, &get(data, attach::RANKS), |base| {
        let (mut enc, id) = tokenizer_for(&model, &base.encoder, &base.sha256)?;
        let mut check = TokenCheck::new(&id, enc.n_vocab());
        let total = text.len().max(1) as f64;
        while !check.step(&text, &mut enc, SLICE) {
            rep.say(
                check.position() as f64 / total,
                Some(format!(
                    "Checked {:.1} of {:.1} MB",
                    check.position() as f64 / 1e6,
                    total / 1e6
                )),
            );
        }
        Ok::<_, String>(check.finish())
    })??;
    Ok((
        Answer::TokensChecked(Box::new(report)),
        Vec::new(),
        Array::new(),
    ))
}
