//! The shape of a message on the wire: `{json, <attachments>…}`, where `json` is a protocol `Request` or
//! `Reply` and the attachments are named JS values beside it (see `core::job::protocol::attach`). Also the
//! few JS helpers both sides use.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The field holding a message's protocol JSON.
pub const JSON: &str = "json";

pub fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub fn object(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

/// A message: the protocol JSON and the attachments beside it.
pub fn envelope(json: String, attachments: &[(&str, JsValue)]) -> Object {
    let o = object(attachments);
    let _ = Reflect::set(&o, &JsValue::from_str(JSON), &JsValue::from_str(&json));
    o
}

/// The protocol JSON of a message, if it has one (worker.js's own start-up error has none).
pub fn json_of(data: &JsValue) -> Option<String> {
    get(data, JSON).as_string()
}

/// A JS error or thrown value as text.
pub fn message_of(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

/// A promise and the functions that settle it.
pub fn deferred() -> (Promise, Function, Function) {
    let mut slot = None;
    let p = Promise::new(&mut |resolve, reject| slot = Some((resolve, reject)));
    let (resolve, reject) = slot.expect("the Promise executor runs at once");
    (p, resolve, reject)
}

/// Milliseconds on the page's or the worker's clock (`performance.now`).
pub fn now() -> f64 {
    Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map_or(0.0, |p| p.now())
}
