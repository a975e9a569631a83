//! Ollama's native HTTP API as plain data: the requests the lab sends and the answers it reads back.
//!
//! Two facts drive the shapes here:
//! - **Sampling settings live in `options`.** Ollama ignores a top-level `seed` or `temperature` (the book's
//!   generation notebook sets them there, which is why its "seeded" samples differ). [`Options`] is the only
//!   place they can go, and fields left `None` are not sent at all, so the request shown to the student is
//!   exactly what Ollama receives.
//! - **Answers stream as NDJSON.** Each line is a JSON object carrying a piece of text (`response` for
//!   `/api/generate`, `message.content` for `/api/chat`); the last has `done: true` and the timings. An error
//!   can arrive *inside* a stream as a line `{"error": "…"}` while the HTTP status stays 200, so the status
//!   alone never says a generation succeeded. [`parse_event`] turns one line into [`StreamEvent`]s and
//!   [`Accumulator`] folds them into the final text, statistics and error.
//!
//! The same [`StreamEvent`]s come out of the OpenAI-compatible reader (`super::openai`), so the lab's pages
//! handle both servers with one code path.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ndjson::LineError;

/// Route paths, relative to the endpoint (`http://localhost:11434`).
pub const VERSION_PATH: &str = "/api/version";
pub const TAGS_PATH: &str = "/api/tags";
pub const GENERATE_PATH: &str = "/api/generate";
pub const CHAT_PATH: &str = "/api/chat";

/// Sampling and length settings (Ollama's `options` object). Every field is optional; `None` means "not sent,
/// use the model's default", which is different from sending a value that happens to equal the default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    /// Random seed. With the same seed, prompt and settings, Ollama tries to reproduce the same text
    /// (best effort: GPU runs can differ). Magpie uses `base_seed + row` so rows differ but replay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Higher is more random; 0 is (nearly) greedy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling: sample only from the most likely tokens whose probabilities add up to this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Sample only from this many most likely tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_k: Option<u32>,
    /// Most tokens to generate (-1: until the model stops by itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_predict: Option<i32>,
    /// Context window in tokens (prompt plus answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_ctx: Option<u32>,
    /// Strings that end generation when produced (they are not included in the text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<Vec<String>>,
    /// Makes tokens seen in the last `repeat_last_n` less likely (1.0: off; Ollama's default 1.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_penalty: Option<f32>,
    /// How many recent tokens the repeat penalty looks at (0: none; Ollama's default 64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_last_n: Option<i32>,
}

impl Options {
    /// True when nothing is set, so the request can leave `options` out.
    pub fn is_empty(&self) -> bool {
        *self == Options::default()
    }

    pub fn with_seed(mut self, seed: i64) -> Self {
        self.seed = Some(seed);
        self
    }

    pub fn with_temperature(mut self, t: f64) -> Self {
        self.temperature = Some(t);
        self
    }
}

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// `system`, `user` or `assistant`.
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn new(role: &str, content: impl Into<String>) -> Self {
        Message {
            role: role.to_string(),
            content: content.into(),
        }
    }
    pub fn system(content: impl Into<String>) -> Self {
        Self::new("system", content)
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self::new("user", content)
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new("assistant", content)
    }
}

/// `format: "json"` — ask for any valid JSON.
pub fn format_json() -> Value {
    Value::String("json".into())
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// `POST /api/generate`: complete a prompt. With `raw: true` Ollama applies no chat template, which is how
/// Magpie sends the bare Llama 3 "user turn begins" header and lets the model write the user's question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerateRequest {
    pub model: String,
    pub prompt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// A prompt template overriding the model's own (ignored with `raw`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// Send the prompt to the model exactly as written, with no template around it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub raw: bool,
    /// Always sent, although Ollama defaults to `true`, so the request says what the reader must expect.
    pub stream: bool,
    /// `"json"` or a JSON schema the answer must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Value>,
    #[serde(default, skip_serializing_if = "Options::is_empty")]
    pub options: Options,
    /// How long the model stays loaded after this call (`"5m"`, `"0"` to unload now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<String>,
}

impl GenerateRequest {
    /// A streaming request with the model's default settings.
    pub fn new(model: impl Into<String>, prompt: impl Into<String>) -> Self {
        GenerateRequest {
            model: model.into(),
            prompt: prompt.into(),
            system: None,
            template: None,
            raw: false,
            stream: true,
            format: None,
            options: Options::default(),
            keep_alive: None,
        }
    }
    pub fn raw(mut self, raw: bool) -> Self {
        self.raw = raw;
        self
    }
    pub fn stream(mut self, stream: bool) -> Self {
        self.stream = stream;
        self
    }
    pub fn options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }
    pub fn format(mut self, format: Value) -> Self {
        self.format = Some(format);
        self
    }
    pub fn system(mut self, system: impl Into<String>) -> Self {
        self.system = Some(system.into());
        self
    }
    /// The request body as JSON, for sending and for the code bridge.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a request always serialises")
    }
}

/// `POST /api/chat`: continue a conversation; Ollama applies the model's chat template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<Message>,
    pub stream: bool,
    /// `"json"` or a JSON schema the answer must match (the judge uses a schema of scores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Value>,
    #[serde(default, skip_serializing_if = "Options::is_empty")]
    pub options: Options,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<String>,
}

impl ChatRequest {
    pub fn new(model: impl Into<String>, messages: Vec<Message>) -> Self {
        ChatRequest {
            model: model.into(),
            messages,
            stream: true,
            format: None,
            options: Options::default(),
            keep_alive: None,
        }
    }
    pub fn stream(mut self, stream: bool) -> Self {
        self.stream = stream;
        self
    }
    pub fn options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }
    pub fn format(mut self, format: Value) -> Self {
        self.format = Some(format);
        self
    }
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a request always serialises")
    }
}

/// The numbers Ollama reports when an answer is finished. Durations are in nanoseconds; counts are tokens.
/// Every field is optional because servers differ in what they report (OpenAI-compatible ones give only
/// counts), and a missing number must stay missing rather than become a misleading 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FinalStats {
    /// Why generation stopped: `stop` (the model finished or a stop string), `length` (hit `num_predict`), …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_duration: Option<u64>,
    /// Time spent loading the model into memory (large on the first call, then near 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_duration: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_eval_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_eval_duration: Option<u64>,
    /// Tokens generated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eval_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eval_duration: Option<u64>,
}

fn rate(count: Option<u64>, nanos: Option<u64>) -> Option<f64> {
    match (count, nanos) {
        (Some(c), Some(ns)) if ns > 0 => Some(c as f64 / ns as f64 * 1e9),
        _ => None,
    }
}

impl FinalStats {
    /// Reads the statistics fields of a final line; absent or non-numeric fields stay `None`.
    pub fn from_value(v: &Value) -> FinalStats {
        let n = |k: &str| v.get(k).and_then(Value::as_u64);
        FinalStats {
            done_reason: v
                .get("done_reason")
                .and_then(Value::as_str)
                .map(String::from),
            total_duration: n("total_duration"),
            load_duration: n("load_duration"),
            prompt_eval_count: n("prompt_eval_count"),
            prompt_eval_duration: n("prompt_eval_duration"),
            eval_count: n("eval_count"),
            eval_duration: n("eval_duration"),
        }
    }

    /// Generation speed: `eval_count / eval_duration × 1e9`. `None` when either is missing or the duration
    /// is 0 — no speed is better than an infinite one.
    pub fn tokens_per_second(&self) -> Option<f64> {
        rate(self.eval_count, self.eval_duration)
    }

    /// How fast the prompt was read (usually much faster than generation).
    pub fn prompt_tokens_per_second(&self) -> Option<f64> {
        rate(self.prompt_eval_count, self.prompt_eval_duration)
    }

    /// Wall time of the whole call in seconds, when reported.
    pub fn total_seconds(&self) -> Option<f64> {
        self.total_duration.map(|ns| ns as f64 / 1e9)
    }

    /// True when the answer stopped because it hit the token limit, so it is probably cut mid-sentence.
    pub fn hit_length_limit(&self) -> bool {
        self.done_reason.as_deref() == Some("length")
    }
}

/// What one streamed line means.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// More answer text (may be an empty string on some lines; those produce no event).
    Delta(String),
    /// Reasoning text of "thinking" models (`message.thinking`), kept apart from the answer.
    Thinking(String),
    /// The answer is complete.
    Done(FinalStats),
    /// The server reported an error, or the line was not what an answer stream contains.
    Error(String),
}

/// The message of an error body: `{"error": "…"}` (Ollama) or `{"error": {"message": "…"}}` (OpenAI style).
pub fn error_message(v: &Value) -> Option<String> {
    match v.get("error")? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => Some(match o.get("message").and_then(Value::as_str) {
            Some(m) => m.to_string(),
            None => Value::Object(o.clone()).to_string(),
        }),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Turns one NDJSON line of `/api/generate` or `/api/chat` into events, in order: text first, then `Done`.
/// A line with neither text nor `done` (a keep-alive, a tool call) yields nothing; unknown fields are ignored
/// so newer Ollama versions keep working.
pub fn parse_event(v: &Value) -> Vec<StreamEvent> {
    if !v.is_object() {
        return vec![StreamEvent::Error(format!(
            "expected a JSON object on each line, got `{}`",
            super::ndjson::excerpt(&v.to_string())
        ))];
    }
    if let Some(message) = error_message(v) {
        return vec![StreamEvent::Error(message)];
    }
    let mut events = Vec::new();
    let text = v
        .get("response")
        .and_then(Value::as_str)
        .or_else(|| v.pointer("/message/content").and_then(Value::as_str));
    let thinking = v
        .get("thinking")
        .and_then(Value::as_str)
        .or_else(|| v.pointer("/message/thinking").and_then(Value::as_str));
    if let Some(t) = thinking.filter(|t| !t.is_empty()) {
        events.push(StreamEvent::Thinking(t.to_string()));
    }
    if let Some(t) = text.filter(|t| !t.is_empty()) {
        events.push(StreamEvent::Delta(t.to_string()));
    }
    if v.get("done").and_then(Value::as_bool) == Some(true) {
        events.push(StreamEvent::Done(FinalStats::from_value(v)));
    }
    events
}

/// A finished answer: the whole text and the numbers about it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Completion {
    pub text: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub thinking: String,
    pub stats: FinalStats,
}

/// Reads the answer of a non-streaming call (`stream: false`): one JSON object with the full text and
/// `done: true`. Errors say what was missing, so a wrong endpoint is recognisable.
pub fn parse_response(v: &Value) -> Result<Completion, String> {
    if let Some(message) = error_message(v) {
        return Err(message);
    }
    let mut acc = Accumulator::default();
    for event in parse_event(v) {
        acc.apply(&event);
    }
    if let Some(e) = acc.error {
        return Err(e);
    }
    let has_text = v.get("response").is_some() || v.pointer("/message/content").is_some();
    if !has_text {
        return Err(
            "the answer has neither `response` (generate) nor `message.content` (chat): is this an Ollama endpoint?"
                .into(),
        );
    }
    match acc.stats {
        Some(stats) => Ok(Completion {
            text: acc.text,
            thinking: acc.thinking,
            stats,
        }),
        None => Err("the answer is not marked `done: true`: was `stream: false` sent?".into()),
    }
}

/// `GET /api/version`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    #[serde(default)]
    pub version: String,
}

/// Reads `/api/version`. Only the `version` string is needed; a body without it is not Ollama.
pub fn parse_version(v: &Value) -> Result<Version, String> {
    match v.get("version").and_then(Value::as_str) {
        Some(s) if !s.is_empty() => Ok(Version {
            version: s.to_string(),
        }),
        _ => Err(format!(
            "expected {{\"version\": \"…\"}} from /api/version, got `{}`",
            super::ndjson::excerpt(&v.to_string())
        )),
    }
}

/// Details Ollama reports per model; all optional, since older and newer versions differ.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelDetails {
    pub format: Option<String>,
    pub family: Option<String>,
    pub families: Option<Vec<String>>,
    /// Like `"3.2B"`.
    pub parameter_size: Option<String>,
    /// Like `"Q4_K_M"`: how the weights were compressed.
    pub quantization_level: Option<String>,
}

/// One installed model, from `/api/tags`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelInfo {
    /// The name to send as `model`, like `llama3.2:latest`.
    pub name: String,
    pub model: Option<String>,
    /// Bytes on disk.
    pub size: Option<u64>,
    pub modified_at: Option<String>,
    pub digest: Option<String>,
    pub details: ModelDetails,
}

impl ModelInfo {
    /// A one-line label for a model picker: `llama3.2:latest — 3.2B, Q4_K_M, 2.0 GB`.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.details.parameter_size {
            parts.push(p.clone());
        }
        if let Some(q) = &self.details.quantization_level {
            parts.push(q.clone());
        }
        if let Some(s) = self.size {
            parts.push(format!("{:.1} GB", s as f64 / 1e9));
        }
        if parts.is_empty() {
            self.name.clone()
        } else {
            format!("{} — {}", self.name, parts.join(", "))
        }
    }
}

/// `GET /api/tags`: the installed models.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tags {
    pub models: Vec<ModelInfo>,
}

/// Reads `/api/tags`, keeping every entry that has a name (an entry without one cannot be requested).
pub fn parse_tags(v: &Value) -> Result<Tags, String> {
    let Some(list) = v.get("models").and_then(Value::as_array) else {
        return Err(format!(
            "expected {{\"models\": [...]}} from /api/tags, got `{}`",
            super::ndjson::excerpt(&v.to_string())
        ));
    };
    let models = list
        .iter()
        .filter_map(|m| {
            let mut info: ModelInfo = serde_json::from_value(m.clone()).unwrap_or_default();
            if info.name.is_empty() {
                // Some versions fill only `model`.
                info.name = m.get("model").and_then(Value::as_str)?.to_string();
            }
            (!info.name.is_empty()).then_some(info)
        })
        .collect();
    Ok(Tags { models })
}

/// Folds a stream's events into the answer so far. The page shows `text` live, and at the end asks
/// [`Accumulator::problem`] whether the answer can be trusted as complete.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accumulator {
    pub text: String,
    pub thinking: String,
    /// Set by the `Done` event; `None` means the stream has not (yet) said it is finished.
    pub stats: Option<FinalStats>,
    /// The first error the server sent; text after it is ignored.
    pub error: Option<String>,
    /// Lines that could not be read (kept for the log; the stream goes on without them).
    pub bad_lines: Vec<LineError>,
    /// How many text pieces arrived (a rough progress count).
    pub deltas: usize,
}

impl Accumulator {
    pub fn apply(&mut self, event: &StreamEvent) {
        if self.error.is_some() {
            return;
        }
        match event {
            StreamEvent::Delta(t) => {
                self.text.push_str(t);
                self.deltas += 1;
            }
            StreamEvent::Thinking(t) => self.thinking.push_str(t),
            StreamEvent::Done(stats) => self.stats = Some(stats.clone()),
            StreamEvent::Error(e) => self.error = Some(e.clone()),
        }
    }

    /// Applies one result of [`super::ndjson::NdjsonReader`], parsing it as an Ollama line.
    pub fn apply_line(&mut self, line: Result<Value, LineError>) {
        match line {
            Ok(v) => {
                for event in parse_event(&v) {
                    self.apply(&event);
                }
            }
            Err(e) => self.bad_lines.push(e),
        }
    }

    pub fn is_done(&self) -> bool {
        self.stats.is_some()
    }

    /// Why the answer cannot be taken as complete, in words for the page; `None` when it ended normally.
    pub fn problem(&self) -> Option<String> {
        if let Some(e) = &self.error {
            return Some(format!("the server reported an error mid-answer: {e}"));
        }
        if self.stats.is_none() {
            return Some(
                "the stream ended before the final `done` line: the connection was cut or cancelled, so the text may be incomplete"
                    .into(),
            );
        }
        None
    }

    /// The finished answer, or the [`Accumulator::problem`].
    pub fn into_completion(self) -> Result<Completion, String> {
        if let Some(p) = self.problem() {
            return Err(p);
        }
        Ok(Completion {
            text: self.text,
            thinking: self.thinking,
            stats: self.stats.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::ndjson::NdjsonReader;
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_options_are_not_sent() {
        let req = GenerateRequest::new("llama3.2", "Hi");
        assert_eq!(
            req.to_value(),
            json!({"model": "llama3.2", "prompt": "Hi", "stream": true})
        );
    }

    #[test]
    fn set_options_are_sent_inside_options_only() {
        let opts = Options {
            seed: Some(42),
            temperature: Some(0.7),
            stop: Some(vec!["<|eot_id|>".into()]),
            ..Options::default()
        };
        let req = GenerateRequest::new("llama3.2", "<|start_header_id|>user<|end_header_id|>\n\n")
            .raw(true)
            .options(opts);
        let v = req.to_value();
        assert_eq!(v["raw"], true);
        assert_eq!(
            v["options"],
            json!({"seed": 42, "temperature": 0.7, "stop": ["<|eot_id|>"]})
        );
        assert!(v.get("seed").is_none(), "seed must never be top-level");
        let back: GenerateRequest = serde_json::from_value(v).unwrap();
        assert_eq!(back, req);
    }

    #[test]
    fn chat_request_with_schema_format() {
        let schema = json!({"type": "object", "properties": {"score": {"type": "integer"}}});
        let req = ChatRequest::new(
            "llama3.2",
            vec![Message::system("Be brief."), Message::user("Hi")],
        )
        .stream(false)
        .format(schema.clone())
        .options(Options::default().with_seed(1).with_temperature(0.0));
        let v = req.to_value();
        assert_eq!(v["messages"][1], json!({"role": "user", "content": "Hi"}));
        assert_eq!(v["format"], schema);
        assert_eq!(v["stream"], false);
        assert_eq!(v["options"], json!({"seed": 1, "temperature": 0.0}));
    }

    #[test]
    fn events_from_generate_and_chat_lines() {
        assert_eq!(
            parse_event(&json!({"model": "m", "response": "Hel", "done": false})),
            vec![StreamEvent::Delta("Hel".into())]
        );
        assert_eq!(
            parse_event(&json!({"message": {"role": "assistant", "content": "lo"}, "done": false})),
            vec![StreamEvent::Delta("lo".into())]
        );
        assert_eq!(
            parse_event(
                &json!({"message": {"role": "assistant", "content": "", "thinking": "hmm"}, "done": false})
            ),
            vec![StreamEvent::Thinking("hmm".into())]
        );
        assert_eq!(
            parse_event(&json!({"error": "model runner has unexpectedly stopped"})),
            vec![StreamEvent::Error(
                "model runner has unexpectedly stopped".into()
            )]
        );
        assert!(
            matches!(&parse_event(&json!([1]))[0], StreamEvent::Error(e) if e.contains("JSON object"))
        );
        assert!(parse_event(&json!({"model": "m", "done": false})).is_empty());
    }

    #[test]
    fn final_line_gives_stats_and_speed() {
        let line = json!({
            "model": "llama3.2", "created_at": "2025-01-01T00:00:00Z", "response": "", "done": true,
            "done_reason": "stop", "total_duration": 5_000_000_000u64, "load_duration": 1_000_000,
            "prompt_eval_count": 26, "prompt_eval_duration": 130_000_000,
            "eval_count": 290, "eval_duration": 4_000_000_000u64
        });
        let events = parse_event(&line);
        assert_eq!(events.len(), 1);
        let StreamEvent::Done(stats) = &events[0] else {
            panic!("{events:?}")
        };
        assert_eq!(stats.done_reason.as_deref(), Some("stop"));
        assert_eq!(stats.tokens_per_second(), Some(72.5));
        assert_eq!(stats.prompt_tokens_per_second(), Some(200.0));
        assert_eq!(stats.total_seconds(), Some(5.0));
        assert!(!stats.hit_length_limit());
    }

    #[test]
    fn speed_is_none_when_missing_or_zero() {
        let s = FinalStats {
            eval_count: Some(10),
            eval_duration: Some(0),
            ..Default::default()
        };
        assert_eq!(s.tokens_per_second(), None);
        let s = FinalStats {
            eval_count: Some(10),
            ..Default::default()
        };
        assert_eq!(s.tokens_per_second(), None);
        assert_eq!(
            FinalStats::from_value(&json!({"eval_count": "many"})).eval_count,
            None
        );
    }

    #[test]
    fn non_streaming_response() {
        let v = json!({"model": "m", "response": "Paris.", "done": true, "done_reason": "stop", "eval_count": 3, "eval_duration": 100});
        let c = parse_response(&v).unwrap();
        assert_eq!(c.text, "Paris.");
        assert_eq!(c.stats.eval_count, Some(3));
        let chat =
            json!({"message": {"role": "assistant", "content": "{\"score\": 4}"}, "done": true});
        assert_eq!(parse_response(&chat).unwrap().text, "{\"score\": 4}");
        assert_eq!(
            parse_response(&json!({"error": "boom"})).unwrap_err(),
            "boom"
        );
        assert!(parse_response(&json!({"response": "x", "done": false}))
            .unwrap_err()
            .contains("done"));
        assert!(parse_response(&json!({"version": "0.5"}))
            .unwrap_err()
            .contains("Ollama endpoint"));
    }

    #[test]
    fn version_and_tags_tolerate_extra_and_missing_fields() {
        assert_eq!(
            parse_version(&json!({"version": "0.12.3", "extra": 1}))
                .unwrap()
                .version,
            "0.12.3"
        );
        assert!(parse_version(&json!({"status": "ok"}))
            .unwrap_err()
            .contains("/api/version"));
        let tags = json!({"models": [
            {"name": "llama3.2:latest", "model": "llama3.2:latest", "size": 2019393189u64,
             "digest": "a80c", "details": {"format": "gguf", "family": "llama", "families": ["llama"],
             "parameter_size": "3.2B", "quantization_level": "Q4_K_M"}, "expires_at": "x"},
            {"model": "qwen2.5:0.5b"},
            {"size": 1},
            {"name": "odd", "size": "big"}
        ]});
        let t = parse_tags(&tags).unwrap();
        let names: Vec<&str> = t.models.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["llama3.2:latest", "qwen2.5:0.5b"]);
        assert_eq!(t.models[0].details.family.as_deref(), Some("llama"));
        assert_eq!(
            t.models[0].label(),
            "llama3.2:latest — 3.2B, Q4_K_M, 2.0 GB"
        );
        assert_eq!(t.models[1].label(), "qwen2.5:0.5b");
        assert!(parse_tags(&json!({"data": []}))
            .unwrap_err()
            .contains("/api/tags"));
    }

    #[test]
    fn accumulator_over_a_chunked_stream() {
        let stream = concat!(
            "{\"message\":{\"role\":\"assistant\",\"content\":\"Bonjour\"},\"done\":false}\n",
            "{\"message\":{\"role\":\"assistant\",\"content\":\" à tous\"},\"done\":false}\n",
            "{\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"eval_count\":4,\"eval_duration\":2000000}\n"
        );
        let mut reader = NdjsonReader::new();
        let mut acc = Accumulator::default();
        for chunk in stream.as_bytes().chunks(9) {
            for line in reader.push(chunk) {
                acc.apply_line(line);
            }
        }
        if let Some(line) = reader.finish() {
            acc.apply_line(line);
        }
        assert_eq!(acc.problem(), None);
        let c = acc.into_completion().unwrap();
        assert_eq!(c.text, "Bonjour à tous");
        assert_eq!(c.stats.tokens_per_second(), Some(2000.0));
    }

    #[test]
    fn accumulator_reports_midstream_error_and_cut_stream() {
        let mut acc = Accumulator::default();
        acc.apply(&StreamEvent::Delta("par".into()));
        acc.apply(&StreamEvent::Error("out of memory".into()));
        acc.apply(&StreamEvent::Delta("tial".into()));
        assert_eq!(acc.text, "par", "text after an error is ignored");
        assert!(acc.problem().unwrap().contains("out of memory"));

        let mut cut = Accumulator::default();
        cut.apply(&StreamEvent::Delta("half an ans".into()));
        assert!(!cut.is_done());
        assert!(cut
            .into_completion()
            .unwrap_err()
            .contains("before the final `done` line"));
    }

    #[test]
    fn error_message_reads_both_shapes() {
        assert_eq!(error_message(&json!({"error": "x"})).as_deref(), Some("x"));
        assert_eq!(
            error_message(
                &json!({"error": {"message": "bad key", "type": "invalid_request_error"}})
            )
            .as_deref(),
            Some("bad key")
        );
        assert_eq!(error_message(&json!({"error": null})), None);
        assert_eq!(error_message(&json!({"ok": 1})), None);
    }

    /// A stream recorded from the e2e stand-in server (tests/e2e/lib/ollama-standin.mjs), read in 13-byte
    /// chunks: the Rust reader and the stand-in agree on the wire format.
    #[test]
    fn reads_a_recorded_standin_stream() {
        let bytes = include_bytes!("../../../tests/fixtures/llm/standin-chat.ndjson");
        let mut reader = NdjsonReader::new();
        let mut acc = Accumulator::default();
        for chunk in bytes.chunks(13) {
            for line in reader.push(chunk) {
                acc.apply_line(line);
            }
        }
        assert!(reader.finish().is_none());
        assert!(acc.bad_lines.is_empty());
        let c = acc.into_completion().unwrap();
        assert!(c.text.starts_with("Here is an answer"), "{}", c.text);
        assert!(c.text.contains('—'));
        assert_eq!(c.stats.tokens_per_second(), Some(50.0));
    }
}
