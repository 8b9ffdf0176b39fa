// The compile worker: Binaryen loads here, lazily and once (about a second), for what only
// it does: -O levels, text and validation (binaryen.ts). The main thread waits for it
// synchronously (synckit: Atomics.wait plus a message port), so the API stays synchronous.
// jit and eager never come here: the direct encoder serves them in the calling thread.

import { runAsWorker } from "synckit";
import { type BinaryenOptions, type BinaryenResult, runBinaryen } from "./binaryen.js";

type Binaryen = typeof import("binaryen").default;
let binaryen: Binaryen | undefined;

runAsWorker(async (bytes: Uint8Array, opts: BinaryenOptions): Promise<BinaryenResult> => {
  binaryen ??= (await import("binaryen")).default;
  return runBinaryen(binaryen, bytes, opts);
});
