// Compiling kernel programs to wasm from the main thread, synchronously, through the
// compile worker (./worker.ts), which holds Binaryen.

import { createSyncFn } from "synckit";
import type { Program } from "../lower/ir.js";
import type { EmitOptions, Emitted } from "./emit.js";

let compileSync: ((program: Program, opts: EmitOptions) => Emitted) | undefined;

/** Emits `program` as a standalone wasm module (see emit.ts for its entry signature). */
export function emitWasm(program: Program, opts: EmitOptions = {}): Emitted {
  compileSync ??= createSyncFn(new URL("./worker.js", import.meta.url)) as unknown as (p: Program, o: EmitOptions) => Emitted;
  const out = compileSync(program, opts);
  // Structured clone may hand back a plain object; normalise the bytes.
  return { ...out, bytes: new Uint8Array(out.bytes) };
}
