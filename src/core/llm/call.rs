//! One model call, whatever the API: what the lab wants (a chat turn, or raw text to continue), the
//! sampling settings, and the exact request that goes on the wire — URL, body and the code-bridge views of
//! it — plus a decoder that turns either API's stream into the same events.
//!
//! The pages only say *what* they want; this module decides *how* each API spells it, so Ollama's native
//! API and an OpenAI-compatible server are interchangeable everywhere a raw template is not needed.

use serde_json::Value;

use super::bridge::Call;
use super::connection::{ApiKind, Endpoint};
use super::ndjson::NdjsonReader;
use super::ollama::{self, Accumulator, ChatRequest, GenerateRequest, Message, Options};
use super::openai::{self, ChatCompletionRequest, SseReader};

/// Sampling and length settings, sent in each API's own place (Ollama: `options`; OpenAI: top level).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sampling {
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub seed: Option<i64>,
    /// Most tokens to generate (`num_predict` / `max_tokens`).
    pub max_tokens: Option<u32>,
    pub stop: Vec<String>,
}

impl Sampling {
    fn ollama_options(&self) -> Options {
        Options {
            seed: self.seed,
            temperature: self.temperature,
            top_p: self.top_p,
            num_predict: self.max_tokens.map(|n| n.min(i32::MAX as u32) as i32),
            stop: (!self.stop.is_empty()).then(|| self.stop.clone()),
            ..Options::default()
        }
    }
}

/// What a call asks of the model.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    /// A conversation turn; `format` is a JSON schema the answer must follow (structured output).
    Chat {
        messages: Vec<Message>,
        format: Option<Value>,
    },
    /// Text for the model to continue exactly as given, no chat template applied (Magpie's pre-query
    /// template). Only Ollama's `/api/generate` with `raw: true` offers this.
    Raw { prompt: String },
}

/// A call ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub kind: ApiKind,
    /// The route, for error messages (`/api/chat`).
    pub path: &'static str,
    pub url: String,
    /// The JSON body, exactly as sent.
    pub body: String,
    /// The same call for the code bridge (JSON, curl, Python).
    pub bridge: Call,
}

/// Builds the request for `intent` on `kind`'s API. Every call streams, so text shows as it arrives.
pub fn plan(
    kind: ApiKind,
    endpoint: &Endpoint,
    model: &str,
    intent: &Intent,
    sampling: &Sampling,
    with_api_key: bool,
) -> Result<Planned, String> {
    let (path, body) = match (kind, intent) {
        (ApiKind::Ollama, Intent::Raw { prompt }) => {
            let req = GenerateRequest::new(model, prompt.clone())
                .raw(true)
                .stream(true)
                .options(sampling.ollama_options());
            (ollama::GENERATE_PATH, to_json(&req))
        }
        (ApiKind::Ollama, Intent::Chat { messages, format }) => {
            let mut req = ChatRequest::new(model, messages.clone())
                .stream(true)
                .options(sampling.ollama_options());
            if let Some(f) = format {
                req = req.format(f.clone());
            }
            (ollama::CHAT_PATH, to_json(&req))
        }
        (ApiKind::OpenAi, Intent::Raw { .. }) => {
            return Err(
                "Magpie's raw pre-query template needs Ollama's own API (/api/generate with raw: true); \
                 an OpenAI-compatible endpoint always applies the chat template. Switch the API to Ollama."
                    .into(),
            )
        }
        (ApiKind::OpenAi, Intent::Chat { messages, format }) => {
            let mut req = ChatCompletionRequest::new(model, messages.clone()).streaming();
            req.temperature = sampling.temperature;
            req.top_p = sampling.top_p;
            req.seed = sampling.seed;
            req.max_tokens = sampling.max_tokens;
            req.stop = (!sampling.stop.is_empty()).then(|| sampling.stop.clone());
            if let Some(f) = format {
                req = req.json_schema("answer", f.clone());
            }
            (openai::CHAT_PATH, to_json(&req))
        }
    };
    let url = endpoint.url(path);
    let bridge = Call {
        method: "POST".into(),
        url: url.clone(),
        body: Some(body.clone()),
        with_api_key,
    };
    Ok(Planned {
        kind,
        path,
        url,
        body,
        bridge,
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("a request always serialises")
}

/// Reads either API's stream into an [`Accumulator`]: NDJSON from Ollama, server-sent events from an
/// OpenAI-compatible server. Chunks may end anywhere, even inside a character.
#[derive(Debug)]
pub enum Decoder {
    Ndjson(NdjsonReader),
    Sse(SseReader),
}

impl Decoder {
    pub fn new(kind: ApiKind) -> Decoder {
        match kind {
            ApiKind::Ollama => Decoder::Ndjson(NdjsonReader::new()),
            ApiKind::OpenAi => Decoder::Sse(SseReader::new()),
        }
    }

    /// Feeds one chunk; returns the answer text it added.
    pub fn push(&mut self, bytes: &[u8], acc: &mut Accumulator) -> String {
        let before = acc.text.len();
        match self {
            Decoder::Ndjson(r) => {
                for line in r.push(bytes) {
                    acc.apply_line(line);
                }
            }
            Decoder::Sse(r) => {
                for e in r.push(bytes) {
                    acc.apply(&e);
                }
            }
        }
        acc.text[before.min(acc.text.len())..].to_string()
    }

    /// Ends the stream (a last line without its newline is read, a half line is reported).
    pub fn finish(&mut self, acc: &mut Accumulator) -> String {
        let before = acc.text.len();
        match self {
            Decoder::Ndjson(r) => {
                if let Some(line) = r.finish() {
                    acc.apply_line(line);
                }
            }
            Decoder::Sse(r) => {
                for e in r.finish() {
                    acc.apply(&e);
                }
            }
        }
        acc.text[before.min(acc.text.len())..].to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::llm::connection::parse_endpoint;

    fn ep() -> Endpoint {
        parse_endpoint("localhost:11434").unwrap()
    }

    #[test]
    fn raw_generation_goes_to_generate_with_options() {
        let s = Sampling {
            temperature: Some(0.8),
            seed: Some(42),
            max_tokens: Some(64),
            stop: vec!["<|eot_id|>".into()],
            ..Sampling::default()
        };
        let p = plan(
            ApiKind::Ollama,
            &ep(),
            "llama3.2",
            &Intent::Raw {
                prompt: "<|begin_of_text|>".into(),
            },
            &s,
            false,
        )
        .unwrap();
        assert_eq!(p.url, "http://localhost:11434/api/generate");
        let v: Value = serde_json::from_str(&p.body).unwrap();
        assert_eq!(v["raw"], true);
        assert_eq!(v["stream"], true);
        assert_eq!(v["options"]["seed"], 42);
        assert_eq!(v["options"]["num_predict"], 64);
        assert_eq!(v["options"]["stop"][0], "<|eot_id|>");
        // The seed is in options, never at the top level where Ollama ignores it.
        assert!(v.get("seed").is_none());
    }

    #[test]
    fn chat_on_openai_puts_sampling_at_the_top_and_refuses_raw() {
        let s = Sampling {
            temperature: Some(0.0),
            seed: Some(123),
            ..Sampling::default()
        };
        let intent = Intent::Chat {
            messages: vec![Message::user("hi")],
            format: None,
        };
        let p = plan(ApiKind::OpenAi, &ep(), "m", &intent, &s, true).unwrap();
        assert!(p.url.ends_with("/v1/chat/completions"));
        let v: Value = serde_json::from_str(&p.body).unwrap();
        assert_eq!(v["seed"], 123);
        assert!(p.bridge.with_api_key);
        let raw = Intent::Raw { prompt: "x".into() };
        assert!(plan(ApiKind::OpenAi, &ep(), "m", &raw, &s, false).is_err());
    }

    #[test]
    fn decoder_reads_split_ndjson() {
        let stream = "{\"message\":{\"content\":\"Hé\"},\"done\":false}\n{\"message\":{\"content\":\"llo\"},\"done\":false}\n{\"done\":true,\"eval_count\":2,\"eval_duration\":1000000000}\n";
        for cut in 1..stream.len() {
            let mut d = Decoder::new(ApiKind::Ollama);
            let mut acc = Accumulator::default();
            let mut text = d.push(&stream.as_bytes()[..cut], &mut acc);
            text += &d.push(&stream.as_bytes()[cut..], &mut acc);
            text += &d.finish(&mut acc);
            assert_eq!(text, "Héllo");
            assert!(acc.is_done());
        }
    }
}
