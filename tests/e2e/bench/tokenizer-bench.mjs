// Tokenizer benchmark: encodes the 10 MB prose corpus in Chromium with the lab's tokenizer (its release
// wasm, as the page ships it) and, in the same page, with gpt-tokenizer, js-tiktoken and tiktoken (WASM),
// for GPT-2 and cl100k_base. Checks every implementation gives the same token count (and the corpus
// README's reference counts), then prints MB/s. Run through scripts/bench.sh.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { serve } from "../lib/server.mjs";
import { launch } from "../lib/browser.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const CORPUS = process.env.DATALAB_CORPUS || path.resolve(ROOT, "../shared/corpus/prose-10mb.txt");
const RUNS = Number(process.env.BENCH_RUNS || 5);
// From the corpus README (Python tiktoken 0.14.0, encode_ordinary over the whole file).
const REFERENCE = { gpt2: 2419125, cl100k_base: 2289590 };

if (!fs.existsSync(CORPUS)) {
  console.error(`corpus not found at ${CORPUS} (set DATALAB_CORPUS)`);
  process.exit(2);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datalab-bench-"));
await esbuild.build({
  entryPoints: [path.join(HERE, "peers-entry.mjs")],
  bundle: true,
  format: "iife",
  outfile: path.join(tmp, "peers.js"),
  logLevel: "warning",
  absWorkingDir: path.join(HERE, ".."),
});
const wasmPath = path.join(HERE, "../node_modules/tiktoken/lite/tiktoken_bg.wasm");
const server = await serve(DIST, {
  "/bench/peers.js": path.join(tmp, "peers.js"),
  "/bench/tiktoken_bg.wasm": wasmPath,
  "/bench/corpus.txt": CORPUS,
});
const { context, close } = await launch();
const page = await context.newPage();
page.on("pageerror", (e) => console.error("page error:", e.message));
await page.goto(server.url + "?bench=1");
await page.waitForFunction(() => window.wasmBindings && window.wasmBindings.LabTokenizer);
await page.addScriptTag({ url: server.url + "bench/peers.js" });

const result = await page.evaluate(
  async ({ runs }) => {
    const text = await (await fetch("bench/corpus.txt")).text();
    const mb = new TextEncoder().encode(text).length / 1e6;
    const peers = await window.benchPeers.load("bench/tiktoken_bg.wasm");
    const rankFiles = { gpt2: "ranks/r50k_base.tiktoken", cl100k_base: "ranks/cl100k_base.tiktoken" };
    const impls = {};
    for (const [enc, file] of Object.entries(rankFiles)) {
      const bytes = new Uint8Array(await (await fetch(file)).arrayBuffer());
      const ours = new window.wasmBindings.LabTokenizer(enc, bytes);
      (impls["datalab"] ??= {})[enc] = (t) => ours.encode(t);
    }
    for (const [name, fns] of Object.entries(peers)) impls[name] = fns;
    const out = { mb, rows: [] };
    for (const enc of ["gpt2", "cl100k_base"]) {
      for (const [name, fns] of Object.entries(impls)) {
        const times = [];
        let count = -1;
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now();
          const ids = fns[enc](text);
          times.push(performance.now() - t0);
          count = ids.length;
          await new Promise((r) => setTimeout(r, 0));
        }
        const sorted = [...times].sort((a, b) => a - b);
        out.rows.push({ enc, name, count, first: times[0], best: sorted[0], median: sorted[Math.floor(sorted.length / 2)] });
      }
    }
    return out;
  },
  { runs: RUNS },
);
await close();
await server.close();

let ok = true;
console.log(`Corpus: ${result.mb.toFixed(2)} MB, ${RUNS} runs each, Chromium ${context.browser()?.version?.() ?? ""}`);
console.log("| encoding | tokenizer | tokens | first run MB/s | best MB/s | median MB/s |");
console.log("|---|---|---:|---:|---:|---:|");
for (const r of result.rows) {
  const mbs = (ms) => (result.mb / (ms / 1000)).toFixed(1);
  console.log(`| ${r.enc} | ${r.name} | ${r.count} | ${mbs(r.first)} | ${mbs(r.best)} | ${mbs(r.median)} |`);
  if (r.count !== REFERENCE[r.enc]) {
    ok = false;
    console.error(`MISMATCH: ${r.name} gave ${r.count} tokens for ${r.enc}, reference ${REFERENCE[r.enc]}`);
  }
}
for (const enc of ["gpt2", "cl100k_base"]) {
  const rows = result.rows.filter((r) => r.enc === enc);
  const ours = rows.find((r) => r.name === "datalab");
  const peers = rows.filter((r) => r.name !== "datalab");
  const bestPeer = peers.reduce((a, b) => (a.median < b.median ? a : b));
  console.log(
    `${enc}: datalab median is ${(bestPeer.median / ours.median).toFixed(2)}× the fastest peer (${bestPeer.name}); ` +
      `first run ${(Math.min(...peers.map((p) => p.first)) / ours.first).toFixed(2)}× the fastest peer's first run`,
  );
}
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
