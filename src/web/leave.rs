//! Asking before the tab is left while a save is still writing. Saved versions are safe whatever happens
//! (rows are written before the manifest that names them, each in its own transaction), but a reload in
//! the middle of a save drops the version being written; so while one runs, the browser's own "Leave
//! site? Changes you made may not be saved" question comes first.

use std::cell::Cell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

thread_local! {
    static SAVING: Cell<u32> = const { Cell::new(0) };
    static INSTALLED: Cell<bool> = const { Cell::new(false) };
}

/// A save starts (`true`) or ends (`false`); calls come in pairs. The tab asks before leaving while any
/// save runs.
pub fn saving(on: bool) {
    install();
    SAVING.with(|s| {
        s.set(if on {
            s.get() + 1
        } else {
            s.get().saturating_sub(1)
        })
    });
}

fn install() {
    if INSTALLED.with(|i| i.replace(true)) {
        return;
    }
    let Some(w) = web_sys::window() else {
        return;
    };
    let ask =
        Closure::<dyn FnMut(web_sys::BeforeUnloadEvent)>::new(|e: web_sys::BeforeUnloadEvent| {
            if SAVING.with(Cell::get) > 0 {
                e.prevent_default();
                e.set_return_value("A version is still being saved.");
            }
        });
    let _ = w.add_event_listener_with_callback("beforeunload", ask.as_ref().unchecked_ref());
    ask.forget();
}
