//! The in-page model's inputs: GGUF files (header, metadata, tokenizer, chat template, tensor table),
//! chat templates on their own, and the JSON schemas that constrain decoding.

use datalab::core::model::engine::Model;
use datalab::core::model::json_schema::{Schema, SchemaGuard};
use datalab::core::model::template::{ChatTemplate, Message};
use serde_json::Value;

use super::ensure;
use crate::engine::Target;

pub const GGUF: Target = Target {
    name: "gguf",
    about: "GGUF model files: header, metadata, tokenizer, chat template and tensor table, loaded",
    run: gguf,
    max_len: 96 << 10,
    dict: &[
        b"GGUF",
        b"general.architecture",
        b"llama",
        b"qwen2",
        b"tokenizer.ggml.tokens",
        b"tokenizer.ggml.merges",
        b"tokenizer.chat_template",
        b"tokenizer.ggml.pre",
        b"{{",
        b"}}",
        b"{%",
        b"%}",
        b"\xff\xff\xff\xff\xff\xff\xff\x7f",
    ],
    // A model is held whole in memory as weights (dequantised rows may widen 4×), so a file may cost a
    // multiple of its size — but never what its header merely claims.
    bound: |n| (64 << 20) + 32 * n,
};

pub const CHAT_TEMPLATE: Target = Target {
    name: "chat-template",
    about: "chat templates (Jinja, from a model file), compiled and rendered",
    run: chat_template,
    max_len: 4 << 10,
    dict: &[
        b"{{",
        b"}}",
        b"{%",
        b"%}",
        b"{#",
        b"#}",
        b" for ",
        b" in ",
        b"messages",
        b"endfor",
        b" if ",
        b"endif",
        b"range(",
        b"loop.",
        b"raise_exception(",
        b".strip()",
        b"~",
        b"*",
        b"9999999",
        b"|join",
        b"namespace(",
        b"{% set ",
    ],
    // Jinja can build big values on purpose (`'x' * 4000000`); minijinja caps a repeated string at 100 MB
    // and a repeated list at 100 million items (found by fuzzing: 150 MB from a 94-byte template). The
    // bound is those caps, not the input's size: in the page the template runs in the model's worker.
    bound: |_| 3 << 30,
};

pub const JSON_SCHEMA: Target = Target {
    name: "json-schema",
    about: "JSON schemas for constrained decoding (schema, then NUL, then an answer): no dead ends, and an answer the guard completes parses",
    run: json_schema,
    max_len: 4 << 10,
    dict: &[b"\x00", b"{\"type\":\"object\",\"properties\":{", b"\"type\":\"integer\"", b"\"type\":\"string\"", b"\"minimum\":", b"\"maximum\":", b"\"required\":[", b"\"enum\":[", b"}", b"\"", b","],
    bound: crate::engine::default_bound,
};

fn gguf(data: &[u8]) -> Result<(), String> {
    match Model::load(data) {
        Err(e) => ensure(!e.to_string().is_empty(), || "an empty error".into()),
        // A file that loads must also run: one token through the network (errors are fine, panics not).
        Ok(mut m) => {
            let _ = m.next_logits(&[0]);
            let _ = m.chat_prompt(&[Message::new("user", "hi")]);
            Ok(())
        }
    }
}

fn chat_template(data: &[u8]) -> Result<(), String> {
    let Ok(src) = std::str::from_utf8(data) else {
        return Ok(());
    };
    let Ok(t) = ChatTemplate::new(src) else {
        return Ok(());
    };
    let messages = [
        Message::new("system", "Be brief."),
        Message::new("user", "What is a token?"),
        Message::new("assistant", "A piece of text."),
    ];
    let _ = t.render(&messages, true, "<s>", "</s>");
    Ok(())
}

fn json_schema(data: &[u8]) -> Result<(), String> {
    let cut = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (schema, answer) = (&data[..cut], data.get(cut + 1..).unwrap_or(&[]));
    let Ok(v) = serde_json::from_slice::<Value>(schema) else {
        return Ok(());
    };
    let Ok(s) = Schema::from_json(&v) else {
        return Ok(());
    };
    if let Some(g) = SchemaGuard::default().after(&s, answer) {
        // No dead ends: decoding masks every token the guard refuses, so a state no byte can leave would
        // leave the sampler nothing to pick (found by fuzzing's model test: a half-written surrogate).
        ensure(
            g.done() || (0..=255u8).any(|b| g.after(&s, &[b]).is_some()),
            || {
                format!(
                    "the guard reached a state no byte continues after {}",
                    String::from_utf8_lossy(answer)
                )
            },
        )?;
        if g.done() {
            serde_json::from_slice::<Value>(answer).map_err(|e| {
                format!(
                    "the guard accepted a complete answer that is not JSON ({e}): {}",
                    String::from_utf8_lossy(answer)
                )
            })?;
        }
    }
    Ok(())
}
