//! The code bridge: every call the lab makes, shown as the exact request JSON and as the same call in curl
//! and in Python with `requests` — so what a student clicked through becomes code they can paste into a
//! terminal or a notebook and get the same answer (the deck's code-demonstration slides).
//!
//! Faithfulness matters more than looks: the curl body is the request JSON, single-quoted for the shell
//! (a `'` inside becomes `'\''`), and the tests unquote it again and compare; the Python payload is the same
//! value written as a Python literal (`True`, `False`, `None`). Keys keep the order they are sent in
//! (`model` first), which a `serde_json::Value` would lose — its maps are sorted — so a [`Call`] holds the
//! body as JSON text. An API key is never written into either view — only a reference to the
//! `OPENAI_API_KEY` environment variable — so a screenshot or a copied cell leaks nothing.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Serialize;

/// The three views of one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeViews {
    /// The request body, pretty-printed (or a note that a GET has none).
    pub json: String,
    pub curl: String,
    pub python: String,
}

/// One HTTP call as the lab makes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// `GET` or `POST`.
    pub method: String,
    pub url: String,
    /// The body as compact JSON text, keys in the order they are sent.
    pub body: Option<String>,
    /// The call sends `Authorization: Bearer <key>`; the code reads the key from `OPENAI_API_KEY`.
    pub with_api_key: bool,
}

impl Call {
    pub fn get(url: impl Into<String>) -> Call {
        Call {
            method: "GET".into(),
            url: url.into(),
            body: None,
            with_api_key: false,
        }
    }

    /// A POST of any serialisable body: a request struct (fields in declaration order, as sent) or a
    /// `serde_json::Value` (keys sorted).
    pub fn post<T: Serialize + ?Sized>(url: impl Into<String>, body: &T) -> Call {
        Call {
            method: "POST".into(),
            url: url.into(),
            body: Some(serde_json::to_string(body).expect("a request body always serialises")),
            with_api_key: false,
        }
    }

    /// Marks the call as authenticated with an API key (the key itself is never given here).
    pub fn with_api_key(mut self, yes: bool) -> Call {
        self.with_api_key = yes;
        self
    }

    fn tree(&self) -> Option<Json> {
        let text = self.body.as_deref()?;
        // A body that is not JSON is shown as a string rather than lost.
        Some(serde_json::from_str(text).unwrap_or_else(|_| Json::Str(text.to_string())))
    }
}

/// A JSON value that keeps object keys in document order.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    /// The number as serde_json writes it.
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
                Ok(Json::Bool(b))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
                Ok(Json::Num(n.to_string()))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
                Ok(Json::Num(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Json, E> {
                serde_json::Number::from_f64(n)
                    .map(|x| Json::Num(x.to_string()))
                    .ok_or_else(|| E::custom("a number JSON cannot hold"))
            }
            fn visit_str<E>(self, s: &str) -> Result<Json, E> {
                Ok(Json::Str(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Json, E> {
                Ok(Json::Str(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(x) = seq.next_element()? {
                    items.push(x);
                }
                Ok(Json::Arr(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut fields = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Json>()? {
                    fields.push((k, v));
                }
                Ok(Json::Obj(fields))
            }
        }
        d.deserialize_any(V)
    }
}

/// How the answer arrives, which decides the Python reading loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Generate,
    Chat,
    OpenAiChat,
    Other,
}

fn route(url: &str) -> Route {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    if path.ends_with("/api/generate") {
        Route::Generate
    } else if path.ends_with("/api/chat") {
        Route::Chat
    } else if path.ends_with("/v1/chat/completions") {
        Route::OpenAiChat
    } else {
        Route::Other
    }
}

fn is_streaming(call: &Call, body: &Json) -> bool {
    // Ollama streams unless told not to; OpenAI-compatible servers only when asked.
    match body.get("stream") {
        Some(Json::Bool(b)) => *b,
        _ => matches!(route(&call.url), Route::Generate | Route::Chat),
    }
}

/// All three views.
pub fn render(call: &Call) -> CodeViews {
    CodeViews {
        json: match call.tree() {
            Some(b) => pretty(&b, 0),
            None => format!("(no body: {} {})", call.method, call.url),
        },
        curl: curl(call),
        python: python(call),
    }
}

/// The body with two-space indentation, keys in sent order (the lab sends it compact; the bytes differ only
/// in whitespace).
pub fn pretty_json(call: &Call) -> Option<String> {
    call.tree().map(|t| pretty(&t, 0))
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serialises")
}

fn pretty(v: &Json, indent: usize) -> String {
    let pad = " ".repeat(indent + 2);
    let close = " ".repeat(indent);
    match v {
        Json::Arr(items) if !items.is_empty() => {
            let lines: Vec<String> = items
                .iter()
                .map(|x| format!("{pad}{}", pretty(x, indent + 2)))
                .collect();
            format!("[\n{}\n{close}]", lines.join(",\n"))
        }
        Json::Obj(fields) if !fields.is_empty() => {
            let lines: Vec<String> = fields
                .iter()
                .map(|(k, x)| format!("{pad}{}: {}", json_string(k), pretty(x, indent + 2)))
                .collect();
            format!("{{\n{}\n{close}}}", lines.join(",\n"))
        }
        Json::Arr(_) => "[]".into(),
        Json::Obj(_) => "{}".into(),
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Num(n) => n.clone(),
        Json::Str(s) => json_string(s),
    }
}

/// Quotes a string for a POSIX shell: inside single quotes nothing is special except `'` itself, which
/// is written as `'\''` (end quote, escaped quote, reopen).
pub fn shell_single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Leaves plain URLs unquoted (easier to read) and quotes anything with shell-special characters.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+,=".contains(c));
    if plain {
        s.to_string()
    } else {
        shell_single_quote(s)
    }
}

/// The call as a curl command, one option per line.
pub fn curl(call: &Call) -> String {
    let mut parts = vec![format!("curl {}", shell_word(&call.url))];
    let body = call.tree();
    if body.as_ref().is_some_and(|b| is_streaming(call, b)) {
        // Print pieces as they arrive instead of waiting for the whole answer.
        parts.push("-N".into());
    }
    let implied = if body.is_some() { "POST" } else { "GET" };
    if !call.method.eq_ignore_ascii_case(implied) {
        parts.push(format!("-X {}", call.method.to_ascii_uppercase()));
    }
    if call.with_api_key {
        // Double quotes so the shell substitutes the variable; the key itself is never shown.
        parts.push("-H \"Authorization: Bearer $OPENAI_API_KEY\"".into());
    }
    if let Some(body) = &body {
        parts.push("-H 'Content-Type: application/json'".into());
        parts.push(format!("-d {}", shell_single_quote(&pretty(body, 0))));
    }
    parts.join(" \\\n  ")
}

/// The body as a Python literal (`None` for a GET): the same structure, with `True`/`False`/`None`. JSON
/// string escapes (`\"`, `\\`, `\n`, `\uXXXX`) mean the same in Python, so strings are written as JSON
/// writes them.
pub fn python_literal(call: &Call) -> Option<String> {
    call.tree().map(|t| literal(&t, 0))
}

/// Longest line a nested value may take before it is broken over several lines.
const WIDTH: usize = 88;

fn inline(v: &Json) -> String {
    match v {
        Json::Null => "None".into(),
        Json::Bool(true) => "True".into(),
        Json::Bool(false) => "False".into(),
        Json::Num(n) => n.clone(),
        Json::Str(s) => json_string(s),
        Json::Arr(items) => format!(
            "[{}]",
            items.iter().map(inline).collect::<Vec<_>>().join(", ")
        ),
        Json::Obj(fields) => format!(
            "{{{}}}",
            fields
                .iter()
                .map(|(k, v)| format!("{}: {}", json_string(k), inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Short containers stay on one line; long ones (or ones holding multi-line text) get one item per line,
/// with trailing commas as Python style guides write them.
fn literal(v: &Json, indent: usize) -> String {
    let flat = inline(v);
    let nested =
        matches!(v, Json::Arr(a) if !a.is_empty()) || matches!(v, Json::Obj(o) if !o.is_empty());
    if !nested || (indent + flat.chars().count() <= WIDTH && !flat.contains("\\n")) {
        return flat;
    }
    let pad = " ".repeat(indent + 4);
    let close = " ".repeat(indent);
    match v {
        Json::Arr(items) => {
            let lines: Vec<String> = items
                .iter()
                .map(|x| format!("{pad}{},", literal(x, indent + 4)))
                .collect();
            format!("[\n{}\n{close}]", lines.join("\n"))
        }
        Json::Obj(fields) => {
            let lines: Vec<String> = fields
                .iter()
                .map(|(k, x)| format!("{pad}{}: {},", json_string(k), literal(x, indent + 4)))
                .collect();
            format!("{{\n{}\n{close}}}", lines.join("\n"))
        }
        _ => flat,
    }
}

/// The call in Python with `requests`, reading a stream line by line when the call streams.
pub fn python(call: &Call) -> String {
    let body = call.tree();
    let streaming = body.as_ref().is_some_and(|b| is_streaming(call, b));
    let route = route(&call.url);
    let mut out = String::new();
    let needs_json = streaming || body.is_none() || route == Route::Other;
    if needs_json {
        out.push_str("import json\n");
    }
    if call.with_api_key {
        out.push_str("import os\n");
    }
    if needs_json || call.with_api_key {
        out.push('\n');
    }
    out.push_str("import requests\n\n");
    out.push_str(&format!("url = {}\n", json_string(&call.url)));
    let mut args = vec!["url".to_string()];
    if call.with_api_key {
        out.push_str("# The key comes from the environment, never from the code.\n");
        out.push_str(
            "headers = {\"Authorization\": \"Bearer \" + os.environ[\"OPENAI_API_KEY\"]}\n",
        );
        args.push("headers=headers".into());
    }
    if let Some(body) = &body {
        out.push_str(&format!("payload = {}\n", literal(body, 0)));
        args.push("json=payload".into());
    }
    out.push('\n');
    let method = call.method.to_ascii_lowercase();
    if body.is_none() {
        out.push_str(&format!(
            "response = requests.{method}({}, timeout=30)\nresponse.raise_for_status()\nprint(json.dumps(response.json(), indent=2))\n",
            args.join(", ")
        ));
        return out;
    }
    if !streaming {
        let text = match route {
            Route::Generate => "print(data[\"response\"])",
            Route::Chat => "print(data[\"message\"][\"content\"])",
            Route::OpenAiChat => "print(data[\"choices\"][0][\"message\"][\"content\"])",
            Route::Other => "print(json.dumps(data, indent=2))",
        };
        out.push_str(&format!(
            "response = requests.{method}({}, timeout=600)\nresponse.raise_for_status()\ndata = response.json()\n{text}\n",
            args.join(", ")
        ));
        return out;
    }
    args.push("stream=True".into());
    out.push_str(&format!(
        "with requests.{method}({}, timeout=600) as response:\n    response.raise_for_status()\n",
        args.join(", ")
    ));
    match route {
        Route::OpenAiChat => out.push_str(concat!(
            "    # Server-sent events: lines \"data: {...}\", ending with \"data: [DONE]\".\n",
            "    for line in response.iter_lines():\n",
            "        if not line.startswith(b\"data: \"):\n",
            "            continue\n",
            "        data = line[len(b\"data: \"):]\n",
            "        if data == b\"[DONE]\":\n",
            "            break\n",
            "        chunk = json.loads(data)\n",
            "        if \"error\" in chunk:\n",
            "            raise RuntimeError(chunk[\"error\"])\n",
            "        if chunk[\"choices\"]:\n",
            "            print(chunk[\"choices\"][0][\"delta\"].get(\"content\") or \"\", end=\"\", flush=True)\n",
            "    print()\n",
        )),
        _ => {
            let piece = match route {
                Route::Generate => "chunk[\"response\"]",
                Route::Chat => "chunk[\"message\"][\"content\"]",
                _ => "chunk",
            };
            out.push_str(&format!(
                concat!(
                    "    # One JSON object per line (NDJSON); the last one has \"done\": true.\n",
                    "    for line in response.iter_lines():\n",
                    "        if not line:\n",
                    "            continue\n",
                    "        chunk = json.loads(line)\n",
                    "        if \"error\" in chunk:  # an error can arrive mid-stream with status 200\n",
                    "            raise RuntimeError(chunk[\"error\"])\n",
                    "        print({piece}, end=\"\", flush=True)\n",
                    "        if chunk.get(\"done\"):\n",
                    "            print()\n",
                    "            if chunk.get(\"eval_duration\"):\n",
                    "                print(f\"{{chunk['eval_count'] / chunk['eval_duration'] * 1e9:.1f}} tokens/s\")\n",
                ),
                piece = piece
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::llm::ollama::{ChatRequest, Message, Options};
    use serde_json::{json, Value};

    /// A small POSIX-shell word splitter: single quotes, double quotes (with `\"` and `\\`), backslash
    /// escapes, and backslash-newline continuations. Enough to check that our quoting round-trips.
    fn shell_words(s: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut cur = String::new();
        let mut in_word = false;
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' => {
                    in_word = true;
                    for d in chars.by_ref() {
                        if d == '\'' {
                            break;
                        }
                        cur.push(d);
                    }
                }
                '"' => {
                    in_word = true;
                    while let Some(d) = chars.next() {
                        match d {
                            '"' => break,
                            '\\' if matches!(chars.peek(), Some('"' | '\\' | '$')) => {
                                cur.push(chars.next().unwrap())
                            }
                            _ => cur.push(d),
                        }
                    }
                }
                '\\' => match chars.next() {
                    Some('\n') => {}
                    Some(d) => {
                        in_word = true;
                        cur.push(d)
                    }
                    None => {}
                },
                c if c.is_whitespace() => {
                    if in_word {
                        words.push(std::mem::take(&mut cur));
                        in_word = false;
                    }
                }
                _ => {
                    in_word = true;
                    cur.push(c)
                }
            }
        }
        if in_word {
            words.push(cur);
        }
        words
    }

    fn chat_body() -> Value {
        json!({
            "model": "llama3.2",
            "messages": [
                {"role": "system", "content": "You're a careful reviewer; don't invent facts."},
                {"role": "user", "content": "Say 'hi' in \"quotes\"\nthen a backslash \\ and é 🦙."}
            ],
            "stream": true,
            "options": {"seed": 42, "temperature": 0.7, "stop": ["<|eot_id|>"]},
            "format": null,
            "raw": false
        })
    }

    #[test]
    fn shell_quote_round_trips() {
        for s in [
            "plain",
            "it's",
            "'",
            "''",
            "a'b'c",
            "$HOME `x` \"y\" \\z",
            "line\nbreak",
            "",
        ] {
            assert_eq!(
                shell_words(&shell_single_quote(s)),
                vec![s.to_string()],
                "{s:?}"
            );
        }
    }

    #[test]
    fn curl_body_round_trips_through_the_shell() {
        let body = chat_body();
        let call = Call::post("http://localhost:11434/api/chat", &body);
        let cmd = curl(&call);
        let words = shell_words(&cmd);
        assert_eq!(words[0], "curl");
        assert_eq!(words[1], "http://localhost:11434/api/chat");
        assert!(
            words.contains(&"-N".to_string()),
            "streaming calls disable buffering: {words:?}"
        );
        let d = words.iter().position(|w| w == "-d").unwrap();
        let sent: Value = serde_json::from_str(&words[d + 1]).unwrap();
        assert_eq!(sent, body);
        assert!(!cmd.contains("Authorization"));
        assert!(!cmd.contains("-X"), "POST is implied by -d");
    }

    #[test]
    fn api_key_is_a_variable_never_a_value() {
        let body = json!({"model": "gpt-4o-mini", "messages": [], "stream": false});
        let call =
            Call::post("https://api.openai.com/v1/chat/completions", &body).with_api_key(true);
        let views = render(&call);
        let words = shell_words(&views.curl);
        assert!(
            words.contains(&"Authorization: Bearer $OPENAI_API_KEY".to_string()),
            "{words:?}"
        );
        assert!(views.python.contains("os.environ[\"OPENAI_API_KEY\"]"));
        assert!(views.python.contains("headers=headers"));
        assert!(!views.curl.contains("-N"));
        assert!(views
            .python
            .contains("data[\"choices\"][0][\"message\"][\"content\"]"));
    }

    #[test]
    fn python_literal_uses_python_constants() {
        let lit = python_literal(&Call::post("http://x/api/chat", &chat_body())).unwrap();
        assert!(lit.contains("\"stream\": True"), "{lit}");
        assert!(lit.contains("\"raw\": False"));
        assert!(lit.contains("\"format\": None"));
        assert!(!lit.contains("true") && !lit.contains("null") && !lit.contains("false"));
        // The multi-line user message spreads the structure over several lines, with trailing commas;
        // short parts stay on one line.
        assert!(lit.contains("\n    \"options\": {\"seed\": 42, \"stop\": [\"<|eot_id|>\"], \"temperature\": 0.7},\n"), "{lit}");
        // Escapes are the JSON ones, which Python reads the same way.
        assert!(
            lit.contains(r#"Say 'hi' in \"quotes\"\nthen a backslash \\ and é 🦙."#),
            "{lit}"
        );
        let lit = |v: &Value| python_literal(&Call::post("http://x", v)).unwrap();
        assert_eq!(lit(&json!([])), "[]");
        assert_eq!(
            lit(&json!({"a": [1, 2.5, null, -3]})),
            "{\"a\": [1, 2.5, None, -3]}"
        );
        assert_eq!(python_literal(&Call::get("http://x")), None);
    }

    #[test]
    fn python_streams_ndjson_for_ollama() {
        let call = Call::post("http://localhost:11434/api/chat", &chat_body());
        let py = python(&call);
        assert!(py.contains("stream=True"));
        assert!(py.contains("response.iter_lines()"));
        assert!(py.contains("json.loads(line)"));
        assert!(py.contains("print(chunk[\"message\"][\"content\"], end=\"\", flush=True)"));
        assert!(py.contains("tokens/s"));
        assert!(py.contains("json=payload"));
        assert!(!py.contains("import os"));
        let gen = json!({"model": "llama3.2", "prompt": "x", "raw": true});
        let call = Call::post("http://localhost:11434/api/generate", &gen);
        // `stream` absent means Ollama streams.
        assert!(python(&call).contains("print(chunk[\"response\"], end=\"\""));
    }

    #[test]
    fn python_streams_sse_for_openai_and_reads_gets() {
        let body = json!({"model": "m", "messages": [], "stream": true});
        let call = Call::post("http://localhost:11434/v1/chat/completions", &body);
        let py = python(&call);
        assert!(py.contains("b\"[DONE]\""));
        assert!(py.contains("delta"));
        let get = Call::get("http://localhost:11434/api/tags");
        let views = render(&get);
        assert_eq!(views.curl, "curl http://localhost:11434/api/tags");
        assert!(views.python.contains("requests.get(url, timeout=30)"));
        assert!(views.json.starts_with("(no body"));
    }

    #[test]
    fn odd_urls_are_quoted() {
        let get = Call::get("http://h/x?a=1&b=2");
        let c = curl(&get);
        assert_eq!(shell_words(&c), vec!["curl", "http://h/x?a=1&b=2"]);
        assert!(c.contains('\''));
    }

    #[test]
    fn request_structs_keep_their_field_order() {
        let req = ChatRequest::new("llama3.2", vec![Message::user("Hi")])
            .options(Options::default().with_seed(7));
        let call = Call::post("http://localhost:11434/api/chat", &req);
        let json = pretty_json(&call).unwrap();
        assert!(
            json.starts_with("{\n  \"model\": \"llama3.2\",\n  \"messages\": ["),
            "{json}"
        );
        let py = python_literal(&call).unwrap();
        assert!(
            py.starts_with(
                "{\n    \"model\": \"llama3.2\",\n    \"messages\": [{\"role\": \"user\""
            ),
            "{py}"
        );
        assert_eq!(
            serde_json::from_str::<Value>(&json).unwrap(),
            req.to_value()
        );
    }
}
