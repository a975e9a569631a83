//! Where in-page models come from and how the browser keeps them, as plain decisions: a URL names one
//! `.gguf` file or a folder (by default `models/` beside the lab, so an instructor serves the files once
//! for a whole class); a folder lists its models in `models.json` or in the server's own directory
//! listing; a download is checked from its first bytes and against the SHA-256 the folder announces; and
//! a model is kept only when the browser's storage has room for it. The browser side is
//! `web::model::library`.

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The URL the connection panel starts with: the folder beside the lab.
pub const DEFAULT_URL: &str = "models/";

/// The file a folder lists its models in.
pub const LISTING: &str = "models.json";

/// What a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// One model file.
    File(String),
    /// A folder of models, with the URL of its listing.
    Folder { listing: String },
}

/// What the student typed, read as a model file (a path ending in `.gguf`) or a folder.
pub fn source_of(url: &str) -> Result<Source, String> {
    let url = url.trim();
    if url.is_empty() {
        return Err(format!(
            "Type the URL of a .gguf file, or of a folder with a {LISTING} (the lab's own is {DEFAULT_URL})."
        ));
    }
    let path = url.split(['?', '#']).next().unwrap_or(url);
    if path.to_ascii_lowercase().ends_with(".gguf") {
        return Ok(Source::File(url.to_string()));
    }
    if path.to_ascii_lowercase().ends_with(".json") {
        return Ok(Source::Folder {
            listing: url.to_string(),
        });
    }
    let folder = if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    };
    Ok(Source::Folder {
        listing: format!("{folder}{LISTING}"),
    })
}

/// The file name at the end of a URL's path, percent-decoded ("SmolLM2-135M-Instruct-Q8_0.gguf").
pub fn file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path);
    percent_decode(last)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One model a folder offers; `href` is relative to the listing's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offered {
    pub href: String,
    pub name: String,
    pub size: Option<u64>,
    /// Lower-case hex, when the folder announces it: the download is checked against it.
    pub sha256: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Entry {
    Href(String),
    Described {
        #[serde(alias = "url", alias = "file", alias = "href")]
        path: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        size: Option<u64>,
        #[serde(default)]
        sha256: Option<String>,
    },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Listing {
    List(Vec<Entry>),
    Wrapped { models: Vec<Entry> },
}

fn offered(e: Entry) -> Result<Offered, String> {
    let (href, name, size, sha256) = match e {
        Entry::Href(h) => (h, None, None, None),
        Entry::Described {
            path,
            name,
            size,
            sha256,
        } => (path, name, size, sha256),
    };
    let sha256 = match sha256 {
        Some(h) => {
            let h = h.trim().to_ascii_lowercase();
            if h.len() != 64 || !h.bytes().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!(
                    "the sha256 of {href} is not 64 hexadecimal digits ('{h}'): write it as sha256sum prints it"
                ));
            }
            Some(h)
        }
        None => None,
    };
    Ok(Offered {
        name: name.unwrap_or_else(|| file_name(&href)),
        href,
        size,
        sha256,
    })
}

/// The models a folder's listing offers: a `models.json` (a list of paths, or of `{"file", "size",
/// "sha256"}` objects, or `{"models": [...]}`), or an HTML directory listing (links ending in `.gguf`,
/// as `python3 -m http.server` and nginx's autoindex serve). An empty list is an error that says what
/// to put there.
pub fn parse_listing(body: &str, listing_url: &str) -> Result<Vec<Offered>, String> {
    let trimmed = body.trim_start();
    let found = if trimmed.starts_with('[') || trimmed.starts_with('{') {
        let l: Listing = serde_json::from_str(body).map_err(|e| {
            format!("{listing_url} is not a model listing ({e}). It should be a JSON list such as [{{\"file\": \"SmolLM2-135M-Instruct-Q8_0.gguf\", \"sha256\": \"…\"}}].")
        })?;
        let entries = match l {
            Listing::List(v) | Listing::Wrapped { models: v } => v,
        };
        entries
            .into_iter()
            .map(offered)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{listing_url}: {e}"))?
    } else {
        html_links(body)
            .into_iter()
            .filter(|h| {
                h.split(['?', '#'])
                    .next()
                    .is_some_and(|p| p.to_ascii_lowercase().ends_with(".gguf"))
            })
            .map(|h| Offered {
                name: file_name(&h),
                href: h,
                size: None,
                sha256: None,
            })
            .collect()
    };
    let mut seen = std::collections::HashSet::new();
    let found: Vec<Offered> = found
        .into_iter()
        .filter(|o| seen.insert(o.href.clone()))
        .collect();
    if found.is_empty() {
        return Err(format!(
            "{listing_url} lists no .gguf models. Put the GGUF files in that folder with a {LISTING} naming them (scripts/models-listing.py writes one), or type the URL of a .gguf file."
        ));
    }
    Ok(found)
}

/// The `href` values of an HTML page's links, in order.
fn html_links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    // `get`: a page ending in `href=` leaves nothing after it (found by fuzzing).
    while let Some(i) = lower.get(at..).and_then(|l| l.find("href=")) {
        let start = at + i + 5;
        let rest = &html[start..];
        let (value, used) = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => match rest[1..].find(q) {
                Some(end) => (&rest[1..1 + end], end + 2),
                None => break,
            },
            _ => {
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '>')
                    .unwrap_or(rest.len());
                (&rest[..end], end)
            }
        };
        out.push(value.replace("&amp;", "&"));
        at = start + used.max(1);
    }
    out
}

/// Checks a file from its first bytes, before the rest is read or downloaded: a web server's error page
/// or a renamed file is named at once. `None` when it starts as a GGUF file does.
pub fn check_start(first: &[u8], what: &str) -> Option<String> {
    if first.len() >= 4 && &first[..4] == b"GGUF" {
        return None;
    }
    let looks = String::from_utf8_lossy(&first[..first.len().min(48)])
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>();
    let hint = if looks.trim_start().starts_with('<') {
        " — it is a web page, so the server probably has no such file"
    } else {
        ""
    };
    Some(format!(
        "{what} is not a GGUF model file: it starts with \"{}\" instead of 'GGUF'{hint}. Check the URL or the file, and use a .gguf model such as SmolLM2-135M-Instruct-Q8_0.gguf.",
        looks.trim()
    ))
}

/// A SHA-256 computed piece by piece while a file is read or downloaded (no second pass over it).
#[derive(Default, Clone)]
pub struct Hasher(Sha256);

impl Hasher {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// Lower-case hex, as `sha256sum` prints it.
    pub fn hex(self) -> String {
        self.0
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Whether a downloaded file is the one announced: `None` when it is (or nothing was announced).
pub fn check_sha256(name: &str, got: &str, announced: Option<&str>) -> Option<String> {
    match announced {
        Some(want) if want != got => Some(format!(
            "{name} arrived damaged: its SHA-256 is {got}, but the folder's listing says {want}. It was not kept; download it again, or ask the instructor to check the file and the listing."
        )),
        _ => None,
    }
}

/// Whether a model of `size` bytes can be kept in the browser, given `navigator.storage.estimate()`'s
/// usage and quota (`None` when the browser does not say). `Err` says why not, and that the model is
/// still used for this visit.
pub fn room_to_keep(size: f64, estimate: Option<(f64, f64)>) -> Result<(), String> {
    let Some((usage, quota)) = estimate else {
        return Ok(());
    };
    let free = (quota - usage).max(0.0);
    // The cache writes the file whole; leave room for the workspace beside it.
    if size * 1.1 > free {
        return Err(format!(
            "Not kept in this browser: it offers {} of storage to this site and the model needs {}. It runs for this visit only; remove kept models you no longer need, or free space in the browser's site settings.",
            megabytes(free),
            megabytes(size)
        ));
    }
    Ok(())
}

/// A size as the panel shows it.
pub fn megabytes(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.2} GB", bytes / 1e9)
    } else {
        format!(
            "{:.0} MB",
            (bytes / 1e6).max(if bytes > 0.0 { 1.0 } else { 0.0 })
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_that_ends_in_href_is_read_to_its_end() {
        // Found by fuzzing: the link scanner stepped past the end of the page.
        let e = parse_listing("<a href=", "http://h/models/").unwrap_err();
        assert!(e.contains("lists no .gguf models"), "{e}");
        let ok = parse_listing("<a href=a.gguf>a</a> <a href=", "http://h/models/").unwrap();
        assert_eq!(ok.len(), 1);
    }

    #[test]
    fn a_url_names_a_file_or_a_folder() {
        assert_eq!(
            source_of("models/a.gguf"),
            Ok(Source::File("models/a.gguf".into()))
        );
        assert_eq!(
            source_of(" https://x.org/m/A.GGUF?download=1 "),
            Ok(Source::File("https://x.org/m/A.GGUF?download=1".into()))
        );
        assert_eq!(
            source_of("models/"),
            Ok(Source::Folder {
                listing: "models/models.json".into()
            })
        );
        assert_eq!(
            source_of("https://x.org/class"),
            Ok(Source::Folder {
                listing: "https://x.org/class/models.json".into()
            })
        );
        assert_eq!(
            source_of("https://x.org/list.json"),
            Ok(Source::Folder {
                listing: "https://x.org/list.json".into()
            })
        );
        assert!(source_of("  ").unwrap_err().contains("models/"));
    }

    #[test]
    fn file_names_are_decoded() {
        assert_eq!(file_name("models/My%20Model.gguf?x=1"), "My Model.gguf");
        assert_eq!(file_name("a.gguf"), "a.gguf");
        assert_eq!(file_name("bad%zz%4"), "bad%zz%4");
    }

    #[test]
    fn listings_in_json_and_html() {
        let sha = "ab".repeat(32);
        let json = format!(
            r#"[{{"file": "a.gguf", "size": 10, "sha256": "{}"}}, "sub/b.gguf", "a.gguf"]"#,
            sha.to_uppercase()
        );
        let l = parse_listing(&json, "models/models.json").unwrap();
        assert_eq!(l.len(), 2, "the duplicate is listed once");
        assert_eq!(l[0].sha256.as_deref(), Some(sha.as_str()));
        assert_eq!(l[0].size, Some(10));
        assert_eq!(l[1].name, "b.gguf");
        let wrapped =
            parse_listing(r#"{"models": [{"url": "c.gguf", "name": "C"}]}"#, "x").unwrap();
        assert_eq!(wrapped[0].name, "C");
        let html = r#"<html><body><a href="..">up</a><a href="SmolLM2%20Q8.gguf">x</a> <A HREF='b.GGUF'>b</A><a href=c.gguf>c</a><a href="notes.txt">n</a>"#;
        let names: Vec<_> = parse_listing(html, "models/")
            .unwrap()
            .into_iter()
            .map(|o| o.name)
            .collect();
        assert_eq!(names, ["SmolLM2 Q8.gguf", "b.GGUF", "c.gguf"]);
    }

    #[test]
    fn bad_listings_say_what_to_do() {
        let e =
            parse_listing("<html><body>the lab</body></html>", "models/models.json").unwrap_err();
        assert!(
            e.contains("lists no .gguf models") && e.contains("models.json"),
            "{e}"
        );
        let e = parse_listing("[{\"size\": 3}]", "m.json").unwrap_err();
        assert!(e.contains("not a model listing"), "{e}");
        let e = parse_listing(r#"[{"file": "a.gguf", "sha256": "abc"}]"#, "m.json").unwrap_err();
        assert!(e.contains("64 hexadecimal digits"), "{e}");
    }

    #[test]
    fn the_first_bytes_name_what_came() {
        assert_eq!(check_start(b"GGUF\x03\0\0\0", "a.gguf"), None);
        let e = check_start(b"<!DOCTYPE html><html>", "models/a.gguf").unwrap();
        assert!(
            e.contains("web page") && e.contains("<!DOCTYPE html>"),
            "{e}"
        );
        let e = check_start(b"my notes\n", "notes.gguf").unwrap();
        assert!(e.contains("\"my notes\"") && !e.contains("web page"), "{e}");
        assert!(check_start(b"", "empty.gguf").is_some());
    }

    #[test]
    fn sha256_in_pieces_equals_one_pass() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7) as u8).collect();
        let mut h = Hasher::default();
        for c in data.chunks(4096) {
            h.update(c);
        }
        assert_eq!(h.hex(), crate::core::tokenize::ranks::sha256_hex(&data));
        let mut e = Hasher::default();
        e.update(b"");
        assert_eq!(
            e.hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(check_sha256("a", "x", Some("y"))
            .unwrap()
            .contains("damaged"));
        assert_eq!(check_sha256("a", "x", Some("x")), None);
        assert_eq!(check_sha256("a", "x", None), None);
    }

    #[test]
    fn a_model_is_kept_only_with_room() {
        assert!(room_to_keep(100e6, None).is_ok());
        assert!(room_to_keep(100e6, Some((0.0, 1e9))).is_ok());
        let e = room_to_keep(500e6, Some((600e6, 1e9))).unwrap_err();
        assert!(
            e.contains("400 MB") && e.contains("500 MB") && e.contains("this visit"),
            "{e}"
        );
        assert_eq!(megabytes(1.5e9), "1.50 GB");
        assert_eq!(megabytes(30_000_000.0), "30 MB");
        assert_eq!(megabytes(0.0), "0 MB");
    }
}
