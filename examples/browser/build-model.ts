// Writes the browser example's model.wasm and input.json next to this script's build
// output (dist/examples/browser/), where the page fetches them.
// Run: npm run build && node dist/examples/browser/build-model.js

import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildExampleModule, exampleInput } from "./model.js";

/** Writes the two files into `dir` and returns their paths. */
export function writeExample(dir: string = fileURLToPath(new URL(".", import.meta.url))): { wasm: string; input: string } {
  mkdirSync(dir, { recursive: true });
  const wasm = `${dir.replace(/\/$/, "")}/model.wasm`, input = `${dir.replace(/\/$/, "")}/input.json`;
  writeFileSync(wasm, buildExampleModule());
  writeFileSync(input, JSON.stringify(exampleInput()));
  return { wasm, input };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { wasm } = writeExample();
  console.log(`wrote ${wasm}; serve it with: node examples/browser/serve.mjs`);
}
