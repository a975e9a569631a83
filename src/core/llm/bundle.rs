//! Run bundles: a model run recorded once, by an instructor, and replayed by every student with no model.
//!
//! A bundle holds every request a generation, reflection or rubric run sent — its route and JSON body —
//! and every answer as the server streamed it, line by line with the time each line arrived. Replay looks
//! a request up by route and body (canonical JSON, so key order does not matter) and feeds the recorded
//! lines to the same decoder a live answer goes through; a request the bundle does not hold is named,
//! never invented. The bundle carries the model, its digest from `/api/tags`, the lab version and a hash
//! of its own content, so a bundle edited by hand or made by another version is recognised on loading.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::connection::ApiKind;
use crate::core::tokenize::ranks::sha256_hex;

/// The `format` field of every bundle this version writes.
pub const BUNDLE_FORMAT: &str = "datalab-run-bundle/1";

/// One request and the answer it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedCall {
    /// The route, like `/api/generate`.
    pub path: String,
    /// The request body as sent.
    pub body: Value,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The answer's lines as they arrived: milliseconds since the request was sent, and the line.
    pub lines: Vec<(f64, String)>,
}

/// A recorded run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunBundle {
    pub format: String,
    /// The lab version that recorded it (requests are replayed only by the same version: another one may
    /// phrase its requests differently).
    pub lab_version: String,
    /// Which lab recorded it: `generate`, `refine` or `rubric`.
    pub lab: String,
    /// When it was recorded (ISO 8601).
    pub created: String,
    pub api: ApiKind,
    /// The server it was recorded against (for the record; replay sends nothing anywhere).
    pub endpoint: String,
    pub model: String,
    /// The model's digest from `/api/tags`, when the server reported one.
    pub digest: Option<String>,
    /// The run's settings as the lab describes them (shown when a student's settings differ).
    pub settings: Value,
    pub calls: Vec<RecordedCall>,
    /// SHA-256 of the bundle written with this field empty.
    pub hash: String,
}

/// The canonical form of a request, for looking it up: route and body with sorted keys.
pub fn request_key(path: &str, body: &Value) -> String {
    // serde_json's map is ordered by key (no `preserve_order`), so this is canonical.
    format!(
        "{path}\n{}",
        serde_json::to_string(body).unwrap_or_default()
    )
}

impl RunBundle {
    /// The hash of this bundle's content (everything but `hash`).
    pub fn content_hash(&self) -> String {
        let mut b = self.clone();
        b.hash = String::new();
        sha256_hex(serde_json::to_string(&b).unwrap_or_default().as_bytes())
    }

    /// Sets `hash`; call once the bundle is complete.
    pub fn seal(mut self) -> RunBundle {
        self.hash = self.content_hash();
        self
    }

    /// The file students load.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Reads a bundle file, refusing one that is not a bundle, was recorded by another lab version (checked
    /// first: another version may hash differently) or was edited (hash mismatch) — each with what to do.
    pub fn load(text: &str, lab_version: &str) -> Result<RunBundle, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| {
            format!("This file is not a run bundle: it is not valid JSON ({e}). Load the .json file the instructor exported with \"Export run bundle\".")
        })?;
        let format = v.get("format").and_then(Value::as_str).unwrap_or("");
        if format != BUNDLE_FORMAT {
            return Err(if format.is_empty() {
                "This file is not a run bundle: it has no \"format\" field. Load the .json file the instructor exported with \"Export run bundle\".".into()
            } else {
                format!("This run bundle's format is \"{format}\"; this lab reads \"{BUNDLE_FORMAT}\". Record the run again with this lab.")
            });
        }
        let b: RunBundle = serde_json::from_value(v).map_err(|e| {
            format!("This run bundle is damaged: {e}. Ask for the exported file again.")
        })?;
        if b.lab_version != lab_version {
            return Err(format!(
                "This run bundle was recorded with datalab {}, and this lab is {lab_version}: another version may send different requests, so it is not replayed. Record the run again with this version.",
                b.lab_version
            ));
        }
        let actual = b.content_hash();
        if actual != b.hash {
            return Err(format!(
                "This run bundle was changed after it was recorded: its content hash is {}…, but the bundle says {}…. A bundle is replayed only as recorded — ask for the original file (or record the run again).",
                crate::core::text::prefix(&actual, 12),
                crate::core::text::prefix(&b.hash, 12)
            ));
        }
        Ok(b)
    }

    /// What the bundle holds, in one line.
    pub fn summary(&self) -> String {
        let digest = self
            .digest
            .as_deref()
            .map(|d| format!(" ({})", crate::core::text::prefix(d, 19)))
            .unwrap_or_default();
        format!(
            "Replay: {} run of {}{digest}, {} recorded requests, recorded {} with datalab {}",
            self.lab,
            self.model,
            self.calls.len(),
            self.created
                .get(..16)
                .unwrap_or(&self.created)
                .replace('T', " "),
            self.lab_version
        )
    }
}

/// Looks requests up in a bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct Replayer {
    bundle: RunBundle,
    by_key: HashMap<String, usize>,
}

impl Replayer {
    pub fn new(bundle: RunBundle) -> Replayer {
        let mut by_key = HashMap::new();
        for (i, c) in bundle.calls.iter().enumerate() {
            // The same request twice gets the same answer (seeded), so the first is kept.
            by_key.entry(request_key(&c.path, &c.body)).or_insert(i);
        }
        Replayer { bundle, by_key }
    }

    pub fn bundle(&self) -> &RunBundle {
        &self.bundle
    }

    /// The recorded answer to this request, if the bundle holds it.
    pub fn find(&self, path: &str, body: &Value) -> Option<&RecordedCall> {
        self.by_key
            .get(&request_key(path, body))
            .map(|&i| &self.bundle.calls[i])
    }

    /// Which of `wanted` (a label, the route, the body) the bundle does not hold, by label.
    pub fn missing<'a>(&self, wanted: &'a [(String, String, Value)]) -> Vec<&'a str> {
        wanted
            .iter()
            .filter(|(_, path, body)| self.find(path, body).is_none())
            .map(|(label, _, _)| label.as_str())
            .collect()
    }

    /// How a request differs from the closest one recorded on the same route: the fields (as JSON
    /// pointers) whose values differ, each with the recorded and the requested value — so a student
    /// sees "options.temperature: recorded 0.8, yours 1" rather than just "not found".
    pub fn differences(&self, path: &str, body: &Value) -> Vec<String> {
        let mine = flatten(body);
        let best = self
            .bundle
            .calls
            .iter()
            .filter(|c| c.path == path)
            .map(|c| {
                let theirs = flatten(&c.body);
                let mut diffs: Vec<String> = Vec::new();
                let mut keys: Vec<&String> = mine.keys().chain(theirs.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    let (a, b) = (theirs.get(k), mine.get(k));
                    if a != b {
                        let show = |v: Option<&String>| {
                            v.map(|s| short(s)).unwrap_or_else(|| "(absent)".into())
                        };
                        diffs.push(format!("{k}: recorded {}, yours {}", show(a), show(b)));
                    }
                }
                diffs
            })
            .min_by_key(Vec::len);
        match best {
            Some(d) => d,
            None => vec![format!("the bundle holds no request to {path}")],
        }
    }
}

fn short(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() > 60 {
        format!("{}…", chars[..60].iter().collect::<String>())
    } else {
        s.to_string()
    }
}

/// Leaf values by JSON pointer-ish path (`options.seed`, `messages.0.content`).
fn flatten(v: &Value) -> HashMap<String, String> {
    fn walk(v: &Value, at: String, out: &mut HashMap<String, String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let p = if at.is_empty() {
                        k.clone()
                    } else {
                        format!("{at}.{k}")
                    };
                    walk(x, p, out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, format!("{at}.{i}"), out);
                }
            }
            leaf => {
                out.insert(at, leaf.to_string());
            }
        }
    }
    let mut out = HashMap::new();
    walk(v, String::new(), &mut out);
    out
}

/// Cuts a streamed answer into the lines a bundle stores: bytes arrive in arbitrary chunks (a chunk may
/// end inside a line, even inside a UTF-8 character); a line is kept once its newline has arrived.
#[derive(Debug, Default)]
pub struct LineRecorder {
    pending: Vec<u8>,
    pub lines: Vec<(f64, String)>,
}

impl LineRecorder {
    pub fn push(&mut self, bytes: &[u8], at_ms: f64) {
        self.pending.extend_from_slice(bytes);
        while let Some(n) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=n).collect();
            let text = String::from_utf8_lossy(&line[..n])
                .trim_end_matches('\r')
                .to_string();
            self.lines.push((round_ms(at_ms), text));
        }
    }

    /// The last line, if the answer did not end with a newline.
    pub fn finish(mut self, at_ms: f64) -> Vec<(f64, String)> {
        if !self.pending.is_empty() {
            let text = String::from_utf8_lossy(&self.pending).to_string();
            self.lines.push((round_ms(at_ms), text));
        }
        self.lines
    }
}

/// Times are kept to a tenth of a millisecond: enough for a chart, and short in the file.
fn round_ms(ms: f64) -> f64 {
    (ms * 10.0).round() / 10.0
}

/// The bytes a replayed answer feeds the decoder: each recorded line and its newline.
pub fn line_bytes(line: &str) -> Vec<u8> {
    let mut b = line.as_bytes().to_vec();
    b.push(b'\n');
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle() -> RunBundle {
        RunBundle {
            format: BUNDLE_FORMAT.into(),
            lab_version: "0.1.0".into(),
            lab: "generate".into(),
            created: "2026-12-03T10:00:00Z".into(),
            api: ApiKind::Ollama,
            endpoint: "http://10.0.0.5:11434".into(),
            model: "llama3.2:1b".into(),
            digest: Some("sha256:abc".into()),
            settings: json!({"count": 2}),
            calls: vec![RecordedCall {
                path: "/api/generate".into(),
                body: json!({"model": "llama3.2:1b", "prompt": "p", "options": {"seed": 42, "temperature": 0.8}}),
                status: 200,
                lines: vec![(12.5, "{\"response\":\"Hi\",\"done\":false}".into())],
            }],
            hash: String::new(),
        }
        .seal()
    }

    #[test]
    fn a_sealed_bundle_loads_and_an_edited_one_is_refused() {
        let b = bundle();
        let text = b.to_json();
        assert_eq!(RunBundle::load(&text, "0.1.0").unwrap(), b);
        let edited = text.replace("Hi", "Ho");
        let e = RunBundle::load(&edited, "0.1.0").unwrap_err();
        assert!(e.contains("changed after it was recorded"), "{e}");
        let e = RunBundle::load(&text, "0.2.0").unwrap_err();
        assert!(
            e.contains("recorded with datalab 0.1.0") && e.contains("0.2.0"),
            "{e}"
        );
        let e = RunBundle::load("{\"rows\": []}", "0.1.0").unwrap_err();
        assert!(e.contains("not a run bundle"), "{e}");
        let e = RunBundle::load("[1,", "0.1.0").unwrap_err();
        assert!(e.contains("not valid JSON"), "{e}");
    }

    #[test]
    fn requests_are_found_whatever_the_key_order_and_differences_are_named() {
        let r = Replayer::new(bundle());
        let same: Value = serde_json::from_str(
            r#"{"options": {"temperature": 0.8, "seed": 42}, "prompt": "p", "model": "llama3.2:1b"}"#,
        )
        .unwrap();
        assert!(r.find("/api/generate", &same).is_some());
        assert!(r.find("/api/chat", &same).is_none());
        let other = json!({"model": "llama3.2:1b", "prompt": "p", "options": {"seed": 43, "temperature": 1.0}});
        assert_eq!(
            r.differences("/api/generate", &other),
            vec![
                "options.seed: recorded 42, yours 43".to_string(),
                "options.temperature: recorded 0.8, yours 1.0".to_string()
            ]
        );
        let wanted = vec![
            ("row 0".to_string(), "/api/generate".to_string(), same),
            ("row 1".to_string(), "/api/generate".to_string(), other),
        ];
        assert_eq!(r.missing(&wanted), vec!["row 1"]);
        assert_eq!(
            r.differences("/api/chat", &json!({})),
            vec!["the bundle holds no request to /api/chat".to_string()]
        );
    }

    #[test]
    fn lines_are_cut_at_newlines_whatever_the_chunks() {
        let text = "{\"a\":\"é\"}\n{\"b\":1}\r\n{\"c\":2}";
        let bytes = text.as_bytes();
        // Split inside the two-byte "é".
        let cut = text.find('é').unwrap() + 1;
        let mut rec = LineRecorder::default();
        rec.push(&bytes[..cut], 1.0);
        rec.push(&bytes[cut..], 2.04);
        let lines = rec.finish(3.0);
        assert_eq!(
            lines,
            vec![
                (2.0, "{\"a\":\"é\"}".to_string()),
                (2.0, "{\"b\":1}".to_string()),
                (3.0, "{\"c\":2}".to_string())
            ]
        );
        assert_eq!(line_bytes("x"), b"x\n");
    }
}
