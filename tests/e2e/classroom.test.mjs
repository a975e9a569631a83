// End-to-end tests of the classroom (issue #19) in Debian's Chromium: the class link that sets every
// student's endpoint and model, the instructor's commands and QR code, a busy shared server (Ollama's 503
// "server busy" waited out with backoff, or given up on with advice), parallel requests that give the
// same rows as one at a time, and run bundles — recorded against a model, replayed with none, refused
// when edited or recorded for other settings. The stand-in (lib/ollama-standin.mjs) plays a shared Ollama
// with a few slots and a bounded queue.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./lib/server.mjs";
import { launch } from "./lib/browser.mjs";
import { startStandin } from "./lib/ollama-standin.mjs";
import { testIdText } from "./lib/page.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = process.env.DATALAB_DIST || path.resolve(HERE, "../../dist");
const WAIT = 30_000;
const BUSY = "server busy, please try again.  maximum pending requests exceeded";

let server, browser;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, "index.html")), `no build in ${DIST}: run trunk build --release`);
  server = await serve(DIST);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** A page in its own browser profile (own storage), as another student's browser. */
async function freshPage(query) {
  const own = await launch();
  const context = { close: () => own.close() };
  const page = await own.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(server.url + query);
  await page.getByLabel("Ollama endpoint").waitFor({ timeout: WAIT });
  return { page, context, errors };
}

async function setNumber(page, label, value) {
  const f = page.getByLabel(label, { exact: true });
  await f.fill(String(value));
  await f.dispatchEvent("change");
}

async function waitText(page, id, re, timeout = WAIT) {
  try {
    await page.waitForFunction(
      ([id, src]) => new RegExp(src).test(document.querySelector(`[data-testid="${id}"]`)?.textContent || ""),
      [id, re.source],
      { timeout },
    );
  } catch {
    assert.fail(`${id} never matched ${re}: shows ${JSON.stringify(await testIdText(page, id))}`);
  }
}

/** The generated rows the page kept (its saved run), as {index, seed, instruction, response, status}. */
async function runRows(page) {
  return page.evaluate(() => {
    const run = JSON.parse(localStorage.getItem("datalab.magpie.run") || "null");
    return (run?.rows || []).map((r) => ({
      index: r.index, seed: r.seed, instruction: r.instruction, response: r.response, status: r.status,
    }));
  });
}

/** Opens the generation lab through a class link and runs `n` rows from `seed`; returns the page. */
async function generate(ollama, { n, seed, parallel = 1, query = "" }) {
  const link = `?lab=generate&ollama=${encodeURIComponent(ollama.url)}&model=llama3.2%3Alatest${query}`;
  const p = await freshPage(link);
  await setNumber(p.page, "Parallel requests", parallel);
  await setNumber(p.page, "Rows to generate", n);
  await setNumber(p.page, "Base seed", seed);
  await p.page.getByRole("button", { name: "Generate", exact: true }).click();
  return p;
}

test("a class link sets and keeps the endpoint and model; a malformed one is named; the instructor gets commands, link and QR code", async () => {
  const ollama = await startStandin();
  const { page, context, errors } = await freshPage(
    `?lab=generate&ollama=${encodeURIComponent(ollama.url + "/")}&model=qwen2.5%3A0.5b`,
  );
  try {
    assert.equal(await page.getByLabel("Ollama endpoint").inputValue(), ollama.url);
    assert.equal(await page.getByLabel("Model", { exact: true }).inputValue(), "qwen2.5:0.5b");
    // Kept after a reload, and on another lab opened without the parameters.
    await page.reload();
    await page.getByLabel("Ollama endpoint").waitFor();
    assert.equal(await page.getByLabel("Ollama endpoint").inputValue(), ollama.url);
    await page.goto(server.url + "?lab=refine");
    await page.getByLabel("Ollama endpoint").waitFor();
    assert.equal(await page.getByLabel("Ollama endpoint").inputValue(), ollama.url);
    assert.equal(await page.getByLabel("Model", { exact: true }).inputValue(), "qwen2.5:0.5b");

    // The instructor's corner: commands for this origin, the class link and its QR code.
    await page.goto(server.url + "?lab=generate");
    await page.getByText("For instructors: one Ollama for the whole class").click();
    const panel = await page.locator(".class-panel").textContent();
    const origin = new URL(server.url).origin;
    assert.ok(panel.includes(`OLLAMA_ORIGINS=${origin} `), "the serve command names this page's origin");
    assert.match(panel, /OLLAMA_HOST=0\.0\.0\.0/);
    assert.match(panel, /scripts\/serve\.sh --host 0\.0\.0\.0/);
    const link = await page.getByLabel("Class link").inputValue();
    // The stand-in is on 127.0.0.1: a class cannot use that, so the link says where the LAN address goes.
    assert.match(link, /\?lab=generate&ollama=http%3A%2F%2F/);
    assert.match(link, /&model=qwen2\.5%3A0\.5b$/);
    assert.match(panel, /means each student's own computer/);
    const qr = page.getByTestId("class-qr");
    assert.equal(await qr.getAttribute("role"), "img");
    assert.ok((await qr.locator("path").getAttribute("d")).length > 1000, "the QR code has modules");

    // A malformed class link: named, and the endpoint stays.
    await page.goto(server.url + "?lab=generate&ollama=http%3A%2F%2Fbad%20host%3A11434");
    await page.getByLabel("Ollama endpoint").waitFor();
    await waitText(page, "llm-problem", /class link's Ollama endpoint `http:\/\/bad host:11434` cannot be used/);
    assert.equal(await page.getByLabel("Ollama endpoint").inputValue(), ollama.url);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await ollama.close();
  }
});

test("parallel requests give the same rows as one at a time, in place, and use the server's slots", async () => {
  // A cold model: the first request waits 1.5 s while it "loads"; /api/ps says so, then says it is loaded.
  const ollama = await startStandin({ slots: 4, delayMs: 15, loadMs: 1500 });
  try {
    const one = await generate(ollama, { n: 8, seed: 21, parallel: 1 });
    await waitText(one.page, "llm-loaded", /llama3\.2:latest is not loaded yet: the first request loads it/);
    await waitText(one.page, "llm-loaded", /llama3\.2:latest is loaded/);
    await waitText(one.page, "generated-version", /^ds-/);
    const rows1 = await runRows(one.page);
    assert.equal(ollama.load.maxActive, 1, "one at a time");
    await one.context.close();

    ollama.load.maxActive = 0;
    const four = await generate(ollama, { n: 8, seed: 21, parallel: 4 });
    await waitText(four.page, "generated-version", /^ds-/);
    const rows4 = await runRows(four.page);
    assert.ok(ollama.load.maxActive >= 3, `rows ran side by side (max ${ollama.load.maxActive} at once)`);
    assert.equal(rows4.length, 8);
    assert.deepEqual(rows4.map((r) => r.index), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(rows4.map((r) => r.seed), [21, 22, 23, 24, 25, 26, 27, 28]);
    assert.deepEqual(rows4, rows1, "identical rows for any number of parallel requests");
    assert.equal(await testIdText(four.page, "generated-rows"), String(rows1.filter((r) => r.status === "ok").length));
    assert.deepEqual(four.errors, []);
    await four.context.close();
  } finally {
    await ollama.close();
  }
});

test("a busy shared server is waited out with backoff; one busy for good is given up on with advice, rows kept", async () => {
  // The first two generation requests meet a full queue (Ollama's exact 503), then it frees up.
  let refusals = 2;
  const ollama = await startStandin({
    delayMs: 5,
    script: ({ kind }) => (kind !== "openai" && refusals-- > 0 ? { status: 503, error: BUSY } : undefined),
  });
  try {
    const { page, context, errors } = await generate(ollama, { n: 2, seed: 3 });
    await waitText(page, "llm-waiting", /server busy — retrying \(1\) in \d+\.\d s/);
    await waitText(page, "generated-version", /^ds-/, 60_000);
    assert.equal(await testIdText(page, "generated-rows"), "2");
    const gens = ollama.requests.filter((r) => r.path === "/api/generate");
    assert.ok(gens.length >= 4, "the refused requests were sent again");
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await ollama.close();
  }

  // Busy for good after the first row: the wait is bounded (3 s here), the advice names the cause, the
  // finished row is kept, and Cancel is not needed.
  let served = 0;
  const forever = await startStandin({
    delayMs: 5,
    script: () => (served++ >= 2 ? { status: 503, error: BUSY } : undefined),
  });
  try {
    const link = `?lab=generate&ollama=${encodeURIComponent(forever.url)}&model=llama3.2%3Alatest`;
    const { page, context, errors } = await freshPage(link);
    await setNumber(page, "Wait for a busy server (s)", 3);
    await setNumber(page, "Rows to generate", 3);
    await setNumber(page, "Base seed", 9);
    const t0 = Date.now();
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.locator(".advice").waitFor({ timeout: 30_000 });
    const took = Date.now() - t0;
    assert.match(await page.locator(".advice").textContent(), /The shared server stayed busy[\s\S]*Parallel requests/);
    assert.match(await testIdText(page, "llm-status"), /Server busy for 3 s — gave up/);
    assert.ok(took < 20_000, `gave up in ${took} ms`);
    assert.equal(await testIdText(page, "generated-rows"), "1", "the finished row is kept");
    assert.ok(await page.getByRole("button", { name: "Resume the interrupted run" }).isVisible());
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await forever.close();
  }
});

test("a recorded run replays with no model; an edited bundle and one for other settings are refused with reasons", async () => {
  const ollama = await startStandin({ delayMs: 5 });
  let bundlePath, rowsLive;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-"));
  try {
    const live = await generate(ollama, { n: 3, seed: 5, parallel: 2 });
    await waitText(live.page, "generated-version", /^ds-/);
    rowsLive = await runRows(live.page);
    const [dl] = await Promise.all([
      live.page.waitForEvent("download"),
      live.page.getByRole("button", { name: "Export run bundle" }).click(),
    ]);
    bundlePath = path.join(dir, dl.suggestedFilename());
    await dl.saveAs(bundlePath);
    await live.context.close();
  } finally {
    await ollama.close();
  }
  const bundle = JSON.parse(fs.readFileSync(bundlePath, "utf8"));
  assert.equal(bundle.format, "datalab-run-bundle/1");
  assert.equal(bundle.model, "llama3.2:latest");
  assert.match(bundle.digest, /^[0-9a-f]{64}$/, "the digest /api/tags gave");
  assert.equal(bundle.calls.length, 6, "an instruction and an answer per row");
  assert.ok(bundle.calls.every((c) => c.lines.length > 1 && c.lines.every(([ms]) => typeof ms === "number")));
  assert.match(bundle.hash, /^[0-9a-f]{64}$/);

  // A student with no model: every fetch the page makes is watched.
  const student = await freshPage("?lab=generate&ollama=http%3A%2F%2F127.0.0.1%3A9");
  const { page } = student;
  const sent = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(server.url)) sent.push(r.url());
  });
  try {
    await page.getByLabel("Run bundle").setInputFiles(bundlePath);
    await waitText(page, "llm-status", /Replay: generate run of llama3\.2:latest .*6 recorded requests/);
    // The form takes the bundle's settings: Generate replays it as it is.
    assert.equal(await page.getByLabel("Rows to generate", { exact: true }).inputValue(), "3");
    assert.equal(await page.getByLabel("Base seed", { exact: true }).inputValue(), "5");
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await waitText(page, "generated-version", /^ds-/);
    assert.equal(await testIdText(page, "generated-rows"), String(rowsLive.filter((r) => r.status === "ok").length));
    assert.deepEqual(await runRows(page), rowsLive, "the recorded rows, reproduced");
    assert.deepEqual(sent, [], "no request left the page");

    // Other settings: the missing requests are named before anything runs.
    await setNumber(page, "Base seed", 100);
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.locator(".error[role=alert]").first().waitFor();
    const msg = await page.locator(".error[role=alert]").first().textContent();
    assert.match(msg, /does not hold 3 of the 3 rows/);
    assert.match(msg, /row 1 \(seed 100\)/);
    assert.match(msg, /options\.seed: recorded \d+, yours 100/);
    assert.deepEqual(sent, []);

    // Edited by hand: the hash no longer matches.
    const edited = path.join(dir, "edited.json");
    const b = JSON.parse(fs.readFileSync(bundlePath, "utf8"));
    b.calls[0].lines[0][1] = b.calls[0].lines[0][1].replace(/"response":"[^"]*"/, '"response":"Hacked"');
    fs.writeFileSync(edited, JSON.stringify(b));
    await page.getByLabel("Run bundle").setInputFiles(edited);
    await waitText(page, "llm-problem", /changed after it was recorded/);
    // Another lab version.
    const other = path.join(dir, "other.json");
    const o = JSON.parse(fs.readFileSync(bundlePath, "utf8"));
    o.lab_version = "0.0.1";
    fs.writeFileSync(other, JSON.stringify(o));
    await page.getByLabel("Run bundle").setInputFiles(other);
    await waitText(page, "llm-problem", /recorded with datalab 0\.0\.1/);
    assert.deepEqual(student.errors, []);
  } finally {
    await student.context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a reflection run, recorded in the refine lab with parallel requests, replays with no model", async () => {
  const ollama = await startStandin({ delayMs: 5, slots: 2 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-"));
  let bundlePath, live;
  const reflect = async (page) => {
    await page.getByRole("button", { name: "Load the sample dataset", exact: true }).click();
    await waitText(page, "rows-valid", /^299$/);
    await setNumber(page, "How many rows", 4);
    await page.getByRole("button", { name: "Reflect", exact: true }).click();
    await waitText(page, "reflect-note", /Reflected on 4 rows/);
    return (await page.getByTestId("reflect-results").textContent()).trim();
  };
  try {
    const t = await freshPage(`?lab=refine&ollama=${encodeURIComponent(ollama.url)}&model=llama3.2%3Alatest`);
    await setNumber(t.page, "Parallel requests", 2);
    live = await reflect(t.page);
    assert.ok(ollama.load.maxActive >= 2, "two rows at once");
    const [dl] = await Promise.all([
      t.page.waitForEvent("download"),
      t.page.getByRole("button", { name: "Export run bundle" }).click(),
    ]);
    bundlePath = path.join(dir, dl.suggestedFilename());
    await dl.saveAs(bundlePath);
    assert.deepEqual(t.errors, []);
    await t.context.close();
  } finally {
    await ollama.close();
  }
  const bundle = JSON.parse(fs.readFileSync(bundlePath, "utf8"));
  assert.equal(bundle.lab, "refine");
  assert.equal(bundle.calls.length, 4);
  const s = await freshPage("?lab=refine");
  const sent = [];
  s.page.on("request", (r) => {
    if (!r.url().startsWith(server.url)) sent.push(r.url());
  });
  try {
    await s.page.getByLabel("Run bundle").setInputFiles(bundlePath);
    await waitText(s.page, "llm-status", /Replay: refine run of llama3\.2:latest/);
    await waitText(s.page, "reflect-note", /Settings taken from the run bundle: rows 1–4/);
    const replayed = await reflect(s.page);
    assert.equal(replayed, live, `the same revisions, row for row (${await testIdText(s.page, "reflect-note")})`);
    assert.deepEqual(sent, [], "no request left the page");
    assert.deepEqual(s.errors, []);
  } finally {
    await s.context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
