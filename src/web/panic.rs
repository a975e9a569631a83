//! A panic hook that shows an error panel, so a bug never leaves a student looking at a dead page.
//!
//! The panel is built with plain DOM calls (the reactive system may be the thing that failed) and the
//! message is set as text, never as HTML.

use wasm_bindgen::JsCast;

/// Installs the hook: log to the console as usual, then show the panel.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_error_panel(&info.to_string());
    }));
}

/// Shows (or updates) the error panel with `message`.
pub fn show_error_panel(message: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = doc.body() else { return };
    let panel = match doc.get_element_by_id("error-panel") {
        Some(p) => p,
        None => {
            let Ok(p) = doc.create_element("section") else {
                return;
            };
            p.set_id("error-panel");
            let _ = p.set_attribute("role", "alert");
            let _ = p.set_attribute("data-testid", "error-panel");
            let _ = body.prepend_with_node_1(&p);
            p
        }
    };
    panel.set_text_content(None);
    let add = |tag: &str, text: &str| {
        if let Ok(el) = doc.create_element(tag) {
            el.set_text_content(Some(text));
            let _ = panel.append_child(&el);
            Some(el)
        } else {
            None
        }
    };
    add("h2", "Something went wrong in the lab");
    add(
        "p",
        "This is a bug in datalab, not something you did, and nothing saved is lost: dataset and tokenizer \
         versions, runs and settings are kept in this browser, and the workbench's text is in the address bar. \
         Reload to carry on; if it happens again, copy the details below into an issue.",
    );
    add("pre", message);
    if let Some(a) = add("a", "Reload the lab") {
        let _ = a.set_attribute("href", "");
        if let Ok(a) = a.dyn_into::<web_sys::HtmlElement>() {
            a.set_class_name("button");
        }
    }
}

/// Panics on purpose, so the browser tests can prove the error panel appears. Harmless: it only shows
/// the panel a real bug would.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = datalabTestPanic)]
pub fn test_panic(message: &str) {
    panic!("test panic requested: {message}");
}
