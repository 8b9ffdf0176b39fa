// Symbolic zeros and the small array helpers the JVP and transpose rules share.

import type { Array } from "../core/array.js";
import { scalarArray } from "../core/scalar.js";
import { type DType, isFloat } from "../dtypes.js";
import * as lax from "../lax/lax.js";
import type { ShapedArray, Shape } from "../shape.js";

export { isFloat };

/** A tangent or cotangent known to be zero; no array is made until one is needed. */
export class Zero {
  constructor(readonly aval: ShapedArray) {}
}

export type Tangent = Array | Zero;

const range = (n: number): number[] => globalThis.Array.from({ length: n }, (_, i) => i);

export function zeros(aval: { shape: Shape; dtype: DType }): Array {
  return lax.full(aval.shape, 0, aval.dtype);
}

/** A real array for a tangent, zeros for a symbolic zero. */
export function instantiate(t: Tangent): Array {
  return t instanceof Zero ? zeros(t.aval) : t;
}

/** A weakly typed scalar of `x`'s dtype, so lax ops accept it beside `x`. */
export function constLike(x: { dtype: DType }, v: number): Array {
  return scalarArray(v, { dtype: x.dtype, weakType: true });
}

/** `t` broadcast to `shape` with lax's rules (rank-0 operands and size-1 dimensions). */
export function broadcastTo(t: Array, shape: Shape): Array {
  if (t.ndim === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
  const dims = t.ndim === 0 ? [] : range(t.ndim).map((i) => i + shape.length - t.ndim);
  return lax.broadcastInDim(t, shape, dims);
}

/** Sums a cotangent of a broadcast result back to the operand's shape (the transpose of broadcastTo). */
export function unbroadcast(ct: Array, aval: { shape: Shape; dtype: DType }): Array {
  const shape = aval.shape;
  if (ct.ndim === shape.length && ct.shape.every((d, i) => d === shape[i])) return ct;
  if (shape.length === 0) return lax.reduceSum(ct, range(ct.ndim));
  const lead = ct.ndim - shape.length;
  const axes = range(ct.ndim).filter((i) => i < lead || (shape[i - lead] === 1 && ct.shape[i] !== 1));
  return lax.reshape(lax.reduceSum(ct, axes), shape);
}

/** The sum of two tangents, keeping zeros symbolic. */
export function addTangents(a: Tangent, b: Tangent): Tangent {
  if (a instanceof Zero) return b;
  if (b instanceof Zero) return a;
  return lax.add(a, b);
}

export function zerosLikeAval(aval: ShapedArray): Zero {
  return new Zero(aval);
}
