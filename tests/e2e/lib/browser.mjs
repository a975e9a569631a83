// Launches Debian's Chromium (never a downloaded browser) through playwright-core.
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

// Without the networking flags Chromium keeps trying to reach the internet, which this machine refuses.
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A browser context with its own profile: a fresh empty one, or `profile` (a folder that is kept, so a
 *  second launch with it is a browser restart). Call `close()` when done. */
export async function launch(profile) {
  const dir = profile || fs.mkdtempSync(path.join(os.tmpdir(), "datalab-chromium-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 1000 },
  });
  const close = async () => {
    await context.close();
    if (!profile) fs.rmSync(dir, { recursive: true, force: true });
  };
  return { context, close };
}

/** Collects page errors and console errors, so a test can assert there were none. */
export function watchErrors(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  return errors;
}
