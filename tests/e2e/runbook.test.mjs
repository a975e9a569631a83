// End-to-end test of the runbook (?lab=runbook) in Debian's Chromium: a dataset worked through the labs
// (quality gates and dedup, an A/B run, the tokenizer recorded, an audit, marked examples), slide 24's
// gates read from those records, a refused release and a refused waiver, the release, the portfolio pack
// opened by the tools its readers use (sha256sum, Hugging Face datasets, mlcroissant, pandas, and the
// generated pipeline.py with OpenAI's tiktoken), the spec replayed in a fresh browser profile, and the bad
// inputs: a missing input file, a tampered pack, a candidate with quarantined rows.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { serve } from "./lib/server.mjs";
import { mulberry32 } from "./lib/rng.mjs";
import { launch, watchErrors } from "./lib/browser.mjs";
import { expectTestIds, testIdText } from "./lib/page.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const PYTHON = path.join(ROOT, ".tools/venv/bin/python");
const WAIT = 180_000;

let server, browser, tmp;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, "index.html")), `no build in ${DIST}: run trunk build --release`);
  assert.ok(fs.existsSync(PYTHON), "no .tools/venv: run scripts/setup.sh --browser (it installs the portfolio's Python consumers)");
  server = await serve(DIST);
  browser = await launch();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datalab-runbook-"));
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const rng = mulberry32;
const WORDS = ["cluster", "node", "pod", "restart", "drain", "ticket", "engineer", "service", "latency", "quota",
  "budget", "release", "window", "probe", "config", "secret", "volume", "replica", "rollout", "alert", "pager",
  "queue", "backlog", "storage", "network", "policy", "label", "metric", "dashboard", "upgrade"];
function rows(n, seed) {
  const r = rng(seed);
  const sentence = (k) => Array.from({ length: k }, () => WORDS[Math.floor(r() * WORDS.length)]).join(" ");
  return Array.from({ length: n }, (_, i) => ({
    instruction: `Explain ${sentence(6)} (case ${i}).`,
    input: i % 3 === 0 ? `Context: ${sentence(5)}.` : "",
    output: `${sentence(14)}. ${sentence(12)}.`,
  }));
}

function file(name, text) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

const button = (page, name) => page.getByRole("button", { name, exact: true });

async function clearStorage(page) {
  await page.evaluate(() => {
    localStorage.clear();
    return Promise.all(
      ["datalab-workspace", "datalab-experiments"].map(
        (db) =>
          new Promise((res) => {
            const r = indexedDB.deleteDatabase(db);
            r.onsuccess = r.onerror = r.onblocked = () => res();
          }),
      ),
    );
  });
}

async function saved(page) {
  await page.getByTestId("save-state").filter({ hasText: "All versions are saved" }).waitFor({ timeout: WAIT });
}

/** Imports `data` on the page and waits for the new version; returns its id. */
async function importVersion(page, name, data) {
  const before = await testIdText(page, "dataset-version-id");
  await page.getByLabel("Import dataset").setInputFiles(file(name, JSON.stringify(data)));
  await page.waitForFunction(
    (b) => {
      const t = document.querySelector('[data-testid="dataset-version-id"]')?.textContent.trim();
      return t && t !== b && t !== "none";
    },
    before,
    { timeout: WAIT },
  );
  await saved(page);
  return testIdText(page, "dataset-version-id");
}

/** Waits until gate `n` shows `state` first, and returns its text. */
async function gate(page, n, state) {
  const g = page.getByTestId(`gate-${n}`);
  try {
    await page.waitForFunction(
      ([n, s]) => document.querySelector(`[data-testid="gate-${n}"]`)?.textContent.trim().startsWith(s),
      [n, state],
      { timeout: WAIT },
    );
  } catch {
    assert.fail(`gate ${n} never showed "${state}": ${await g.textContent().catch(() => "(missing)")}`);
  }
  return (await g.textContent()).trim();
}

async function download(page, name) {
  const [dl] = await Promise.all([page.waitForEvent("download", { timeout: WAIT }), button(page, name).click()]);
  const p = path.join(tmp, dl.suggestedFilename());
  await dl.saveAs(p);
  return p;
}

const handbook = [...rows(60, 1)];
handbook.push(handbook[3], handbook[7], handbook[11]); // exact duplicates for the dedup

test("runbook: gates from the records, refused and accepted release, portfolio opened by real tools, replay", async () => {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);

  // 1. Quality lab: import, gates, dedup, gates on the deduplicated version; an evaluation set apart.
  await page.goto(server.url + "?lab=quality");
  await page.getByLabel("Import dataset").waitFor();
  await clearStorage(page);
  await page.reload();
  await page.getByLabel("Import dataset").waitFor();
  const A = await importVersion(page, "handbook.json", handbook);
  await button(page, "Run gates").click();
  await page.getByTestId("gate-pass-rate").waitFor({ timeout: WAIT });
  await button(page, "Find duplicates").click();
  await page.getByTestId("exact-dup-rows").waitFor({ timeout: WAIT });
  await button(page, "Remove duplicates as a new version").click();
  await page.waitForFunction((a) => {
    const t = document.querySelector('[data-testid="dataset-version-id"]')?.textContent.trim();
    return t && t !== a;
  }, A, { timeout: WAIT });
  const B = await testIdText(page, "dataset-version-id");
  const kept = Number(await testIdText(page, "rows-valid"));
  assert.ok(kept <= 60 && kept >= 40, `dedup kept ${kept} rows`);
  await button(page, "Run gates").click();
  await page.getByTestId("gate-pass-rate").waitFor({ timeout: WAIT });
  await saved(page);
  const E = await importVersion(page, "eval.json", rows(40, 3));

  // 2. A/B lab: the deduplicated version against the import, on the evaluation set.
  await page.goto(server.url + "?lab=ab");
  await page.getByLabel("Experiment spec").waitFor();
  await page.getByLabel("Experiment spec").fill(JSON.stringify({
    seed: 7, order: 3, eval: E,
    baseline: { dataset: A, tokenizer: "gpt2" },
    arms: [{ name: "dedup", dataset: B }],
    rule: { min_gain: 0.01, max_cost_growth: 1000 },
  }));
  await button(page, "Load experiment").click();
  await button(page, "Run experiment").click();
  await page.getByTestId("ab-verdict-dedup").waitFor({ timeout: WAIT });

  // 3. Runbook: the gates read all of that without revisiting a lab.
  await page.goto(server.url + "?lab=runbook");
  const select = page.getByLabel("Release candidate");
  await select.waitFor();
  await select.selectOption(B);
  assert.match(await gate(page, 1, "pass"), /0 quarantined rows/);
  assert.match(await gate(page, 3, "pass"), new RegExp(`dedup at ${B}`));
  assert.match(await gate(page, 5, "pass"), /A\/B log entry #1/);
  assert.match(await gate(page, 7, "pass"), new RegExp(`compares ${B} with ${A}`));
  assert.match(await gate(page, 9, "pass"), /PII & secrets and safety words flag no row/);
  assert.match(await gate(page, 10, "pass"), new RegExp(`roll back to ${A}`));
  await gate(page, 6, "pass");
  await gate(page, 8, "pass");
  assert.match(await gate(page, 2, "fail"), /no sample audit/);
  assert.match(await gate(page, 4, "fail"), /no tokenizer is recorded/);
  assert.match(await gate(page, 11, "fail"), /0 rows marked/);

  // A release with failing gates is refused, and nothing is tagged.
  await button(page, "Release").click();
  await page.getByRole("alert").filter({ hasText: "Not released: 3 gate(s) fail" }).waitFor();
  assert.match(await testIdText(page, "release-state"), /^Not released: 3 gate\(s\) fail/);
  // A waiver without a reason is refused; the gate still fails.
  await page.getByTestId("gate-2").getByText("Waive this gate…").click();
  await button(page, "Waive gate 2").click();
  await page.getByRole("alert").filter({ hasText: "A waiver needs a written reason" }).waitFor();
  await gate(page, 2, "fail");

  // The tokenizer on the dataset: a version of the same rows, and the new candidate.
  await button(page, "Record tokenizer").click();
  const g4 = await gate(page, 4, "pass");
  assert.match(g4, /gpt2 recorded on ds-[0-9a-f]{16}, \d+ tokens/);
  const T = await select.inputValue();
  assert.notEqual(T, B);
  assert.match(await gate(page, 3, "pass"), new RegExp(`dedup at ${B}`), "a tokenizer step adds no row");

  // Teaching examples.
  for (const i of [0, 4, 9]) await page.getByLabel(`Teaching example: row #${i}`).check();
  await expectTestIds(page, { "examples-count": "3 rows marked" });
  assert.match(await gate(page, 11, "pass"), new RegExp(`3 rows marked on ${T}: #0, #4, #9`));
  await saved(page);

  // The sample audit, in the workspace lab (the candidate is the current version there).
  await page.goto(server.url + "?lab=workspace");
  await page.getByLabel("Import dataset").waitFor();
  await expectTestIds(page, { "dataset-version-id": T }, WAIT);
  await page.getByLabel("Sample size").fill("5");
  await page.getByRole("button", { name: "Start audit" }).click();
  await page.getByTestId("audit-score").getByText("Reviewed 0 of 5").waitFor();
  await page.getByRole("button", { name: "Good (G)" }).focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press("g");
  await page.getByTestId("audit-score").getByText("Reviewed 5 of 5").waitFor();
  await saved(page);

  // Back in the runbook (after a reload): every gate passes; release.
  await page.goto(server.url + "?lab=runbook");
  await select.waitFor();
  await page.waitForFunction((t) => document.querySelector("#rb-candidate")?.value === t, T, { timeout: WAIT });
  for (let n = 1; n <= 11; n++) await gate(page, n, "pass");
  assert.match(await testIdText(page, "gate-2"), /5 sampled rows reviewed \(seed \d+\), 100 % judged good/);
  await page.getByLabel("Changelog note (what changed and why)").fill("Duplicates removed; tokenizer recorded.");
  await button(page, "Release").click();
  await page.getByTestId("release-state").filter({ hasText: "Released as v1.0.0" }).waitFor({ timeout: WAIT });
  assert.match(await testIdText(page, "release-state"), /since|first release/);
  // The released candidate's gates, for the README (artifacts/ is not committed).
  fs.mkdirSync(path.join(ROOT, "artifacts"), { recursive: true });
  await page.evaluate(() => document.querySelectorAll(".current-bar").forEach((e) => (e.style.position = "static")));
  await page.locator("section[aria-labelledby='rb-gates-h']").screenshot({ path: path.join(ROOT, "artifacts/runbook-gates.png") });

  // The runbook's points, live.
  assert.match(await testIdText(page, "runbook-APP-A"), /^APP-A · Quality gates and deduplication.*pass — gates ran on the candidate.*pass — duplicates removed/s);
  assert.match(await testIdText(page, "runbook-LAB-04"), /pass — an A\/B decision exists/);
  assert.match(await testIdText(page, "runbook-LAB-01"), /not yet — a generated version exists/);
  assert.match(await testIdText(page, "runbook-LAB-03"), /pass — the tokenizer version is recorded on the dataset: gpt2/);

  // 4. The portfolio, opened by the tools its readers use.
  await page.getByLabel("Dataset name").fill("Ops handbook");
  await page.getByLabel("Licence").selectOption("cc-by-4.0");
  const pack = await download(page, "Export portfolio");
  const inputs = path.join(tmp, "inputs");
  fs.mkdirSync(inputs, { recursive: true });
  fs.copyFileSync(path.join(tmp, "handbook.json"), path.join(inputs, "handbook.json"));
  const report = JSON.parse(
    execFileSync(PYTHON, [path.join(ROOT, "scripts/check-portfolio.py"), pack, "--inputs", inputs, "--ranks", path.join(DIST, "ranks")], {
      encoding: "utf8",
      maxBuffer: 1 << 26,
    }),
  );
  assert.equal(report.sha256sum, report.files.length - 1, "sha256sum -c checks every file but SHA256SUMS");
  for (const f of ["README.md", "croissant.json", "datasheet.md", "data/train.jsonl", "data/train.json", "quality_report.html",
    "tokenizer/CHANGELOG.md", "tokenizer/dataset-tokenizer.json", "ab/decisions.md", "ab/log.jsonl", "drills/scoreboard.md", "imdb/runs.json",
    "pipeline/pipeline.json", "pipeline/pipeline.py", "release.json"]) {
    assert.ok(report.files.includes(f), `${f} is in the pack`);
  }
  assert.equal(report.card.license, "cc-by-4.0");
  assert.deepEqual(report.card.annotations_creators, ["found"]);
  assert.equal(report.card.num_examples, kept);
  assert.equal(report.datasets_json.rows, kept);
  assert.deepEqual(report.datasets_json.columns, ["instruction", "input", "output"]);
  assert.deepEqual(report.datasets_card, { train: kept });
  assert.equal(report.croissant.records, kept);
  assert.deepEqual(report.croissant_warnings, []);
  assert.deepEqual(report.croissant.first, report.datasets_json.first);
  assert.equal(report.pandas.rows, kept);
  assert.equal(report.pipeline.exit, 0, report.pipeline.output);
  for (const id of [A, B, T]) assert.match(report.pipeline.output, new RegExp(`${id} .* ok`));
  assert.match(report.pipeline.output, /tokens: tiktoken counts \d+ with gpt2 = the lab's count/);
  assert.match(report.pipeline.output, new RegExp(`identical at every step: ${T}`));

  // The pack checked in the lab; the spec exported.
  await page.getByLabel("Portfolio zip to check").setInputFiles(pack);
  await button(page, "Check the pack").click();
  assert.match(await (await page.getByTestId("pack-check")).textContent(), /all \d+ files match SHA256SUMS/);
  const spec = await download(page, "Export pipeline spec");

  // Bad input: a candidate with quarantined rows fails gate 1, by name.
  await page.goto(server.url + "?lab=workspace");
  await page.getByLabel("Import dataset").waitFor();
  const Q = await importVersion(page, "broken.json", [...rows(5, 9), { instruction: "no output here" }]);
  // The released version is tagged in the lineage and offers no Delete, though it is a leaf and not current.
  await page.locator("li.lineage-item", { hasText: T }).locator(".released-badge", { hasText: "v1.0.0" }).waitFor({ timeout: WAIT });
  assert.equal(await page.getByRole("button", { name: `Delete ${T}` }).count(), 0);
  await page.goto(server.url + "?lab=runbook");
  await select.waitFor();
  await page.waitForFunction((q) => document.querySelector("#rb-candidate")?.value === q, Q, { timeout: WAIT });
  assert.match(await gate(page, 1, "fail"), new RegExp(`${Q} has 1 quarantined rows`));
  await page.getByTestId("rb-quarantined").waitFor();
  assert.deepEqual(errors, []);
  await page.close();

  // 5. Replay in a fresh browser profile: nothing of the workspace is there.
  const fresh = await launch();
  try {
    const p2 = await fresh.context.newPage();
    const errors2 = watchErrors(p2);
    await p2.goto(server.url + "?lab=runbook");
    await p2.getByLabel("Pipeline spec (pipeline.json or a portfolio zip)").waitFor();
    await p2.getByLabel("Pipeline spec (pipeline.json or a portfolio zip)").setInputFiles(spec);
    await p2.getByLabel("Raw input files").setInputFiles(path.join(inputs, "handbook.json"));
    await button(p2, "Replay").click();
    await p2.getByTestId("replay-verdict").filter({ hasText: "identical at every step (3 steps)" }).waitFor({ timeout: WAIT });
    // Without the raw file: the first step names it.
    await p2.getByLabel("Raw input files").setInputFiles([]);
    await button(p2, "Replay").click();
    await p2.getByTestId("replay-verdict").filter({ hasText: "step 1 (import" }).waitFor({ timeout: WAIT });
    assert.match(await testIdText(p2, "replay-verdict"), /the input file handbook\.json is missing/);
    // A pack whose data was changed after export is named and not used.
    // (rewritten by Python's zipfile, so the zip itself is sound: only the data differs from SHA256SUMS)
    const tampered = path.join(tmp, "tampered.zip");
    execFileSync(PYTHON, ["-c", [
      "import sys, zipfile",
      "src, dst = sys.argv[1], sys.argv[2]",
      "with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, 'w') as b:",
      "    for i in a.infolist():",
      "        data = a.read(i.filename)",
      "        if i.filename == 'data/train.jsonl':",
      "            data = data.replace(b'Explain', b'Explian', 1)",
      "        b.writestr(i.filename, data)",
    ].join("\n"), pack, tampered]);
    await p2.getByLabel("Pipeline spec (pipeline.json or a portfolio zip)").setInputFiles(tampered);
    await p2.getByLabel("Raw input files").setInputFiles(path.join(inputs, "handbook.json"));
    await button(p2, "Replay").click();
    await p2.getByTestId("replay-verdict").filter({ hasText: "was changed after the pack was made" }).waitFor({ timeout: WAIT });
    // The good pack replays too (its spec is inside).
    await p2.getByLabel("Pipeline spec (pipeline.json or a portfolio zip)").setInputFiles(pack);
    await button(p2, "Replay").click();
    await p2.getByTestId("replay-verdict").filter({ hasText: "identical at every step (3 steps)" }).waitFor({ timeout: WAIT });
    assert.deepEqual(errors2, []);
  } finally {
    await fresh.close();
  }
});
