//! Small key/value state in `localStorage` (embed state that must survive an iframe being reloaded).

fn store() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Reads a value; `None` when absent or when storage is unavailable (private mode, blocked frames).
pub fn get(key: &str) -> Option<String> {
    store()?.get_item(key).ok()?
}

/// Writes a value; returns false when storage refused it (quota, blocked).
pub fn set(key: &str, value: &str) -> bool {
    store().is_some_and(|s| s.set_item(key, value).is_ok())
}
