//! The browser side of `core::model::library`: reading a picked GGUF file or downloading one (in pieces,
//! hashed as they come, checked from the first bytes, with progress and Cancel), a folder's listing, and
//! the models kept in the browser's Cache Storage (so a class downloads a model once, not every visit).

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Blob, Cache, Headers, ReadableStreamDefaultReader, RequestInit, Response,
    ResponseInit,
};

use crate::core::job::{Ended, JobResult};
use crate::core::model::library::{check_start, file_name, parse_listing, Hasher, Offered};
use crate::web::worker::transport::message_of;

/// The cache the models are kept in (versioned, so a change of layout starts afresh).
const CACHE: &str = "datalab-models-v1";
const H_NAME: &str = "x-datalab-name";
const H_SIZE: &str = "x-datalab-size";
const H_SHA: &str = "x-datalab-sha256";
const H_SOURCE: &str = "x-datalab-source";

/// A picked file is read in pieces of this size: the page draws and hears Cancel between them.
const PIECE: f64 = 8.0 * 1024.0 * 1024.0;

/// A model file read into the page, with its SHA-256.
pub struct Read {
    pub bytes: Uint8Array,
    pub sha256: String,
}

/// A model kept in this browser.
#[derive(Clone, Debug, PartialEq)]
pub struct Kept {
    /// The cache key: the URL it came from, or a key of the lab's for a picked file.
    pub key: String,
    pub name: String,
    pub size: f64,
    pub sha256: String,
    /// Where it came from, as the student gave it ("picked from disk" or the URL).
    pub source: String,
}

thread_local! {
    /// The model loaded now: its cache key and SHA-256 (the panel is drawn again when the API changes).
    static IN_USE: std::cell::RefCell<Option<(String, String)>> = const { std::cell::RefCell::new(None) };
}

/// The cache key and SHA-256 of the model loaded now.
pub fn in_use() -> Option<(String, String)> {
    IN_USE.with(|u| u.borrow().clone())
}

/// Records which model is loaded.
pub fn set_in_use(key: Option<(String, String)>) {
    IN_USE.with(|u| *u.borrow_mut() = key);
}

/// `url` made absolute against the page (what `fetch` would ask for).
pub fn absolute(url: &str) -> String {
    let base = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .unwrap_or_default();
    web_sys::Url::new_with_base(url, &base)
        .map(|u| u.href())
        .unwrap_or_else(|_| url.to_string())
}

/// The cache key of a file picked from disk.
pub fn picked_key(name: &str) -> String {
    absolute(&format!(
        "datalab-picked-model/{}",
        js_sys::encode_uri_component(name)
    ))
}

async fn cache() -> Result<Cache, String> {
    let caches = web_sys::window()
        .ok_or("no window")?
        .caches()
        .map_err(|_| {
            "This browser does not let the page keep files (the page is not served over HTTPS or from localhost, or storage is blocked). The model runs for this visit only.".to_string()
        })?;
    let c = JsFuture::from(caches.open(CACHE)).await.map_err(|e| {
        format!(
            "The browser's cache could not be opened: {}",
            message_of(&e)
        )
    })?;
    Ok(c.unchecked_into())
}

fn header(h: &Headers, name: &str) -> String {
    h.get(name).ok().flatten().unwrap_or_default()
}

/// The models kept in this browser, oldest first.
pub async fn kept() -> Result<Vec<Kept>, String> {
    let cache = cache().await?;
    let keys: Array = JsFuture::from(cache.keys())
        .await
        .map_err(|e| message_of(&e))?
        .unchecked_into();
    let mut out = Vec::new();
    for req in keys.iter() {
        let req: web_sys::Request = req.unchecked_into();
        let Ok(resp) = JsFuture::from(cache.match_with_request(&req)).await else {
            continue;
        };
        let Ok(resp) = resp.dyn_into::<Response>() else {
            continue;
        };
        let h = resp.headers();
        out.push(decoded(Kept {
            key: req.url(),
            name: header(&h, H_NAME),
            size: header(&h, H_SIZE).parse().unwrap_or(0.0),
            sha256: header(&h, H_SHA),
            source: header(&h, H_SOURCE),
        }));
    }
    Ok(out)
}

/// A copy of `bytes` to keep (the array itself is handed over to the worker).
pub fn blob_of(bytes: &Uint8Array) -> Result<Blob, String> {
    Blob::new_with_u8_array_sequence(&Array::of1(bytes)).map_err(|e| {
        format!(
            "Not kept in this browser: there was no memory for a copy ({}). The model runs for this visit only.",
            message_of(&e)
        )
    })
}

/// Keeps a model's bytes (see [`blob_of`]) under `k.key`, with its name, size, SHA-256 and source.
pub async fn keep(k: &Kept, blob: &Blob) -> Result<(), String> {
    let cache = cache().await?;
    let headers = Headers::new().map_err(|e| message_of(&e))?;
    let set = |n: &str, v: &str| headers.set(n, v).map_err(|e| message_of(&e));
    set("content-type", "application/octet-stream")?;
    // Header values are Latin-1: names and URLs go in encoded.
    set(H_NAME, &String::from(js_sys::encode_uri_component(&k.name)))?;
    set(H_SIZE, &k.size.to_string())?;
    set(H_SHA, &k.sha256)?;
    set(
        H_SOURCE,
        &String::from(js_sys::encode_uri_component(&k.source)),
    )?;
    let init = ResponseInit::new();
    init.set_headers(&headers);
    let resp =
        Response::new_with_opt_blob_and_init(Some(blob), &init).map_err(|e| message_of(&e))?;
    JsFuture::from(cache.put_with_str(&k.key, &resp))
        .await
        .map_err(|e| {
            format!(
                "Not kept in this browser ({}). The model runs for this visit only; remove kept models you no longer need.",
                message_of(&e)
            )
        })?;
    Ok(())
}

/// Decodes what [`keep`] encoded.
fn decoded(k: Kept) -> Kept {
    let dec = |s: &str| {
        js_sys::decode_uri_component(s)
            .map(String::from)
            .unwrap_or_else(|_| s.to_string())
    };
    Kept {
        name: dec(&k.name),
        source: dec(&k.source),
        ..k
    }
}

/// The bytes of a kept model.
pub async fn read_kept(key: &str) -> Result<Uint8Array, String> {
    let cache = cache().await?;
    let resp = JsFuture::from(cache.match_with_str(key))
        .await
        .map_err(|e| message_of(&e))?;
    let resp: Response = resp
        .dyn_into()
        .map_err(|_| "This model is no longer kept in the browser (it was removed or the browser cleared its storage). Download or pick it again.".to_string())?;
    let buf = JsFuture::from(resp.array_buffer().map_err(|e| message_of(&e))?)
        .await
        .map_err(|e| format!("The kept model could not be read: {}", message_of(&e)))?;
    Ok(Uint8Array::new(&buf))
}

/// Removes a kept model.
pub async fn remove(key: &str) -> Result<(), String> {
    let cache = cache().await?;
    JsFuture::from(cache.delete_with_str(key))
        .await
        .map(|_| ())
        .map_err(|e| message_of(&e))
}

/// Reads a picked file in pieces: its first bytes are checked before the rest is read, the SHA-256 is
/// computed on the way, `progress(done, total)` hears each piece, and `cancelled()` stops between pieces.
pub async fn read_file(
    file: &web_sys::File,
    progress: &dyn Fn(f64, Option<f64>),
    cancelled: &dyn Fn() -> bool,
) -> JobResult<Read> {
    let (name, size) = (file.name(), file.size());
    let bytes = Uint8Array::new_with_length(size as u32);
    let mut hasher = Hasher::default();
    let mut at = 0.0;
    loop {
        let end = (at + PIECE).min(size);
        let piece = file
            .slice_with_f64_and_f64(at, end)
            .map_err(|e| Ended::Failed(message_of(&e)))?;
        let buf = JsFuture::from(piece.array_buffer()).await.map_err(|e| {
            Ended::Failed(format!(
                "The browser could not read {name}: {}. Pick the file again.",
                message_of(&e)
            ))
        })?;
        if cancelled() {
            return Err(Ended::Cancelled);
        }
        let piece = Uint8Array::new(&buf);
        let copy = piece.to_vec();
        if at == 0.0 {
            if let Some(e) = check_start(&copy, &name) {
                return Err(Ended::Failed(e));
            }
        }
        hasher.update(&copy);
        bytes.set(&piece, at as u32);
        at = end;
        progress(at, Some(size));
        if at >= size {
            break;
        }
    }
    Ok(Read {
        bytes,
        sha256: hasher.hex(),
    })
}

/// The body collected so far: one array of the announced length, or pieces when the length is unknown
/// (or the server sent more than it announced).
enum Body {
    Sized { bytes: Uint8Array, len: u32 },
    Pieces(Vec<Uint8Array>, u32),
}

impl Body {
    fn push(&mut self, piece: &Uint8Array) {
        match self {
            Body::Sized { bytes, len } if *len + piece.length() <= bytes.length() => {
                bytes.set(piece, *len);
                *len += piece.length();
            }
            Body::Sized { bytes, len } => {
                let got = bytes.subarray(0, *len).slice(0, *len);
                *self = Body::Pieces(
                    vec![got, piece.slice(0, piece.length())],
                    *len + piece.length(),
                );
            }
            Body::Pieces(v, n) => {
                *n += piece.length();
                v.push(piece.slice(0, piece.length()));
            }
        }
    }

    fn len(&self) -> u32 {
        match self {
            Body::Sized { len, .. } => *len,
            Body::Pieces(_, n) => *n,
        }
    }

    fn finish(self) -> Uint8Array {
        match self {
            Body::Sized { bytes, len } if len == bytes.length() => bytes,
            Body::Sized { bytes, len } => bytes.slice(0, len),
            Body::Pieces(v, n) => {
                let out = Uint8Array::new_with_length(n);
                let mut at = 0;
                for p in v {
                    out.set(&p, at);
                    at += p.length();
                }
                out
            }
        }
    }
}

async fn get(url: &str, signal: Option<&AbortSignal>) -> Result<Response, Ended> {
    let init = RequestInit::new();
    if let Some(s) = signal {
        init.set_signal(Some(s));
    }
    let window = web_sys::window().ok_or(Ended::Failed("no window".into()))?;
    let resp = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| {
            if signal.is_some_and(AbortSignal::aborted) {
                Ended::Cancelled
            } else {
                Ended::Failed(format!(
                    "Could not download {url}: {}. Check the address; a server on another site must allow this page (CORS).",
                    message_of(&e)
                ))
            }
        })?;
    let resp: Response = resp.unchecked_into();
    if !resp.ok() {
        return Err(Ended::Failed(format!(
            "Could not download {url}: the server answered {} {}. Check the address (the lab's own folder is models/ beside it).",
            resp.status(),
            resp.status_text()
        )));
    }
    Ok(resp)
}

/// Downloads a model: the first bytes are checked before the rest comes, the SHA-256 is computed on the
/// way, `progress(done, total)` hears each piece, and aborting `signal` cancels. A download that stops
/// short of its announced length is an error, never a model.
pub async fn download(
    url: &str,
    progress: &dyn Fn(f64, Option<f64>),
    signal: &AbortSignal,
) -> JobResult<Read> {
    let name = file_name(url);
    let resp = get(url, Some(signal)).await?;
    // A compressed answer's length is not the file's.
    let encoded = resp
        .headers()
        .get("content-encoding")
        .ok()
        .flatten()
        .is_some();
    let total = resp
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|_| !encoded);
    let mut body = match total {
        Some(t) if t <= u32::MAX as f64 => Body::Sized {
            bytes: Uint8Array::new_with_length(t as u32),
            len: 0,
        },
        _ => Body::Pieces(Vec::new(), 0),
    };
    let reader: ReadableStreamDefaultReader = resp
        .body()
        .ok_or(Ended::Failed(format!("{url} came with no body.")))?
        .get_reader()
        .unchecked_into();
    let mut hasher = Hasher::default();
    let (mut first, mut checked) = (Vec::new(), false);
    loop {
        let chunk = match JsFuture::from(reader.read()).await {
            Ok(c) => c,
            Err(_) if signal.aborted() => return Err(Ended::Cancelled),
            Err(e) => {
                return Err(Ended::Failed(format!(
                    "The download of {name} broke off after {:.0} MB ({}). Nothing was kept; download it again.",
                    body.len() as f64 / 1e6,
                    message_of(&e)
                )))
            }
        };
        if Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true)
        {
            break;
        }
        let piece: Uint8Array = match Reflect::get(&chunk, &"value".into()) {
            Ok(v) => v.unchecked_into(),
            Err(_) => break,
        };
        let copy = piece.to_vec();
        if !checked {
            first.extend_from_slice(&copy[..copy.len().min(8 - first.len())]);
            if first.len() == 8 {
                checked = true;
                if let Some(e) = check_start(&first, url) {
                    let _ = reader.cancel();
                    return Err(Ended::Failed(e));
                }
            }
        }
        hasher.update(&copy);
        body.push(&piece);
        progress(body.len() as f64, total);
    }
    if signal.aborted() {
        return Err(Ended::Cancelled);
    }
    if !checked {
        if let Some(e) = check_start(&first, url) {
            return Err(Ended::Failed(e));
        }
    }
    let got = body.len() as f64;
    if let Some(t) = total {
        if got < t {
            return Err(Ended::Failed(format!(
                "The download of {name} stopped after {got} of {t} bytes. Nothing was kept; download it again."
            )));
        }
    }
    Ok(Read {
        bytes: body.finish(),
        sha256: hasher.hex(),
    })
}

/// The models a folder's listing offers, with their URLs made absolute against the listing's.
pub async fn listing(listing_url: &str) -> Result<Vec<Offered>, String> {
    let resp = get(listing_url, None).await.map_err(|e| match e {
        Ended::Failed(m) => format!(
            "{m} A folder of models needs a models.json listing them (scripts/models-listing.py writes one), or type the URL of a .gguf file."
        ),
        Ended::Cancelled => Ended::Cancelled.message(),
    })?;
    let base = resp.url();
    let text = JsFuture::from(resp.text().map_err(|e| message_of(&e))?)
        .await
        .map_err(|e| message_of(&e))?
        .as_string()
        .unwrap_or_default();
    let mut found = parse_listing(&text, listing_url)?;
    for o in &mut found {
        o.href = web_sys::Url::new_with_base(&o.href, &base)
            .map(|u| u.href())
            .unwrap_or_else(|_| o.href.clone());
    }
    Ok(found)
}
