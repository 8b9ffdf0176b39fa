// Array creation: np.array from JS data, and the constructors built on lax.full / iota.

import { type Array, type ArrayLike, ConcreteArray } from "../core/array.js";
import { asArray } from "../core/scalar.js";
import { type DType, type DTypeLike, type TypedArray, castScalar, checkDType, dtypeOfTypedArray, typedArrayFor } from "../dtypes.js";
import * as lax from "../lax/lax.js";
import { ShapedArray, checkShape, pyTuple, sizeOf } from "../shape.js";
import { broadcastToShape } from "./promote.js";

export interface DTypeOption {
  dtype?: DTypeLike;
}

const INT32_MAX = 2147483647, INT32_MIN = -2147483648;

/** Infers shape and leaves of nested JS arrays; ragged nesting is an error, as in numpy. */
function nestedShape(obj: unknown): { shape: number[]; leaves: (number | boolean)[] } {
  const leaves: (number | boolean)[] = [];
  let shape: number[] | undefined;
  // Every leaf, and every empty list, fixes the full shape; they must all agree.
  const record = (dims: number[]): void => {
    if (shape === undefined) shape = dims;
    else if (shape.length !== dims.length || shape.some((d, i) => d !== dims[i])) {
      throw new TypeError(
        `setting an array element with a sequence. The requested array has an inhomogeneous shape: ` +
          `found sub-lists of shapes ${pyTuple(shape)} and ${pyTuple(dims)} (ragged nested arrays are not supported)`,
      );
    }
  };
  const walk = (x: unknown, dims: number[]): void => {
    if (globalThis.Array.isArray(x)) {
      if (x.length === 0) record([...dims, 0]);
      x.forEach((c) => walk(c, [...dims, x.length]));
      return;
    }
    record(dims);
    if (typeof x !== "number" && typeof x !== "boolean") {
      throw new TypeError(`np.array: elements must be numbers or booleans, got ${typeof x} ${String(x)}`);
    }
    leaves.push(x);
  };
  walk(obj, []);
  return { shape: shape ?? [], leaves };
}

/** numpy's inference: bool if all leaves are booleans, int32 if all are integers, else float32 (also for no leaves). */
function inferDtype(leaves: (number | boolean)[]): DType {
  if (leaves.length === 0) return "float32";
  if (leaves.every((v) => typeof v === "boolean")) return "bool";
  return leaves.every((v) => typeof v === "boolean" || Number.isInteger(v)) ? "int32" : "float32";
}

function fromValues(values: NumericList, shape: number[], dtype: DType, weakType = false): ConcreteArray {
  const buf = typedArrayFor(dtype, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (dtype === "int32" && typeof v === "number" && Number.isInteger(v) && (v > INT32_MAX || v < INT32_MIN)) {
      throw new RangeError(`Python int ${v} too large to convert to int32`);
    }
    if (dtype === "int32" && typeof v === "number" && !Number.isFinite(v)) {
      throw new RangeError(`cannot convert float ${Number.isNaN(v) ? "NaN" : "infinity"} to integer (np.array with dtype int32)`);
    }
    buf[i] = castScalar(v, dtype);
  }
  return new ConcreteArray(new ShapedArray(shape, dtype, weakType), buf);
}

type NumericList = { readonly length: number; readonly [i: number]: number | boolean };

export interface ArrayOptions extends DTypeOption {
  /** The shape of a flat TypedArray argument. */
  shape?: readonly number[];
}

/**
 * np.array: from nested JS arrays, numbers, booleans, an Array, or a TypedArray with
 * `{ shape }`. Integers give int32, other numbers float32, booleans bool. A JS number
 * alone gives a weakly typed 0-d array, as a Python scalar does in JAX.
 */
export function array(obj: unknown, opts: ArrayOptions = {}): Array {
  const dtype = opts.dtype === undefined ? undefined : checkDType(opts.dtype, "np.array");
  if (typeof obj === "object" && obj !== null && "aval" in obj) {
    const a = obj as Array;
    return dtype && dtype !== a.dtype ? lax.convertElementType(a, dtype) : a;
  }
  if (ArrayBuffer.isView(obj) && !(obj instanceof DataView)) {
    const ta = obj as unknown as NumericList;
    const shape = opts.shape === undefined ? [ta.length] : checkShape(opts.shape, "np.array");
    if (sizeOf(shape) !== ta.length) {
      throw new TypeError(
        `np.array: a TypedArray of length ${ta.length} does not match shape ${pyTuple(shape)} (size ${sizeOf(shape)})`,
      );
    }
    const own = dtypeOfTypedArray(obj);
    const d = dtype ?? own ?? (obj instanceof Float64Array ? "float32" : "int32");
    // A bool copy goes through fromValues, which stores each byte as 0 or 1.
    if (d === own && d !== "bool") return new ConcreteArray(new ShapedArray(shape, d), (obj as unknown as TypedArray).slice());
    return fromValues(ta, shape, d);
  }
  if (opts.shape !== undefined) throw new TypeError("np.array: the shape option is only for TypedArray data");
  const { shape, leaves } = nestedShape(obj);
  return fromValues(leaves, shape, dtype ?? inferDtype(leaves), dtype === undefined && typeof obj === "number");
}

export const asarray = array;

export function full(shape: number | readonly number[], fillValue: ArrayLike, opts: DTypeOption = {}): Array {
  const s = checkShape(shape, "full");
  const v = asArray(fillValue, "full");
  const dtype = opts.dtype === undefined ? undefined : checkDType(opts.dtype, "full");
  // An array fill value is broadcast to the shape, as jnp.full does with broadcast_to.
  if (v.ndim !== 0) return broadcastToShape(dtype ? lax.convertElementType(v, dtype) : v, s);
  return lax.full(s, v, dtype);
}

export function zeros(shape: number | readonly number[], opts: DTypeOption = {}): Array {
  return lax.full(checkShape(shape, "zeros"), 0, checkDType(opts.dtype ?? "float32", "zeros"));
}

export function ones(shape: number | readonly number[], opts: DTypeOption = {}): Array {
  return lax.full(checkShape(shape, "ones"), 1, checkDType(opts.dtype ?? "float32", "ones"));
}

export function fullLike(x: ArrayLike, fillValue: ArrayLike, opts: DTypeOption = {}): Array {
  const a = asArray(x, "fullLike");
  const dtype = opts.dtype === undefined ? a.dtype : checkDType(opts.dtype, "fullLike");
  const weak = opts.dtype === undefined && a.weakType;
  const v = lax.convertElementType(asArray(fillValue, "fullLike"), dtype, weak);
  return lax.broadcastInDim(v, a.shape, []);
}

export function zerosLike(x: ArrayLike, opts: DTypeOption = {}): Array {
  return fullLike(x, 0, opts);
}

export function onesLike(x: ArrayLike, opts: DTypeOption = {}): Array {
  return fullLike(x, 1, opts);
}

/**
 * np.arange. With one argument it is lax.iota (staged when traced); otherwise the values
 * are computed here, as numpy would, and become a constant. The options object may follow
 * any number of the positional arguments: `np.arange(5, { dtype: "float32" })`.
 */
export function arange(start: number, opts?: DTypeOption): Array;
export function arange(start: number, stop: number | undefined, opts?: DTypeOption): Array;
export function arange(start: number, stop?: number, step?: number, opts?: DTypeOption): Array;
export function arange(
  start: number,
  stopOrOpts?: number | DTypeOption,
  stepOrOpts?: number | DTypeOption,
  lastOpts: DTypeOption = {},
): Array {
  const isOpts = (v: unknown): v is DTypeOption => typeof v === "object" && v !== null;
  const opts = isOpts(stopOrOpts) ? stopOrOpts : isOpts(stepOrOpts) ? stepOrOpts : lastOpts;
  const stop = isOpts(stopOrOpts) ? undefined : stopOrOpts;
  const step = isOpts(stopOrOpts) || isOpts(stepOrOpts) ? undefined : stepOrOpts;
  const args = [start, stop, step].filter((v) => v !== undefined) as number[];
  for (const v of args) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`arange: arguments must be finite numbers, got ${String(v)}`);
  }
  const inferred: DType = args.every(Number.isInteger) ? "int32" : "float32";
  const dtype = opts.dtype === undefined ? inferred : checkDType(opts.dtype, "arange");
  if (stop === undefined && step === undefined) {
    if (start < 0) return array([], { dtype });
    // jnp.arange(2.5) is iota of ceil(2.5), in the float dtype the argument implies.
    return lax.iota(dtype, Math.ceil(start));
  }
  const lo = stop === undefined ? 0 : start;
  const hi = stop === undefined ? start : stop;
  const st = step ?? 1;
  if (st === 0) throw new RangeError("arange: step must not be zero (Maximum allowed size exceeded)");
  const n = Math.max(0, Math.ceil((hi - lo) / st));
  const vals = globalThis.Array.from({ length: n }, (_, i) => lo + i * st);
  return fromValues(vals, [n], dtype);
}

export interface LinspaceOptions extends DTypeOption {
  endpoint?: boolean;
}

/** np.linspace, computed in float64 and rounded to the dtype; the last value is exactly `stop` with endpoint. */
export function linspace(start: number, stop: number, num = 50, opts: LinspaceOptions = {}): Array {
  if (!Number.isInteger(num) || num < 0) throw new RangeError(`Number of samples, ${num}, must be non-negative.`);
  const endpoint = opts.endpoint ?? true;
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const vals = globalThis.Array.from({ length: num }, (_, i) => (endpoint && i === num - 1 && num > 1 ? stop : start + i * step));
  const dtype = checkDType(opts.dtype ?? "float32", "linspace");
  return fromValues(dtype === "int32" ? vals.map(Math.floor) : vals, [num], dtype);
}

export interface EyeOptions extends DTypeOption {
  k?: number;
}

/** np.eye: ones on the k-th diagonal, built from iotas as JAX does. */
export function eye(n: number, m?: number, opts: EyeOptions = {}): Array {
  const shape = checkShape([n, m ?? n], "eye");
  const k = opts.k ?? 0;
  const rows = lax.add(lax.broadcastedIota("int32", shape, 0), k);
  const cols = lax.broadcastedIota("int32", shape, 1);
  return lax.convertElementType(lax.eq(rows, cols), checkDType(opts.dtype ?? "float32", "eye"));
}
