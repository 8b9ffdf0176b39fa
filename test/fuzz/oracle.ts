// The oracle: the reference interpreter's result of every value, and a forward error
// analysis that decides how far the backends may stray from it (see ./index.ts).

import { lax, numpy as np, withEagerBackend } from "../../compiler/index.js";
import type { Array as WaxArray, DType } from "../../compiler/index.js";
import { TINY, U } from "./compare.js";
import { type Applied, type Op, type Program, Reject, applyOp, kindsFor, limits, makeInput, sizeOf } from "./ops.js";

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
