// Opens a lab that something else serves (scripts/serve.sh on a fresh machine, say) in Debian's Chromium
// and checks that it really works, not just that a page came back: the app mounts, the tokenizer rank files
// that the build hook copies are served and loaded, and the counts equal OpenAI's tiktoken's
// (tests/fixtures/token-counts.json). Usage: node lib/check-served.mjs http://127.0.0.1:PORT/
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launch, watchErrors } from "./browser.mjs";
import { expectCounts } from "./page.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIX = JSON.parse(fs.readFileSync(path.join(HERE, "../../fixtures/token-counts.json"), "utf8"));
const url = process.argv[2];
if (!url) {
  console.error("usage: node lib/check-served.mjs URL");
  process.exit(2);
}

const sample = FIX.samples.notebook;
const browser = await launch();
try {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  const ranks = await page.request.get(new URL("ranks/manifest.json", url).href);
  assert.equal(ranks.status(), 200, "ranks/manifest.json (written by the copy-ranks build hook) is not served");
  const manifest = await ranks.json();
  assert.equal(manifest.files.length, 3, JSON.stringify(manifest));
  await page.goto(new URL(`?text=${encodeURIComponent(sample.text)}`, url).href);
  await page.getByLabel("Text to tokenize").waitFor({ timeout: 60_000 });
  await expectCounts(page, { gpt2: sample.counts.gpt2, cl100k_base: sample.counts.cl100k_base });
  assert.deepEqual(errors, []);
  console.log(
    `check-served: ${url} works — the lab mounted, tiktoken-rs ${manifest.version} ranks served, ` +
      `GPT-2 ${sample.counts.gpt2} and cl100k ${sample.counts.cl100k_base} tokens as tiktoken counts them`,
  );
} finally {
  await browser.close();
}
