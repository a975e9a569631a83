// End-to-end tests of the quality lab (?lab=quality), in Debian's Chromium: gates with a known pass rate,
// drill-down and cleaning into a new version, exact and near duplicates checked against a brute-force
// Jaccard computed here in Node, the export, the keep policy, split leakage, cancelling a job in the
// worker, and untrusted text shown as text.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./lib/server.mjs";
import { launch } from "./lib/browser.mjs";
import { openPage, expectTestIds, testIdText } from "./lib/page.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const WAIT = 60_000;

let server, browser, tmp;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, "index.html")), `no build in ${DIST}: run trunk build --release`);
  server = await serve(DIST);
  browser = await launch();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datalab-quality-"));
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function file(name, rows) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, JSON.stringify(rows, null, 1));
  return p;
}

/** A fresh quality page over an empty workspace. */
async function fresh() {
  const { page, errors } = await openPage(browser, server, "?lab=quality", "Import dataset");
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

const button = (page, name) => page.getByRole("button", { name, exact: true });

// --- an independent near-duplicate reference: words are runs of letters/digits, lower-cased; shingles are
// sets of 5 consecutive words; Jaccard over the sets.
const WORD = /[\p{Alphabetic}\p{Nd}\p{Nl}\p{No}]+/gu;
const rowText = (r) => `${r.instruction}\n${r.input ?? ""}\n${r.output}`;
function shingles(text, k = 5) {
  const w = (text.match(WORD) || []).map((x) => x.toLowerCase());
  if (w.length === 0) return new Set();
  if (w.length < k) return new Set([w.join(" ")]);
  const s = new Set();
  for (let i = 0; i + k <= w.length; i++) s.add(w.slice(i, i + k).join(" "));
  return s;
}
function jaccard(a, b) {
  let both = 0;
  for (const x of a) if (b.has(x)) both++;
  return a.size + b.size === 0 ? 1 : both / (a.size + b.size - both);
}
function truePairs(rows, threshold = 0.8) {
  const sets = rows.map((r) => shingles(rowText(r)));
  const out = [];
  for (let i = 0; i < rows.length; i++)
    for (let j = i + 1; j < rows.length; j++) {
      const J = jaccard(sets[i], sets[j]);
      if (J >= threshold) out.push({ a: i, b: j, J });
    }
  return out;
}

/** Seeded words (mulberry32), so the data is the same every run. */
function words(seed, n) {
  let t = seed >>> 0;
  const rnd = () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = Math.imul(t ^ (t >>> 15), 1 | t);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const vocab = "river stone cloud lantern harbor meadow copper signal orchard window valley thunder garden pencil mirror ladder forest candle bridge saddle".split(" ");
  return Array.from({ length: n }, () => vocab[Math.floor(rnd() * vocab.length)] + Math.floor(rnd() * 1000));
}

const CLEAN = [
  ["Name the capital of France.", "Paris is the capital of France."],
  ["Translate 'thank you' into German.", "Danke."],
  ["Give a synonym for quick.", "Fast."],
  ["Explain what a noun is.", "A noun names a person, place or thing."],
  ["Write a haiku about rain.", "Soft rain on the roof,\nthe garden drinks slowly now,\npuddles hold the sky."],
  ["Summarise the water cycle.", "Water evaporates, condenses into clouds and falls as rain."],
];
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
const GATED = [
  ...CLEAN.map(([instruction, output]) => ({ instruction, input: "", output })),
  { instruction: "Explain recursion briefly.", input: "", output: "As an AI language model, I cannot help with that." },
  { instruction: "Who handles billing questions?", input: "", output: `Write to jane.doe@example.com ${XSS} for help.` },
  { instruction: "Write a product blurb.", input: "", output: "Lorem ipsum dolor sit amet." },
  { instruction: "List the primary colours of light.", input: "", output: "The three primary colours of light are red, green and" },
];

test("gates: pass rate, drill-down to the rows behind a count, cleaning into a new version with reasons", async () => {
  const { page, errors } = await fresh();
  await page.getByLabel("Import dataset").setInputFiles(file("gated.json", GATED));
  await expectTestIds(page, { "rows-valid": GATED.length });
  const before = await testIdText(page, "dataset-version-id");

  await button(page, "Run gates").click();
  // 6 clean rows of 10 pass every gate.
  await expectTestIds(page, { "gate-pass-rate": "60.0%" });

  // Each failing row is flagged by its own gate, with a reason.
  const refusals = page.locator('tr[data-gate="refusal"]');
  await refusals.getByRole("button", { name: /Show the 1 rows flagged by Refusals/ }).click();
  await expectTestIds(page, { "drill-count": "1 rows" });
  const drill = page.getByTestId("drill-rows");
  assert.match(await drill.textContent(), /As an AI language model/);
  assert.match(await drill.textContent(), /refusal\/boilerplate phrase "as an ai language model"/);

  // Untrusted text is shown as text: the PII row's markup is visible, not run.
  await page.locator('tr[data-gate="pii"]').getByRole("button").click();
  await drill.getByText("jane.doe@example.com", { exact: false }).waitFor();
  assert.ok((await drill.textContent()).includes("<script>window.__xss=2</script>"));
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.equal(await drill.locator("img, script").count(), 0);

  // Dimensions are shown as scores; safety lost one row in ten.
  await expectTestIds(page, { "dim-safety": "90" });

  // Cleaning: a new version without the four flagged rows, each listed with its reasons.
  await button(page, "Remove flagged rows as a new version").click();
  await expectTestIds(page, { "rows-valid": 6 });
  const after = await testIdText(page, "dataset-version-id");
  assert.notEqual(after, before);
  // The new version is on screen at once; it is in storage once the page says so.
  await page.getByTestId("save-state").filter({ hasText: "All versions are saved" }).waitFor({ timeout: WAIT });
  const manifest = await page.evaluate(
    () =>
      new Promise((res, rej) => {
        const r = indexedDB.open("datalab-workspace");
        r.onsuccess = () => {
          const db = r.result;
          const names = [...db.objectStoreNames];
          const tx = db.transaction(names, "readonly");
          const out = {};
          let left = names.length;
          for (const n of names) {
            const all = tx.objectStore(n).getAll();
            const keys = tx.objectStore(n).getAllKeys();
            all.onsuccess = () => {
              keys.onsuccess = () => {
                out[n] = keys.result.map((k, i) => [k, all.result[i]]);
                if (--left === 0) res(JSON.stringify(out));
              };
            };
          }
        };
        r.onerror = () => rej(r.error);
      }),
  );
  // The version's parameters list every removed row with its gate and reason, and the gate settings.
  assert.match(manifest, /\\?"transform\\?":\s*\\?"clean/);
  for (const gate of ["refusal", "pii", "placeholder", "truncated"]) assert.match(manifest, new RegExp(gate));
  assert.match(manifest, /instruction_chars/);

  // Running the gates again on the cleaned version: everything passes.
  await button(page, "Run gates").click();
  await expectTestIds(page, { "gate-pass-rate": "100.0%" });
  assert.deepEqual(errors, []);
  await page.close();
});

test("gate settings are editable: a new refusal phrase and a tighter length bound change the pass rate", async () => {
  const { page, errors } = await fresh();
  await page.getByLabel("Import dataset").setInputFiles(file("clean.json", GATED.slice(0, 6)));
  await expectTestIds(page, { "rows-valid": 6 });
  await button(page, "Run gates").click();
  await expectTestIds(page, { "gate-pass-rate": "100.0%" });
  await page.getByText("Gate settings").click();
  const refusals = page.getByLabel("Refusal and boilerplate phrases (one per line)");
  await refusals.fill((await refusals.inputValue()) + "\ndanke");
  await refusals.blur();
  await page.getByLabel("Output: fewest characters").fill("6");
  await page.getByLabel("Output: fewest characters").blur();
  await button(page, "Run gates").click();
  // "Danke." is now a refusal and too short; "Fast." (5 characters) is too short: 4 of 6 pass.
  await expectTestIds(page, { "gate-pass-rate": "66.7%" });
  assert.deepEqual(errors, []);
  await page.close();
});

/** 30 distinct documents and 10 edited copies, in a fixed shuffled order. */
function dupRows() {
  const base = Array.from({ length: 30 }, (_, i) => ({
    instruction: `Describe scene ${i}.`,
    input: "",
    output: words(1000 + i, 300).join(" ") + ".",
  }));
  const copies = [];
  for (let c = 0; c < 10; c++) {
    const src = base[c * 3];
    const w = src.output.slice(0, -1).split(" ");
    // Copy 0 is exact (case and punctuation aside); the others change 1..9 words.
    for (let k = 0; k < c; k++) w[(k * 7 + 3) % w.length] = `edit${c}x${k}`;
    const output = c === 0 ? src.output.toUpperCase().replace(".", "!") : w.join(" ") + ".";
    copies.push({ instruction: c === 0 ? src.instruction.toLowerCase() : src.instruction, input: "", output });
  }
  const rows = [...base];
  copies.forEach((r, i) => rows.splice(5 + i * 3, 0, r));
  return rows;
}

test("near duplicates: verified pairs match a brute-force Jaccard, export, S-curve settings, keep policy", async () => {
  const { page, errors } = await fresh();
  const rows = dupRows();
  const expected = truePairs(rows);
  assert.ok(expected.length >= 6, `the data has near duplicates (${expected.length})`);
  await page.getByLabel("Import dataset").setInputFiles(file("dups.json", rows));
  await expectTestIds(page, { "rows-valid": rows.length });

  // Bad settings are refused by name, and the button waits for good ones.
  await page.getByLabel("Bands", { exact: true }).fill("20");
  await page.getByLabel("Bands", { exact: true }).blur();
  await page.getByLabel("Rows per band").fill("10");
  await page.getByLabel("Rows per band").blur();
  await page.getByText("must not exceed the permutations", { exact: false }).waitFor();
  assert.ok(await button(page, "Find duplicates").isDisabled());
  await button(page, "Defaults").click();
  assert.equal(await page.getByLabel("Shingle size (words)").inputValue(), "5");
  assert.equal(await page.getByTestId("near-dup-pairs").count(), 0);
  // The S-curve is drawn and described.
  const curve = page.getByRole("img", { name: /Candidate probability against Jaccard similarity/ });
  await curve.waitFor();

  await button(page, "Find duplicates").click();
  await expectTestIds(page, { "near-dup-pairs": expected.length, "exact-dup-rows": 1 });

  // The export: clusters with row ids and each pair's estimated and exact Jaccard.
  const [dl] = await Promise.all([page.waitForEvent("download", { timeout: WAIT }), button(page, "Export duplicates").click()]);
  const out = JSON.parse(fs.readFileSync(await dl.path(), "utf8"));
  const pairs = out.clusters.flatMap((c) => c.pairs);
  assert.equal(pairs.length, expected.length);
  for (const p of pairs) {
    const want = expected.find((e) => e.a === p.a && e.b === p.b);
    assert.ok(want, `pair ${p.a}-${p.b} is a true near duplicate`);
    assert.ok(Math.abs(p.jaccard - want.J) < 1e-9, `exact Jaccard of ${p.a}-${p.b}`);
    assert.ok(p.estimated_jaccard >= 0 && p.estimated_jaccard <= 1);
    assert.ok(Math.abs(p.estimated_jaccard - want.J) < 0.2, "the estimate is near the truth");
  }
  for (const c of out.clusters) for (const p of c.pairs) assert.ok(c.rows.includes(p.a) && c.rows.includes(p.b));

  // Clusters are shown side by side with the shared spans marked.
  await page.locator("li.dup-cluster mark").first().waitFor();

  // Keep policy "longest output": one row per cluster survives.
  const removed = out.clusters.reduce((n, c) => n + c.rows.length - 1, 0);
  await page.getByLabel("Keep in each group").selectOption("longest");
  await button(page, "Remove duplicates as a new version").click();
  await expectTestIds(page, { "rows-valid": rows.length - removed });
  await button(page, "Find duplicates").click();
  await expectTestIds(page, { "near-dup-pairs": 0 });
  assert.deepEqual(errors, []);
  await page.close();
});

test("split leakage: train rows duplicated in test are listed and removed from the training side", async () => {
  const { page, errors } = await fresh();
  const test = Array.from({ length: 12 }, (_, i) => ({ instruction: `Question ${i}?`, input: "", output: words(77 + i, 40).join(" ") + "." }));
  const train = Array.from({ length: 20 }, (_, i) => ({ instruction: `Task ${i}.`, input: "", output: words(500 + i, 40).join(" ") + "." }));
  train.splice(3, 0, { ...test[2] }); // exact
  train.splice(9, 0, { ...test[5], output: test[5].output.replace(/^\S+/, "changed") }); // near
  train.splice(15, 0, { ...test[7], instruction: test[7].instruction.toUpperCase() }); // exact after normalising
  await page.getByLabel("Import dataset").setInputFiles(file("train.json", train));
  await expectTestIds(page, { "rows-valid": train.length });
  const trainId = await testIdText(page, "dataset-version-id");
  await page.getByLabel("Import dataset").setInputFiles(file("test.json", test));
  await expectTestIds(page, { "rows-valid": test.length });
  const testId = await testIdText(page, "dataset-version-id");

  await page.getByLabel("Training split").selectOption(trainId);
  await page.getByLabel("Test split").selectOption(testId);
  await button(page, "Check leakage").click();
  await expectTestIds(page, { "leak-count": 3 });
  await button(page, "Remove leaked rows from the training split").click();
  await expectTestIds(page, { "rows-valid": train.length - 3 });
  assert.notEqual(await testIdText(page, "dataset-version-id"), trainId);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a long job runs in the worker: the page keeps drawing, Cancel stops it, and the next run works", async () => {
  const { page, errors } = await fresh();
  // Big enough that the job takes over a second in the worker, so Cancel lands while it runs.
  const rows = Array.from({ length: 40000 }, (_, i) => ({ instruction: `Item ${i}.`, input: "", output: words(i, 250).join(" ") + "." }));
  await page.getByLabel("Import dataset").setInputFiles(file("big.json", rows));
  await expectTestIds(page, { "rows-valid": rows.length }, 120_000);
  await page.waitForFunction(() => !document.querySelector(".busy"));
  await button(page, "Find duplicates").click();
  await page.locator(".busy").getByRole("button", { name: "Cancel" }).click();
  await page.getByText("Cancelled; nothing was changed.").first().waitFor();
  assert.equal(await page.getByTestId("near-dup-pairs").count(), 0);
  // The next run starts a fresh worker; frames keep coming while it works (the work is off the page's thread).
  await page.evaluate(() => {
    const g = (window.__gaps = { max: 0, last: performance.now(), frames: 0 });
    const tick = (t) => {
      g.max = Math.max(g.max, t - g.last);
      g.last = t;
      g.frames++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await button(page, "Find duplicates").click();
  await expectTestIds(page, { "near-dup-pairs": 0 }, 120_000);
  const gaps = await page.evaluate(() => window.__gaps);
  assert.ok(gaps.frames > 5, `frames were drawn during the job (${gaps.frames})`);
  const ms = await testIdText(page, "near-dup-ms");
  assert.match(ms, /^\d+ ms$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a worker that dies mid-job: the job says so, nothing is changed, and the next run starts a fresh worker", async () => {
  const { page, errors } = await fresh();
  // Keep a hand on the page's workers, to kill one as the browser would (a crash or out-of-memory ends a
  // worker and raises an `error` event on it).
  await page.evaluate(() => {
    const W = window.Worker;
    window.__workers = [];
    window.Worker = class extends W {
      constructor(...a) {
        super(...a);
        window.__workers.push(this);
      }
    };
  });
  const rows = Array.from({ length: 40000 }, (_, i) => ({ instruction: `Item ${i}.`, input: "", output: words(i, 250).join(" ") + "." }));
  await page.getByLabel("Import dataset").setInputFiles(file("big-for-a-dying-worker.json", rows));
  await expectTestIds(page, { "rows-valid": rows.length }, 120_000);
  await page.waitForFunction(() => !document.querySelector(".busy"));
  const id = await testIdText(page, "dataset-version-id");
  await button(page, "Find duplicates").click();
  await page.locator(".busy").waitFor();
  await page.waitForFunction(() => window.__workers.length > 0);
  await page.evaluate(() => {
    for (const w of window.__workers) {
      w.terminate();
      w.dispatchEvent(new ErrorEvent("error", { message: "the worker ran out of memory" }));
    }
  });
  await page.getByText("The background worker stopped with an error: the worker ran out of memory", { exact: false }).first().waitFor();
  await page.waitForFunction(() => !document.querySelector(".busy"));
  assert.equal(await page.getByTestId("near-dup-pairs").count(), 0);
  await expectTestIds(page, { "dataset-version-id": id, "rows-valid": rows.length });
  // Run again: a fresh worker does the job.
  await button(page, "Find duplicates").click();
  await expectTestIds(page, { "near-dup-pairs": 0 }, 120_000);
  assert.deepEqual(errors, []);
  await page.close();
});
