//! A page's state as URL query parameters, so that a link reproduces the view.
//!
//! Pure string work (percent-encoding, parsing); the browser side only reads and writes `location.search`.

/// Query parameters, in order. Later duplicates win on lookup.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    /// Parses `?a=1&b=x%20y` (the leading `?` is optional; `+` is a space).
    pub fn parse(s: &str) -> Query {
        let s = s.strip_prefix('?').unwrap_or(s);
        Query(
            s.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Sets or (with `None`) removes a parameter, keeping the order of the others.
    pub fn set(&mut self, key: &str, value: Option<&str>) {
        let pos = self.0.iter().position(|(k, _)| k == key);
        self.0.retain(|(k, _)| k != key);
        if let Some(v) = value {
            let at = pos.unwrap_or(self.0.len()).min(self.0.len());
            self.0.insert(at, (key.to_string(), v.to_string()));
        }
    }

    /// `?a=1&b=x%20y`, or the empty string when there is nothing.
    pub fn to_search(&self) -> String {
        if self.0.is_empty() {
            return String::new();
        }
        let body: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        format!("?{}", body.join("&"))
    }
}

/// Percent-encodes everything but unreserved characters (and `,`, which keeps lists readable).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b',') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` and `+`; malformed escapes are kept as they are, invalid UTF-8 becomes `�`.
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = |x: u8| (x as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            x => out.push(x),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut q = Query::default();
        q.set("lab", Some("tokenizer"));
        q.set("text", Some("Hello, wörld & <|endoftext|>\n"));
        q.set("enc", Some("gpt2,cl100k_base"));
        let s = q.to_search();
        assert!(s.starts_with("?lab=tokenizer&text=Hello,%20w%C3%B6rld"));
        assert_eq!(Query::parse(&s), q);
    }

    #[test]
    fn parse_forms() {
        let q = Query::parse("?embed=1&text=a+b&x&text=c%ZZ%4");
        assert_eq!(q.get("embed"), Some("1"));
        assert_eq!(q.get("x"), Some(""));
        assert_eq!(q.get("text"), Some("c%ZZ%4"));
        assert_eq!(Query::parse("").0.len(), 0);
    }

    #[test]
    fn set_keeps_order_and_removes() {
        let mut q = Query::parse("a=1&b=2&c=3");
        q.set("b", Some("9"));
        assert_eq!(q.to_search(), "?a=1&b=9&c=3");
        q.set("a", None);
        assert_eq!(q.to_search(), "?b=9&c=3");
    }
}

/// A short stable key for a query string (FNV-1a, hex): names the stored state of an embedded lab, so an
/// iframe recreated with its original `src` finds what the student had typed.
pub fn state_key(search: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in search.as_bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod key_tests {
    #[test]
    fn state_key_is_stable() {
        assert_eq!(super::state_key("?embed=1"), super::state_key("?embed=1"));
        assert_ne!(
            super::state_key("?embed=1"),
            super::state_key("?embed=1&text=a")
        );
        assert_eq!(super::state_key("").len(), 16);
    }
}
