//! The in-page model answers the requests the labs send to Ollama, in Ollama's own words: the same paths
//! (`/api/generate`, raw or templated; `/api/chat`; `/api/tags`, `/api/version`, `/api/ps`), the same JSON
//! bodies and the same streamed NDJSON lines. So the labs keep one code path — their request builders,
//! stream decoder, run bundles and retries do not know whether Ollama or the page answered.

use serde_json::{json, Value};

use super::engine::{DoneReason, GenOptions, GenStats, Model, ModelError};
use super::json_schema::Schema;
use crate::core::llm::ollama::{
    ChatRequest, GenerateRequest, Message, Options, CHAT_PATH, GENERATE_PATH, TAGS_PATH,
    VERSION_PATH,
};
use crate::core::llm::ps::PS_PATH;

/// The version `/api/version` reports, so a student can tell the in-page model from an Ollama server.
pub const VERSION: &str = "datalab-in-page";

/// A request the model can run: its prompt (already rendered), options, and which reply shape it wants.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub model: String,
    pub prompt: String,
    pub opts: GenOptions,
    pub chat: bool,
    pub stream: bool,
    pub format: Option<Value>,
}

/// Ollama's options onto the engine's, with Ollama's defaults where a field is not sent; any `format`
/// (`"json"` or a schema) constrains the answer to JSON.
pub fn gen_options(o: &Options, format: Option<&Value>) -> GenOptions {
    let d = GenOptions::default();
    GenOptions {
        seed: o.seed.map_or(d.seed, |s| s as u64),
        temperature: o.temperature.unwrap_or(d.temperature),
        top_k: o.top_k.map_or(d.top_k, |k| k as usize),
        top_p: o.top_p.unwrap_or(d.top_p),
        num_predict: o.num_predict.and_then(|n| (n >= 0).then_some(n as usize)),
        stop: o.stop.clone().unwrap_or_default(),
        repeat_penalty: o.repeat_penalty.unwrap_or(d.repeat_penalty),
        // Ollama reads -1 as "the whole context".
        repeat_last_n: o.repeat_last_n.map_or(d.repeat_last_n, |n| {
            usize::try_from(n).unwrap_or(usize::MAX)
        }),
        json: format.is_some(),
        // A schema in the subset the engine follows; any other schema still gets one JSON object.
        schema: format
            .filter(|f| f.is_object())
            .and_then(|f| Schema::from_json(f).ok()),
    }
}

/// Reads a generation or chat request for `model` (which renders the prompt).
pub fn plan(model: &Model, path: &str, body: &Value) -> Result<Planned, String> {
    if path.ends_with(GENERATE_PATH) {
        let r: GenerateRequest = serde_json::from_value(body.clone())
            .map_err(|e| format!("the request body is not a generate request: {e}"))?;
        let prompt = if r.raw {
            r.prompt.clone()
        } else {
            let mut messages = Vec::new();
            if let Some(s) = &r.system {
                messages.push(Message::system(s.clone()));
            }
            messages.push(Message::user(r.prompt.clone()));
            model.chat_prompt(&messages).map_err(|e| e.to_string())?
        };
        Ok(Planned {
            model: r.model,
            prompt,
            opts: gen_options(&r.options, r.format.as_ref()),
            chat: false,
            stream: r.stream,
            format: r.format,
        })
    } else if path.ends_with(CHAT_PATH) {
        let r: ChatRequest = serde_json::from_value(body.clone())
            .map_err(|e| format!("the request body is not a chat request: {e}"))?;
        let prompt = model.chat_prompt(&r.messages).map_err(|e| e.to_string())?;
        Ok(Planned {
            model: r.model,
            prompt,
            opts: gen_options(&r.options, r.format.as_ref()),
            chat: true,
            stream: r.stream,
            format: r.format,
        })
    } else {
        Err(format!("the in-page model does not answer {path}"))
    }
}

/// The name the in-page model is listed and requested under.
pub fn model_name(model: &Model) -> String {
    model.info.name.clone()
}

/// Answers the requests that need no generation: `/api/version`, `/api/tags`, `/api/ps`.
pub fn answer_info(model: Option<&Model>, path: &str) -> Option<Value> {
    let entry = |m: &Model| {
        json!({
            "name": model_name(m),
            "model": model_name(m),
            "size": m.info.bytes,
            "details": {
                "format": "gguf",
                "family": m.info.arch,
                "parameter_size": params_label(m.info.params),
                "quantization_level": m.info.quant,
            }
        })
    };
    if path.ends_with(VERSION_PATH) {
        Some(json!({ "version": VERSION }))
    } else if path.ends_with(TAGS_PATH) || path.ends_with(PS_PATH) {
        Some(json!({ "models": model.map(entry).into_iter().collect::<Vec<_>>() }))
    } else {
        None
    }
}

/// "135M", "0.5B": parameter counts as Ollama writes them.
pub fn params_label(n: u64) -> String {
    if n >= 1_000_000_000 {
        format!("{:.1}B", n as f64 / 1e9)
    } else {
        format!("{}M", (n as f64 / 1e6).round() as u64)
    }
}

/// One streamed line with `text`.
pub fn chunk_line(p: &Planned, text: &str, created_at: &str) -> String {
    let v = if p.chat {
        json!({ "model": p.model, "created_at": created_at, "message": { "role": "assistant", "content": text }, "done": false })
    } else {
        json!({ "model": p.model, "created_at": created_at, "response": text, "done": false })
    };
    v.to_string()
}

/// The final line: `done`, why, and Ollama's counts and durations (nanoseconds; `load_ms` is the model
/// load this call waited for, 0 once loaded). `text` is the whole answer when the request did not stream.
pub fn done_line(
    p: &Planned,
    stats: &GenStats,
    load_ms: f64,
    created_at: &str,
    text: Option<&str>,
) -> String {
    let ns = |ms: f64| (ms * 1e6).round() as u64;
    let reason = match stats.done {
        DoneReason::Stop => "stop",
        DoneReason::Length => "length",
        DoneReason::Cancelled => "cancelled",
    };
    let mut v = json!({
        "model": p.model,
        "created_at": created_at,
        "done": true,
        "done_reason": reason,
        "total_duration": ns(load_ms + stats.prompt_ms + stats.eval_ms),
        "load_duration": ns(load_ms),
        "prompt_eval_count": stats.prompt_tokens,
        "prompt_eval_duration": ns(stats.prompt_ms),
        "eval_count": stats.generated.len(),
        "eval_duration": ns(stats.eval_ms),
    });
    let text = text.unwrap_or("");
    if p.chat {
        v["message"] = json!({ "role": "assistant", "content": text });
    } else {
        v["response"] = json!(text);
    }
    v.to_string()
}

/// An error line, as Ollama sends one mid-stream.
pub fn error_line(e: &ModelError) -> String {
    json!({ "error": e.to_string() }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_ollamas_with_its_defaults() {
        let o: Options = serde_json::from_value(serde_json::json!({
            "seed": 5, "temperature": 0, "top_k": 3, "num_predict": 9, "stop": ["\n"],
            "repeat_penalty": 1.0, "repeat_last_n": -1
        }))
        .unwrap();
        let g = gen_options(&o, None);
        assert_eq!(
            (g.seed, g.temperature, g.top_k, g.num_predict),
            (5, 0.0, 3, Some(9))
        );
        assert_eq!(g.stop, ["\n"]);
        assert_eq!((g.repeat_penalty, g.repeat_last_n), (1.0, usize::MAX));
        assert!(!g.json);
        let d = gen_options(&Options::default(), Some(&serde_json::json!("json")));
        let want = GenOptions::default();
        assert_eq!(
            (d.repeat_penalty, d.repeat_last_n),
            (want.repeat_penalty, want.repeat_last_n)
        );
        assert_eq!((d.temperature, d.top_k, d.top_p), (0.8, 40, 0.9));
        assert_eq!(d.num_predict, None, "no limit unless asked");
        assert!(d.json);
        assert_eq!(d.schema, None, "\"json\" is no schema");
        let rubric = crate::core::llm::judge::schema(&crate::core::llm::judge::Rubric::default());
        assert!(gen_options(&Options::default(), Some(&rubric))
            .schema
            .is_some());
        let nested = serde_json::json!({"type": "object", "properties": {"a": {"type": "object"}}});
        let g = gen_options(&Options::default(), Some(&nested));
        assert!(
            g.json && g.schema.is_none(),
            "outside the subset: one JSON object"
        );
    }
}
