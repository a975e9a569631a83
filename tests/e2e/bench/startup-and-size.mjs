// Size and start-up figures for the README: each lab bundle's wasm and JS (raw, gzip, brotli), the rank
// files, what the first lab transfers, how soon the page is usable on localhost while every rank file is
// held back, and each lab's load time (navigation to its page drawn, median of 5).
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { serve } from "../lib/server.mjs";
import { launch } from "../lib/browser.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = process.env.DATALAB_DIST || path.resolve(HERE, "../../../dist");
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
const sizes = (buf) => [buf.length, zlib.gzipSync(buf, { level: 9 }).length,
  zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length];

console.log("| file | raw | gzip -9 | brotli 11 |");
console.log("|---|---:|---:|---:|");
const files = fs.readdirSync(DIST).filter((f) => /\.(wasm|js)$/.test(f)).sort().map((f) => path.join(DIST, f));
files.push(...fs.readdirSync(path.join(DIST, "ranks")).filter((f) => f.endsWith(".tiktoken")).map((f) => path.join(DIST, "ranks", f)));
const brotliOf = {};
for (const f of files) {
  const [raw, gz, br] = sizes(fs.readFileSync(f));
  brotliOf[path.basename(f)] = br;
  console.log(`| ${path.relative(DIST, f).replace(/-[0-9a-f]{16}/, "")} | ${kb(raw)} | ${kb(gz)} | ${kb(br)} |`);
}
// A bundle's app code: its glue and wasm, plus the start-up script every page loads.
const bootBr = Object.entries(brotliOf).find(([f]) => /^boot-/.test(f))[1];
const bundleBr = (name) =>
  bootBr + Object.entries(brotliOf).filter(([f]) => f.startsWith(`lab-${name}-`)).reduce((s, [, b]) => s + b, 0);
const server = await serve(DIST);
const { context, close } = await launch();
const times = [];
for (let i = 0; i < 5; i++) {
  const page = await context.newPage();
  let held = 0;
  await page.route("**/ranks/*.tiktoken", async (route) => {
    held++;
    await new Promise((r) => setTimeout(r, 3000));
    await route.continue().catch(() => {});
  });
  await page.goto(server.url + `?text=start-up%20${i}`, { waitUntil: "commit" });
  await page.getByLabel("Text to tokenize").waitFor();
  const t = await page.evaluate(() => performance.now());
  // Usable means: it takes input while the rank files are still on their way.
  await page.getByLabel("Text to tokenize").fill("typing before ranks arrive");
  const stillLoading = await page.getByText(/Downloading ranks\//).count();
  times.push({ t, held, stillLoading });
  await page.close();
}
// Each lab: navigation to its page drawn (the lab's heading), fresh page each time, nothing cached.
const LABS = [
  ["tokenizer", "", "tokens", "Tokenizer workbench"],
  ["extend", "?lab=extend", "tokens", "Extend the tokenizer"],
  ["workspace", "?lab=workspace", "data", "Dataset workspace"],
  ["quality", "?lab=quality", "data", "Quality gates & dedup"],
  ["generate", "?lab=generate", "llm", "Generate with Ollama (Magpie)"],
  ["refine", "?lab=refine", "llm", "Refine by reflection"],
  ["imdb", "?lab=imdb", "imdb", "IMDb bootstrap & baselines"],
  ["ab", "?lab=ab", "ab", "A/B experiments"],
  ["drills", "?lab=drills", "ab", "Failure drills"],
  ["runbook", "?lab=runbook", "ab", "Runbook & portfolio"],
];
const loads = [];
for (const [id, query, bundle, title] of LABS) {
  const ms = [];
  for (let i = 0; i < 5; i++) {
    const page = await context.newPage();
    await page.goto(server.url + query, { waitUntil: "commit" });
    await page.getByRole("heading", { level: 1, name: title, exact: true }).waitFor();
    ms.push(await page.evaluate(() => performance.now()));
    await page.close();
  }
  ms.sort((a, b) => a - b);
  loads.push({ id, bundle, br: bundleBr(bundle), median: ms[2], min: ms[0], max: ms[4] });
}
await close();
await server.close();
const sorted = times.map((x) => x.t).sort((a, b) => a - b);
console.log(
  `Start-up on localhost (navigation to a usable text box, rank files held back): median ${sorted[2].toFixed(0)} ms, ` +
    `min ${sorted[0].toFixed(0)} ms, max ${sorted[4].toFixed(0)} ms; rank downloads still pending in ${times.filter((x) => x.stillLoading > 0).length}/5 runs`,
);
console.log("\n| lab | bundle | app code transferred (brotli) | load: median (min–max) |");
console.log("|---|---|---:|---:|");
for (const l of loads) {
  console.log(`| ${l.id} | ${l.bundle} | ${kb(l.br)} | ${l.median.toFixed(0)} ms (${l.min.toFixed(0)}–${l.max.toFixed(0)}) |`);
}
console.log(`Worker bundle (fetched when a lab starts its first background job): ${kb(bundleBr("worker") - bootBr)} brotli.`);
