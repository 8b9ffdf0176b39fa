// dtypes and JAX's type-promotion lattice (x64 disabled).
//
// JavaScript numbers are "weakly typed", like Python scalars in JAX: they take
// the dtype of the array they meet. With only bool, int32 and float32 the lattice
// bool < int* < int32 < float* < float32 is a chain, so a join is a max.

import { MAX_ARRAY_BYTES } from "../runtime/memory.js";

export type DType = "float32" | "int32" | "bool";

export const DTYPES: readonly DType[] = ["float32", "int32", "bool"];

/**
 * A dtype as a name or as a scalar type that carries one (`np.float32`, which is also a
 * constructor, as `jnp.float32` is in JAX).
 */
export type DTypeLike = DType | { readonly dtype: DType };

export type TypedArray = Float32Array | Int32Array | Uint8Array;

/** A dtype together with JAX's weak-type flag. */
export interface TypeInfo {
  dtype: DType;
  weakType: boolean;
}

const SHORT: Record<DType, string> = { float32: "f32", int32: "i32", bool: "bool" };

export function shortName(dtype: DType): string {
  return SHORT[dtype];
}

export function isDType(x: unknown): x is DType {
  return typeof x === "string" && (DTYPES as readonly string[]).includes(x);
}

/** Validates a user-given dtype name and returns it. */
export function checkDType(x: unknown, where = "dtype"): DType {
  if (isDType(x)) return x;
  if ((typeof x === "function" || (typeof x === "object" && x !== null)) && isDType((x as { dtype?: unknown }).dtype)) {
    return (x as { dtype: DType }).dtype;
  }
  throw new TypeError(
    `${where}: unknown dtype ${JSON.stringify(x)}; wax supports ${DTYPES.map((d) => `"${d}"`).join(", ")}`,
  );
}

export function isFloat(dtype: DType): boolean {
  return dtype === "float32";
}

export function isInt(dtype: DType): boolean {
  return dtype === "int32";
}

/** Throws a RangeError when an array of `size` elements of `dtype` is past wax's maximum array size. */
export function checkArraySize(dtype: DType, size: number): void {
  const bytes = size * (dtype === "bool" ? 1 : 4);
  if (bytes > MAX_ARRAY_BYTES) {
    throw new RangeError(
      `wax: an array of ${size} ${dtype} elements needs ${bytes} bytes; wax arrays are at most ${MAX_ARRAY_BYTES} bytes (2 GiB)`,
    );
  }
}

export function typedArrayFor(dtype: DType, size: number): TypedArray {
  checkArraySize(dtype, size);
  switch (dtype) {
    case "float32":
      return new Float32Array(size);
    case "int32":
      return new Int32Array(size);
    case "bool":
      return new Uint8Array(size);
  }
}

export function dtypeOfTypedArray(a: unknown): DType | undefined {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint8Array) return "bool";
  return undefined;
}

/** Rounds a JS number to what the dtype can hold (f32 rounding, int32 truncation toward zero, bool). */
export function castScalar(x: number | boolean, dtype: DType): number {
  const v = typeof x === "boolean" ? (x ? 1 : 0) : x;
  switch (dtype) {
    case "float32":
      return Math.fround(v);
    case "int32":
      return v | 0;
    case "bool":
      return v !== 0 ? 1 : 0;
  }
}

// Positions in the chain bool < int* < int32 < float* < float32.
function rank(t: TypeInfo): number {
  switch (t.dtype) {
    case "bool":
      return 0;
    case "int32":
      return t.weakType ? 1 : 2;
    case "float32":
      return t.weakType ? 3 : 4;
  }
}

const BY_RANK: TypeInfo[] = [
  { dtype: "bool", weakType: false },
  { dtype: "int32", weakType: true },
  { dtype: "int32", weakType: false },
  { dtype: "float32", weakType: true },
  { dtype: "float32", weakType: false },
];

/** JAX's `_lattice_result_type`: the least upper bound of the inputs' types. */
export function resultType(...types: TypeInfo[]): TypeInfo {
  if (types.length === 0) throw new TypeError("resultType needs at least one type");
  let r = 0;
  for (const t of types) r = Math.max(r, rank(t));
  return BY_RANK[r]!;
}

/** The type of a JS scalar: a weak int32 for integers, a weak float32 otherwise, bool for booleans. */
export function scalarType(x: number | boolean): TypeInfo {
  if (typeof x === "boolean") return { dtype: "bool", weakType: false };
  return Number.isInteger(x) && Math.abs(x) <= 0x7fffffff
    ? { dtype: "int32", weakType: true }
    : { dtype: "float32", weakType: true };
}
