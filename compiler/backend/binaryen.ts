// Binaryen, where it pays: the direct encoder's module read back into Binaryen for `-O`
// levels (AOT), the text format and validation. It runs in the compile worker (worker.ts),
// so Binaryen (a 14.8 MB module, about a second to load) never loads on the jit path.

import type binaryenT from "binaryen";

type Binaryen = typeof binaryenT;

export interface BinaryenOptions {
  /** Optimisation level 0-4. */
  optimize?: number;
  validate?: boolean;
  text?: boolean;
  relaxedSimd?: boolean;
  /** Whether the module calls the math library (inlined into kernels even at -O0). */
  math?: boolean;
  customSections?: Record<string, Uint8Array>;
}

export interface BinaryenResult {
  bytes: Uint8Array;
  text?: string;
  /** Binaryen's validation messages, when asked to validate and it failed. */
  invalid?: string;
}

/** binaryen.js reads with a feature set when given one (its typings call that readBinaryWithFeatures). */
function read(bin: Binaryen, bytes: Uint8Array, relaxed: boolean): binaryenT.Module {
  return (bin.readBinary as (data: Uint8Array, features: number) => binaryenT.Module)(bytes, features(bin, relaxed));
}

export function features(bin: Binaryen, relaxed: boolean): number {
  return bin.Features.MVP | bin.Features.SIMD128 | bin.Features.Atomics | bin.Features.BulkMemory |
    bin.Features.NontrappingFPToInt | bin.Features.SignExt | bin.Features.MutableGlobals |
    (relaxed ? bin.Features.RelaxedSIMD : 0);
}

/** Whether Binaryen's validator accepts `bytes` (for tests): undefined, or what it printed. */
export function binaryenValidate(bin: Binaryen, bytes: Uint8Array, relaxed = true): string | undefined {
  const m = read(bin, bytes, relaxed);
  try {
    return m.validate() ? undefined : "invalid";
  } finally {
    m.dispose();
  }
}

export function runBinaryen(bin: Binaryen, bytes: Uint8Array, opts: BinaryenOptions): BinaryenResult {
  const m = read(bin, bytes, !!opts.relaxedSimd);
  try {
    if (opts.validate && !m.validate()) return { bytes, invalid: "wax backend: generated module failed validation" };
    // A full pipeline costs 10-30 ms even for small modules; at -O0 only the passes that
    // matter: dropping unused code and inlining the math library into kernels.
    m.runPasses(["remove-unused-module-elements"]);
    if (opts.math) m.runPasses(["inlining-optimizing"]);
    const level = opts.optimize ?? 0;
    if (level > 0) {
      bin.setOptimizeLevel(Math.min(level, 3));
      bin.setShrinkLevel(level > 3 ? 2 : 0);
      m.optimize();
    }
    for (const [name, data] of Object.entries(opts.customSections ?? {})) m.addCustomSection(name, data);
    return { bytes: m.emitBinary(), text: opts.text ? m.emitText() : undefined };
  } finally {
    m.dispose();
  }
}
