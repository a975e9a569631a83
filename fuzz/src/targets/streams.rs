//! Streamed model answers: Ollama's NDJSON, OpenAI-compatible server-sent events, and the decoder the labs
//! use for both. The network may cut a stream anywhere, even inside a character.

use datalab::core::llm::call::Decoder;
use datalab::core::llm::connection::ApiKind;
use datalab::core::llm::ndjson::{read_all, NdjsonReader};
use datalab::core::llm::ollama::Accumulator;
use datalab::core::llm::openai::SseReader;

use super::{ensure, lines_in, JSON_DICT};
use crate::engine::{default_bound, Target};
use crate::split::{pieces, random_pieces};

pub const NDJSON: Target = Target {
    name: "ndjson",
    about: "NDJSON streams (Ollama): read whole and cut at every byte / random points",
    run: ndjson,
    max_len: 8 << 10,
    dict: JSON_DICT,
    bound: default_bound,
};

pub const SSE: Target = Target {
    name: "sse",
    about: "server-sent event streams (OpenAI-compatible): read whole and cut anywhere",
    run: sse,
    max_len: 8 << 10,
    dict: &[
        b"data: ",
        b"data:",
        b"[DONE]",
        b"\n\n",
        b"\r\n",
        b"event: ",
        b": ping\n",
        b"{\"choices\":[{\"delta\":{\"content\":\"",
        b"\"finish_reason\":\"stop\"",
        b"\"usage\":",
    ],
    bound: default_bound,
};

pub const DECODER: Target = Target {
    name: "stream-decoder",
    about: "the labs' stream decoder (both APIs) folding events into an answer, cut anywhere",
    run: decoder,
    max_len: 8 << 10,
    dict: &[
        b"{\"response\":\"",
        b"\"done\":true",
        b"\"error\":",
        b"\"message\":{\"content\":\"",
        b"\"eval_count\":",
        b"data: ",
        b"[DONE]",
        b"\n",
        b"\"thinking\":\"",
    ],
    bound: default_bound,
};

fn ndjson(data: &[u8]) -> Result<(), String> {
    let whole = read_all(data);
    let lines = lines_in(data);
    for e in whole.iter().filter_map(|r| r.as_ref().err()) {
        ensure(e.line >= 1 && e.line <= lines, || {
            format!(
                "an NDJSON error names line {}, the stream has {lines}",
                e.line
            )
        })?;
    }
    for (k, parts) in [pieces(data, 4), random_pieces(data, 5)]
        .into_iter()
        .enumerate()
    {
        let mut r = NdjsonReader::new();
        let mut got = Vec::new();
        for p in parts {
            got.extend(r.push(p));
        }
        got.extend(r.finish());
        ensure(got == whole, || {
            format!("NDJSON cut ({k}) reads differently from whole")
        })?;
    }
    Ok(())
}

fn sse_read(parts: &[&[u8]]) -> String {
    let mut r = SseReader::new();
    let mut events = Vec::new();
    for p in parts {
        events.extend(r.push(p));
    }
    events.extend(r.finish());
    format!("{events:?}")
}

fn sse(data: &[u8]) -> Result<(), String> {
    let whole = sse_read(&[data]);
    for (k, parts) in [pieces(data, 6), random_pieces(data, 7)]
        .into_iter()
        .enumerate()
    {
        let cut = sse_read(&parts);
        ensure(cut == whole, || {
            format!("SSE cut ({k}) reads differently: {cut:.300} vs {whole:.300}")
        })?;
    }
    Ok(())
}

fn decode(kind: ApiKind, parts: &[&[u8]]) -> (Accumulator, String) {
    let mut d = Decoder::new(kind);
    let mut acc = Accumulator::default();
    let mut shown = String::new();
    for p in parts {
        shown.push_str(&d.push(p, &mut acc));
    }
    shown.push_str(&d.finish(&mut acc));
    (acc, shown)
}

fn decoder(data: &[u8]) -> Result<(), String> {
    for kind in [ApiKind::Ollama, ApiKind::OpenAi] {
        let (whole, shown) = decode(kind, &[data]);
        ensure(shown == whole.text, || {
            format!("{kind:?}: the text shown live is not the answer's text")
        })?;
        let (cut, cut_shown) = decode(kind, &random_pieces(data, 8));
        ensure(cut == whole && cut_shown == shown, || {
            format!("{kind:?}: the answer differs when the stream is cut: {cut:?} vs {whole:?}")
        })?;
    }
    Ok(())
}
