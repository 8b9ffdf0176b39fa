// Cumulative reductions (lax.cumsum, cumprod, cummax, cummin) as a log-depth scan of
// shifted combinations (Hillis–Steele): ⌈log2 n⌉ steps of slice, concatenate and one
// elementwise op, all primitives that vmap batches and grad differentiates. JAX has a
// primitive per scan; wax builds them from these until the backend has scan kernels.

import type { Array, ArrayLike } from "../core/array.js";
import { asArray } from "../core/scalar.js";
import type { DType } from "../dtypes.js";
import { normalizeAxis } from "../shape.js";
import * as lax from "./lax.js";

type Combine = (a: Array, b: Array) => Array;

function identity(op: "sum" | "prod" | "max" | "min", dtype: DType): number | boolean {
  if (dtype === "bool") return op === "sum" || op === "max" ? false : true;
  if (op === "sum") return 0;
  if (op === "prod") return 1;
  if (dtype === "int32") return op === "max" ? -2147483648 : 2147483647;
  return op === "max" ? -Infinity : Infinity;
}

function scan(name: string, op: "sum" | "prod" | "max" | "min", combine: Combine) {
  return (operand: ArrayLike, axis = 0, reverse = false): Array => {
    let x = asArray(operand, name);
    if (x.ndim === 0) throw new TypeError(`${name} requires an operand of rank at least 1, got a scalar`);
    const d = normalizeAxis(axis, x.ndim, `${name} axis`);
    const n = x.shape[d]!;
    if (reverse) x = lax.rev(x, [d]);
    const fill = identity(op, x.dtype);
    // y[i] combines x[i - k + 1 .. i] after the step with shift k.
    for (let k = 1; k < n; k *= 2) {
      const pad = lax.full(x.shape.map((m, i) => (i === d ? k : m)), fill, x.dtype);
      const kept = lax.slice(x, x.shape.map(() => 0), x.shape.map((m, i) => (i === d ? n - k : m)));
      x = combine(x, lax.concatenate([pad, kept], d));
    }
    return reverse ? lax.rev(x, [d]) : x;
  };
}

const or: Combine = (a, b) => (a.dtype === "bool" ? lax.bitwiseOr(a, b) : lax.add(a, b));
const and: Combine = (a, b) => (a.dtype === "bool" ? lax.bitwiseAnd(a, b) : lax.mul(a, b));

/** lax.cumsum(operand, axis = 0, reverse = false). */
export const cumsum = scan("cumsum", "sum", or);
/** lax.cumprod(operand, axis = 0, reverse = false). */
export const cumprod = scan("cumprod", "prod", and);
/** lax.cummax(operand, axis = 0, reverse = false). */
export const cummax = scan("cummax", "max", lax.max);
/** lax.cummin(operand, axis = 0, reverse = false). */
export const cummin = scan("cummin", "min", lax.min);

