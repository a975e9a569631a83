// End-to-end tests of the A/B lab (?lab=ab), in Debian's Chromium: versions imported in the workspace
// lab, a ladder loaded from the "Experiment spec" box and run in the background worker. Checks the
// contract's test ids and what must hold whatever the numbers: more in-domain data lowers bits per byte
// and is adopted, the same rows in another order give Δ 0 and "inconclusive", two changes at once are
// refused, leaked evaluation rows are counted, bad specs name their field, a rerun reproduces its log
// entry, a rule changed afterwards is logged, a version the log names cannot be deleted, the optional
// rubric against the Ollama stand-in, and Cancel.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./lib/server.mjs";
import { mulberry32 } from "./lib/rng.mjs";
import { launch } from "./lib/browser.mjs";
import { openPage, expectTestIds, testIdText } from "./lib/page.mjs";
import { startStandin } from "./lib/ollama-standin.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const WAIT = 120_000;

let server, browser, tmp, ollama;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, "index.html")), `no build in ${DIST}: run trunk build --release`);
  server = await serve(DIST);
  browser = await launch();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datalab-ab-"));
  ollama = await startStandin();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await ollama?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// A small deterministic "operations handbook" language: instructions and answers from a grammar, so more
// rows from it teach an n-gram model more about held-out rows from it.
const rng = mulberry32;
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];
const VERBS = ["restart", "scale", "inspect", "drain", "roll back", "upgrade", "label", "cordon", "patch", "describe"];
const THINGS = ["the deployment", "the pod", "the node", "the service", "the ingress", "the stateful set", "the replica set", "the cron job"];
const WHERE = ["in the staging namespace", "in production", "on the edge cluster", "in the default namespace", "behind the load balancer"];
const HOW = ["with kubectl", "from the dashboard", "using a manifest", "with a rolling update", "after checking the logs"];
const WHY = ["so that traffic keeps flowing", "to free the node for maintenance", "because the probe keeps failing", "to pick up the new config map", "before the release window closes"];
function rows(n, seed) {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const v = pick(r, VERBS), t = pick(r, THINGS), w = pick(r, WHERE);
    return {
      instruction: `How do I ${v} ${t} ${w}?`,
      input: r() < 0.3 ? `Cluster ${1 + Math.floor(r() * 9)}, ticket ${1000 + i}` : "",
      output: `To ${v} ${t} ${w}, run the command ${pick(r, HOW)} ${pick(r, WHY)}. Then ${pick(r, VERBS)} ${pick(r, THINGS)} ${pick(r, HOW)} and confirm the status ${pick(r, WHERE)}.`,
    };
  });
}

function file(name, data) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, JSON.stringify(data, null, 1));
  return p;
}

const button = (page, name) => page.getByRole("button", { name, exact: true });

async function clearStorage(page) {
  await page.evaluate(() =>
    Promise.all(
      ["datalab-workspace", "datalab-experiments"].map(
        (db) =>
          new Promise((res) => {
            const r = indexedDB.deleteDatabase(db);
            r.onsuccess = r.onerror = r.onblocked = () => res();
          }),
      ),
    ),
  );
}

/** Imports `data` on the workspace page and returns the new version's id. */
async function importVersion(page, name, data) {
  const before = await testIdText(page, "dataset-version-id");
  await page.getByLabel("Import dataset").setInputFiles(file(name, data));
  await page.waitForFunction(
    (b) => {
      const t = document.querySelector('[data-testid="dataset-version-id"]')?.textContent.trim();
      return t && t !== b && t !== "none";
    },
    before,
    { timeout: WAIT },
  );
  await page.getByTestId("save-state").filter({ hasText: "All versions are saved" }).waitFor({ timeout: WAIT });
  return testIdText(page, "dataset-version-id");
}

const base = rows(60, 1);
const extra = rows(240, 2);
const evalRows = rows(80, 3);
const shuffled = [...base].reverse();
const leaky = [...base, ...evalRows.slice(0, 10)];

let ids;

async function setUp() {
  const { page, errors } = await openPage(browser, server, "?lab=workspace", "Import dataset");
  await clearStorage(page);
  await page.reload();
  await page.getByLabel("Import dataset").waitFor();
  ids = {
    base: await importVersion(page, "base.json", base),
    more: await importVersion(page, "more.json", [...base, ...extra]),
    same: await importVersion(page, "same.json", shuffled),
    leaky: await importVersion(page, "leaky.json", leaky),
    eval: await importVersion(page, "eval.json", evalRows),
  };
  assert.equal(new Set(Object.values(ids)).size, 5, JSON.stringify(ids));
  await page.close();
  return errors;
}

function spec(arms, extra = {}) {
  return JSON.stringify({
    seed: 123,
    order: 3,
    eval: ids.eval,
    baseline: { dataset: ids.base, tokenizer: "gpt2" },
    arms,
    rule: { min_gain: 0.01, max_cost_growth: 1000 },
    ...extra,
  });
}

async function loadAndRun(page, text) {
  await page.getByLabel("Experiment spec").fill(text);
  await button(page, "Load experiment").click();
  await button(page, "Run experiment").click();
}

const num = (s) => Number.parseFloat(s);

test("a ladder runs in the worker: adopt, identical, refused, leakage, tokenizer arm; log and reproduction", async () => {
  const setupErrors = await setUp();
  const { page, errors } = await openPage(browser, server, "?lab=ab", "Experiment spec");
  const ladder = spec([
    { name: "more", dataset: ids.more },
    { name: "same", dataset: ids.same },
    { name: "both", dataset: ids.more, tokenizer: "cl100k_base" },
    { name: "ext", tokenizer: { base: "gpt2", mode: "added", terms: ["kubectl", " deployment"] }, against: "more", dataset: ids.more },
    { name: "leaky", dataset: ids.leaky },
  ]);
  await loadAndRun(page, ladder);
  await page.getByTestId("ab-verdict-leaky").waitFor({ timeout: WAIT });

  const bpb = num(await testIdText(page, "ab-bpb-baseline"));
  assert.ok(bpb > 0.05 && bpb < 8, `bits per byte of the baseline: ${bpb}`);

  // More in-domain rows: better on held-out rows of the same language, beyond the smallest gain.
  const d = num(await testIdText(page, "ab-delta-more"));
  const [lo, hi] = (await testIdText(page, "ab-ci-more")).split(" to ").map(num);
  assert.ok(lo <= d && d <= hi, `interval ${lo}..${hi} holds Δ ${d}`);
  assert.ok(hi < -0.01, `more data is better across its interval: ${lo}..${hi}`);
  assert.equal(await testIdText(page, "ab-verdict-more"), "adopt");
  const tBase = Number(await testIdText(page, "ab-tokens-baseline"));
  const tMore = Number(await testIdText(page, "ab-tokens-more"));
  assert.ok(tMore > 4 * tBase && tMore < 6 * tBase, `tokens: base ${tBase}, more ${tMore} (5× the rows)`);

  // The same rows in another order: measured, Δ 0, inconclusive, flagged.
  assert.equal(num(await testIdText(page, "ab-delta-same")), 0);
  assert.equal(await testIdText(page, "ab-ci-same"), "0.0000 to 0.0000");
  assert.equal(await testIdText(page, "ab-verdict-same"), "inconclusive");
  assert.equal(await testIdText(page, "ab-tokens-same"), String(tBase));
  await page.getByText("same rows and tokenizer as its rung").waitFor();

  // Two changes at once: refused, with the split suggested; the rest still ran.
  assert.equal(await testIdText(page, "ab-verdict-both"), "refused");
  await page.getByText("Split it into two rungs").first().waitFor();

  // The tokenizer arm compares with "more": added tokens shorten the rows.
  const tExt = Number(await testIdText(page, "ab-tokens-ext"));
  assert.ok(tExt < tMore, `the extension saves tokens: ${tExt} < ${tMore}`);
  assert.match(await testIdText(page, "ab-verdict-ext"), /^(adopt|reject|inconclusive)$/);

  // Leaked evaluation rows are counted and make the arm look better than it is.
  await page.getByText("leakage: 10 of 80 evaluation rows").waitFor();
  assert.ok(num(await testIdText(page, "ab-delta-leaky")) < 0);

  // Logged; the same experiment again reproduces it exactly.
  await expectTestIds(page, { "ab-log-count": "1 entries" });
  await button(page, "Run experiment").click();
  await expectTestIds(page, { "ab-log-count": "2 entries" }, WAIT);
  assert.equal(
    await testIdText(page, "ab-reproduction"),
    "Reproduced entry #1: the same inputs gave the same numbers.",
  );
  assert.equal(num(await testIdText(page, "ab-delta-more")), d, "identical inputs give identical numbers");

  // Changing the rule after the run is logged at once; the verdicts stand as decided.
  const gain = page.getByLabel("Smallest gain worth having (bits/byte)");
  await gain.fill("0.5");
  await gain.dispatchEvent("change");
  await expectTestIds(page, { "ab-log-count": "3 entries" }, WAIT);
  await page.getByText("rule changed after entry #2: smallest gain 0.01 → 0.5").waitFor();
  assert.equal(await testIdText(page, "ab-verdict-more"), "adopt", "the run's verdict stands");

  // The learning-curve chart and the cost table are drawn.
  await page.getByRole("img", { name: /Learning curves/ }).waitFor();
  assert.deepEqual([...setupErrors, ...errors], []);
  await page.close();

  // A version the log names cannot be deleted.
  const ws = await openPage(browser, server, "?lab=workspace", "Import dataset");
  await ws.page.getByTestId("dataset-version-id").filter({ hasText: ids.eval }).waitFor({ timeout: WAIT });
  await ws.page.getByLabel(`Roll back to ${ids.base}`).click();
  await ws.page.getByTestId("dataset-version-id").filter({ hasText: ids.base }).waitFor({ timeout: WAIT });
  const del = ws.page.getByLabel(`Delete ${ids.eval}`);
  await del.click();
  await del.click();
  await ws.page.getByRole("alert").filter({ hasText: `Version ${ids.eval} cannot be deleted` }).waitFor();
  assert.deepEqual(ws.errors, []);
  await ws.page.close();
});

test("bad specs name their field and keep what already ran", async () => {
  const { page, errors } = await openPage(browser, server, "?lab=ab", "Experiment spec");
  const box = page.getByLabel("Experiment spec");
  const problems = page.getByTestId("ab-problems");

  await box.fill('{"seed": 1,, }');
  await button(page, "Load experiment").click();
  await problems.filter({ hasText: "The spec is not JSON (line 1, column 12)" }).waitFor();

  await box.fill(spec([{ name: "x", dataset: "v-missing" }, { name: "y", against: "nobody" }], { order: 9 }));
  await button(page, "Load experiment").click();
  await problems.filter({ hasText: "order: 9 is not offered" }).waitFor();
  await problems.filter({ hasText: "arms[1] (y).against" }).waitFor().catch(() => {});

  // Parses, but names a version that does not exist: refused at Run, naming the field.
  await box.fill(spec([{ name: "x", dataset: "v-missing" }]));
  await button(page, "Load experiment").click();
  await button(page, "Run experiment").click();
  await problems.filter({ hasText: 'arms[0] (x).dataset: there is no dataset version "v-missing"' }).waitFor();
  // An empty evaluation set is named too.
  await box.fill(spec([], { eval: "" }));
  await button(page, "Load experiment").click();
  await problems.filter({ hasText: "eval: is empty" }).waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test("the optional rubric: the same judge, prompts and sample on every arm's rows, each dataset once", async () => {
  const { page, errors } = await openPage(browser, server, "?lab=ab", "Experiment spec");
  await loadAndRun(
    page,
    spec([
      { name: "more", dataset: ids.more },
      { name: "ext", dataset: ids.more, against: "more", tokenizer: { base: "gpt2", mode: "added", terms: ["kubectl"] } },
    ]),
  );
  await page.getByTestId("ab-verdict-ext").waitFor({ timeout: WAIT });
  await page.getByText("Optional: the same rubric on every arm").click();
  const field = async (label, value) => {
    const f = page.getByLabel(label, { exact: true });
    await f.fill(String(value));
    await f.dispatchEvent("change");
  };
  await field("Ollama endpoint", ollama.url);
  await button(page, "Test connection").click();
  await page.getByTestId("llm-status").filter({ hasText: "Connected" }).waitFor({ timeout: WAIT });
  await field("Model", "llama3.2:latest");
  await field("Rows judged per arm", 5);
  const before = ollama.requests.length;
  await button(page, "Score arms with the rubric").click();
  await page.getByTestId("ab-rubric-ext").filter({ hasText: /\d/ }).waitFor({ timeout: WAIT });
  const judged = ollama.requests.slice(before).filter((r) => r.path === "/api/chat" && r.body.format);
  assert.equal(judged.length, 10, "5 rows of each of the two datasets (the tokenizer arm shares its rung's)");
  for (const j of judged) {
    assert.equal(j.body.options.temperature, 0);
    assert.equal(j.body.options.seed, 123);
  }
  for (const name of ["baseline", "more", "ext"]) {
    const m = (await testIdText(page, `ab-rubric-${name}`)).match(/^([\d.]+) \(([\d.]+) to ([\d.]+)\)$/);
    assert.ok(m, `rubric cell of ${name}`);
    const [mean, lo, hi] = m.slice(1).map(Number);
    assert.ok(1 <= lo && lo <= mean && mean <= hi && hi <= 5, `${name}: ${m[0]}`);
  }
  assert.equal(await testIdText(page, "ab-rubric-delta-ext"), "+0.00 (0.00 to 0.00)");
  assert.match(await testIdText(page, "ab-rubric-delta-more"), /^[+-]\d\.\d\d \(-?\d\.\d\d to -?\d\.\d\d\)$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("Cancel ends a running experiment in the worker: nothing is logged or shown, and the next run works", async () => {
  const ws = await openPage(browser, server, "?lab=workspace", "Import dataset");
  await ws.page.getByTestId("save-state").filter({ hasText: "All versions are saved" }).waitFor({ timeout: WAIT });
  const big = await importVersion(ws.page, "big.json", rows(6000, 9));
  await ws.page.close();
  const { page, errors } = await openPage(browser, server, "?lab=ab", "Experiment spec");
  // The log is read from IndexedDB after the page draws; the earlier tests left entries in it.
  await page.getByTestId("ab-log-count").filter({ hasText: /entries/ }).waitFor({ timeout: WAIT });
  const logged = await testIdText(page, "ab-log-count");
  await page.getByLabel("Experiment spec").fill(
    spec([{ name: "o200k", tokenizer: "o200k_base" }], { baseline: { dataset: big, tokenizer: "gpt2" } }),
  );
  await button(page, "Load experiment").click();
  await button(page, "Run experiment").click();
  await page.locator(".busy").getByText(/Training the 3-gram model|Tokenizing/).first().waitFor({ timeout: WAIT });
  await page.locator(".busy").getByRole("button", { name: "Cancel" }).click();
  await page.getByText("Cancelled; nothing was changed.").first().waitFor();
  await page.waitForTimeout(500);
  assert.equal(await page.getByTestId("ab-verdict-o200k").count(), 0, "no table from a cancelled run");
  assert.equal(await testIdText(page, "ab-log-count"), logged, "a cancelled run is not logged");
  // The next run starts a fresh worker and finishes.
  await page.getByLabel("Experiment spec").fill(spec([{ name: "more", dataset: ids.more }]));
  await button(page, "Load experiment").click();
  await button(page, "Run experiment").click();
  await page.getByTestId("ab-verdict-more").waitFor({ timeout: WAIT });
  assert.equal(await testIdText(page, "ab-verdict-more"), "adopt");
  assert.deepEqual(errors, []);
  await page.close();
});
