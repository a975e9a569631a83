// End-to-end tests of the sample dataset (issue #19) in Debian's Chromium: a student with an empty
// workspace loads it from the lab that needs data, and the labs find every planted flaw that
// static/sample/flaws.json lists — the quarantined notebook row on import, each gate's rows, the exact
// and near duplicates, and the evaluation rows leaked into training. Counts come from the manifest, not
// from this file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./lib/server.mjs";
import { launch, watchErrors } from "./lib/browser.mjs";
import { expectTestIds, testIdText } from "./lib/page.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const MANIFEST = JSON.parse(fs.readFileSync(path.join(ROOT, "static/sample/flaws.json"), "utf8"));
const TRAIN = JSON.parse(fs.readFileSync(path.join(ROOT, "static/sample/train.json"), "utf8"));
const EVAL = JSON.parse(fs.readFileSync(path.join(ROOT, "static/sample/eval.json"), "utf8"));
const flaw = (kind) => MANIFEST.flaws.find((f) => f.kind === kind);
const GATES = {
  refusal: "Refusals & boilerplate",
  truncated: "Truncated output",
  pii: "PII & secrets",
  repeats_instruction: "Repeats the instruction",
  other_language: "Language / script mismatch",
};

let server;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, "sample/train.json")), `no sample in ${DIST}: run scripts/build.sh`);
  server = await serve(DIST);
});

after(async () => {
  await server?.close();
});

const button = (page, name) => page.getByRole("button", { name, exact: true });

/** A page in a fresh browser profile (an empty workspace), as a student's first visit. */
async function firstVisit(query) {
  const b = await launch();
  const page = await b.context.newPage();
  const errors = watchErrors(page);
  await page.goto(server.url + query);
  return { page, errors, close: () => b.close() };
}

test("the quality lab finds every planted flaw of the sample: quarantine, gates, duplicates, leakage", async () => {
  const { page, errors, close } = await firstVisit("?lab=quality");
  try {
    await expectTestIds(page, { "dataset-version-id": "none" });
    await button(page, "Load the sample dataset").click();
    const nulls = flaw("null_instruction").rows.length;
    await expectTestIds(page, { "rows-valid": TRAIN.length - nulls, "rows-quarantined": nulls });
    const trainId = await testIdText(page, "dataset-version-id");
    assert.match(await page.locator(".notice").textContent(), /planted flaws/);

    // Gates: each planted kind is flagged on exactly its rows' count, and nothing else fails.
    await button(page, "Run gates").click();
    await page.getByTestId("gate-pass-rate").waitFor({ timeout: 60_000 });
    let flagged = 0;
    for (const [kind, label] of Object.entries(GATES)) {
      const n = flaw(kind).rows.length;
      flagged += n;
      await page.getByRole("button", { name: `Show the ${n} rows flagged by ${label}`, exact: true }).waitFor({ timeout: 5000 })
        .catch(async () => assert.fail(`${label}: expected ${n} flagged; the row says ${await page.locator(`tr[data-gate]`, { hasText: label }).textContent()}`));
    }
    const valid = TRAIN.length - nulls;
    assert.equal(await testIdText(page, "gate-pass-rate"), `${(((valid - flagged) / valid) * 100).toFixed(1)}%`,
      "only the planted rows fail a gate");

    // Duplicates: every planted copy, and one cluster per family (an exact copy is a near duplicate too).
    await button(page, "Find duplicates").click();
    const exact = flaw("exact_duplicate"), near = flaw("near_duplicate");
    const families = new Set([...exact.originals, ...near.originals]).size;
    await expectTestIds(page, { "exact-dup-rows": exact.rows.length, "near-dup-clusters": families });

    // Leakage: the evaluation split is in the workspace too; every leaked row is found.
    const evalId = await page.getByLabel("Test split").locator("option").evaluateAll(
      (opts, n) => opts.find((o) => o.textContent.includes(`${n} rows`))?.value, EVAL.length);
    assert.ok(evalId, "the evaluation split is a version");
    await page.getByLabel("Training split").selectOption(trainId);
    await page.getByLabel("Test split").selectOption(evalId);
    await button(page, "Check leakage").click();
    await expectTestIds(page, { "leak-count": flaw("eval_leak").rows.length });

    // Loading it again finds the same versions instead of adding copies.
    const options = () => page.getByLabel("Training split").locator("option").count();
    const before = await options();
    await button(page, "Load the sample dataset").click();
    // It switches to the evaluation split's version, then back to the training set's.
    await page.waitForFunction(() => document.querySelector(".busy") === null, null, { timeout: 30_000 });
    await expectTestIds(page, { "dataset-version-id": trainId });
    assert.equal(await options(), before, "no new versions");
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test("the workspace lab shows the notebook's null row in the quarantine, with its reason", async () => {
  const { page, errors, close } = await firstVisit("?lab=workspace");
  try {
    await button(page, "Load the sample dataset").click();
    const q = page.locator("section", { hasText: "Quarantine" }).filter({ hasText: "instruction" }).last();
    await q.waitFor({ timeout: 30_000 });
    await page.getByText(/record 10\b|record #?10\b/i).first().waitFor({ timeout: 30_000 });
    assert.match(await q.textContent(), /null/);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test("labs that need data offer the sample on an empty workspace: A/B, drills, runbook", async () => {
  for (const lab of ["ab", "drills", "runbook"]) {
    const { page, errors, close } = await firstVisit(`?lab=${lab}`);
    try {
      await expectTestIds(page, { "dataset-version-id": "none" });
      await button(page, "Load the sample dataset").click();
      await page.waitForFunction(
        () => /^ds-/.test(document.querySelector('[data-testid="dataset-version-id"]')?.textContent || ""),
        null,
        { timeout: 30_000 },
      );
      // Once there is data the offer goes away.
      await button(page, "Load the sample dataset").waitFor({ state: "detached" });
      assert.deepEqual(errors, [], lab);
    } finally {
      await close();
    }
  }
});
