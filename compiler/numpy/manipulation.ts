// numpy's array manipulation built from lax layout primitives: flip, roll, tile, repeat,
// pad (constant), triu/tril, meshgrid, diff. Each is a composition, so vmap and grad need
// nothing new.

import type { Array, ArrayLike } from "../core/array.js";
import { asArray } from "../core/scalar.js";
import * as lax from "../lax/lax.js";
import { normalizeAxes, normalizeAxis, pyTuple } from "../shape.js";
import { promoteArgs } from "./promote.js";

const range = (n: number): number[] => globalThis.Array.from({ length: n }, (_, i) => i);
const axesOf = (axis: number | readonly number[] | null | undefined, ndim: number, where: string): number[] =>
  axis === null || axis === undefined ? range(ndim) : normalizeAxes(typeof axis === "number" ? [axis] : [...axis], ndim, where);

/** np.flip: reverses the order of elements along `axis` (all axes by default). */
export function flip(x: ArrayLike, axis: number | readonly number[] | null = null): Array {
  const a = asArray(x, "flip");
  const axes = axesOf(axis, a.ndim, "flip axis");
  return axes.length === 0 ? a : lax.rev(a, axes);
}

/** np.roll: shifts elements along `axis` cyclically (the flattened array when axis is null). */
export function roll(x: ArrayLike, shift: number | readonly number[], axis: number | readonly number[] | null = null): Array {
  const a = asArray(x, "roll");
  if (axis === null) {
    if (typeof shift !== "number") throw new TypeError("roll: shift must be a number when axis is null");
    return lax.reshape(roll(lax.reshape(a, [a.size]), shift, 0), a.shape);
  }
  const axes = typeof axis === "number" ? [axis] : [...axis];
  const shifts = typeof shift === "number" ? axes.map(() => shift) : [...shift];
  if (shifts.length !== axes.length) throw new TypeError(`roll: ${shifts.length} shifts given for ${axes.length} axes`);
  let y = a;
  axes.forEach((ax, k) => {
    const d = normalizeAxis(ax, y.ndim, "roll axis"), n = y.shape[d]!;
    if (n === 0) return;
    const s = ((shifts[k]! % n) + n) % n;
    if (s === 0) return;
    const cut = (lo: number, hi: number) => lax.slice(y, y.shape.map((_, i) => (i === d ? lo : 0)), y.shape.map((m, i) => (i === d ? hi : m)));
    y = lax.concatenate([cut(n - s, n), cut(0, n - s)], d);
  });
  return y;
}

/** np.tile: `x` repeated `reps` times along each axis. */
export function tile(x: ArrayLike, reps: number | readonly number[]): Array {
  let a = asArray(x, "tile");
  const r = typeof reps === "number" ? [reps] : [...reps];
  if (!r.every((v) => Number.isInteger(v) && v >= 0)) throw new TypeError(`tile: reps must be non-negative integers, got ${pyTuple(r)}`);
  const ndim = Math.max(a.ndim, r.length);
  const reps2 = [...range(ndim - r.length).map(() => 1), ...r];
  a = lax.reshape(a, [...range(ndim - a.ndim).map(() => 1), ...a.shape]);
  // Broadcast to [r0, s0, r1, s1, ...] and merge each pair.
  const shape = a.shape.flatMap((s, i) => [reps2[i]!, s]);
  const b = lax.broadcastInDim(a, shape, range(ndim).map((i) => 2 * i + 1));
  return lax.reshape(b, a.shape.map((s, i) => s * reps2[i]!));
}

/** np.repeat with an integer count: each element repeated `repeats` times along `axis` (flattened when null). */
export function repeat(x: ArrayLike, repeats: number, axis: number | null = null): Array {
  let a = asArray(x, "repeat");
  if (!Number.isInteger(repeats) || repeats < 0) throw new TypeError(`repeat: repeats must be a non-negative integer, got ${repeats}`);
  if (axis === null) {
    a = lax.reshape(a, [a.size]);
    axis = 0;
  }
  const d = normalizeAxis(axis, a.ndim, "repeat axis");
  const shape = [...a.shape.slice(0, d + 1), repeats, ...a.shape.slice(d + 1)];
  const b = lax.broadcastInDim(a, shape, range(a.ndim).map((i) => (i <= d ? i : i + 1)));
  return lax.reshape(b, a.shape.map((s, i) => (i === d ? s * repeats : s)));
}

export interface PadOptions {
  mode?: "constant";
  constantValues?: number;
}

/** np.pad in "constant" mode: `padWidth` is n, [before, after], or one pair per axis. */
export function pad(x: ArrayLike, padWidth: number | readonly number[] | readonly (readonly number[])[], opts: PadOptions = {}): Array {
  const a = asArray(x, "pad");
  if ((opts.mode ?? "constant") !== "constant") throw new TypeError(`pad: only mode "constant" is supported, got ${JSON.stringify(opts.mode)}`);
  const pairs: number[][] = typeof padWidth === "number"
    ? a.shape.map(() => [padWidth, padWidth])
    : typeof padWidth[0] === "number"
      ? a.shape.map(() => [...(padWidth as readonly number[])])
      : (padWidth as readonly (readonly number[])[]).map((p) => [...p]);
  if (pairs.length !== a.ndim || !pairs.every((p) => p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0))) {
    throw new TypeError(`pad: padWidth must give a non-negative (before, after) pair for each of the ${a.ndim} axes, got ${JSON.stringify(padWidth)}`);
  }
  const value = opts.constantValues ?? 0;
  let y = a;
  pairs.forEach(([lo, hi], d) => {
    const block = (n: number) => lax.full(y.shape.map((m, i) => (i === d ? n : m)), value, y.dtype);
    const parts = [lo! > 0 ? block(lo!) : null, y, hi! > 0 ? block(hi!) : null].filter((p): p is Array => p !== null);
    y = lax.concatenate(parts, d);
  });
  return y;
}

function triangle(name: string, keep: (row: Array, col: Array) => Array) {
  return (x: ArrayLike, k = 0): Array => {
    const a = asArray(x, name);
    if (a.ndim < 2) throw new TypeError(`${name} requires an array of rank at least 2, got shape ${pyTuple(a.shape)}`);
    const [n, m] = a.shape.slice(-2) as [number, number];
    const rows = lax.broadcastedIota("int32", [n, m], 0), cols = lax.broadcastedIota("int32", [n, m], 1);
    const mask = lax.broadcastInDim(keep(lax.add(rows, k), cols), a.shape, [a.ndim - 2, a.ndim - 1]);
    return lax.select(mask, a, lax.full(a.shape, 0, a.dtype));
  };
}

/** np.triu: zeros below the k-th diagonal of the last two axes. */
export const triu = triangle("triu", (rowPlusK, col) => lax.ge(col, rowPlusK));
/** np.tril: zeros above the k-th diagonal of the last two axes. */
export const tril = triangle("tril", (rowPlusK, col) => lax.le(col, rowPlusK));

/** np.meshgrid of 1-D arrays, with numpy's "xy" (default) or "ij" indexing. */
export function meshgrid(...args: (ArrayLike | { indexing?: "xy" | "ij" })[]): Array[] {
  const last = args[args.length - 1];
  const opts = typeof last === "object" && last !== null && !("shape" in last) ? (args.pop() as { indexing?: "xy" | "ij" }) : {};
  const indexing = opts.indexing ?? "xy";
  if (indexing !== "xy" && indexing !== "ij") throw new TypeError(`meshgrid: indexing must be "xy" or "ij", got ${JSON.stringify(indexing)}`);
  const xs = (args as ArrayLike[]).map((v) => asArray(v, "meshgrid"));
  if (!xs.every((v) => v.ndim === 1)) throw new TypeError("meshgrid requires 1-D arrays");
  const shape = xs.map((v) => v.size);
  if (indexing === "xy" && xs.length >= 2) [shape[0], shape[1]] = [shape[1]!, shape[0]!];
  return xs.map((v, i) => {
    const d = indexing === "xy" && xs.length >= 2 && i < 2 ? 1 - i : i;
    return lax.broadcastInDim(v, shape, [d]);
  });
}

/** np.diff: the n-th discrete difference along `axis` (default the last). */
export function diff(x: ArrayLike, n = 1, axis = -1): Array {
  let a = asArray(x, "diff");
  if (a.ndim === 0) throw new TypeError("diff requires input that is at least one dimensional");
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`order must be non-negative but got ${n}`);
  const d = normalizeAxis(axis, a.ndim, "diff axis");
  for (let k = 0; k < n && a.shape[d]! > 0; k++) {
    const m = a.shape[d]!;
    const hi = lax.slice(a, a.shape.map(() => 0).map((_, i) => (i === d ? 1 : 0)), [...a.shape]);
    const lo = lax.slice(a, a.shape.map(() => 0), a.shape.map((s, i) => (i === d ? m - 1 : s)));
    const [p, q] = promoteArgs([hi, lo], "diff") as [Array, Array];
    a = p.dtype === "bool" ? lax.ne(p, q) : lax.sub(p, q);
  }
  return a;
}
