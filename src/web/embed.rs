//! Embedding in a slide: tell the parent page how tall the lab is, so it can size the iframe (the
//! convention Observable-style embeds use). Only the height is sent.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Posts `{type: "datalab:resize", height}` to the parent now and whenever the page's height changes.
pub fn post_height_to_parent() {
    let Some(w) = web_sys::window() else { return };
    let Some(body) = w.document().and_then(|d| d.body()) else {
        return;
    };
    let post = move || {
        let Some(w) = web_sys::window() else { return };
        let Ok(Some(parent)) = w.parent() else { return };
        let height = w
            .document()
            .and_then(|d| d.document_element())
            .map_or(0, |e| e.scroll_height());
        let msg = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&msg, &"type".into(), &"datalab:resize".into());
        let _ = js_sys::Reflect::set(&msg, &"height".into(), &height.into());
        let _ = parent.post_message(&msg, "*");
    };
    let observer_cb = Closure::<dyn FnMut()>::new(post);
    if let Ok(observer) = web_sys::ResizeObserver::new(observer_cb.as_ref().unchecked_ref()) {
        observer.observe(&body);
        // The observer lives as long as the page.
        std::mem::forget(observer);
    }
    observer_cb.forget();
}

/// Whether the lab runs inside another page's frame (a slide): a cross-origin iframe then needs the
/// embedding page to grant local-network access before the lab may call Ollama on localhost.
pub fn is_embedded() -> bool {
    let Some(w) = web_sys::window() else {
        return false;
    };
    match (w.top(), w.self_()) {
        (Ok(Some(top)), me) => !js_sys::Object::is(&top, &me),
        _ => true,
    }
}
