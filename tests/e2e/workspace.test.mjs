// End-to-end tests of the dataset workspace (?lab=workspace), in Debian's Chromium: import, quarantine,
// versions that survive a reload, rollback, exports that re-import to the same version id, bad input, XSS,
// the audit, diff and the workspace zip. Expected hashes are computed here in Node from the files we write,
// not taken from the page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./lib/server.mjs";
import { launch, watchErrors } from "./lib/browser.mjs";
import { openPage, expectTestIds, testIdText } from "./lib/page.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const WAIT = 60_000;
const VERSION_ID = /^ds-[0-9a-f]{16}$/;

let server, browser, tmp;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, "index.html")), `no build in ${DIST}: run trunk build --release`);
  server = await serve(DIST);
  browser = await launch();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datalab-workspace-"));
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Writes `content` (string or Buffer) to a temp file and returns its path. */
function file(name, content) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, content);
  return p;
}

/** The dataset's canonical content hash, computed independently: SHA-256 of the rows as compact JSON
 *  objects {instruction, input, output} joined by "\n". */
function contentHash(rows) {
  const text = rows
    .map((r) => JSON.stringify({ instruction: r.instruction, input: r.input ?? "", output: r.output }))
    .join("\n");
  return crypto.createHash("sha256").update(text, "utf8").digest("hex");
}

/** A fresh page on the workspace, in a fresh browser profile unless `ctx` is given. */
async function open(b = browser) {
  return openPage(b, server, "?lab=workspace", "Import dataset");
}

/** Clears the workspace of the shared profile, so each test starts empty. */
async function fresh() {
  const { page, errors } = await open();
  await page.evaluate(
    () =>
      new Promise((res) => {
        const r = indexedDB.deleteDatabase("datalab-workspace");
        r.onsuccess = r.onerror = r.onblocked = () => res();
      }),
  );
  await page.reload();
  await page.getByLabel("Import dataset").waitFor();
  await expectTestIds(page, { "dataset-version-id": "none" });
  return { page, errors };
}

async function importFile(page, p) {
  await page.getByLabel("Import dataset").setInputFiles(p);
}

async function versionId(page) {
  await page.waitForFunction(
    (re) => new RegExp(re).test(document.querySelector('[data-testid="dataset-version-id"]')?.textContent.trim() ?? ""),
    VERSION_ID.source,
    { timeout: WAIT },
  );
  return testIdText(page, "dataset-version-id");
}

/** Clicks a button that starts a download and returns the downloaded bytes. */
async function download(page, name) {
  const [dl] = await Promise.all([page.waitForEvent("download", { timeout: WAIT }), page.getByRole("button", { name, exact: true }).click()]);
  const p = path.join(tmp, `dl-${Date.now()}-${dl.suggestedFilename()}`);
  await dl.saveAs(p);
  return { path: p, name: dl.suggestedFilename(), bytes: fs.readFileSync(p) };
}

const GOOD = [
  { instruction: "Name the capital of France.", input: "", output: "Paris." },
  { instruction: "Translate to German.", input: "Good morning", output: "Guten Morgen" },
  { instruction: "Give a synonym for \"quick\".", output: "Fast." }, // no input key, as in the notebook's file
  { instruction: "Count to three.", input: "", output: "1, 2, 3\nDone." },
];

/** The notebook-style file: four good rows, then a row missing "output" (line 7) and one with a number. */
function mixedFile() {
  const lines = ["["];
  GOOD.forEach((r) => lines.push(JSON.stringify(r) + ","));
  lines.push('{"instruction": "Explain BPE."},');
  lines.push('{"instruction": 42, "input": "", "output": "forty-two"}');
  lines.push("]");
  return lines.join("\n");
}

test("import → quarantine → fix → reload → rollback → export → re-import keeps the version id", async () => {
  const { page, errors } = await fresh();
  await importFile(page, file("mixed.json", mixedFile()));
  await expectTestIds(page, { "rows-valid": 4, "rows-quarantined": 2 });
  const first = await versionId(page);

  // The page's content hash is the one computed here from the valid rows.
  const card = page.getByTestId("version-scorecard");
  await assert.doesNotReject(card.getByText(contentHash(GOOD), { exact: true }).waitFor({ timeout: WAIT }));

  // Quarantine lists each reason with its line and field.
  const q = page.getByRole("list", { name: "Quarantined rows" });
  await q.getByText("line 6", { exact: false }).first().waitFor();
  const qText = await q.textContent();
  assert.match(qText, /missing/);
  assert.match(qText, /"output"/);
  assert.match(qText, /wrong_type/);
  assert.match(qText, /"instruction"/);

  // Fix the row without output in place: a new version with it, back in its place.
  const item = q.locator("li.q-item").first();
  await item.getByText("Fix in place").click();
  await item.getByLabel("output").fill("Byte-pair encoding merges frequent pairs.");
  await item.getByRole("button", { name: "Accept fixed row" }).click();
  await expectTestIds(page, { "rows-valid": 5, "rows-quarantined": 1 });
  const second = await versionId(page);
  // Back in its place (line 6 comes after the four rows of lines 2–5), provenance says what was fixed.
  await page.getByTestId("preview-table").locator("tbody tr").nth(4).getByText("line 6 — fixed by hand: output set").waitFor();
  assert.notEqual(second, first);

  // Diff of the two versions: exactly one added row.
  await page.getByRole("button", { name: "Compare" }).click();
  await page.getByTestId("diff-summary").getByText("1 added, 0 removed, 0 changed, 4 unchanged", { exact: false }).waitFor({ timeout: WAIT });

  // Reload: everything is still there (IndexedDB).
  await page.reload();
  await page.getByLabel("Import dataset").waitFor();
  await expectTestIds(page, { "dataset-version-id": second, "rows-valid": 5, "rows-quarantined": 1 });
  await page.getByRole("list", { name: "Lineage of dataset versions" }).getByText(first).waitFor();

  // Rollback to the import: nothing deleted.
  await page.getByRole("button", { name: `Roll back to ${first}` }).click();
  await expectTestIds(page, { "dataset-version-id": first, "rows-valid": 4, "rows-quarantined": 2 });
  await page.getByRole("list", { name: "Lineage of dataset versions" }).getByText(second).waitFor();

  // Export in the book's format: exactly the valid rows, input filled in.
  const json = await download(page, "Export JSON");
  const exported = JSON.parse(json.bytes.toString("utf8"));
  assert.deepEqual(
    exported,
    GOOD.map((r) => ({ instruction: r.instruction, input: r.input ?? "", output: r.output })),
  );
  const jsonl = await download(page, "Export JSONL");
  assert.deepEqual(jsonl.bytes.toString("utf8").trim().split("\n").map((l) => JSON.parse(l)), exported);
  const csv = await download(page, "Export CSV");
  assert.match(csv.bytes.toString("utf8"), /^instruction,input,output\n/);
  assert.match(csv.bytes.toString("utf8"), /"1, 2, 3\nDone\."/);

  // Re-importing each export gives the same version id, and adds no version.
  const versions = await page.getByRole("list", { name: "Lineage of dataset versions" }).locator("li").count();
  for (const f of [json, jsonl, csv]) {
    await page.getByRole("button", { name: `Roll back to ${second}` }).click();
    await expectTestIds(page, { "dataset-version-id": second });
    await importFile(page, f.path);
    await expectTestIds(page, { "dataset-version-id": first, "rows-valid": 4 });
  }
  assert.equal(await page.getByRole("list", { name: "Lineage of dataset versions" }).locator("li").count(), versions);
  assert.deepEqual(errors, []);
  await page.close();
});

test("bad input: each gets a clear message, valid rows are kept, the page never dies", async () => {
  const { page, errors } = await fresh();
  const err = page.getByTestId("import-error");
  const cases = [
    ["truncated.json", '[{"instruction": "a", "output": "b"},\n{"instruction": "c", "outp', { valid: 1, held: 1 }],
    ["object.json", '{"instruction": "a", "output": "b"}', { error: /expected a JSON array of objects, found an object/ }],
    ["bom-crlf.json", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[\r\n{"instruction": "with a BOM", "output": "and CRLF"}\r\n]\r\n')]), { valid: 1, held: 0 }],
    ["latin1.jsonl", Buffer.concat([Buffer.from('{"instruction": "caf'), Buffer.from([0xe9]), Buffer.from('", "output": "x"}\n')]), { error: /UTF-8/ }],
    ["nulls.jsonl", '{"instruction": null, "output": "x"}\n{"instruction": "ok", "input": null, "output": "y"}\n', { valid: 1, held: 1, reason: /null/, warning: /1 warning\(s\)[\s\S]*record 1 \(line 2\), field "input": "input" is null, so it was imported as an empty input/ }],
    ["numbers.jsonl", '{"instruction": "a", "output": 5}\n{"instruction": "b", "output": "c"}\n', { valid: 1, held: 1, reason: /wrong_type/ }],
    ["dupes.jsonl", '{"instruction": "a", "instruction": "b", "output": "c"}\n{"instruction": "d", "output": "e"}\n', { valid: 1, held: 1, reason: /duplicate_key/ }],
    ["quoted.csv", 'instruction,input,output\n"Split ""a, b""",,"line one\nline two"\nplain,x,y\n', { valid: 2, held: 0 }],
    ["empty.json", "", { error: /empty/ }],
    ["image.json", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), { error: /PNG|binary/ }],
  ];
  for (const [name, content, want] of cases) {
    await importFile(page, file(name, content));
    if (want.error) {
      await err.waitFor({ timeout: WAIT });
      const text = await err.textContent();
      assert.match(text, new RegExp(name.replace(".", "\\.")), `${name}: the message names the file`);
      assert.match(text, want.error, `${name}: ${text}`);
    } else {
      await expectTestIds(page, { "rows-valid": want.valid, "rows-quarantined": want.held });
      await page.getByTestId("import-report").getByText(name, { exact: false }).waitFor({ timeout: WAIT });
      if (want.reason) assert.match(await page.getByRole("list", { name: "Quarantined rows" }).textContent(), want.reason);
      if (want.warning) {
        const report = (await page.getByTestId("import-report").textContent()) + (await page.getByTestId("import-warnings").textContent());
        assert.match(report, want.warning, `${name}: the import report says what was changed`);
      }
    }
  }
  // The CSV's quoted comma, doubled quote and newline survive into the rows.
  await importFile(page, file("quoted2.csv", 'instruction,input,output\n"Split ""a, b""",,"line one\nline two"\n'));
  await expectTestIds(page, { "rows-valid": 1 });
  const json = JSON.parse((await download(page, "Export JSON")).bytes.toString("utf8"));
  assert.deepEqual(json, [{ instruction: 'Split "a, b"', input: "", output: "line one\nline two" }]);

  // A file over the limit is refused before it is read, stating the limit.
  const big = path.join(tmp, "huge.jsonl");
  const fd = fs.openSync(big, "w");
  fs.ftruncateSync(fd, 100 * 1024 * 1024 + 1);
  fs.closeSync(fd);
  await importFile(page, big);
  await err.getByText("100 MB", { exact: false }).waitFor({ timeout: WAIT });
  fs.rmSync(big);
  assert.deepEqual(errors, []);
  await page.close();
});

test("dataset text is shown as text: script and onerror payloads never run", async () => {
  const { page, errors } = await fresh();
  const payloads = [
    { instruction: "<script>window.__xss = 1</script>", input: "", output: "<img src=x onerror=\"window.__xss = 2\">" },
    { instruction: "<b onmouseover=window.__xss=3>bold</b>", input: "<svg onload=window.__xss=4>", output: "ok" },
  ];
  await importFile(page, file("xss.json", JSON.stringify(payloads)));
  await expectTestIds(page, { "rows-valid": 2 });
  const table = page.getByTestId("preview-table");
  await table.getByText('<img src=x onerror="window.__xss = 2">', { exact: true }).waitFor();
  await table.getByText("<script>window.__xss = 1</script>", { exact: true }).waitFor();
  await table.locator("td").first().hover();
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.equal(await table.locator("img, script, svg, b").count(), 0, "no element was made from the data");
  // Also in the audit card and the editor.
  await page.getByRole("button", { name: "Start audit" }).click();
  await page.getByTestId("audit-score").waitFor();
  await page.getByRole("button", { name: "Edit row 2" }).click();
  assert.equal(await page.locator("main img, main script, main svg:not([aria-hidden])").count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(errors, []);
  await page.close();
});

test("schema drift, keyboard audit in the scorecard, and the workspace zip round trip", async () => {
  const { page, errors } = await fresh();
  const rows = Array.from({ length: 30 }, (_, i) => ({ instruction: `Task ${i}`, input: "", output: `Answer ${i}` }));
  await importFile(page, file("base.json", JSON.stringify(rows)));
  await expectTestIds(page, { "rows-valid": 30, "rows-quarantined": 0 });
  const base = await versionId(page);

  // A regenerated file whose output became a number in one row and gained a field: drift is reported.
  const drifted = rows.map((r, i) => (i === 0 ? { instruction: r.instruction, output: 7, score: 0.5 } : { ...r, score: 0.9 }));
  await importFile(page, file("regenerated.jsonl", drifted.map((r) => JSON.stringify(r)).join("\n")));
  await expectTestIds(page, { "rows-valid": 29, "rows-quarantined": 1 });
  const drift = await page.getByTestId("schema-drift").textContent();
  assert.match(drift, new RegExp(`against ${base}`));
  assert.match(drift, /"output" changed type: it was string, now it is number or string/);
  assert.match(drift, /"score" was added \(number\)/);

  // Paging: 29 rows, 25 a page.
  await page.getByTestId("preview-count").getByText("Rows 1–25 of 29.").waitFor();
  await page.getByRole("button", { name: "Next page" }).click();
  await page.getByTestId("preview-count").getByText("Rows 26–29 of 29.").waitFor();
  assert.ok(await page.getByRole("button", { name: "Next page" }).isDisabled());
  assert.equal(await page.getByTestId("preview-table").locator("tbody tr").count(), 4);

  // Audit by keyboard: G, B (with a note), G.
  await page.getByLabel("Sample size").fill("5");
  await page.getByRole("button", { name: "Start audit" }).click();
  await page.getByTestId("audit-score").getByText("Reviewed 0 of 5").waitFor();
  await page.getByRole("button", { name: "Good (G)" }).focus();
  await page.keyboard.press("g");
  await page.keyboard.press("n");
  await page.keyboard.type("truncated answer");
  await page.keyboard.press("Enter");
  await page.keyboard.press("b");
  await page.keyboard.press("g");
  await page.getByTestId("audit-score").getByText("Reviewed 3 of 5 · 67% good").waitFor();
  await page.getByTestId("scorecard-audit").getByText("3 of 5 sampled rows reviewed", { exact: false }).waitFor();
  const current = await versionId(page);

  // The audit and versions survive a reload.
  await page.reload();
  await page.getByLabel("Import dataset").waitFor();
  await expectTestIds(page, { "dataset-version-id": current });
  await page.getByTestId("scorecard-audit").getByText("67% good", { exact: false }).waitFor({ timeout: WAIT });
  await page.getByRole("list", { name: "Lineage of dataset versions" }).getByText(base).waitFor();

  // The workspace zip: export, import into a fresh browser profile, export again — byte-identical.
  const zip = await download(page, "Export workspace");
  const other = await launch();
  try {
    const { page: p2, errors: e2 } = await open(other);
    await p2.getByLabel("Import workspace (zip)").setInputFiles(zip.path);
    await expectTestIds(p2, { "dataset-version-id": current, "rows-valid": 29, "rows-quarantined": 1 });
    await p2.getByRole("list", { name: "Lineage of dataset versions" }).getByText(base).waitFor();
    await p2.getByTestId("scorecard-audit").getByText("67% good", { exact: false }).waitFor();
    const again = await download(p2, "Export workspace");
    assert.ok(again.bytes.equals(zip.bytes), "export → import → export is byte-identical");
    assert.deepEqual(e2, []);
  } finally {
    await other.close();
  }

  // Importing it into the workspace it came from adds nothing, and the export is still the same bytes.
  await page.getByLabel("Import workspace (zip)").setInputFiles(zip.path);
  await page.getByText("0 new version(s), 2 already here", { exact: false }).waitFor({ timeout: WAIT });
  assert.ok((await download(page, "Export workspace")).bytes.equals(zip.bytes));

  // Deleting needs confirmation.
  await page.getByRole("button", { name: "Delete workspace" }).click();
  await expectTestIds(page, { "dataset-version-id": current });
  await page.getByRole("button", { name: "Really delete every version?" }).click();
  await expectTestIds(page, { "dataset-version-id": "none", "rows-valid": 0 });
  await page.reload();
  await page.getByLabel("Import dataset").waitFor();
  await expectTestIds(page, { "dataset-version-id": "none" });
  assert.deepEqual(errors, []);
  await page.close();
});

test("paste, CSV column mapping, search, edit, and a large import with progress and Cancel", async () => {
  const { page, errors } = await fresh();
  // Paste a CSV whose columns are not named instruction/output: the mapping form asks.
  await page.getByLabel("Paste dataset text").fill('q,context,a\n"What is 2+2?",,"4"\n"Capital of Peru?",South America,Lima\n');
  await page.getByLabel("Format").selectOption("csv");
  await page.getByRole("button", { name: "Import pasted text" }).click();
  await page.getByLabel("Instruction column").selectOption("q");
  await page.getByLabel("Input column").selectOption("context");
  await page.getByLabel("Output column").selectOption("a");
  await page.getByRole("button", { name: "Import with this mapping" }).click();
  await expectTestIds(page, { "rows-valid": 2, "rows-quarantined": 0 });
  const table = page.getByTestId("preview-table");
  await table.getByText("South America", { exact: true }).waitFor();
  await page.getByTestId("version-scorecard").getByText('"mapping"', { exact: false }).waitFor();

  // Search narrows the table; "Keep only these rows" makes a filter version.
  await page.getByLabel("Search rows").fill("peru");
  await page.getByTestId("preview-count").getByText("Rows 1–1 of 1 matching (of 2).").waitFor();
  const before = await versionId(page);
  await page.getByRole("button", { name: "Keep only these rows" }).click();
  await expectTestIds(page, { "rows-valid": 1 });
  assert.notEqual(await versionId(page), before);

  // Edit the row: an edit version whose row says it was edited by hand.
  await page.getByRole("button", { name: "Edit row 1" }).click();
  await page.getByLabel("output", { exact: true }).fill("Lima is the capital of Peru.");
  await page.getByRole("button", { name: "Save as new version" }).click();
  await table.getByText("Lima is the capital of Peru.", { exact: true }).waitFor();
  await table.getByText("edited by hand", { exact: false }).waitFor();
  await page.getByRole("list", { name: "Lineage of dataset versions" }).getByText("edit", { exact: true }).waitFor();
  const edited = await versionId(page);

  // A 40 MB import shows progress and can be cancelled: nothing changes.
  const row = (i) => JSON.stringify({ instruction: `Row ${i} ` + "x".repeat(200), input: "", output: "y ".repeat(400) });
  const big = file("big.jsonl", Array.from({ length: 40_000 }, (_, i) => row(i)).join("\n"));
  await importFile(page, big);
  const cancel = page.getByRole("button", { name: "Cancel" });
  await cancel.click({ timeout: WAIT });
  await page.getByText("Cancelled; nothing was changed.").waitFor();
  await expectTestIds(page, { "dataset-version-id": edited, "rows-valid": 1 });
  assert.deepEqual(errors, []);
  await page.close();
});

test("storage quota exceeded: a clear message, nothing lost, and the workspace can still be exported", async () => {
  const { page, errors } = await fresh();
  // Chromium's quota override (CDP Storage.overrideQuotaForOrigin) has no effect on this build, so the
  // browser's own error is forced instead: any IndexedDB write over 100 KB throws the DOMException
  // "QuotaExceededError" that a full disk or quota gives.
  await page.evaluate(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (value, key) {
      if (typeof value === "string" && value.length > 100_000) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      return put.call(this, value, key);
    };
  });
  const rows = Array.from({ length: 2000 }, (_, i) => ({ instruction: `Question ${i}`, input: "", output: "z".repeat(500) }));
  await importFile(page, file("too-big-for-quota.json", JSON.stringify(rows)));
  await expectTestIds(page, { "rows-valid": 2000 });
  const alert = page.getByRole("alert").filter({ hasText: "storage for this lab is full" }).first();
  await alert.waitFor({ timeout: WAIT });
  assert.match(await alert.textContent(), /Nothing was lost: export the workspace/);
  await page.getByTestId("save-state").getByText("Not saved", { exact: false }).waitFor();
  // The work is still here and can be taken away.
  const zip = await download(page, "Export workspace");
  assert.ok(zip.bytes.length > 1_000_000, `zip of ${zip.bytes.length} bytes`);
  // What was saved before is intact: after a reload the workspace is the last complete save (empty here).
  await page.reload();
  await page.getByLabel("Import dataset").waitFor();
  await expectTestIds(page, { "dataset-version-id": "none" });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a panic anywhere: the error panel says what to do, and every saved version is there after a reload", async () => {
  const { page } = await fresh();
  await importFile(page, file("before-the-bug.json", JSON.stringify(GOOD)));
  await expectTestIds(page, { "rows-valid": 4 });
  const id = await versionId(page);
  await page.getByTestId("save-state").getByText("All versions are saved", { exact: false }).waitFor();
  // The same hook a real bug would hit: a Rust panic in the page's wasm (panic = abort in release).
  await page.evaluate(() => {
    try {
      window.wasmBindings.datalabTestPanic("forced by the survival test");
    } catch (_) {}
  });
  const panel = page.getByTestId("error-panel");
  await panel.waitFor();
  const text = await panel.textContent();
  assert.match(text, /nothing saved is lost/);
  assert.match(text, /Reload to carry on/);
  assert.match(text, /forced by the survival test/);
  assert.equal(await panel.getByRole("link", { name: "Reload the lab" }).count(), 1);
  // IndexedDB still holds the version: reloading shows it with its rows.
  await page.reload();
  await page.getByLabel("Import dataset").waitFor();
  await expectTestIds(page, { "dataset-version-id": id, "rows-valid": 4 });
  assert.equal(await page.getByTestId("error-panel").count(), 0);
  await page.close();
});

test("a reload in the middle of a save: the browser asks first, and no saved version is lost", async () => {
  const { page, errors } = await fresh();
  await importFile(page, file("saved-first.json", JSON.stringify(GOOD)));
  await expectTestIds(page, { "rows-valid": 4 });
  const saved = await versionId(page);
  await page.getByTestId("save-state").getByText("All versions are saved", { exact: false }).waitFor();
  // A click gives the page the user activation browsers require before they ask on leaving.
  await page.getByTestId("save-state").click();
  // Hold the big save open (its transaction is kept busy until the reload), so the reload lands in the
  // middle of it however fast this machine writes.
  await page.evaluate(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (value, key) {
      const req = put.call(this, value, key);
      if (typeof value === "string" && value.length > 1_000_000) {
        const store = this;
        const spin = () => {
          store.count().onsuccess = spin;
        };
        spin();
      }
      return req;
    };
  });
  const rows = Array.from({ length: 20_000 }, (_, i) => ({ instruction: `Question ${i}`, input: "", output: "y".repeat(900) }));
  const asked = [];
  page.on("dialog", (d) => {
    asked.push(d.type());
    d.accept();
  });
  await importFile(page, file("being-saved.json", JSON.stringify(rows)));
  await page.getByTestId("save-state").getByText("Saving", { exact: false }).waitFor({ timeout: WAIT });
  await page.reload({ waitUntil: "load" });
  assert.deepEqual(asked, ["beforeunload"], "the browser asked before leaving a save");
  await page.getByLabel("Import dataset").waitFor();
  await page.getByTestId("save-state").getByText("All versions are saved", { exact: false }).waitFor({ timeout: WAIT });
  // The version saved before is intact and current again; the one being written never committed.
  await expectTestIds(page, { "dataset-version-id": saved, "rows-valid": 4 });
  // The earlier version is still in storage, rows and all, whichever is current.
  const stored = await page.evaluate(
    () =>
      new Promise((res, rej) => {
        const r = indexedDB.open("datalab-workspace");
        r.onerror = () => rej(r.error);
        r.onsuccess = () => {
          const db = r.result;
          const names = [...db.objectStoreNames];
          const tx = db.transaction(names, "readonly");
          const keys = {};
          names.forEach((n) => {
            const q = tx.objectStore(n).getAllKeys();
            q.onsuccess = () => (keys[n] = q.result.map(String));
          });
          tx.oncomplete = () => res(keys);
        };
      }),
  );
  assert.ok(
    Object.values(stored).some((ks) => ks.some((k) => k.includes(saved))),
    `${saved} in storage: ${JSON.stringify(stored).slice(0, 400)}`,
  );
  assert.deepEqual(errors, []);
  await page.close();
});

test("storage denied (private mode, a blocked frame): the lab says so, works in the tab and exports", async () => {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  // What a browser that refuses storage does: opening IndexedDB throws a SecurityError.
  await page.addInitScript(() => {
    IDBFactory.prototype.open = function () {
      throw new DOMException("The user denied permission to access the database.", "SecurityError");
    };
  });
  await page.goto(server.url + "?lab=workspace");
  await page.getByLabel("Import dataset").waitFor();
  await page.getByTestId("save-state").getByText("does not let the lab store data", { exact: false }).waitFor({ timeout: WAIT });
  assert.match(await page.getByTestId("save-state").textContent(), /Your work stays in this tab only: export it before closing/);
  await importFile(page, file("no-storage.json", JSON.stringify(GOOD)));
  await expectTestIds(page, { "rows-valid": 4 });
  const json = await download(page, "Export JSON");
  assert.equal(JSON.parse(json.bytes.toString("utf8")).length, 4);
  assert.deepEqual(errors, []);
  await page.close();
});

test("drag and drop imports, and the workspace survives a browser restart", async () => {
  const profile = fs.mkdtempSync(path.join(tmp, "profile-"));
  let b = await launch(profile);
  let id;
  try {
    const { page, errors } = await open(b);
    // Drop a JSONL file on the page, as a student drags it from their file manager.
    const dt = await page.evaluateHandle(() => {
      const d = new DataTransfer();
      const text = '{"instruction": "Dropped", "output": "in"}\n{"instruction": "Also", "input": "x", "output": "here"}\n';
      d.items.add(new File([text], "dropped.jsonl", { type: "application/x-ndjson" }));
      return d;
    });
    await page.getByText("Import dataset").dispatchEvent("dragover", { dataTransfer: dt });
    await page.getByText("Import dataset").dispatchEvent("drop", { dataTransfer: dt });
    await expectTestIds(page, { "rows-valid": 2, "rows-quarantined": 0 });
    await page.getByTestId("preview-table").getByText("dropped.jsonl, line 2").waitFor();
    id = await versionId(page);
    await page.getByTestId("save-state").getByText("All versions are saved", { exact: false }).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await b.close();
  }
  b = await launch(profile);
  try {
    const { page } = await open(b);
    await expectTestIds(page, { "dataset-version-id": id, "rows-valid": 2 });
  } finally {
    await b.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});

test("an import made while the browser's storage is still opening is saved, not overwritten or dropped", async () => {
  // A fresh profile whose workspace database takes 2 s to open: a script that runs before the lab opens it
  // first and keeps its upgrade transaction busy, as a slow disk or a loaded machine does. The student
  // imports at once; the version must be saved (the page says so only once it is) and come back on reload.
  const profile = fs.mkdtempSync(path.join(tmp, "profile-"));
  const b = await launch(profile);
  try {
    const page = await b.context.newPage();
    const { watchErrors } = await import("./lib/browser.mjs");
    const errors = watchErrors(page);
    await page.addInitScript(() => {
      if (sessionStorage.getItem("held")) return;
      sessionStorage.setItem("held", "1");
      const r = indexedDB.open("datalab-workspace", 1);
      r.onupgradeneeded = () => {
        const db = r.result;
        for (const s of ["meta", "rows", "quarantine"]) db.createObjectStore(s);
        const store = r.transaction.objectStore("meta");
        const until = Date.now() + 2000;
        const spin = () => {
          if (Date.now() < until) store.get("spin").onsuccess = spin;
        };
        spin();
      };
      r.onsuccess = () => r.result.close();
    });
    await page.goto(server.url + "?lab=workspace");
    await page.getByLabel("Import dataset").waitFor();
    const rows = [{ instruction: "Opened early", output: "kept" }];
    await importFile(page, file("early.json", JSON.stringify(rows)));
    const id = await versionId(page);
    await page.getByTestId("save-state").getByText("All versions are saved", { exact: false }).waitFor({ timeout: WAIT });
    await page.reload();
    await page.getByLabel("Import dataset").waitFor();
    await expectTestIds(page, { "dataset-version-id": id, "rows-valid": 1 });
    assert.deepEqual(errors, []);
  } finally {
    await b.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});

test("the Content-Security-Policy is in force and the app runs under it", async () => {
  const { page, errors } = await open();
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(await page.locator("script:not([src])").count(), 0, "no inline script in the built page");
  // An inline script injected now is refused by the policy.
  const ran = await page.evaluate(() => {
    const s = document.createElement("script");
    s.textContent = "window.__inline = 1";
    document.body.appendChild(s);
    return window.__inline === 1;
  });
  assert.equal(ran, false);
  assert.ok(errors.every((e) => /Content Security Policy/.test(e)), errors.join("\n"));
  await page.close();
});
