// Checks the Ollama stand-in's wire format, so the browser tests that use it test the lab, not the stand-in:
// CORS answers like Ollama's, error bodies and statuses, NDJSON streams that really arrive split mid-line and
// mid-character, the final statistics, seeds, hooks, and the OpenAI-compatible routes.
// Run: cd tests/e2e && node --test standin.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startStandin } from "./lib/ollama-standin.mjs";

let s;

before(async () => {
  s = await startStandin({ allowedOrigins: ["https://course.example"] });
});

after(async () => {
  await s?.close();
});

/** A raw HTTP request (so headers like Origin are sent as given), keeping the body's chunks as they arrived. */
function raw(method, path, { headers = {}, body } = {}) {
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
    const req = http.request(s.url + path, {
      method,
      headers: { ...(data ? { "content-type": "application/json", "content-length": data.length } : {}), ...headers },
    });
    req.on("response", (res) => {
      const chunks = [];
      let error = null;
      res.on("data", (c) => chunks.push(c));
      res.on("error", (e) => (error = e));
      res.on("aborted", () => (error = new Error("aborted")));
      res.on("close", () =>
        resolve({ status: res.statusCode, headers: res.headers, chunks, body: Buffer.concat(chunks), complete: res.complete, error }),
      );
    });
    req.on("error", (error) => resolve({ status: 0, error, chunks: [], body: Buffer.alloc(0) }));
    if (data) req.write(data);
    req.end();
  });
}

const lines = (buf) =>
  buf
    .toString("utf8")
    .split("\n")
    .filter((l) => l.trim());

test("version and tags", async () => {
  const v = await raw("GET", "/api/version");
  assert.equal(v.status, 200);
  assert.match(JSON.parse(v.body).version, /^0\.\d+\.\d+$/);
  const t = JSON.parse((await raw("GET", "/api/tags")).body);
  assert.equal(t.models[0].name, "llama3.2:latest");
  assert.equal(t.models[0].details.quantization_level, "Q4_K_M");
  assert.equal(typeof t.models[0].size, "number");
});

test("CORS: allowed origins get a 204 preflight and an echoed origin; others a bare 403", async () => {
  const pre = await raw("OPTIONS", "/api/chat", {
    headers: {
      origin: "http://127.0.0.1:5555",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
      "access-control-request-private-network": "true",
    },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers["access-control-allow-origin"], "http://127.0.0.1:5555");
  assert.match(pre.headers["access-control-allow-headers"], /Content-Type/);
  assert.match(pre.headers["access-control-allow-methods"], /POST/);
  // Ollama does not answer the Private Network Access preflight.
  assert.equal(pre.headers["access-control-allow-private-network"], undefined);

  for (const origin of ["http://localhost:8080", "https://course.example", "vscode-webview://abc"]) {
    const r = await raw("GET", "/api/tags", { headers: { origin } });
    assert.equal(r.status, 200, origin);
    assert.equal(r.headers["access-control-allow-origin"], origin);
  }
  for (const origin of ["https://evil.example", "http://localhost.evil.example", "http://[::1]:8080", "null"]) {
    const r = await raw("OPTIONS", "/api/chat", { headers: { origin, "access-control-request-method": "POST" } });
    assert.equal(r.status, 403, origin);
    assert.equal(r.body.length, 0);
    assert.equal(r.headers["access-control-allow-origin"], undefined);
    const g = await raw("GET", "/api/version", { headers: { origin } });
    assert.equal(g.status, 403, origin);
  }
  const none = await raw("GET", "/api/version");
  assert.equal(none.headers["access-control-allow-origin"], undefined, "no Origin, no CORS headers");
});

test("unknown model, unknown route, wrong method, bad JSON", async () => {
  const r = await raw("POST", "/api/chat", { body: { model: "nope:7b", messages: [{ role: "user", content: "hi" }] } });
  assert.equal(r.status, 404);
  assert.deepEqual(JSON.parse(r.body), { error: 'model "nope:7b" not found, try pulling it first' });
  const route = await raw("GET", "/api/nothing");
  assert.equal(route.status, 404);
  assert.equal(route.body.toString(), "404 page not found");
  assert.equal((await raw("GET", "/api/chat")).status, 405);
  const bad = await raw("POST", "/api/generate", { body: "{not json" });
  assert.equal(bad.status, 400);
  assert.ok(JSON.parse(bad.body).error);
  // A model without a tag means :latest, as in Ollama.
  assert.equal((await raw("POST", "/api/chat", { body: { model: "llama3.2", messages: [], stream: false } })).status, 200);
});

test("chat stream: NDJSON split mid-line and mid-character, final line with durations", async () => {
  const r = await raw("POST", "/api/chat", {
    body: { model: "llama3.2", messages: [{ role: "user", content: "Explain recursion." }], options: { seed: 1 } },
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers["content-type"], "application/x-ndjson");
  assert.ok(r.chunks.length > 3, `several chunks, got ${r.chunks.length}`);
  assert.ok(r.chunks.some((c) => c[c.length - 1] !== 0x0a), "some chunk ends mid-line");
  assert.ok(
    r.chunks.some((c) => {
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(c);
        return false;
      } catch {
        return true;
      }
    }),
    "some chunk ends inside a multi-byte character",
  );
  const objs = lines(r.body).map((l) => JSON.parse(l));
  const last = objs.at(-1);
  assert.equal(last.done, true);
  assert.equal(last.done_reason, "stop");
  for (const k of ["total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration"]) {
    assert.ok(Number.isInteger(last[k]) && last[k] > 0, k);
  }
  assert.equal(last.eval_count, objs.length - 1);
  const text = objs.map((o) => o.message.content).join("");
  assert.match(text, /—/);
  assert.ok(objs.slice(0, -1).every((o) => o.done === false && o.message.role === "assistant"));
});

async function generate(body) {
  const r = await raw("POST", "/api/generate", { body: { model: "llama3.2", stream: false, ...body } });
  assert.equal(r.status, 200, r.body.toString());
  return JSON.parse(r.body);
}

test("seeds: same seed same text, different seed different text, temperature 0 ignores the seed", async () => {
  const a = await generate({ prompt: "Tell me about tides.", options: { seed: 7 } });
  const b = await generate({ prompt: "Tell me about tides.", options: { seed: 7 } });
  const c = await generate({ prompt: "Tell me about tides.", options: { seed: 8 } });
  assert.equal(a.response, b.response);
  assert.notEqual(a.response, c.response);
  // A top-level seed is ignored, as Ollama ignores it: two calls differ.
  const d = await generate({ prompt: "Tell me about tides.", seed: 7 });
  const e = await generate({ prompt: "Tell me about tides.", seed: 7 });
  assert.notEqual(d.response, e.response);
  const g1 = await generate({ prompt: "Tell me about tides.", options: { seed: 1, temperature: 0 } });
  const g2 = await generate({ prompt: "Tell me about tides.", options: { seed: 2, temperature: 0 } });
  assert.equal(g1.response, g2.response);
  assert.equal(a.done, true);
  assert.ok(Array.isArray(a.context));
  const sent = s.requests.filter((r) => r.path === "/api/generate" && r.body.options?.seed === 7);
  assert.equal(sent.length, 2);
});

test("Magpie: raw Llama 3 user header gives an instruction; num_predict and stop are honoured", async () => {
  const prompt = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n";
  const seen = new Set();
  for (let seed = 0; seed < 12; seed++) {
    const r = await generate({ prompt, raw: true, options: { seed, stop: ["<|eot_id|>"] } });
    assert.match(r.response.trim().split("\n")[0], /[?.]$/);
    assert.ok(!r.response.includes("Here is an answer"), "a question, not an answer");
    seen.add(r.response);
  }
  assert.ok(seen.size >= 8, "seeds give different instructions");
  const short = await generate({ prompt: "Explain recursion.", options: { seed: 3, num_predict: 5 } });
  assert.equal(short.eval_count, 5);
  assert.equal(short.done_reason, "length");
  const stopped = await generate({ prompt: "Explain recursion.", options: { seed: 3, stop: ["In short"] } });
  assert.ok(!stopped.response.includes("In short"));
  assert.equal(stopped.done_reason, "stop");
});

test("reflection prompts get analysis and filled markers; format schemas get matching JSON", async () => {
  const chat = async (model, content, extra = {}) => {
    const r = await raw("POST", "/api/chat", {
      body: { model, stream: false, messages: [{ role: "user", content }], options: { seed: 5, temperature: 0 }, ...extra },
    });
    return JSON.parse(r.body).message.content;
  };
  const inst = await chat("llama3.2", "[Instruction]\nWhat is a tide?\n\nReply with [New Instruction] … [End] and [New Answer] … [End].");
  assert.match(inst, /Analysis of the instruction/);
  assert.match(inst, /\[New Instruction\]\nExplain what is a tide step by step/);
  assert.match(inst, /\[New Answer\]\n[\s\S]+\n\[End\]$/);
  const resp = await chat("llama3.2", "Improve the answer. Use [Better Answer] … [End].");
  assert.match(resp, /\[Better Answer\]\n[\s\S]+\n\[End\]$/);
  const none = await chat("no-markers", "Improve the answer. Use [Better Answer] … [End].");
  assert.doesNotMatch(none, /\[Better Answer\]/);

  const schema = {
    type: "object",
    properties: {
      helpfulness: { type: "integer", minimum: 1, maximum: 5 },
      accuracy: { type: "integer", minimum: 1, maximum: 5 },
      confidence: { type: "number" },
      rationale: { type: "string" },
    },
    required: ["helpfulness", "accuracy", "confidence", "rationale"],
  };
  const scored = JSON.parse(await chat("llama3.2", "Score this row.", { format: schema }));
  assert.ok(Number.isInteger(scored.helpfulness) && scored.helpfulness >= 1 && scored.helpfulness <= 5);
  assert.ok(Number.isInteger(scored.accuracy));
  assert.equal(typeof scored.confidence, "number");
  assert.equal(typeof scored.rationale, "string");
});

test("hooks: mid-stream error under 200, cut streams, 500", async () => {
  const body = (model) => ({ model, messages: [{ role: "user", content: "hi" }], options: { seed: 1 } });
  const err = await raw("POST", "/api/chat", { body: body("error-midstream") });
  assert.equal(err.status, 200);
  const errLines = lines(err.body).map((l) => JSON.parse(l));
  assert.ok(errLines.length > 1);
  assert.match(errLines.at(-1).error, /error/);
  assert.ok(!errLines.some((o) => o.done === true));

  const cut = await raw("POST", "/api/chat", { body: body("cut") });
  assert.equal(cut.status, 200);
  assert.ok(!cut.complete || cut.error, "the response is aborted, not ended");
  const text = cut.body.toString();
  assert.ok(!text.endsWith("\n"), "ends mid-line");
  assert.ok(!text.includes('"done":true'));

  const clean = await raw("POST", "/api/chat", { body: body("cut-clean") });
  assert.equal(clean.complete, true);
  assert.ok(!clean.body.toString().includes('"done":true'));

  const boom = await raw("POST", "/api/generate", { body: { model: "boom", prompt: "x" } });
  assert.equal(boom.status, 500);
  assert.match(JSON.parse(boom.body).error, /terminated/);
});

test("slow model spaces chunks 300 ms apart", async () => {
  const t0 = Date.now();
  const r = await raw("POST", "/api/generate", { body: { model: "slow", prompt: "hi", options: { seed: 1, num_predict: 3 } } });
  assert.equal(r.status, 200);
  assert.ok(Date.now() - t0 >= 600, `took ${Date.now() - t0} ms`);
});

test("script option overrides the text and the status", async () => {
  const t = await startStandin({
    delayMs: 1,
    script: ({ body }) =>
      body.messages?.[0]?.content === "fail" ? { status: 429, error: "busy" } : { text: "[Better Answer]\nEndless fun.\n[End]" },
  });
  try {
    const get = (content) =>
      fetch(`${t.url}/api/chat`, {
        method: "POST",
        body: JSON.stringify({ model: "llama3.2", stream: false, messages: [{ role: "user", content }] }),
      });
    const ok = await (await get("x")).json();
    assert.equal(ok.message.content, "[Better Answer]\nEndless fun.\n[End]");
    const busy = await get("fail");
    assert.equal(busy.status, 429);
    assert.deepEqual(await busy.json(), { error: "busy" });
  } finally {
    await t.close();
  }
});

test("OpenAI-compatible routes: models, non-streaming, SSE stream, API key", async () => {
  const models = JSON.parse((await raw("GET", "/v1/models")).body);
  assert.equal(models.object, "list");
  assert.equal(models.data[0].id, "llama3.2:latest");

  const msg = { model: "llama3.2", messages: [{ role: "user", content: "Explain recursion." }], seed: 4 };
  const one = JSON.parse((await raw("POST", "/v1/chat/completions", { body: msg })).body);
  assert.equal(one.object, "chat.completion");
  assert.equal(one.choices[0].finish_reason, "stop");
  assert.ok(one.choices[0].message.content.length > 0);
  assert.ok(one.usage.completion_tokens > 0);

  const st = await raw("POST", "/v1/chat/completions", { body: { ...msg, stream: true, stream_options: { include_usage: true } } });
  assert.match(st.headers["content-type"], /^text\/event-stream/);
  const events = st.body.toString().split("\n\n").filter(Boolean);
  assert.equal(events.at(-1), "data: [DONE]");
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, "")));
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
  assert.equal(text, one.choices[0].message.content, "same seed, same text in both modes");
  assert.equal(chunks.at(-1).usage.completion_tokens, one.usage.completion_tokens);

  const missing = await raw("POST", "/v1/chat/completions", { body: { ...msg, model: "ghost" } });
  assert.equal(missing.status, 404);
  assert.match(JSON.parse(missing.body).error.message, /not found/);

  const keyed = await startStandin({ apiKey: "sk-test" });
  try {
    const no = await fetch(`${keyed.url}/v1/models`);
    assert.equal(no.status, 401);
    const yes = await fetch(`${keyed.url}/v1/models`, { headers: { authorization: "Bearer sk-test" } });
    assert.equal(yes.status, 200);
    assert.equal(keyed.requests.at(-1).headers.authorization, "Bearer sk-test");
  } finally {
    await keyed.close();
  }
});
