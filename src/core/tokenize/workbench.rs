//! The tokenizer workbench's state and how it travels in a URL, so a link reproduces the view.

use super::ENCODINGS;
use crate::core::urlstate::Query;

/// Text put in the box when a link carries none: short, and touching what the lab is about.
pub const SAMPLE_TEXT: &str = "Tokenizers don't read words; they read bytes.\n\
Domain terms like Kubernetes, pharmacokinetics or GPT-4o split into many tokens,\n\
numbers such as 1234567 are grouped differently, and “curly quotes”, café or 😀 cost extra.\n\
\tWhite space   counts too. <|endoftext|>";

/// Longest text written into the address bar; longer texts stay in the page (and in storage when embedded).
pub const MAX_TEXT_IN_URL: usize = 4000;

/// Everything that defines what the workbench shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkbenchState {
    pub text: String,
    /// Names of the encodings shown, in the canonical order.
    pub encodings: Vec<&'static str>,
    pub show_ids: bool,
    pub show_whitespace: bool,
    pub allow_special: bool,
}

impl Default for WorkbenchState {
    fn default() -> Self {
        WorkbenchState {
            text: SAMPLE_TEXT.to_string(),
            encodings: ENCODINGS.iter().map(|e| e.name).collect(),
            show_ids: false,
            show_whitespace: false,
            allow_special: false,
        }
    }
}

fn flag(q: &Query, key: &str) -> Option<bool> {
    q.get(key).map(|v| matches!(v, "1" | "true" | "yes" | "on"))
}

impl WorkbenchState {
    /// Reads the state from a query; whatever the query does not say keeps its default. Unknown encoding
    /// names are ignored; an `enc` that names none of ours shows all.
    pub fn from_query(q: &Query) -> WorkbenchState {
        let mut s = WorkbenchState::default();
        if let Some(t) = q.get("text") {
            s.text = t.to_string();
        }
        if let Some(list) = q.get("enc") {
            let wanted: Vec<&str> = list.split(',').map(str::trim).collect();
            let chosen: Vec<&'static str> = ENCODINGS
                .iter()
                .filter(|e| {
                    wanted
                        .iter()
                        .any(|w| *w == e.name || (*w == "r50k_base" && e.name == "gpt2"))
                })
                .map(|e| e.name)
                .collect();
            if !chosen.is_empty() {
                s.encodings = chosen;
            }
        }
        s.show_ids = flag(q, "ids").unwrap_or(false);
        s.show_whitespace = flag(q, "ws").unwrap_or(false);
        s.allow_special = flag(q, "special").unwrap_or(false);
        s
    }

    /// Writes the state into `q` (other parameters, such as `lab` and `embed`, are kept). Returns false when
    /// the text was too long for a link and was left out.
    pub fn write_query(&self, q: &mut Query) -> bool {
        let fits = self.text.len() <= MAX_TEXT_IN_URL;
        q.set("text", fits.then_some(self.text.as_str()));
        let all = self.encodings.len() == ENCODINGS.len();
        let list = self.encodings.join(",");
        q.set("enc", (!all).then_some(list.as_str()));
        q.set("ids", self.show_ids.then_some("1"));
        q.set("ws", self.show_whitespace.then_some("1"));
        q.set("special", self.allow_special.then_some("1"));
        fits
    }

    /// A compact serialisation for storage (JSON).
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "text": self.text,
            "enc": self.encodings,
            "ids": self.show_ids,
            "ws": self.show_whitespace,
            "special": self.allow_special,
        })
        .to_string()
    }

    /// Reads what [`to_json`](Self::to_json) wrote; `None` for anything unreadable.
    pub fn from_json(s: &str) -> Option<WorkbenchState> {
        let v: serde_json::Value = serde_json::from_str(s).ok()?;
        let mut q = Query::default();
        q.set("text", Some(v.get("text")?.as_str()?));
        let enc: Vec<&str> = v
            .get("enc")?
            .as_array()?
            .iter()
            .filter_map(|e| e.as_str())
            .collect();
        q.set("enc", Some(&enc.join(",")));
        for k in ["ids", "ws", "special"] {
            q.set(k, Some(if v.get(k)?.as_bool()? { "1" } else { "0" }));
        }
        Some(WorkbenchState::from_query(&q))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_round_trip() {
        let s = WorkbenchState {
            text: "a & b\n<|endoftext|>".into(),
            encodings: vec!["gpt2", "o200k_base"],
            show_ids: true,
            show_whitespace: false,
            allow_special: true,
        };
        let mut q = Query::parse("?lab=tokenizer&embed=1");
        assert!(s.write_query(&mut q));
        let back = WorkbenchState::from_query(&Query::parse(&q.to_search()));
        assert_eq!(back, s);
        assert_eq!(q.get("embed"), Some("1"));
    }

    #[test]
    fn defaults_and_unknowns() {
        let s = WorkbenchState::from_query(&Query::parse("?enc=nope"));
        assert_eq!(s.encodings.len(), 3);
        assert_eq!(s.text, SAMPLE_TEXT);
        let s = WorkbenchState::from_query(&Query::parse("?enc=r50k_base&text="));
        assert_eq!(s.encodings, ["gpt2"]);
        assert_eq!(s.text, "");
    }

    #[test]
    fn long_text_stays_out_of_the_url() {
        let s = WorkbenchState {
            text: "x".repeat(MAX_TEXT_IN_URL + 1),
            ..Default::default()
        };
        let mut q = Query::default();
        assert!(!s.write_query(&mut q));
        assert_eq!(q.get("text"), None);
    }

    #[test]
    fn json_round_trip() {
        let s = WorkbenchState {
            text: "hé\"llo".into(),
            encodings: vec!["cl100k_base"],
            show_ids: false,
            show_whitespace: true,
            allow_special: false,
        };
        assert_eq!(WorkbenchState::from_json(&s.to_json()), Some(s));
        assert_eq!(WorkbenchState::from_json("{"), None);
    }
}
