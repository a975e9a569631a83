// A minimal static file server on 127.0.0.1 for the built lab (dist/) and benchmark files.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8",
  ".tiktoken": "text/plain; charset=utf-8",
};

/** Serves `root` (and `extra`: url path → file path, or a `(req, res)` handler for answers a test shapes
 * itself — slow, cut short). Resolves to { url, close }. */
export function serve(root, extra = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let p = decodeURIComponent(url.pathname);
    let file = extra[p];
    if (typeof file === "function") {
      file(req, res);
      return;
    }
    if (!file) {
      if (p.endsWith("/")) p += "index.html";
      file = path.join(root, path.normalize(p).replace(/^([/\\])+/, ""));
      if (!file.startsWith(path.resolve(root))) {
        res.writeHead(403).end();
        return;
      }
    }
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      res.writeHead(200, {
        "content-type": TYPES[path.extname(file)] || "application/octet-stream",
        "content-length": st.size,
        "cache-control": "no-store",
      });
      fs.createReadStream(file).pipe(res);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}
