//! Which page origins Ollama accepts by default (`OLLAMA_ORIGINS` unset), so the lab can tell before
//! calling whether the browser will be refused.

use super::*;

/// The parts of an origin (`scheme://host[:port]`), lower-cased; `None` for opaque origins like `null`.
pub(super) fn split_origin(origin: &str) -> Option<(String, String, Option<String>)> {
    let (scheme, rest) = origin.trim().split_once("://")?;
    let (host, port) = split_host_port(rest.trim_end_matches('/'));
    Some((
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase(),
        port.map(String::from),
    ))
}

/// Schemes Ollama allows from any host: desktop-app and editor webviews (its `app://*`, `file://*`,
/// `tauri://*`, `vscode-webview://*`, `vscode-file://*` defaults) and browser extensions (its CORS layer is
/// configured with `AllowBrowserExtensions`).
pub(super) const ALLOWED_SCHEMES: [&str; 9] = [
    "app",
    "file",
    "tauri",
    "vscode-webview",
    "vscode-file",
    "chrome-extension",
    "moz-extension",
    "safari-extension",
    "ms-browser-extension",
];

/// Whether Ollama, with no `OLLAMA_ORIGINS` set, accepts requests from a page with this origin.
///
/// Its defaults are `http://` and `https://` on `localhost`, `127.0.0.1` and `0.0.0.0` with any port (or
/// none), plus the schemes in [`ALLOWED_SCHEMES`]. Not included, and often surprising: `http://[::1]:8080`,
/// other `127.x` addresses, `*.localhost` names, and `null` — the origin a page opened from a `file://` path
/// actually sends, despite `file://*` being on the list.
pub fn is_default_allowed_origin(origin: &str) -> bool {
    let Some((scheme, host, port)) = split_origin(origin) else {
        return false;
    };
    if ALLOWED_SCHEMES.contains(&scheme.as_str()) {
        return true;
    }
    let port_ok = match &port {
        None => true,
        Some(p) => !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()),
    };
    (scheme == "http" || scheme == "https")
        && matches!(host.as_str(), "localhost" | "127.0.0.1" | "0.0.0.0")
        && port_ok
}
