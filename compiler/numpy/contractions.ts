// Products: dot, matmul, vdot, inner, outer, tensordot, all lowered to dot_general.

import type { Array, ArrayLike } from "../core/array.js";
import { asArray } from "../core/scalar.js";
import * as lax from "../lax/lax.js";
import { normalizeAxes, pyTuple } from "../shape.js";
import { promoteDtypes } from "./promote.js";
import { multiply } from "./elementwise.js";
import { ravel } from "./shapes.js";

function promoted(a: ArrayLike, b: ArrayLike, where: string): [Array, Array] {
  const [x, y] = promoteDtypes([a, b], where) as [Array, Array];
  if (x.dtype === "bool") {
    throw new TypeError(`${where} does not support bool operands; convert with astype("int32") first`);
  }
  return [x, y];
}

/** np.dot, with JAX's rules for each rank combination. */
export function dot(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = promoted(a, b, "dot");
  if (x.ndim === 0 || y.ndim === 0) return lax.mul(x, y);
  if (Math.max(x.ndim, y.ndim) <= 2) return lax.dot(x, y);
  const yc = y.ndim === 1 ? 0 : y.ndim - 2;
  if (x.shape[x.ndim - 1] !== y.shape[yc]) {
    throw new TypeError(
      `dot_general requires contracting dimensions to have the same shape, got ${pyTuple([x.shape[x.ndim - 1]!])} and ${pyTuple([y.shape[yc]!])}.`,
    );
  }
  return lax.dotGeneral(x, y, [[[x.ndim - 1], [yc]], [[], []]]);
}

/** np.matmul (the @ operator): batched matrix products with broadcasting of batch dims. */
export function matmul(a: ArrayLike, b: ArrayLike): Array {
  const [x0, y0] = [asArray(a, "matmul"), asArray(b, "matmul")];
  [x0, y0].forEach((v, i) => {
    if (v.ndim < 1) throw new TypeError(`matmul input operand ${i} must have ndim at least 1, but it has ndim 0`);
  });
  let [x, y] = promoted(x0, y0, "matmul");
  const xMat = x.ndim > 1, yMat = y.ndim > 1;
  const xBatch: (number | null)[] = xMat ? x.shape.slice(0, -2) : [];
  const yBatch: (number | null)[] = yMat ? y.shape.slice(0, -2) : [];
  const nb = Math.max(xBatch.length, yBatch.length);
  while (xBatch.length < nb) xBatch.unshift(null);
  while (yBatch.length < nb) yBatch.unshift(null);
  const xSqueeze: number[] = [], ySqueeze: number[] = [], xb: number[] = [], yb: number[] = [];
  const idxBatch: number[] = [], idxX: number[] = [], idxY: number[] = [];
  for (let i = 0; i < nb; i++) {
    const ba = xBatch[i], bb = yBatch[i];
    if (ba === null) idxY.push(i);
    else if (bb === null) idxX.push(i);
    else if (ba === 1) {
      idxY.push(i);
      xSqueeze.push(idxBatch.length + idxX.length + xSqueeze.length);
    } else if (bb === 1) {
      idxX.push(i);
      ySqueeze.push(idxBatch.length + idxY.length + ySqueeze.length);
    } else if (ba === bb) {
      xb.push(idxBatch.length + idxX.length);
      yb.push(idxBatch.length + idxY.length);
      idxBatch.push(i);
    } else {
      throw new TypeError(`Incompatible shapes for matmul arguments: ${pyTuple(x.shape)} and ${pyTuple(y.shape)}`);
    }
  }
  if (xMat) idxX.push(nb);
  if (yMat) idxY.push(nb + (xMat ? 1 : 0));
  const order = [...idxBatch, ...idxX, ...idxY];
  const perm = order.map((_, i) => i).sort((p, q) => order[p]! - order[q]!);
  x = lax.squeeze(x, xSqueeze);
  y = lax.squeeze(y, ySqueeze);
  const yc = y.ndim - 1 - (yMat ? 1 : 0);
  if (x.shape[x.ndim - 1] !== y.shape[yc]) {
    throw new TypeError(
      `matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?) (size ${y.shape[yc]} is different from ${x.shape[x.ndim - 1]})`,
    );
  }
  const out = lax.dotGeneral(x, y, [[[x.ndim - 1], [yc]], [xb, yb]]);
  return lax.transpose(out, perm);
}

export function vdot(a: ArrayLike, b: ArrayLike): Array {
  return dot(ravel(a), ravel(b));
}

export function inner(a: ArrayLike, b: ArrayLike): Array {
  const x = asArray(a, "inner"), y = asArray(b, "inner");
  if (x.ndim === 0 || y.ndim === 0) return multiply(x, y);
  return tensordot(x, y, [[-1], [-1]]);
}

export function outer(a: ArrayLike, b: ArrayLike): Array {
  const x = ravel(a), y = ravel(b);
  return multiply(lax.expandDims(x, [1]), lax.expandDims(y, [0]));
}

/** np.tensordot: `axes` is a count N (last N of a with first N of b) or a pair of axis lists. */
export function tensordot(a: ArrayLike, b: ArrayLike, axes: number | readonly [number | readonly number[], number | readonly number[]] = 2): Array {
  const [x, y] = promoted(a, b, "tensordot");
  let xa: number[], ya: number[];
  if (typeof axes === "number") {
    if (!Number.isInteger(axes) || axes < 0 || axes > Math.min(x.ndim, y.ndim)) {
      throw new RangeError(
        `Number of tensordot axes (axes ${axes}) exceeds input ranks (${pyTuple(x.shape)} and ${pyTuple(y.shape)})`,
      );
    }
    xa = globalThis.Array.from({ length: axes }, (_, i) => x.ndim - axes + i);
    ya = globalThis.Array.from({ length: axes }, (_, i) => i);
  } else {
    if (!globalThis.Array.isArray(axes) || axes.length !== 2) {
      throw new TypeError("tensordot axes argument must be an int, a pair of ints, or a pair of lists/tuples of ints.");
    }
    const [p, q] = axes;
    xa = normalizeAxes(p, x.ndim, "tensordot axes");
    ya = normalizeAxes(q, y.ndim, "tensordot axes");
    if (xa.length !== ya.length) {
      throw new TypeError(
        `tensordot requires axes lists to have equal length, got ${pyTuple(xa)} and ${pyTuple(ya)}.`,
      );
    }
  }
  return lax.dotGeneral(x, y, [[xa, ya], [[], []]]);
}
