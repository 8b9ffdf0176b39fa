// Seeded random programs over wax's primitives, for differential testing of the wasm
// backend: each program runs on the reference interpreter (the oracle), as eager wasm
// kernels and under jit, and the three must agree.
//
// A program is a list of ops over numbered values (inputs first). Each op keeps its
// shape-independent choices (a function name, a dtype, an exponent) and a random word
// `r` from which shape-dependent parameters (axes, permutations, slices, reshapes) are
// derived when it runs, so a program stays well-typed while the shrinker changes its
// input shapes or removes ops.
//
// How close the backends must be is decided per value by a forward error analysis run
// on the reference values: a value is exact (bit-for-bit equal, NaN = NaN) when it comes
// from exact operations on exact values, and otherwise carries an absolute error bound
// (units: the float32 unit roundoff u = 2^-24, scaled by the magnitudes involved):
//   - add, sub, mul, div, sqrt, max, min, layout ops, selects, conversions, comparisons
//     and integer_pow with |y| <= 3 are correctly rounded in both backends: exact;
//   - exp, expm1, log, log1p, sin, cos, pow: within 1 ulp of the correctly rounded result,
//     logistic within 2, tanh within 6 (wasm/README.md), rsqrt (sqrt, then divide) within 2;
//   - float sums and dots: the reference accumulates in float64, the backend in float32
//     in another order: |error| <= n u sum|x_i| (n terms); exact when every term is an
//     integer and the sum of magnitudes is below 2^24, as then no rounding happens at all;
//   - errors of inputs propagate through each op by its derivative bound.
// Ops whose result would jump on a tiny input error (floor, sign, comparisons, argmax,
// float->int conversion, rem) are only applied to exact values, and an op is rejected
// when its error bound stops being small against its values (cancellation, log near 0),
// so every comparison the fuzzer makes is one the backends must pass.

import { getEagerBackend, jit, lax, makeJaxpr, numpy as np, vmap, withEagerBackend } from "../compiler/index.js";
import type { Array as WaxArray, DType } from "../compiler/index.js";
import { Tracer } from "../compiler/core/trace.js";

// The PRNG lives in ./rng.ts; re-exported for the tests that import it from here.
export { Rng } from "./rng.js";
import { Rng } from "./rng.js";

// ---- float32 helpers ----------------------------------------------------------------------

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** Position of an f32 on the number line in f32 steps (+0 and -0 are both 0). */
export function ordinal(x: number): number {
  f32[0] = x;
  return i32[0]! >= 0 ? i32[0]! : -(i32[0]! & 0x7fffffff);
}

/** Distance in f32 steps; 0 for two NaNs, Infinity when one side is NaN or they differ in finiteness. */
export function ulpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b ? 0 : Infinity;
  return Math.abs(ordinal(a) - ordinal(b));
}

export const U = 2 ** -24;
/** Absolute slack for results in the subnormal range, where relative bounds stop holding. */
const TINY = 1e-37;
const FLT_MAX = 3.4028234663852886e38;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

export function sameBits(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

// ---- comparing arrays ---------------------------------------------------------------------

/** How closely two results must agree. */
export type Tolerance =
  | { kind: "exact" }
  /** Within `ulps` f32 steps; non-finite values must match exactly. */
  | { kind: "ulps"; ulps: number }
  /** |got - want| <= bound (a number, or one bound per element); both non-finite passes. */
  | { kind: "abs"; bound: number | ArrayLike<number> };

export interface ElementMismatch {
  index: number;
  want: number;
  got: number;
  allowed: string;
}

/** The first element where `got` is outside `tol` of `want`, or null. Shapes and dtypes must match. */
export function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): ElementMismatch | null {
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!, g = got[i]!;
    if (tol.kind === "exact") {
      if (!sameBits(g, w)) return { index: i, want: w, got: g, allowed: "exact" };
    } else if (tol.kind === "ulps") {
      if (ulpDistance(g, w) > tol.ulps) return { index: i, want: w, got: g, allowed: `${tol.ulps} ulp (off by ${ulpDistance(g, w)})` };
    } else {
      const bound = typeof tol.bound === "number" ? tol.bound : tol.bound[i]!;
      if (!Number.isFinite(w) || !Number.isFinite(g)) {
        if (!Number.isFinite(w) && !Number.isFinite(g)) continue;
        // Overflow at the edge of the range may land on either side of FLT_MAX.
        if (Math.abs(Number.isFinite(w) ? w : g) > FLT_MAX / 2 || !Number.isFinite(bound)) continue;
        return { index: i, want: w, got: g, allowed: `±${bound}` };
      }
      if (!(Math.abs(g - w) <= bound)) return { index: i, want: w, got: g, allowed: `±${bound}` };
    }
  }
  return null;
}

/** A one-line message for a mismatch, or "" when the arrays agree. */
export function compareArrays(got: WaxArray, want: WaxArray, tol: Tolerance): string {
  if (got.dtype !== want.dtype || got.shape.join() !== want.shape.join()) {
    return `got ${got.dtype}[${got.shape}], expected ${want.dtype}[${want.shape}]`;
  }
  const m = firstMismatch(got.data(), want.data(), tol);
  if (!m) return "";
  const idx = unravel(m.index, want.shape);
  return `at [${idx}] (flat ${m.index}): got ${fmt(m.got)}, expected ${fmt(m.want)} (allowed: ${m.allowed})`;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const out: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    out.unshift(i % shape[d]!);
    i = Math.floor(i / shape[d]!);
  }
  return out;
}

function fmt(x: number): string {
  return Object.is(x, -0) ? "-0" : String(x);
}

// ---- programs ----------------------------------------------------------------------------

/** How an input's values are drawn. */
export type DataKind =
  | "int" // float32 integers in [-5, 5]: sums and products of them are exact
  | "real" // float32 uniform in [-4, 4]
  | "pos" // float32 uniform in [0.25, 4]
  | "special" // float32 reals with NaN, ±Infinity and ±0 mixed in
  | "small" // int32 in [-6, 6]
  | "wide" // int32 anywhere, with INT_MIN, INT_MAX, -1 and 0 mixed in
  | "bits"; // bool

export interface InputSpec {
  shape: number[];
  dtype: DType;
  kind: DataKind;
  seed: number;
}

export interface Op {
  kind: OpKind;
  /** Value numbers of the operands (inputs are 0..n-1, op k makes value n+k). */
  args: number[];
  /** Shape-independent choices. */
  fn?: string;
  dtype?: DType;
  y?: number;
  c?: number;
  mode?: string;
  /** A random word: the source of every shape-dependent parameter. */
  r: number;
  /** Run through a jit of its own: an xla_call inside the traced program, a compiled call eagerly. */
  nested?: boolean;
}

export interface Program {
  seed: number;
  inputs: InputSpec[];
  ops: Op[];
  outputs: number[];
}

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

export function makeInput(spec: InputSpec): WaxArray {
  const g = new Rng(spec.seed);
  const n = sizeOf(spec.shape);
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1, -1];
  const wide = [INT_MIN, INT_MAX, -1, 0, 1, INT_MIN + 1];
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    switch (spec.kind) {
      case "int": vals.push(g.int(-5, 5)); break;
      case "real": vals.push(-4 + 8 * g.next()); break;
      case "pos": vals.push(0.25 + 3.75 * g.next()); break;
      case "special": vals.push(g.chance(0.25) ? g.pick(specials) : -4 + 8 * g.next()); break;
      case "small": vals.push(g.int(-6, 6)); break;
      case "wide": vals.push(g.chance(0.3) ? g.pick(wide) : g.word() | 0); break;
      case "bits": vals.push(g.chance(0.5) ? 1 : 0); break;
    }
  }
  const Ctor = spec.dtype === "float32" ? Float32Array : spec.dtype === "int32" ? Int32Array : Uint8Array;
  return np.array(Ctor.from(vals), { shape: spec.shape, dtype: spec.dtype });
}

export function kindsFor(dtype: DType): DataKind[] {
  return dtype === "float32" ? ["int", "real", "real", "pos", "special"] : dtype === "int32" ? ["small", "small", "wide"] : ["bits"];
}

// ---- ops -----------------------------------------------------------------------------------

export type OpKind =
  | "unary" | "binary" | "scalar" | "npbinary" | "reduce" | "npreduce" | "argreduce" | "transpose"
  | "reshape" | "squeeze" | "expand" | "broadcast" | "slice" | "index" | "rev" | "concat"
  | "dynslice" | "select" | "where" | "convert" | "ipow" | "dot" | "matmul" | "iota" | "clip" | "nn"
  | "constant" | "vmapped";

/** Thrown when an op does not fit its operands or its result would not be a fair comparison. */
export class Reject extends Error {}

const UNARY: Record<DType, string[]> = {
  float32: ["neg", "sign", "floor", "ceil", "abs", "sqrt", "rsqrt", "exp", "log", "log1p", "expm1", "tanh", "logistic", "sin", "cos", "isFinite", "stopGradient"],
  int32: ["neg", "sign", "abs", "bitwiseNot"],
  bool: ["bitwiseNot"],
};
const BINARY: Record<DType, string[]> = {
  float32: ["add", "sub", "mul", "div", "rem", "pow", "max", "min", "eq", "ne", "lt", "le", "gt", "ge"],
  int32: ["add", "sub", "mul", "div", "rem", "max", "min", "eq", "ne", "lt", "le", "gt", "ge", "bitwiseAnd", "bitwiseOr"],
  bool: ["max", "min", "eq", "ne", "lt", "le", "gt", "ge", "bitwiseAnd", "bitwiseOr"],
};
const NP_BINARY = [
  "add", "subtract", "multiply", "divide", "remainder", "floorDivide", "power", "maximum", "minimum",
  "equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual", "logicalAnd", "logicalOr",
];
const NP_REDUCE = ["sum", "mean", "max", "min", "prod", "any", "all"];

/** The index-th permutation of n items (Lehmer code). */
function permutation(n: number, index: number): number[] {
  const items = Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = n; k > 0; k--) {
    const i = index % k;
    index = Math.floor(index / k);
    out.push(items.splice(i, 1)[0]!);
  }
  return out;
}

const bitsOf = (r: number, n: number): number[] => Array.from({ length: n }, (_, i) => i).filter((i) => (r >>> i) & 1);
const list = (xs: readonly unknown[]): string => `[${xs.map((x) => (x === null ? "null" : Array.isArray(x) ? list(x) : String(x))).join(", ")}]`;
const lit = (c: number) => (Object.is(c, -0) ? "-0" : String(c));

function numpyBroadcastable(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const x = a[a.length - i]!, y = b[b.length - i]!;
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}

function laxBroadcastable(a: readonly number[], b: readonly number[]): boolean {
  if (a.length === 0 || b.length === 0) return true;
  return a.length === b.length && a.every((d, i) => d === b[i] || d === 1 || b[i] === 1);
}

/** Size limits: results of ops larger than `maxElements` are rejected. The fuzz script raises them. */
export const limits = { maxElements: 4096 };

interface Applied {
  out: WaxArray;
  /** The call in JS, with operands named by `names`. */
  code: string;
  /** For reductions and contractions: how many terms each result element combines. */
  terms?: number;
}

/**
 * Runs one op on its operands (concrete arrays or tracers), deriving its parameters from
 * their shapes. A nested op runs through its own jit, except on the reference backend,
 * where a jitted call would run compiled code instead of the oracle.
 */
export function applyOp(op: Op, xs: WaxArray[], names: string[]): Applied {
  if (!op.nested) return applyPlain(op, xs, names);
  const plain = { ...op, nested: false };
  const params = names.map((_, i) => `a${i}`);
  const wrap = (inner: Applied): Applied => ({ ...inner, code: `jit((${params.join(", ")}) => ${inner.code})(${names.join(", ")})` });
  if (getEagerBackend() === "reference" && !xs.some((x) => x instanceof Tracer)) return wrap(applyPlain(plain, xs, params));
  let inner: Applied | undefined;
  const out = jit((...a: WaxArray[]) => (inner = applyPlain(plain, a, params)).out)(...xs);
  return { ...wrap(inner!), out };
}

/** Small per-example functions for the vmapped op, over a named axis "i". */
const VMAPPED: Record<string, (r: WaxArray) => WaxArray> = {
  softmax: (r) => np.nn.softmax(lax.reshape(r, [r.size])),
  center: (r) => np.subtract(r, np.mean(r)),
  normsq: (r) => np.dot(np.ravel(r), np.ravel(r)),
  psum: (r) => lax.psum(r, "i"),
  pmax: (r) => np.subtract(r, lax.pmax(r, "i")),
  gather: (r) => lax.reduceMax(lax.allGather(r, "i"), [0]),
  index: (r) => np.multiply(r, lax.axisIndex("i")),
  argmax: (r) => np.argmax(r, null),
  revsum: (r) => lax.add(r, lax.rev(r, r.shape.map((_, i) => i))),
};

function applyPlain(op: Op, xs: WaxArray[], names: string[]): Applied {
  const [x, y] = xs as [WaxArray, WaxArray];
  const [a, b] = names as [string, string];
  const g = new Rng(op.r);
  const L = lax as unknown as Record<string, (...args: unknown[]) => WaxArray>;
  const N = np as unknown as Record<string, (...args: unknown[]) => WaxArray>;
  switch (op.kind) {
    case "unary":
      if (!UNARY[x.dtype].includes(op.fn!)) throw new Reject(`${op.fn} on ${x.dtype}`);
      return { out: L[op.fn!]!(x), code: `lax.${op.fn}(${a})` };
    case "binary":
      if (x.dtype !== y.dtype || !BINARY[x.dtype].includes(op.fn!) || !laxBroadcastable(x.shape, y.shape)) throw new Reject("binary operands");
      return { out: L[op.fn!]!(x, y), code: `lax.${op.fn}(${a}, ${b})` };
    case "scalar": {
      if (x.dtype === "bool" || !BINARY[x.dtype].includes(op.fn!)) throw new Reject("scalar operand");
      const c = x.dtype === "int32" ? Math.trunc(op.c!) : op.c!;
      return op.mode === "left"
        ? { out: L[op.fn!]!(c, x), code: `lax.${op.fn}(${lit(c)}, ${a})` }
        : { out: L[op.fn!]!(x, c), code: `lax.${op.fn}(${a}, ${lit(c)})` };
    }
    case "npbinary":
      if (!numpyBroadcastable(x.shape, y.shape)) throw new Reject("np broadcasting");
      return { out: N[op.fn!]!(x, y), code: `np.${op.fn}(${a}, ${b})` };
    case "reduce": {
      const axes = bitsOf(op.r, x.ndim);
      const name = { sum: "reduceSum", max: "reduceMax", min: "reduceMin", prod: "reduceProd" }[op.fn as "sum"];
      return { out: L[name]!(x, axes), code: `lax.${name}(${a}, ${list(axes)})`, terms: sizeOf(axes.map((d) => x.shape[d]!)) };
    }
    case "npreduce": {
      const keepdims = ((op.r >>> 8) & 1) === 1;
      const axis = x.ndim === 0 || op.r % 3 === 0 ? null : op.r % 3 === 1 ? (op.r >>> 10) % x.ndim : bitsOf(op.r >>> 12, x.ndim);
      const axes = axis === null ? x.shape.map((_, i) => i) : Array.isArray(axis) ? axis : [axis];
      return {
        out: N[op.fn!]!(x, axis, { keepdims }),
        code: `np.${op.fn}(${a}, ${axis === null ? "null" : Array.isArray(axis) ? list(axis) : axis}, { keepdims: ${keepdims} })`,
        terms: sizeOf(axes.map((d) => x.shape[d]!)),
      };
    }
    case "argreduce": {
      if (x.ndim === 0) throw new Reject("argmax of a scalar");
      const axis = op.r % x.ndim;
      if (op.mode === "np") return { out: N[op.fn!]!(x, null), code: `np.${op.fn}(${a}, null)` };
      return { out: L[op.fn!]!(x, axis, "int32"), code: `lax.${op.fn}(${a}, ${axis}, "int32")` };
    }
    case "transpose": {
      const perm = permutation(x.ndim, op.r % [1, 1, 2, 6, 24, 120][x.ndim]!);
      return { out: lax.transpose(x, perm), code: `lax.transpose(${a}, ${list(perm)})` };
    }
    case "reshape": {
      const shape = randomReshape(x.shape, g);
      return { out: lax.reshape(x, shape), code: `lax.reshape(${a}, ${list(shape)})` };
    }
    case "squeeze": {
      const ones = x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
      if (ones.length === 0) throw new Reject("nothing to squeeze");
      const dims = ones.filter((_, k) => k === 0 || g.chance(0.5));
      return { out: lax.squeeze(x, dims), code: `lax.squeeze(${a}, ${list(dims)})` };
    }
    case "expand": {
      const pos = op.r % (x.ndim + 1);
      return { out: lax.expandDims(x, [pos]), code: `lax.expandDims(${a}, [${pos}])` };
    }
    case "broadcast": {
      const extra = x.ndim >= 4 ? 0 : g.int(x.ndim === 0 ? 1 : 0, Math.min(2, 4 - x.ndim));
      const rank = x.ndim + extra;
      const dims = g.shuffle(Array.from({ length: rank }, (_, i) => i)).slice(0, x.ndim).sort((p, q) => p - q);
      const shape = Array.from({ length: rank }, () => g.int(1, 4));
      dims.forEach((d, i) => (shape[d] = x.shape[i] === 1 && g.chance(0.5) ? shape[d]! : x.shape[i]!));
      if (sizeOf(shape) > limits.maxElements) throw new Reject("too large");
      return { out: lax.broadcastInDim(x, shape, dims), code: `lax.broadcastInDim(${a}, ${list(shape)}, ${list(dims)})` };
    }
    case "slice": {
      const start: number[] = [], limit: number[] = [], strides: number[] = [];
      for (const d of x.shape) {
        const s = d === 0 ? 0 : g.int(0, d - 1);
        start.push(s);
        limit.push(d === 0 ? 0 : g.chance(0.1) ? s : g.int(s + 1, d));
        strides.push(g.pick([1, 1, 2, 3]));
      }
      const st = strides.every((s) => s === 1) || g.chance(0.3) ? null : strides;
      return { out: lax.slice(x, start, limit, st), code: `lax.slice(${a}, ${list(start)}, ${list(limit)}, ${st ? list(st) : "null"})` };
    }
    case "index": {
      if (x.ndim === 0) throw new Reject("index of a scalar");
      const entries = x.shape.slice(0, g.int(1, x.ndim)).map((d) => {
        const t = g.int(0, 5);
        if (t === 0 && d > 0) return g.int(-d, d - 1);
        if (t === 1) return null;
        const step = g.pick([1, 2, -1, -2, 3]);
        return [g.chance(0.3) ? null : g.int(-d - 1, d + 1), g.chance(0.3) ? null : g.int(-d - 1, d + 1), step];
      });
      return { out: x.slice(...(entries as never[])), code: `${a}.slice(${entries.map((e) => (Array.isArray(e) ? list(e) : String(e))).join(", ")})` };
    }
    case "rev": {
      const dims = bitsOf(op.r, x.ndim);
      return { out: lax.rev(x, dims), code: `lax.rev(${a}, ${list(dims)})` };
    }
    case "concat": {
      if (x.ndim === 0) throw new Reject("concatenate scalars");
      const dim = op.r % x.ndim;
      return { out: lax.concatenate(xs, dim), code: `lax.concatenate(${list(names)}, ${dim})` };
    }
    case "dynslice": {
      if (x.ndim === 0) throw new Reject("dynamic_slice of a scalar");
      const sizes = x.shape.map((d) => (d === 0 ? 0 : g.int(g.chance(0.1) ? 0 : 1, d)));
      const starts: (WaxArray | number)[] = [];
      const codes: string[] = [];
      let idx: WaxArray | null = null;
      if (xs.length > 1) {
        if (y.dtype !== "int32") throw new Reject("index dtype");
        idx = y.ndim === 0 ? y : lax.reduceMax(y, y.shape.map((_, i) => i));
      }
      x.shape.forEach((d) => {
        if (idx && g.chance(0.6)) {
          const k = g.int(-2, 2);
          starts.push(k === 0 ? idx : lax.add(idx, k));
          codes.push(`${k === 0 ? "s" : `lax.add(s, ${k})`}`);
        } else {
          const k = g.int(-2, d + 2);
          starts.push(k);
          codes.push(String(k));
        }
      });
      const pre = idx && y.ndim > 0 ? `/* s = lax.reduceMax(${b}, all) */ ` : idx ? `/* s = ${b} */ ` : "";
      return { out: lax.dynamicSlice(x, starts, sizes), code: `${pre}lax.dynamicSlice(${a}, [${codes.join(", ")}], ${list(sizes)})` };
    }
    case "select": {
      const [w, ...cases] = xs as [WaxArray, ...WaxArray[]];
      const [wn, ...cn] = names as [string, ...string[]];
      if (w.ndim !== 0 && w.shape.join() !== cases[0]!.shape.join()) throw new Reject("predicate shape");
      if (w.dtype === "bool") {
        if (cases.length !== 2) throw new Reject("select needs two cases");
        return { out: lax.select(w, cases[0]!, cases[1]!), code: `lax.select(${wn}, ${cn[0]}, ${cn[1]})` };
      }
      if (w.dtype !== "int32") throw new Reject("predicate dtype");
      const k = cases.length - 1;
      const which = lax.max(lax.min(w, k), 0);
      return { out: lax.selectN(which, ...cases), code: `lax.selectN(lax.max(lax.min(${wn}, ${k}), 0), ${cn.join(", ")})` };
    }
    case "where":
      if (!numpyBroadcastable(x.shape, y.shape) || !numpyBroadcastable(x.shape, xs[2]!.shape) || !numpyBroadcastable(y.shape, xs[2]!.shape)) throw new Reject("where shapes");
      return { out: np.where(x, y, xs[2]!), code: `np.where(${a}, ${b}, ${names[2]})` };
    case "convert":
      return { out: lax.convertElementType(x, op.dtype!), code: `lax.convertElementType(${a}, "${op.dtype}")` };
    case "ipow":
      if (x.dtype === "bool" || (x.dtype === "int32" && op.y! < 0)) throw new Reject("integer_pow operand");
      return { out: lax.integerPow(x, op.y!), code: `lax.integerPow(${a}, ${op.y})` };
    case "dot": {
      if (x.dtype !== y.dtype) throw new Reject("dot dtypes");
      const pairs: [number, number][] = [];
      x.shape.forEach((d, i) => y.shape.forEach((e, j) => d === e && pairs.push([i, j])));
      g.shuffle(pairs);
      const usedL = new Set<number>(), usedR = new Set<number>();
      const take = (n: number): [number[], number[]] => {
        const l: number[] = [], r: number[] = [];
        for (const [i, j] of pairs) {
          if (l.length >= n) break;
          if (usedL.has(i) || usedR.has(j)) continue;
          usedL.add(i), usedR.add(j), l.push(i), r.push(j);
        }
        return [l, r];
      };
      const [lb, rb] = take(g.int(0, 1));
      const [lc, rc] = take(g.int(0, 2));
      const outSize = sizeOf(x.shape.filter((_, i) => !lc.includes(i) && !lb.includes(i))) * sizeOf(y.shape.filter((_, j) => !rc.includes(j))) ;
      if (outSize > limits.maxElements || x.ndim + y.ndim - 2 * lb.length - 2 * lc.length + lb.length > 5) throw new Reject("dot too large");
      const pet = op.dtype ?? null;
      const dn = [[lc, rc], [lb, rb]] as const;
      return {
        out: lax.dotGeneral(x, y, dn, { preferredElementType: pet }),
        code: `lax.dotGeneral(${a}, ${b}, ${list([[lc, rc], [lb, rb]])}${pet ? `, { preferredElementType: "${pet}" }` : ""})`,
        terms: sizeOf(lc.map((d) => x.shape[d]!)),
      };
    }
    case "matmul":
      return { out: N[op.fn!]!(x, y), code: `np.${op.fn}(${a}, ${b})`, terms: x.ndim === 0 ? 1 : x.shape[x.ndim - 1]! };
    case "iota": {
      if (x.ndim === 0) throw new Reject("iota needs a dimension");
      const dim = op.r % x.ndim;
      return { out: lax.broadcastedIota(op.dtype!, x.shape, dim), code: `lax.broadcastedIota("${op.dtype}", ${list(x.shape)}, ${dim}) /* shape of ${a} */` };
    }
    case "clip": {
      const lo = op.c!, hi = op.c! + g.pick([0, 0.5, 1, 3]);
      return { out: np.clip(x, lo, hi), code: `np.clip(${a}, ${lit(lo)}, ${lit(hi)})` };
    }
    case "constant": {
      // An array closed over by the traced function: a jaxpr const under jit.
      const shape = op.mode === "scalar" ? [] : [...x.shape];
      const c = makeInput({ shape, dtype: x.dtype, kind: kindsFor(x.dtype)[op.r % kindsFor(x.dtype).length]!, seed: op.r });
      if (x.dtype === "bool") return { out: lax.bitwiseOr(x, c), code: `lax.bitwiseOr(${a}, /* const */ ${constString(c)})` };
      return { out: L[op.fn!]!(x, c), code: `lax.${op.fn}(${a}, /* const */ ${constString(c)})` };
    }
    case "vmapped": {
      if (x.ndim === 0) throw new Reject("vmap of a scalar");
      const axis = op.r % x.ndim;
      const f = VMAPPED[op.fn!]!;
      if (x.dtype !== "float32" && ["softmax", "center", "pmax"].includes(op.fn!)) throw new Reject("float-only function");
      if (op.fn === "argmax" && x.size === 0) throw new Reject("argmax of nothing");
      return {
        out: vmap(f, axis, 0, { axisName: "i" })(x) as WaxArray,
        code: `vmap(${op.fn}, ${axis}, 0, { axisName: "i" })(${a})`,
        terms: op.fn === "psum" || op.fn === "gather" ? x.shape[axis]! : x.size / Math.max(1, x.shape[axis]!),
      };
    }
    case "nn": {
      if (x.dtype !== "float32") throw new Reject("nn on non-float");
      const axis = x.ndim === 0 ? -1 : op.r % x.ndim;
      if (op.fn === "softmax") {
        if (x.ndim === 0) throw new Reject("softmax of a scalar");
        return { out: np.nn.softmax(x, axis), code: `np.nn.softmax(${a}, ${axis})`, terms: x.shape[axis]! };
      }
      if (op.fn === "logsumexp") {
        const ax = x.ndim === 0 || (op.r >>> 4) % 2 === 0 ? null : axis;
        return { out: np.nn.logsumexp(x, ax), code: `np.nn.logsumexp(${a}, ${ax})`, terms: ax === null ? x.size : x.shape[ax]! };
      }
      return { out: (np.nn as unknown as Record<string, (x: WaxArray) => WaxArray>)[op.fn!]!(x), code: `np.nn.${op.fn}(${a})` };
    }
  }
}

function constString(c: WaxArray): string {
  const d = Array.from(c.data(), (v) => (Object.is(v, -0) ? "-0" : String(v)));
  return `np.array([${d.length > 8 ? `${d.slice(0, 8).join(", ")}, ...` : d.join(", ")}], { shape: ${list(c.shape)}, dtype: "${c.dtype}" })`;
}

/** A random shape with the same number of elements, 1 to 4 dims. */
function randomReshape(shape: readonly number[], g: Rng): number[] {
  const n = sizeOf(shape);
  if (n === 0) return g.pick([[0], [0, 3], [2, 0], [1, 0, 1]]);
  const factors: number[] = [];
  let rest = n;
  for (let p = 2; p * p <= rest; p++) {
    while (rest % p === 0) {
      factors.push(p);
      rest /= p;
    }
  }
  if (rest > 1) factors.push(rest);
  const rank = g.int(1, 4);
  const dims = new Array<number>(rank).fill(1);
  for (const f of g.shuffle(factors)) dims[g.int(0, rank - 1)]! *= f;
  return dims;
}

// ---- error analysis -------------------------------------------------------------------------

/** What the analysis knows of a value: its reference result and how far the backends may stray. */
export interface ValueInfo {
  shape: number[];
  dtype: DType;
  /** Absolute error bound; 0 means bit-for-bit. */
  err: number;
  ref: WaxArray;
  data: ArrayLike<number>;
  /** Largest finite |x| (0 if none). */
  maxAbs: number;
  /** Smallest finite |x| (Infinity if none). */
  minAbs: number;
  nonFinite: boolean;
  zeros: boolean;
  /** Every element a finite integer. */
  integral: boolean;
}

/** The info of a value with reference result `ref` and error bound `err`. */
export function valueInfo(ref: WaxArray, err = 0): ValueInfo {
  const data = ref.data();
  let maxAbs = 0, minAbs = Infinity, nonFinite = false, zeros = false, integral = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      nonFinite = true;
      integral = false;
      continue;
    }
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a < minAbs) minAbs = a;
    if (v === 0) zeros = true;
    if (!Number.isInteger(v)) integral = false;
  }
  return { shape: [...ref.shape], dtype: ref.dtype, err, ref, data, maxAbs, minAbs, nonFinite, zeros, integral };
}

/** k ulps of the largest value of an array, plus slack for subnormals. */
const ulps = (k: number, m: number) => k * 2 * U * m + TINY;

function requireExact(ins: ValueInfo[], what: string): void {
  if (ins.some((i) => i.err > 0)) throw new Reject(`${what} of an inexact value`);
}

const EXACT_INT = 2 ** 24;
const absOf = (v: ValueInfo) => withEagerBackend("reference", () => (v.dtype === "float32" ? lax.abs(v.ref) : v.ref));
const maxOf = (x: WaxArray) => {
  let m = 0;
  for (const v of x.data()) if (Math.abs(v) > m) m = Math.abs(v);
  return m;
};

/** Error bound of a sum of n terms with maximum |sum of magnitudes| s, on inputs with error e. */
function sumError(ins: ValueInfo, n: number, s: number, m: number): number {
  // The reference adds in float64: float32 partial sums must not overflow where its do not.
  if (s > 1e37) throw new Reject("partial sums may overflow float32");
  if (ins.err === 0 && ins.integral && s < EXACT_INT) return 0;
  return n * ins.err + n * U * s + ulps(1, m);
}

/** The error bound of `op`'s result `out` from its operands' infos (throws Reject when unfair). */
function errorOf(op: Op, ins: ValueInfo[], out: WaxArray, outInfo: ValueInfo, terms: number): number {
  const [x, y] = ins as [ValueInfo, ValueInfo];
  const M = outInfo.maxAbs;
  const e = Math.max(0, ...ins.map((i) => i.err));
  if (out.dtype !== "float32") {
    // Integers and bools are exact, and may only come from exact values.
    if (out.dtype === "int32" || out.dtype === "bool") {
      const dataIns = op.kind === "iota" ? [] : ins;
      requireExact(dataIns, `${op.kind} ${op.fn ?? ""} to ${out.dtype}`);
    }
    return 0;
  }
  switch (op.kind) {
    case "unary": {
      const ex = x.err;
      switch (op.fn) {
        case "neg": case "abs": case "stopGradient": return ex;
        case "sign": case "floor": case "ceil": requireExact(ins, op.fn); return 0;
        case "sqrt":
          if (ex === 0) return 0;
          if (x.minAbs <= 2 * ex) throw new Reject("sqrt near 0");
          return ex / (2 * Math.sqrt(x.minAbs - ex)) + ulps(1, M);
        case "rsqrt":
          if (ex > 0 && x.minAbs <= 2 * ex) throw new Reject("rsqrt near 0");
          return (ex === 0 ? 0 : (0.5 * ex) / (x.minAbs - ex) ** 1.5) + ulps(2, M);
        case "exp": return (ex === 0 ? 0 : M * Math.expm1(ex) * 1.01) + ulps(1, M);
        case "expm1": return (ex === 0 ? 0 : (M + 1) * Math.expm1(ex) * 1.01) + ulps(1, M);
        case "log": case "log1p": {
          if (ex === 0) return ulps(1, M);
          let m = Infinity;
          for (const v of Array.from(x.data)) if (Number.isFinite(v)) m = Math.min(m, Math.abs(op.fn === "log" ? v : 1 + v));
          if (m <= 2 * ex) throw new Reject(`${op.fn} near its pole`);
          return ex / (m - ex) + ulps(1, M);
        }
        case "tanh": return ex + ulps(6, M);
        case "logistic": return ex / 4 + ulps(2, M);
        case "sin": case "cos":
          if (x.maxAbs > 1e5) throw new Reject("sin/cos of a large argument");
          return ex + ulps(1, M);
      }
      throw new Reject(`unary ${op.fn}`);
    }
    case "binary": case "scalar": case "npbinary": {
      const fn = op.fn!;
      const other: ValueInfo = op.kind === "scalar" ? valueInfo(np.array(op.c!, { dtype: "float32" }), 0) : y;
      const [p, q] = op.kind === "scalar" && op.mode === "left" ? [other, x] : [x, other];
      const base = { subtract: "sub", multiply: "mul", divide: "div", maximum: "max", minimum: "min", power: "pow" }[fn] ?? fn;
      const inexactIn = p.err > 0 || q.err > 0;
      if (inexactIn && (p.nonFinite || q.nonFinite) && ["mul", "div", "pow"].includes(base)) throw new Reject("inexact times infinity");
      switch (base) {
        case "add": case "sub": return inexactIn ? p.err + q.err + ulps(1, M) : 0;
        case "mul": return inexactIn ? p.err * q.maxAbs + q.err * p.maxAbs + p.err * q.err + ulps(1, M) : 0;
        case "div": {
          if (!inexactIn) return 0;
          if (q.zeros || q.minAbs <= 2 * q.err) throw new Reject("division by an inexact value near 0");
          const d = q.minAbs - q.err;
          return (p.err + (p.maxAbs * q.err) / q.minAbs) / d + ulps(1, M);
        }
        case "max": case "min": return Math.max(p.err, q.err);
        case "pow":
          requireExact(ins, "pow");
          // Known reference bug: Math.pow(±1, NaN or ±Inf) is NaN, C's powf (XLA, wasm/pow.ts) gives 1.
          if (Array.from(p.data).some((v) => Math.abs(v) === 1) && q.nonFinite) throw new Reject("pow(±1, NaN/Inf): the reference is wrong");
          return ulps(1, M);
      }
      requireExact(ins, fn);
      return 0;
    }
    case "reduce": case "npreduce": {
      const n = Math.max(1, terms);
      switch (op.fn) {
        case "max": case "min": return x.err;
        case "sum": case "mean": {
          if (x.dtype !== "float32" && op.fn === "sum") return 0;
          // Known reference quirk: a float sum of one term is 0 + x, so -0 becomes +0; the
          // backend (like XLA, which drops reductions of nothing) returns x itself.
          if (x.dtype === "float32" && n === 1 && x.zeros) throw new Reject("sum of one term of -0: the reference gives +0");
          // mean sums in float32 (ints converted first), then divides: exact when the sum is.
          const s = x.dtype === "float32" ? maxOf(withEagerBackend("reference", () => applyOp(op, [absOf(x)], ["x"]).out)) * (op.fn === "mean" ? n : 1) : n * x.maxAbs;
          const err = sumError(x, n, s, M * (op.fn === "mean" ? n : 1));
          return op.fn === "mean" && err > 0 ? err / n + ulps(1, M) : err;
        }
        case "prod": {
          if (x.dtype !== "float32") return 0;
          // The reference multiplies in float64, the backend in float32 in its own order: every
          // partial product must stay in range (the product of the factors above 1 bounds them
          // all; of the nonzero factors below 1, from underneath), and exact for an exact result.
          if (x.nonFinite) throw new Reject("product with infinities");
          const prodOf = (f: (a: WaxArray) => WaxArray) => withEagerBackend("reference", () => applyOp(op, [f(absOf(x))], ["x"]).out.data());
          const p = Math.max(0, ...prodOf((a) => a));
          const big = Math.max(0, ...prodOf((a) => lax.max(a, 1)));
          const small = Math.min(1, ...prodOf((a) => lax.select(lax.eq(a, 0), np.onesLike(a), lax.min(a, 1))));
          if (x.err === 0 && x.integral && big < EXACT_INT) return 0;
          if (big > 1e30 || small < 1e-30) throw new Reject("partial products out of range");
          if (x.err > 0 && (x.zeros || x.minAbs <= 2 * x.err || x.nonFinite)) throw new Reject("inexact product near 0");
          const rel = x.err > 0 ? (n * x.err) / (x.minAbs - x.err) : 0;
          return p * (rel * 1.01 + n * 2 * U) + TINY * n;
        }
      }
      requireExact(ins, `reduce ${op.fn}`);
      return 0;
    }
    case "transpose": case "reshape": case "squeeze": case "expand": case "broadcast": case "slice":
    case "index": case "rev": case "concat": case "clip":
      return e;
    case "dynslice": case "select":
      return Math.max(0, ...ins.filter((i) => i.dtype === "float32").map((i) => i.err));
    case "where":
      requireExact([x], "where condition");
      return Math.max(y.err, ins[2]!.err);
    case "convert":
      return x.dtype === "float32" ? x.err : 0;
    case "ipow": {
      const k = Math.abs(op.y!);
      if (x.err === 0) {
        if (k <= 3 || (x.integral && x.maxAbs ** k < EXACT_INT)) return 0;
        return ulps(k + 1, M);
      }
      if (x.nonFinite) throw new Reject("inexact integer_pow with infinities");
      if (op.y! >= 0) return k * (x.maxAbs + x.err) ** Math.max(0, k - 1) * x.err * 1.01 + ulps(k + 1, M);
      if (x.zeros || x.minAbs <= 2 * x.err) throw new Reject("negative power near 0");
      return k * (x.minAbs - x.err) ** (op.y! - 1) * x.err * 1.01 + ulps(k + 1, M);
    }
    case "dot": case "matmul": {
      if (x.dtype !== "float32" || y.dtype !== "float32") {
        // Integer operands with a float32 preferred type: exact while the products stay small.
        if (x.integral && y.integral && x.maxAbs * y.maxAbs * Math.max(1, sizeOf(x.shape)) < EXACT_INT) return 0;
        throw new Reject("large integer dot into float32");
      }
      if ((x.err > 0 || y.err > 0) && (x.nonFinite || y.nonFinite)) throw new Reject("inexact dot with infinities");
      const s = maxOf(withEagerBackend("reference", () => applyOp(op, [absOf(x), absOf(y)], ["x", "y"]).out));
      const k = Math.max(1, terms);
      if (s > 1e37) throw new Reject("partial sums may overflow float32");
      if (x.err === 0 && y.err === 0 && x.integral && y.integral && s < EXACT_INT) return 0;
      return k * (x.err * y.maxAbs + y.err * x.maxAbs + x.err * y.err) + k * U * s * 1.01 + ulps(1, M);
    }
    case "iota":
      return 0;
    case "nn": {
      const n = Math.max(1, terms);
      switch (op.fn) {
        case "relu": return x.err;
        case "sigmoid": return x.err / 4 + ulps(2, M);
        case "softmax": return 2 * x.err * 1.01 + (n + 6) * 2 * U + TINY;
        case "logsumexp": return x.err + (n + 6) * 2 * U + ulps(2, M);
      }
      throw new Reject(`nn ${op.fn}`);
    }
    case "argreduce":
      return 0;
    case "constant": {
      const c = valueInfo(makeInput({ shape: op.mode === "scalar" ? [] : [...x.shape], dtype: x.dtype, kind: kindsFor(x.dtype)[op.r % kindsFor(x.dtype).length]!, seed: op.r }));
      return errorOf({ ...op, kind: "binary" }, [x, c], out, outInfo, terms);
    }
    case "vmapped": {
      const n = Math.max(1, terms);
      switch (op.fn) {
        case "softmax": return 2 * x.err * 1.01 + (n + 6) * 2 * U + TINY;
        case "center": case "normsq": {
          if (x.nonFinite) throw new Reject("non-finite values");
          const sq = op.fn === "normsq";
          const s = sq ? n * x.maxAbs * x.maxAbs : n * x.maxAbs;
          if (x.err === 0 && x.integral && s < EXACT_INT && sq) return 0;
          const e = sq ? 2 * n * x.maxAbs * x.err : 2 * x.err;
          return e * 1.01 + (n + 2) * U * s + ulps(2, M);
        }
        case "psum":
          if (x.nonFinite) throw new Reject("non-finite values");
          return sumError(x, n, n * x.maxAbs, M);
        case "pmax": return 2 * x.err + (x.err > 0 ? ulps(1, M) : 0);
        case "gather": case "revsum": case "index": return x.err > 0 ? 2 * x.err * Math.max(1, n) + ulps(1, M) : 0;
      }
      requireExact(ins, `vmapped ${op.fn}`);
      return 0;
    }
  }
}

/** The reference result and error bound of one op, or a Reject. */
export function analyzeOp(op: Op, ins: ValueInfo[]): ValueInfo {
  let applied: Applied;
  try {
    applied = withEagerBackend("reference", () => applyOp(op, ins.map((i) => i.ref), ins.map((_, k) => `x${k}`)));
  } catch (e) {
    if (e instanceof Reject) throw e;
    throw new Reject(`invalid: ${(e as Error).message}`);
  }
  const out = applied.out;
  if (out.size > limits.maxElements) throw new Reject("too large");
  const info = valueInfo(out, 0);
  const err = errorOf(op, ins, out, info, applied.terms ?? 1);
  if (Number.isNaN(err)) throw new Reject("no error bound (0 times infinity)");
  if (err > 0) {
    if (info.maxAbs > 1e30) throw new Reject("inexact value too large");
    if (!(err <= 1e-3 * info.maxAbs + 1e-30)) throw new Reject("error bound too large for the values");
  }
  info.err = err;
  return info;
}

/** Infos of every value of a program (inputs, then one per op); throws Reject if any op is unfair. */
export function analyzeProgram(p: Program): ValueInfo[] {
  const vals = p.inputs.map((s) => valueInfo(makeInput(s), 0));
  for (const op of p.ops) vals.push(analyzeOp(op, op.args.map((a) => vals[a]!)));
  return vals;
}

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
    inputs.push({ shape, dtype, kind: g.pick(kindsFor(dtype)), seed: g.word() });
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

// ---- running -------------------------------------------------------------------------------

/** The program as a JS function of its inputs, returning its outputs as a list. */
export function programFunction(p: Program): (...xs: WaxArray[]) => WaxArray[] {
  return (...xs) => {
    const env = [...xs];
    for (const op of p.ops) env.push(applyOp(op, op.args.map((a) => env[a]!), op.args.map(valueName)).out);
    return p.outputs.map((o) => env[o]!);
  };
}

const valueName = (i: number) => `v${i}`;

export function inputsOf(p: Program): WaxArray[] {
  return p.inputs.map(makeInput);
}

export interface Failure {
  mode: "eager" | "jit";
  /** Which output, or -1 for a crash. */
  output: number;
  message: string;
}

/** Runs `p` on the reference, eagerly on wasm and under jit; the first disagreement, or null. */
export function checkProgram(p: Program, infos: ValueInfo[] = analyzeProgram(p)): Failure | null {
  const fn = programFunction(p);
  const xs = inputsOf(p);
  const want = withEagerBackend("reference", () => fn(...xs));
  const runs: [Failure["mode"], () => WaxArray[]][] = [
    ["eager", () => withEagerBackend("wasm", () => fn(...xs))],
    ["jit", () => withEagerBackend("wasm", () => jit(fn)(...xs) as WaxArray[])],
  ];
  for (const [mode, run] of runs) {
    let got: WaxArray[];
    try {
      got = run();
    } catch (e) {
      return { mode, output: -1, message: `threw ${(e as Error).stack ?? e}` };
    }
    for (let k = 0; k < p.outputs.length; k++) {
      const err = infos[p.outputs[k]!]!.err;
      const tol: Tolerance = err === 0 ? { kind: "exact" } : { kind: "abs", bound: 2 * err };
      const msg = compareArrays(got[k]!, want[k]!, tol);
      if (msg) return { mode, output: k, message: msg };
    }
  }
  return null;
}

// ---- shrinking -----------------------------------------------------------------------------

/** Drops ops and inputs that no output depends on, renumbering values. */
export function deadCodeEliminate(p: Program): Program {
  const nIn = p.inputs.length;
  const live = new Set(p.outputs);
  for (let k = p.ops.length - 1; k >= 0; k--) if (live.has(nIn + k)) p.ops[k]!.args.forEach((a) => live.add(a));
  const renum = new Map<number, number>();
  const inputs = p.inputs.filter((_, i) => live.has(i));
  p.inputs.forEach((_, i) => live.has(i) && renum.set(i, renum.size));
  const ops: Op[] = [];
  p.ops.forEach((op, k) => {
    if (!live.has(nIn + k)) return;
    ops.push({ ...op, args: op.args.map((a) => renum.get(a)!) });
    renum.set(nIn + k, renum.size);
  });
  return { ...p, inputs, ops, outputs: p.outputs.map((o) => renum.get(o)!) };
}

/** The failure of `p`, or null when it passes or is not a fair program (the analysis rejects it). */
export function findFailure(p: Program): Failure | null {
  let infos: ValueInfo[];
  try {
    infos = analyzeProgram(p);
  } catch (e) {
    if (e instanceof Reject) return null;
    throw e;
  }
  return checkProgram(p, infos);
}

/** Smaller variants of `p`, most aggressive first. */
function* candidates(p: Program): Generator<Program> {
  const nIn = p.inputs.length;
  // One output only: each value in turn, earliest first.
  for (let v = nIn; v < nIn + p.ops.length; v++) {
    if (p.outputs.length === 1 && p.outputs[0] === v) continue;
    yield deadCodeEliminate({ ...p, outputs: [v] });
  }
  // Bypass an op: its users read one of its operands instead.
  for (let k = p.ops.length - 1; k >= 0; k--) {
    for (const a of new Set(p.ops[k]!.args)) {
      const v = nIn + k;
      const sub = (x: number) => (x === v ? a : x > v ? x - 1 : x);
      const ops = p.ops.filter((_, j) => j !== k).map((op) => ({ ...op, args: op.args.map(sub) }));
      yield deadCodeEliminate({ ...p, ops, outputs: p.outputs.map(sub) });
    }
  }
  // Smaller inputs: fewer dims, smaller dims, simpler data.
  for (let i = 0; i < nIn; i++) {
    const s = p.inputs[i]!;
    const withInput = (spec: Partial<InputSpec>) => ({ ...p, inputs: p.inputs.map((x, j) => (j === i ? { ...x, ...spec } : x)) });
    for (let d = 0; d < s.shape.length; d++) yield withInput({ shape: s.shape.filter((_, j) => j !== d) });
    for (let d = 0; d < s.shape.length; d++) {
      for (const n of [1, 2, Math.floor(s.shape[d]! / 2), s.shape[d]! - 1]) {
        if (n >= 1 && n < s.shape[d]!) yield withInput({ shape: s.shape.map((x, j) => (j === d ? n : x)) });
      }
    }
    const simpler: DataKind = s.dtype === "float32" ? "int" : s.dtype === "int32" ? "small" : "bits";
    if (s.kind !== simpler) yield withInput({ kind: simpler });
  }
}

/** Shrinks a failing program while it still fails; returns the smallest found and its failure. */
export function shrinkProgram(
  p: Program,
  failure: Failure,
  budget = 400,
  fails: (p: Program) => Failure | null = findFailure,
): { program: Program; failure: Failure } {
  let best = deadCodeEliminate(p), bestFailure = failure, tries = 0;
  for (let progress = true; progress && tries < budget; ) {
    progress = false;
    for (const c of candidates(best)) {
      if (++tries > budget) break;
      const f = fails(c);
      if (f) {
        best = c;
        bestFailure = f;
        progress = true;
        break;
      }
    }
  }
  return { program: best, failure: bestFailure };
}

// ---- printing ------------------------------------------------------------------------------

/** The program as JS source over wax ops, with each value's type. */
export function describeProgram(p: Program): string {
  const xs = inputsOf(p);
  const lines: string[] = [];
  const names = p.inputs.map((_, i) => valueName(i));
  lines.push(`// seed ${p.seed}`);
  p.inputs.forEach((s, i) => lines.push(`// ${valueName(i)}: ${s.dtype}[${s.shape}] (${s.kind} data, seed ${s.seed})`));
  lines.push(`(${names.join(", ")}) => {`);
  withEagerBackend("reference", () => {
    const env = [...xs];
    p.ops.forEach((op, k) => {
      const v = p.inputs.length + k;
      try {
        const { out, code } = applyOp(op, op.args.map((a) => env[a]!), op.args.map(valueName));
        env.push(out);
        lines.push(`  const ${valueName(v)} = ${code}; // ${out.dtype}[${out.shape}]`);
      } catch (e) {
        lines.push(`  // ${valueName(v)}: ${op.kind} failed: ${(e as Error).message}`);
        env.push(env[0]!);
      }
    });
  });
  lines.push(`  return [${p.outputs.map(valueName).join(", ")}];`, "}");
  return lines.join("\n");
}

function dataString(x: WaxArray): string {
  const d = Array.from(x.data(), (v) => (Object.is(v, -0) ? "-0" : String(v)));
  return d.length > 64 ? `[${d.slice(0, 64).join(", ")}, ...] (${d.length} elements)` : `[${d.join(", ")}]`;
}

/** A self-contained report: the program, its inputs, expected vs got, and its jaxpr. */
export function formatReproduction(p: Program, failure: Failure): string {
  const fn = programFunction(p);
  const xs = inputsOf(p);
  const out: string[] = [describeProgram(p), ""];
  xs.forEach((x, i) => out.push(`${valueName(i)} = ${dataString(x)}`));
  out.push("", `${failure.mode} disagrees with the reference${failure.output >= 0 ? ` on output ${failure.output}` : ""}: ${failure.message}`);
  if (failure.output >= 0) {
    const want = withEagerBackend("reference", () => fn(...xs))[failure.output]!;
    let got: WaxArray | string;
    try {
      got = failure.mode === "jit" ? (jit(fn)(...xs) as WaxArray[])[failure.output]! : fn(...xs)[failure.output]!;
    } catch (e) {
      got = String(e);
    }
    out.push(`expected ${dataString(want)}`, `got      ${typeof got === "string" ? got : dataString(got)}`);
  }
  try {
    out.push("", String(makeJaxpr(fn)(...xs)));
  } catch (e) {
    out.push("", `(makeJaxpr failed: ${(e as Error).message})`);
  }
  return out.join("\n");
}
