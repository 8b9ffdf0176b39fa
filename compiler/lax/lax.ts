// jax.lax: thin, strict wrappers that bind one primitive each. Unlike numpy, lax does not
// promote dtypes or ranks; JS scalars take the dtype of the array operand (weakly typed).

import { type Array, type ArrayLike } from "../core/array.js";
import { asArray, scalarArray } from "../core/scalar.js";
import { bind1 } from "../core/trace.js";
import { type DType, checkDType } from "../dtypes.js";
import type { BinaryPrimitive, DimensionNumbers, UnaryPrimitive } from "../primitives/params.js";
import { axisList, checkShape, normalizeAxes, pyTuple } from "../shape.js";
import { treeFlatten, treeUnflatten } from "../tree.js";

/** JS scalars among the operands take the dtype of the first Array operand. */
function operands(xs: ArrayLike[], where: string): Array[] {
  const ref = xs.find((x): x is Array => typeof x === "object");
  return xs.map((x) =>
    typeof x === "object" ? x : ref ? scalarArray(x, { dtype: ref.dtype, weakType: true }) : asArray(x, where),
  );
}

const unary = (p: UnaryPrimitive) => (x: ArrayLike): Array => bind1(p, operands([x], p), {});
const binary = (p: BinaryPrimitive) => (x: ArrayLike, y: ArrayLike): Array => bind1(p, operands([x, y], p), {});

export const neg = unary("neg");
export const sign = unary("sign");
export const floor = unary("floor");
export const ceil = unary("ceil");
export const abs = unary("abs");
export const sqrt = unary("sqrt");
export const rsqrt = unary("rsqrt");
export const exp = unary("exp");
export const log = unary("log");
export const log1p = unary("log1p");
export const expm1 = unary("expm1");
export const tanh = unary("tanh");
export const logistic = unary("logistic");
export const sin = unary("sin");
export const cos = unary("cos");
export const bitwiseNot = unary("not");
export const isFinite = unary("is_finite");

export const add = binary("add");
export const sub = binary("sub");
export const mul = binary("mul");
export const div = binary("div");
export const rem = binary("rem");
export const pow = binary("pow");
export const max = binary("max");
export const min = binary("min");
export const eq = binary("eq");
export const ne = binary("ne");
export const lt = binary("lt");
export const le = binary("le");
export const gt = binary("gt");
export const ge = binary("ge");
export const bitwiseAnd = binary("and");
export const bitwiseOr = binary("or");

export function integerPow(x: ArrayLike, y: number): Array {
  if (!Number.isInteger(y)) throw new TypeError(`integerPow: exponent must be an integer, got ${y}`);
  return bind1("integer_pow", [asArray(x, "integerPow")], { y });
}

/** lax.select(pred, onTrue, onFalse): `select_n(pred, onFalse, onTrue)`. */
export function select(pred: ArrayLike, onTrue: ArrayLike, onFalse: ArrayLike): Array {
  const [t, f] = operands([onTrue, onFalse], "select");
  return bind1("select_n", [asArray(pred, "select"), f!, t!], {});
}

export function selectN(which: ArrayLike, ...cases: ArrayLike[]): Array {
  return bind1("select_n", [asArray(which, "selectN"), ...operands(cases, "selectN")], {});
}

export function convertElementType(x: ArrayLike, newDtype: DType, weakType = false): Array {
  const dtype = checkDType(newDtype, "convertElementType");
  const a = asArray(x, "convertElementType");
  if (a.dtype === dtype && a.weakType === weakType) return a;
  return bind1("convert_element_type", [a], { new_dtype: dtype, weak_type: weakType });
}

export function broadcastInDim(x: ArrayLike, shape: readonly number[], broadcastDimensions: readonly number[]): Array {
  const s = checkShape(shape, "broadcastInDim");
  const a = asArray(x, "broadcastInDim");
  // A 0-d operand "broadcast" to shape () is itself, as in JAX.
  if (a.ndim === 0 && s.length === 0 && broadcastDimensions.length === 0) return a;
  return bind1("broadcast_in_dim", [a], {
    shape: s,
    broadcast_dimensions: [...broadcastDimensions],
  });
}

/** lax.broadcast: adds leading dimensions `sizes`. */
export function broadcast(x: ArrayLike, sizes: readonly number[]): Array {
  const a = asArray(x, "broadcast");
  const dims = a.shape.map((_, i) => i + sizes.length);
  return broadcastInDim(a, [...sizes, ...a.shape], dims);
}

export function reshape(x: ArrayLike, newSizes: readonly number[], dimensions: null = null): Array {
  const a = asArray(x, "reshape");
  const s = checkShape(newSizes, "reshape");
  if (dimensions !== null) throw new TypeError("reshape: the dimensions argument is not supported; transpose first");
  if (s.length === a.ndim && s.every((d, i) => d === a.shape[i])) return a;
  return bind1("reshape", [a], { new_sizes: s, dimensions: null });
}

export function transpose(x: ArrayLike, permutation: readonly number[]): Array {
  const a = asArray(x, "transpose");
  if (permutation.length === a.ndim && permutation.every((p, i) => p === i)) return a;
  return bind1("transpose", [a], { permutation: [...permutation] });
}

export function squeeze(x: ArrayLike, dimensions: readonly number[]): Array {
  const a = asArray(x, "squeeze");
  const dims = normalizeAxes(dimensions, a.ndim, "squeeze dimensions").sort((p, q) => p - q);
  if (dims.length === 0) return a;
  return bind1("squeeze", [a], { dimensions: dims });
}

/** lax.expand_dims: inserts size-1 dimensions, as a broadcast_in_dim like JAX. */
export function expandDims(x: ArrayLike, dimensions: readonly number[]): Array {
  const a = asArray(x, "expandDims");
  dimensions = axisList(dimensions, "expandDims dimensions");
  const outNdim = a.ndim + dimensions.length;
  const dims = normalizeAxes(dimensions, outNdim, "expandDims dimensions");
  const shape: number[] = [];
  const bdims: number[] = [];
  let k = 0;
  for (let i = 0; i < outNdim; i++) {
    if (dims.includes(i)) shape.push(1);
    else {
      shape.push(a.shape[k++]!);
      bdims.push(i);
    }
  }
  return broadcastInDim(a, shape, bdims);
}

export function rev(x: ArrayLike, dimensions: readonly number[]): Array {
  return bind1("rev", [asArray(x, "rev")], { dimensions: [...dimensions] });
}

export function concatenate(operandsIn: readonly ArrayLike[], dimension: number): Array {
  if (operandsIn.length === 0) throw new TypeError("concatenate requires a non-empty list of operands");
  const xs = operandsIn.map((x) => asArray(x, "concatenate"));
  if (xs.length === 1) return xs[0]!;
  return bind1("concatenate", xs, { dimension });
}

export function slice(
  x: ArrayLike,
  startIndices: readonly number[],
  limitIndices: readonly number[],
  strides: readonly number[] | null = null,
): Array {
  return bind1("slice", [asArray(x, "slice")], {
    start_indices: [...startIndices],
    limit_indices: [...limitIndices],
    strides: strides ? [...strides] : null,
  });
}

export function dynamicSlice(x: ArrayLike, startIndices: readonly ArrayLike[], sliceSizes: readonly number[]): Array {
  const starts = startIndices.map((s) =>
    typeof s === "object" ? s : scalarArray(s as number, { dtype: "int32", weakType: false }),
  );
  return bind1("dynamic_slice", [asArray(x, "dynamicSlice"), ...starts], { slice_sizes: [...sliceSizes] });
}

function reducer(p: "reduce_sum" | "reduce_max" | "reduce_min" | "reduce_prod") {
  return (x: ArrayLike, axes: readonly number[]): Array => {
    const a = asArray(x, p);
    return bind1(p, [a], { axes: normalizeAxes(axes, a.ndim, `${p} axes`) });
  };
}
export const reduceSum = reducer("reduce_sum");
export const reduceMax = reducer("reduce_max");
export const reduceMin = reducer("reduce_min");
export const reduceProd = reducer("reduce_prod");

export function argmax(x: ArrayLike, axis: number, indexDtype: DType = "int32"): Array {
  const a = asArray(x, "argmax");
  return bind1("argmax", [a], { axes: normalizeAxes([axis], a.ndim, "argmax axis"), index_dtype: indexDtype });
}
export function argmin(x: ArrayLike, axis: number, indexDtype: DType = "int32"): Array {
  const a = asArray(x, "argmin");
  return bind1("argmin", [a], { axes: normalizeAxes([axis], a.ndim, "argmin axis"), index_dtype: indexDtype });
}

export interface DotOptions {
  precision?: null;
  preferredElementType?: DType | null;
}

type DimsIn = readonly [readonly [readonly number[], readonly number[]], readonly [readonly number[], readonly number[]]];

export function dotGeneral(lhs: ArrayLike, rhs: ArrayLike, dimensionNumbers: DimsIn, opts: DotOptions = {}): Array {
  const [[lc, rc], [lb, rb]] = dimensionNumbers;
  const dn: DimensionNumbers = [[[...lc], [...rc]], [[...lb], [...rb]]];
  const pet = opts.preferredElementType == null ? null : checkDType(opts.preferredElementType, "dotGeneral");
  return bind1("dot_general", [asArray(lhs, "dotGeneral"), asArray(rhs, "dotGeneral")], {
    dimension_numbers: dn,
    precision: null,
    preferred_element_type: pet,
  });
}

/** lax.dot: vector/matrix products of rank-1 and rank-2 operands. */
export function dot(lhs: ArrayLike, rhs: ArrayLike, opts: DotOptions = {}): Array {
  const a = asArray(lhs, "dot"), b = asArray(rhs, "dot");
  if (a.ndim >= 1 && a.ndim <= 2 && b.ndim >= 1 && b.ndim <= 2 && a.shape[a.ndim - 1] === b.shape[0]) {
    return dotGeneral(a, b, [[[a.ndim - 1], [0]], [[], []]], opts);
  }
  throw new TypeError(`Incompatible shapes for dot: got ${pyTuple(a.shape)} and ${pyTuple(b.shape)}.`);
}

export function iota(dtype: DType, size: number): Array {
  return broadcastedIota(dtype, [size], 0);
}

export function broadcastedIota(dtype: DType, shape: readonly number[], dimension: number): Array {
  return bind1("iota", [], { dtype: checkDType(dtype, "iota"), shape: checkShape(shape, "iota"), dimension });
}

/** lax.full: a scalar broadcast to `shape`, staged as broadcast_in_dim like JAX. */
export function full(shape: readonly number[], fillValue: ArrayLike, dtype?: DType): Array {
  const s = checkShape(shape, "full");
  const v = asArray(fillValue, "full");
  if (v.ndim !== 0) throw new TypeError(`full must be called with a scalar fill_value, got fill_value.shape ${pyTuple(v.shape)}.`);
  const weak = dtype === undefined && v.weakType;
  const c = convertElementType(v, dtype ?? v.dtype, weak);
  return broadcastInDim(c, s, []);
}

/** A pytree with every number, boolean and Array leaf an Array. */
export type Leaves<T> = T extends ArrayLike ? Array : T extends null | undefined ? T : { [K in keyof T]: Leaves<T[K]> };

/**
 * Binds stop_gradient on floats only; other dtypes have no gradient to stop (as in JAX).
 * Like JAX's, it maps over a pytree: each leaf is stopped, the structure kept.
 */
export function stopGradient<T>(x: T): Leaves<T>;
export function stopGradient(x: unknown): unknown {
  const [leaves, tree] = treeFlatten(x);
  return treeUnflatten(tree, leaves.map((l, i) => {
    const a = asArray(l as ArrayLike, leaves.length === 1 && tree.kind === "leaf" ? "stopGradient" : `stopGradient leaf ${i}`);
    return a.dtype === "float32" ? bind1("stop_gradient", [a], {}) : a;
  }));
}
