// jnp.float32, jnp.int32, jnp.bool_: each is a dtype (`np.zeros([2], { dtype: np.float32 })`)
// and a constructor of strongly typed values (`np.float32(2)`), as in JAX. In JavaScript
// `2.0` is `2`, a weak int; `np.float32(2)` is how to say a float32 two, so that
// `int32Array.mul(np.float32(2))` is float32, as `x * jnp.float32(2)` is in JAX.

import { Array, type ArrayLike } from "../core/array.js";
import type { DType } from "../dtypes.js";
import * as lax from "../lax/lax.js";
import { array } from "./creation.js";

/** A dtype that is also a constructor: a scalar or nested lists in, a strongly typed Array out. */
export interface ScalarType<D extends DType = DType> {
  (x: ArrayLike | readonly unknown[]): Array;
  readonly dtype: D;
}

function scalarType<D extends DType>(dtype: D): ScalarType<D> {
  const make = (x: ArrayLike | readonly unknown[]): Array =>
    // convert_element_type also drops a weak type, as JAX's jnp.float32(x) does.
    x instanceof Array ? lax.convertElementType(x, dtype) : lax.convertElementType(array(x, { dtype }), dtype);
  Object.defineProperty(make, "name", { value: dtype });
  return Object.assign(make, { dtype, toString: () => dtype });
}

export const float32 = scalarType("float32");
export const int32 = scalarType("int32");
export const bool_ = scalarType("bool");
/** numpy 2's name for bool_. */
export const bool = bool_;
