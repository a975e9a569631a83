//! Reading the endpoint a student types: scheme, host, port, and which API a path suffix names.

use super::*;

/// A checked, normalised endpoint: `scheme://host[:port][/prefix]`, no trailing slash, no API suffix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// What requests are built from, like `http://localhost:11434`.
    pub base: String,
    /// `http` or `https`.
    pub scheme: String,
    /// Lower-cased host; IPv6 addresses keep their brackets.
    pub host: String,
    pub port: Option<u16>,
    /// The API the typed address pointed at, when its path said so (`…/v1` → OpenAI-compatible).
    pub hint: Option<ApiKind>,
}

/// Why an endpoint was not accepted, phrased for the "Ollama endpoint" field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointError(pub String);

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EndpointError {}

/// Route suffixes a student might paste along with the address; each says which API it belongs to.
pub(super) const SUFFIXES: [(&str, ApiKind); 9] = [
    ("/api/chat", ApiKind::Ollama),
    ("/api/generate", ApiKind::Ollama),
    ("/api/tags", ApiKind::Ollama),
    ("/api/version", ApiKind::Ollama),
    ("/v1/chat/completions", ApiKind::OpenAi),
    ("/v1/completions", ApiKind::OpenAi),
    ("/v1/models", ApiKind::OpenAi),
    ("/api", ApiKind::Ollama),
    ("/v1", ApiKind::OpenAi),
];

/// Checks and normalises what was typed into the "Ollama endpoint" field.
///
/// Trims spaces, adds `http://` when no scheme is given (`localhost:11434` is what people type), lower-cases
/// scheme and host, and removes a trailing slash and one API suffix (`/api`, `/v1`, or a whole route such as
/// `/api/chat`), because the lab appends the route itself. Anything else in the path is kept as a prefix
/// (`https://openrouter.ai/api/v1` → `https://openrouter.ai/api`), for servers mounted below the root.
pub fn parse_endpoint(input: &str) -> Result<Endpoint, EndpointError> {
    let err = |m: String| Err(EndpointError(m));
    let text = input.trim();
    if text.is_empty() {
        return err(format!(
            "Enter the address where the model server listens, for example {DEFAULT_ENDPOINT}."
        ));
    }
    if text.chars().any(char::is_whitespace) {
        return err(format!("The address `{text}` contains a space; remove it."));
    }
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => ("http".to_string(), text),
    };
    if scheme != "http" && scheme != "https" {
        return err(format!(
            "`{scheme}://` is not something a web page can call: the address must start with http:// or https://."
        ));
    }
    if rest.contains(['?', '#']) {
        return err(
            "Leave out the `?…` or `#…` part: the address is only scheme, host, port (and at most a path prefix)."
                .into(),
        );
    }
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return err(
            "Leave user names and passwords out of the address; an API key goes in its own field."
                .into(),
        );
    }
    let (host, port_text) = split_host_port(authority);
    let host = host.to_ascii_lowercase();
    if host.is_empty() {
        return err(format!(
            "`{text}` has no host name: try {DEFAULT_ENDPOINT}."
        ));
    }
    let host_ok = if host.starts_with('[') {
        host.ends_with(']')
            && host[1..host.len() - 1]
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    } else {
        host.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    };
    if !host_ok {
        return err(format!("`{host}` is not a valid host name."));
    }
    let port = match port_text {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                return err(format!(
                    "The port `{p}` must be a number from 1 to 65535 (Ollama's is 11434)."
                ))
            }
        },
    };
    let mut path = path.trim_end_matches('/');
    let mut hint = None;
    for (suffix, kind) in SUFFIXES {
        // `get`: the cut may fall inside a character of what was typed (found by fuzzing).
        if path.len() >= suffix.len()
            && path
                .get(path.len() - suffix.len()..)
                .is_some_and(|end| end.eq_ignore_ascii_case(suffix))
        {
            path = path[..path.len() - suffix.len()].trim_end_matches('/');
            hint = Some(kind);
            break;
        }
    }
    let base = match port {
        Some(p) => format!("{scheme}://{host}:{p}{path}"),
        None => format!("{scheme}://{host}{path}"),
    };
    Ok(Endpoint {
        base,
        scheme,
        host,
        port,
        hint,
    })
}

/// Splits `host[:port]`, keeping an IPv6 literal's brackets. The port is `None` when absent.
pub(super) fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => {
                let rest = &authority[end + 1..];
                (&authority[..=end], rest.strip_prefix(':'))
            }
            None => (authority, None),
        };
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    }
}

/// True for names that always mean "this computer". The browser treats them as secure even over http.
pub(super) fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || host.strip_prefix("127.").is_some_and(|rest| {
            let parts: Vec<&str> = rest.split('.').collect();
            parts.len() == 3 && parts.iter().all(|p| p.parse::<u8>().is_ok())
        })
}

impl Endpoint {
    /// The full URL of a route, like `http://localhost:11434/api/chat`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The endpoint is on this computer (localhost, 127.x.x.x, [::1]).
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }

    pub fn is_https(&self) -> bool {
        self.scheme == "https"
    }

    /// The endpoint is on the local network (a class server): a private IPv4 range, link-local, an IPv6
    /// unique-local address or a `.local` name. Browsers ask before a public page may call one.
    pub fn is_private(&self) -> bool {
        is_private_host(&self.host)
    }
}

/// Private-network host names and addresses (RFC 1918, link-local, IPv6 ULA, mDNS `.local`).
pub(super) fn is_private_host(host: &str) -> bool {
    let octets: Vec<u8> = host.split('.').filter_map(|p| p.parse().ok()).collect();
    if octets.len() == 4 && host.split('.').count() == 4 {
        return match (octets[0], octets[1]) {
            (10, _) | (192, 168) | (169, 254) => true,
            (172, b) => (16..=31).contains(&b),
            _ => false,
        };
    }
    let v6 = host.trim_start_matches('[').to_ascii_lowercase();
    host.ends_with(".local")
        || (host.starts_with('[')
            && (v6.starts_with("fd") || v6.starts_with("fc") || v6.starts_with("fe80")))
}
