//! The IMDb lab's two long jobs: preparing the splits from the archive the student picked, and training
//! the baselines on them.
//!
//! The archive goes to the worker as the `File` itself (structured clone passes a reference, not the
//! 84 MB), and the worker reads it in 4 MB slices with `FileReaderSync`, streaming each through gunzip and
//! tar — so neither the archive nor its 220 MB tar is ever whole in memory. The three CSV files come back
//! as transferred buffers and become `Blob`s on the page (for the download buttons). Training reads those
//! Blobs (again by reference) and parses them, so it works from exactly the bytes that were hashed. How far
//! each job is comes from `core::imdb::progress`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, FileReaderSync};

use super::pool;
use super::serve::{Handled, Reporter};
use super::transport::{get, message_of, now};
use crate::core::imdb::baseline::{self, BaselineReport};
use crate::core::imdb::csv::read_split;
use crate::core::imdb::jobs::PrepareSummary;
use crate::core::imdb::logreg::Settings as LogRegSettings;
use crate::core::imdb::prepare::{prepare as prepare_splits, SplitSettings, SPLITS};
use crate::core::imdb::progress::{splitting, unpacking, Training};
use crate::core::imdb::record::ArchiveInfo;
use crate::core::imdb::unpack::{Unpacked, Unpacker};
use crate::core::job::protocol::{attach, Answer, Request};
use crate::core::job::JobResult;

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
) -> JobResult<Prepared> {
    let request = Request::ImdbPrepare {
        name: file.name(),
        key: format!("{}|{}|{}", file.name(), file.size(), file.last_modified()),
        settings: *settings,
    };
    let attachments = [(attach::FILE, JsValue::from(file))];
    let (answer, data) =
        pool::run(SLOT, &request, &attachments, &Array::new(), None, progress).await?;
    let Answer::ImdbPrepared(summary) = answer else {
        return Err("The worker answered another job.".into());
    };
    let buffers: Array = get(&data, attach::FILES)
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
    Ok(Prepared {
        summary: *summary,
        files,
    })
}

/// Trains and evaluates the baselines in the worker on the three split files.
pub async fn train(
    files: &[Blob],
    settings: &LogRegSettings,
    progress: impl Fn(f64, Option<String>) + 'static,
) -> JobResult<BaselineReport> {
    let request = Request::ImdbTrain {
        settings: *settings,
    };
    let list: Array = files.iter().collect();
    let attachments = [(attach::FILES, JsValue::from(list))];
    match pool::run(SLOT, &request, &attachments, &Array::new(), None, progress).await? {
        (Answer::ImdbTrained(report), _) => Ok(*report),
        _ => Err("The worker answered another job.".into()),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Worker side

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

thread_local! {
    /// The last archive's reviews, by file (name, size, modification time), so new seeds or sizes
    /// re-split at once instead of unpacking 84 MB again.
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
        let (value, label) = unpacking(off, size, unpacker.reviews());
        rep.say(value, Some(label));
    }
    unpacker.finish()
}

/// Prepares the splits in this worker.
pub fn prepare_here(
    name: String,
    key: String,
    settings: SplitSettings,
    data: &JsValue,
    rep: &mut Reporter,
) -> Handled {
    let t0 = now();
    let file: Blob = get(data, attach::FILE)
        .dyn_into()
        .map_err(|_| "No archive reached the worker.".to_string())?;
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
            let u = Rc::new(unpack(&file, rep)?);
            UNPACKED.with(|c| *c.borrow_mut() = Some((key, u.clone())));
            u
        }
    };
    let t1 = now();
    let prepared = prepare_splits(&un.reviews, &settings, &mut |p| {
        let (value, label) = splitting(p);
        rep.say(value, Some(label));
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
    let (files, transfer) = (Array::new(), Array::new());
    for f in &prepared.files {
        let bytes = Uint8Array::from(&f[..]);
        transfer.push(&bytes.buffer());
        files.push(&bytes);
    }
    rep.say(1.0, Some("Done".into()));
    Ok((
        Answer::ImdbPrepared(Box::new(summary)),
        vec![(attach::FILES, files.into())],
        transfer,
    ))
}

/// Trains and evaluates the baselines in this worker.
pub fn train_here(settings: LogRegSettings, data: &JsValue, rep: &mut Reporter) -> Handled {
    let reader = FileReaderSync::new().map_err(js_err)?;
    let files = get(data, attach::FILES);
    let mut progress = Training::new(&settings);
    let mut splits: Vec<Vec<(String, u8)>> = Vec::new();
    let mut buf = Vec::new();
    for (k, name) in SPLITS.iter().enumerate() {
        let (value, label) = progress.reading(k, name);
        rep.say(value, Some(label));
        let blob: Blob = js_sys::Reflect::get_u32(&files, k as u32)
            .ok()
            .and_then(|b| b.dyn_into().ok())
            .ok_or_else(|| {
                format!("{name}.csv did not reach the worker; prepare the splits again.")
            })?;
        read_blob(&reader, &blob, &mut buf)?;
        splits.push(read_split(&buf).map_err(|e| format!("{name}.csv: {e}"))?);
    }
    drop(buf);
    let report = baseline::run(
        [&splits[0], &splits[1], &splits[2]],
        &settings,
        &now,
        &mut |p| {
            let (value, label) = progress.at(&p);
            rep.say(value, Some(label));
        },
    )?;
    Ok((
        Answer::ImdbTrained(Box::new(report)),
        Vec::new(),
        Array::new(),
    ))
}
