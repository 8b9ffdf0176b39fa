// The numpy namespace (`import { numpy as np } from "wax"`), and the Array methods.

import { registerArrayMethods } from "../core/array.js";
import type { Array as WaxArray, ArrayLike } from "../core/array.js";
import { asArray } from "../core/scalar.js";
import { type DTypeLike, checkDType } from "../dtypes.js";
import * as lax from "../lax/lax.js";
import * as contractions from "./contractions.js";
import * as elementwise from "./elementwise.js";
import * as reductions from "./reductions.js";
import * as shapes from "./shapes.js";

export * from "./creation.js";
export * from "./elementwise.js";
export * from "./reductions.js";
export * from "./shapes.js";
export * from "./contractions.js";
export * from "./cumulative.js";
export * from "./manipulation.js";
export { variance as var, std } from "./statistics.js";
export * as linalg from "./linalg.js";
export { einsum } from "./einsum.js";
export * as nn from "./nn.js";
export type { DType } from "../dtypes.js";
export { Array, type ArrayLike } from "../core/array.js";

export { float32, int32, bool_, bool, type ScalarType } from "./scalar-types.js";

export function astype(x: ArrayLike, dtype: DTypeLike): WaxArray {
  return lax.convertElementType(asArray(x, "astype"), checkDType(dtype, "astype"));
}

registerArrayMethods({
  ...elementwise,
  ...reductions,
  reshape: shapes.reshape,
  transpose: shapes.transpose,
  swapaxes: shapes.swapaxes,
  squeeze: shapes.squeeze,
  expandDims: shapes.expandDims,
  broadcastTo: shapes.broadcastTo,
  ravel: shapes.ravel,
  index: shapes.index,
  dot: contractions.dot,
  matmul: contractions.matmul,
  astype,
});
