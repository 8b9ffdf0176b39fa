// Programs and their ops: a program is a list of ops over numbered values (inputs
// first). Each op keeps its shape-independent choices (a function name, a dtype, an
// exponent) and a random word `r` from which shape-dependent parameters (axes,
// permutations, slices, reshapes) are derived when it runs, so a program stays
// well-typed while the shrinker changes its input shapes or removes ops.

import { getEagerBackend, jit, lax, numpy as np, vmap } from "../../compiler/index.js";
import type { Array as WaxArray, DType } from "../../compiler/index.js";
import { Tracer } from "../../compiler/core/trace.js";
import { Rng } from "../rng.js";
import { INT_MAX, INT_MIN } from "./compare.js";

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

export const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

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

export const UNARY: Record<DType, string[]> = {
  float32: ["neg", "sign", "floor", "ceil", "abs", "sqrt", "rsqrt", "exp", "log", "log1p", "expm1", "tanh", "logistic", "sin", "cos", "isFinite", "stopGradient"],
  int32: ["neg", "sign", "abs", "bitwiseNot"],
  bool: ["bitwiseNot"],
};
export const BINARY: Record<DType, string[]> = {
  float32: ["add", "sub", "mul", "div", "rem", "pow", "max", "min", "eq", "ne", "lt", "le", "gt", "ge"],
  int32: ["add", "sub", "mul", "div", "rem", "max", "min", "eq", "ne", "lt", "le", "gt", "ge", "bitwiseAnd", "bitwiseOr"],
  bool: ["max", "min", "eq", "ne", "lt", "le", "gt", "ge", "bitwiseAnd", "bitwiseOr"],
};
export const NP_BINARY = [
  "add", "subtract", "multiply", "divide", "remainder", "floorDivide", "power", "maximum", "minimum",
  "equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual", "logicalAnd", "logicalOr",
];
export const NP_REDUCE = ["sum", "mean", "max", "min", "prod", "any", "all"];

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

export function numpyBroadcastable(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const x = a[a.length - i]!, y = b[b.length - i]!;
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}

export function laxBroadcastable(a: readonly number[], b: readonly number[]): boolean {
  if (a.length === 0 || b.length === 0) return true;
  return a.length === b.length && a.every((d, i) => d === b[i] || d === 1 || b[i] === 1);
}

/** Size limits: results of ops larger than `maxElements` are rejected. The fuzz script raises them. */
export const limits = { maxElements: 4096 };

export interface Applied {
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
export const VMAPPED: Record<string, (r: WaxArray) => WaxArray> = {
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
