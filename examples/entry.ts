// Each example exports `main(log)` (the test calls it) and runs it when it is the script
// node was started with: `node dist/examples/train-mlp.js`.

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

export function runIfMain(moduleUrl: string, main: () => unknown): void {
  const script = process.argv[1];
  if (script && pathToFileURL(resolve(script)).href === moduleUrl) main();
}
