// A stand-in for Ollama's HTTP API on 127.0.0.1, faithful in the parts a browser client must get right:
// the wire format (NDJSON chunks that end mid-line and mid-UTF-8 character, the final `done` line with
// durations in nanoseconds, server-sent events on /v1), the status codes and error bodies, and the CORS
// rules (allowed origins get 204 preflights and an echoed Access-Control-Allow-Origin, others get a bare
// 403, and the Private Network Access preflight header is ignored, as Ollama ignores it).
//
// Output is generated, not modelled: deterministic from (prompt or messages, options.seed), so the same seed
// gives the same text and a different seed different text; without a seed every call differs, as with a
// real model (the notebook's top-level `seed` is ignored, as Ollama ignores it). `temperature: 0` is greedy:
// the seed no longer matters.
//
// Test hooks, by model name (any tag; they need not be in `models`):
//   error-midstream  status 200, a few chunks, then an {"error": …} line
//   slow             chunks 300 ms apart
//   cut              a few chunks and half a line, then the socket is destroyed (no done line)
//   cut-clean        a few chunks and half a line, then a normal end of response (no done line)
//   boom             500 {"error": …}
//   no-markers       reflection answers without the [New Instruction]/[Better Answer] markers
// or by the `script` option: `script({ path, body, model, kind })` may return
//   { text }                 stream exactly this text (still split, stopped and limited like real output)
//   { hook: "slow" | … }     apply a hook by name
//   { status, error }        answer with this status and {"error": error}
import http from "node:http";

const VERSION = "0.11.4";
const NS_PER_TOKEN = 20_000_000; // 50 tokens/s
const LLAMA3_USER_HEADER = /<\|start_header_id\|>user<\|end_header_id\|>\s*$/;
const HOOKS = ["error-midstream", "slow", "cut", "cut-clean", "boom", "no-markers"];

const DEFAULT_MODELS = [
  { name: "llama3.2:latest", family: "llama", parameter_size: "3.2B", quantization_level: "Q4_K_M", size: 2019393189 },
  { name: "qwen2.5:0.5b", family: "qwen2", parameter_size: "494.03M", quantization_level: "Q4_K_M", size: 397821319 },
];

const CORS_HEADERS = [
  "Authorization", "Content-Type", "User-Agent", "Accept", "X-Requested-With", "OpenAI-Beta",
  "x-stainless-arch", "x-stainless-async", "x-stainless-lang", "x-stainless-os",
  "x-stainless-package-version", "x-stainless-retry-count", "x-stainless-runtime",
  "x-stainless-runtime-version", "x-stainless-timeout",
].join(",");

/** Ollama's default allowed origins (no OLLAMA_ORIGINS set), as glob patterns. */
const DEFAULT_ORIGINS = [
  ...["localhost", "127.0.0.1", "0.0.0.0"].flatMap((h) => [
    `http://${h}`, `https://${h}`, `http://${h}:*`, `https://${h}:*`,
  ]),
  "app://*", "file://*", "tauri://*", "vscode-webview://*", "vscode-file://*",
];
const EXTENSION_SCHEMES = ["chrome-extension://", "safari-extension://", "moz-extension://", "ms-browser-extension://"];

function globMatch(pattern, origin) {
  if (pattern === "*") return true;
  const p = pattern.toLowerCase();
  const o = origin.toLowerCase();
  const star = p.indexOf("*");
  if (star < 0) return p === o;
  return o.startsWith(p.slice(0, star)) && o.endsWith(p.slice(star + 1)) && o.length >= p.length - 1;
}

/** Whether `origin` may call: the defaults plus `extra` (like OLLAMA_ORIGINS, which adds to the defaults). */
function originAllowed(origin, extra) {
  if (typeof extra === "function") return extra(origin);
  if (EXTENSION_SCHEMES.some((s) => origin.toLowerCase().startsWith(s))) return true;
  return [...extra, ...DEFAULT_ORIGINS].some((p) => globMatch(p, origin));
}

// ---------- deterministic text ----------

function fnv1a(str) {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(str, "utf8")) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: a small seeded generator, returns floats in [0, 1). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];

const TOPICS = [
  "the water cycle", "photosynthesis", "binary search", "naïve Bayes classifiers", "compound interest",
  "the French Revolution", "Kubernetes pods", "a café's opening checklist", "the Pythagorean theorem",
  "unit testing", "plate tectonics", "the résumé of a junior data engineer", "TCP handshakes",
  "supply and demand", "vaccines", "recursion", "the Doppler effect", "Zürich's public transport",
];
const ASKS = [
  "Can you explain {t} in simple terms?",
  "Write a short paragraph about {t}.",
  "What are three common misconceptions about {t}?",
  "Summarize the main idea of {t} in two sentences.",
  "How would you teach {t} to a ten-year-old?",
  "Give me a step-by-step overview of {t}.",
  "Why does {t} matter in everyday life?",
];
const FOLLOW_UPS = ["Please keep it under 100 words.", "Include one concrete example.", "Use a numbered list."];
const SENTENCES = [
  "The key idea is simpler than it first appears.",
  "It helps to start from a concrete example and generalise from there.",
  "A common mistake is to confuse the cause with the effect.",
  "Each step builds on the previous one, so the order matters.",
  "Experts usually check their assumptions before drawing conclusions.",
  "In practice, small details often decide whether it works.",
  "This is why textbooks spend a whole chapter on it.",
  "Think of it as a recipe: ingredients first, then the method.",
];

/** Text of a Magpie-style user query: sometimes a leading blank line, sometimes a second line. */
function instruction(r) {
  let q = pick(r, ASKS).replace("{t}", pick(r, TOPICS));
  if (r() < 0.3) q += "\n" + pick(r, FOLLOW_UPS);
  if (r() < 0.2) q = "\n" + q;
  return q;
}

function answer(r, question) {
  const about = question.replace(/\s+/g, " ").trim().split(" ").slice(0, 8).join(" ");
  const n = 2 + Math.floor(r() * 3);
  const body = Array.from({ length: n }, () => pick(r, SENTENCES)).join(" ");
  return `Here is an answer to “${about}”. ${body} In short — it depends on the context, but the basics stay the same.`;
}

const lowerFirst = (t) => t.charAt(0).toLowerCase() + t.slice(1);

function reflection(r, prompt, markers) {
  const original = (prompt.match(/\[Instruction\]\s*\n?([^\n]+)/) || prompt.match(/Instruction:\s*([^\n]+)/) || [])[1];
  const topic = original ? original.trim() : "the original question";
  const better =
    `${pick(r, SENTENCES)} ${pick(r, SENTENCES)}` +
    (r() < 0.5 ? " Endless repetition is not needed: one clear example is enough." : "") +
    " In short — be specific and accurate.";
  const answerAnalysis =
    "Analysis of the answer:\n- Helpfulness: partly helpful, but vague.\n- Relevance: on topic.\n" +
    "- Accuracy: no factual errors found.\n- Level of detail: too little detail for a beginner.";
  if (!markers) return `${answerAnalysis}\n\nA better version would add an example and be more specific.`;
  if (/\[New Instruction\]/.test(prompt)) {
    return (
      "Analysis of the instruction:\n- Complexity of the topic: moderate.\n- Level of detail required: medium.\n" +
      "- Knowledge required: introductory.\n- Ambiguity: the scope is unclear.\n" +
      "- Logical reasoning involved: little.\n\n" +
      answerAnalysis +
      `\n\n[New Instruction]\nExplain ${lowerFirst(topic.replace(/[?.!]+$/, ""))} step by step, with one concrete example.\n[End]\n\n` +
      `[New Answer]\n${better}\n[End]`
    );
  }
  return `${answerAnalysis}\n\n[Better Answer]\n${better}\n[End]`;
}

/** A value matching a JSON schema (objects, arrays, integers within minimum/maximum, enums…). */
function fromSchema(r, schema, depth = 0) {
  if (!schema || typeof schema !== "object" || depth > 6) return null;
  if (Array.isArray(schema.enum) && schema.enum.length) return pick(r, schema.enum);
  if ("const" in schema) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  const lo = schema.minimum ?? 1;
  const hi = schema.maximum ?? 5;
  switch (type) {
    case "object": {
      const out = {};
      for (const [k, s] of Object.entries(schema.properties || {})) out[k] = fromSchema(r, s, depth + 1);
      return out;
    }
    case "array": {
      const n = Math.max(schema.minItems ?? 1, 1);
      return Array.from({ length: n }, () => fromSchema(r, schema.items || { type: "string" }, depth + 1));
    }
    case "integer":
      return lo + Math.floor(r() * (hi - lo + 1));
    case "number":
      return Math.round((lo + r() * (hi - lo)) * 10) / 10;
    case "boolean":
      return r() < 0.5;
    case "string":
      return pick(r, SENTENCES);
    default:
      return schema.properties ? fromSchema(r, { ...schema, type: "object" }, depth) : null;
  }
}

/** Splits text into token-like pieces (a word with its leading space), as a model emits them. */
const tokens = (text) => text.match(/\s*\S+|\s+$/g) || [];

/**
 * Applies stop strings and num_predict to `text`. Returns { text, reason }. Like Ollama, a stop string ends
 * generation and is not included; num_predict caps the number of tokens (reason "length").
 */
function limit(text, options = {}) {
  let reason = "stop";
  for (const s of options.stop || []) {
    const at = s ? text.indexOf(s) : -1;
    if (at >= 0) text = text.slice(0, at);
  }
  const max = options.num_predict;
  if (Number.isInteger(max) && max >= 0) {
    const t = tokens(text);
    if (t.length > max) {
      text = t.slice(0, max).join("");
      reason = "length";
    }
  }
  return { text, reason };
}

// ---------- server ----------

/**
 * Starts the stand-in on 127.0.0.1 (a free port). Options:
 *   models          names (strings) or {name, family, parameter_size, quantization_level, size} objects
 *   allowedOrigins  extra allowed origins/patterns (added to Ollama's defaults), or a function origin → bool
 *   script          ({ path, body, model, kind }) → undefined | { text } | { hook } | { status, error }
 *   delayMs         pause between streamed chunks (default 8; the `slow` model uses 300)
 *   apiKey          when set, /v1 routes require `Authorization: Bearer <apiKey>`
 *   slots           generation requests served at once (OLLAMA_NUM_PARALLEL; default unlimited); the rest queue
 *   maxQueue        requests allowed to wait for a slot (OLLAMA_MAX_QUEUE); beyond it Ollama's 503
 *                   {"error":"server busy, please try again.  maximum pending requests exceeded"}
 *   loadMs          a model's first generation request waits this long (a cold load); /api/ps lists it after
 * Resolves to { url, close, requests, load } — `requests` lists every request: { method, path, origin, headers,
 * body }; `load` has `maxActive` (most generation requests served at once) and `busy503` (queue-full refusals).
 */
export function startStandin(opts = {}) {
  const models = (opts.models || DEFAULT_MODELS).map((m) => (typeof m === "string" ? { name: m } : m));
  const extraOrigins = opts.allowedOrigins || [];
  const delayMs = opts.delayMs ?? 8;
  const requests = [];
  let unseeded = 0;
  // Ollama's scheduler, reduced to what a client sees: a few slots, a bounded queue, a cold load.
  const slots = opts.slots ?? Infinity;
  const maxQueue = opts.maxQueue ?? Infinity;
  let active = 0;
  const waiting = [];
  const loaded = new Map(); // model → expires_at
  const load = { maxActive: 0, busy503: 0 };
  const acquire = () => {
    const got = active < slots ? (active++, Promise.resolve()) : new Promise((resolve) => waiting.push(resolve));
    return got.then(() => (load.maxActive = Math.max(load.maxActive, active)));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };

  const fullName = (n) => (n.includes(":") ? n : `${n}:latest`);
  const hookOf = (model) => HOOKS.find((h) => model.split(":")[0] === h);
  const known = (model) => hookOf(model) || models.some((m) => fullName(m.name) === fullName(model));

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    const origin = req.headers.origin;
    const raw = await new Promise((resolve) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
    let body = raw;
    let badJson = null;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch (e) {
        badJson = e.message;
      }
    }
    requests.push({ method: req.method, path: url.pathname, origin, headers: { ...req.headers }, body });

    // CORS, as gin-contrib/cors does it for Ollama.
    const sameOrigin = origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`;
    if (origin && !sameOrigin) {
      if (!originAllowed(origin, extraOrigins)) {
        res.writeHead(403).end();
        return;
      }
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Vary", "Origin");
      if (req.method === "OPTIONS") {
        res.writeHead(204, {
          "Access-Control-Allow-Methods": "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS",
          "Access-Control-Allow-Headers": CORS_HEADERS,
          "Access-Control-Max-Age": "43200",
        });
        res.end();
        return;
      }
    }

    const json = (status, value) => {
      res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(value));
    };
    const routes = {
      "/api/version": "GET", "/api/tags": "GET", "/api/show": "POST", "/api/generate": "POST",
      "/api/chat": "POST", "/v1/chat/completions": "POST", "/v1/models": "GET", "/api/ps": "GET",
    };
    const route = routes[url.pathname];
    if (!route || (req.method !== route && !(req.method === "HEAD" && route === "GET"))) {
      const status = route ? 405 : 404;
      res.writeHead(status, { "Content-Type": "text/plain" });
      res.end(route ? "405 method not allowed" : "404 page not found");
      return;
    }
    const openai = url.pathname.startsWith("/v1/");
    const oaError = (status, message, type = "api_error") =>
      json(status, { error: { message, type, param: null, code: null } });
    if (openai && opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      oaError(401, "Incorrect API key provided", "invalid_request_error");
      return;
    }
    if (badJson) {
      openai ? oaError(400, `invalid JSON: ${badJson}`, "invalid_request_error") : json(400, { error: badJson });
      return;
    }

    switch (url.pathname) {
      case "/api/version":
        return json(200, { version: VERSION });
      case "/api/tags":
        return json(200, {
          models: models.map((m) => ({
            name: fullName(m.name),
            model: fullName(m.name),
            modified_at: "2025-06-01T12:00:00.000000000Z",
            size: m.size ?? 1_000_000_000,
            digest: fnv1a(m.name).toString(16).padStart(8, "0").repeat(8),
            details: {
              parent_model: "",
              format: "gguf",
              family: m.family ?? "llama",
              families: [m.family ?? "llama"],
              parameter_size: m.parameter_size ?? "1B",
              quantization_level: m.quantization_level ?? "Q4_K_M",
            },
          })),
        });
      case "/api/ps":
        return json(200, {
          models: [...loaded.keys()].map((name) => ({
            name, model: name, size: 1_000_000_000, digest: fnv1a(name).toString(16).padStart(8, "0").repeat(8),
            details: { format: "gguf", family: "llama" }, expires_at: loaded.get(name), size_vram: 1_000_000_000,
          })),
        });
      case "/v1/models":
        return json(200, {
          object: "list",
          data: models.map((m) => ({ id: fullName(m.name), object: "model", created: 1748779200, owned_by: "library" })),
        });
      case "/api/show": {
        const model = body?.model || body?.name || "";
        if (!known(model)) return json(404, { error: `model '${model}' not found` });
        const m = models.find((x) => fullName(x.name) === fullName(model)) || { name: model };
        return json(200, {
          template: "{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}",
          details: { format: "gguf", family: m.family ?? "llama", parameter_size: m.parameter_size ?? "1B" },
          capabilities: ["completion"],
        });
      }
    }

    // Generation routes.
    const kind = url.pathname === "/api/generate" ? "generate" : url.pathname === "/api/chat" ? "chat" : "openai";
    const model = typeof body?.model === "string" ? body.model : "";
    if (!model) return openai ? oaError(400, "model is required", "invalid_request_error") : json(400, { error: "model is required" });
    if (!known(model)) {
      const message = `model "${model}" not found, try pulling it first`;
      return openai ? oaError(404, message) : json(404, { error: message });
    }
    const scripted = opts.script?.({ path: url.pathname, body, model, kind }) || {};
    if (scripted.status) {
      return openai ? oaError(scripted.status, scripted.error || "scripted error") : json(scripted.status, { error: scripted.error || "scripted error" });
    }
    const hook = scripted.hook || hookOf(model);
    if (hook === "boom") {
      const message = "llama runner process has terminated: exit status 2";
      return openai ? oaError(500, message) : json(500, { error: message });
    }

    // Options: Ollama reads them from `options`; the OpenAI layer maps its top-level fields.
    const options = openai
      ? {
          seed: body.seed, temperature: body.temperature, top_p: body.top_p,
          num_predict: body.max_tokens, stop: typeof body.stop === "string" ? [body.stop] : body.stop,
        }
      : { ...(body.options || {}) };
    const format = openai
      ? body.response_format?.type === "json_schema"
        ? body.response_format.json_schema?.schema
        : body.response_format?.type === "json_object" ? "json" : undefined
      : body.format;
    const stream = openai ? body.stream === true : body.stream !== false;

    const messages = Array.isArray(body.messages) ? body.messages : [];
    const prompt = kind === "generate" ? String(body.prompt ?? "") : messages.map((m) => m.content).join("\n");
    if (kind === "generate" && !prompt) {
      // An empty prompt only loads the model.
      return json(200, { model, created_at: new Date().toISOString(), response: "", done: true, done_reason: "load" });
    }
    const seed =
      options.temperature === 0 ? 0 : Number.isInteger(options.seed) ? options.seed : 1_000_003 + unseeded++;
    const r = rng(fnv1a(`${model}\u0000${prompt}\u0000${seed}`));

    let text;
    if (scripted.text !== undefined) text = scripted.text;
    else if (format && typeof format === "object") text = JSON.stringify(fromSchema(r, format));
    else if (format === "json") text = JSON.stringify({ answer: pick(r, SENTENCES) });
    else if (kind === "generate" && body.raw === true && LLAMA3_USER_HEADER.test(prompt)) text = instruction(r);
    else if (/\[New Instruction\]|\[Better Answer\]/.test(prompt)) text = reflection(r, prompt, hook !== "no-markers");
    else {
      const last = kind === "generate" ? prompt : [...messages].reverse().find((m) => m.role === "user")?.content || prompt;
      text = answer(r, last);
    }
    const limited = limit(text, options);
    const pieces = tokens(limited.text);
    const promptTokens = Math.max(1, Math.ceil(Buffer.byteLength(prompt) / 4));
    const stats = {
      total_duration: 0,
      load_duration: 12_345_678,
      prompt_eval_count: promptTokens,
      prompt_eval_duration: promptTokens * 2_000_000,
      eval_count: pieces.length,
      eval_duration: Math.max(1, pieces.length) * NS_PER_TOKEN,
    };
    stats.total_duration = stats.load_duration + stats.prompt_eval_duration + stats.eval_duration + 3_000_000;
    const created_at = new Date().toISOString();

    // A full queue is refused at once, as Ollama does (no Retry-After); otherwise wait for a slot.
    if (active >= slots && waiting.length >= maxQueue) {
      const message = "server busy, please try again.  maximum pending requests exceeded";
      load.busy503++;
      return openai ? oaError(503, message) : json(503, { error: message });
    }
    await acquire();
    try {
      const name = fullName(model);
      if (!loaded.has(name)) {
        if (opts.loadMs) await new Promise((r) => setTimeout(r, opts.loadMs));
        loaded.set(name, new Date(Date.now() + 300_000).toISOString());
      }
      await respond();
    } finally {
      release();
    }
    return;

    async function respond() {
    if (openai) return openaiAnswer({ req, res, body, model, text: limited.text, pieces, reason: limited.reason, stream, stats, hook, delay: hook === "slow" ? 300 : delayMs });

    if (!stream) {
      const done = { done: true, done_reason: limited.reason, ...stats };
      return json(
        200,
        kind === "generate"
          ? { model, created_at, response: limited.text, ...done, context: [128006, 882, 128007] }
          : { model, created_at, message: { role: "assistant", content: limited.text }, ...done },
      );
    }
    const line = (piece) =>
      kind === "generate"
        ? { model, created_at, response: piece, done: false }
        : { model, created_at, message: { role: "assistant", content: piece }, done: false };
    let lines = pieces.map((p) => JSON.stringify(line(p)) + "\n");
    if (hook === "error-midstream") {
      lines = lines.slice(0, 3);
      lines.push(JSON.stringify({ error: "an error was encountered while running the model: unexpected EOF" }) + "\n");
    } else if (hook === "cut" || hook === "cut-clean") {
      const half = JSON.stringify(line(" and then"));
      lines = [...lines.slice(0, 3), half.slice(0, Math.floor(half.length / 2))];
    } else {
      const final =
        kind === "generate"
          ? { model, created_at, response: "", done: true, done_reason: limited.reason, context: [128006, 882, 128007], ...stats }
          : { model, created_at, message: { role: "assistant", content: "" }, done_reason: limited.reason, done: true, ...stats };
      lines.push(JSON.stringify(final) + "\n");
    }
    res.writeHead(200, { "Content-Type": "application/x-ndjson" });
    await writeSplit(res, Buffer.from(lines.join(""), "utf8"), hook === "slow" ? 300 : delayMs);
    if (hook === "cut") res.socket?.destroy();
    else res.end();
    }
  });

  async function openaiAnswer({ req, res, model, text, pieces, reason, stream, stats, hook, body, delay }) {
    const id = `chatcmpl-${fnv1a(text) % 1000}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = {
      prompt_tokens: stats.prompt_eval_count,
      completion_tokens: stats.eval_count,
      total_tokens: stats.prompt_eval_count + stats.eval_count,
    };
    if (!stream) {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({
        id, object: "chat.completion", created, model, system_fingerprint: "fp_ollama",
        choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: reason }],
        usage,
      }));
      return;
    }
    const chunk = (delta, finish) => ({
      id, object: "chat.completion.chunk", created, model, system_fingerprint: "fp_ollama",
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    let events = pieces.map((p) => chunk({ role: "assistant", content: p }, null));
    let tail = [];
    if (hook === "error-midstream") {
      events = events.slice(0, 3);
      events.push({ error: { message: "an error was encountered while running the model: unexpected EOF", type: "api_error" } });
    } else if (hook === "cut" || hook === "cut-clean") {
      events = events.slice(0, 3);
      tail = ['data: {"id":"' + id + '","object":"chat.compl'];
    } else {
      events.push(chunk({ role: "assistant", content: "" }, reason));
      if (body.stream_options?.include_usage) events.push({ ...chunk({}, null), choices: [], usage });
    }
    let sse = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("") + tail.join("");
    if (!tail.length && hook !== "error-midstream") sse += "data: [DONE]\n\n";
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
    await writeSplit(res, Buffer.from(sse, "utf8"), delay);
    if (hook === "cut") res.socket?.destroy();
    else res.end();
  }

  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        load,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

/**
 * Writes `buf` in pieces that end mid-line (one cut inside each line, never at its newline) and, when the
 * text has any multi-byte character, once in the middle of one — the cases an incremental reader must
 * survive. Stops early if the client goes away.
 */
async function writeSplit(res, buf, delay) {
  const cuts = new Set();
  let start = 0;
  for (let i = 0; i <= buf.length; i++) {
    if (i === buf.length || buf[i] === 0x0a) {
      const len = i - start;
      if (len > 2) cuts.add(start + 1 + ((start * 7 + len) % (len - 1)));
      start = i + 1;
    }
  }
  const cont = buf.findIndex((b) => (b & 0xc0) === 0x80); // a UTF-8 continuation byte: mid-character
  if (cont > 0) cuts.add(cont);
  const points = [...cuts].filter((c) => c > 0 && c < buf.length).sort((a, b) => a - b);
  let closed = false;
  res.on("close", () => (closed = true));
  let from = 0;
  for (const to of [...points, buf.length]) {
    if (closed || res.destroyed) return;
    // Wait until the piece is handed to the kernel, so a `cut` that destroys the socket next loses nothing.
    await new Promise((r) => res.write(buf.subarray(from, to), r));
    from = to;
    if (to < buf.length) await new Promise((r) => setTimeout(r, delay));
  }
}
