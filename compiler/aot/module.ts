// Ahead-of-time modules: several lowered functions compiled into one standalone .wasm with
// a manifest, for wax/runtime or the plain WebAssembly API (see the README's ABI section).

import {
  ABI_VERSION, type EntrySpec, type Manifest, MANIFEST_SECTION, appendCustomSection, encodeManifest, manifestDigest, toBase64,
} from "../../runtime/manifest.js";
import { readLayout } from "../../runtime/wasm-binary.js";
import type { ConcreteArray } from "../core/array.js";
import { emitWasmModule } from "../backend/compile.js";
import type { Lowered } from "../jit/jit.js";
import { lowerJaxpr } from "../lower/lower.js";
import type { Program } from "../lower/ir.js";
import type { ShapedArray } from "../shape.js";

export interface ModuleOptions {
  /** Binaryen optimisation level 0-4 (default 2). */
  optimize?: number;
  /** Emit SIMD instructions (default true). */
  simd?: boolean;
  /** Also return the text format. */
  text?: boolean;
  generator?: string;
}

export interface BuiltModule {
  bytes: Uint8Array;
  manifest: Manifest;
  text?: string;
}

const spec = (a: ShapedArray) => ({ shape: [...a.shape], dtype: a.dtype });

/** A valid wasm export name for a user's entry (letters, digits, _ and $). */
export function exportName(name: string): string {
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) {
    throw new TypeError(`entry name ${JSON.stringify(name)} must be a JS identifier to become a wasm export`);
  }
  return name;
}

export function buildModule(entries: { name: string; lowered: Lowered }[], opts: ModuleOptions = {}): BuiltModule {
  if (entries.length === 0) throw new TypeError("buildModule: no entries to compile");
  const programs: { name: string; program: Program }[] = [];
  const specs: EntrySpec[] = [];
  const seen = new Set<string>();
  for (const { name, lowered } of entries) {
    const exp = exportName(name);
    if (seen.has(exp)) throw new TypeError(`two entries are named ${exp}`);
    seen.add(exp);
    const closed = lowered.jaxpr;
    const program = lowerJaxpr(closed.jaxpr);
    programs.push({ name: exp, program });
    specs.push({
      name: exp,
      inputs: closed.inAvals.map(spec),
      outputs: closed.outAvals.map(spec),
      scratchBytes: program.scratchBytes,
      consts: (closed.consts as ConcreteArray[]).map((c) => {
        const buf = c.buffer;
        return { ...spec(c.aval), data: toBase64(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)) };
      }),
    });
  }
  const simd = opts.simd ?? true;
  const manifest: Manifest = {
    abi: ABI_VERSION,
    generator: opts.generator ?? "wax",
    features: simd ? ["simd128", "threads"] : ["threads"],
    entries: specs,
  };
  const { bytes: code, text } = emitWasmModule(programs, { optimize: opts.optimize ?? 2, simd, relaxedSimd: false, text: opts.text });
  // The manifest goes last, with the digest that binds it to the code just emitted.
  manifest.codeDigest = manifestDigest(readLayout(code).code, manifest);
  const bytes = appendCustomSection(code, MANIFEST_SECTION, encodeManifest(manifest));
  return { bytes, manifest, text };
}
