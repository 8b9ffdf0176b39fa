#!/usr/bin/env node
// The browser bundle (`npm run build:bundle`): the whole library (dist/compiler/index.js,
// compiled by tsc) as one minified ES module, dist/browser/wax.min.js, with the Node
// built-ins that only pmap's worker pool imports replaced by stubs (node-stubs.js). jit,
// eager operations and vmap run in the page's thread with the direct wasm encoder; a shared
// WebAssembly.Memory needs a cross-origin isolated page (COOP/COEP headers). Prints the
// size, minified and gzipped.

import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(root, "dist", "browser", "wax.min.js");
const stubs = join(root, "browser", "node-stubs.js");

mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [join(root, "dist", "compiler", "index.js")],
  outfile,
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  logLevel: "warning",
  plugins: [
    {
      name: "node-stubs",
      setup(b) {
        b.onResolve({ filter: /^node:/ }, () => ({ path: stubs }));
      },
    },
  ],
});
const bytes = readFileSync(outfile);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`dist/browser/wax.min.js: ${kb(bytes.length)} minified, ${kb(gzipSync(bytes, { level: 9 }).length)} min+gzip`);
