// A/B proxy benchmark (issue #16): train + evaluate the proxy model on 5,000 rows of ~1.5 KB with a 500-row
// evaluation set, in Chromium, with each tokenizer (GPT-2 baseline, cl100k_base and o200k_base arms), end to
// end through the page ("Run experiment" → the decision table); the worker's time per arm is read from the
// cost table. The peer, on the same rows in the same prompt format on the same machine in the same run:
// NLTK's KneserNeyInterpolated (order 3) on tiktoken's GPT-2 tokens (bench/ab_nltk.py; it scores a few rows
// and extrapolates, at ~70 tokens/s). Target: under 5 s per arm in Chromium. Figures for the README.
//
//   node bench/ab-bench.mjs [--lab-only]        DATALAB_ROWS (5000), DATALAB_CORPUS, DATALAB_DIST, PYTHON
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { serve } from "../lib/server.mjs";
import { launch } from "../lib/browser.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const CORPUS = process.env.DATALAB_CORPUS || path.resolve(ROOT, "../shared/corpus/prose-10mb.txt");
const ROWS = Number(process.env.DATALAB_ROWS || 5000);
const EVAL = 500;
const LAB_ONLY = process.argv.includes("--lab-only");
const PYTHON = process.env.PYTHON || "python3";

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(20261203);
const pick = (a) => a[Math.floor(rand() * a.length)];
const prose = fs.readFileSync(CORPUS, "utf8");
const sentences = prose
  .split("\n")
  .flatMap((l) => l.replace(/\s+/g, " ").trim().split(/(?<=[.!?])\s+/))
  .filter((s) => s.length > 20 && s.length < 400);
function doc(i, prefix) {
  const parts = [];
  let len = 0;
  while (len < 1400) {
    const s = pick(sentences);
    parts.push(s);
    len += s.length + 1;
  }
  return { instruction: `Continue ${prefix} passage ${i}.`, input: "", output: parts.join(" ") };
}
const train = Array.from({ length: ROWS }, (_, i) => doc(i, "the"));
const evalRows = Array.from({ length: EVAL }, (_, i) => doc(i, "this"));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datalab-abbench-"));
const trainFile = path.join(tmp, "train.json");
const evalFile = path.join(tmp, "eval.json");
fs.writeFileSync(trainFile, JSON.stringify(train));
fs.writeFileSync(evalFile, JSON.stringify(evalRows));
const kb = (JSON.stringify(train).length / ROWS / 1024).toFixed(2);
console.log(`data: ${ROWS} training rows (~${kb} KB each as JSON), ${EVAL} evaluation rows`);

async function importVersion(page, file) {
  const before = (await page.getByTestId("dataset-version-id").textContent()).trim();
  await page.getByLabel("Import dataset").setInputFiles(file);
  await page.waitForFunction(
    (b) => {
      const t = document.querySelector('[data-testid="dataset-version-id"]')?.textContent.trim();
      return t && t !== b && t !== "none";
    },
    before,
    { timeout: 300_000 },
  );
  await page.getByTestId("save-state").filter({ hasText: "All versions are saved" }).waitFor({ timeout: 300_000 });
  return (await page.getByTestId("dataset-version-id").textContent()).trim();
}

const server = await serve(DIST);
const browser = await launch();
let failed = false;
try {
  const page = await browser.context.newPage();
  await page.goto(server.url + "?lab=workspace");
  await page.getByLabel("Import dataset").waitFor();
  const trainId = await importVersion(page, trainFile);
  const evalId = await importVersion(page, evalFile);
  await page.goto(server.url + "?lab=ab");
  await page.getByLabel("Experiment spec").waitFor();
  const spec = {
    seed: 123,
    order: 3,
    eval: evalId,
    baseline: { dataset: trainId, tokenizer: "gpt2" },
    arms: [
      { name: "cl100k", tokenizer: "cl100k_base" },
      { name: "o200k", tokenizer: "o200k_base" },
    ],
  };
  for (let run = 1; run <= 2; run++) {
    await page.getByLabel("Experiment spec").fill(JSON.stringify(spec));
    await page.getByRole("button", { name: "Load experiment", exact: true }).click();
    const t0 = Date.now();
    await page.getByRole("button", { name: "Run experiment", exact: true }).click();
    await page.getByTestId("ab-log-count").filter({ hasText: `${run} entries` }).waitFor({ timeout: 900_000 });
    const wall = (Date.now() - t0) / 1000;
    const read = (id) => page.getByTestId(id).textContent().then((s) => s.trim());
    const rows = [];
    for (const name of ["baseline", "cl100k", "o200k"]) {
      rows.push({
        name,
        ms: Number.parseFloat(await read(`ab-millis-${name}`)),
        tokens: Number(await read(`ab-tokens-${name}`)),
        bpb: await read(name === "baseline" ? "ab-bpb-baseline" : `ab-bpb-${name}`),
        verdict: name === "baseline" ? "—" : await read(`ab-verdict-${name}`),
      });
    }
    console.log(`lab run ${run}: ${wall.toFixed(1)} s from click to table (3 arms, incl. loading rows and rank files)`);
    for (const r of rows)
      console.log(
        `  ${r.name.padEnd(9)} worker ${(r.ms / 1000).toFixed(2)} s, ${r.tokens} training tokens, ${r.bpb} bits/byte, ${r.verdict}`,
      );
  }
  await page.close();
} catch (e) {
  console.error(e);
  failed = true;
} finally {
  await browser.close();
  await server.close();
}

if (!LAB_ONLY) {
  const py = spawnSync(PYTHON, [path.join(HERE, "ab_nltk.py"), trainFile, evalFile, "--score-rows", "5"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (py.status !== 0) console.log(`NLTK peer failed (${PYTHON}; needs nltk and tiktoken)`);
  else {
    const r = JSON.parse(py.stdout);
    const total = r.train_s + r.score_all_s_extrapolated;
    console.log(
      `NLTK KneserNeyInterpolated(3), GPT-2 tokens: fit ${r.train_s.toFixed(1)} s on ${r.train_tokens} tokens; ` +
        `scoring ${r.scored_tokens} tokens took ${r.score_s.toFixed(1)} s → all ${r.eval_tokens} evaluation tokens ≈ ` +
        `${r.score_all_s_extrapolated.toFixed(0)} s; train + evaluate ≈ ${total.toFixed(0)} s (tokenizing ${r.tokenize_s.toFixed(1)} s not counted)`,
    );
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
