// End-to-end tests of the IMDb lab (?lab=imdb) in Debian's Chromium, on synthetic archives laid out like
// aclImdb_v1.tar.gz (tests/e2e/lib/imdb-archive.mjs). The expected SHA-256s and accuracies were computed by
// the course's reference script and scikit-learn on the same archive (tests/fixtures/imdb/e2e_expected.json,
// made by scripts/fixtures/imdb_fixtures.py): the lab's files must be byte-identical to the script's.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { serve } from "./lib/server.mjs";
import { launch } from "./lib/browser.mjs";
import { openPage, expectTestIds, testIdText } from "./lib/page.mjs";
import { buildImdbArchive, tarHeader } from "./lib/imdb-archive.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const EXPECTED = JSON.parse(fs.readFileSync(path.join(ROOT, "tests/fixtures/imdb/e2e_expected.json"), "utf8"));
const WAIT = 60_000;

let server, browser, tmp, archivePath;

const sha256 = (buf) => crypto.createHash("sha256").update(buf).digest("hex");

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, "index.html")), `no build in ${DIST}: run trunk build --release`);
  server = await serve(DIST);
  browser = await launch();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datalab-imdb-"));
  const archive = buildImdbArchive(EXPECTED.archive.options);
  // The generator must still make the archive the fixtures were computed from.
  assert.equal(sha256(archive), EXPECTED.archive.sha256, "tests/e2e/lib/imdb-archive.mjs changed its output");
  archivePath = path.join(tmp, "aclImdb_v1.tar.gz");
  fs.writeFileSync(archivePath, archive);
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** A fresh IMDb page with no run history. */
async function fresh() {
  const { page, errors } = await openPage(browser, server, "?lab=imdb", "IMDb archive");
  await page.evaluate(() => localStorage.removeItem("datalab.imdb.runs"));
  await page.reload();
  await page.getByLabel("IMDb archive").waitFor();
  return { page, errors };
}

const button = (page, name) => page.getByRole("button", { name, exact: true });

async function setNumber(page, label, value) {
  const input = page.getByLabel(label, { exact: true });
  await input.fill(String(value));
  await input.press("Tab");
}

/** Clicks a download button and returns the bytes and the suggested name. */
async function download(page, name) {
  const [dl] = await Promise.all([page.waitForEvent("download", { timeout: WAIT }), button(page, name).click()]);
  return { name: dl.suggestedFilename(), bytes: fs.readFileSync(await dl.path()) };
}

function expectedHashes(which) {
  const f = EXPECTED[which].files;
  return {
    "sha256-train": f["train.csv"].sha256,
    "sha256-validation": f["validation.csv"].sha256,
    "sha256-test": f["test.csv"].sha256,
  };
}

test("splits are byte-identical to the reference script's, downloads match, baselines match scikit-learn, reruns are compared", async () => {
  const { page, errors } = await fresh();
  const [t, v, e] = EXPECTED.small.sizes;
  await setNumber(page, "Train size", t);
  await setNumber(page, "Validation size", v);
  await setNumber(page, "Test size", e);
  await page.getByLabel("IMDb archive").setInputFiles(archivePath);
  await expectTestIds(page, expectedHashes("small"), WAIT);
  await expectTestIds(page, { "sha256-archive": EXPECTED.archive.sha256 });

  // The downloads are the files that were hashed, and are the script's bytes.
  for (const split of ["train", "validation", "test"]) {
    const { name, bytes } = await download(page, `Download ${split}.csv`);
    assert.equal(name, `${split}.csv`);
    assert.equal(sha256(bytes), EXPECTED.small.files[`${split}.csv`].sha256, `${split}.csv`);
    assert.equal(bytes.length, EXPECTED.small.files[`${split}.csv`].bytes);
    assert.ok(bytes.toString("utf8").startsWith("text,label\n"));
  }

  // The baselines train by themselves once the splits are ready; same numbers as scikit-learn.
  const sk = EXPECTED.sklearn_small;
  const pct = (x) => (x * 100).toFixed(2);
  await expectTestIds(page, {
    "logreg-test-accuracy": pct(sk.accuracy.test),
    "logreg-validation-accuracy": pct(sk.accuracy.validation),
    "logreg-train-accuracy": pct(sk.accuracy.train),
    "majority-test-accuracy": pct(sk.dummy_accuracy.test),
  }, WAIT);
  const table = await page.getByTestId("baseline-table").textContent();
  assert.match(table, /as reported/);
  assert.match(table, /88\.85 %/, "the book's logistic regression figure");
  assert.match(table, /ModernBERT large/);
  assert.match(await testIdText(page, "rerun-verdict"), /first recorded/);

  // A rerun with the same settings reproduces: same hashes, same accuracies.
  await button(page, "Prepare splits").click();
  await page.waitForFunction(() => /reproduces run #1: identical archive, settings, split hashes and accuracies/.test(
    document.querySelector('[data-testid="rerun-verdict"]')?.textContent || ""), null, { timeout: WAIT });
  await expectTestIds(page, expectedHashes("small"));

  // Another seed: new files, and the record says exactly what changed.
  await setNumber(page, "Seed", 124);
  await page.waitForFunction(() => /differs from run #2/.test(
    document.querySelector('[data-testid="rerun-verdict"]')?.textContent || ""), null, { timeout: WAIT });
  const changes = await page.getByTestId("rerun-changes").textContent();
  assert.match(changes, /seed.*123.*124/s);
  assert.match(changes, /train\.csv SHA-256/);
  assert.doesNotMatch(changes, /archive SHA-256/, "same archive");
  assert.notEqual(await testIdText(page, "sha256-train"), EXPECTED.small.files["train.csv"].sha256);
  assert.equal(await page.getByTestId("run-history").locator("tbody tr").count(), 3);

  // The history survives a reload.
  await page.reload();
  await page.getByLabel("IMDb archive").waitFor();
  assert.equal(await page.getByTestId("run-history").locator("tbody tr").count(), 3);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the script's default sizes on a small archive put everything in train, as the script does", async () => {
  const { page, errors } = await fresh();
  await page.getByLabel("IMDb archive").setInputFiles(archivePath);
  await expectTestIds(page, expectedHashes("default"), WAIT);
  await page.getByText(/here nothing/).waitFor();
  // Nothing to score on: the empty splits show a dash, not a number.
  await expectTestIds(page, { "logreg-test-accuracy": "—" }, WAIT);
  // Fitting the sizes to the archive gives the 70/10/20 split.
  await button(page, "Fit sizes to the archive (70/10/20 %)").click();
  await expectTestIds(page, expectedHashes("small"), WAIT);
  assert.equal(await page.getByLabel("Train size", { exact: true }).inputValue(), "140");
  assert.deepEqual(errors, []);
  await page.close();
});

/** A tar archive of the given entries (text or bytes; gzip'd unless `raw`). */
function tarGz(entries, raw = false) {
  const parts = [];
  for (const [name, text] of entries) {
    const data = Buffer.isBuffer(text) ? text : Buffer.from(text, "utf8");
    parts.push(tarHeader(name, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  const tar = Buffer.concat(parts);
  return raw ? tar : zlib.gzipSync(tar);
}

test("wrong files get a clear message and nothing is kept from them", async () => {
  // The baselines lab is the same page.
  const alias = await openPage(browser, server, "?lab=baselines", "IMDb archive");
  await alias.page.getByRole("heading", { name: "3 · Baselines" }).waitFor();
  await alias.page.close();
  const { page, errors } = await fresh();
  const cases = [
    ["notes.txt", Buffer.from("just some notes, not an archive\n"), /not gzip-compressed.*plain text/],
    ["reviews.tar", tarGz([["aclImdb/test/pos/0_9.txt", "good"]], true), /not gzip-compressed.*uncompressed tar/],
    ["data.json.gz", zlib.gzipSync(Buffer.from('{"a": 1}'.repeat(200))), /not a tar archive/],
    ["photos.tar.gz", tarGz([["photos/cat.jpg", "meow"], ["photos/dog.jpg", "woof"]]), /No reviews found.*photos\/cat\.jpg/],
    ["half.tar.gz", tarGz([["aclImdb/test/pos/0_9.txt", "good"], ["aclImdb/train/pos/0_9.txt", "fine"]]), /no reviews in test\/neg, train\/neg/],
    ["cut.tar.gz", fs.readFileSync(archivePath).subarray(0, 30_000), /incomplete/],
    ["latin1.tar.gz", tarGz([
      ["aclImdb/test/pos/0_9.txt", "ok"], ["aclImdb/test/neg/0_1.txt", "ok"], ["aclImdb/train/pos/0_9.txt", "ok"],
      ["aclImdb/train/neg/7_2.txt", Buffer.from([0x63, 0x61, 0x66, 0xe9])], // "café" in Latin-1
    ]), /aclImdb\/train\/neg\/7_2\.txt is not valid UTF-8 \(byte 3\)/],
  ];
  for (const [name, bytes, message] of cases) {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, bytes);
    await page.getByLabel("IMDb archive").setInputFiles(p);
    await page.waitForFunction((src) => new RegExp(src, "s").test(
      document.querySelector('[data-testid="imdb-error"]')?.textContent || ""), message.source, { timeout: WAIT })
      .catch(async () => assert.fail(`${name}: shown ${await testIdText(page, "imdb-error")}`));
    assert.equal(await page.getByTestId("sha256-train").count(), 0, `${name}: no splits shown`);
  }
  // A good archive after the bad ones works.
  await page.getByLabel("IMDb archive").setInputFiles(archivePath);
  await expectTestIds(page, expectedHashes("default"), WAIT);
  assert.equal(await page.getByTestId("imdb-error").count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("preparing and training show progress and can be cancelled; the splits stay", async () => {
  const { page, errors } = await fresh();
  // 20,000 reviews: long enough to cancel in the middle.
  const big = path.join(tmp, "big.tar.gz");
  fs.writeFileSync(big, buildImdbArchive({ perFolder: 5000, seed: 7, textWords: [150, 400] }));
  await page.getByLabel("Fit the baselines as soon as the splits are ready").uncheck();
  await setNumber(page, "Train size", 14000);
  await setNumber(page, "Validation size", 2000);
  await setNumber(page, "Test size", 4000);
  await page.getByLabel("IMDb archive").setInputFiles(big);
  await page.getByRole("progressbar", { name: "Preparing the splits" }).waitFor({ timeout: WAIT });
  await button(page, "Cancel").click();
  await page.waitForFunction(() => /Cancelled/.test(document.querySelector('[data-testid="imdb-error"]')?.textContent || ""), null, { timeout: WAIT });
  assert.equal(await page.getByTestId("sha256-train").count(), 0);

  await button(page, "Prepare splits").click();
  await page.getByText(/Unpacking: .* MB read · \d+ reviews found|Shuffling/).first().waitFor({ timeout: WAIT }).catch(() => {});
  await page.waitForFunction(() => /^[0-9a-f]{64}$/.test(document.querySelector('[data-testid="sha256-test"]')?.textContent.trim() || ""), null, { timeout: WAIT });
  const hashes = await Promise.all(["train", "validation", "test"].map((s) => testIdText(page, `sha256-${s}`)));

  await button(page, "Train baselines").click();
  await page.getByRole("progressbar", { name: "Training the baselines" }).waitFor({ timeout: WAIT });
  await button(page, "Cancel").click();
  await page.waitForFunction(() => /Cancelled/.test(document.querySelector('[data-testid="train-error"]')?.textContent || ""), null, { timeout: WAIT });
  assert.equal(await page.getByRole("progressbar", { name: "Training the baselines" }).count(), 0);
  assert.equal(await testIdText(page, "logreg-test-accuracy"), "(missing)");
  // The splits are still there to train on.
  assert.deepEqual(await Promise.all(["train", "validation", "test"].map((s) => testIdText(page, `sha256-${s}`))), hashes);
  await button(page, "Train baselines").click();
  await page.waitForFunction(() => /^\d{2,3}\.\d{2}$/.test(document.querySelector('[data-testid="logreg-test-accuracy"]')?.textContent.trim() || ""), null, { timeout: 120_000 });
  const acc = Number(await testIdText(page, "logreg-test-accuracy"));
  assert.ok(acc > 70 && acc < 100, `a learnable signal: ${acc}`);
  assert.deepEqual(errors, []);
  await page.close();
});
