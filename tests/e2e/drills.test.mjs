// End-to-end tests of the failure drills (?lab=drills), in Debian's Chromium: the tokens check on files
// tokenized by real tiktoken (and on bad and large files), the leakage drill's planted rows, scores, check
// and removal, the tokenizer-mismatch drill from plant to recovery, the schema-drift drill from a drifted
// export to an import under a contract, the scoreboard across a reload, and a drill pack that plants the
// same faults in another browser profile.
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

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const FIXTURES = path.join(ROOT, "tests/fixtures/drills");
const WAIT = 180_000;

let server, browser, tmp;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, "index.html")), `no build in ${DIST}: run trunk build --release`);
  server = await serve(DIST);
  browser = await launch();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datalab-drills-"));
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// A deterministic "operations handbook": rows from a small grammar, so held-out rows resemble training rows
// and remembered copies of them show in the proxy's score.
const rng = mulberry32;
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];
const VERBS = ["restart", "scale", "inspect", "drain", "roll back", "upgrade", "label", "cordon", "patch", "describe"];
const THINGS = ["the deployment", "the pod", "the node", "the service", "the ingress", "the stateful set", "the cron job"];
const WHERE = ["in the staging namespace", "in production", "on the edge cluster", "in the default namespace"];
const HOW = ["with kubectl", "from the dashboard", "using a manifest", "with a rolling update", "after checking the logs"];
const WHY = ["so that traffic keeps flowing", "to free the node for maintenance", "because the probe keeps failing"];
function rows(n, seed) {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const v = pick(r, VERBS), t = pick(r, THINGS), w = pick(r, WHERE);
    return {
      instruction: `How do I ${v} ${t} ${w}? Ticket ${1000 + i}.`,
      input: r() < 0.4 ? `Cluster ${1 + Math.floor(r() * 9)} runs version 1.${20 + Math.floor(r() * 9)}. The on-call engineer is ${pick(r, ["Ana", "Bo", "Chen"])}.` : "",
      output: `To ${v} ${t} ${w}, run the command ${pick(r, HOW)} ${pick(r, WHY)}. Then ${pick(r, VERBS)} ${pick(r, THINGS)} ${pick(r, HOW)} and confirm the status ${pick(r, WHERE)}.`,
    };
  });
}

// Rows of varied wording (random words from a small vocabulary): held-out rows are not predictable from
// training rows, as in real instruction data, so a remembered row stands out in the proxy's score.
const WORDS = ["cluster", "node", "pod", "restart", "drain", "ticket", "engineer", "service", "latency", "quota",
  "budget", "release", "window", "probe", "config", "secret", "volume", "replica", "rollout", "alert", "pager",
  "queue", "backlog", "storage", "network", "policy", "label", "metric", "dashboard", "upgrade"];
function variedRows(n, seed) {
  const r = rng(seed);
  const sentence = (k) => Array.from({ length: k }, () => pick(r, WORDS)).join(" ");
  return Array.from({ length: n }, () => ({
    instruction: `Explain ${sentence(6)}.`,
    input: "",
    output: `${sentence(14)}. ${sentence(12)}.`,
  }));
}

function file(name, text) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

const button = (page, name) => page.getByRole("button", { name, exact: true });
const num = (s) => Number.parseFloat(s);

async function clearStorage(page) {
  await page.evaluate(() => {
    localStorage.clear();
    return new Promise((res) => {
      const r = indexedDB.deleteDatabase("datalab-workspace");
      r.onsuccess = r.onerror = r.onblocked = () => res();
    });
  });
}

/** Opens the drills page on a fresh workspace holding `data` as its one version; returns its id. */
async function freshWorkspace(context, data) {
  const page = await context.newPage();
  const { watchErrors } = await import("./lib/browser.mjs");
  const errors = watchErrors(page);
  await page.goto(server.url + "?lab=workspace");
  await page.getByLabel("Import dataset").waitFor();
  await clearStorage(page);
  await page.reload();
  await page.getByLabel("Import dataset").setInputFiles(file("handbook.json", JSON.stringify(data)));
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-testid="dataset-version-id"]')?.textContent.trim();
    return t && t !== "none";
  }, null, { timeout: WAIT });
  await page.getByTestId("save-state").filter({ hasText: "All versions are saved" }).waitFor({ timeout: WAIT });
  const id = await testIdText(page, "dataset-version-id");
  await page.goto(server.url + "?lab=drills");
  await page.getByLabel("Tokenized dataset").waitFor();
  return { page, errors, id };
}

async function results(page) {
  return {
    rows: await testIdText(page, "tok-check-rows"),
    mismatch: await testIdText(page, "tok-check-mismatch"),
    oor: await testIdText(page, "tok-check-out-of-range"),
    verdict: await testIdText(page, "tok-check-verdict"),
  };
}

test("tokens check: files tokenized by tiktoken match their tokenizer and mismatch another; bad lines are named; 100 MB is checked", async () => {
  const page = await browser.context.newPage();
  const { watchErrors } = await import("./lib/browser.mjs");
  const errors = watchErrors(page);
  await page.goto(server.url + "?lab=drills");
  await page.getByLabel("Tokenized dataset").waitFor();
  const options = await page.getByLabel("Model tokenizer").locator("option").allTextContents();
  for (const o of ["gpt2", "cl100k_base", "o200k_base"]) assert.ok(options.includes(o), `model tokenizer offers ${o}: ${options}`);

  const gpt2 = path.join(FIXTURES, "tokenized_gpt2.jsonl");
  const cl100k = path.join(FIXTURES, "tokenized_cl100k.jsonl");
  await page.getByLabel("Tokenized dataset").setInputFiles(gpt2);
  await page.getByLabel("Model tokenizer").selectOption("gpt2");
  await button(page, "Check tokens").click();
  await expectTestIds(page, { "tok-check-rows": 42, "tok-check-mismatch": 0, "tok-check-out-of-range": 0, "tok-check-verdict": "match" }, WAIT);

  // cl100k ids read as GPT-2: ids past 50256, and text that does not come back.
  await page.getByLabel("Tokenized dataset").setInputFiles(cl100k);
  await button(page, "Check tokens").click();
  await page.getByTestId("tok-check-verdict").filter({ hasText: "mismatch" }).waitFor({ timeout: WAIT });
  const r = await results(page);
  assert.equal(r.rows, "42");
  assert.ok(Number(r.mismatch) >= 38, `most rows differ: ${JSON.stringify(r)}`);
  assert.ok(Number(r.oor) > 0, `cl100k ids past GPT-2's vocabulary: ${JSON.stringify(r)}`);
  await page.getByTestId("tok-check-examples").waitFor();
  // The same file read with its own tokenizer matches.
  await page.getByLabel("Model tokenizer").selectOption("cl100k_base");
  await button(page, "Check tokens").click();
  await expectTestIds(page, { "tok-check-rows": 42, "tok-check-mismatch": 0, "tok-check-verdict": "match" }, WAIT);

  // Bad lines: each named by line; the other rows are still checked.
  const good = fs.readFileSync(gpt2, "utf8").trim().split("\n");
  const bad = [
    good[0],
    '{"text": "no ids here"}',
    '{"text": "Hello world", "input_ids": [15496, 99.5]}',
    '{"text": "Hello world", "input_ids": [15496, -100]}',
    "this line is not JSON",
    good[1],
    '{"text": "Hello world", "input_ids": "15496 995"}',
    good[2],
  ].join("\n");
  await page.getByLabel("Model tokenizer").selectOption("gpt2");
  await page.getByLabel("Tokenized dataset").setInputFiles(file("bad.jsonl", bad));
  await button(page, "Check tokens").click();
  await expectTestIds(page, { "tok-check-rows": 3, "tok-check-mismatch": 0, "tok-check-verdict": "match" }, WAIT);
  const problems = await page.getByTestId("tok-check-problems").locator("li").allTextContents();
  for (const line of [2, 3, 4, 5, 7]) {
    assert.ok(problems.some((p) => p.startsWith(`line ${line}`)), `line ${line} is named: ${problems.join(" | ")}`);
  }
  assert.ok(problems.some((p) => p.startsWith("line 2") && p.includes("input_ids")), problems.join(" | "));

  // A 100 MB file: read by the worker, checked with progress, every row counted.
  const reps = Math.ceil((100 * 1024 * 1024) / fs.statSync(gpt2).size);
  const big = path.join(tmp, "big.jsonl");
  const fd = fs.openSync(big, "w");
  const chunk = fs.readFileSync(gpt2);
  for (let i = 0; i < reps; i++) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  await page.getByLabel("Tokenized dataset").setInputFiles(big);
  await button(page, "Check tokens").click();
  await expectTestIds(page, { "tok-check-rows": 42 * reps, "tok-check-verdict": "match" }, 600_000);
  fs.rmSync(big);
  assert.deepEqual(errors, []);
  await page.close();
});

test("duplicate leakage drill: the leak lowers bits per byte, the check finds the copies, removal brings the score back", async () => {
  const { page, errors } = await freshWorkspace(browser.context, variedRows(300, 7));
  await page.getByLabel("Leaked share of the evaluation rows (%)").fill("20");
  await button(page, "Plant the leak").click();
  await page.getByTestId("drill-score-leaky").filter({ hasText: /\d/ }).waitFor({ timeout: WAIT });
  assert.equal(await testIdText(page, "drill-leak-planted"), "12"); // 20% of the 60 evaluation rows
  const clean = num(await testIdText(page, "drill-score-clean"));
  const leaky = num(await testIdText(page, "drill-score-leaky"));
  assert.ok(clean > 0.05 && clean < 8, `clean: ${clean}`);
  assert.ok(leaky < clean * 0.97, `the leaky version scores clearly better: ${leaky} vs ${clean}`);

  // A hint, counted on the scoreboard; the three drills' hint buttons are told apart by their names.
  const hintButton = page.getByRole("button", { name: "Show a hint for the duplicate-leakage drill" });
  assert.equal((await hintButton.textContent()).trim(), "Show a hint");
  await hintButton.click();
  await page.locator("ol.hints li", { hasText: "seen evaluation rows" }).waitFor();
  await page.getByLabel("Near-duplicate threshold (Jaccard)").fill("0.8");
  await button(page, "Check leaked rows").click();
  await page.getByTestId("drill-leak-found").waitFor({ timeout: WAIT });
  const found = Number(await testIdText(page, "drill-leak-found"));
  const missed = Number(await testIdText(page, "drill-leak-missed"));
  assert.equal(found + missed, 12);
  assert.ok(found >= 6, `at least the exact copies are found: ${found}`);
  if (missed > 0) {
    const why = await page.getByTestId("drill-leak-missed-list").textContent();
    assert.match(why, /J = 0\.\d\d, below the threshold 0\.8/);
  }
  // Zero tolerance: a lower threshold finds the light edits too.
  await page.getByLabel("Near-duplicate threshold (Jaccard)").fill("0.5");
  await button(page, "Check leaked rows").click();
  await page.getByTestId("drill-leak-found").filter({ hasText: "12" }).waitFor({ timeout: WAIT });

  await button(page, "Remove leaked rows as a new version").click();
  await page.getByTestId("drill-score-recovered").filter({ hasText: /\d/ }).waitFor({ timeout: WAIT });
  const recovered = num(await testIdText(page, "drill-score-recovered"));
  assert.ok(recovered > leaky + 0.005, `the score comes back: ${recovered} vs leaky ${leaky}`);
  assert.ok(Math.abs(recovered - clean) < 0.02, `close to the clean score: ${recovered} vs ${clean}`);

  // The scoreboard has the attempt, found, and keeps it across a reload.
  const board = page.getByTestId("drill-board");
  await board.getByText("Duplicate leakage").waitFor();
  await board.locator("tr", { hasText: "Duplicate leakage" }).getByText("found", { exact: true }).waitFor();
  const cells = await board.locator("tr", { hasText: "Duplicate leakage" }).locator("td").allTextContents();
  assert.equal(cells[5], "1", `one hint used: ${cells}`);
  assert.ok(Number(cells[4]) >= 2, `steps counted: ${cells}`);
  await page.reload();
  await page.getByTestId("drill-board").locator("tr", { hasText: "Duplicate leakage" }).getByText("found", { exact: true }).waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test("tokenizer mismatch drill: extended ids on base GPT-2 fail as PyTorch would; diagnosis and re-tokenizing recover", async () => {
  const { page, errors } = await freshWorkspace(browser.context, rows(120, 9));
  await page.getByLabel("Scenario", { exact: true }).selectOption("extended-on-base");
  await button(page, "Plant the mismatch").click();
  await page.getByTestId("tok-drill-failure").waitFor({ timeout: WAIT });
  assert.match(await page.getByTestId("tok-drill-failure").textContent(), /IndexError: index out of range in self\s*$/);
  assert.ok(Number(await testIdText(page, "tok-drill-out-of-range")) > 0);
  assert.equal(await testIdText(page, "tok-drill-verdict"), "mismatch");

  // A wrong diagnosis is said to be wrong; the drill's extension is right.
  await page.getByLabel("Which tokenizer made the file?").selectOption("cl100k_base");
  await button(page, "Check my diagnosis").click();
  await page.getByTestId("tok-drill-diagnosis").filter({ hasText: "Not cl100k_base" }).waitFor({ timeout: WAIT });
  const ext = await page.getByLabel("Which tokenizer made the file?").locator("option", { hasText: "gpt2 +" }).first().getAttribute("value");
  await page.getByLabel("Which tokenizer made the file?").selectOption(ext);
  await button(page, "Check my diagnosis").click();
  await page.getByTestId("tok-drill-diagnosis").filter({ hasText: "Right" }).waitFor({ timeout: WAIT });

  // The downloaded file, in the tokens check: the extension version (chosen by its id) matches it.
  const [dl] = await Promise.all([page.waitForEvent("download"), button(page, "Download the tokenized file").click()]);
  const tokPath = path.join(tmp, "tokenized.jsonl");
  await dl.saveAs(tokPath);
  assert.equal(fs.readFileSync(tokPath, "utf8").trim().split("\n").length, 120);
  await page.getByLabel("Tokenized dataset").setInputFiles(tokPath);
  await page.getByLabel("Model tokenizer").selectOption(ext);
  await button(page, "Check tokens").click();
  await expectTestIds(page, { "tok-check-rows": 120, "tok-check-mismatch": 0, "tok-check-verdict": "match" }, WAIT);

  await button(page, "Re-tokenize with the model's tokenizer").click();
  await page.getByTestId("tok-drill-recovered").waitFor({ timeout: WAIT });
  assert.match(await page.getByTestId("tok-drill-recovered").textContent(), /records tokenizer gpt2.*verdict is match/);
  await page.getByTestId("drill-board").locator("tr", { hasText: "Tokenizer mismatch" }).getByText("found", { exact: true }).waitFor();

  // cl100k read as GPT-2: garbage text shown.
  await page.getByLabel("Scenario", { exact: true }).selectOption("cl100k-as-gpt2");
  await button(page, "Plant the mismatch").click();
  await page.getByTestId("tok-drill-verdict").filter({ hasText: "mismatch" }).waitFor({ timeout: WAIT });
  await page.getByTestId("tok-drill-examples").waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test("schema drift drill: a drifted export breaks the import; a contract names the violations; a mapping recovers", async () => {
  const data = rows(200, 11);
  const { page, errors } = await freshWorkspace(browser.context, data);
  await button(page, "Make a drifted export").click();
  await page.getByTestId("schema-drifted").waitFor({ timeout: WAIT });
  await button(page, "Import the file").click();
  await page.getByTestId("schema-quarantined").waitFor({ timeout: WAIT });
  assert.equal(await testIdText(page, "schema-imported"), "0", "without its output field no row imports");
  assert.equal(await testIdText(page, "schema-quarantined"), "200");
  const drift = await page.getByTestId("schema-drift").textContent();
  assert.match(drift, /"response" was added/);
  assert.match(drift, /"output" was removed/);

  await button(page, "Pin a schema contract on the lineage").click();
  await page.getByTestId("schema-contract").waitFor({ timeout: WAIT });
  const table = page.getByTestId("schema-violations");
  await table.waitFor();
  const fields = await table.locator("tbody tr td:first-child").allTextContents();
  for (const f of ["output", "response", "input", "source"]) assert.ok(fields.includes(f), `violation named for ${f}: ${fields}`);

  // A wrong mapping is refused by line; the right one leaves only the planted nulls.
  await page.getByLabel("Field mapping").fill("rename response output");
  await button(page, "Check with the mapping").click();
  await page.getByRole("alert").filter({ hasText: "line 1" }).waitFor();
  await page.getByLabel("Field mapping").fill('rename response -> output\njoin input with " "\ndrop source');
  await button(page, "Check with the mapping").click();
  await page.waitForFunction(() => {
    const codes = [...document.querySelectorAll('[data-testid="schema-violations"] tbody tr td:nth-child(2)')].map((t) => t.textContent);
    return codes.length > 0 && codes.every((c) => c === "null");
  }, null, { timeout: WAIT });
  await button(page, "Import with the mapping").click();
  await page.getByTestId("schema-result").waitFor({ timeout: WAIT });
  const result = await page.getByTestId("schema-result").textContent();
  const [same, total] = result.match(/(\d+) of (\d+) rows recovered unchanged/).slice(1).map(Number);
  assert.equal(total, 200);
  assert.ok(same >= 185 && same < 200, `all but the planted nulls: ${result}`);
  assert.doesNotMatch(result, /another reason|violations left/);
  await page.getByTestId("drill-board").locator("tr", { hasText: "Schema drift" }).getByText("found", { exact: true }).waitFor();

  // Every later import into the lineage is checked against its contract, in the workspace lab too.
  await page.goto(server.url + "?lab=workspace");
  const later = data.slice(0, 20).map(({ instruction, output }) => ({ instruction, response: output }));
  await page.getByLabel("Import dataset").setInputFiles(file("later.json", JSON.stringify(later)));
  await page.getByTestId("contract-violations").waitFor({ timeout: WAIT });
  const violations = await page.getByTestId("contract-violations").textContent();
  assert.match(violations, /output \(missing, 20 rows\)/);
  assert.match(violations, /response \(unknown_field, 20 rows\)/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a drill pack exported by the instructor plants the same faults for a student", async () => {
  const { page, errors } = await freshWorkspace(browser.context, variedRows(150, 13));
  const id = await testIdText(page, "dataset-version-id");
  await page.getByLabel("Dataset version").selectOption(id);
  await page.getByLabel("Pack seed").fill("99");
  const [download] = await Promise.all([page.waitForEvent("download"), button(page, "Export drill pack").click()]);
  const packPath = path.join(tmp, "pack.json");
  await download.saveAs(packPath);
  const pack = JSON.parse(fs.readFileSync(packPath, "utf8"));
  assert.equal(pack.format, "datalab-drill-pack");
  assert.equal(pack.seed, 99);
  assert.equal(pack.rows.length, 150);
  await page.close();

  // Two students, each in a browser profile of their own: the same leaky version (same content, same id).
  const leakyIds = [];
  for (let s = 0; s < 2; s++) {
    const student = await launch();
    const p = await student.context.newPage();
    await p.goto(server.url + "?lab=drills");
    await p.getByLabel("Drill pack").waitFor();
    await p.getByLabel("Drill pack").setInputFiles(packPath);
    await button(p, "Import drill pack").click();
    await p.getByTestId("drill-pack-loaded").waitFor({ timeout: WAIT });
    await button(p, "Plant the leak").click();
    await p.getByTestId("drill-score-leaky").filter({ hasText: /\d/ }).waitFor({ timeout: WAIT });
    leakyIds.push(await p.getByTestId("drill-leak-versions").textContent());
    await student.close();
  }
  assert.equal(leakyIds[0], leakyIds[1]);
  // A bad pack is refused with the field named.
  const { page: p2 } = await openPage(browser, server, "?lab=drills", "Drill pack");
  await p2.getByLabel("Drill pack").setInputFiles(file("notapack.json", JSON.stringify({ ...pack, format: "zip" })));
  await button(p2, "Import drill pack").click();
  await p2.getByRole("alert").filter({ hasText: '"format"' }).waitFor();
  await p2.close();
  assert.deepEqual(errors, []);
});
