// numpy reductions with axis (number, list or none) and keepdims.

import type { Array, ArrayLike } from "../core/array.js";
import { asArray } from "../core/scalar.js";
import { type DTypeLike, checkDType } from "../dtypes.js";
import * as lax from "../lax/lax.js";
import { normalizeAxis } from "../shape.js";
import { type AxisArg, reductionAxes } from "./promote.js";

export interface ReduceOptions {
  keepdims?: boolean;
  dtype?: DTypeLike;
}

function keep(x: Array, axes: number[], keepdims: boolean | undefined): Array {
  return keepdims ? lax.expandDims(x, axes) : x;
}

type Reducer = (x: ArrayLike, axis?: AxisArg | ReduceOptions, opts?: ReduceOptions) => Array;

/** The axis may be left out before the options: `np.sum(x, { keepdims: true })`. */
function axisAndOptions<O extends object>(axis: AxisArg | O, opts: O | undefined): [AxisArg, O] {
  if (typeof axis === "object" && axis !== null && !globalThis.Array.isArray(axis)) return [undefined, axis as O];
  return [axis as AxisArg, opts ?? ({} as O)];
}

function reduction(
  name: string,
  op: (x: Array, axes: number[]) => Array,
  opts: { upcastBool?: boolean; identity?: boolean } = {},
): Reducer {
  return (x, axisIn, oIn) => {
    const [axis, o] = axisAndOptions(axisIn, oIn);
    let a = asArray(x, name);
    const axes = reductionAxes(axis, a.ndim);
    if (!opts.identity && axes.some((ax) => a.shape[ax] === 0)) {
      throw new RangeError(`zero-size array to reduction operation ${name} which has no identity`);
    }
    const dtype = o.dtype === undefined ? (opts.upcastBool && a.dtype === "bool" ? "int32" : undefined) : checkDType(o.dtype, name);
    if (dtype) a = lax.convertElementType(a, dtype);
    return keep(op(a, axes), axes, o.keepdims);
  };
}

function boolAware(op: (x: Array, axes: number[]) => Array, boolOp: (x: Array, axes: number[]) => Array) {
  return (x: Array, axes: number[]) => (x.dtype === "bool" ? boolOp(x, axes) : op(x, axes));
}

// max/min of bools are any/all: reduce over 0/1 in int32 and compare back.
const asInt = (op: (x: Array, axes: number[]) => Array) => (x: Array, axes: number[]) =>
  lax.ne(op(lax.convertElementType(x, "int32"), axes), 0);

export const sum = reduction("sum", lax.reduceSum, { upcastBool: true, identity: true });
export const prod = reduction("prod", lax.reduceProd, { upcastBool: true, identity: true });
export const max = reduction("max", boolAware(lax.reduceMax, asInt(lax.reduceMax)));
export const min = reduction("min", boolAware(lax.reduceMin, asInt(lax.reduceMin)));
export const amax = max;
export const amin = min;

/** np.any / np.all: max / min over bools, whose identities (false / true) make empty reductions right. */
const toBool = (x: Array): Array => (x.dtype === "bool" ? x : lax.ne(x, 0));
export const any = reduction("any", (x, axes) => lax.reduceMax(toBool(x), axes), { identity: true });
export const all = reduction("all", (x, axes) => lax.reduceMin(toBool(x), axes), { identity: true });

/** np.mean: integer and bool inputs are averaged in float32. */
export function mean(x: ArrayLike, axisIn?: AxisArg | ReduceOptions, optsIn?: ReduceOptions): Array {
  const [axis, opts] = axisAndOptions(axisIn, optsIn);
  const a = asArray(x, "mean");
  const axes = reductionAxes(axis, a.ndim);
  const n = axes.reduce((p, ax) => p * a.shape[ax]!, 1);
  const dtype = opts.dtype ?? "float32";
  const s = sum(a, axes, { keepdims: opts.keepdims, dtype });
  return lax.div(s, n);
}

function argReduction(name: "argmax" | "argmin") {
  const op = name === "argmax" ? lax.argmax : lax.argmin;
  return (x: ArrayLike, axisIn?: number | null | { keepdims?: boolean }, optsIn?: { keepdims?: boolean }): Array => {
    const [axis, opts] = axisAndOptions(axisIn, optsIn) as [number | null | undefined, { keepdims?: boolean }];
    let a = asArray(x, name);
    let ax: number;
    if (axis === null || axis === undefined) {
      a = lax.reshape(a, [a.size]);
      ax = 0;
    } else ax = normalizeAxis(axis, a.ndim);
    if (a.shape[ax] === 0) throw new RangeError(`attempt to get ${name} of an empty sequence`);
    const r = op(a, ax);
    if (!opts.keepdims) return r;
    return axis === null || axis === undefined ? lax.reshape(r, new globalThis.Array(asArray(x).ndim).fill(1)) : lax.expandDims(r, [ax]);
  };
}

export const argmax = argReduction("argmax");
export const argmin = argReduction("argmin");

