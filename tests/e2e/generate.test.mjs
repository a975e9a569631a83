// End-to-end tests of the generation lab (?lab=generate) in Debian's Chromium against a stand-in that
// speaks Ollama's HTTP API (tests/e2e/lib/ollama-standin.mjs): connection and its failures explained,
// Magpie generation with per-row seeds in `options`, live streaming, a mid-stream error, cancel and
// resume after a reload, the new dataset version, and model output shown as text.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./lib/server.mjs";
import { launch } from "./lib/browser.mjs";
import { startStandin } from "./lib/ollama-standin.mjs";
import { testIdText } from "./lib/page.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = process.env.DATALAB_DIST || path.resolve(HERE, "../../dist");
const WAIT = 30_000;

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

/** A fresh page (own storage) on the generation lab, connected to `ollama`, with `model` chosen. */
async function connected(ollama, model = "llama3.2:latest") {
  const page = await browser.context.newPage();
  const context = page; // closed at the end of each test
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(server.url + "?lab=generate");
  await page.getByLabel("Ollama endpoint").fill(ollama.url);
  await page.getByLabel("Ollama endpoint").dispatchEvent("change");
  await page.getByRole("button", { name: "Test connection" }).click();
  await page.waitForFunction(() => /Connected/.test(document.querySelector('[data-testid="llm-status"]')?.textContent), null, { timeout: WAIT });
  const m = page.getByLabel("Model", { exact: true });
  await m.fill(model);
  await m.dispatchEvent("change");
  return { page, context, errors };
}

async function setNumber(page, label, value) {
  const f = page.getByLabel(label, { exact: true });
  await f.fill(String(value));
  await f.dispatchEvent("change");
}

async function waitCount(page, id, n) {
  await page.waitForFunction(
    ([id, n]) => document.querySelector(`[data-testid="${id}"]`)?.textContent.trim() === String(n),
    [id, n],
    { timeout: WAIT },
  );
}

test("connection: version and models shown; nothing listening and a missing model are explained", async () => {
  const ollama = await startStandin();
  try {
    const { page, context, errors } = await connected(ollama);
    const status = await testIdText(page, "llm-status");
    assert.match(status, /Connected · Ollama 0\.11\.4 · 2 models/);
    assert.ok(ollama.requests.some((r) => r.path === "/api/version"), "probed /api/version");
    assert.ok(ollama.requests.some((r) => r.path === "/api/tags"), "listed /api/tags");

    // A model that is not installed: the run stops and says `ollama pull`.
    await page.getByLabel("Model", { exact: true }).fill("nosuchmodel:7b");
    await page.getByLabel("Model", { exact: true }).dispatchEvent("change");
    await setNumber(page, "Rows to generate", 2);
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.locator(".advice").waitFor({ timeout: WAIT });
    assert.match(await page.locator(".advice").textContent(), /ollama pull nosuchmodel:7b/);
    assert.match(await testIdText(page, "llm-status"), /Not connected: Model `nosuchmodel:7b` not installed/);

    // An OpenAI-compatible endpoint: /v1/models lists the models; Magpie refuses it (no raw templates there).
    await page.getByLabel("API", { exact: true }).selectOption("openai");
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.waitForFunction(() => /Connected · OpenAI-compatible · 2 models/.test(document.querySelector('[data-testid="llm-status"]')?.textContent), null, { timeout: WAIT });
    assert.ok(ollama.requests.some((r) => r.path === "/v1/models"));
    await page.getByLabel("Model", { exact: true }).fill("llama3.2:latest");
    await page.getByLabel("Model", { exact: true }).dispatchEvent("change");
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.getByText(/needs Ollama's own API/).first().waitFor({ timeout: WAIT });
    await page.getByLabel("API", { exact: true }).selectOption("ollama");

    // Nothing listening on a closed port.
    const closed = await startStandin();
    const url = closed.url;
    await closed.close();
    await page.getByLabel("Ollama endpoint").fill(url);
    await page.getByLabel("Ollama endpoint").dispatchEvent("change");
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.waitForFunction(() => /Not connected/.test(document.querySelector('[data-testid="llm-status"]')?.textContent), null, { timeout: WAIT });
    assert.match(await page.locator(".advice").textContent(), /ollama serve/);
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await ollama.close();
  }
});

test("Magpie: raw pre-query sampling, options.seed = base + i, answers by chat, a new version", async () => {
  const ollama = await startStandin();
  try {
    const { page, context, errors } = await connected(ollama);
    await setNumber(page, "Rows to generate", 3);
    await setNumber(page, "Base seed", 40);
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await waitCount(page, "generated-rows", 3);
    const gens = ollama.requests.filter((r) => r.method === "POST" && r.path === "/api/generate");
    const chats = ollama.requests.filter((r) => r.method === "POST" && r.path === "/api/chat");
    assert.equal(gens.length, 3);
    assert.equal(chats.length, 3);
    for (const [i, g] of gens.entries()) {
      assert.equal(g.body.raw, true);
      assert.equal(g.body.options.seed, 40 + i, "seed inside options, base + i");
      assert.equal(g.body.seed, undefined, "no top-level seed");
      assert.ok(g.body.prompt.endsWith("<|start_header_id|>user<|end_header_id|>\n\n"), "the Llama 3 pre-query template as sent");
      assert.ok(g.body.options.stop.includes("<|eot_id|>"));
    }
    for (const [i, c] of chats.entries()) {
      assert.equal(c.body.messages.length, 1);
      assert.equal(c.body.messages[0].role, "user");
      assert.equal(c.body.options.seed, 40 + i);
    }
    // The table shows the rows as text, with their seeds.
    const seeds = await page.locator('[data-testid="generated-table"] tbody tr td:nth-child(2)').allTextContents();
    assert.deepEqual(seeds.map(Number).sort(), [40, 41, 42]);
    // Each row's own calls, rebuilt from what it recorded, as curl.
    const rowCode = await page.locator('[data-testid="generated-table"] details:has-text("calls as curl") pre').first().textContent();
    assert.match(rowCode, /curl .*\/api\/generate.*"raw": ?true.*"seed": ?4[0-2].*\/api\/chat/s);
    // The code bridge shows the last call as curl.
    await page.getByText("Show the last request as code").click();
    await page.getByRole("tab", { name: "curl" }).click();
    assert.match(await page.getByTestId("code-bridge").textContent(), /curl .*\/api\/chat/s);

    // A finished run ends in a new dataset version by itself.
    await page.waitForFunction(() => /Version .* made from 3 generated rows/.test(document.body.textContent), null, { timeout: WAIT });
    assert.match(await testIdText(page, "generated-version"), /\S/);
    assert.notEqual(await testIdText(page, "generated-version"), "not yet");
    assert.ok(await page.getByRole("button", { name: "Save kept rows as a dataset version" }).isDisabled());
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await ollama.close();
  }
});

test("a mid-stream error fails one row; untrusted output is text; cancel, reload and resume", async () => {
  let call = 0;
  const ollama = await startStandin({
    script: ({ path }) => {
      if (path !== "/api/chat") return undefined; // preflights never reach the script
      call++;
      if (call === 1) return { text: "<img src=x onerror=\"window.__xss=1\"><b>bold</b> answer." };
      if (call === 2) return { hook: "error-midstream" };
      if (call === 3) return { hook: "slow" }; // cancelled mid-stream
      return undefined;
    },
  });
  try {
    const { page, context, errors } = await connected(ollama);
    await setNumber(page, "Rows to generate", 4);
    await setNumber(page, "Base seed", 7);
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await waitCount(page, "generated-rows", 1);
    await waitCount(page, "failed-rows", 1);
    // Row 3 streams slowly: its text shows live, then Cancel keeps the finished rows.
    await page.waitForFunction(() => (document.querySelector('[data-testid="live-text"]')?.textContent || "").length > 0, null, { timeout: WAIT });
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("button", { name: "Generate", exact: true }).waitFor({ state: "visible" });
    await page.waitForFunction(() => !document.querySelector('[data-testid="live-text"]'), null, { timeout: WAIT });
    assert.equal(await testIdText(page, "generated-rows"), "1");
    const html = await page.locator('[data-testid="generated-table"]').innerHTML();
    assert.ok(html.includes("&lt;img"), "model output is escaped text");
    assert.equal(await page.evaluate(() => window.__xss), undefined);

    // Reload: the run is still there and resumes at row 3 with its own seed.
    await page.reload();
    await page.getByRole("button", { name: "Resume the interrupted run" }).waitFor({ timeout: WAIT });
    await page.getByLabel("Ollama endpoint").waitFor();
    const before = ollama.requests.length;
    await page.getByRole("button", { name: "Resume the interrupted run" }).click();
    await waitCount(page, "generated-rows", 3);
    const resumed = ollama.requests.slice(before).filter((r) => r.method === "POST" && r.path === "/api/generate");
    assert.equal(resumed[0].body.options.seed, 7 + 2, "row 3 sampled again with seed base + 2");
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await ollama.close();
  }
});
