//! Keeps every form control of an embedded lab — text, numbers, sliders, choices, checkboxes — so that a
//! slide's iframe that reveal.js unloads and loads again comes back with what the student had set.
//!
//! It works on the page's controls rather than on each lab's signals, so every lab (and each new one) is
//! covered without code of its own: a control is known by its id, else its label. Restoring sets the value
//! and fires `input` and `change` as typing would, so the lab's own handlers take it up; controls that
//! appear later (a version list filled once storage opens) are restored when they appear. File and password
//! inputs are never kept.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

use crate::core::embed::{form_from_json, form_json, unique_keys, FormState};
use crate::web::storage;

/// How long controls that have not appeared yet are waited for.
const RESTORE_FOR_MS: f64 = 20_000.0;

/// A control's kept value: "true"/"false" for a checkbox or radio button, else its value.
fn value_of(el: &Element) -> Option<String> {
    if let Some(i) = el.dyn_ref::<HtmlInputElement>() {
        return match i.type_().as_str() {
            "file" | "password" | "hidden" | "button" | "submit" | "reset" | "image" => None,
            "checkbox" | "radio" => Some(i.checked().to_string()),
            _ => Some(i.value()),
        };
    }
    if let Some(s) = el.dyn_ref::<HtmlSelectElement>() {
        return Some(s.value());
    }
    el.dyn_ref::<HtmlTextAreaElement>().map(|t| t.value())
}

/// Sets a control's value as the student would; returns whether it now holds it (a choice whose option
/// is not there yet does not).
fn restore(el: &Element, v: &str) -> bool {
    if value_of(el).as_deref() == Some(v) {
        return true;
    }
    if let Some(i) = el.dyn_ref::<HtmlInputElement>() {
        match i.type_().as_str() {
            "checkbox" | "radio" => i.set_checked(v == "true"),
            _ => i.set_value(v),
        }
    } else if let Some(s) = el.dyn_ref::<HtmlSelectElement>() {
        s.set_value(v);
    } else if let Some(t) = el.dyn_ref::<HtmlTextAreaElement>() {
        t.set_value(v);
    }
    for name in ["input", "change"] {
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        if let Ok(e) = web_sys::Event::new_with_event_init_dict(name, &init) {
            let _ = el.dispatch_event(&e);
        }
    }
    value_of(el).as_deref() == Some(v)
}

/// The lab's controls with their keys, in document order.
fn controls() -> Vec<(String, Element)> {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return Vec::new();
    };
    let Ok(list) = doc.query_selector_all("#main input, #main select, #main textarea") else {
        return Vec::new();
    };
    let mut els = Vec::new();
    let mut names = Vec::new();
    for i in 0..list.length() {
        let Some(el) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
            continue;
        };
        if value_of(&el).is_none() || el.has_attribute("data-nokeep") {
            continue;
        }
        // The wrapping label's text names a checkbox drawn as `<label><input> Show ids</label>`.
        let wrapped = el
            .closest("label")
            .ok()
            .flatten()
            .and_then(|l| l.text_content())
            .map(|t| t.trim().to_string());
        let name = [el.id(), el.get_attribute("aria-label").unwrap_or_default()]
            .into_iter()
            .chain(el.get_attribute("name"))
            .chain(wrapped)
            .find(|s| !s.is_empty());
        if let Some(name) = name {
            names.push(name);
            els.push(el);
        }
    }
    unique_keys(&names).into_iter().zip(els).collect()
}

/// Keeps the lab's controls under `key` from now on, restoring what was kept before.
pub fn keep(key: String) {
    let pending: Rc<RefCell<FormState>> = Rc::new(RefCell::new(
        storage::get(&key)
            .map(|s| form_from_json(&s))
            .unwrap_or_default(),
    ));
    let restoring = Rc::new(Cell::new(false));

    // Every change is written at once: reveal.js unloads the frame right after `slide:stop`.
    let save = {
        let (pending, restoring, key) = (pending.clone(), restoring.clone(), key.clone());
        move || {
            if restoring.get() {
                return;
            }
            let mut state = pending.borrow().clone();
            for (k, el) in controls() {
                if let Some(v) = value_of(&el) {
                    state.insert(k, v);
                }
            }
            let (json, _) = form_json(&state);
            storage::set(&key, &json);
        }
    };
    let on_change = Closure::<dyn FnMut()>::new(save);
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        for name in ["input", "change"] {
            let _ = doc.add_event_listener_with_callback(name, on_change.as_ref().unchecked_ref());
        }
    }
    on_change.forget();

    if pending.borrow().is_empty() {
        return;
    }
    let apply = {
        let (pending, restoring) = (pending.clone(), restoring.clone());
        move || {
            if pending.borrow().is_empty() {
                return;
            }
            restoring.set(true);
            for (k, el) in controls() {
                let want = pending.borrow().get(&k).cloned();
                if let Some(v) = want {
                    if restore(&el, &v) {
                        pending.borrow_mut().remove(&k);
                    }
                }
            }
            restoring.set(false);
        }
    };
    // Now (the lab is mounted), and whenever the page changes until everything is back or time is up.
    apply();
    let start = crate::web::tick::now_ms();
    let observer_cb = Closure::<dyn FnMut(js_sys::Array, web_sys::MutationObserver)>::new(
        move |_: js_sys::Array, obs: web_sys::MutationObserver| {
            apply();
            if pending.borrow().is_empty() || crate::web::tick::now_ms() - start > RESTORE_FOR_MS {
                obs.disconnect();
            }
        },
    );
    super::observe_main(observer_cb.as_ref().unchecked_ref());
    observer_cb.forget();
}
