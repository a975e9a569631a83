// Workspace benchmark: import + validate + hash of 50,000 rows of ~1.5 KB (a ~75 MB JSON array cut from the
// prose corpus) through the real page in Chromium — file picker to version shown — with the longest gap
// between animation frames while it runs (the UI must stay responsive), then saving to IndexedDB and
// loading it back after a reload.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "../lib/server.mjs";
import { launch } from "../lib/browser.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const CORPUS = process.env.DATALAB_CORPUS || path.resolve(ROOT, "../shared/corpus/prose-10mb.txt");
const ROWS = Number(process.env.DATALAB_ROWS || 50_000);
if (!fs.existsSync(CORPUS)) {
  console.error(`corpus not found at ${CORPUS} (set DATALAB_CORPUS)`);
  process.exit(2);
}

// 50k rows: instruction ~150 B, input ~350 B, output ~1 KB, cut from the corpus at deterministic offsets.
const prose = fs.readFileSync(CORPUS, "utf8");
const cut = (at, len) => {
  const s = (at * 7919) % (prose.length - len - 1);
  // Whole code points only: a cut through a surrogate pair would be a (correctly) quarantined row.
  return prose.slice(s, s + len).toWellFormed().replace(/\uFFFD/g, "");
};
const rows = Array.from({ length: ROWS }, (_, i) => ({
  instruction: `Summarise passage ${i}: ${cut(i * 3, 130)}`,
  input: cut(i * 3 + 1, 350),
  output: cut(i * 3 + 2, 1000),
}));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datalab-wsbench-"));
const file = path.join(tmp, "bench-50k.json");
fs.writeFileSync(file, JSON.stringify(rows, null, 1));
const bytes = fs.statSync(file).size;

const server = await serve(DIST);
const { context, close } = await launch();
const page = await context.newPage();
await page.goto(server.url + "?lab=workspace");
await page.getByLabel("Import dataset").waitFor();
await page.getByTestId("save-state").getByText("All versions are saved", { exact: false }).waitFor();

// Frame-gap monitor: the longest time between two animation frames.
await page.evaluate(() => {
  const g = (window.__gaps = { max: 0, last: performance.now(), t0: performance.now() });
  const tick = (t) => {
    g.max = Math.max(g.max, t - g.last);
    g.last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
});
const wall0 = Date.now();
await page.getByLabel("Import dataset").setInputFiles(file);
await page.waitForFunction((n) => document.querySelector('[data-testid="rows-valid"]')?.textContent.trim() === String(n), ROWS, {
  timeout: 120_000,
});
const shown = Date.now() - wall0;
const gapImport = await page.evaluate(() => window.__gaps.max);
const report = await page.getByTestId("import-report").textContent();
const jobMs = Number(/in (\d+) ms/.exec(report)?.[1]);
await page.evaluate(() => (window.__gaps.max = 0));
await page.getByTestId("save-state").getByText("All versions are saved", { exact: false }).waitFor({ timeout: 120_000 });
const saved = Date.now() - wall0;
const gapSave = await page.evaluate(() => window.__gaps.max);

// Reload: the version comes back from IndexedDB.
const r0 = Date.now();
await page.reload();
await page.waitForFunction((n) => document.querySelector('[data-testid="rows-valid"]')?.textContent.trim() === String(n), ROWS, {
  timeout: 120_000,
});
const reload = Date.now() - r0;
await close();
await server.close();
fs.rmSync(tmp, { recursive: true, force: true });

console.log(`| rows | file | import + validate + hash (in page) | picker → version shown | longest frame gap (import) | saved to IndexedDB | longest frame gap (save) | reload → rows back |`);
console.log(`|---:|---:|---:|---:|---:|---:|---:|---:|`);
console.log(
  `| ${ROWS} | ${(bytes / 1e6).toFixed(1)} MB | ${jobMs} ms | ${shown} ms | ${gapImport.toFixed(0)} ms | ${saved} ms | ${gapSave.toFixed(0)} ms | ${reload} ms |`,
);
