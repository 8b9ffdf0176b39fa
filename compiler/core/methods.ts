// The numpy functions behind Array's methods, registered by the numpy layer at load.

import type { DTypeLike } from "../dtypes.js";
import type { Array, ArrayLike } from "./array.js";

type Keepdims = { keepdims?: boolean };
type Axis = number | number[] | null | undefined | Keepdims;
type Binary = (x: ArrayLike, y: ArrayLike) => Array;
type Unary = (x: ArrayLike) => Array;
type Reduction = (x: ArrayLike, axis?: Axis, opts?: Keepdims) => Array;
type ArgReduction = (x: ArrayLike, axis?: number | null | Keepdims, opts?: Keepdims) => Array;

export interface ArrayMethods {
  add: Binary; subtract: Binary; multiply: Binary; divide: Binary;
  floorDivide: Binary; remainder: Binary; power: Binary;
  equal: Binary; notEqual: Binary; less: Binary; lessEqual: Binary; greater: Binary; greaterEqual: Binary;
  negative: Unary; abs: Unary; sqrt: Unary; exp: Unary; log: Unary; tanh: Unary; ravel: Unary;
  sum: Reduction; prod: Reduction; max: Reduction; min: Reduction; mean: Reduction;
  argmax: ArgReduction; argmin: ArgReduction;
  reshape: (x: ArrayLike, shape: number[]) => Array;
  transpose: (x: ArrayLike, axes?: number[]) => Array;
  swapaxes: (x: ArrayLike, a: number, b: number) => Array;
  squeeze: (x: ArrayLike, axis?: number | number[]) => Array;
  expandDims: (x: ArrayLike, axis: number | number[]) => Array;
  broadcastTo: (x: ArrayLike, shape: number[]) => Array;
  astype: (x: ArrayLike, dtype: DTypeLike) => Array;
  dot: Binary; matmul: Binary;
  clip: (x: ArrayLike, lo?: ArrayLike | null, hi?: ArrayLike | null) => Array;
  index: (x: Array, index: readonly (number | null | readonly (number | null | undefined)[])[]) => Array;
}
