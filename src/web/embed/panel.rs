//! `&panel=<name>`: an embedded lab shows one of its panels (an element marked `data-panel="<name>"`) and
//! hides everything beside it on the way up to the lab's body — e.g. only the tokenizer's chips on a slide.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// The panel names the page offers, in document order (for the message when a name is not one of them).
pub fn names() -> Vec<String> {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return Vec::new();
    };
    let Ok(list) = doc.query_selector_all("#main [data-panel]") else {
        return Vec::new();
    };
    let mut out: Vec<String> = (0..list.length())
        .filter_map(|i| {
            list.item(i)?
                .dyn_into::<Element>()
                .ok()?
                .get_attribute("data-panel")
        })
        .collect();
    out.dedup();
    out
}

/// Hides the siblings of `name`'s panel and of each of its ancestors below `#main`; true if it was found.
fn show_only(name: &str) -> bool {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    let sel = format!("#main [data-panel=\"{}\"]", name.replace(['"', '\\'], ""));
    let Ok(Some(panel)) = doc.query_selector(&sel) else {
        return false;
    };
    let mut el: Element = panel;
    while el.id() != "main" {
        let Some(parent) = el.parent_element() else {
            break;
        };
        let kids = parent.children();
        for i in 0..kids.length() {
            let Some(k) = kids.item(i) else { continue };
            if !js_sys::Object::is(&k, &el) {
                if let Some(h) = k.dyn_ref::<HtmlElement>() {
                    let _ = h.style().set_property("display", "none");
                    let _ = h.set_attribute("data-panel-hidden", "");
                }
            }
        }
        el = parent;
    }
    true
}

/// Shows only `name`'s panel now and as the page changes; calls `missing(names)` once if the lab has no
/// such panel a moment after it started.
pub fn only(name: String, missing: impl Fn(Vec<String>) + 'static) {
    let name = Rc::new(name);
    let n = name.clone();
    let cb = Closure::<dyn FnMut()>::new(move || {
        show_only(&n);
    });
    super::observe_main(cb.as_ref().unchecked_ref());
    cb.forget();
    if !show_only(&name) {
        wasm_bindgen_futures::spawn_local(async move {
            crate::web::tick::sleep(1500).await;
            if !show_only(&name) {
                missing(names());
            }
        });
    }
}
