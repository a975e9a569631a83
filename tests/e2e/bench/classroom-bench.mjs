// Parallel requests against a shared server with 4 slots (OLLAMA_NUM_PARALLEL=4), in Chromium: rows per
// minute of Magpie generation at 1, 2 and 4 parallel requests, and the peer measured in the same run — the
// course notebook's loop (one request after another, from Node, no browser) against the same server.
//
// The stand-in streams each token `DELAY` ms apart (≈ 40 tokens/s per slot, a small model on a laptop GPU),
// so the figures are about scheduling, not about a model. The rows are checked identical at every setting.
//   node bench/classroom-bench.mjs            (ROWS=24 DELAY=25 to change)
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "../lib/server.mjs";
import { launch } from "../lib/browser.mjs";
import { startStandin } from "../lib/ollama-standin.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = process.env.DATALAB_DIST || path.resolve(HERE, "../../../dist");
const ROWS = Number(process.env.ROWS || 24);
const DELAY = Number(process.env.DELAY || 25);
const PRE = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n";

const site = await serve(DIST);
const ollama = await startStandin({ slots: 4, delayMs: DELAY });
const results = [];
let reference = null;

async function labRun(parallel) {
  const b = await launch();
  try {
    const page = await b.context.newPage();
    await page.goto(`${site.url}?lab=generate&ollama=${encodeURIComponent(ollama.url)}&model=llama3.2%3Alatest`);
    const set = async (label, v) => {
      const f = page.getByLabel(label, { exact: true });
      await f.fill(String(v));
      await f.dispatchEvent("change");
    };
    await set("Parallel requests", parallel);
    await set("Rows to generate", ROWS);
    await set("Base seed", 1);
    ollama.load.maxActive = 0;
    const t0 = Date.now();
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.waitForFunction(
      () => /^ds-/.test(document.querySelector('[data-testid="generated-version"]')?.textContent || ""),
      null,
      { timeout: 600_000 },
    );
    const ms = Date.now() - t0;
    const rows = await page.evaluate(() =>
      JSON.parse(localStorage.getItem("datalab.magpie.run")).rows.map((r) => [r.seed, r.instruction, r.response]),
    );
    if (reference === null) reference = JSON.stringify(rows);
    const same = JSON.stringify(rows) === reference;
    results.push({ who: `lab, ${parallel} parallel`, ms, perMin: (ROWS / ms) * 60_000, maxActive: ollama.load.maxActive, same });
  } finally {
    await b.close();
  }
}

/** The notebook's loop: instruction, then answer, one row after another (streamed, read to the end). */
async function notebookLoop() {
  const post = async (route, body) => {
    const r = await fetch(ollama.url + route, { method: "POST", body: JSON.stringify(body) });
    let text = "";
    for (const line of (await r.text()).split("\n").filter(Boolean)) {
      const v = JSON.parse(line);
      text += v.response ?? v.message?.content ?? "";
    }
    return text;
  };
  ollama.load.maxActive = 0;
  const t0 = Date.now();
  for (let i = 0; i < ROWS; i++) {
    const options = { temperature: 1, top_p: 1, seed: 1 + i, num_predict: 512, stop: ["<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>"] };
    const raw = await post("/api/generate", { model: "llama3.2:latest", prompt: PRE, raw: true, stream: true, options });
    const instruction = raw.split("\n")[0].trim();
    await post("/api/chat", { model: "llama3.2:latest", messages: [{ role: "user", content: instruction }], stream: true, options: { ...options, stop: undefined } });
  }
  const ms = Date.now() - t0;
  results.push({ who: "notebook loop (Node, sequential)", ms, perMin: (ROWS / ms) * 60_000, maxActive: ollama.load.maxActive, same: "—" });
}

try {
  await notebookLoop();
  for (const p of [1, 2, 4]) await labRun(p);
} finally {
  await ollama.close();
  await site.close();
}
console.log(`${ROWS} rows, stand-in with 4 slots, ${DELAY} ms per streamed token`);
console.log("| run | time | rows/min | most requests at once | rows identical to 1 parallel |");
console.log("|---|---|---|---|---|");
for (const r of results) {
  console.log(`| ${r.who} | ${(r.ms / 1000).toFixed(1)} s | ${r.perMin.toFixed(0)} | ${r.maxActive} | ${r.same === true ? "yes" : r.same === false ? "NO" : r.same} |`);
}
if (results.some((r) => r.same === false)) process.exit(1);
