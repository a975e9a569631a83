// End-to-end tests of the in-page model (issue #20) in Debian's Chromium: "In this page" in the connection
// panel, a GGUF file picked from disk and run by the engine in its own worker (fetched only then), "Test
// connection" naming the model, Magpie generation making rows with it, the same seed giving the same text,
// and bad files named. The model is tiny-chat from scripts/make-gguf.py (random weights, GPT-2's real
// vocabulary, answers that end after a few tokens), made by scripts/model-fixtures.sh.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./lib/server.mjs";
import { launch, watchErrors } from "./lib/browser.mjs";
import { testIdText } from "./lib/page.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const FIXTURES = process.env.DATALAB_MODEL_FIXTURES || path.join(ROOT, "target/model-fixtures");
const MODEL = path.join(FIXTURES, "e2e/tiny-chat-Q8_0.gguf");
const WAIT = 60_000;

let server, browser, tmp;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, "index.html")), `no build in ${DIST}: run trunk build --release`);
  assert.ok(fs.existsSync(MODEL), `no ${MODEL}: run bash scripts/model-fixtures.sh`);
  server = await serve(DIST);
  browser = await launch();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datalab-in-page-"));
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function setNumber(page, label, value) {
  const f = page.getByLabel(label, { exact: true });
  await f.fill(String(value));
  await f.dispatchEvent("change");
}

/** The generation lab with the in-page model loaded; `fetched` lists the wasm files the page asked for. */
async function withModel() {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  const fetched = [];
  page.on("request", (r) => {
    if (r.url().endsWith(".wasm")) fetched.push(path.basename(new URL(r.url()).pathname));
  });
  await page.goto(server.url + "?lab=generate");
  await page.getByLabel("API").waitFor();
  await page.waitForLoadState("networkidle");
  assert.ok(!fetched.some((f) => f.startsWith("lab-model")), `the engine is not part of the first load: ${fetched}`);
  await page.getByLabel("API").selectOption("in-page");
  await page.getByLabel("Model file (GGUF)").setInputFiles(MODEL);
  await page.getByTestId("model-info").filter({ hasText: "datalab random tiny-chat" }).waitFor({ timeout: WAIT });
  assert.ok(fetched.some((f) => f.startsWith("lab-model")), `the engine came when chosen: ${fetched}`);
  return { page, errors };
}

test("in this page: a GGUF model loads in its own worker, Test connection names it, Generate makes rows", async () => {
  const { page, errors } = await withModel();
  const info = await testIdText(page, "model-info");
  assert.match(info, /llama · Q8_0 · \d+M parameters · 30 MB/);
  await page.getByRole("button", { name: "Test connection" }).click();
  await page.getByTestId("llm-status").filter({ hasText: "datalab random tiny-chat" }).waitFor({ timeout: WAIT });
  assert.match(await testIdText(page, "llm-status"), /Connected · in this page · datalab random tiny-chat/);

  // Magpie with the model's own family (ChatML), three rows.
  await page.getByLabel("Template family").selectOption({ label: "Qwen 2 / ChatML" });
  await setNumber(page, "Rows to generate", 3);
  await setNumber(page, "Base seed", 7);
  await page.getByRole("button", { name: "Generate", exact: true }).click();
  await page.waitForFunction(
    () => ["generated-rows", "rejected-rows"].map((id) => Number(document.querySelector(`[data-testid="${id}"]`)?.textContent)).reduce((a, b) => a + b) === 3,
    null,
    { timeout: WAIT * 2 },
  );
  const kept = Number(await testIdText(page, "generated-rows"));
  assert.ok(kept >= 1, `rows made by the in-page model: ${kept}`);
  const rowOfSeed = (p, seed) =>
    p.locator('[data-testid="generated-table"] tbody tr').filter({ has: p.locator("td:nth-child(2)", { hasText: new RegExp(`^${seed}$`) }) }).first().textContent();
  const firstRun = await rowOfSeed(page, 7);
  assert.ok(firstRun.length > 20, firstRun);
  assert.deepEqual(errors, []);

  // The same seed and settings give the same text: run again on a fresh page.
  const again = await withModel();
  await again.page.getByLabel("Template family").selectOption({ label: "Qwen 2 / ChatML" });
  await setNumber(again.page, "Rows to generate", 1);
  await setNumber(again.page, "Base seed", 7);
  await again.page.getByRole("button", { name: "Generate", exact: true }).click();
  await again.page.waitForFunction(
    () => ["generated-rows", "rejected-rows"].map((id) => Number(document.querySelector(`[data-testid="${id}"]`)?.textContent)).reduce((a, b) => a + b) === 1,
    null,
    { timeout: WAIT },
  );
  const secondRun = await rowOfSeed(again.page, 7);
  const strip = (t) => t.replace(/[\d.]+ tok\/s|\d+(\.\d+)? s/g, "");
  assert.equal(strip(secondRun), strip(firstRun), "seed 7 gives the same row");
  await page.close();
  await again.page.close();
});

test("in this page: files that are not models, or are cut short, are named and the tab lives on", async () => {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  await page.goto(server.url + "?lab=generate");
  await page.getByLabel("API").selectOption("in-page");
  const notModel = path.join(tmp, "notes.gguf");
  fs.writeFileSync(notModel, "these are my notes, not a model");
  await page.getByLabel("Model file (GGUF)").setInputFiles(notModel);
  await page.getByTestId("model-error").filter({ hasText: "not a GGUF model file" }).waitFor({ timeout: WAIT });
  const cut = path.join(tmp, "cut.gguf");
  const bytes = fs.readFileSync(MODEL);
  fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  await page.getByLabel("Model file (GGUF)").setInputFiles(cut);
  await page.getByTestId("model-error").filter({ hasText: "cut short" }).waitFor({ timeout: WAIT });
  // Still alive: the real file loads after both.
  await page.getByLabel("Model file (GGUF)").setInputFiles(MODEL);
  await page.getByTestId("model-info").filter({ hasText: "tiny-chat" }).waitFor({ timeout: WAIT });
  assert.deepEqual(errors, []);
  await page.close();
});
