// The math library (wasm/, AssemblyScript) as templates the encoder inlines into kernels:
// each exported function's types, locals and compiled instructions, with the local
// indices and returns to patch, extracted from dist/wasm/math.wasm at build time
// (wasm/extract.mjs, written to mathlib-data.js by wasm/build.mjs). The instructions are
// the library's own, so kernels compute bit for bit what the library computes.

import { mathLibrary } from "./mathlib-data.js";
import type { ValType } from "./builder.js";

export interface MathFunction {
  params: ValType[];
  results: ValType[];
  /** Types of the locals after the parameters. */
  locals: ValType[];
  /** The instructions, through the function's final `end`. */
  code: Uint8Array;
  /** [offset, length, kind, value]: kind 0, a local index; kind 1, a return at `value` blocks deep. */
  patches: [number, number, 0 | 1, number][];
}

const decoded = new Map<string, MathFunction>();

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The library function exported as `name` (e.g. "exp_f32x4"), or undefined. */
export function mathFunction(name: string): MathFunction | undefined {
  let f = decoded.get(name);
  if (!f) {
    const raw = Object.hasOwn(mathLibrary, name) ? mathLibrary[name] : undefined;
    if (!raw) return undefined;
    f = { params: raw.params, results: raw.results, locals: raw.locals, code: fromBase64(raw.code), patches: raw.patches };
    decoded.set(name, f);
  }
  return f;
}
