// numpy-style argument handling: dtype promotion on JAX's lattice, then rank promotion.

import type { Array, ArrayLike } from "../core/array.js";
import { asArray, scalarArray, typeInfo } from "../core/scalar.js";
import { type TypeInfo, resultType } from "../dtypes.js";
import * as lax from "../lax/lax.js";
import { broadcastShapes, normalizeAxes } from "../shape.js";

/** Converts every argument to the joined type (JAX's _promote_dtypes). */
export function promoteDtypes(xs: readonly ArrayLike[], where: string, to?: (t: TypeInfo) => TypeInfo): Array[] {
  xs.forEach((x, i) => asArray(x, `${where} argument ${i}`));
  let t = resultType(...xs.map(typeInfo));
  if (to) t = to(t);
  return xs.map((x) =>
    typeof x === "object" ? lax.convertElementType(x, t.dtype, t.weakType) : scalarArray(x, t),
  );
}

/** Like promoteDtypes, then to float32 when the result would be bool or int (JAX's _promote_dtypes_inexact). */
export function promoteDtypesInexact(xs: readonly ArrayLike[], where: string): Array[] {
  return promoteDtypes(xs, where, (t) => (t.dtype === "float32" ? t : { dtype: "float32", weakType: t.weakType }));
}

/**
 * numpy rank promotion as JAX does it: scalars stay rank 0 (lax broadcasts them); when
 * operands of different non-zero ranks meet, lower ranks gain leading size-1 dims.
 */
export function promoteShapes(xs: Array[]): Array[] {
  const ranks = new Set(xs.filter((x) => x.ndim > 0).map((x) => x.ndim));
  if (ranks.size < 2) return xs;
  const rank = broadcastShapes(...xs.map((x) => x.shape)).length;
  return xs.map((x) => (x.ndim === rank ? x : lax.broadcast(x, new globalThis.Array(rank - x.ndim).fill(1))));
}

export function promoteArgs(xs: readonly ArrayLike[], where: string): Array[] {
  return promoteShapes(promoteDtypes(xs, where));
}

export function promoteArgsInexact(xs: readonly ArrayLike[], where: string): Array[] {
  return promoteShapes(promoteDtypesInexact(xs, where));
}

/** Broadcasts every argument to the common shape (np.broadcast_arrays). */
export function broadcastArrays(xs: Array[]): Array[] {
  const shape = broadcastShapes(...xs.map((x) => x.shape));
  return xs.map((x) => broadcastToShape(x, shape));
}

/** JAX's _broadcast_to: squeeze the dims being broadcast, then one broadcast_in_dim. */
export function broadcastToShape(x: Array, shape: readonly number[]): Array {
  if (x.ndim === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  const nlead = shape.length - x.ndim;
  const tail = shape.slice(nlead);
  if (nlead < 0 || x.shape.some((d, i) => d !== 1 && d !== tail[i])) {
    throw new TypeError(
      `Incompatible shapes for broadcasting: (${x.shape.join(", ")}${x.ndim === 1 ? "," : ""}) and requested shape (${shape.join(", ")}${shape.length === 1 ? "," : ""})`,
    );
  }
  const diff = x.shape.map((d, i) => (d !== tail[i] ? i : -1)).filter((i) => i >= 0);
  const newDims = new Set([...globalThis.Array.from({ length: nlead }, (_, i) => i), ...diff.map((d) => d + nlead)]);
  const kept = shape.map((_, i) => i).filter((i) => !newDims.has(i));
  return lax.broadcastInDim(lax.squeeze(x, diff), shape, kept);
}

export type AxisArg = number | readonly number[] | null | undefined;

/** Reduction axes: none means all; numbers may be negative. */
export function reductionAxes(axis: AxisArg, ndim: number, where = "axis"): number[] {
  if (axis === null || axis === undefined) return globalThis.Array.from({ length: ndim }, (_, i) => i);
  return normalizeAxes(axis, ndim, where).sort((a, b) => a - b);
}
