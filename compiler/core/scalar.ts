// JS scalars as arrays: weakly typed 0-d constants, as Python scalars are in JAX.

import { type TypeInfo, castScalar, scalarType, typedArrayFor } from "../dtypes.js";
import { ShapedArray } from "../shape.js";
import { type ArrayLike, Array, ConcreteArray } from "./array.js";

export function scalarArray(x: number | boolean, type: TypeInfo = scalarType(x)): ConcreteArray {
  const buf = typedArrayFor(type.dtype, 1);
  buf[0] = castScalar(x, type.dtype);
  return new ConcreteArray(new ShapedArray([], type.dtype, type.weakType), buf);
}

/** An Array for an ArrayLike: numbers and booleans become weakly typed scalars. */
export function asArray(x: ArrayLike, where = "argument"): Array {
  if (x instanceof Array) return x;
  if (typeof x === "number" || typeof x === "boolean") return scalarArray(x);
  throw new TypeError(`${where}: expected an Array, number or boolean, got ${describe(x)}`);
}

export function describe(x: unknown): string {
  if (x === null) return "null";
  if (globalThis.Array.isArray(x)) return "a JS array (use np.array(...) to make an Array from nested lists)";
  if (typeof x === "object") return `an object of type ${x.constructor?.name ?? "Object"}`;
  return `${typeof x} ${String(x)}`;
}

export function typeInfo(x: ArrayLike): TypeInfo {
  if (x instanceof Array) return { dtype: x.dtype, weakType: x.weakType };
  return scalarType(x);
}

