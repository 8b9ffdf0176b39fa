// Program -> wasm bytes, with Binaryen. The module imports one shared memory (env.memory)
// and exports one entry function: (inputs..., outputs..., scratch, consts...) -> void, each
// a byte address. Kernels are functions the entry calls in order; the math library is
// merged in so Binaryen can inline it.

import type binaryenT from "binaryen";
import { type Expr, type Kernel, type Program, children } from "../lower/ir.js";
import { emitDotKernel } from "./dot.js";
import { FnBuilder, type Ref } from "./fn.js";
import { emitArgReduceKernel, emitLoopKernel, emitReduceKernel } from "./kernels.js";
import { mathCalls, setMathNames } from "./ops.js";
import { emitBarrier } from "./barrier.js";

type Binaryen = typeof binaryenT;

export interface EmitOptions {
  /** Name of the exported entry function. */
  entry?: string;
  simd?: boolean;
  /** Binaryen optimisation level, 0-4 (0: only the cheap passes jit needs). */
  optimize?: number;
  /** Run Binaryen's validator (tests). */
  validate?: boolean;
  /** Use relaxed SIMD's fused multiply-add in dot products (only where the engine validates it). */
  relaxedSimd?: boolean;
  /** Also return the text format. */
  text?: boolean;
  /** Custom sections to add (name -> bytes), e.g. the CLI's manifest. */
  customSections?: Record<string, Uint8Array>;
}

export interface Emitted {
  bytes: Uint8Array;
  text?: string;
}

function kernelMath(k: Kernel): Set<string> {
  if (k.kind === "dot" || k.kind === "barrier") return new Set();
  return mathCalls(k.expr);
}

/** The names of the library functions the program calls (scalar and SIMD forms). */
export function requiredMath(p: Program): Set<string> {
  const out = new Set<string>();
  for (const k of p.kernels) for (const f of kernelMath(k)) out.add(f);
  return out;
}

export function emitProgram(bin: Binaryen, p: Program, mathlib: Uint8Array | null, opts: EmitOptions = {}): Emitted {
  return emitModule(bin, [{ name: opts.entry ?? "main", program: p }], mathlib, opts);
}

export interface EntryProgram {
  name: string;
  program: Program;
}

/**
 * One module with an exported function per entry: (inputs..., outputs..., scratch, consts...),
 * every argument a byte address in the imported shared memory.
 */
export function emitModule(bin: Binaryen, entries: EntryProgram[], mathlib: Uint8Array | null, opts: EmitOptions = {}): Emitted {
  const simd = opts.simd ?? true;
  const needMath = entries.some((e) => requiredMath(e.program).size > 0);
  if (needMath && !mathlib) throw new Error("wax backend: the math library (dist/wasm/math.wasm) is missing; run npm run build");
  const m = needMath ? bin.readBinary(mathlib!) : new bin.Module();
  m.setFeatures(
    bin.Features.MVP | bin.Features.SIMD128 | bin.Features.Atomics | bin.Features.BulkMemory |
      bin.Features.NontrappingFPToInt | bin.Features.SignExt | bin.Features.MutableGlobals |
      (opts.relaxedSimd ? bin.Features.RelaxedSIMD : 0),
  );
  // The library's exports are internal here: drop them so unused functions can be removed.
  const names = new Map<string, string>();
  if (needMath) {
    for (let i = 0; i < m.getNumExports(); i++) {
      const info = bin.getExportInfo(m.getExportByIndex(i));
      names.set(info.name, info.value);
    }
    names.forEach((_, n) => m.removeExport(n));
  }
  setMathNames(names);
  if (!m.hasMemory()) {
    m.setMemory(1, 65536, null, [], true);
    m.addMemoryImport("0", "env", "memory", true);
  }
  for (const { name, program } of entries) addEntry(bin, m, name, program, simd, !!opts.relaxedSimd);
  if (opts.customSections) {
    for (const [name, data] of Object.entries(opts.customSections)) m.addCustomSection(name, data);
  }

  if (opts.validate && !m.validate()) throw new Error("wax backend: generated module failed validation");
  // A full Binaryen pipeline costs 10-30 ms even for small modules, so jit runs only the
  // cheap passes that matter (dropping unused library code, inlining it into kernels) and
  // leaves the rest to the engine; ahead-of-time compilation asks for a real level.
  m.runPasses(["remove-unused-module-elements"]);
  if (needMath) {
    // Each kernel is called once, from the entry, so Binaryen would inline every kernel into
    // the entry and then optimise that one giant function: seconds for a training step's
    // fifty kernels. Kernels stay functions; only the library is inlined, into them.
    bin.setPassArgument("no-inline", `*${KERNEL_MARK}*`);
    m.runPasses(["no-inline", "inlining-optimizing"]);
    bin.setPassArgument("no-inline", null);
  }
  const level = opts.optimize ?? 0;
  if (level > 0) {
    bin.setOptimizeLevel(Math.min(level, 3));
    bin.setShrinkLevel(level > 3 ? 2 : 0);
    m.optimize();
  }
  const bytes = m.emitBinary();
  const text = opts.text ? m.emitText() : undefined;
  m.dispose();
  return { bytes, text };
}

/** In every kernel function's name, so that a pass argument can pick the kernels out. */
const KERNEL_MARK = "$kernel";

function kernelBuffers(k: Kernel): Set<number> {
  const out = new Set<number>();
  const addView = (v: { buf: number; dyn?: { buf: number }[] }) => {
    out.add(v.buf);
    v.dyn?.forEach((d) => out.add(d.buf));
  };
  if (k.kind === "dot") {
    addView(k.a);
    addView(k.b);
    addView(k.c);
    if (k.pack !== undefined) out.add(k.pack);
    return out;
  }
  if (k.kind === "barrier") return out.add(k.buf);
  addView(k.out);
  const walk = (e: Expr): void => {
    if (e.op === "load") addView(e.view);
    children(e).forEach(walk);
  };
  walk(k.expr);
  return out;
}

function emitKernel(fb: FnBuilder, k: Kernel, ptr: (buf: number) => Ref, simd: boolean, relaxed: boolean): Ref[] {
  switch (k.kind) {
    case "loop":
      return emitLoopKernel(fb, k, ptr, simd);
    case "reduce":
      return emitReduceKernel(fb, k, ptr, simd);
    case "argreduce":
      return emitArgReduceKernel(fb, k, ptr);
    case "dot":
      return emitDotKernel(fb, k, ptr, simd, relaxed);
    case "barrier":
      return emitBarrier(fb, k.n, ptr(k.buf));
  }
}

function addEntry(bin: Binaryen, m: binaryenT.Module, entry: string, p: Program, simd: boolean, relaxed: boolean): void {
  const i32 = bin.i32;
  const nIn = p.numInputs, nOut = p.numOutputs, nConst = p.numConsts;
  // pmap programs take three more addresses: this device's info, the workspace, the barrier.
  const nExtra = p.pmap ? 3 : 0;
  const entryParams = new Array<number>(nIn + nOut + 1 + nConst + nExtra).fill(i32);
  const entryFb = new FnBuilder(bin, m, entryParams);
  const bufferPtr = (fb: FnBuilder, buf: number): Ref => {
    const d = p.buffers[buf]!;
    switch (d.kind) {
      case "input":
        return fb.get(d.index, i32);
      case "output":
        return fb.get(nIn + d.index, i32);
      case "scratch":
        return m.i32.add(fb.get(nIn + nOut, i32), m.i32.const(d.index));
      case "const":
        return fb.get(nIn + nOut + 1 + d.index, i32);
      case "devinfo":
        return fb.get(nIn + nOut + 1 + nConst, i32);
      case "workspace":
        return fb.get(nIn + nOut + 1 + nConst + 1, i32);
      case "barrier":
        return fb.get(nIn + nOut + 1 + nConst + 2, i32);
    }
  };
  const calls: Ref[] = [];
  p.kernels.forEach((k, idx) => {
    const used = [...kernelBuffers(k)].sort((a, b) => a - b);
    const fb = new FnBuilder(bin, m, used.map(() => i32));
    const ptr = (buf: number) => fb.get(used.indexOf(buf), i32);
    const body = emitKernel(fb, k, ptr, simd, relaxed);
    const name = `${entry}${KERNEL_MARK}${idx}_${k.kind}`;
    m.addFunction(name, bin.createType(used.map(() => i32)), bin.none, fb.vars, m.block(null, body));
    calls.push(m.call(name, used.map((b) => bufferPtr(entryFb, b)), bin.none));
  });
  m.addFunction(entry, bin.createType(entryParams), bin.none, entryFb.vars, m.block(null, calls));
  m.addFunctionExport(entry, entry);
}
