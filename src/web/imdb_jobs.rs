//! The IMDb lab's two long jobs, run in the background worker: preparing the splits from the archive the
//! student picked, and training the baselines on them.
//!
//! The archive goes to the worker as the `File` itself (structured clone passes a reference, not the
//! 84 MB), and the worker reads it in 4 MB slices with `FileReaderSync`, streaming each through gunzip and
//! tar — so neither the archive nor its 220 MB tar is ever whole in memory. The three CSV files come back
//! as transferred buffers and become `Blob`s on the page (for the download buttons). Training reads those
//! Blobs (again by reference) and parses them, so it works from exactly the bytes that were hashed.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, FileReaderSync};

use super::worker::{get, message_of, now, object, post, run_task, scope};
use crate::core::imdb::baseline::{self, BaselineReport, Progress};
use crate::core::imdb::csv::read_split;
use crate::core::imdb::jobs::PrepareSummary;
use crate::core::imdb::logreg::Settings as LogRegSettings;
use crate::core::imdb::prepare::{prepare as prepare_splits, SplitSettings, SPLITS};
use crate::core::imdb::record::ArchiveInfo;
use crate::core::imdb::unpack::{Unpacked, Unpacker};
use std::cell::RefCell;
use std::rc::Rc;

/// The worker both jobs run in (the first; the quality lab shares it).
const SLOT: usize = 0;
/// Bytes read from the file per step.
const CHUNK: f64 = 4.0 * 1024.0 * 1024.0;

fn js_err(e: JsValue) -> String {
    message_of(&e)
}

// ---------------------------------------------------------------------------------------------------------
// Page side

/// Prepared splits: the figures, and the three files (train, validation, test) as Blobs.
pub struct Prepared {
    pub summary: PrepareSummary,
    pub files: Vec<Blob>,
}

/// Prepares the splits from `file` in the worker.
pub async fn prepare(
    file: &web_sys::File,
    settings: &SplitSettings,
    progress: impl Fn(f64, Option<String>) + 'static,
) -> Result<Prepared, String> {
    let data = run_task(
        SLOT,
        "imdb-prepare",
        &[
            ("file", file.into()),
            ("name", JsValue::from_str(&file.name())),
            (
                "key",
                JsValue::from_str(&format!(
                    "{}|{}|{}",
                    file.name(),
                    file.size(),
                    file.last_modified()
                )),
            ),
            (
                "settings",
                JsValue::from_str(&serde_json::to_string(settings).map_err(|e| e.to_string())?),
            ),
        ],
        &Array::new(),
        progress,
    )
    .await?;
    let summary: PrepareSummary =
        serde_json::from_str(&get(&data, "result").as_string().unwrap_or_default())
            .map_err(|e| format!("The worker's answer was unreadable: {e}"))?;
    let buffers: Array = get(&data, "buffers")
        .dyn_into()
        .map_err(|_| "The worker sent no files.".to_string())?;
    let opts = BlobPropertyBag::new();
    opts.set_type("text/csv");
    let files = buffers
        .iter()
        .map(|b| {
            let parts = Array::of1(&b);
            Blob::new_with_u8_array_sequence_and_options(&parts, &opts).map_err(js_err)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Prepared { summary, files })
}

/// Trains and evaluates the baselines in the worker on the three split files.
pub async fn train(
    files: &[Blob],
    settings: &LogRegSettings,
    progress: impl Fn(f64, Option<String>) + 'static,
) -> Result<BaselineReport, String> {
    let mut fields: Vec<(&str, JsValue)> = SPLITS
        .iter()
        .zip(files)
        .map(|(name, b)| (*name, JsValue::from(b.clone())))
        .collect();
    fields.push((
        "settings",
        JsValue::from_str(&serde_json::to_string(settings).map_err(|e| e.to_string())?),
    ));
    let data = run_task(SLOT, "imdb-train", &fields, &Array::new(), progress).await?;
    serde_json::from_str(&get(&data, "result").as_string().unwrap_or_default())
        .map_err(|e| format!("The worker's answer was unreadable: {e}"))
}

// ---------------------------------------------------------------------------------------------------------
// Worker side

/// Answers one task message (called by the worker's message handler).
pub fn serve_task(task: &str, data: &JsValue, id: &JsValue) {
    let result = match task {
        "imdb-prepare" => prepare_in_worker(data, id),
        "imdb-train" => train_in_worker(data, id).map(|json| (json, Vec::new())),
        other => Err(format!("Unknown task {other}.")),
    };
    match result {
        Ok((json, buffers)) => {
            let list = Array::new();
            let transfer = Array::new();
            for b in buffers {
                transfer.push(&b.buffer());
                list.push(&b);
            }
            let msg = object(&[
                ("kind", "done".into()),
                ("id", id.clone()),
                ("result", JsValue::from_str(&json)),
                ("buffers", list.into()),
            ]);
            if scope().post_message_with_transfer(&msg, &transfer).is_err() {
                post(&[
                    ("kind", "error".into()),
                    ("id", id.clone()),
                    (
                        "message",
                        "The worker could not hand the files back.".into(),
                    ),
                ]);
            }
        }
        Err(message) => post(&[
            ("kind", "error".into()),
            ("id", id.clone()),
            ("message", JsValue::from_str(&message)),
        ]),
    }
}

/// Posts progress at most every 80 ms (and always at the end), with a line on the stage.
struct Reporter {
    id: JsValue,
    last: f64,
}

impl Reporter {
    fn say(&mut self, value: f64, label: &str) {
        let t = now();
        if t - self.last < 80.0 && value < 1.0 {
            return;
        }
        self.last = t;
        post(&[
            ("kind", "progress".into()),
            ("id", self.id.clone()),
            ("value", value.into()),
            ("label", JsValue::from_str(label)),
        ]);
    }
}

fn read_blob(reader: &FileReaderSync, blob: &Blob, buf: &mut Vec<u8>) -> Result<(), String> {
    let ab = reader.read_as_array_buffer(blob).map_err(|e| {
        format!(
            "The browser could not read the file ({}). If it was moved or changed since you picked it, pick it again.",
            js_err(e)
        )
    })?;
    let arr = Uint8Array::new(&ab);
    buf.resize(arr.length() as usize, 0);
    arr.copy_to(buf);
    Ok(())
}

fn mb(bytes: f64) -> String {
    format!("{:.1}", bytes / 1e6)
}

thread_local! {
    /// Worker side: the last archive's reviews, by file (name, size, modification time), so new seeds or
    /// sizes re-split at once instead of unpacking 84 MB again.
    static UNPACKED: RefCell<Option<(String, Rc<Unpacked>)>> = const { RefCell::new(None) };
}

/// Streams `file` through gunzip and tar, reporting progress.
fn unpack(file: &Blob, rep: &mut Reporter) -> Result<Unpacked, String> {
    let reader = FileReaderSync::new().map_err(js_err)?;
    let size = file.size();
    let mut unpacker = Unpacker::new();
    let mut buf = Vec::new();
    let mut off = 0.0;
    while off < size {
        let end = (off + CHUNK).min(size);
        let part = file.slice_with_f64_and_f64(off, end).map_err(js_err)?;
        read_blob(&reader, &part, &mut buf)?;
        unpacker.push(&buf)?;
        off = end;
        rep.say(
            0.85 * off / size,
            &format!(
                "Unpacking: {} of {} MB read · {} reviews found",
                mb(off),
                mb(size),
                unpacker.reviews()
            ),
        );
    }
    unpacker.finish()
}

fn prepare_in_worker(data: &JsValue, id: &JsValue) -> Result<(String, Vec<Uint8Array>), String> {
    let t0 = now();
    let file: Blob = get(data, "file")
        .dyn_into()
        .map_err(|_| "No archive reached the worker.".to_string())?;
    let name = get(data, "name").as_string().unwrap_or_default();
    let settings: SplitSettings =
        serde_json::from_str(&get(data, "settings").as_string().unwrap_or_default())
            .map_err(|e| format!("The split settings could not be read: {e}"))?;
    let key = get(data, "key").as_string().unwrap_or_default();
    let mut rep = Reporter {
        id: id.clone(),
        last: f64::NEG_INFINITY,
    };
    let cached = UNPACKED.with(|c| match &*c.borrow() {
        Some((k, u)) if *k == key && !key.is_empty() => Some(u.clone()),
        _ => None,
    });
    let from_cache = cached.is_some();
    let un = match cached {
        Some(u) => u,
        None => {
            // Drop the last archive's reviews before reading the next.
            UNPACKED.with(|c| c.borrow_mut().take());
            let u = Rc::new(unpack(&file, &mut rep)?);
            UNPACKED.with(|c| *c.borrow_mut() = Some((key, u.clone())));
            u
        }
    };
    let t1 = now();
    let prepared = prepare_splits(&un.reviews, &settings, &mut |p| {
        rep.say(
            0.85 + 0.15 * p,
            "Shuffling twice and writing train.csv, validation.csv, test.csv",
        )
    });
    let t2 = now();
    let summary = PrepareSummary {
        archive: ArchiveInfo {
            name,
            bytes: un.archive_bytes,
            sha256: un.archive_sha256.clone(),
        },
        settings,
        reviews: prepared.total,
        counts: un.counts,
        root: un.root.clone(),
        entries: un.entries,
        tar_bytes: un.tar_bytes,
        stats: prepared.stats,
        left_out: prepared.left_out,
        notes: prepared.notes,
        cached: from_cache,
        millis_unpack: t1 - t0,
        millis_split: t2 - t1,
    };
    let buffers = prepared
        .files
        .iter()
        .map(|f| Uint8Array::from(&f[..]))
        .collect();
    rep.say(1.0, "Done");
    Ok((
        serde_json::to_string(&summary).map_err(|e| e.to_string())?,
        buffers,
    ))
}

fn train_in_worker(data: &JsValue, id: &JsValue) -> Result<String, String> {
    let settings: LogRegSettings =
        serde_json::from_str(&get(data, "settings").as_string().unwrap_or_default())
            .map_err(|e| format!("The training settings could not be read: {e}"))?;
    let reader = FileReaderSync::new().map_err(js_err)?;
    let mut rep = Reporter {
        id: id.clone(),
        last: f64::NEG_INFINITY,
    };
    let mut splits: Vec<Vec<(String, u8)>> = Vec::new();
    let mut buf = Vec::new();
    for (k, name) in SPLITS.iter().enumerate() {
        rep.say(0.03 * k as f64, &format!("Reading {name}.csv"));
        let blob: Blob = get(data, name).dyn_into().map_err(|_| {
            format!("{name}.csv did not reach the worker; prepare the splits again.")
        })?;
        read_blob(&reader, &blob, &mut buf)?;
        splits.push(read_split(&buf).map_err(|e| format!("{name}.csv: {e}"))?);
    }
    drop(buf);
    let mut g0: Option<f64> = None;
    let max_iter = settings.max_iter.max(1) as f64;
    let tol = settings.tol;
    let report = baseline::run(
        [&splits[0], &splits[1], &splits[2]],
        &settings,
        &now,
        &mut |p| match p {
            Progress::Vectorize(v) => rep.say(0.1 + 0.15 * v, "Counting words (CountVectorizer)"),
            Progress::Iteration(s) => {
                let g0 = *g0.get_or_insert(s.grad_max.max(tol * 10.0));
                let by_grad = ((g0 / s.grad_max.max(tol)).ln() / (g0 / tol).ln()).clamp(0.0, 1.0);
                let share = (s.iter as f64 / max_iter).max(by_grad);
                rep.say(
                    0.25 + 0.75 * share.min(0.999),
                    &format!(
                        "Fitting: iteration {} · objective {:.5} · largest gradient {:.1e} (stops at {:.0e} or {} iterations)",
                        s.iter, s.objective, s.grad_max, tol, settings.max_iter
                    ),
                );
            }
        },
    )?;
    serde_json::to_string(&report).map_err(|e| e.to_string())
}
