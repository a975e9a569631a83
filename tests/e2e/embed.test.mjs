// Labs inside a real reveal.js deck (npm reveal.js) served from another site than the lab: the deck is on
// http://localhost:<port>, the lab on http://127.0.0.1:<port>. reveal.js loads lazy iframes (data-src) when
// their slide is shown, unloads them when it is hidden, and posts slide:start / slide:stop to them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { launch, watchErrors } from "./lib/browser.mjs";
import { serve } from "./lib/server.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.resolve(here, "../../dist");
const REVEAL = path.join(here, "node_modules/reveal.js/dist");
const WAIT = 60_000;

let lab;
let deckServer;

/** A deck whose slides 2 and 3 embed two labs lazily and slide 4 one panel of the tokenizer, eagerly. */
function deck(labUrl, { host = true } = {}) {
  const hostScript = host ? `<script src="${labUrl}embed-host.js"></script>` : "";
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>deck</title>
<link rel="stylesheet" href="/reveal/reveal.css"></head>
<body><div class="reveal"><div class="slides">
<section><h2>Data engineering</h2></section>
<section><iframe id="tok" title="tokenizer" data-src="${labUrl}?lab=tokenizer&embed=1&text=Hello" width="900" height="300"></iframe></section>
<section><iframe id="gen" title="generation" data-src="${labUrl}?lab=generate&embed=1" width="900" height="300"></iframe></section>
<section><iframe id="chips" title="chips" src="${labUrl}?lab=tokenizer&embed=1&panel=chips&present=1&text=Chips%20only" width="900" height="200"></iframe></section>
<section><iframe id="nopanel" title="no such panel" data-src="${labUrl}?lab=tokenizer&embed=1&panel=nosuch" width="900" height="200"></iframe></section>
<section><iframe id="story" title="storyboard" src="${labUrl}?lab=loop&embed=1&panel=story-generation-h" width="900" height="400"></iframe></section>
</div></div>
${hostScript}
<script src="/reveal/reveal.js"></script>
<script>Reveal.initialize({ hash: false, transition: "none", width: 1000, height: 800 });</script>
</body></html>`;
}

before(async () => {
  lab = await serve(DIST);
  const port = new URL(lab.url).port;
  const labUrl = `http://127.0.0.1:${port}/`;
  deckServer = await serve(here, {
    "/deck.html": (req, res) => res.writeHead(200, { "content-type": "text/html" }).end(deck(labUrl)),
    "/bare.html": (req, res) => res.writeHead(200, { "content-type": "text/html" }).end(deck(labUrl, { host: false })),
    "/favicon.ico": (req, res) => res.writeHead(204).end(),
    "/reveal/reveal.js": path.join(REVEAL, "reveal.js"),
    "/reveal/reveal.css": path.join(REVEAL, "reveal.css"),
  });
});

after(async () => {
  await lab?.close();
  await deckServer?.close();
});

/** The deck on another site than the lab: localhost instead of 127.0.0.1. */
function deckUrl(name) {
  return `http://localhost:${new URL(deckServer.url).port}/${name}`;
}

/** A profile that blocks third-party cookies, as Chrome does for many users (and Safari always): a
 * cross-site frame is then denied localStorage. */
function strictProfile() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "datalab-strict-"));
  fs.mkdirSync(path.join(dir, "Default"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "Default", "Preferences"),
    JSON.stringify({ profile: { block_third_party_cookies: true, cookie_controls_mode: 1 } }),
  );
  return dir;
}

async function go(page, n) {
  await page.evaluate((n) => window.Reveal.slide(n), n);
  await page.waitForFunction((n) => window.Reveal.getIndices().h === n, n);
}

/** The frame of iframe `id` once the lab in it has started. */
async function labFrame(page, id) {
  const el = page.locator(`iframe#${id}`);
  await page.waitForFunction((id) => /127\.0\.0\.1/.test(document.getElementById(id)?.getAttribute("src") || ""), id, { timeout: WAIT });
  const frame = await (await el.elementHandle()).contentFrame();
  await frame.waitForSelector("#main", { timeout: WAIT });
  return frame;
}

async function storageInFrame(frame) {
  return frame.evaluate(() => {
    try {
      void window.localStorage.length;
      return "allowed";
    } catch (e) {
      return `denied: ${e.message}`;
    }
  });
}

for (const strict of [true, false]) {
  test(`reveal.js deck on another site (${strict ? "third-party storage blocked" : "default profile"}): every lab's inputs come back after the slide is unloaded, and the frames are sized`, async () => {
    const profile = strict ? strictProfile() : undefined;
    const b = await launch(profile);
    try {
      const page = await b.context.newPage();
      const errors = watchErrors(page);
      await page.goto(deckUrl("deck.html"));
      await page.waitForFunction(() => window.Reveal?.isReady());

      // Slide 2: the tokenizer. Type, tick a box.
      await go(page, 1);
      let tok = await labFrame(page, "tok");
      if (strict) assert.match(await storageInFrame(tok), /^denied/, "the strict profile denies the frame storage");
      const text = tok.getByLabel("Text to tokenize");
      await text.fill("Kept across slides: tokenization matters");
      // (A reveal.js slide is scaled: clicks land on the element itself rather than by coordinates.)
      await tok.getByLabel("Show token ids").evaluate((el) => el.click());
      assert.ok(await tok.getByLabel("Show token ids").isChecked());
      // The host keeps it (strict) or the frame's own storage does: either way nothing says it is lost.
      assert.equal(await tok.getByTestId("embed-keeping").filter({ hasText: "cannot keep" }).count(), 0);

      // The frame is sized to the lab: the height the lab reports is what the host set.
      await page.waitForFunction(() => parseFloat(document.getElementById("tok").style.height) > 300, null, { timeout: WAIT });
      const reported = await tok.evaluate(() => document.documentElement.scrollHeight);
      const set = await page.evaluate(() => parseFloat(document.getElementById("tok").style.height));
      assert.ok(Math.abs(set - reported) <= 2, `iframe ${set}px, lab ${reported}px`);

      // Slide 3: the generation lab. Change two settings.
      await go(page, 2);
      assert.equal(await page.evaluate(() => document.getElementById("tok").getAttribute("src")), null, "reveal.js unloaded the hidden slide's frame");
      let gen = await labFrame(page, "gen");
      const count = gen.getByLabel("Rows to generate", { exact: true });
      await count.fill("17");
      await count.dispatchEvent("change");
      const seed = gen.getByLabel("Base seed", { exact: true });
      await seed.fill("4242");
      await seed.dispatchEvent("change");

      // Back and forth: both labs were unloaded and come back as they were left.
      await go(page, 1);
      tok = await labFrame(page, "tok");
      await tok.waitForFunction(() => document.getElementById("tok-text")?.value === "Kept across slides: tokenization matters", null, { timeout: WAIT });
      assert.ok(await tok.getByLabel("Show token ids").isChecked());
      // The restored text is the lab's state, not only the box's: the chips count it.
      await tok.waitForFunction(() => document.querySelector('[data-panel="chips"]')?.textContent.includes("matters"), null, { timeout: WAIT });
      await go(page, 2);
      gen = await labFrame(page, "gen");
      await gen.waitForFunction(() => document.getElementById("g-count")?.value === "17", null, { timeout: WAIT });
      assert.equal(await gen.getByLabel("Base seed", { exact: true }).inputValue(), "4242");

      // Reloading the whole deck keeps them too (the host's storage, or the frame's own).
      await page.reload();
      await page.waitForFunction(() => window.Reveal?.isReady());
      await go(page, 2);
      gen = await labFrame(page, "gen");
      await gen.waitForFunction(() => document.getElementById("g-count")?.value === "17", null, { timeout: WAIT });

      assert.deepEqual(errors, []);
    } finally {
      await b.close();
      if (profile) fs.rmSync(profile, { recursive: true, force: true });
    }
  });
}

test("slide:stop pauses an embedded lab and a playing storyboard, slide:start resumes them; &panel shows one panel, &present enlarges type", async () => {
  const b = await launch();
  try {
    const page = await b.context.newPage();
    const errors = watchErrors(page);
    await page.goto(deckUrl("deck.html"));
    await page.waitForFunction(() => window.Reveal?.isReady());
    await go(page, 3);
    const chips = await labFrame(page, "chips");
    // One panel: the chips are shown, the input and the chart are not.
    await chips.waitForFunction(() => document.querySelector('[data-panel="chips"]')?.textContent.includes("only"), null, { timeout: WAIT });
    await chips.waitForFunction(() => getComputedStyle(document.querySelector('[data-panel="input"]')).display === "none");
    assert.equal(await chips.evaluate(() => getComputedStyle(document.querySelector('[data-panel="chips"]')).display === "none"), false);
    assert.equal(await chips.evaluate(() => getComputedStyle(document.querySelector('[data-panel="chart"]')).display), "none");
    // Present: larger type than the same lab without it.
    const size = await chips.evaluate(() => parseFloat(getComputedStyle(document.querySelector(".app")).fontSize));
    assert.ok(size >= 20, `present font size ${size}`);

    // Leaving the slide: reveal.js posts slide:stop (this frame is eager, so it stays loaded) → paused.
    await chips.waitForFunction(() => document.documentElement.dataset.slide === "started", null, { timeout: WAIT });
    await go(page, 2);
    await chips.waitForFunction(() => document.documentElement.dataset.slide === "stopped", null, { timeout: WAIT });
    await go(page, 3);
    await chips.waitForFunction(() => document.documentElement.dataset.slide === "started", null, { timeout: WAIT });

    // A panel the lab does not have is named, with the ones it has, and the whole lab is shown.
    await go(page, 4);
    const none = await labFrame(page, "nopanel");
    const msg = await none.getByTestId("embed-panel").textContent({ timeout: WAIT });
    assert.match(msg, /no panel named 'nosuch'.*Its panels: input, chips, chart/);
    assert.ok(await none.getByLabel("Text to tokenize").isVisible());

    // A playing storyboard stops moving while its slide is hidden, and goes on when it is shown again.
    await go(page, 5);
    const story = await labFrame(page, "story");
    const step = () => story.evaluate(() => document.querySelector('[data-testid="storyboard-generation-step"]')?.textContent.trim());
    await story.getByRole("button", { name: "Play", exact: true }).evaluate((el) => el.click());
    await story.waitForFunction(() => document.querySelector('[data-testid="storyboard-generation-step"]').textContent.trim() === "Step 2 of 5", null, { timeout: WAIT });
    await go(page, 4);
    await story.waitForFunction(() => document.documentElement.dataset.slide === "stopped", null, { timeout: WAIT });
    const held = await step();
    await page.waitForTimeout(4000);
    assert.equal(await step(), held, "no step while the slide is hidden");
    assert.equal(await story.evaluate(() => document.querySelector('[data-testid="storyboard-generation"]').dataset.playing), "true");
    await go(page, 5);
    await story.waitForFunction((held) => document.querySelector('[data-testid="storyboard-generation-step"]').textContent.trim() !== held, held, { timeout: WAIT });
    assert.deepEqual(errors, []);
  } finally {
    await b.close();
  }
});

test("without embed-host.js, a frame denied storage says it cannot keep what is typed", async () => {
  const profile = strictProfile();
  const b = await launch(profile);
  try {
    const page = await b.context.newPage();
    await page.goto(deckUrl("bare.html"));
    await page.waitForFunction(() => window.Reveal?.isReady());
    await go(page, 1);
    const tok = await labFrame(page, "tok");
    assert.match(await storageInFrame(tok), /^denied/);
    const msg = await tok.getByTestId("embed-keeping").textContent({ timeout: WAIT });
    assert.match(msg, /cannot keep what you type.*embed-host\.js/);
    // The lab itself works.
    await tok.getByLabel("Text to tokenize").fill("Still works");
    await tok.waitForFunction(() => document.querySelector('[data-panel="chips"]')?.textContent.includes("works"), null, { timeout: WAIT });
  } finally {
    await b.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});

test("embed-host.js is served at the lab's root", async () => {
  const r = await fetch(new URL("embed-host.js", lab.url));
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type"), /javascript/);
  assert.match(await r.text(), /datalab:kept/);
});
