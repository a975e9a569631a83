//! Copying text to the clipboard, where the browser allows it.

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// Copies `text`; false when the clipboard is unavailable (an insecure origin, a frame without the
/// permission) or the browser refused, so the caller can show the text for copying by hand instead.
pub async fn copy_text(text: &str) -> bool {
    let Some(w) = web_sys::window() else {
        return false;
    };
    let nav = w.navigator();
    let has = js_sys::Reflect::get(&nav, &JsValue::from_str("clipboard"))
        .map(|c| !c.is_undefined() && !c.is_null())
        .unwrap_or(false);
    if !has {
        return false;
    }
    JsFuture::from(nav.clipboard().write_text(text))
        .await
        .is_ok()
}
