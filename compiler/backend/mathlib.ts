// The math library (wasm/, AssemblyScript) as data the encoder appends to a module: each
// exported function's type and compiled body, extracted from dist/wasm/math.wasm at build
// time (wasm/build.mjs writes mathlib-data.js). The bodies are the library's own bytes,
// so kernels compute bit for bit what the library computes; they call nothing, so they
// need no relocation.

import { mathLibrary } from "./mathlib-data.js";
import type { ValType } from "./builder.js";

export interface MathFunction {
  params: ValType[];
  results: ValType[];
  /** The code section entry without its size: locals, then instructions. */
  body: Uint8Array;
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
    f = { params: raw.params, results: raw.results, body: fromBase64(raw.body) };
    decoded.set(name, f);
  }
  return f;
}
