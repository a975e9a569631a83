//! Small key/value state: the frame's own `localStorage`, or — in a slide whose frame is denied it — the host
//! page's, through `embed-host.js` (see `web::embed`). Either way callers read and write synchronously: the
//! host's copy is fetched once before the lab starts and every write is sent on at once.

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::core::embed::{ToHost, MAX_KEPT_BYTES};

thread_local! {
    /// What the host page keeps for this origin, when it is the store (`None`: it is not).
    static HOST: RefCell<Option<BTreeMap<String, String>>> = const { RefCell::new(None) };
}

/// The frame's own storage, if reading it works (a denied cross-site frame throws on access).
pub fn local() -> Option<web_sys::Storage> {
    let s = web_sys::window()?.local_storage().ok()??;
    s.length().ok()?;
    Some(s)
}

/// Makes the host page the store, starting from what it already keeps.
pub fn use_host(items: BTreeMap<String, String>) {
    HOST.with(|h| *h.borrow_mut() = Some(items));
}

/// Whether the host page is the store.
pub fn on_host() -> bool {
    HOST.with(|h| h.borrow().is_some())
}

/// Reads a value; `None` when absent or when storage is unavailable (private mode, blocked frames).
pub fn get(key: &str) -> Option<String> {
    if let Some(v) = HOST.with(|h| h.borrow().as_ref().map(|m| m.get(key).cloned())) {
        return v;
    }
    local()?.get_item(key).ok()?
}

/// Writes a value; returns false when storage refused it (quota, blocked, too large for the host).
pub fn set(key: &str, value: &str) -> bool {
    if on_host() {
        if key.len() + value.len() > MAX_KEPT_BYTES {
            return false;
        }
        HOST.with(|h| {
            if let Some(m) = h.borrow_mut().as_mut() {
                m.insert(key.to_string(), value.to_string());
            }
        });
        return crate::web::embed::post_to_host(&ToHost::Keep {
            key: key.to_string(),
            value: Some(value.to_string()),
        });
    }
    local().is_some_and(|s| s.set_item(key, value).is_ok())
}
