// Program -> wasm module, through the builder (builder.ts) and the direct encoder
// (encoder.ts). The module imports one shared memory (env.memory) and exports one entry
// function per program: (inputs..., outputs..., scratch, consts...) -> void, each a byte
// address. Kernels are functions the entry calls in order; the math library functions
// they call are appended to the module.

import { T } from "./builder.js";
import { type Expr, type Kernel, type Program, children } from "../lower/ir.js";
import { emitDotKernel } from "./dot.js";
import { ModuleBuilder, encodeModule } from "./encoder.js";
import { FnBuilder, type Ref } from "./fn.js";
import { emitArgReduceKernel, emitLoopKernel, emitReduceKernel } from "./kernels.js";
import { mathCalls } from "./ops.js";
import { emitBarrier } from "./barrier.js";

export interface EmitOptions {
  /** Name of the exported entry function. */
  entry?: string;
  simd?: boolean;
  /** Binaryen optimisation level, 0-4 (0: the direct encoder's output as it is). */
  optimize?: number;
  /**
   * Pass the module through Binaryen even at level 0 (dropping unused code and inlining the
   * math library into kernels: what jit emitted before the direct encoder; benchmarks).
   */
  binaryen?: boolean;
  /** Run Binaryen's validator. */
  validate?: boolean;
  /** Use relaxed SIMD's fused multiply-add in dot products (only where the engine validates it). */
  relaxedSimd?: boolean;
  /** Also return the text format (Binaryen's). */
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

export interface EntryProgram {
  name: string;
  program: Program;
}

export interface EncodeModuleOptions {
  simd?: boolean;
  relaxedSimd?: boolean;
  customSections?: Record<string, Uint8Array>;
  /** A name section, for Binaryen's text output. */
  names?: boolean;
}

/**
 * One module with an exported function per entry: (inputs..., outputs..., scratch, consts...),
 * every argument a byte address in the imported shared memory. Synchronous, no dependency.
 */
export function encodeEntries(entries: EntryProgram[], opts: EncodeModuleOptions = {}): Uint8Array {
  const simd = opts.simd ?? true;
  const m = new ModuleBuilder();
  for (const { name, program } of entries) addEntry(m, name, program, simd, !!opts.relaxedSimd);
  for (const [name, data] of Object.entries(opts.customSections ?? {})) m.addCustomSection(name, data);
  return encodeModule(m, { names: opts.names });
}

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

function addEntry(m: ModuleBuilder, entry: string, p: Program, simd: boolean, relaxed: boolean): void {
  const i32 = T.i32;
  const nIn = p.numInputs, nOut = p.numOutputs, nConst = p.numConsts;
  // pmap programs take three more addresses: this device's info, the workspace, the barrier.
  const nExtra = p.pmap ? 3 : 0;
  const entryParams = new Array<number>(nIn + nOut + 1 + nConst + nExtra).fill(i32);
  const entryFb = new FnBuilder(m, entryParams);
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
    const fb = new FnBuilder(m, used.map(() => i32));
    const ptr = (buf: number) => fb.get(used.indexOf(buf), i32);
    const body = emitKernel(fb, k, ptr, simd, relaxed);
    const name = `${entry}$k${idx}_${k.kind}`;
    m.addFunction(name, used.map(() => i32), [], fb.vars, m.block(null, body));
    calls.push(m.call(name, used.map((b) => bufferPtr(entryFb, b)), T.none));
  });
  m.addFunction(entry, entryParams, [], entryFb.vars, m.block(null, calls));
  m.addFunctionExport(entry, entry);
}
