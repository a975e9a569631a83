// End-to-end tests of the refinement lab (?lab=refine) in Debian's Chromium against a stand-in that speaks
// Ollama's HTTP API (tests/e2e/lib/ollama-standin.mjs): reflection with temperature 0 and seed 123 in
// `options`, review (accept, reject with a reason, edit, keys), a new version from the accepted rows with the
// original version untouched, "parse failed" with the raw reply, model output shown as text, the judge
// rubric before and after with a bootstrap interval, cancel keeping finished rows, and a missing model.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./lib/server.mjs";
import { launch } from "./lib/browser.mjs";
import { startStandin } from "./lib/ollama-standin.mjs";
import { openPage, expectTestIds, testIdText } from "./lib/page.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = process.env.DATALAB_DIST || path.resolve(HERE, "../../dist");
const WAIT = 30_000;

let server, browser, tmp, ollama;
/** Per-test script for the stand-in: ({ path, body, model, kind }) → undefined | { text } | { hook } | … */
let script = null;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, "index.html")), `no build in ${DIST}: run trunk build --release`);
  server = await serve(DIST);
  browser = await launch();
  ollama = await startStandin({ script: (req) => script?.(req) });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datalab-refine-"));
});

after(async () => {
  await browser?.close();
  await server?.close();
  await ollama?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const ROWS = [
  { instruction: "Name a primary colour.", input: "", output: "Red." },
  { instruction: "What is the boiling point of water?", input: "", output: "100 degrees." },
  { instruction: "Give a synonym for happy.", input: "", output: "Glad." },
  { instruction: "Summarise the text.", input: "The cat sat on the mat all day long.", output: "A cat sat." },
];

function file(name, rows) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, JSON.stringify(rows, null, 1));
  return p;
}

const button = (scope, name) => scope.getByRole("button", { name, exact: true });
const card = (page, row) => page.locator(`li.review-card[data-row="${row}"]`);
const chats = () => ollama.requests.filter((r) => r.method === "POST" && r.path === "/api/chat");
const reflectionCalls = () => chats().filter((r) => !r.body.format);
const judgeCalls = () => chats().filter((r) => r.body.format);
const userText = (req) => req.body.messages.map((m) => m.content).join("\n");

async function setField(page, label, value) {
  const f = page.getByLabel(label, { exact: true });
  await f.fill(String(value));
  await f.dispatchEvent("change");
}

/** A fresh refinement page over an empty workspace with `rows` imported, connected to the stand-in. */
async function fresh(rows = ROWS, model = "llama3.2:latest") {
  script = null;
  const { page, errors } = await openPage(browser, server, "?lab=refine", "Import dataset");
  await page.evaluate(
    () =>
      new Promise((res) => {
        localStorage.clear();
        const r = indexedDB.deleteDatabase("datalab-workspace");
        r.onsuccess = r.onerror = r.onblocked = () => res();
      }),
  );
  await page.reload();
  await page.getByLabel("Import dataset").waitFor();
  await expectTestIds(page, { "dataset-version-id": "none" });
  await page.getByLabel("Import dataset").setInputFiles(file("rows.json", rows));
  await expectTestIds(page, { "rows-valid": rows.length });
  await setField(page, "Ollama endpoint", ollama.url);
  await button(page, "Test connection").click();
  await page.waitForFunction(() => /Connected/.test(document.querySelector('[data-testid="llm-status"]')?.textContent), null, { timeout: WAIT });
  assert.match(await testIdText(page, "llm-status"), /Connected · Ollama 0\.11\.4 · 2 models/);
  await setField(page, "Model", model);
  return { page, errors };
}

async function reflect(page, count, summary) {
  await setField(page, "How many rows", count);
  await button(page, "Reflect").click();
  await expectTestIds(page, { "reflect-summary": summary }, WAIT);
}

test("reflect → review → a new version from the accepted rows; the original version is unchanged", async () => {
  const { page, errors } = await fresh();
  const original = await testIdText(page, "dataset-version-id");
  const before = chats().length;
  await reflect(page, 3, "3 rows: 3 revised · 0 unchanged · 0 parse failed");

  // Temperature 0 and seed 123 in Ollama's options (not at the top level), system + user messages.
  const calls = chats().slice(before);
  assert.equal(calls.length, 3);
  for (const [i, c] of calls.entries()) {
    assert.equal(c.body.options.temperature, 0);
    assert.equal(c.body.options.seed, 123);
    assert.equal(c.body.seed, undefined);
    assert.equal(c.body.stream, true);
    assert.deepEqual(c.body.messages.map((m) => m.role), ["system", "user"]);
    assert.ok(c.body.messages[1].content.includes(ROWS[i].instruction), "the row is in the prompt");
    assert.ok(c.body.messages[1].content.includes("[New Instruction]"), "instruction reflection for rows without input");
  }

  // Review: the critique beside a word diff; counts move with each decision.
  assert.equal(await page.locator("li.review-card").count(), 3);
  await expectTestIds(page, { "review-counts": "0 accepted · 0 rejected · 3 pending" });
  const c1 = card(page, 1);
  assert.match(await c1.getByTestId("critique").textContent(), /Analysis of the instruction/);
  const accepted = (await c1.getByTestId("diff-after").first().textContent()).trim();
  assert.match(accepted, /^Explain name a primary colour step by step/);
  await button(c1, "Accept").click();
  await expectTestIds(page, { "review-counts": "1 accepted · 0 rejected · 2 pending" });

  // Reject needs a reason.
  const c2 = card(page, 2);
  await button(c2, "Reject").click();
  await c2.getByTestId("card-message").getByText("Give a reason for rejecting row 2", { exact: false }).waitFor();
  await expectTestIds(page, { "review-counts": "1 accepted · 0 rejected · 2 pending" });
  // The same by key: "r" without a reason is refused and moves the focus to the reason field.
  await c2.focus();
  await page.keyboard.press("r");
  const reasonId = await c2.getByLabel("Reason for rejecting row 2").getAttribute("id");
  assert.equal(await page.evaluate(() => document.activeElement.id), reasonId);
  await expectTestIds(page, { "review-counts": "1 accepted · 0 rejected · 2 pending" });
  await c2.getByLabel("Reason for rejecting row 2").fill("Drops the unit of temperature");
  await button(c2, "Reject").click();
  await expectTestIds(page, { "review-counts": "1 accepted · 1 rejected · 1 pending" });
  assert.equal(await c2.getByTestId("card-message").count(), 0);

  // Keys: j/k move between cards; e edits (the edited text is accepted).
  await c1.focus();
  await page.keyboard.press("j");
  assert.equal(await page.evaluate(() => document.activeElement.dataset.row), "2");
  await page.keyboard.press("j");
  assert.equal(await page.evaluate(() => document.activeElement.dataset.row), "3");
  await page.keyboard.press("k");
  await page.keyboard.press("j");
  await page.keyboard.press("e");
  const edited = card(page, 3).getByLabel("Revised output (row 3)");
  await edited.waitFor();
  await edited.fill("Joyful, cheerful or content.");
  await button(card(page, 3), "Save edit").click();
  await expectTestIds(page, { "review-counts": "2 accepted · 1 rejected · 0 pending" });
  assert.equal(await testIdText(card(page, 3), "decision"), "edited and accepted");
  // "a" on a focused card accepts; undo goes back to pending.
  await button(c2, "Undo decision").click();
  await expectTestIds(page, { "review-counts": "2 accepted · 0 rejected · 1 pending" });
  await c2.focus();
  await page.keyboard.press("a");
  await expectTestIds(page, { "review-counts": "3 accepted · 0 rejected · 0 pending" });
  await button(c2, "Undo decision").click();
  await c2.getByLabel("Reason for rejecting row 2").fill("Drops the unit of temperature");
  await c2.getByLabel("Reason for rejecting row 2").press("Enter");
  await expectTestIds(page, { "review-counts": "2 accepted · 1 rejected · 0 pending" });

  // Filters.
  await page.getByLabel("only failed").check();
  assert.equal(await page.locator("li.review-card").count(), 0);
  await page.getByLabel("only failed").uncheck();
  await page.getByLabel("only changed").check();
  assert.equal(await page.locator("li.review-card").count(), 3);
  await page.getByLabel("only changed").uncheck();

  // A reload keeps the review (stored with the version it was made on).
  await page.reload();
  await expectTestIds(page, { "review-counts": "2 accepted · 1 rejected · 0 pending" });

  // The new version.
  await button(page, "Make a version from the accepted rows").click();
  await page.getByTestId("review-note").getByText("Made version", { exact: false }).waitFor({ timeout: WAIT });
  const made = await testIdText(page, "dataset-version-id");
  assert.notEqual(made, original);
  assert.match(await testIdText(page, "review-note"), new RegExp(`Made version ${made} from ${original}: 2 accepted revisions`));
  // Making it twice is refused (the refinements belong to the original version).
  await button(page, "Make a version from the accepted rows").click();
  await page.getByTestId("review-note").getByText("a version can only be made from the one they were made on", { exact: false }).waitFor();

  // In the workspace: the new version has the accepted and edited rows, the rejected row as it was, and
  // its parameters record every decision; the original version still has the original rows.
  const ws = await browser.context.newPage();
  await ws.goto(server.url + "?lab=workspace");
  await expectTestIds(ws, { "dataset-version-id": made });
  const table = ws.getByTestId("preview-table");
  await table.getByText(accepted, { exact: false }).waitFor({ timeout: WAIT });
  const text = await table.textContent();
  assert.ok(text.includes("Joyful, cheerful or content."));
  assert.ok(text.includes("What is the boiling point of water?"));
  assert.ok(text.includes("100 degrees."));
  assert.ok(!text.includes("Name a primary colour."));
  const params = await ws.getByTestId("version-scorecard").textContent();
  assert.match(params, /"decision":"rejected"/);
  assert.match(params, /Drops the unit of temperature/);
  assert.match(params, /"decision":"edited"/);
  assert.match(params, /"seed":123/);
  await ws.getByRole("button", { name: `Roll back to ${original}` }).click();
  await expectTestIds(ws, { "dataset-version-id": original });
  await table.getByText("Name a primary colour.", { exact: true }).waitFor({ timeout: WAIT });
  const old = await table.textContent();
  assert.ok(old.includes("Glad."));
  assert.ok(!old.includes(accepted));
  assert.ok(!old.includes("Joyful"));
  await ws.close();
  assert.deepEqual(errors, []);
  await page.close();
});

test("model output is shown as text, never as markup", async () => {
  const { page, errors } = await fresh(ROWS.slice(0, 1));
  const XSS_I = '<img src=x onerror="window.__xss=1"> Name a colour';
  const XSS_O = "<script>window.__xss=2</script><b>bold</b> Blue.";
  script = ({ body }) =>
    body.messages && !body.format
      ? { text: `Critique with <i>tags</i>.\n[New Instruction]\n${XSS_I}\n[End]\n[New Answer]\n${XSS_O}\n[End]` }
      : undefined;
  await reflect(page, 1, "1 row: 1 revised · 0 unchanged · 0 parse failed");
  const c = card(page, 1);
  assert.equal(await c.getByTestId("diff-after").first().textContent(), XSS_I);
  assert.equal(await c.getByTestId("diff-after").nth(1).textContent(), XSS_O);
  assert.equal(await c.getByTestId("critique").textContent(), "Critique with <i>tags</i>.");
  assert.equal(await page.locator(".refine-lab img, .refine-lab script, .refine-lab b, .refine-lab i").count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a reply without markers: parse failed, the raw reply viewable, the original kept", async () => {
  const { page, errors } = await fresh(ROWS.slice(0, 2), "no-markers");
  await reflect(page, 2, "2 rows: 0 revised · 0 unchanged · 2 parse failed");
  const c = card(page, 1);
  assert.match(await c.getByTestId("parse-failed").textContent(), /no \[New Instruction\] marker.*original row is kept/);
  await c.getByText("Raw reply").click();
  assert.match(await c.getByTestId("raw-reply").textContent(), /Analysis of the answer/);
  assert.ok((await c.textContent()).includes("Red."), "the original is shown as kept");
  assert.equal(await button(c, "Accept").count(), 0, "nothing to accept");
  // The per-row table says the same, with the raw text in a <details>.
  const table = page.getByTestId("reflect-results");
  assert.match(await table.textContent(), /parse failed/);
  assert.equal(await table.locator("details pre.raw").count(), 2);
  await page.getByLabel("only changed").check();
  assert.equal(await page.locator("li.review-card").count(), 0);
  await page.getByLabel("only changed").uncheck();
  await page.getByLabel("only failed").check();
  assert.equal(await page.locator("li.review-card").count(), 2);
  await expectTestIds(page, { "review-counts": "0 accepted · 0 rejected · 0 pending" });
  // No version from nothing accepted.
  const v = await testIdText(page, "dataset-version-id");
  await button(page, "Make a version from the accepted rows").click();
  await page.getByTestId("review-note").getByText("No revision is accepted yet", { exact: false }).waitFor();
  assert.equal(await testIdText(page, "dataset-version-id"), v);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the same rubric before and after: paired mean delta with a bootstrap interval; unreadable scores listed", async () => {
  const { page, errors } = await fresh();
  await reflect(page, 4, "4 rows: 4 revised · 0 unchanged · 0 parse failed");
  // The row with input gets response reflection.
  assert.match(await card(page, 4).textContent(), /Response reflection \(with input\)/);
  assert.ok(userText(reflectionCalls().at(-1)).includes("Input:\nThe cat sat on the mat all day long."));
  await button(card(page, 1), "Accept").click();
  // The judge's reply for the revision of row 2 is not JSON.
  script = ({ body }) =>
    body.format && userText({ body }).includes("Explain what is the boiling point of water step by step")
      ? { text: "I would give it a four." }
      : undefined;
  const before = judgeCalls().length;
  await button(page, "Score before and after").click();
  await page.getByTestId("rubric-delta").waitFor({ timeout: WAIT });
  const delta = await testIdText(page, "rubric-delta");
  assert.match(delta, /^Mean delta \(after − before\): [+−]\d\.\d\d, 95% interval \[[+−]\d\.\d\d, [+−]\d\.\d\d\] over 3 rows$/);
  const judged = judgeCalls().slice(before);
  assert.equal(judged.length, 8, "original and revision of each of the 4 revised rows");
  for (const j of judged) {
    assert.equal(j.body.format.type, "object");
    assert.deepEqual(j.body.format.required, ["helpfulness", "relevance", "accuracy", "level_of_detail", "clarity", "reason"]);
    assert.equal(j.body.options.temperature, 0);
    assert.equal(j.body.options.seed, 123);
  }
  assert.match(await testIdText(page, "rubric-failures"), /Row 2 \(after\): the judge's reply contains no JSON object/);
  assert.equal(await page.locator(".refine-lab figure.chart canvas").count(), 1);
  assert.match(await page.locator(".refine-lab figure.chart canvas").getAttribute("aria-label"), /helpfulness: before \d\.\d\d, after \d\.\d\d \(interval/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("cancelling keeps the rows finished before it; a missing model says ollama pull", async () => {
  const { page, errors } = await fresh(ROWS.slice(0, 3));
  // The third row's reflection streams slowly.
  script = ({ body }) =>
    !body.format && userText({ body }).includes("Give a synonym for happy.") ? { hook: "slow" } : undefined;
  await setField(page, "How many rows", 3);
  await button(page, "Reflect").click();
  await expectTestIds(page, { "reflect-progress": "Row 3 of 3 (row 3)" }, WAIT);
  await page.waitForFunction(() => document.querySelector('[data-testid="reflect-live"]')?.textContent.length > 0, null, { timeout: WAIT });
  await button(page.locator("section", { has: page.locator("#reflect-h") }), "Cancel").click();
  await expectTestIds(page, { "reflect-summary": "2 rows: 2 revised · 0 unchanged · 0 parse failed" }, WAIT);
  assert.match(await testIdText(page, "reflect-note"), /Cancelled at row 3 \(3 of 3\); 2 rows finished before it are kept/);
  assert.equal(await page.locator("li.review-card").count(), 2);

  // A model that is not installed: the run stops and the connection panel says `ollama pull`.
  script = null;
  await setField(page, "Model", "nosuchmodel:7b");
  await setField(page, "First row", 3);
  await button(page, "Reflect").click();
  await page.locator(".advice").waitFor({ timeout: WAIT });
  assert.match(await page.locator(".advice").textContent(), /ollama pull nosuchmodel:7b/);
  assert.match(await testIdText(page, "llm-status"), /Not connected: Model `nosuchmodel:7b` not installed/);
  assert.match(await testIdText(page, "reflect-note"), /Row 3: the call failed \(Model `nosuchmodel:7b` not installed\)/);
  assert.equal(await page.locator("li.review-card").count(), 2, "finished rows are still there");
  // The browser logs the 404 itself; nothing else may go wrong.
  assert.deepEqual(errors.filter((e) => !/status of 404/.test(e)), []);
  await page.close();
});

test("prompts are shown, validated per field, and restorable", async () => {
  const { page, errors } = await fresh(ROWS.slice(0, 1));
  const p = page.getByLabel("Response reflection prompt (rows without input)");
  assert.match(await p.inputValue(), /\[Better Answer\]/);
  await p.fill((await p.inputValue()).replace("{output}", "").replace("[Better Answer]", "[Answer]"));
  const errs = page.getByTestId("prompt-errors-response_user");
  await errs.getByText("{output} is missing", { exact: false }).waitFor();
  assert.match(await errs.textContent(), /\[Better Answer\] is missing/);
  await button(page, "Reflect").click();
  await page.getByTestId("reflect-note").getByText("Fix the prompts first", { exact: false }).waitFor();
  await button(page, "Restore the lab's prompts").click();
  assert.equal(await errs.locator("li").count(), 0);
  assert.match(await p.inputValue(), /\[Better Answer\]/);
  assert.equal(await page.getByLabel("Temperature").inputValue(), "0");
  assert.equal(await page.getByLabel("Seed").inputValue(), "123");
  assert.deepEqual(errors, []);
  await page.close();
});
