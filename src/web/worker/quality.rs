//! The quality lab's jobs (gates, duplicates, leakage over up to 50k rows). Page side: send the rows —
//! packed into one transferred buffer, or not at all when the worker kept them from the last job — and
//! split the gates between two workers. Worker side: unpack, keep, run `core::quality::jobs::run`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;

use super::encoders;
use super::pool;
use super::serve::{Handled, Reporter};
use super::transport::{get, now};
use crate::core::dataset::record::Record;
use crate::core::job::protocol::{attach, Answer, Request};
use crate::core::job::JobResult;
use crate::core::quality::jobs::{run as run_job, unpack_rows, Job, Outcome};
use crate::core::quality::scorecard::{splits_at_whitespace, TokenCounter};

// ---------------------------------------------------------------------------------------------------------
// Page side

/// The rows a job runs over: packed and handed over, and kept by the worker under `key` when one is given
/// — so the next job over the same rows (the gates again, with other settings) sends nothing.
pub struct Rows {
    /// `None`: the worker has them already ([`has_rows`]).
    pub packed: Option<Uint8Array>,
    pub key: Option<String>,
}

/// Whether worker `slot` keeps the rows stored under `key`.
pub fn has_rows(slot: usize, key: &str) -> bool {
    pool::held(slot).as_deref() == Some(key)
}

/// Runs `job` over each of `parts` (consecutive parts of the rows) in its own worker at once;
/// `progress` hears the mean progress. The outcomes come back in the parts' order.
pub async fn run_parallel(
    job: &Job,
    parts: Vec<Rows>,
    ranks: Option<&[u8]>,
    progress: impl Fn(f64) + 'static,
) -> JobResult<Vec<Outcome>> {
    let n = parts.len().clamp(1, pool::MAX_WORKERS);
    let shares = Rc::new(RefCell::new(vec![0.0; n]));
    let progress = Rc::new(progress);
    let runs = parts.into_iter().take(n).enumerate().map(|(slot, rows)| {
        let (shares, progress) = (shares.clone(), progress.clone());
        run_on(slot, job, rows, ranks, move |p| {
            let mean = {
                let mut s = shares.borrow_mut();
                s[slot] = p;
                s.iter().sum::<f64>() / s.len() as f64
            };
            progress(mean);
        })
    });
    futures::future::join_all(runs).await.into_iter().collect()
}

/// Runs `job` over `rows` (packed rows; the buffer is handed over to the worker and left empty here) in
/// the first worker; `progress` hears 0..=1.
pub async fn run(
    job: &Job,
    rows: Uint8Array,
    ranks: Option<&[u8]>,
    progress: impl Fn(f64) + 'static,
) -> JobResult<Outcome> {
    let rows = Rows {
        packed: Some(rows),
        key: None,
    };
    run_on(0, job, rows, ranks, progress).await
}

async fn run_on(
    slot: usize,
    job: &Job,
    rows: Rows,
    ranks: Option<&[u8]>,
    progress: impl Fn(f64) + 'static,
) -> JobResult<Outcome> {
    if rows.packed.is_none() && pool::held(slot) != rows.key {
        return Err("The worker no longer holds these rows; run the job again.".into());
    }
    let request = Request::Quality {
        job: job.clone(),
        rows_key: rows.key.clone(),
    };
    let mut attachments = Vec::new();
    let transfer = Array::new();
    if let Some(p) = &rows.packed {
        transfer.push(&p.buffer());
        attachments.push((attach::ROWS, JsValue::from(p.clone())));
    }
    if let Some(r) = ranks {
        attachments.push((attach::RANKS, Uint8Array::from(r).into()));
    }
    let (answer, _) = pool::run(
        slot,
        &request,
        &attachments,
        &transfer,
        rows.key,
        move |v, _| progress(v),
    )
    .await?;
    match answer {
        Answer::Quality(o) => Ok(o),
        _ => Err("The worker answered another job.".into()),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Worker side

thread_local! {
    /// The rows of the last job that came with a key, kept for the next job.
    static ROWS: RefCell<Option<(String, Rc<Vec<Record>>)>> = const { RefCell::new(None) };
}

/// Runs a quality job in this worker.
pub fn handle(job: Job, key: Option<String>, data: &JsValue, rep: &mut Reporter) -> Handled {
    let t0 = now();
    let sent = get(data, attach::ROWS);
    let rows = if sent.is_undefined() {
        // The page knows this worker kept the rows of its last job under this key.
        ROWS.with(|r| match (&*r.borrow(), &key) {
            (Some((k, rows)), Some(key)) if k == key => Ok(rows.clone()),
            _ => Err("The worker no longer holds these rows; run the job again.".to_string()),
        })?
    } else {
        let packed = Uint8Array::new(&sent).to_vec();
        let rows = Rc::new(unpack_rows(&packed)?);
        drop(packed);
        // Rows without a key are not kept; rows with one replace what was kept.
        ROWS.with(|r| *r.borrow_mut() = key.map(|k| (k, rows.clone())));
        rows
    };
    let t1 = now();
    let mut progress = |v: f64| rep.say(v, None);
    let encoding = match &job {
        Job::Gates {
            encoding: Some(e), ..
        } => Some(e.clone()),
        _ => None,
    };
    let mut outcome = match encoding {
        Some(name) => encoders::with(&name, &get(data, attach::RANKS), |base| {
            let max_token_bytes = base.max_token_bytes;
            let mut count = |s: &str| base.encoder.count(s, false);
            run_job(
                &job,
                &rows,
                Some(TokenCounter {
                    count: &mut count,
                    max_token_bytes,
                    splits_at_whitespace: splits_at_whitespace(&name),
                }),
                &mut progress,
            )
        })??,
        None => run_job(&job, &rows, None, &mut progress)?,
    };
    let t2 = now();
    outcome.set_millis(t2 - t0, t2 - t1);
    Ok((Answer::Quality(outcome), Vec::new(), Array::new()))
}
