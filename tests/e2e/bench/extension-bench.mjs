// Extension benchmark: on the 10 MB corpus in Chromium, the time of the before/after impact count against
// one plain GPT-2 pass (target ≤ 2×), and of candidate mining (target < 3 s), for both extension modes.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "../lib/server.mjs";
import { launch } from "../lib/browser.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const CORPUS = process.env.DATALAB_CORPUS || path.resolve(ROOT, "../shared/corpus/prose-10mb.txt");
const TERMS = " Kubernetes\n pharmacokinetics\n JavaScript\n Jehoshaphat\n asynchronous\n configuration";
if (!fs.existsSync(CORPUS)) {
  console.error(`corpus not found at ${CORPUS} (set DATALAB_CORPUS)`);
  process.exit(2);
}
const server = await serve(DIST, { "/bench/corpus.txt": CORPUS });
const { context, close } = await launch();
const page = await context.newPage();
await page.goto(server.url);
await page.waitForFunction(() => window.wasmBindings && window.wasmBindings.benchExtension);
const rows = await page.evaluate(async (terms) => {
  const corpus = await (await fetch("bench/corpus.txt")).text();
  const ranks = new Uint8Array(await (await fetch("ranks/r50k_base.tiktoken")).arrayBuffer());
  const out = [];
  for (const merges of [true, false]) {
    for (let i = 0; i < 3; i++) out.push({ merges, ...JSON.parse(window.wasmBindings.benchExtension(ranks, terms, merges, corpus)) });
  }
  return out;
}, TERMS);
await close();
await server.close();
console.log("| mode | records | plain pass ms | before/after ms | ratio | mining ms | tokens before → after |");
console.log("|---|---:|---:|---:|---:|---:|---|");
for (const merges of [true, false]) {
  const rs = rows.filter((r) => r.merges === merges);
  const med = (k) => rs.map((r) => r[k]).sort((a, b) => a - b)[1];
  const r = rs[0];
  if (r.before !== r.plain_tokens) throw new Error(`before-count ${r.before} differs from the plain pass ${r.plain_tokens}`);
  console.log(
    `| ${merges ? "reachable merges" : "added tokens"} | ${r.records} | ${med("plain_ms").toFixed(0)} | ${med("impact_ms").toFixed(0)} | ` +
      `${(med("impact_ms") / med("plain_ms")).toFixed(2)}× | ${med("mine_ms").toFixed(0)} | ${r.before} → ${r.after} |`,
  );
}
console.log("(medians of 3 runs, fresh encoders each run)");
