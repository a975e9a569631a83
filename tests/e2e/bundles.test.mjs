// End-to-end tests of labs on demand (src/core/bundles.rs, static/boot.js), in Debian's Chromium: each lab
// transfers only its own bundle, the first lab's app code stays within the 600 KB (brotli) budget, and the
// whole app — page bundles and the background worker's — works from a sub-path of a static host and inside
// an iframe on another site.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { serve } from "./lib/server.mjs";
import { launch, watchErrors } from "./lib/browser.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const SUB = "course/week-3/datalab/";
// The routes and bundles as a student meets them; the headings are the deck's lab titles.
const LABS = [
  ["", "tokens", "The loop"],
  ["?lab=loop", "tokens", "The loop"],
  ["?lab=tokenizer", "tokens", "Tokenizer workbench"],
  ["?text=an%20old%20link", "tokens", "Tokenizer workbench"],
  ["?lab=extend", "tokens", "Extend the tokenizer"],
  ["?lab=workspace", "data", "Dataset workspace"],
  ["?lab=quality", "data", "Quality gates & dedup"],
  ["?lab=generate", "llm", "Generate with Ollama (Magpie)"],
  ["?lab=refine", "llm", "Refine by reflection"],
  ["?lab=imdb", "imdb", "IMDb bootstrap & baselines"],
  ["?lab=baselines", "imdb", "IMDb bootstrap & baselines"],
  ["?lab=ab", "ab", "A/B experiments"],
  ["?lab=experiments", "ab", "A/B experiments"],
  ["?lab=drills", "ab", "Failure drills"],
  ["?lab=runbook", "ab", "Runbook & portfolio"],
  ["?lab=no-such-lab", "tokens", "The loop"],
];

let lab, deck, browser, tmp;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, "index.html")), `no build in ${DIST}: run trunk build --release`);
  // The built lab copied under a sub-path of a static host, as a course site would hold it.
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datalab-subpath-"));
  fs.cpSync(DIST, path.join(tmp, SUB), { recursive: true });
  lab = await serve(tmp);
  // A slide deck on another site (another origin: another port) that embeds the lab.
  const host = path.join(tmp, "deck.html");
  fs.writeFileSync(
    host,
    `<!DOCTYPE html><link rel="icon" href="data:,"><title>deck</title>` +
      `<iframe title="lab" src="${lab.url}${SUB}?lab=quality&embed=1" width="1100" height="900" allow="local-network-access"></iframe>`,
  );
  deck = await serve(fs.mkdtempSync(path.join(os.tmpdir(), "datalab-deck-")), { "/deck.html": host });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await lab?.close();
  await deck?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const brotli = (file) =>
  zlib.brotliCompressSync(fs.readFileSync(file), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

test("each lab loads its own bundle only, from a sub-path", async () => {
  for (const [query, bundle, title] of LABS) {
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    const fetched = [];
    page.on("request", (r) => {
      const m = /\/lab-([a-z0-9]+)-[0-9a-f]{16}(_bg\.wasm|\.js)$/.exec(new URL(r.url()).pathname);
      if (m) fetched.push(m[1] + m[2]);
    });
    await page.goto(`${lab.url}${SUB}${query}`);
    await page.getByRole("heading", { level: 1, name: title, exact: true }).waitFor();
    assert.deepEqual(fetched.sort(), [`${bundle}.js`, `${bundle}_bg.wasm`], `${query || "(no lab)"} fetched ${fetched}`);
    assert.equal(await page.evaluate(() => globalThis.datalab.bundle), bundle);
    assert.deepEqual(errors, [], query);
    await page.close();
  }
});

test("the first lab a student opens needs at most 600 KB (brotli) of app code", async () => {
  const page = await browser.context.newPage();
  const files = [];
  page.on("response", (r) => {
    const p = new URL(r.url()).pathname;
    if (/\.(js|wasm)$/.test(p)) files.push(path.join(tmp, decodeURIComponent(p)));
  });
  // The home page is the loop; it is usable once its stages read the (empty) workspace.
  await page.goto(`${lab.url}${SUB}`);
  await page.getByTestId("loop-stage-raw").getByText("To do first", { exact: false }).waitFor();
  const total = files.reduce((sum, f) => sum + brotli(f), 0);
  assert.ok(files.some((f) => f.endsWith("_bg.wasm")), files.join());
  assert.ok(total <= 600 * 1024, `first lab transfers ${(total / 1024).toFixed(0)} KB brotli: ${files.join(", ")}`);
  await page.close();
});

test("in a deck's iframe on another site, under a sub-path, a lab runs a job in its worker bundle", async () => {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  const fetched = [];
  page.on("request", (r) => {
    const m = /\/lab-([a-z0-9]+)-[0-9a-f]{16}_bg\.wasm$/.exec(new URL(r.url()).pathname);
    if (m) fetched.push(m[1]);
  });
  await page.goto(`${deck.url}deck.html`);
  const frame = page.frameLocator("iframe");
  const rows = [
    { instruction: "Name the capital of France.", input: "", output: "Paris is the capital of France." },
    { instruction: "Explain recursion briefly.", input: "", output: "As an AI language model, I cannot help with that." },
  ];
  const file = path.join(tmp, "two.json");
  fs.writeFileSync(file, JSON.stringify(rows));
  await frame.getByLabel("Import dataset").setInputFiles(file);
  await frame.getByRole("button", { name: "Run gates", exact: true }).click();
  await frame.getByTestId("gate-pass-rate").filter({ hasText: "50.0%" }).waitFor({ timeout: 60_000 });
  assert.deepEqual([...new Set(fetched)].sort(), ["data", "worker"]);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a build whose bundle is missing says so instead of leaving a blank page", async () => {
  const page = await browser.context.newPage();
  await page.route(/\/lab-llm-[0-9a-f]{16}_bg\.wasm$/, (route) => route.fulfill({ status: 404, body: "not found" }));
  await page.goto(`${lab.url}${SUB}?lab=generate`);
  const alert = page.getByRole("alert");
  await alert.filter({ hasText: "The lab could not start" }).waitFor();
  assert.match(await alert.textContent(), /Reload the page/);
  await page.close();
});
