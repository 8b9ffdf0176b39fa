// Shape manipulation and basic indexing.

import type { Array, ArrayLike } from "../core/array.js";
import { asArray } from "../core/scalar.js";
import * as lax from "../lax/lax.js";
import { axisList, checkShape, normalizeAxes, normalizeAxis, pyTuple, showValue, sizeOf } from "../shape.js";
import { broadcastToShape, promoteDtypes } from "./promote.js";

/** np.reshape; one dimension may be -1 and is inferred. */
export function reshape(x: ArrayLike, shape: number | readonly number[]): Array {
  const a = asArray(x, "reshape");
  if (typeof shape !== "number" && !(globalThis.Array.isArray(shape) && shape.every((d) => typeof d === "number"))) {
    throw new TypeError(`reshape: the new shape must be an integer or a list of integers, got ${showValue(shape)}`);
  }
  const s = typeof shape === "number" ? [shape] : [...shape];
  const unknown = s.filter((d) => d === -1).length;
  const bad = () =>
    new TypeError(
      `cannot reshape array of shape ${pyTuple(a.shape)} (size ${a.size}) into shape ${pyTuple(s)}` +
        (unknown ? "" : ` (size ${sizeOf(s)})`),
    );
  if (unknown > 1 || s.some((d) => !Number.isInteger(d) || d < -1)) throw bad();
  if (unknown === 1) {
    const known = s.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
    if (known === 0 || a.size % known !== 0) throw bad();
    s[s.indexOf(-1)] = a.size / known;
  }
  if (sizeOf(s) !== a.size) throw bad();
  return lax.reshape(a, s);
}

export function ravel(x: ArrayLike): Array {
  const a = asArray(x, "ravel");
  return lax.reshape(a, [a.size]);
}

export function transpose(x: ArrayLike, axes?: readonly number[] | null): Array {
  const a = asArray(x, "transpose");
  if (axes === undefined || axes === null) return lax.transpose(a, a.shape.map((_, i) => a.ndim - 1 - i));
  if (!globalThis.Array.isArray(axes)) throw new TypeError(`transpose: axes must be a list of integers, got ${showValue(axes)}`);
  if (axes.length !== a.ndim) throw new RangeError(`axes don't match array: got axes ${pyTuple(axes)} for an array of shape ${pyTuple(a.shape)}`);
  return lax.transpose(a, normalizeAxes(axes, a.ndim, "transpose axes"));
}

export function swapaxes(x: ArrayLike, axis1: number, axis2: number): Array {
  const a = asArray(x, "swapaxes");
  const p = a.shape.map((_, i) => i);
  const i = normalizeAxis(axis1, a.ndim, "axis1"), j = normalizeAxis(axis2, a.ndim, "axis2");
  [p[i], p[j]] = [p[j]!, p[i]!];
  return lax.transpose(a, p);
}

export function moveaxis(x: ArrayLike, source: number | readonly number[], destination: number | readonly number[]): Array {
  const a = asArray(x, "moveaxis");
  const src = normalizeAxes(source, a.ndim, "source");
  const dst = normalizeAxes(destination, a.ndim, "destination");
  if (src.length !== dst.length) {
    throw new RangeError("`source` and `destination` arguments must have the same number of elements");
  }
  const perm: (number | undefined)[] = new globalThis.Array(a.ndim).fill(undefined);
  dst.forEach((d, k) => (perm[d] = src[k]));
  const rest = a.shape.map((_, i) => i).filter((i) => !src.includes(i));
  for (let i = 0; i < a.ndim; i++) if (perm[i] === undefined) perm[i] = rest.shift();
  return lax.transpose(a, perm as number[]);
}

export function expandDims(x: ArrayLike, axis: number | readonly number[]): Array {
  return lax.expandDims(asArray(x, "expandDims"), axisList(axis, "expandDims axis"));
}

export function squeeze(x: ArrayLike, axis?: number | readonly number[] | null): Array {
  const a = asArray(x, "squeeze");
  if (axis === undefined || axis === null) {
    return lax.squeeze(a, a.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0));
  }
  const axes = normalizeAxes(axis, a.ndim, "squeeze axis");
  for (const ax of axes) {
    if (a.shape[ax] !== 1) {
      throw new RangeError(
        `cannot select an axis to squeeze out which has size not equal to one, got shape=${pyTuple(a.shape)} and dimensions=${pyTuple(axes)}`,
      );
    }
  }
  return lax.squeeze(a, axes);
}

export function broadcastTo(x: ArrayLike, shape: number | readonly number[]): Array {
  return broadcastToShape(asArray(x, "broadcastTo"), checkShape(shape, "broadcastTo"));
}

/** np.concatenate along `axis` (null: flatten every input first). */
export function concatenate(arrays: readonly ArrayLike[], axis: number | null = 0): Array {
  if (!globalThis.Array.isArray(arrays) || arrays.length === 0) {
    throw new TypeError("Need at least one array to concatenate.");
  }
  let xs = promoteDtypes(arrays, "concatenate");
  if (axis === null) {
    xs = xs.map(ravel);
    axis = 0;
  }
  const first = xs[0]!;
  if (first.ndim === 0) throw new TypeError("Zero-dimensional arrays cannot be concatenated.");
  for (const x of xs) {
    if (x.ndim !== first.ndim) {
      throw new TypeError(
        `all the input arrays must have same number of dimensions, got shapes ${xs.map((y) => pyTuple(y.shape)).join(", ")}`,
      );
    }
  }
  const ax = normalizeAxis(axis, first.ndim);
  // Like JAX, concatenate at most 16 operands at a time (a tree of concatenations).
  while (xs.length > 1) {
    const groups: Array[] = [];
    for (let i = 0; i < xs.length; i += 16) groups.push(lax.concatenate(xs.slice(i, i + 16), ax));
    xs = groups;
  }
  return xs[0]!;
}

export function stack(arrays: readonly ArrayLike[], axis = 0): Array {
  if (!globalThis.Array.isArray(arrays) || arrays.length === 0) throw new TypeError("Need at least one array to stack.");
  const xs = arrays.map((x) => asArray(x, "stack"));
  const shape = xs[0]!.shape;
  if (xs.some((x) => x.shape.join() !== shape.join())) {
    throw new TypeError(`all input arrays must have the same shape, got ${xs.map((x) => pyTuple(x.shape)).join(", ")}`);
  }
  const ax = normalizeAxis(axis, shape.length + 1);
  return concatenate(xs.map((x) => lax.expandDims(x, [ax])), ax);
}

export type IndexEntry = number | null | readonly (number | null | undefined)[];

/**
 * Basic indexing: one entry per leading axis. A number picks an index (dropping the axis),
 * `[start, stop, step]` slices like Python, `null` keeps the axis whole.
 */
export function index(x: ArrayLike, idx: readonly IndexEntry[]): Array {
  const a = asArray(x, "index");
  if (idx.length > a.ndim) {
    throw new RangeError(`Too many indices for array: array is ${a.ndim}-dimensional, but ${idx.length} were indexed`);
  }
  // x[i] alone is a dynamic_slice then squeeze, as JAX prints it.
  if (idx.length === 1 && typeof idx[0] === "number") {
    const i = normalizeIndex(idx[0], a.shape[0]!, 0);
    const sizes = a.shape.map((d, k) => (k === 0 ? 1 : d));
    return lax.squeeze(lax.dynamicSlice(a, a.shape.map((_, k) => (k === 0 ? i : 0)), sizes), [0]);
  }
  const start: number[] = [], limit: number[] = [], strides: number[] = [];
  const reversed: number[] = [], dropped: number[] = [];
  a.shape.forEach((d, k) => {
    const e = idx[k];
    if (typeof e === "number") {
      const i = normalizeIndex(e, d, k);
      start.push(i), limit.push(i + 1), strides.push(1), dropped.push(k);
    } else if (e === null || e === undefined) {
      start.push(0), limit.push(d), strides.push(1);
    } else {
      const [lo, hi, st] = sliceIndices(e, d, k);
      const n = st > 0 ? Math.max(0, Math.ceil((hi - lo) / st)) : Math.max(0, Math.ceil((lo - hi) / -st));
      if (st > 0) start.push(lo), limit.push(n === 0 ? lo : lo + (n - 1) * st + 1), strides.push(st);
      else {
        // A negative step reads the same elements backwards: slice forward, then rev.
        const first = n === 0 ? 0 : lo + (n - 1) * st;
        start.push(first), limit.push(n === 0 ? 0 : lo + 1), strides.push(-st), reversed.push(k);
      }
    }
  });
  const trivial = start.every((s, k) => s === 0 && limit[k] === a.shape[k] && strides[k] === 1);
  let out = trivial ? a : lax.slice(a, start, limit, strides.every((s) => s === 1) ? null : strides);
  if (reversed.length) out = lax.rev(out, reversed);
  return dropped.length ? lax.squeeze(out, dropped) : out;
}

function normalizeIndex(i: number, size: number, axis: number): number {
  if (!Number.isInteger(i)) throw new TypeError(`Indices must be integers, got ${i} for axis ${axis}`);
  if (i < -size || i >= size) throw new RangeError(`index ${i} is out of bounds for axis ${axis} with size ${size}`);
  return i < 0 ? i + size : i;
}

/** Python's slice.indices(size). */
function sliceIndices(e: readonly (number | null | undefined)[], size: number, axis: number): [number, number, number] {
  if (e.length < 1 || e.length > 3) throw new TypeError(`slice for axis ${axis} must be [start, stop, step], got ${JSON.stringify(e)}`);
  const step = e[2] ?? 1;
  if (!Number.isInteger(step) || step === 0) throw new RangeError(`slice step cannot be zero (axis ${axis})`);
  const clamp = (v: number | null | undefined, dflt: number): number => {
    if (v === null || v === undefined) return dflt;
    if (!Number.isInteger(v)) throw new TypeError(`slice indices must be integers, got ${v} for axis ${axis}`);
    if (v < 0) v += size;
    return step > 0 ? Math.min(Math.max(v, 0), size) : Math.min(Math.max(v, -1), size - 1);
  };
  const lo = clamp(e[0], step > 0 ? 0 : size - 1);
  const hi = clamp(e[1], step > 0 ? size : -1);
  return [lo, hi, step];
}
