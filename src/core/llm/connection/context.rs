//! What the page knows when a call fails: its origin, the endpoint, the browser.

use super::*;

/// The browser family, because each blocks local requests its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Browser {
    /// Chrome, Edge, Opera, Brave…: the local-network-access permission.
    Chromium,
    /// Safari and every iOS browser (all use WebKit): blocks https → http://localhost as mixed content.
    Safari,
    Firefox,
    Other,
}

impl Browser {
    /// A best guess from `navigator.userAgent`, only used to put the most relevant advice first.
    pub fn from_user_agent(ua: &str) -> Browser {
        if ua.contains("CriOS") || ua.contains("FxiOS") || ua.contains("EdgiOS") {
            Browser::Safari
        } else if ua.contains("Firefox/") {
            Browser::Firefox
        } else if ua.contains("Chrome/") || ua.contains("Chromium/") || ua.contains("Edg/") {
            Browser::Chromium
        } else if ua.contains("Safari/") {
            Browser::Safari
        } else {
            Browser::Other
        }
    }
}

/// What is known when a request fails: who asked, whom, from where.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// `location.origin` of the lab page, like `https://course.example` (or `null` from a file).
    pub page_origin: String,
    pub endpoint: Endpoint,
    pub kind: ApiKind,
    /// The lab runs inside another page's iframe.
    pub embedded: bool,
    pub browser: Browser,
    /// The model the failed request asked for, if any.
    pub model: Option<String>,
}

impl Context {
    pub(super) fn page_is_https(&self) -> bool {
        self.page_origin
            .trim()
            .to_ascii_lowercase()
            .starts_with("https://")
    }

    /// The page itself runs on this computer (so no local-network permission is involved).
    pub(super) fn page_is_local(&self) -> bool {
        split_origin(&self.page_origin)
            .is_some_and(|(_, host, _)| is_loopback_host(&host) || host == "0.0.0.0")
    }

    /// The page comes from this computer or the local network (a lab served from the instructor's
    /// machine), so calling a class server on the same network needs no permission.
    pub(super) fn page_is_on_local_network(&self) -> bool {
        self.page_is_local()
            || split_origin(&self.page_origin).is_some_and(|(_, host, _)| is_private_host(&host))
    }

    /// Chrome and Edge ask the student before this page may call the endpoint ("local network access"):
    /// a public page calling this computer or the local network, or a local-network page calling this
    /// computer.
    pub(super) fn needs_local_network_permission(&self) -> bool {
        matches!(self.browser, Browser::Chromium | Browser::Other)
            && ((!self.page_is_local() && self.endpoint.is_loopback())
                || (!self.page_is_on_local_network() && self.endpoint.is_private()))
    }

    /// Ollama's origin rules apply: the native API, or anything on this computer (Ollama's `/v1` shares them).
    pub(super) fn ollama_rules(&self) -> bool {
        self.kind == ApiKind::Ollama || self.endpoint.is_loopback()
    }

    /// The page and the endpoint are the same origin, so CORS does not apply.
    pub(super) fn same_origin(&self) -> bool {
        match split_origin(&self.page_origin) {
            Some((s, h, p)) => {
                s == self.endpoint.scheme
                    && h == self.endpoint.host
                    && p.and_then(|p| p.parse::<u16>().ok()) == self.endpoint.port
            }
            None => false,
        }
    }
}
