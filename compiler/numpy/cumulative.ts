// numpy's cumulative reductions: cumsum, cumprod (bools count as ints, as in numpy),
// cummax, cummin, over one axis or the flattened array; built on lax's scans.

import type { Array, ArrayLike } from "../core/array.js";
import { asArray } from "../core/scalar.js";
import { type DType, checkDType } from "../dtypes.js";
import * as lax from "../lax/lax.js";
import * as scans from "../lax/cumulative.js";

export interface CumulativeOptions {
  dtype?: DType;
}

function cumulative(name: string, scan: (x: Array, axis: number) => Array, upcastBool: boolean) {
  return (x: ArrayLike, axis: number | null = null, opts: CumulativeOptions = {}): Array => {
    let a = asArray(x, name);
    if (axis === null) {
      a = lax.reshape(a, [a.size]);
      axis = 0;
    }
    if (a.ndim === 0) a = lax.reshape(a, [1]);
    const dtype = opts.dtype !== undefined ? checkDType(opts.dtype, name) : upcastBool && a.dtype === "bool" ? "int32" : undefined;
    if (dtype && dtype !== a.dtype) a = lax.convertElementType(a, dtype);
    return scan(a, axis);
  };
}

export const cumsum = cumulative("cumsum", (x, axis) => scans.cumsum(x, axis), true);
export const cumprod = cumulative("cumprod", (x, axis) => scans.cumprod(x, axis), true);
export const cummax = cumulative("cummax", (x, axis) => scans.cummax(x, axis), false);
export const cummin = cumulative("cummin", (x, axis) => scans.cummin(x, axis), false);
