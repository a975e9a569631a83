// End-to-end tests of the lab shell and the tokenizer workbench, in Debian's Chromium.
// Expected counts come from OpenAI's Python tiktoken (tests/fixtures/token-counts.json, made by
// scripts/make-token-fixtures.py), not from our Rust code.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./lib/server.mjs";
import { launch, watchErrors } from "./lib/browser.mjs";
import { openPage, expectCounts as expectCountsIn } from "./lib/page.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const DIST = process.env.DATALAB_DIST || path.join(ROOT, "dist");
const ARTIFACTS = path.join(ROOT, "artifacts");
const FIX = JSON.parse(fs.readFileSync(path.join(ROOT, "tests/fixtures/token-counts.json"), "utf8"));
const NAMES = ["gpt2", "cl100k_base", "o200k_base"];

let server, browser;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, "index.html")), `no build in ${DIST}: run trunk build --release`);
  // A host page for the iframe test: a slide deck of its own (not under the lab's CSP), on the same server.
  const host = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "datalab-host-")), "host.html");
  fs.writeFileSync(
    host,
    `<!DOCTYPE html><link rel="icon" href="data:,"><script>window.heights = []; addEventListener("message", (e) => { if (e.data && e.data.type === "datalab:resize") heights.push(e.data.height); });</script>` +
      `<iframe title="lab" src="./?embed=1&text=Hello%20slides" width="1000" height="800"></iframe>`,
  );
  server = await serve(DIST, { "/host.html": host });
  browser = await launch();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const open = (query = "?lab=tokenizer") => openPage(browser, server, query, "Text to tokenize");
const expectCounts = (page, expected, timeout = 60_000) => expectCountsIn(page, expected, timeout);

test("shell: runbook navigation, every lab a link, teaching boxes, version", async () => {
  const { page, errors } = await open();
  const nav = page.getByRole("navigation", { name: "Labs in runbook order" });
  await nav.waitFor();
  const items = await nav.locator("li").allTextContents();
  assert.ok(items.length >= 8, `expected the deck's labs, got ${items.length}`);
  assert.ok(items.some((t) => t.includes("Tokenizer workbench")));
  assert.equal(await nav.getByRole("link", { name: /Tokenizer workbench/ }).count(), 1);
  assert.equal(await nav.getByRole("link", { name: /Runbook & portfolio/ }).count(), 1);
  assert.equal(await nav.getByRole("link", { name: /Failure drills/ }).count(), 1);
  assert.equal(await nav.getByRole("link", { name: /IMDb bootstrap/ }).count(), 1);
  assert.equal(await nav.getByRole("link", { name: /Generate with Ollama/ }).count(), 1);
  // Every lab of the deck is built now: none is left as planned (a planned lab would be shown, not linked).
  assert.equal(await nav.locator("li.planned").count(), 0);
  await page.getByLabel("Wisdom").waitFor();
  await page.getByText("Beginner's corner").waitFor();
  await page.waitForFunction(() => /tiktoken-rs \d+\.\d+\.\d+/.test(document.querySelector('[data-testid="tokenizer-version"]')?.textContent || ""));
  assert.deepEqual(errors, []);
  await page.close();
});

test("counts for all three encodings match Python tiktoken", async () => {
  const { page, errors } = await open();
  const box = page.getByLabel("Text to tokenize");
  for (const [key, sample] of Object.entries(FIX.samples)) {
    await box.fill(sample.text);
    await expectCounts(page, sample.counts);
    // Characters per token is consistent with the count.
    const cpt = Number(await page.getByTestId("chars-per-token-gpt2").textContent());
    const chars = [...sample.text].length;
    assert.ok(Math.abs(cpt - chars / sample.counts.gpt2) < 0.01, `${key}: chars/token ${cpt}`);
  }
  // Chips: one per token (short texts), colour fixed per id, id and bytes on focus.
  const sample = FIX.samples.code;
  await box.fill(sample.text);
  await expectCounts(page, sample.counts);
  const gptChips = page.getByRole("list", { name: "Tokens of GPT-2 (r50k_base)" }).getByRole("listitem");
  assert.equal(await gptChips.count(), sample.counts.gpt2);
  const tip = await gptChips.first().getAttribute("data-tip");
  assert.match(tip, /id \d+ · bytes [0-9a-f ]+/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("empty text gives 0 everywhere", async () => {
  const { page } = await open();
  await page.getByLabel("Text to tokenize").fill("");
  await expectCounts(page, { gpt2: 0, cl100k_base: 0, o200k_base: 0 });
  await page.close();
});

test("special tokens are plain text by default and 50256 when allowed", async () => {
  const { page } = await open();
  const s = FIX.samples.notebook;
  await page.getByLabel("Text to tokenize").fill(s.text);
  await expectCounts(page, s.counts);
  await page.getByLabel("Allow special tokens").check();
  const allowed = Object.fromEntries(NAMES.map((n) => [n, FIX.special_ids[n].length]));
  await expectCounts(page, allowed);
  const ids = await page.getByLabel("Token ids for GPT-2 (r50k_base)").inputValue();
  assert.equal(ids, `[${FIX.special_ids.gpt2.join(", ")}]`);
  assert.ok(FIX.special_ids.gpt2.includes(50256));
  await page.close();
});

test("a link reproduces the view", async () => {
  const { page } = await open();
  const s = FIX.samples.mixed;
  await page.getByLabel("Text to tokenize").fill(s.text);
  await page.getByRole("checkbox", { name: "o200k_base" }).uncheck();
  await page.getByLabel("Show token ids").check();
  await expectCounts(page, { gpt2: s.counts.gpt2, cl100k_base: s.counts.cl100k_base });
  await page.waitForFunction(() => location.search.includes("ids=1") && location.search.includes("text="));
  const link = page.url();
  const { page: again } = await open(link.slice(server.url.length));
  assert.equal(await again.getByLabel("Text to tokenize").inputValue(), s.text);
  await expectCounts(again, { gpt2: s.counts.gpt2, cl100k_base: s.counts.cl100k_base });
  assert.equal(await again.getByTestId("token-count-o200k_base").count(), 0, "o200k stays hidden");
  assert.ok(await again.getByLabel("Show token ids").isChecked());
  await page.close();
  await again.close();
});

test("embed mode shows only the lab body and survives an iframe reload", async () => {
  const src = "?embed=1&text=Hello%20slides";
  const { page, errors } = await open(src);
  assert.equal(await page.getByRole("navigation").count(), 0, "no navigation when embedded");
  const full = page.getByRole("link", { name: /Open full lab/ });
  const href = await full.getAttribute("href");
  assert.ok(!href.includes("embed=1"), href);
  assert.ok(href.includes("text=Hello%20slides"), href);
  const t = FIX.samples.whitespace;
  await page.getByLabel("Text to tokenize").fill(t.text);
  await expectCounts(page, t.counts);
  // A slide deck recreates the iframe from its original src: the student's text must come back.
  await page.goto(server.url + src);
  assert.equal(await page.getByLabel("Text to tokenize").inputValue(), t.text);
  await expectCounts(page, t.counts);
  // And inside a real iframe, in a host page of its own.
  await page.goto(server.url + "host.html");
  const frame = page.frameLocator("iframe");
  await frame.getByLabel("Text to tokenize").waitFor();
  assert.equal(await frame.getByLabel("Text to tokenize").inputValue(), t.text);
  // The embedded lab tells its parent how tall it is, so a slide can size the iframe.
  await page.waitForFunction(() => window.heights.some((h) => h > 300));
  assert.deepEqual(errors, []);
  await page.close();
});

test("untrusted text is rendered as text, never as HTML", async () => {
  const { page } = await open();
  const evil = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>bold</b>`;
  await page.getByLabel("Text to tokenize").fill(evil);
  await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-testid="token-count-gpt2"]').textContent.trim()) &&
    document.querySelector('[data-testid="token-count-gpt2"]').textContent.trim() !== "0");
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.equal(await page.locator(".chips img, .chips script, .chips b").count(), 0);
  const chipsText = await page.getByRole("list", { name: "Tokens of GPT-2 (r50k_base)" }).textContent();
  assert.ok(chipsText.includes("<img"), chipsText.slice(0, 80));
  await page.close();
});

test("a partial rank file is an error for that encoding only", async () => {
  const page = await browser.context.newPage();
  const real = fs.readFileSync(path.join(DIST, "ranks/o200k_base.tiktoken"));
  await page.route("**/ranks/o200k_base.tiktoken", (route) =>
    route.fulfill({ status: 200, contentType: "text/plain", body: real.subarray(0, 100_000) }),
  );
  await page.goto(server.url + "?lab=tokenizer");
  const s = FIX.samples.code;
  await page.getByLabel("Text to tokenize").fill(s.text);
  await expectCounts(page, { gpt2: s.counts.gpt2, cl100k_base: s.counts.cl100k_base });
  const alert = page.getByRole("alert").filter({ hasText: "o200k_base" });
  await alert.waitFor();
  assert.match(await alert.textContent(), /partial|truncated/);
  assert.equal((await page.getByTestId("token-count-o200k_base").textContent()).trim(), "—");
  await page.close();
});

test("5 MB of text: the page stays responsive and counts it exactly", async () => {
  const { page, errors } = await open();
  const big = FIX.big.paragraph.repeat(FIX.big.repeat);
  // Warm the encoders first so the timing below covers encoding only.
  await page.getByLabel("Text to tokenize").fill("warm up");
  await expectCounts(page, { gpt2: 2, cl100k_base: 2, o200k_base: 2 });
  await page.evaluate((text) => {
    const box = document.getElementById("tok-text");
    box.value = text;
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }, big);
  // While it encodes, the main thread keeps answering and a progress bar is shown.
  await page.getByRole("progressbar").first().waitFor({ timeout: 20_000 });
  const answered = await page.evaluate(() => new Promise((r) => setTimeout(() => r("ok"), 10)));
  assert.equal(answered, "ok");
  await expectCounts(page, FIX.big.counts, 120_000);
  const chips = page.getByRole("list", { name: "Tokens of cl100k_base" }).getByRole("listitem");
  assert.ok((await chips.count()) <= 1000, "only the first tokens are drawn");
  await page.getByText(/Showing the first 1000 of/).first().waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test("a panic shows an error panel instead of a dead page", async () => {
  const { page } = await open();
  await page.evaluate(() => {
    try {
      window.wasmBindings.datalabTestPanic("<b>boom</b>");
    } catch (_) {}
  });
  const panel = page.getByTestId("error-panel");
  await panel.waitFor();
  assert.match(await panel.textContent(), /Something went wrong/);
  assert.match(await panel.textContent(), /<b>boom<\/b>/, "message shown as text");
  assert.equal(await panel.locator("b").count(), 0);
  await page.close();
});

test("screenshot of the workbench (saved to artifacts/, not committed)", async () => {
  const { page } = await open();
  await page.getByLabel("Show whitespace").check();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid^="token-count-"]')].every((e) => /^\d+$/.test(e.textContent.trim())));
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(ARTIFACTS, "workbench.png"), fullPage: true });
  assert.ok(fs.statSync(path.join(ARTIFACTS, "workbench.png")).size > 10_000);
  await page.close();
});
