//! A lab inside a slide: the messages between an embedded lab and the page around it, and the state the lab
//! keeps so that a slide's iframe, unloaded by reveal.js when the slide is hidden, comes back as it was left.
//!
//! A cross-site frame is often denied `localStorage` (Chromium: "Access is denied for this document"; Safari
//! and Firefox's strict mode likewise), so the lab can ask the host page to keep its state instead: the deck
//! includes `embed-host.js`, which answers these messages. Pure data here; the browser side is `web::embed`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The protocol's version, sent in `hello` so a newer host can stay compatible with older labs.
pub const PROTOCOL: u32 = 1;

/// The most a lab asks its host to keep, in bytes of keys and values: a slide's inputs, not a dataset (the
/// workspace lives in IndexedDB, which a partitioned frame still has).
pub const MAX_KEPT_BYTES: usize = 256 * 1024;

/// A single form control's value is kept up to this many bytes; longer text (a pasted dataset) is not kept.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Messages a lab sends to its parent page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ToHost {
    /// Asks the host for everything it keeps for the lab's origin.
    #[serde(rename = "datalab:hello")]
    Hello { protocol: u32 },
    /// Keeps `value` under `key` (`None` removes it).
    #[serde(rename = "datalab:keep")]
    Keep { key: String, value: Option<String> },
    /// The lab's content height in CSS pixels, so the host can size the iframe.
    #[serde(rename = "datalab:resize")]
    Resize { height: f64 },
}

/// Messages a host page (`embed-host.js`) sends to a lab.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum FromHost {
    /// The answer to `hello`: what the host keeps for the lab's origin.
    #[serde(rename = "datalab:kept")]
    Kept {
        protocol: u32,
        #[serde(default)]
        items: BTreeMap<String, String>,
    },
}

/// What reveal.js (and other hosts) post to an embedded page as a plain string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slide {
    /// `slide:start`: the slide is shown; resume.
    Start,
    /// `slide:stop`: the slide is hidden; pause timers, animations and polling.
    Stop,
}

impl Slide {
    pub fn parse(s: &str) -> Option<Slide> {
        match s {
            "slide:start" => Some(Slide::Start),
            "slide:stop" => Some(Slide::Stop),
            _ => None,
        }
    }
}

/// Where an embedded lab's state lives, as its embed bar tells the student.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keeping {
    /// Not embedded, or the frame has its own `localStorage`.
    Local,
    /// The host page keeps it (`embed-host.js` answered).
    Host,
    /// Nowhere: it is lost when the slide's frame is unloaded.
    Nowhere,
}

impl Keeping {
    /// The embed bar's line; `None` when there is nothing to say.
    pub fn message(self) -> Option<&'static str> {
        match self {
            Keeping::Local => None,
            Keeping::Host => Some("What you type here is kept by the slide deck."),
            Keeping::Nowhere => Some(
                "This slide cannot keep what you type: the browser blocks storage in embedded frames, so it is \
                 lost when the slide is left. The deck can keep it by including embed-host.js (see the README).",
            ),
        }
    }
}

/// The values of a lab's form controls, by a key that names each control (its id, else its label).
pub type FormState = BTreeMap<String, String>;

/// Makes keys unique in document order: the second control labelled "Seed" is "Seed#2".
pub fn unique_keys(names: &[String]) -> Vec<String> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    names
        .iter()
        .map(|n| {
            let c = seen.entry(n.as_str()).or_insert(0);
            *c += 1;
            if *c == 1 {
                n.clone()
            } else {
                format!("{n}#{c}")
            }
        })
        .collect()
}

/// The form state as JSON, leaving out values too long to keep (they are named in the second list) so the
/// whole stays under [`MAX_KEPT_BYTES`].
pub fn form_json(state: &FormState) -> (String, Vec<String>) {
    let mut kept = FormState::new();
    let mut left_out = Vec::new();
    let mut total = 0;
    for (k, v) in state {
        let size = k.len() + v.len();
        if v.len() > MAX_VALUE_BYTES || total + size > MAX_KEPT_BYTES {
            left_out.push(k.clone());
            continue;
        }
        total += size;
        kept.insert(k.clone(), v.clone());
    }
    (
        serde_json::to_string(&kept).unwrap_or_else(|_| "{}".into()),
        left_out,
    )
}

/// Reads a kept form state; anything that is not one (edited by hand, an older format) is an empty state.
pub fn form_from_json(s: &str) -> FormState {
    serde_json::from_str(s).unwrap_or_default()
}

/// The storage key of a page's form state: one per lab, panel and `sk` (a deck may embed the same lab on two
/// slides with different starting text), so two frames of one lab keep apart.
pub fn form_key(query: &crate::core::urlstate::Query) -> String {
    let part = |k: &str| query.get(k).unwrap_or("").to_string();
    let mut key = format!("datalab:form:{}", part("lab"));
    for k in ["panel", "text"] {
        let v = part(k);
        if !v.is_empty() {
            key.push_str(&format!("|{k}={v}"));
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::urlstate::Query;

    #[test]
    fn messages_have_the_wire_names_the_host_script_reads() {
        let hello = serde_json::to_value(ToHost::Hello { protocol: PROTOCOL }).unwrap();
        assert_eq!(
            hello,
            serde_json::json!({"type": "datalab:hello", "protocol": 1})
        );
        let keep = serde_json::to_value(ToHost::Keep {
            key: "k".into(),
            value: None,
        })
        .unwrap();
        assert_eq!(
            keep,
            serde_json::json!({"type": "datalab:keep", "key": "k", "value": null})
        );
        let resize = serde_json::to_value(ToHost::Resize { height: 640.0 }).unwrap();
        assert_eq!(
            resize,
            serde_json::json!({"type": "datalab:resize", "height": 640.0})
        );
        let kept: FromHost = serde_json::from_value(serde_json::json!({
            "type": "datalab:kept", "protocol": 1, "items": {"a": "1"}
        }))
        .unwrap();
        let FromHost::Kept { items, .. } = kept;
        assert_eq!(items.get("a").map(String::as_str), Some("1"));
        // Anything else (another tool's messages in the same page) is not ours.
        assert!(serde_json::from_str::<FromHost>(r#"{"type":"other"}"#).is_err());
        assert!(serde_json::from_str::<FromHost>(
            r#"{"type":"datalab:kept","protocol":1,"items":{"a":2}}"#
        )
        .is_err());
    }

    #[test]
    fn slide_messages_are_reveals_strings() {
        assert_eq!(Slide::parse("slide:start"), Some(Slide::Start));
        assert_eq!(Slide::parse("slide:stop"), Some(Slide::Stop));
        assert_eq!(Slide::parse("slide:stop "), None);
    }

    #[test]
    fn repeated_labels_get_numbered_keys() {
        let names: Vec<String> = ["Seed", "Model", "Seed", "Seed"].map(String::from).to_vec();
        assert_eq!(unique_keys(&names), ["Seed", "Model", "Seed#2", "Seed#3"]);
    }

    #[test]
    fn long_values_are_left_out_and_named_and_the_rest_round_trips() {
        let mut s = FormState::new();
        s.insert("short".into(), "hello".into());
        s.insert("pasted".into(), "x".repeat(MAX_VALUE_BYTES + 1));
        let (json, left) = form_json(&s);
        assert_eq!(left, ["pasted"]);
        let back = form_from_json(&json);
        assert_eq!(back.len(), 1);
        assert_eq!(back["short"], "hello");
        assert!(form_from_json("not json").is_empty());
        // The whole stays under the bound however many values there are.
        let many: FormState = (0..100)
            .map(|i| (format!("k{i}"), "y".repeat(MAX_VALUE_BYTES / 2)))
            .collect();
        let (json, left) = form_json(&many);
        assert!(json.len() <= MAX_KEPT_BYTES + 100 * 8, "{}", json.len());
        assert!(!left.is_empty());
    }

    #[test]
    fn form_keys_keep_two_frames_of_one_lab_apart() {
        let a = form_key(&Query::parse("?lab=tokenizer&embed=1&text=Hello"));
        let b = form_key(&Query::parse("?lab=tokenizer&embed=1&text=Bye"));
        let c = form_key(&Query::parse("?embed=1&text=Hello&lab=tokenizer&present=1"));
        assert_ne!(a, b);
        assert_eq!(a, c, "embed and present do not change what is kept");
        assert_eq!(
            form_key(&Query::parse("?lab=generate&embed=1")),
            "datalab:form:generate"
        );
    }
}
