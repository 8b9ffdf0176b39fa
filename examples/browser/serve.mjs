// A static file server for the browser example: serves the repository root on localhost
// with the cross-origin isolation headers (COOP same-origin, COEP require-corp) that
// browsers ask for before they hand out SharedArrayBuffer and shared WebAssembly memory.
// Run: node examples/browser/serve.mjs [port]   (then open the printed URL)

import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PAGE = "/examples/browser/";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
};

const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/**
 * Starts the server; resolves to its base URL and a close function. `port` 0 picks a free
 * port; `isolate: false` leaves out the isolation headers (to see the error a page gets).
 */
export function serve({ port = 8080, host = "127.0.0.1", root = ROOT, isolate = true } = {}) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    const headers = { "Cache-Control": "no-store", ...(isolate ? ISOLATION : {}) };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, headers).end();
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    } catch {
      res.writeHead(400, headers).end();
      return;
    }
    if (path === "/") {
      res.writeHead(302, { ...headers, Location: PAGE }).end();
      return;
    }
    const file = resolve(base, `.${path.endsWith("/") ? `${path}index.html` : path}`);
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403, headers).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { ...headers, "Content-Type": "text/plain" }).end(`not found: ${path}\n`);
    }
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      const close = () =>
        new Promise((done) => {
          server.close(() => done());
          server.closeAllConnections(); // the browser's keep-alive connections
        });
      ok({ url: `http://${host}:${actual}/`, close });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await serve({ port: Number(process.argv[2] ?? process.env.PORT ?? 8080) });
  console.log(`wax browser example: ${url}${PAGE.slice(1)}  (build first: npm run build && node dist/examples/browser/build-model.js)`);
}
