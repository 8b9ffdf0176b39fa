// Statistics and norms: var, std (with ddof) and linalg.norm for vectors and matrices.

import type { Array, ArrayLike } from "../core/array.js";
import { asArray } from "../core/scalar.js";
import * as lax from "../lax/lax.js";
import { pyTuple } from "../shape.js";
import { type AxisArg, promoteArgsInexact, reductionAxes } from "./promote.js";

export interface VarOptions {
  ddof?: number;
  keepdims?: boolean;
}

/** np.var: the mean squared deviation from the mean, divided by (n - ddof). */
export function variance(x: ArrayLike, axis?: AxisArg, opts: VarOptions = {}): Array {
  const a = promoteArgsInexact([x], "var")[0]!;
  const axes = reductionAxes(axis, a.ndim);
  const n = axes.reduce((p, i) => p * a.shape[i]!, 1);
  const kept = a.shape.map((s, i) => (axes.includes(i) ? 1 : s));
  const mean = lax.div(lax.reduceSum(a, axes), n);
  const centred = lax.sub(a, lax.broadcastInDim(lax.reshape(mean, kept), a.shape, a.shape.map((_, i) => i)));
  const out = lax.div(lax.reduceSum(lax.mul(centred, centred), axes), Math.max(n - (opts.ddof ?? 0), 0));
  return opts.keepdims ? lax.reshape(out, kept) : out;
}
export { variance as var };

/** np.std: the square root of np.var. */
export function std(x: ArrayLike, axis?: AxisArg, opts: VarOptions = {}): Array {
  return lax.sqrt(variance(x, axis, opts));
}

export interface NormOptions {
  keepdims?: boolean;
}

/**
 * np.linalg.norm: for vectors (one axis), ord null/2 (Euclidean), 1, Infinity, -Infinity or
 * any p; for matrices (two axes), ord null/"fro", 1, -1, Infinity, -Infinity. With no axis,
 * a 1-D or 2-D array's norm, or the Euclidean norm of the flattened array when ord is null.
 */
export function norm(x: ArrayLike, ord: number | "fro" | null = null, axis: number | readonly number[] | null = null, opts: NormOptions = {}): Array {
  const a = promoteArgsInexact([asArray(x, "norm")], "norm")[0]!;
  if (axis === null && ord !== null && a.ndim > 2) throw new TypeError(`Improper number of dimensions to norm: ${a.ndim} with ord=${String(ord)}`);
  const axes = reductionAxes(axis === null ? undefined : typeof axis === "number" ? axis : [...axis], a.ndim);
  const kept = a.shape.map((s, i) => (axes.includes(i) ? 1 : s));
  const finish = (v: Array) => (opts.keepdims ? lax.reshape(v, kept) : v);
  const abs = lax.abs(a);
  const euclid = () => finish(lax.sqrt(lax.reduceSum(lax.mul(a, a), axes)));
  if (ord === null) return euclid();
  if (axes.length === 1) {
    if (ord === "fro") throw new TypeError("norm: ord 'fro' is for matrices (two axes)");
    if (ord === 2) return euclid();
    if (ord === Infinity) return finish(lax.reduceMax(abs, axes));
    if (ord === -Infinity) return finish(lax.reduceMin(abs, axes));
    if (ord === 1) return finish(lax.reduceSum(abs, axes));
    if (ord === 0) return finish(lax.reduceSum(lax.convertElementType(lax.ne(a, 0), a.dtype), axes));
    return finish(lax.pow(lax.reduceSum(lax.pow(abs, ord), axes), 1 / ord));
  }
  if (axes.length !== 2) throw new TypeError(`Improper number of axes to norm: ${pyTuple(axes)}`);
  if (ord === "fro") return euclid();
  // Induced norms: the largest (smallest) column sum for ±1, row sum for ±Infinity.
  const [r, c] = axes as [number, number];
  const [summed, then] = ord === 1 || ord === -1 ? [r, c] : [c, r];
  if (ord !== 1 && ord !== -1 && ord !== Infinity && ord !== -Infinity) {
    throw new TypeError(`norm: matrix ord ${String(ord)} is not supported (use null, "fro", 1, -1, Infinity or -Infinity)`);
  }
  const sums = lax.reduceSum(abs, [summed]);
  const pick = ord > 0 ? lax.reduceMax : lax.reduceMin;
  return finish(pick(sums, [then > summed ? then - 1 : then]));
}
