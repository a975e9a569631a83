// IMDb benchmark: a full-size synthetic aclImdb_v1.tar.gz (50,000 labelled + 50,000 unsup reviews, made by
// make-imdb-archive.mjs) through the real page in Chromium — file picked to the three SHA-256s shown — with
// the browser's peak memory (resident size of all its processes, sampled every 50 ms, minus what it used
// before), the longest gap between animation frames, and a check that the hashes equal the reference
// script's on the same archive (tests/fixtures/imdb/bench_sklearn.json); then the baselines on the 35,000
// training reviews, timed beside scikit-learn's fit on the same file on this machine.
//
// DATALAB_IMDB_ARCHIVE=path uses another archive; DATALAB_IMDB_RUNS=n repeats the preparation (default 3).
import fs from "node:fs";
import path from "node:path";
import { execFileSync, execSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { serve } from "../lib/server.mjs";
import { launch } from "../lib/browser.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const ARCHIVE = process.env.DATALAB_IMDB_ARCHIVE || "/tmp/aclImdb_synth.tar.gz";
const RUNS = Number(process.env.DATALAB_IMDB_RUNS || 3);
const REF = JSON.parse(fs.readFileSync(path.join(ROOT, "tests/fixtures/imdb/bench_sklearn.json"), "utf8"));

if (!fs.existsSync(ARCHIVE)) {
  console.log(`making ${ARCHIVE} (about a minute)`);
  execFileSync("node", [path.join(HERE, "make-imdb-archive.mjs"), ARCHIVE], { stdio: "inherit" });
}
const archiveMB = fs.statSync(ARCHIVE).size / 1e6;

/** Resident memory of every Chromium process, in MB. */
function chromiumRssMB() {
  const out = execSync("ps -eo rss=,comm=", { encoding: "utf8" });
  let kb = 0;
  for (const line of out.split("\n")) {
    const m = line.trim().match(/^(\d+)\s+(.*)$/);
    if (m && /chrom/i.test(m[2])) kb += Number(m[1]);
  }
  return kb / 1024;
}

const server = await serve(DIST);
const { context, close } = await launch();
const results = [];
let page;
for (let run = 0; run < RUNS; run++) {
  page = await context.newPage();
  await page.goto(server.url + "?lab=imdb");
  await page.getByLabel("IMDb archive").waitFor();
  await page.evaluate(() => localStorage.removeItem("datalab.imdb.runs"));
  await page.getByLabel("Fit the baselines as soon as the splits are ready").uncheck();
  await page.evaluate(() => {
    const g = (window.__gaps = { max: 0, last: performance.now() });
    const tick = (t) => {
      g.max = Math.max(g.max, t - g.last);
      g.last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const before = chromiumRssMB();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, chromiumRssMB())), 50);
  const t0 = Date.now();
  await page.getByLabel("IMDb archive").setInputFiles(ARCHIVE);
  await page.waitForFunction(() => /^[0-9a-f]{64}$/.test(document.querySelector('[data-testid="sha256-test"]')?.textContent.trim() || ""), null, { timeout: 300_000 });
  const seconds = (Date.now() - t0) / 1000;
  clearInterval(sampler);
  const gap = await page.evaluate(() => window.__gaps.max);
  const hashes = {};
  for (const s of ["train", "validation", "test"]) hashes[s] = (await page.getByTestId(`sha256-${s}`).textContent()).trim();
  const same = ["train", "validation", "test"].every((s) => hashes[s] === REF.reference_script.files[`${s}.csv`].sha256);
  results.push({ seconds, peak: peak - before, gap, same });
  console.log(`prepare run ${run + 1}: ${seconds.toFixed(2)} s for ${archiveMB.toFixed(1)} MB, peak +${(peak - before).toFixed(0)} MB, longest frame gap ${gap.toFixed(0)} ms, hashes ${same ? "equal the reference script's" : "DIFFER from the reference script's"}`);
  if (run < RUNS - 1) await page.close();
}

// Baselines on the last page's splits.
const t0 = Date.now();
await page.getByRole("button", { name: "Train baselines", exact: true }).click();
await page.waitForFunction(() => /^\d+\.\d\d$/.test(document.querySelector('[data-testid="logreg-test-accuracy"]')?.textContent.trim() || ""), null, { timeout: 1_800_000 });
const trainSeconds = (Date.now() - t0) / 1000;
const detail = await page.locator("section[aria-labelledby=baselines-h] p.hint").last().textContent();
const fit = Number(detail.match(/fitting ([\d.]+) s/)[1]);
const count = Number(detail.match(/Counting words ([\d.]+) s/)[1]);
const iters = detail.match(/Fit: (\d+) iterations/)[1];
const acc = await page.getByTestId("logreg-test-accuracy").textContent();
const sk = REF.baseline;
const skFit = sk.seconds.logistic_regression_fit_median ?? sk.seconds.logistic_regression_fit;
console.log(`baselines: click → accuracy ${trainSeconds.toFixed(1)} s (reading the CSVs, counting words ${count.toFixed(2)} s, fitting ${fit.toFixed(2)} s, ${iters} iterations); test accuracy ${acc.trim()} %`);
console.log(`scikit-learn on this machine: CountVectorizer ${sk.seconds.count_vectorizer_fit_transform} s, LogisticRegression fit ${skFit} s (${sk.n_iter} iterations), test accuracy ${(sk.accuracy.test * 100).toFixed(2)} %`);

const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`\nprepare (median of ${RUNS}): ${med(results.map((r) => r.seconds)).toFixed(2)} s, peak memory +${med(results.map((r) => r.peak)).toFixed(0)} MB (max ${Math.max(...results.map((r) => r.peak)).toFixed(0)}), hashes ${results.every((r) => r.same) ? "equal" : "DIFFER"}`);
await close();
await server.close();
if (!results.every((r) => r.same)) process.exit(1);
