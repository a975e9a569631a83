// End-to-end tests of the "Extend the tokenizer" lab (?lab=extend), in Debian's Chromium.
// The expected numbers come from the book's notebook (Python tiktoken, allowed_special="all") and, for the
// corpus and the exports, from the npm `tiktoken` package (the WASM build of OpenAI's Rust core, run here in
// Node on the files the page exports) — not from our Rust code.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { Tiktoken, get_encoding } from "tiktoken";
import { serve } from "./lib/server.mjs";
import { launch, watchErrors } from "./lib/browser.mjs";
import { openPage, expectCounts as expectCountsIn, expectTestIds as expectTestIdsIn, testIdText } from "./lib/page.mjs";

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const WAIT = 60_000; // rank files load lazily
const GPT2_PATTERN = require("tiktoken/encoders/r50k_base.json").pat_str;
const GPT2_SPECIALS = { "<|endoftext|>": 50256 };
const GPT2_BASE_LINES = 50256; // r50k_base.tiktoken: ranks 0..50255 (50256 is <|endoftext|>)

// The notebook's example (added tokens, allowed_special="all").
const NOTEBOOK = {
  terms: ["MyNewToken_1", "MyNewToken_2"],
  text: "Sample text with MyNewToken_1 and MyNewToken_2. <|endoftext|>",
  ids: [36674, 2420, 351, 220, 50257, 290, 220, 50258, 13, 220, 50256],
  gpt2: 17,
};

let server, browser, gpt2, tmp;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, "index.html")), `no build in ${DIST}: run trunk build --release`);
  server = await serve(DIST);
  browser = await launch();
  gpt2 = get_encoding("gpt2");
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datalab-extend-"));
});

after(async () => {
  gpt2?.free();
  await browser?.close();
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const open = (query = "?lab=extend") => openPage(browser, server, query, "Domain terms");
const expectCounts = (page, expected, timeout = WAIT) => expectCountsIn(page, expected, timeout);

const expectTestIds = (page, expected, timeout = WAIT) => expectTestIdsIn(page, expected, timeout);

/** Waits until a data-testid shows a plain non-negative integer, and returns it. */
async function numberAt(page, id, timeout = WAIT) {
  try {
    await page.waitForFunction(
      (id) => /^\d+$/.test(document.querySelector(`[data-testid="${id}"]`)?.textContent.trim() ?? ""),
      id,
      { timeout },
    );
  } catch (e) {
    assert.fail(`${id} never showed a number, shown ${JSON.stringify(await testIdText(page, id))}`);
  }
  return Number(await testIdText(page, id));
}

/** Polls `cond` (async, from Node) until it is true; fails with `explain()` after `timeout`. */
async function until(cond, explain, timeout = WAIT) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await cond().catch(() => false)) return;
    if (Date.now() > end) assert.fail(await explain());
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The items of the "Safety checks" list as { code, severity, text }. */
async function findings(page) {
  return page
    .getByRole("list", { name: "Safety checks" })
    .locator("[data-code]")
    .evaluateAll((els) =>
      els.map((e) => ({
        code: e.getAttribute("data-code"),
        severity: e.getAttribute("data-severity"),
        text: e.textContent.trim().slice(0, 160),
      })),
    )
    .catch(() => []);
}

const createButton = (page) => page.getByRole("button", { name: "Create version" });

/** Waits for a finding with this code (and severity), and returns it. */
async function expectFinding(page, code, severity) {
  await until(
    async () => (await findings(page)).some((f) => f.code === code && f.severity === severity),
    async () => `no ${severity} "${code}" in Safety checks; listed: ${JSON.stringify(await findings(page))}`,
  );
  return (await findings(page)).find((f) => f.code === code && f.severity === severity);
}

/** Waits until no error is listed and "Create version" is enabled. */
async function expectNoErrors(page) {
  await until(
    async () => (await findings(page)).every((f) => f.severity !== "error") && (await createButton(page).isEnabled()),
    async () =>
      `expected no errors and "Create version" enabled; listed: ${JSON.stringify(await findings(page))}, ` +
      `button enabled: ${await createButton(page).isEnabled().catch(() => "(missing)")}`,
  );
}

async function setTerms(page, terms, mode) {
  if (mode) await page.getByLabel("Extension mode").selectOption({ label: mode });
  await page.getByLabel("Domain terms").fill(terms.join("\n"));
}

/** The non-empty lines of the Domain terms box, leading spaces kept. */
async function termLines(page) {
  return (await page.getByLabel("Domain terms").inputValue()).split("\n").map((l) => l.replace(/\r$/, "")).filter((l) => l.length);
}

/** The rows of a table (by accessible name) whose text contains `text`. */
function rowsWith(page, table, text) {
  return page.getByRole("table", { name: table }).getByRole("row").filter({ hasText: text });
}

async function tableText(page, table) {
  return (await page.getByRole("table", { name: table }).textContent({ timeout: 1000 }).catch(() => "(missing)"))
    .replace(/\s+/g, " ")
    .slice(0, 600);
}

/** Waits for a table row containing `text` (and, if given, every string of `also`); returns its text. */
async function expectRow(page, table, text, also = []) {
  await until(
    async () => {
      const rows = rowsWith(page, table, text);
      if ((await rows.count()) === 0) return false;
      const t = await rows.first().textContent();
      return also.every((s) => t.includes(s));
    },
    async () => `table "${table}" has no row with ${JSON.stringify([text, ...also])}; it shows: ${await tableText(page, table)}`,
  );
  // Cell by cell, so numbers in neighbouring cells do not run together.
  return (await rowsWith(page, table, text).first().locator("th, td").allTextContents()).join(" | ");
}

const numbersIn = (s) => (s.match(/\d+/g) || []).map(Number);

/** Clicks the button and returns the download: its suggested name, a copy under that name, and its text. */
async function download(page, button) {
  const [dl] = await Promise.all([
    page.waitForEvent("download", { timeout: WAIT }),
    page.getByRole("button", { name: button }).click(),
  ]);
  const name = dl.suggestedFilename();
  const downloaded = await dl.path();
  assert.ok(downloaded, `"${button}": download failed: ${await dl.failure()}`);
  const file = path.join(tmp, name);
  fs.copyFileSync(downloaded, file);
  return { name, file, text: fs.readFileSync(file, "utf8") };
}

test("navigation: the lab is linked as \"Extend the tokenizer\" and opens at ?lab=extend", async () => {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  await page.goto(server.url);
  const nav = page.getByRole("navigation", { name: "Labs in runbook order" });
  await nav.getByRole("link", { name: /Extend the tokenizer/ }).click();
  await page.getByLabel("Domain terms").waitFor({ timeout: WAIT });
  assert.equal(new URL(page.url()).searchParams.get("lab"), "extend", `url ${page.url()}`);
  assert.ok(await page.getByLabel("Allow special tokens").isChecked(), "special tokens are allowed by default here");
  assert.deepEqual(errors, []);
  await page.close();
});

test("added tokens: the notebook's example gives 11 tokens instead of 17, with the notebook's ids", async () => {
  const { page, errors } = await open();
  assert.ok(await page.getByLabel("Allow special tokens").isChecked(), "allowed_special=\"all\" by default");
  await setTerms(page, NOTEBOOK.terms, "Added tokens");
  await page.getByLabel("Text to tokenize").fill(NOTEBOOK.text);
  await expectCounts(page, { gpt2: NOTEBOOK.gpt2, extended: NOTEBOOK.ids.length });
  const ids = await page.getByLabel("Extended token ids").inputValue();
  assert.equal(ids, `[${NOTEBOOK.ids.join(", ")}]`);
  // Python tiktoken agrees on the base count.
  assert.equal(gpt2.encode(NOTEBOOK.text, "all").length, NOTEBOOK.gpt2);
  await until(
    async () => /^tok-[0-9a-f]{16}$/.test(await testIdText(page, "extension-version-id")),
    async () => `extension-version-id is ${JSON.stringify(await testIdText(page, "extension-version-id"))}`,
  );
  for (const term of NOTEBOOK.terms) {
    await expectRow(page, "Terms before and after", term);
    assert.equal(await rowsWith(page, "Terms before and after", term).count(), 1, `one row for ${term}: ${await tableText(page, "Terms before and after")}`);
  }
  await expectNoErrors(page);
  assert.deepEqual(errors, []);
  await page.close();
});

test("reachable merges: \" Kubernetes\" becomes one token; \" GPT-4o\" crosses a split until added as a token", async () => {
  const { page, errors } = await open();
  await setTerms(page, [" Kubernetes"], "Reachable merges");
  await page.getByLabel("Text to tokenize").fill(" Kubernetes");
  await expectCounts(page, { gpt2: 4, extended: 1 });
  assert.equal(await page.getByLabel("Extended token ids").inputValue(), "[50259]");
  // Base tokens " Ku" "ber" "net" "es"; new merges at 50257, 50258, 50259 (the term).
  const row = await expectRow(page, "Terms before and after", "Kubernetes", ["Ku", "ber", "50259"]);
  assert.ok(!row.includes("50260"), `only three new ids: ${row}`);
  await expectNoErrors(page);

  await setTerms(page, [" GPT-4o"]);
  const f = await expectFinding(page, "crosses-split", "error");
  assert.ok(f.text.length > 0, "the finding says what is wrong");
  assert.ok(await createButton(page).isDisabled(), "an error blocks Create version");

  await page.getByLabel("Extension mode").selectOption({ label: "Added tokens" });
  await until(
    async () => !(await findings(page)).some((f) => f.code === "crosses-split"),
    async () => `crosses-split still listed in Added tokens mode: ${JSON.stringify(await findings(page))}`,
  );
  await expectNoErrors(page);
  assert.deepEqual(errors, []);
  await page.close();
});

test("safety checks: duplicate, empty, already one token, special clash; warnings do not block", async () => {
  const { page } = await open();
  await page.getByLabel("Extension mode").selectOption({ label: "Added tokens" });
  const cases = [
    { terms: ["foo", "foo"], code: "duplicate" },
    { terms: [" Kubernetes", "   ", " pharmacokinetics"], code: "empty" },
    { terms: [" the"], code: "already-one-token" },
    { terms: ["<|endoftext|>"], code: "special-clash" },
  ];
  for (const c of cases) {
    await setTerms(page, c.terms);
    const f = await expectFinding(page, c.code, "error");
    assert.ok(f.text.length > 0, `${c.code}: the finding explains itself`);
    assert.ok(await createButton(page).isDisabled(), `${c.code}: Create version must be disabled; listed ${JSON.stringify(await findings(page))}`);
  }
  // " the" is one GPT-2 token: the check must not be fooled by the leading space.
  assert.deepEqual([...gpt2.encode_ordinary(" the")], [262]);
  // A warning (no leading space) is listed but does not block.
  await setTerms(page, ["Kubernetes"]);
  await expectFinding(page, "leading-space", "warning");
  await expectNoErrors(page);
  // And a clean list has no findings that block.
  await setTerms(page, [" Kubernetes", " pharmacokinetics"]);
  await expectNoErrors(page);
  await page.close();
});

test("full flow: check terms, measure a JSONL corpus, create, export, reload, import", async () => {
  const { page, errors } = await open();
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.getByLabel("Domain terms").waitFor();
  const versions = page.getByRole("list", { name: "Tokenizer versions" }).getByRole("listitem");
  assert.equal(await versions.count(), 0, "no versions after clearing localStorage");

  const terms = [" Kubernetes", " pharmacokinetics"];
  await setTerms(page, terms, "Reachable merges");
  await expectRow(page, "Terms before and after", "Kubernetes", ["50259"]);
  await expectRow(page, "Terms before and after", "pharmacokinetics");
  await expectNoErrors(page);
  let previewId = "";
  await until(
    async () => /^tok-[0-9a-f]{16}$/.test((previewId = await testIdText(page, "extension-version-id"))),
    async () => `extension-version-id is ${JSON.stringify(previewId)}`,
  );

  // Three good JSONL records and a broken line 4.
  const records = [
    { instruction: "Explain Kubernetes pods.", input: "", output: "A pod is the smallest Kubernetes unit; pharmacokinetics is unrelated." },
    { instruction: "How does Kubernetes scale?", input: "", output: "Kubernetes scales pods with the Horizontal Pod Autoscaler in every Kubernetes cluster." },
    { instruction: "Compare Kubernetes and pharmacokinetics.", input: "", output: "Kubernetes schedules containers; pharmacokinetics studies drugs, not Kubernetes." },
  ];
  const jsonl = [...records.map((r) => JSON.stringify(r)), `{"instruction": `].join("\n");
  // Each record is tokenized as instruction, input (when not empty) and output joined by newlines.
  const texts = records.map((r) => [r.instruction, r.input, r.output].filter((s) => s.length).join("\n"));
  const expectedBefore = texts.reduce((n, t) => n + gpt2.encode_ordinary(t).length, 0);
  // " Kubernetes" as GPT-2 sees it: after a space, not followed by more letters or digits.
  const kubeCount = texts.reduce((n, t) => n + (t.match(/ Kubernetes(?![\p{L}\p{N}])/gu) || []).length, 0);
  assert.ok(kubeCount >= 3);

  await page.getByRole("textbox", { name: "Corpus" }).fill(jsonl);
  await page.getByRole("button", { name: "Measure impact" }).click();
  const results = ["corpus-tokens-before", "corpus-tokens-after", "corpus-tokens-saved"];
  await until(
    async () => /^\d+$/.test(await testIdText(page, "corpus-tokens-saved")) && Number(await testIdText(page, "corpus-tokens-saved")) > 0,
    async () => `no tokens saved on the corpus; shown ${JSON.stringify(Object.fromEntries(await Promise.all(results.map(async (id) => [id, await testIdText(page, id)]))))}`,
  );
  const saved = await numberAt(page, "corpus-tokens-saved");
  const beforeCount = await numberAt(page, "corpus-tokens-before");
  const afterCount = await numberAt(page, "corpus-tokens-after");
  assert.equal(beforeCount - afterCount, saved, `before ${beforeCount} − after ${afterCount} should be saved ${saved}`);
  assert.equal(beforeCount, expectedBefore, "GPT-2 tokens of the three good records (tiktoken), so the bad line did not stop them");

  const problems = page.getByRole("list", { name: "Corpus problems" }).getByRole("listitem");
  await until(
    async () => (await problems.count()) >= 1,
    async () => "no item in Corpus problems for the broken line 4",
  );
  const problemTexts = await problems.allTextContents();
  assert.equal(problemTexts.length, 1, `only line 4 is broken: ${JSON.stringify(problemTexts)}`);
  assert.match(problemTexts[0], /line 4\b/i);

  const impactRow = await expectRow(page, "Impact per term", "Kubernetes");
  assert.ok(numbersIn(impactRow).includes(kubeCount), `" Kubernetes" occurs ${kubeCount} times; row shows: ${impactRow.replace(/\s+/g, " ")}`);
  await expectRow(page, "Impact per term", "pharmacokinetics");
  assert.equal(await testIdText(page, "corpus-version-id"), previewId, "the measurement names the version it used");

  // Create the version.
  await page.getByLabel("Version note").fill("Kubernetes and pharmacokinetics for the ops corpus");
  await createButton(page).click();
  await until(
    async () => (await versions.count()) === 1 && (await versions.first().textContent()).includes(previewId),
    async () => `Tokenizer versions should list ${previewId} once; shows ${JSON.stringify(await versions.allTextContents())}`,
  );
  await expectTestIds(page, { "current-tokenizer-version": previewId });

  // Export the manifest.
  const manifestFile = await download(page, "Export tokenizer");
  assert.ok(manifestFile.name.endsWith(".manifest.json") && manifestFile.name.includes(previewId), manifestFile.name);
  const manifest = JSON.parse(manifestFile.text);
  assert.equal(manifest.id, previewId);
  assert.equal(manifest.mode, "ReachableMerges");
  assert.deepEqual(manifest.terms, terms);
  assert.ok(typeof manifest.base === "string" && manifest.base.length > 0, `base ${manifest.base}`);
  assert.ok(Array.isArray(manifest.ranks) && manifest.ranks.length > 0, "new ranks");
  manifest.ranks.forEach((r, i) => assert.equal(r.rank, 50257 + i, `ranks are consecutive from 50257: ${JSON.stringify(manifest.ranks)}`));
  assert.deepEqual(manifest.added, []);
  assert.equal(manifest.n_vocab, 50257 + manifest.ranks.length);
  const kube = manifest.ranks.find((r) => r.text === " Kubernetes");
  assert.ok(kube, `" Kubernetes" among the new ranks: ${JSON.stringify(manifest.ranks)}`);
  assert.equal(kube.rank, 50259);
  assert.equal(kube.bytes, Buffer.from(" Kubernetes").toString("base64"));

  // Export the rank file: GPT-2's lines, then one per new rank.
  const ranksFile = await download(page, "Export ranks");
  assert.ok(ranksFile.name.endsWith(".tiktoken"), ranksFile.name);
  const lines = ranksFile.text.split("\n").map((l) => l.replace(/\r$/, "")).filter((l) => l.length);
  assert.equal(lines.length, GPT2_BASE_LINES + manifest.ranks.length);
  const baseLines = fs.readFileSync(path.join(DIST, "ranks/r50k_base.tiktoken"), "utf8").split("\n").filter((l) => l.length);
  assert.equal(baseLines.length, GPT2_BASE_LINES);
  const differs = baseLines.findIndex((l, i) => lines[i] !== l);
  assert.equal(differs, -1, `line ${differs + 1} differs from GPT-2's: ${lines[differs]} vs ${baseLines[differs]}`);
  assert.deepEqual(lines.slice(GPT2_BASE_LINES), manifest.ranks.map((r) => `${r.bytes} ${r.rank}`));
  const highest = Math.max(...manifest.ranks.map((r) => r.rank));
  assert.ok(lines.at(-1).endsWith(` ${highest}`), `last line ${lines.at(-1)} should end with ${highest}`);

  // tiktoken, given the exported rank file, reproduces the measurement.
  const specials = { ...GPT2_SPECIALS, ...Object.fromEntries(manifest.added) };
  const ext = new Tiktoken(ranksFile.text, specials, GPT2_PATTERN);
  try {
    const extIds = texts.map((t) => [...ext.encode_ordinary(t)]);
    assert.equal(afterCount, extIds.reduce((n, ids) => n + ids.length, 0), "corpus-tokens-after vs tiktoken with the exported ranks");
    assert.equal(extIds.flat().filter((id) => id === kube.rank).length, kubeCount, "occurrences of the new token");

    // The Python check exports the same encoding and a sample whose ids tiktoken confirms.
    const sample = " Kubernetes meets pharmacokinetics.<|endoftext|>";
    await page.getByLabel("Text to tokenize").fill(sample);
    await expectCounts(page, { gpt2: gpt2.encode(sample, "all").length, extended: ext.encode(sample, "all").length });
    const py = await download(page, "Export Python check");
    assert.ok(py.name.endsWith(".py"), py.name);
    assert.ok(py.text.includes("tiktoken.Encoding("), py.text.slice(0, 400));
    assert.ok(/\bassert\b/.test(py.text), "the snippet asserts");
    assert.ok(py.text.includes(previewId), "the snippet names the version");
    assert.ok(py.text.includes(ranksFile.name), `the snippet loads ${ranksFile.name}`);
    const pySample = py.text.match(/^sample = (.+)$/m);
    const pyIds = py.text.match(/allowed_special="all"\) == (\[[\d, ]*\])/);
    assert.ok(pySample && pyIds, `sample and expected ids in the snippet:\n${py.text}`);
    assert.deepEqual([...ext.encode(JSON.parse(pySample[1]), "all")], JSON.parse(pyIds[1]), "the snippet's ids are tiktoken's");
    const pyVocab = py.text.match(/enc\.n_vocab == (\d+)/);
    assert.ok(pyVocab && Number(pyVocab[1]) === manifest.n_vocab, `n_vocab in the snippet: ${pyVocab?.[1]}`);
  } finally {
    ext.free();
  }

  // Versions survive a reload.
  await page.reload();
  await page.getByLabel("Domain terms").waitFor();
  await until(
    async () => (await versions.count()) === 1 && (await versions.first().textContent()).includes(previewId),
    async () => `after reload Tokenizer versions shows ${JSON.stringify(await versions.allTextContents())}`,
  );

  // Importing the manifest brings the terms back.
  await page.getByLabel("Domain terms").fill("");
  await until(
    async () => (await termLines(page)).length === 0,
    async () => "the terms box did not clear",
  );
  await page.getByLabel("Import tokenizer manifest").setInputFiles(manifestFile.file);
  await until(
    async () => JSON.stringify(await termLines(page)) === JSON.stringify(terms),
    async () => `after import the terms box holds ${JSON.stringify(await page.getByLabel("Domain terms").inputValue())}`,
  );
  const mode = await page.getByLabel("Extension mode").evaluate((s) => s.selectedOptions[0]?.textContent.trim());
  assert.equal(mode, "Reachable merges", "the imported manifest's mode");
  await expectTestIds(page, { "extension-version-id": previewId });
  assert.deepEqual(errors, []);
  await page.close();
});

test("mining: a corpus about Kubernetes suggests \" Kubernetes\", and Add top 10 appends it", async () => {
  const { page } = await open();
  const corpus = Array.from({ length: 30 }, (_, i) => `Cluster ${i + 1}: Kubernetes, version 1.${i}, is healthy.`).join(" ");
  await setTerms(page, [" pharmacokinetics"], "Added tokens");
  await page.getByRole("textbox", { name: "Corpus" }).fill(corpus);
  await page.getByRole("button", { name: "Mine candidates" }).click();
  const row = await expectRow(page, "Candidate terms", "Kubernetes");
  assert.ok(numbersIn(row).includes(30), `" Kubernetes" occurs 30 times; row shows: ${row.replace(/\s+/g, " ")}`);
  await page.getByRole("button", { name: "Add top 10" }).click();
  await until(
    async () => (await termLines(page)).includes(" Kubernetes"),
    async () => `Domain terms after Add top 10: ${JSON.stringify(await page.getByLabel("Domain terms").inputValue())}`,
  );
  const lines = await termLines(page);
  assert.equal(lines[0], " pharmacokinetics", `appended, not replaced: ${JSON.stringify(lines)}`);
  assert.ok(lines.length >= 2 && lines.length <= 11, `at most 10 added: ${JSON.stringify(lines)}`);
  await page.close();
});

test("model sizing: 2 added tokens cost 3072 parameters in GPT-2 small, 1536 with weight tying; no bias", async () => {
  const { page } = await open();
  await setTerms(page, NOTEBOOK.terms, "Added tokens");
  await page.getByLabel("Model size").selectOption({ label: "GPT-2 small" });
  await page.getByLabel("Weight tying").uncheck();
  await expectTestIds(page, { "params-delta": 3072 }); // 2 rows × 768 in the embedding and in the head
  await page.getByLabel("Weight tying").check();
  await expectTestIds(page, { "params-delta": 1536 }); // one shared matrix
  await page.getByLabel("Model size").selectOption({ label: "GPT-2 XL" });
  await expectTestIds(page, { "params-delta": 3200 }); // 2 × 1600
  await page.getByLabel("Weight tying").uncheck();
  await expectTestIds(page, { "params-delta": 6400 });
  const code = await page.getByTestId("resize-code").textContent();
  assert.ok(code.includes("bias=False"), code.slice(0, 400));
  assert.ok(!code.includes("bias=True"), "a new random bias would change every old token's logit");
  assert.ok(code.includes("50259"), `new vocabulary 50257 + 2 in the code: ${code.slice(0, 400)}`);
  await page.close();
});

test("untrusted terms are rendered as text, never as HTML", async () => {
  const { page } = await open();
  const evil = `<img src=x onerror="window.__xss=1">`;
  await setTerms(page, [evil, `<script>window.__xss=2</script>`], "Added tokens");
  await expectRow(page, "Terms before and after", "<img");
  await expectRow(page, "Terms before and after", "<script>");
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  const table = page.getByRole("table", { name: "Terms before and after" });
  assert.equal(await table.locator("img, script").count(), 0, "no element made from a term in the table");
  assert.equal(await page.getByRole("list", { name: "Safety checks" }).locator("img, script").count(), 0);
  await page.close();
});
