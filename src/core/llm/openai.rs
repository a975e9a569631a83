//! The OpenAI-compatible chat API (`POST /v1/chat/completions`), which the book's reflection notebook used and
//! which Ollama, vLLM, llama.cpp's server and hosted providers all speak.
//!
//! It differs from Ollama's native API in three ways a student meets:
//! - sampling settings sit at the top level (`temperature`, `seed`, `max_tokens`), not in `options`;
//! - streaming uses server-sent events: lines `data: {json}` separated by blank lines, ending with
//!   `data: [DONE]`, instead of bare NDJSON lines — the same chunking problem, so the byte-level
//!   [`LineSplitter`] is shared;
//! - hosted servers need an API key. [`ApiKey`] has no `Serialize` and a redacted `Debug`, so it cannot end
//!   up in a saved dataset, a log line or the code bridge by accident; only the web layer's `Authorization`
//!   header ever sees it.
//!
//! Stream and response parsing yield the same [`StreamEvent`]s as `super::ollama`, so pages handle both
//! servers with one code path.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ndjson::{excerpt, LineError, LineErrorKind, LineSplitter, RawLine};
use super::ollama::{error_message, Completion, FinalStats, Message, StreamEvent};

pub const CHAT_PATH: &str = "/v1/chat/completions";
pub const MODELS_PATH: &str = "/v1/models";

/// An API key, held in memory only. Deliberately not `Serialize`, and its `Debug` hides the value.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// `None` for an empty or blank key (local servers need none).
    pub fn new(key: &str) -> Option<ApiKey> {
        let key = key.trim();
        (!key.is_empty()).then(|| ApiKey(key.to_string()))
    }

    /// The value of the `Authorization` header.
    pub fn header_value(&self) -> String {
        format!("Bearer {}", self.0)
    }

    /// A hint to show which key is in use without showing it: `sk-…3f9a`.
    pub fn hint(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() <= 8 {
            return "…".into();
        }
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}…{tail}")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(redacted)")
    }
}

/// Ask the server to include token counts in the last streamed chunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamOptions {
    pub include_usage: bool,
}

/// `POST /v1/chat/completions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatCompletionRequest {
    pub model: String,
    pub messages: Vec<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Best-effort reproducibility, as with Ollama (the notebook used 123).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Vec<String>>,
    pub stream: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    /// `{"type": "json_object"}` or `{"type": "json_schema", "json_schema": {...}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<Value>,
}

impl ChatCompletionRequest {
    /// A non-streaming request with the server's default settings.
    pub fn new(model: impl Into<String>, messages: Vec<Message>) -> Self {
        ChatCompletionRequest {
            model: model.into(),
            messages,
            temperature: None,
            top_p: None,
            seed: None,
            max_tokens: None,
            stop: None,
            stream: false,
            stream_options: None,
            response_format: None,
        }
    }

    /// Streams the answer and asks for the token counts at the end (servers that do not know
    /// `stream_options` ignore it).
    pub fn streaming(mut self) -> Self {
        self.stream = true;
        self.stream_options = Some(StreamOptions {
            include_usage: true,
        });
        self
    }

    pub fn temperature(mut self, t: f64) -> Self {
        self.temperature = Some(t);
        self
    }

    pub fn seed(mut self, seed: i64) -> Self {
        self.seed = Some(seed);
        self
    }

    pub fn max_tokens(mut self, n: u32) -> Self {
        self.max_tokens = Some(n);
        self
    }

    /// Structured output from a JSON schema (named `name`), the OpenAI form of Ollama's `format`.
    pub fn json_schema(mut self, name: &str, schema: Value) -> Self {
        self.response_format = Some(serde_json::json!({
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema, "strict": true}
        }));
        self
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a request always serialises")
    }
}

/// Token counts from `usage`, mapped onto Ollama's names (OpenAI reports no durations).
fn stats_from(finish_reason: Option<&str>, usage: Option<&Value>) -> FinalStats {
    let n = |k: &str| usage.and_then(|u| u.get(k)).and_then(Value::as_u64);
    FinalStats {
        done_reason: finish_reason.map(String::from),
        prompt_eval_count: n("prompt_tokens"),
        eval_count: n("completion_tokens"),
        ..FinalStats::default()
    }
}

/// Reads a non-streaming answer: `choices[0].message.content`, `finish_reason` and `usage`.
pub fn parse_response(v: &Value) -> Result<Completion, String> {
    if let Some(message) = error_message(v) {
        return Err(message);
    }
    let Some(choice) = v.pointer("/choices/0") else {
        return Err(format!(
            "expected `choices` in a chat completion, got `{}`: is this an OpenAI-compatible endpoint?",
            excerpt(&v.to_string())
        ));
    };
    // `content` is null when a model answers only with a tool call or a refusal.
    let text = choice
        .pointer("/message/content")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let thinking = choice
        .pointer("/message/reasoning")
        .or_else(|| choice.pointer("/message/reasoning_content"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    Ok(Completion {
        text,
        thinking,
        stats: stats_from(
            choice.get("finish_reason").and_then(Value::as_str),
            v.get("usage"),
        ),
    })
}

/// Reads a server-sent-event stream of chat completion chunks, incrementally.
///
/// Per the SSE format, an event is one or more `data:` lines ended by a blank line; `:` lines are comments
/// (keep-alives) and `event:`/`id:`/`retry:` lines are ignored here. As a tolerance for servers that forget
/// the blank line, a `data:` payload that is already complete JSON is handled at once.
#[derive(Debug, Default)]
pub struct SseReader {
    lines: LineSplitter,
    /// `data:` payload lines of the event being read.
    data: Vec<String>,
    /// Line number of the first of them, for error messages.
    data_line: usize,
    finish_reason: Option<String>,
    usage: Option<Value>,
    done: bool,
}

impl SseReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one chunk; returns the events it completed.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<StreamEvent> {
        let lines = self.lines.push(bytes);
        let mut events = Vec::new();
        for line in lines {
            self.line(line, &mut events);
        }
        events
    }

    /// Ends the stream. Without `data: [DONE]` the answer counts as complete only if a chunk carried a
    /// `finish_reason`; otherwise the connection was cut and an error says so.
    pub fn finish(&mut self) -> Vec<StreamEvent> {
        let mut events = Vec::new();
        if let Some(line) = self.lines.finish() {
            let number = line.number;
            let before = events.len();
            self.line(line, &mut events);
            if !self.data.is_empty() {
                let payload = self.data.join("\n");
                self.data.clear();
                if events.len() == before && !self.done {
                    let err = LineError {
                        line: number,
                        kind: LineErrorKind::Truncated,
                        detail: format!(
                            "{} bytes of `data:` arrived without a closing newline",
                            payload.len()
                        ),
                        excerpt: excerpt(&payload),
                    };
                    events.push(StreamEvent::Error(err.to_string()));
                }
            }
        }
        self.dispatch(&mut events);
        if !self.done {
            if self.finish_reason.is_some() {
                self.done_event(&mut events);
            } else if !events.iter().any(|e| matches!(e, StreamEvent::Error(_))) {
                events.push(StreamEvent::Error(
                    "the stream ended without `data: [DONE]` or a finish_reason: the connection was cut or cancelled"
                        .into(),
                ));
            }
        }
        events
    }

    fn line(&mut self, line: RawLine, events: &mut Vec<StreamEvent>) {
        if self.done {
            return;
        }
        let text = match line.text() {
            Ok(t) => t.to_string(),
            Err(e) => {
                events.push(StreamEvent::Error(e.to_string()));
                return;
            }
        };
        if text.trim().is_empty() {
            self.dispatch(events);
            return;
        }
        if text.starts_with(':') {
            return;
        }
        let (field, value) = match text.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (text.as_str(), ""),
        };
        if field != "data" {
            return;
        }
        if self.data.is_empty() {
            self.data_line = line.number;
        }
        self.data.push(value.to_string());
        // Tolerance: a complete payload need not wait for the blank line.
        let joined = self.data.join("\n");
        if joined.trim() == "[DONE]" || serde_json::from_str::<Value>(&joined).is_ok() {
            self.dispatch(events);
        }
    }

    fn dispatch(&mut self, events: &mut Vec<StreamEvent>) {
        if self.data.is_empty() {
            return;
        }
        let payload = self.data.join("\n");
        self.data.clear();
        if payload.trim() == "[DONE]" {
            self.done_event(events);
            return;
        }
        let v: Value = match serde_json::from_str(&payload) {
            Ok(v) => v,
            Err(e) => {
                let err = LineError {
                    line: self.data_line,
                    kind: LineErrorKind::InvalidJson,
                    detail: e.to_string(),
                    excerpt: excerpt(payload.trim()),
                };
                events.push(StreamEvent::Error(err.to_string()));
                return;
            }
        };
        if let Some(message) = error_message(&v) {
            events.push(StreamEvent::Error(message));
            return;
        }
        if let Some(choice) = v.pointer("/choices/0") {
            let reasoning = choice
                .pointer("/delta/reasoning")
                .or_else(|| choice.pointer("/delta/reasoning_content"))
                .and_then(Value::as_str);
            if let Some(t) = reasoning.filter(|t| !t.is_empty()) {
                events.push(StreamEvent::Thinking(t.to_string()));
            }
            if let Some(t) = choice
                .pointer("/delta/content")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
            {
                events.push(StreamEvent::Delta(t.to_string()));
            }
            if let Some(r) = choice.get("finish_reason").and_then(Value::as_str) {
                self.finish_reason = Some(r.to_string());
            }
        }
        if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
            self.usage = Some(u.clone());
        }
    }

    fn done_event(&mut self, events: &mut Vec<StreamEvent>) {
        self.done = true;
        events.push(StreamEvent::Done(stats_from(
            self.finish_reason.as_deref(),
            self.usage.as_ref(),
        )));
    }
}

/// One entry of `/v1/models`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelEntry {
    pub id: String,
    pub owned_by: Option<String>,
}

/// Reads `GET /v1/models` (`{"object": "list", "data": [{"id": …}]}`), keeping entries with an id.
pub fn parse_models(v: &Value) -> Result<Vec<ModelEntry>, String> {
    if let Some(message) = error_message(v) {
        return Err(message);
    }
    let Some(list) = v.get("data").and_then(Value::as_array) else {
        return Err(format!(
            "expected {{\"data\": [...]}} from /v1/models, got `{}`",
            excerpt(&v.to_string())
        ));
    };
    Ok(list
        .iter()
        .filter_map(|m| serde_json::from_value::<ModelEntry>(m.clone()).ok())
        .filter(|m| !m.id.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::ollama::Accumulator;
    use super::*;
    use serde_json::json;

    fn sse_stream() -> String {
        let chunk = |delta: Value, finish: Value| {
            format!(
                "data: {}\n\n",
                json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "m",
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
            )
        };
        let mut s = String::from(": keep-alive\n\n");
        s += &chunk(json!({"role": "assistant", "content": "Über"}), Value::Null);
        s += &chunk(json!({"content": " 🦙 naïve"}), Value::Null);
        s += "event: message\r\n";
        s += &chunk(json!({"content": "."}), json!("stop"));
        s += &format!(
            "data: {}\n\n",
            json!({"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}})
        );
        s += "data: [DONE]\n\n";
        s
    }

    fn collect(chunks: &[&[u8]]) -> Vec<StreamEvent> {
        let mut r = SseReader::new();
        let mut out = Vec::new();
        for c in chunks {
            out.extend(r.push(c));
        }
        out.extend(r.finish());
        out
    }

    #[test]
    fn request_puts_settings_at_top_level_and_never_a_key() {
        let key = ApiKey::new("  sk-secret-123456  ").unwrap();
        let req = ChatCompletionRequest::new("gpt-4o-mini", vec![Message::user("Hi")])
            .temperature(0.0)
            .seed(123)
            .streaming();
        let v = req.to_value();
        assert_eq!(v["temperature"], 0.0);
        assert_eq!(v["seed"], 123);
        assert_eq!(v["stream_options"], json!({"include_usage": true}));
        assert!(v.get("top_p").is_none() && v.get("response_format").is_none());
        assert!(!v.to_string().contains("sk-secret"));
        assert_eq!(format!("{key:?}"), "ApiKey(redacted)");
        assert_eq!(key.header_value(), "Bearer sk-secret-123456");
        assert_eq!(key.hint(), "sk-…3456");
        assert!(ApiKey::new("   ").is_none());
    }

    #[test]
    fn json_schema_response_format() {
        let v = ChatCompletionRequest::new("m", vec![])
            .json_schema("scores", json!({"type": "object"}))
            .to_value();
        assert_eq!(v["response_format"]["type"], "json_schema");
        assert_eq!(v["response_format"]["json_schema"]["name"], "scores");
    }

    #[test]
    fn non_streaming_response() {
        let v = json!({"id": "x", "object": "chat.completion", "choices": [{"index": 0,
            "message": {"role": "assistant", "content": "Paris."}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}});
        let c = parse_response(&v).unwrap();
        assert_eq!(c.text, "Paris.");
        assert_eq!(c.stats.done_reason.as_deref(), Some("stop"));
        assert_eq!(
            (c.stats.prompt_eval_count, c.stats.eval_count),
            (Some(9), Some(2))
        );
        assert_eq!(c.stats.tokens_per_second(), None);
        let err = json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}});
        assert_eq!(
            parse_response(&err).unwrap_err(),
            "Incorrect API key provided"
        );
        assert!(parse_response(&json!({"response": "x"}))
            .unwrap_err()
            .contains("OpenAI-compatible"));
    }

    #[test]
    fn sse_stream_gives_deltas_then_done_with_usage() {
        let events = collect(&[sse_stream().as_bytes()]);
        let mut acc = Accumulator::default();
        for e in &events {
            acc.apply(e);
        }
        assert_eq!(acc.problem(), None, "{events:?}");
        assert_eq!(acc.text, "Über 🦙 naïve.");
        let stats = acc.stats.unwrap();
        assert_eq!(stats.done_reason.as_deref(), Some("stop"));
        assert_eq!(stats.eval_count, Some(5));
    }

    #[test]
    fn sse_split_anywhere_gives_the_same_events() {
        let bytes = sse_stream().into_bytes();
        let expected = collect(&[&bytes]);
        for cut in 0..=bytes.len() {
            assert_eq!(
                collect(&[&bytes[..cut], &bytes[cut..]]),
                expected,
                "split at {cut}"
            );
        }
        let ones: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(collect(&ones), expected);
    }

    #[test]
    fn sse_midstream_error_and_cut_stream() {
        let s = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":null}]}\n\n\
                 data: {\"error\":{\"message\":\"model crashed\",\"type\":\"api_error\"}}\n\n";
        let events = collect(&[s.as_bytes()]);
        assert!(
            events.contains(&StreamEvent::Error("model crashed".into())),
            "{events:?}"
        );

        let cut = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":null}]}\n\ndata: {\"choi";
        let events = collect(&[cut.as_bytes()]);
        assert_eq!(events[0], StreamEvent::Delta("a".into()));
        assert!(
            matches!(&events[1], StreamEvent::Error(e) if e.contains("cut off")),
            "{events:?}"
        );
        assert_eq!(events.len(), 2);

        let no_done =
            "data: {\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":null}]}\n\n";
        let events = collect(&[no_done.as_bytes()]);
        assert!(
            matches!(&events[1], StreamEvent::Error(e) if e.contains("[DONE]")),
            "{events:?}"
        );
    }

    #[test]
    fn sse_without_done_marker_but_with_finish_reason_completes() {
        let s = "data: {\"choices\":[{\"delta\":{\"content\":\"ok\"},\"finish_reason\":\"length\"}]}\n\n";
        let events = collect(&[s.as_bytes()]);
        assert_eq!(events.len(), 2);
        assert!(matches!(&events[1], StreamEvent::Done(s) if s.hit_length_limit()));
    }

    #[test]
    fn sse_bad_json_names_the_line() {
        let s = "data: {\"choices\": [\n\ndata: [DONE]\n\n";
        let events = collect(&[s.as_bytes()]);
        assert!(
            matches!(&events[0], StreamEvent::Error(e) if e.starts_with("line 1 is not valid JSON")),
            "{events:?}"
        );
        assert!(matches!(&events[1], StreamEvent::Done(_)));
    }

    #[test]
    fn models_list() {
        let v = json!({"object": "list", "data": [
            {"id": "llama3.2:latest", "object": "model", "created": 1, "owned_by": "library"},
            {"object": "model"}, "junk"]});
        let models = parse_models(&v).unwrap();
        assert_eq!(models.len(), 1);
        assert_eq!(models[0].id, "llama3.2:latest");
        assert!(parse_models(&json!({"models": []}))
            .unwrap_err()
            .contains("/v1/models"));
    }

    /// The same answer recorded from the stand-in's `/v1/chat/completions` stream.
    #[test]
    fn reads_a_recorded_standin_sse_stream() {
        let bytes = include_bytes!("../../../tests/fixtures/llm/standin-chat.sse");
        let ndjson = include_bytes!("../../../tests/fixtures/llm/standin-chat.ndjson");
        let mut acc = Accumulator::default();
        let chunks: Vec<&[u8]> = bytes.chunks(11).collect();
        for e in collect(&chunks) {
            acc.apply(&e);
        }
        let mut native = Accumulator::default();
        for line in super::super::ndjson::read_all(ndjson) {
            native.apply_line(line);
        }
        assert_eq!(acc.problem(), None);
        assert_eq!(acc.text, native.text, "same seed, same text on both APIs");
        assert_eq!(
            acc.stats.unwrap().eval_count,
            native.stats.unwrap().eval_count
        );
    }
}
