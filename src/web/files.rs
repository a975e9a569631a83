//! Downloads (exports) and reading files a student picks.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Offers `data` as a file download named `name`.
pub fn download(name: &str, mime: &str, data: &[u8]) -> Result<(), String> {
    let err = |e: JsValue| format!("the download could not start: {e:?}");
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(data));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).map_err(err)?;
    download_blob(name, &blob)
}

/// Largest file the lab reads into the page.
pub const MAX_READ_BYTES: f64 = 64.0 * 1024.0 * 1024.0;

/// Reads the first file chosen in an `<input type=file>` as UTF-8 text; None when nothing was chosen.
pub async fn read_chosen_text(
    input: &web_sys::HtmlInputElement,
) -> Option<Result<(String, String), String>> {
    let file = input.files()?.get(0)?;
    let name = file.name();
    if file.size() > MAX_READ_BYTES {
        return Some(Err(format!(
            "{name} is {:.0} MB; the lab reads files up to {:.0} MB. Use a smaller sample.",
            file.size() / 1e6,
            MAX_READ_BYTES / 1e6
        )));
    }
    let buf = match JsFuture::from(file.array_buffer()).await {
        Ok(b) => b,
        Err(e) => return Some(Err(format!("{name} could not be read: {e:?}"))),
    };
    let bytes = js_sys::Uint8Array::new(&buf).to_vec();
    Some(match String::from_utf8(bytes) {
        Ok(s) => Ok((name, s)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            Err(format!(
                "{name} is not UTF-8 text (invalid bytes at byte {at}). Save it as UTF-8, or pick a text, JSON or JSONL file."
            ))
        }
    })
}

/// Reads a file's bytes, refusing files over `limit` bytes before reading them (the message states the
/// limit). Returns the file's name and bytes.
pub async fn read_file_bytes(
    file: &web_sys::File,
    limit: f64,
) -> Result<(String, Vec<u8>), String> {
    let name = file.name();
    if file.size() > limit {
        return Err(format!(
            "{name} is {:.1} MB ({} bytes); the lab imports files up to {:.0} MB ({} bytes). Split it into smaller files (e.g. JSONL parts) and import them one by one.",
            file.size() / 1_048_576.0,
            file.size(),
            limit / 1_048_576.0,
            limit
        ));
    }
    let buf = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{name} could not be read: {e:?}"))?;
    Ok((name, js_sys::Uint8Array::new(&buf).to_vec()))
}

/// The first file of an `<input type=file>`, if one was chosen.
pub fn chosen_file(input: &web_sys::HtmlInputElement) -> Option<web_sys::File> {
    input.files()?.get(0)
}

/// Offers a Blob the page already holds as a download named `name` (no copy into wasm memory).
pub fn download_blob(name: &str, blob: &web_sys::Blob) -> Result<(), String> {
    let err = |e: JsValue| format!("the download could not start: {e:?}");
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let url = web_sys::Url::create_object_url_with_blob(blob).map_err(err)?;
    let a: web_sys::HtmlAnchorElement = doc.create_element("a").map_err(err)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.style().set_property("display", "none").map_err(err)?;
    let body = doc.body().ok_or("no body")?;
    body.append_child(&a).map_err(err)?;
    a.click();
    a.remove();
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ =
            // Revoke later: revoking at once can cancel the download in some browsers.
            w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    }
    Ok(())
}
