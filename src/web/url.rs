//! Reading and rewriting the page's query string (the state a shared link carries).

use crate::core::urlstate::Query;

/// The current query (`location.search`).
pub fn current_query() -> Query {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    Query::parse(&search)
}

/// Replaces the query without reloading or adding a history entry.
pub fn replace_query(q: &Query) {
    let Some(w) = web_sys::window() else { return };
    let path = w.location().pathname().unwrap_or_default();
    let hash = w.location().hash().unwrap_or_default();
    let url = format!("{path}{}{hash}", q.to_search());
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// The page's own address with a different query: for "open full lab" links and share links.
pub fn href_with(q: &Query) -> String {
    let Some(w) = web_sys::window() else {
        return q.to_search();
    };
    let loc = w.location();
    format!(
        "{}{}{}",
        loc.origin().unwrap_or_default(),
        loc.pathname().unwrap_or_default(),
        q.to_search()
    )
}

/// True when the page is shown inside a frame (a slide).
pub fn in_frame() -> bool {
    let Some(w) = web_sys::window() else {
        return false;
    };
    match (w.top(), w.self_()) {
        (Ok(Some(top)), me) => !js_sys::Object::is(&top, &me),
        _ => true,
    }
}
