// Size and start-up figures for the README: the release wasm and JS (raw, gzip, brotli), the rank files,
// and how soon the page is usable on localhost while every rank file is held back.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { serve } from "../lib/server.mjs";
import { launch } from "../lib/browser.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = process.env.DATALAB_DIST || path.resolve(HERE, "../../../dist");
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
const sizes = (buf) => [buf.length, zlib.gzipSync(buf, { level: 9 }).length,
  zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length];

console.log("| file | raw | gzip -9 | brotli 11 |");
console.log("|---|---:|---:|---:|");
const files = fs.readdirSync(DIST).filter((f) => /\.(wasm|js)$/.test(f)).map((f) => path.join(DIST, f));
files.push(...fs.readdirSync(path.join(DIST, "ranks")).filter((f) => f.endsWith(".tiktoken")).map((f) => path.join(DIST, "ranks", f)));
for (const f of files) {
  const [raw, gz, br] = sizes(fs.readFileSync(f));
  console.log(`| ${path.relative(DIST, f).replace(/-[0-9a-f]{16}/, "")} | ${kb(raw)} | ${kb(gz)} | ${kb(br)} |`);
}

const server = await serve(DIST);
const { context, close } = await launch();
const times = [];
for (let i = 0; i < 5; i++) {
  const page = await context.newPage();
  let held = 0;
  await page.route("**/ranks/*.tiktoken", async (route) => {
    held++;
    await new Promise((r) => setTimeout(r, 3000));
    await route.continue().catch(() => {});
  });
  await page.goto(server.url + `?text=start-up%20${i}`, { waitUntil: "commit" });
  await page.getByLabel("Text to tokenize").waitFor();
  const t = await page.evaluate(() => performance.now());
  // Usable means: it takes input while the rank files are still on their way.
  await page.getByLabel("Text to tokenize").fill("typing before ranks arrive");
  const stillLoading = await page.getByText(/Downloading ranks\//).count();
  times.push({ t, held, stillLoading });
  await page.close();
}
await close();
await server.close();
const sorted = times.map((x) => x.t).sort((a, b) => a - b);
console.log(
  `Start-up on localhost (navigation to a usable text box, rank files held back): median ${sorted[2].toFixed(0)} ms, ` +
    `min ${sorted[0].toFixed(0)} ms, max ${sorted[4].toFixed(0)} ms; rank downloads still pending in ${times.filter((x) => x.stillLoading > 0).length}/5 runs`,
);
