// Compiling kernel programs to wasm, synchronously, in the calling thread: the direct
// encoder (emit.ts) by default; Binaryen, in the compile worker (worker.ts), only when asked
// for an -O level, text or validation (AOT, tests). Nothing here imports a Node module
// unless Binaryen is asked for, so jit and eager run in browsers too.

import type { Program } from "../lower/ir.js";
import type { BinaryenOptions, BinaryenResult } from "./binaryen.js";
import { type EmitOptions, type Emitted, type EntryProgram, encodeEntries, requiredMath } from "./emit.js";

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

type RunBinaryen = (bytes: Uint8Array, opts: BinaryenOptions) => BinaryenResult;
let binaryenSync: RunBinaryen | undefined;

/** The compile worker's entry, as a synchronous function (Node only). */
function binaryenWorker(): RunBinaryen {
  if (binaryenSync) return binaryenSync;
  const nodeModule = globalThis.process?.getBuiltinModule?.("node:module") as typeof import("node:module") | undefined;
  if (!nodeModule) throw new Error("wax: Binaryen (optimize > 0, text, validate) runs in Node 20.16 or later only; jit and eager need none of it");
  const { createSyncFn } = nodeModule.createRequire(import.meta.url)("synckit") as typeof import("synckit");
  binaryenSync = createSyncFn(new URL("./worker.js", import.meta.url)) as unknown as RunBinaryen;
  return binaryenSync;
}

/** Observers of every module emitted (tests validate them all with Binaryen). */
const observers = new Set<(bytes: Uint8Array, entries: EntryProgram[]) => void>();
export function observeEmitted(f: (bytes: Uint8Array, entries: EntryProgram[]) => void): () => void {
  observers.add(f);
  return () => observers.delete(f);
}

/** Emits `program` as a standalone wasm module (see emit.ts for its entry signature). */
export function emitWasm(program: Program, opts: EmitOptions = {}): Emitted {
  return emitWasmModule([{ name: opts.entry ?? "main", program }], opts);
}

/** One module with an entry per program. */
export function emitWasmModule(entries: EntryProgram[], opts: EmitOptions = {}): Emitted {
  // Only float32 dots use relaxed SIMD: other programs skip the probe (and its V8 flag).
  const relaxedSimd = opts.relaxedSimd ?? (entries.some((e) => e.program.kernels.some((k) => k.kind === "dot" && k.dtype === "float32")) && relaxedSimdAvailable());
  const binaryen = !!opts.binaryen || (opts.optimize ?? 0) > 0 || !!opts.text || !!opts.validate;
  const bytes = encodeEntries(entries, {
    simd: opts.simd,
    relaxedSimd,
    names: !!opts.text,
    customSections: binaryen ? undefined : opts.customSections,
  });
  observers.forEach((f) => f(bytes, entries));
  if (!binaryen) return { bytes };
  const math = entries.some((e) => requiredMath(e.program).size > 0);
  const out = binaryenWorker()(bytes, { optimize: opts.optimize, validate: opts.validate, text: opts.text, relaxedSimd, math, customSections: opts.customSections });
  if (out.invalid) throw new Error(out.invalid);
  // Structured clone may hand back a plain object; normalise the bytes.
  return { bytes: new Uint8Array(out.bytes), text: out.text };
}
