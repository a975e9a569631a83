// In-page model benchmark (issue #20, point 7): tokens/s of prompt processing and of generation by the
// engine in Chromium (the `lab-model` bundle in its module worker, started as the lab starts it) against
// llama.cpp natively on ONE thread (scripts/model-bench-native.py) on the same GGUF file and the same raw
// prompt, in the same run (the browser first, closed before the native runs). Files: random-weight models
// with SmolLM2-135M's and Qwen2.5-0.5B's shapes, Q8_0 and Q4_K_M (scripts/make-gguf.py; made into
// target/model-bench/ when missing). Target: at least half of native single-thread speed. Figures for the
// README, not pass/fail: it exits non-zero only when a side fails.
//
// Each call is a raw `/api/generate` (temperature 0, num_predict N), as the lab sends it. Both sides are
// timed the same way: each repetition makes two calls and reads their total time on the worker's clock
// (prompt_eval_duration + eval_duration, i.e. from `start` to the end); the done line's own split is
// printed beside it as a check (it agrees since the engine reads the clock after the prompt's pass):
//   num_predict 1 → prompt forward + first token                       → pp tok/s = prompt tokens / that
//   num_predict N → prompt forward + first token + N-1 token forwards  → tg tok/s = (N-1) / (difference)
// The native peer times the same two parts (one batched decode + argmax; N-1 single decodes + argmax).
// The page-side time to the first streamed line is printed as a check on the first figure.
// Random weights can pick an end-of-turn token; the harness checks that every call generated N tokens
// (done_reason "length"); the native side never stops early and reports where it would have.
//
//   nice -n 10 node tests/e2e/bench/model-bench.mjs [--only SUBSTRING]
//   env: N_PREDICT (64), REPS (3), DATALAB_DIST, DATALAB_MODEL_BENCH (target/model-bench)
import fs from "node:fs";
import path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { serve } from "../lib/server.mjs";
import { launch } from "../lib/browser.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const OUT = process.env.DATALAB_MODEL_BENCH || path.join(ROOT, "target/model-bench");
const PY = path.join(ROOT, ".tools/model-venv/bin/python");
const N = Number(process.env.N_PREDICT || 64);
const REPS = Number(process.env.REPS || 3);
const onlyAt = process.argv.indexOf("--only");
const ONLY = onlyAt > 0 ? process.argv[onlyAt + 1] : "";
const SHAPES = ["smollm2-135m", "qwen2.5-0.5b"];
const KINDS = ["Q8_0", "Q4_K_M"];

// ~128 tokens of ordinary English (the count per file is printed: the two vocabularies differ a little).
const PROMPT =
  "The history of printing begins long before the press. For centuries, scribes copied books by hand, one " +
  "page at a time, and a single Bible could take a year to finish. Paper came to Europe from China by way of " +
  "the Islamic world, and it was much cheaper than parchment. When Johannes Gutenberg combined movable metal " +
  "type, an oil-based ink and a screw press in Mainz around 1450, the cost of a book fell sharply. Within fifty " +
  "years, printers were working in more than two hundred towns, and millions of books had been made. Readers " +
  "multiplied, spelling became more regular, and news travelled faster than ever before.";

if (!fs.existsSync(PY)) {
  console.error("no .tools/model-venv: run scripts/setup.sh --browser first");
  process.exit(1);
}

// --- the files -----------------------------------------------------------------------------------------
function ranksFile() {
  // GPT-2's rank file from the tiktoken-rs crate Cargo.lock pins, as scripts/model-fixtures.sh finds it.
  const lock = fs.readFileSync(path.join(ROOT, "Cargo.lock"), "utf8");
  const ver = lock.match(/name = "tiktoken-rs"\nversion = "([^"]+)"/)?.[1];
  const meta = execFileSync("cargo", ["metadata", "--format-version", "1", "--locked"], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  const manifest = JSON.parse(meta).packages.find((p) => p.name === "tiktoken-rs" && p.version === ver)?.manifest_path;
  if (!manifest) throw new Error(`cargo metadata does not list tiktoken-rs ${ver}`);
  return path.join(path.dirname(manifest), "assets/r50k_base.tiktoken");
}

const file = (shape, kind) => path.join(OUT, `${shape}-${kind}.gguf`);
fs.mkdirSync(OUT, { recursive: true });
for (const shape of SHAPES) {
  if (ONLY && !KINDS.some((k) => `${shape}-${k}`.includes(ONLY))) continue;
  if (KINDS.every((k) => fs.existsSync(file(shape, k)))) continue;
  console.log(`making ${shape} (Q8_0, Q4_K_M) in ${OUT} …`);
  execFileSync("nice", ["-n", "10", PY, path.join(ROOT, "scripts/make-gguf.py"), "--ranks", ranksFile(), "--shape", shape, "--out", OUT, "--quantize"], {
    stdio: "inherit",
  });
  fs.rmSync(file(shape, "F32"), { force: true }); // ~2 GB for Qwen2.5-0.5B's shape; only the quantized files are measured
}
const FILES = SHAPES.flatMap((s) => KINDS.map((k) => `${s}-${k}.gguf`)).filter((f) => !ONLY || f.includes(ONLY));
if (!FILES.length) {
  console.error(`no file matches --only ${ONLY}`);
  process.exit(1);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// --- the page ------------------------------------------------------------------------------------------
// A client for the model worker, as src/web/model/client.rs `spawn`/`send` talk to it: `worker.js` as a
// module worker named datalab-model, `{init: {glue, wasm}}` with the lab-model bundle's files from boot.js's
// `globalThis.datalab.files`, then envelopes `{json, id, file?}` (src/web/worker/transport.rs).
function installClient() {
  let next = 1;
  const calls = new Map();
  let ready;
  const worker = new Worker("worker.js", { type: "module", name: "datalab-model" });
  const started = new Promise((ok, fail) => {
    ready = ok;
    worker.onerror = (e) => fail(new Error(`worker error: ${e.message}`));
  });
  worker.onmessage = (e) => {
    const t = performance.now();
    if (typeof e.data?.json !== "string") {
      for (const c of calls.values()) c.fail(new Error(`worker could not start: ${e.data?.message}`));
      return;
    }
    const r = JSON.parse(e.data.json);
    if (r.kind === "ready") return ready();
    const c = calls.get(r.id);
    if (!c) return;
    if (r.kind === "line") {
      c.lines.push(r.line);
      if (c.firstLine === undefined) c.firstLine = t - c.t0;
    } else if (r.kind === "done") {
      calls.delete(r.id);
      c.ok({ answer: r.answer, lines: c.lines, firstLineMs: c.firstLine, wallMs: t - c.t0 });
    } else if (r.kind === "failed") {
      calls.delete(r.id);
      c.fail(new Error(r.message));
    }
  };
  worker.postMessage({ init: { glue: globalThis.datalab.files.model.js, wasm: globalThis.datalab.files.model.wasm } });
  const send = (request, attachments = {}, transfer = []) =>
    new Promise((ok, fail) => {
      const id = ++next;
      calls.set(id, { ok, fail, lines: [], t0: performance.now() });
      worker.postMessage({ ...attachments, json: JSON.stringify(request), id }, transfer);
    });
  window.__modelBench = {
    started,
    async load(url, name) {
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      return send({ task: "load", name }, { file: bytes }, [bytes.buffer]);
    },
    call(body) {
      return send({ task: "call", path: "/api/generate", body: JSON.stringify(body) });
    },
  };
}

const extra = Object.fromEntries(FILES.map((f) => [`/model-bench/${f}`, path.join(OUT, f)]));
const browserResults = {};
let failed = false;
const t0 = Date.now();
const server = await serve(DIST, extra);
const browser = await launch();
try {
  const page = await browser.context.newPage();
  page.on("pageerror", (e) => console.error(`pageerror: ${e.message}`));
  await page.goto(server.url);
  await page.waitForFunction(() => globalThis.datalab?.files?.model, null, { timeout: 60_000 });
  await page.evaluate(installClient);
  await page.evaluate(() => window.__modelBench.started);
  for (const f of FILES) {
    const loaded = await page.evaluate(([u, n]) => window.__modelBench.load(u, n).then((r) => r.answer), [`/model-bench/${f}`, f]);
    const s = loaded.value;
    console.log(`${f}: loaded in ${(s.load_ms / 1000).toFixed(2)} s (${s.info.arch}, ${s.info.quant}, ${(s.info.params / 1e6).toFixed(0)}M params)`);
    const body = (n) => ({ model: s.info.name, prompt: PROMPT, raw: true, stream: true, options: { temperature: 0, num_predict: n, seed: 1 } });
    const call = async (n) => {
      const r = await page.evaluate((b) => window.__modelBench.call(b), body(n));
      const done = JSON.parse(r.lines.at(-1));
      if (!done.done) throw new Error(`${f}: the last line is not the done line: ${r.lines.at(-1)}`);
      const total = (done.prompt_eval_duration + done.eval_duration) / 1e6;
      return { done, total, firstLineMs: r.firstLineMs, wallMs: r.wallMs };
    };
    await call(N); // warm-up (and the load's first-call costs)
    const runs = [];
    for (let i = 0; i < REPS; i++) {
      const one = await call(1);
      const full = await call(N);
      for (const [c, n] of [
        [one, 1],
        [full, N],
      ])
        if (c.done.eval_count !== n || c.done.done_reason !== "length")
          throw new Error(`${f}: asked for ${n} tokens, got ${c.done.eval_count} (${c.done.done_reason}): ` +
            "the random model chose an end-of-turn token; change the prompt");
      runs.push({
        promptTokens: one.done.prompt_eval_count,
        ppMs: one.total,
        tgMs: full.total - one.total,
        firstLineMs: full.firstLineMs,
        // what the done line says (see the note at the top)
        donePpMs: full.done.prompt_eval_duration / 1e6,
        doneTgMs: full.done.eval_duration / 1e6,
      });
    }
    const p = runs[0].promptTokens;
    const r = {
      promptTokens: p,
      generated: N,
      pp: median(runs.map((x) => p / (x.ppMs / 1000))),
      tg: median(runs.map((x) => (N - 1) / (x.tgMs / 1000))),
      firstLineMs: median(runs.map((x) => x.firstLineMs)),
      ppMs: median(runs.map((x) => x.ppMs)),
      donePpMs: median(runs.map((x) => x.donePpMs)),
      doneTgMs: median(runs.map((x) => x.doneTgMs)),
      runs,
    };
    browserResults[f] = r;
    console.log(
      `  browser: ${p} prompt tokens in ${r.ppMs.toFixed(0)} ms → ${r.pp.toFixed(1)} tok/s (first line after ${r.firstLineMs?.toFixed(0)} ms on the page); ` +
        `${N} generated → ${r.tg.toFixed(1)} tok/s; done line says prompt ${r.donePpMs.toFixed(1)} ms, eval ${r.doneTgMs.toFixed(0)} ms`,
    );
  }
  await page.close();
} catch (e) {
  console.error(e);
  failed = true;
} finally {
  await browser.close();
  await server.close();
}

// --- the native peer, after the browser is gone -------------------------------------------------------------
const nativeResults = {};
for (const f of FILES) {
  const py = spawnSync(PY, [path.join(ROOT, "scripts/model-bench-native.py"), path.join(OUT, f), "--prompt", PROMPT, "--n-predict", String(N), "--reps", String(REPS)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (py.status !== 0) {
    console.error(`${f}: the native peer failed (${py.status ?? py.signal})`);
    failed = true;
    continue;
  }
  const r = JSON.parse(py.stdout);
  nativeResults[f] = r;
  console.log(
    `${f}: native (llama.cpp ${r.llama_cpp_python}, 1 thread): ${r.prompt_tokens} prompt tokens → ${r.pp_tok_s.toFixed(1)} tok/s; ` +
      `${r.generated} generated → ${r.tg_tok_s.toFixed(1)} tok/s` + (r.eog_at.length ? ` (greedy would have ended the turn at token ${r.eog_at[0]})` : ""),
  );
  const b = browserResults[f];
  if (b && b.promptTokens !== r.prompt_tokens) {
    console.error(`${f}: the page read ${b.promptTokens} prompt tokens, llama.cpp ${r.prompt_tokens}`);
    failed = true;
  }
}

// --- the table ---------------------------------------------------------------------------------------------
console.log(`\nprompt ${browserResults[FILES[0]]?.promptTokens ?? nativeResults[FILES[0]]?.prompt_tokens} tokens, ${N} generated, median of ${REPS}; Chromium (one worker thread) vs llama.cpp on one thread\n`);
console.log("| file | pp tok/s browser | pp tok/s native | ratio | tg tok/s browser | tg tok/s native | ratio |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
const fmt = (x) => (x === undefined ? "—" : x.toFixed(1));
const ratio = (a, b) => (a === undefined || b === undefined ? "—" : (a / b).toFixed(2));
for (const f of FILES) {
  const b = browserResults[f] || {};
  const n = nativeResults[f] || {};
  console.log(`| ${f} | ${fmt(b.pp)} | ${fmt(n.pp_tok_s)} | ${ratio(b.pp, n.pp_tok_s)} | ${fmt(b.tg)} | ${fmt(n.tg_tok_s)} | ${ratio(b.tg, n.tg_tok_s)} |`);
}
console.log(`\n(${((Date.now() - t0) / 1000).toFixed(0)} s in all)`);
process.exit(failed ? 1 : 0);
