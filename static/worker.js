// datalab's background worker. It runs the worker bundle (src/bin/lab-worker.rs): the page sends the URLs
// of its wasm-bindgen glue and wasm file (from static/boot.js), this script loads them, and the bundle's
// `main` takes over the worker's messages (see src/web/worker/). If loading fails, the page is told why.
self.onmessage = async (event) => {
  const init = event.data && event.data.init;
  if (!init) return;
  try {
    const glue = await import(init.glue);
    await glue.default({ module_or_path: init.wasm });
  } catch (err) {
    self.postMessage({ kind: "init-error", message: String((err && err.message) || err) });
  }
};
