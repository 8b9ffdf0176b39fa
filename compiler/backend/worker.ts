// The compile worker: Binaryen loads here, lazily and once (it takes a few hundred ms),
// and turns kernel programs into wasm bytes. The main thread waits for it synchronously
// (synckit: Atomics.wait plus a message port), so jit stays a synchronous API.

import { readFileSync } from "node:fs";
import { runAsWorker } from "synckit";
import { type EmitOptions, type Emitted, type EntryProgram, emitModule } from "./emit.js";

type Binaryen = typeof import("binaryen").default;
let binaryen: Binaryen | undefined;
let mathlib: Uint8Array | null | undefined;

function loadMathlib(): Uint8Array | null {
  try {
    return new Uint8Array(readFileSync(new URL("../../wasm/math.wasm", import.meta.url)));
  } catch {
    return null;
  }
}

runAsWorker(async (entries: EntryProgram[], opts: EmitOptions): Promise<Emitted> => {
  binaryen ??= (await import("binaryen")).default;
  if (mathlib === undefined) mathlib = loadMathlib();
  return emitModule(binaryen, entries, mathlib, opts);
});
