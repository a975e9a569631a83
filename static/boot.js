// datalab's start-up. The labs ship as a few wasm bundles (one Cargo bin each under src/bin/, listed in
// src/core/bundles.rs), so the first page a student opens transfers only its own lab's code. This script
// reads ?lab=, loads the bundle that holds that lab, and leaves the file names of every bundle in
// `globalThis.datalab` (the background worker loads its own bundle from there). It runs under the page's
// Content-Security-Policy: a module from 'self', no inline script.
//
// scripts/link-bundles.sh (a Trunk post-build hook) fills FILES with the built, content-hashed names.
const FILES = {}; // datalab:files

// Which bundle holds which lab. A native test (core::bundles) checks these two lines against the registry.
const BUNDLE_OF = { loop: "tokens", workspace: "data", generate: "llm", quality: "data", refine: "llm", tokenizer: "tokens", extend: "tokens", ab: "ab", imdb: "imdb", drills: "ab", runbook: "ab", baselines: "imdb", experiments: "ab" };
const DEFAULT_BUNDLE = "tokens";

const lab = new URLSearchParams(location.search).get("lab");
const bundle = lab !== null && Object.hasOwn(BUNDLE_OF, lab) ? BUNDLE_OF[lab] : DEFAULT_BUNDLE;
// Absolute URLs, resolved against this script: the lab works from any sub-path and inside an iframe.
const files = {};
for (const [name, [js, wasm]] of Object.entries(FILES)) {
  files[name] = { js: new URL(js, import.meta.url).href, wasm: new URL(wasm, import.meta.url).href };
}
globalThis.datalab = { bundle, files };

// In a slide: reveal.js may post slide:stop while the wasm is still loading; the lab reads the last one
// from here when it starts listening (src/web/embed).
if (window.parent !== window) {
  addEventListener("message", (e) => {
    if (e.source === window.parent && (e.data === "slide:start" || e.data === "slide:stop")) globalThis.datalab.slide = e.data;
  });
}

try {
  const own = files[bundle];
  if (!own) throw new Error(`this build has no "${bundle}" bundle`);
  // The wasm download starts now, beside the glue's, not after it (Trunk's preload links did this).
  const wasm = fetch(own.wasm);
  const glue = await import(own.js);
  await glue.default({ module_or_path: wasm });
  // As Trunk does for its single module: the bundle's exports, for the benchmarks and browser tests.
  window.wasmBindings = glue;
} catch (err) {
  const boot = document.getElementById("boot");
  if (boot) {
    boot.setAttribute("role", "alert");
    boot.textContent =
      `The lab could not start: ${(err && err.message) || err}. Reload the page. If it keeps failing, ` +
      "check that this browser allows WebAssembly and that every file of the lab was copied to the server.";
  }
  throw err;
}
