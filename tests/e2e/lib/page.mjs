// Helpers shared by the end-to-end tests.
import assert from "node:assert/strict";
import { watchErrors } from "./browser.mjs";

/** Opens `query` on the served lab in a fresh page and waits for the control labelled `ready`. */
export async function openPage(browser, server, query, ready) {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  await page.goto(server.url + query);
  await page.getByLabel(ready).waitFor();
  return { page, errors };
}

/** Waits until every `token-count-<name>` shows the expected number; on failure says what was shown. */
export async function expectCounts(page, expected, timeout = 60_000) {
  try {
    await page.waitForFunction(
      (exp) =>
        Object.entries(exp).every(
          ([n, c]) => document.querySelector(`[data-testid="token-count-${n}"]`)?.textContent.trim() === String(c),
        ),
      expected,
      { timeout },
    );
  } catch (e) {
    const shown = {};
    for (const n of Object.keys(expected)) {
      shown[n] = await page.getByTestId(`token-count-${n}`).textContent().catch(() => "(missing)");
    }
    assert.fail(`counts never matched: expected ${JSON.stringify(expected)}, shown ${JSON.stringify(shown)}`);
  }
}

/** Waits until every named data-testid shows exactly the expected text. */
export async function expectTestIds(page, expected, timeout = 60_000) {
  try {
    await page.waitForFunction(
      (exp) =>
        Object.entries(exp).every(
          ([id, v]) => document.querySelector(`[data-testid="${id}"]`)?.textContent.trim() === String(v),
        ),
      expected,
      { timeout },
    );
  } catch (e) {
    const shown = {};
    for (const id of Object.keys(expected)) shown[id] = await testIdText(page, id);
    assert.fail(`never matched: expected ${JSON.stringify(expected)}, shown ${JSON.stringify(shown)}`);
  }
}

export async function testIdText(page, id) {
  return (await page.getByTestId(id).textContent({ timeout: 1000 }).catch(() => "(missing)")).trim();
}
