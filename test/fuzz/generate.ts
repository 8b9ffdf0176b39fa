// The generator: a well-typed random program, deterministic in its seed, whose every op
// the oracle accepts as a fair comparison.

import type { DType } from "../../compiler/index.js";
import { Rng } from "../rng.js";
import {
  BINARY, type DataKind, NP_BINARY, NP_REDUCE, type InputSpec, type Op, type OpKind, type Program, Reject, UNARY, VMAPPED,
  kindsFor, laxBroadcastable, makeInput, numpyBroadcastable, sizeOf,
} from "./ops.js";
import { type ValueInfo, analyzeOp, valueInfo } from "./oracle.js";

// ---- generating -----------------------------------------------------------------------------

const WEIGHTS: [OpKind, number][] = [
  ["unary", 14], ["binary", 14], ["scalar", 6], ["npbinary", 6], ["reduce", 6], ["npreduce", 3], ["argreduce", 3],
  ["transpose", 5], ["reshape", 4], ["squeeze", 2], ["expand", 2], ["broadcast", 4], ["slice", 5], ["index", 3],
  ["rev", 3], ["concat", 4], ["dynslice", 3], ["select", 5], ["where", 2], ["convert", 5], ["ipow", 3],
  ["dot", 5], ["matmul", 2], ["iota", 2], ["clip", 2], ["nn", 3], ["constant", 3], ["vmapped", 4],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((n, [, w]) => n + w, 0);

function pickKind(g: Rng): OpKind {
  let t = g.next() * TOTAL_WEIGHT;
  for (const [k, w] of WEIGHTS) if ((t -= w) < 0) return k;
  return "unary";
}

export interface GenerateOptions {
  /** Largest dim of a random input shape. */
  maxDim?: number;
  /** Largest number of elements of an input. */
  maxInputSize?: number;
  minOps?: number;
  maxOps?: number;
  /** How input data is drawn per dtype (default: every kind, specials and integers included). */
  dataKinds?: (dtype: DType) => DataKind[];
}

function randomShape(g: Rng, maxDim: number, maxSize: number): number[] {
  const rank = g.pick([0, 1, 1, 2, 2, 2, 3, 3, 4]);
  const dims = [1, 2, 3, 4, 5, 7, maxDim];
  let shape = Array.from({ length: rank }, () => (g.chance(0.03) ? 0 : g.pick(dims)));
  while (sizeOf(shape) > maxSize) shape = shape.map((d) => Math.max(1, d >> 1));
  return shape;
}

/** Picks a value, favouring recent ones (so ops chain) and floats (where the arithmetic is). */
function pickValue(g: Rng, vals: ValueInfo[], ok: (v: ValueInfo) => boolean = () => true): number | null {
  const idx = vals.map((_, i) => i).filter((i) => ok(vals[i]!));
  if (idx.length === 0) return null;
  const w = idx.map((i, k) => (k + 1) * (vals[i]!.dtype === "float32" ? 3 : 1));
  let t = g.next() * w.reduce((a, b) => a + b, 0);
  for (let k = 0; k < idx.length; k++) if ((t -= w[k]!) < 0) return idx[k]!;
  return idx[idx.length - 1]!;
}

const TRANSCENDENTAL = ["exp", "log", "log1p", "expm1", "tanh", "logistic", "sin", "cos", "sqrt", "rsqrt"];

/** A random op on existing values (its shape-dependent parameters come later from `r`), or null. */
function randomOp(g: Rng, vals: ValueInfo[]): Op | null {
  const kind = pickKind(g);
  const r = g.word();
  const a = pickValue(g, vals);
  if (a === null) return null;
  const A = vals[a]!;
  const same = (f: (v: ValueInfo) => boolean) => pickValue(g, vals, (v) => v.dtype === A.dtype && f(v)) ?? a;
  switch (kind) {
    case "unary":
      if (A.dtype === "bool" && g.chance(0.7)) return null;
      return { kind, args: [a], fn: g.pick(A.dtype === "float32" && g.chance(0.5) ? TRANSCENDENTAL : UNARY[A.dtype]), r };
    case "binary":
      return { kind, args: [a, same((v) => laxBroadcastable(A.shape, v.shape))], fn: g.pick(BINARY[A.dtype]), r };
    case "scalar": {
      if (A.dtype === "bool") return null;
      const c = A.dtype === "int32" ? g.pick([0, 1, -1, 2, 3, -7, 5]) : g.pick([0, 1, -1, 0.5, 2, -1.5, 3, 0.1, -0]);
      return { kind, args: [a], fn: g.pick(BINARY[A.dtype]), c, mode: g.chance(0.3) ? "left" : "right", r };
    }
    case "npbinary": {
      const b = pickValue(g, vals, (v) => numpyBroadcastable(A.shape, v.shape)) ?? a;
      return { kind, args: [a, b], fn: g.pick(NP_BINARY), r };
    }
    case "reduce":
      return { kind, args: [a], fn: g.pick(A.dtype === "bool" ? ["max", "min"] : ["sum", "sum", "max", "min", "prod"]), r };
    case "npreduce":
      return { kind, args: [a], fn: g.pick(NP_REDUCE), r };
    case "argreduce":
      return { kind, args: [a], fn: g.pick(["argmax", "argmin"]), mode: g.chance(0.2) ? "np" : "lax", r };
    case "transpose": case "reshape": case "squeeze": case "expand": case "broadcast": case "slice": case "index": case "rev":
      return { kind, args: [a], r };
    case "concat": {
      if (A.shape.length === 0) return null;
      const dim = r % A.shape.length;
      const fits = (v: ValueInfo) => v.shape.length === A.shape.length && v.shape.every((d, i) => i === dim || d === A.shape[i]);
      const args = [a, same(fits)];
      if (g.chance(0.3)) args.push(same(fits));
      return { kind, args, r };
    }
    case "dynslice": {
      const idx = g.chance(0.6) ? pickValue(g, vals, (v) => v.dtype === "int32") : null;
      return { kind, args: idx === null ? [a] : [a, idx], r };
    }
    case "select": {
      const w = pickValue(g, vals, (v) => (v.dtype === "bool" || v.dtype === "int32") && (v.shape.length === 0 || v.shape.join() === A.shape.join()));
      if (w === null || w === a) return null;
      const fits = (v: ValueInfo) => v.shape.join() === A.shape.join();
      const cases = vals[w]!.dtype === "bool" ? [a, same(fits)] : [a, same(fits), ...(g.chance(0.5) ? [same(fits)] : [])];
      return { kind, args: [w, ...cases], r };
    }
    case "where": {
      const c = pickValue(g, vals, (v) => numpyBroadcastable(A.shape, v.shape)) ?? a;
      const b = pickValue(g, vals, (v) => numpyBroadcastable(A.shape, v.shape) && numpyBroadcastable(vals[c]!.shape, v.shape)) ?? a;
      return { kind, args: [c, a, b], r };
    }
    case "convert":
      return { kind, args: [a], dtype: g.pick((["float32", "int32", "bool"] as DType[]).filter((d) => d !== A.dtype)), r };
    case "ipow":
      return { kind, args: [a], y: A.dtype === "float32" ? g.int(-3, 6) : g.int(0, 6), r };
    case "dot": {
      const shares = (v: ValueInfo) => v.shape.some((d) => A.shape.includes(d));
      const b = same(shares);
      const pet = A.dtype === "int32" && g.chance(0.2) ? "float32" : g.chance(0.1) ? A.dtype : undefined;
      return { kind, args: [a, b], r, ...(pet ? { dtype: pet as DType } : {}) };
    }
    case "matmul": {
      if (A.dtype === "bool" || A.shape.length === 0) return null;
      const k = A.shape[A.shape.length - 1]!;
      const b = pickValue(g, vals, (v) => v.dtype === A.dtype && (v.shape.length === 1 ? v.shape[0] === k : v.shape.length >= 2 && v.shape[v.shape.length - 2] === k));
      if (b === null) return null;
      return { kind, args: [a, b], fn: g.pick(["matmul", "dot"]), r };
    }
    case "iota":
      return { kind, args: [a], dtype: g.pick(["int32", "float32"] as DType[]), r };
    case "clip":
      if (A.dtype === "bool") return null;
      return { kind, args: [a], c: A.dtype === "int32" ? g.int(-4, 2) : g.pick([-1, -0.5, 0, 1]), r };
    case "nn":
      return { kind, args: [a], fn: g.pick(["softmax", "logsumexp", "relu", "sigmoid"]), r };
    case "constant":
      return { kind, args: [a], fn: g.pick(BINARY[A.dtype].filter((f) => !["pow", "rem"].includes(f))), mode: g.chance(0.3) ? "scalar" : "array", r };
    case "vmapped":
      return { kind, args: [a], fn: g.pick(Object.keys(VMAPPED)), r };
  }
}

/** A well-typed random program (with its value infos), deterministic in `seed`. */
export function generateProgram(seed: number, opts: GenerateOptions = {}): { program: Program; infos: ValueInfo[] } {
  const g = new Rng(seed * 7919 + 17);
  const maxDim = opts.maxDim ?? 6;
  const nIn = g.int(1, 3);
  const inputs: InputSpec[] = [];
  for (let i = 0; i < nIn; i++) {
    const dtype = g.pick(["float32", "float32", "float32", "int32", "int32", "bool"] as DType[]);
    // Later inputs often share the first one's shape, so binary ops find partners.
    const shape = i > 0 && g.chance(0.5) ? [...inputs[0]!.shape] : randomShape(g, maxDim, opts.maxInputSize ?? 1024);
    inputs.push({ shape, dtype, kind: g.pick((opts.dataKinds ?? kindsFor)(dtype)), seed: g.word() });
  }
  const vals = inputs.map((s) => valueInfo(makeInput(s), 0));
  const ops: Op[] = [];
  const target = g.int(opts.minOps ?? 3, opts.maxOps ?? 15);
  for (let tries = 0; ops.length < target && tries < target * 20; tries++) {
    const op = randomOp(g, vals);
    if (!op) continue;
    if (g.chance(0.12)) op.nested = true;
    try {
      vals.push(analyzeOp(op, op.args.map((x) => vals[x]!)));
      ops.push(op);
    } catch (e) {
      if (!(e instanceof Reject)) throw e;
    }
  }
  // Every value no op uses (so every op is checked, while chains stay fused), and
  // sometimes an input passed through or an output twice.
  const used = new Set(ops.flatMap((op) => op.args));
  const outputs = vals.map((_, i) => i).filter((i) => i >= nIn && !used.has(i));
  if (outputs.length === 0) outputs.push(vals.length - 1);
  if (g.chance(0.1)) outputs.push(g.int(0, nIn - 1));
  if (g.chance(0.1)) outputs.push(outputs[0]!);
  return { program: { seed, inputs, ops, outputs }, infos: vals };
}
