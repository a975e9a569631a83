// End-to-end tests of the in-page model (issue #20) in Debian's Chromium: "In this page" in the connection
// panel, a GGUF file picked from disk and run by the engine in its own worker (fetched only then), "Test
// connection" naming the model, Magpie generation making rows with it, the same seed giving the same text,
// and bad files named. The model is tiny-chat from scripts/make-gguf.py (random weights, GPT-2's real
// vocabulary, answers that end after a few tokens), made by scripts/model-fixtures.sh.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
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
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datalab-in-page-"));
  server = await serve(DIST, classFolder());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function sha256(b) {
  return crypto.createHash("sha256").update(b).digest("hex");
}

/** An instructor's models/ folder beside the lab (models.json with sizes and SHA-256), and answers a test
 *  shapes: a slow download (to cancel), one cut short, a web page where a model should be. */
function classFolder() {
  const bytes = fs.readFileSync(MODEL);
  const listing = path.join(tmp, "models.json");
  fs.writeFileSync(listing, JSON.stringify([
    { file: "class-Q8_0.gguf", size: bytes.length, sha256: sha256(bytes) },
    { file: "damaged.gguf", size: bytes.length, sha256: "0".repeat(64) },
  ]));
  const head = (res) => res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length, "cache-control": "no-store" });
  return {
    "/models/models.json": listing,
    "/models/class-Q8_0.gguf": MODEL,
    "/models/damaged.gguf": MODEL,
    "/slow/model.gguf": (req, res) => {
      head(res);
      let at = 0;
      const timer = setInterval(() => {
        res.write(bytes.subarray(at, at + 65536));
        at += 65536;
        if (at >= bytes.length) clearInterval(timer), res.end();
      }, 100);
      req.on("close", () => clearInterval(timer));
    },
    "/cut/model.gguf": (req, res) => {
      head(res);
      res.write(bytes.subarray(0, bytes.length >> 1), () => setTimeout(() => res.socket.destroy(), 50));
    },
    "/page/model.gguf": path.join(DIST, "index.html"),
  };
}

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
  assert.equal(await page.getByTestId("model-kept").locator("tbody tr").filter({ hasText: "cut.gguf" }).count(), 0, "a file that did not load is not kept");
  // Still alive: the real file loads after both.
  await page.getByLabel("Model file (GGUF)").setInputFiles(MODEL);
  await page.getByTestId("model-info").filter({ hasText: "tiny-chat" }).waitFor({ timeout: WAIT });
  assert.deepEqual(errors, []);
  await page.close();
});

test("in this page: a model fetched from the class's models/ folder is checked, kept, loaded again without a download, and removed", async () => {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  const want = sha256(fs.readFileSync(MODEL));
  await page.goto(server.url + "?lab=generate");
  await page.getByLabel("API").selectOption("in-page");
  const url = page.getByLabel("Or a URL");
  assert.equal(await url.inputValue(), "models/", "the class folder beside the lab is the default");
  await page.getByRole("button", { name: "Fetch the model" }).click();
  const offered = page.getByTestId("model-offered");
  await offered.waitFor({ timeout: WAIT });
  assert.equal(await offered.locator("tbody tr").count(), 2);
  await page.getByRole("button", { name: "Download class-Q8_0.gguf" }).click();
  await page.getByTestId("model-info").filter({ hasText: "datalab random tiny-chat" }).waitFor({ timeout: WAIT });
  assert.equal(await testIdText(page, "model-sha256"), want, "the SHA-256 shown is the file's");
  await page.getByTestId("model-note").filter({ hasText: "class-Q8_0.gguf is kept in this browser" }).waitFor({ timeout: WAIT });
  const keptRow = (p) => p.getByTestId("model-kept").locator("tbody tr").filter({ hasText: "class-Q8_0.gguf" });
  await keptRow(page).waitFor();
  assert.equal(await keptRow(page).getByTestId("kept-sha256").textContent(), want);
  assert.match(await keptRow(page).textContent(), /30 MB/);

  // A file whose SHA-256 is not the one the listing announces is refused, and not kept.
  await page.getByRole("button", { name: "Download damaged.gguf" }).click();
  await page.getByTestId("model-error").filter({ hasText: "arrived damaged" }).waitFor({ timeout: WAIT });
  assert.equal(await page.getByTestId("model-kept").locator("tbody tr").filter({ hasText: "damaged" }).count(), 0);

  // A slow download shows its progress and is cancelled; one cut short and a web page are named.
  await url.fill(server.url + "slow/model.gguf");
  await page.getByRole("button", { name: "Fetch the model" }).click();
  const bar = page.locator(".busy").filter({ hasText: "Downloading model.gguf" });
  await bar.getByText(/\d+ MB of 30 MB/).waitFor({ timeout: WAIT });
  await bar.getByRole("button", { name: "Cancel" }).click();
  await page.getByTestId("model-note").filter({ hasText: "Cancelled; nothing was kept" }).waitFor();
  await url.fill(server.url + "cut/model.gguf");
  await page.getByRole("button", { name: "Fetch the model" }).click();
  await page.getByTestId("model-error").filter({ hasText: /broke off|stopped after/ }).waitFor({ timeout: WAIT });
  await url.fill("page/model.gguf");
  await page.getByRole("button", { name: "Fetch the model" }).click();
  await page.getByTestId("model-error").filter({ hasText: "web page" }).waitFor({ timeout: WAIT });
  await url.fill("nowhere/model.gguf");
  await page.getByRole("button", { name: "Fetch the model" }).click();
  await page.getByTestId("model-error").filter({ hasText: "answered 404" }).waitFor({ timeout: WAIT });
  assert.equal(await page.getByTestId("model-kept").locator("tbody tr").filter({ hasText: "model.gguf" }).count(), 0, "nothing half-downloaded is kept");

  // Another visit: the kept model loads from the browser, with no download.
  const again = await browser.context.newPage();
  const againErrors = watchErrors(again);
  const ggufRequests = [];
  again.on("request", (r) => r.url().endsWith(".gguf") && ggufRequests.push(r.url()));
  await again.goto(server.url + "?lab=generate");
  await again.getByLabel("API").selectOption("in-page");
  await keptRow(again).waitFor({ timeout: WAIT });
  await again.getByRole("button", { name: "Load class-Q8_0.gguf" }).click();
  await again.getByTestId("model-info").filter({ hasText: "datalab random tiny-chat" }).waitFor({ timeout: WAIT });
  assert.equal(await testIdText(again, "model-sha256"), want);
  assert.deepEqual(ggufRequests, [], "loaded from the browser's cache, not downloaded");
  await again.getByRole("button", { name: "Test connection" }).click();
  await again.getByTestId("llm-status").filter({ hasText: "Connected · in this page" }).waitFor({ timeout: WAIT });

  // Remove: gone from the list and from the browser's cache.
  await again.getByRole("button", { name: "Remove class-Q8_0.gguf from this browser" }).click();
  await again.getByTestId("model-note").filter({ hasText: "was removed" }).waitFor();
  assert.equal(await keptRow(again).count(), 0);
  const keys = await again.evaluate(async () => (await (await caches.open("datalab-models-v1")).keys()).map((r) => r.url));
  assert.ok(!keys.some((k) => k.includes("class-Q8_0")), `removed from Cache Storage: ${keys}`);
  // The browser itself logs the two downloads that failed on purpose (cut short, 404); nothing else.
  assert.deepEqual(errors.filter((e) => !/Failed to load resource: (net::ERR_CONTENT_LENGTH_MISMATCH|.*404)/.test(e)), []);
  assert.equal(errors.length, 2, errors.join("\n"));
  assert.deepEqual(againErrors, []);
  await page.close();
  await again.close();
});
