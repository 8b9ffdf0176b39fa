// Compiling kernel programs to wasm from the main thread, synchronously, through the
// compile worker (./worker.ts), which holds Binaryen.

import { createSyncFn } from "synckit";
import type { Program } from "../lower/ir.js";
import type { EmitOptions, Emitted, EntryProgram } from "./emit.js";

// A module whose one function is f32x4.relaxed_madd: the probe for relaxed SIMD.
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 13, 1, 11,
  0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11,
]);
let relaxed: boolean | undefined;

/**
 * Whether this engine accepts relaxed SIMD (fused multiply-add). Node 20 needs
 * --experimental-wasm-relaxed-simd, which V8 lets us set before compiling.
 */
export function relaxedSimdAvailable(): boolean {
  if (relaxed === undefined) {
    relaxed = WebAssembly.validate(RELAXED_PROBE);
    if (!relaxed && globalThis.process?.versions?.node) {
      try {
        process.getBuiltinModule?.("node:v8")?.setFlagsFromString("--experimental-wasm-relaxed-simd");
      } catch {
        // not settable here: plain multiply-add it is
      }
      relaxed = WebAssembly.validate(RELAXED_PROBE);
    }
  }
  return relaxed;
}

let compileSync: ((entries: EntryProgram[], opts: EmitOptions) => Emitted) | undefined;

/** Emits `program` as a standalone wasm module (see emit.ts for its entry signature). */
export function emitWasm(program: Program, opts: EmitOptions = {}): Emitted {
  return emitWasmModule([{ name: opts.entry ?? "main", program }], opts);
}

/** One module with an entry per program. */
export function emitWasmModule(entries: EntryProgram[], opts: EmitOptions = {}): Emitted {
  compileSync ??= createSyncFn(new URL("./worker.js", import.meta.url)) as unknown as (e: EntryProgram[], o: EmitOptions) => Emitted;
  const out = compileSync(entries, { relaxedSimd: relaxedSimdAvailable(), ...opts });
  // Structured clone may hand back a plain object; normalise the bytes.
  return { ...out, bytes: new Uint8Array(out.bytes) };
}
