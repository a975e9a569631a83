// The loop (the home page): five stages read from what the labs recorded, and the deck's two storyboards
// played on the student's data (slide 7 on the lineage, slide 19 on a phrase and a tokenizer version).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { get_encoding } from "tiktoken";

import { launch, watchErrors } from "./lib/browser.mjs";
import { serve } from "./lib/server.mjs";
import { expectTestIds, testIdText } from "./lib/page.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.resolve(here, "../../dist");
const WAIT = 60_000;

let server;
let browser;

before(async () => {
  server = await serve(DIST);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const stage = (page, key) => page.getByTestId(`loop-stage-${key}`);
const board = (page, key) =>
  page.getByRole("region", { name: key === "generation" ? "Storyboard: the dataset generation loop" : "Storyboard: the tokenizer's impact", exact: true });

async function stepText(page, key) {
  return (await page.getByTestId(`storyboard-${key}-step`).textContent()).trim();
}

test("the bare URL opens the loop: empty stages say what to do first; the sample plays slide 7's storyboard", async () => {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  await page.goto(server.url);
  await page.getByRole("heading", { level: 1, name: "The loop" }).waitFor();
  for (const [key, lab] of [["raw", "workspace"], ["generate", "generate"], ["refine", "refine"], ["tokenizer", "extend"], ["training", "ab"]]) {
    await stage(page, key).getByText("To do first", { exact: false }).waitFor();
    assert.equal(await stage(page, key).getByRole("link").getAttribute("href"), `?lab=${lab}`);
  }
  assert.match(await stage(page, "raw").textContent(), /load the sample dataset/);

  // With no data, the sample's manifest stands in, and says so.
  const gen = board(page, "generation");
  await gen.getByText("The sample dataset", { exact: false }).waitFor();
  assert.equal(await stepText(page, "generation"), "Step 1 of 5");
  // Step and Restart by button, then Play to the end; the frames carry the sample's real counts.
  await gen.getByRole("button", { name: "Step", exact: true }).click();
  assert.equal(await stepText(page, "generation"), "Step 2 of 5");
  await gen.getByRole("button", { name: "Restart" }).click();
  assert.equal(await stepText(page, "generation"), "Step 1 of 5");
  await gen.getByRole("button", { name: "Play", exact: true }).click();
  assert.equal(await gen.getAttribute("data-playing"), "true");
  await page.waitForFunction(() => document.querySelector('[data-testid="storyboard-generation-step"]').textContent.trim() === "Step 5 of 5", null, { timeout: WAIT });
  await page.waitForFunction(() => document.querySelector('[data-testid="storyboard-generation"]').dataset.playing === "false");
  const frames = await gen.locator(".story-frame").allTextContents();
  assert.match(frames[0], /300 rows/);
  assert.match(frames[1], /299 rows/);
  assert.match(frames[4], /254 rows/);
  // Keyboard: Home restarts, → steps.
  await gen.focus();
  await page.keyboard.press("Home");
  assert.equal(await stepText(page, "generation"), "Step 1 of 5");
  await page.keyboard.press("ArrowRight");
  assert.equal(await stepText(page, "generation"), "Step 2 of 5");
  // Without a tokenizer version, slide 19's storyboard plays a stand-in — terms mined from the sample,
  // added in memory — and says so; the phrase is made of those terms, so it gets shorter.
  await page.getByTestId("storyboard-tokenizer-stand-in").waitFor();
  const imp = board(page, "tokenizer");
  await imp.getByText("Stand-in tok-", { exact: false }).waitFor({ timeout: WAIT });
  assert.match(await imp.textContent(), /terms mined from the sample dataset .*not saved/);
  const [f0, f1] = await imp.locator(".story-frame").allTextContents();
  const b0 = Number(/is (\d+) tokens with gpt2/.exec(f0)[1]);
  const a1 = Number(/(\d+) tokens with tok-/.exec(f1)[1]);
  assert.ok(a1 < b0, `stand-in phrase: ${b0} → ${a1} tokens`);
  assert.equal(await page.getByRole("button", { name: "Play", exact: true }).count(), 2, "a Play button for each storyboard");
  assert.equal(await page.evaluate(() => localStorage.getItem("datalab:tokenizer-versions")), null);
  assert.deepEqual(errors, []);
  await page.close();
});

test("with the sample loaded and a tokenizer version, the stages read the records and slide 19 plays real token counts", async () => {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  // A tokenizer version, made in the extend lab.
  await page.goto(server.url + "?lab=extend");
  await page.getByLabel("Domain terms").fill(" Kubernetes\n pharmacokinetics");
  const create = page.getByRole("button", { name: "Create version" });
  await page.waitForFunction(() => [...document.querySelectorAll("button")].some((b) => b.textContent.trim() === "Create version" && !b.disabled), null, { timeout: WAIT });
  await create.click();
  await page.waitForFunction(() => /^tok-/.test(document.querySelector('[data-testid="current-tokenizer-version"]')?.textContent.trim() || ""), null, { timeout: WAIT });
  const tok = (await testIdText(page, "current-tokenizer-version")).trim();

  await page.goto(server.url);
  await page.getByRole("button", { name: "Load the sample dataset" }).click();
  // Both splits imported (two lineages), the training split current and everything saved.
  await stage(page, "raw").getByText("2 dataset versions in 2 lineages").waitFor({ timeout: WAIT });
  await page.getByTestId("save-state").filter({ hasText: "All versions are saved" }).waitFor({ timeout: WAIT });
  await expectTestIds(page, { "rows-valid": 299 });
  const current = (await testIdText(page, "dataset-version-id")).trim();
  await stage(page, "raw").getByText(`Current: ${current} · 299 rows, 1 quarantined`).waitFor({ timeout: WAIT });
  assert.match(await stage(page, "tokenizer").textContent(), new RegExp(`1 tokenizer version; latest ${tok}: 2 terms on gpt2`));
  assert.match(await stage(page, "generate").textContent(), /To do first/);

  // Slide 7 now plays the student's lineage.
  const gen = board(page, "generation");
  await gen.getByText(`Your lineage ending at ${current}`).waitFor();

  // Slide 19: the phrase before and after, checked against tiktoken's GPT-2.
  const imp = board(page, "tokenizer");
  await imp.locator(".story-frame").first().getByText("tokens with gpt2", { exact: false }).waitFor({ timeout: WAIT });
  const phrase = await page.getByLabel("Phrase").inputValue();
  assert.equal(phrase, "Notes on Kubernetes, pharmacokinetics");
  const gpt2 = get_encoding("gpt2");
  const before = gpt2.encode_ordinary(phrase).length;
  const after = before - (gpt2.encode_ordinary(" Kubernetes").length - 1) - (gpt2.encode_ordinary(" pharmacokinetics").length - 1);
  gpt2.free();
  const frames = await imp.locator(".story-frame").allTextContents();
  assert.match(frames[0], new RegExp(`is ${before} tokens with gpt2`));
  assert.match(frames[1], new RegExp(`${after} tokens with ${tok}`));
  assert.match(frames[2], new RegExp(`Over 299 rows of your version ${current}`));
  assert.match(frames[3], /6 × parameters × tokens.*1024-token context.*gains 2 rows/);
  // The length distribution, before and after, as shared bins: every row is counted once on each side.
  const shift = page.getByTestId("storyboard-tokenizer-shift");
  assert.equal(await shift.locator(".story-hist-bin").count(), 12);
  const label = await shift.getByRole("img").getAttribute("aria-label");
  const sum = (re) => [...label.matchAll(re)].reduce((t, m) => t + Number(m[1]), 0);
  assert.equal(sum(/(\d+) rows before/g), 299);
  assert.equal(sum(/(\d+) after/g), 299);

  // Another phrase, measured again.
  await page.getByLabel("Phrase").fill("Kubernetes");
  await page.getByLabel("Phrase").dispatchEvent("change");
  await page.getByRole("button", { name: "Measure", exact: true }).click();
  await imp.locator(".story-frame").first().getByText("“Kubernetes” is", { exact: false }).waitFor({ timeout: WAIT });
  await imp.getByRole("button", { name: "Play", exact: true }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="storyboard-tokenizer-step"]').textContent.trim() === "Step 4 of 4", null, { timeout: WAIT });
  assert.deepEqual(errors, []);
  await page.close();
});

test("prefers-reduced-motion: the storyboard still steps, with no transitions", async () => {
  const context = browser.context;
  const page = await context.newPage();
  await page.emulateMedia({ reducedMotion: "reduce" });
  await page.goto(server.url + "?lab=loop");
  const gen = board(page, "generation");
  await gen.locator(".story-frame").first().waitFor({ timeout: WAIT });
  const transition = await gen.locator(".story-frame").first().evaluate((el) => getComputedStyle(el).transitionDuration);
  assert.match(transition, /^0s(, 0s)*$/);
  await gen.getByRole("button", { name: "Step", exact: true }).click();
  assert.equal(await stepText(page, "generation"), "Step 2 of 5");
  await page.close();
});
