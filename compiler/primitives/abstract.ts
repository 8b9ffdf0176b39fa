// Abstract evaluation: each primitive's output shapes and dtypes, with JAX's errors.

import type { DType } from "../dtypes.js";
import { ShapedArray, pyTuple, sizeOf, type Shape } from "../shape.js";
import {
  BINARY_PRIMITIVES, COLLECTIVE_REDUCE_PRIMITIVES, REDUCE_PRIMITIVES, UNARY_PRIMITIVES,
  type Params, type Primitive, type RuleTable,
} from "./params.js";

export type AbstractEvalRule<P extends Primitive> = (avals: ShapedArray[], params: Params<P>) => ShapedArray[];
type Rules = RuleTable<{ [P in Primitive]: AbstractEvalRule<P> }>;

type Kind = "float" | "int" | "bool";
const KIND: Record<DType, Kind> = { float32: "float", int32: "int", bool: "bool" };
const NAMES: Record<Kind, string> = { float: "floating", int: "integer", bool: "bool" };

function checkKinds(prim: string, dtype: DType, allowed: Kind[]): void {
  if (!allowed.includes(KIND[dtype])) {
    throw new TypeError(
      `${prim} does not accept dtype ${dtype}. Accepted dtypes are subtypes of ${allowed.map((k) => NAMES[k]).join(", ")}.`,
    );
  }
}

const FLOAT: Kind[] = ["float"];
const NUMBER: Kind[] = ["float", "int"];
const ANY: Kind[] = ["float", "int", "bool"];
const INT_OR_BOOL: Kind[] = ["int", "bool"];

const UNARY_KINDS: Record<(typeof UNARY_PRIMITIVES)[number], Kind[]> = {
  neg: NUMBER, sign: NUMBER, floor: FLOAT, ceil: FLOAT, abs: NUMBER, sqrt: FLOAT, rsqrt: FLOAT,
  exp: FLOAT, log: FLOAT, log1p: FLOAT, expm1: FLOAT, tanh: FLOAT, logistic: FLOAT, sin: FLOAT,
  cos: FLOAT, not: INT_OR_BOOL, is_finite: FLOAT, stop_gradient: ANY,
};

const BINARY_KINDS: Record<(typeof BINARY_PRIMITIVES)[number], Kind[]> = {
  add: NUMBER, sub: NUMBER, mul: NUMBER, div: NUMBER, rem: NUMBER, pow: FLOAT, max: ANY, min: ANY,
  eq: ANY, ne: ANY, lt: ANY, le: ANY, gt: ANY, ge: ANY, and: INT_OR_BOOL, or: INT_OR_BOOL,
};

const COMPARISONS = new Set(["eq", "ne", "lt", "le", "gt", "ge"]);

/** lax's broadcasting rule: rank-0 operands broadcast; others need equal rank, dims equal or 1. */
export function broadcastingShape(prim: string, shapes: Shape[]): number[] {
  const nonScalar = shapes.filter((s) => s.length > 0);
  if (nonScalar.length === 0) return [];
  const ranks = new Set(nonScalar.map((s) => s.length));
  if (ranks.size !== 1) {
    throw new TypeError(
      `${prim}: arrays must have same number of dimensions, got ${nonScalar.map((s) => pyTuple(s)).join(", ")}.`,
    );
  }
  const out = [...nonScalar[0]!];
  for (const s of nonScalar) {
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!;
      if (out[i] === 1) out[i] = d;
      else if (d !== 1 && d !== out[i]) {
        throw new TypeError(
          `${prim} got incompatible shapes for broadcasting: ${nonScalar.map((x) => pyTuple(x)).join(", ")}.`,
        );
      }
    }
  }
  return out;
}

function sameDtypes(prim: string, avals: ShapedArray[]): DType {
  const dts = avals.map((a) => a.dtype);
  if (new Set(dts).size > 1) {
    throw new TypeError(`${prim} requires arguments to have the same dtypes, got ${dts.join(", ")}.`);
  }
  return dts[0]!;
}

function checkAxes(prim: string, axes: readonly number[], ndim: number): void {
  for (const a of axes) {
    if (!Number.isInteger(a) || a < 0 || a >= ndim) {
      throw new RangeError(`${prim}: axes ${pyTuple(axes)} out of range for operand of rank ${ndim}`);
    }
  }
  if (new Set(axes).size !== axes.length) throw new RangeError(`${prim}: duplicate axes ${pyTuple(axes)}`);
}

function dropAxes(shape: Shape, axes: readonly number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

function unary(prim: (typeof UNARY_PRIMITIVES)[number]): AbstractEvalRule<typeof prim> {
  return ([x]) => {
    checkKinds(prim, x!.dtype, UNARY_KINDS[prim]);
    if (prim === "is_finite") return [new ShapedArray(x!.shape, "bool")];
    return [x!];
  };
}

function binary(prim: (typeof BINARY_PRIMITIVES)[number]): AbstractEvalRule<typeof prim> {
  return (avals) => {
    const dtype = sameDtypes(prim, avals);
    checkKinds(prim, dtype, BINARY_KINDS[prim]);
    const shape = broadcastingShape(prim, avals.map((a) => a.shape));
    if (COMPARISONS.has(prim)) return [new ShapedArray(shape, "bool")];
    return [new ShapedArray(shape, dtype, avals.every((a) => a.weakType))];
  };
}

function reducer(prim: (typeof REDUCE_PRIMITIVES)[number]): AbstractEvalRule<typeof prim> {
  return ([x], { axes }) => {
    checkAxes(prim, axes, x!.ndim);
    if (prim !== "reduce_max" && prim !== "reduce_min") checkKinds(prim, x!.dtype, NUMBER);
    return [new ShapedArray(dropAxes(x!.shape, axes), x!.dtype, x!.weakType)];
  };
}

function argReducer(prim: "argmax" | "argmin"): AbstractEvalRule<typeof prim> {
  return ([x], { axes, index_dtype }) => {
    checkAxes(prim, axes, x!.ndim);
    if (axes.length !== 1) throw new TypeError(`${prim} requires exactly one axis, got ${pyTuple(axes)}`);
    if (x!.shape[axes[0]!] === 0) {
      throw new RangeError(`${prim}: attempt to get ${prim} of an empty sequence (axis ${axes[0]} has size 0)`);
    }
    return [new ShapedArray(dropAxes(x!.shape, axes), index_dtype)];
  };
}

function isPermutation(p: readonly number[], n: number): boolean {
  return p.length === n && [...p].sort((a, b) => a - b).every((v, i) => v === i);
}

function dotGeneral(avals: ShapedArray[], params: Params<"dot_general">): ShapedArray[] {
  const [lhs, rhs] = avals as [ShapedArray, ShapedArray];
  const [[lc, rc], [lb, rb]] = params.dimension_numbers;
  const check = (dims: readonly number[], ndim: number, what: string) => {
    for (const d of dims) {
      if (!Number.isInteger(d) || d < 0 || d >= ndim) {
        throw new RangeError(
          `dot_general requires ${what} dimension numbers to be in range [0, ${ndim}), got ${pyTuple(dims)}.`,
        );
      }
    }
    if (new Set(dims).size !== dims.length) throw new RangeError(`dot_general: repeated ${what} dimensions ${pyTuple(dims)}`);
  };
  check([...lc, ...lb], lhs.ndim, "lhs contracting and batch");
  check([...rc, ...rb], rhs.ndim, "rhs contracting and batch");
  if (lb.length !== rb.length) {
    throw new TypeError(
      `dot_general requires equal numbers of lhs_batch_dims and rhs_batch_dims, got lhs_batch_dims=${pyTuple(lb)} and rhs_batch_dims=${pyTuple(rb)}.`,
    );
  }
  if (lc.length !== rc.length) {
    throw new TypeError(
      `dot_general requires equal numbers of lhs_contracting_dims and rhs_contracting_dims, got lhs_contracting_dims=${pyTuple(lc)} and rhs_contracting_dims=${pyTuple(rc)}.`,
    );
  }
  const lbs = lb.map((d) => lhs.shape[d]!), rbs = rb.map((d) => rhs.shape[d]!);
  if (lbs.some((d, i) => d !== rbs[i])) {
    throw new TypeError(
      `dot_general requires lhs batch dimensions and rhs batch dimensions to have the same shape, got ${pyTuple(lbs)} and ${pyTuple(rbs)}.`,
    );
  }
  const lcs = lc.map((d) => lhs.shape[d]!), rcs = rc.map((d) => rhs.shape[d]!);
  if (lcs.some((d, i) => d !== rcs[i])) {
    throw new TypeError(
      `dot_general requires contracting dimensions to have the same shape, got ${pyTuple(lcs)} and ${pyTuple(rcs)}.`,
    );
  }
  const dtype = sameDtypes("dot_general", avals);
  checkKinds("dot_general", dtype, ANY);
  const lfree = lhs.shape.filter((_, i) => !lc.includes(i) && !lb.includes(i));
  const rfree = rhs.shape.filter((_, i) => !rc.includes(i) && !rb.includes(i));
  const out = params.preferred_element_type ?? dtype;
  return [new ShapedArray([...lbs, ...lfree, ...rfree], out, lhs.weakType && rhs.weakType)];
}

export const abstractEvalRules: Rules = {
  ...(Object.fromEntries(UNARY_PRIMITIVES.map((p) => [p, unary(p)])) as {
    [P in (typeof UNARY_PRIMITIVES)[number]]: AbstractEvalRule<P>;
  }),
  ...(Object.fromEntries(BINARY_PRIMITIVES.map((p) => [p, binary(p)])) as {
    [P in (typeof BINARY_PRIMITIVES)[number]]: AbstractEvalRule<P>;
  }),
  ...(Object.fromEntries(REDUCE_PRIMITIVES.map((p) => [p, reducer(p)])) as {
    [P in (typeof REDUCE_PRIMITIVES)[number]]: AbstractEvalRule<P>;
  }),
  ...(Object.fromEntries(COLLECTIVE_REDUCE_PRIMITIVES.map((p) => [p, (avals: ShapedArray[]) => avals])) as unknown as {
    [P in (typeof COLLECTIVE_REDUCE_PRIMITIVES)[number]]: AbstractEvalRule<P>;
  }),

  select_n([pred, ...cases]) {
    if (cases.length === 0) throw new TypeError("select_n requires at least one case");
    if (pred!.dtype !== "bool" && pred!.dtype !== "int32") {
      throw new TypeError(`select_n requires the predicate to be bool or int32, got ${pred!.dtype}`);
    }
    const dtype = sameDtypes("select_n", cases);
    const shape = cases[0]!.shape;
    for (const c of cases) {
      if (c.shape.join() !== shape.join()) {
        throw new TypeError(`select_n cases must have the same shapes, got ${cases.map((c) => pyTuple(c.shape)).join(", ")}.`);
      }
    }
    if (pred!.ndim !== 0 && pred!.shape.join() !== shape.join()) {
      throw new TypeError(
        `select_n pred must be scalar or have the same shape as cases, got pred shape ${pyTuple(pred!.shape)} for cases of shape ${pyTuple(shape)}.`,
      );
    }
    return [new ShapedArray(shape, dtype, cases.every((c) => c.weakType))];
  },

  integer_pow([x], { y }) {
    checkKinds("integer_pow", x!.dtype, NUMBER);
    if (!Number.isInteger(y)) throw new TypeError(`integer_pow requires an integer exponent, got ${y}`);
    if (y < 0 && x!.dtype === "int32") {
      throw new TypeError("Integers cannot be raised to negative powers (integer_pow with int32 operand)");
    }
    return [x!];
  },

  convert_element_type([x], { new_dtype, weak_type }) {
    return [new ShapedArray(x!.shape, new_dtype, weak_type)];
  },

  broadcast_in_dim([x], { shape, broadcast_dimensions: bd }) {
    if (x!.ndim !== bd.length) {
      throw new TypeError(
        `broadcast_in_dim broadcast_dimensions must have length equal to operand ndim; got broadcast_dimensions ${pyTuple(bd)} for operand ndim ${x!.ndim}.`,
      );
    }
    for (let i = 0; i < bd.length; i++) {
      const d = bd[i]!;
      if (!Number.isInteger(d) || d < 0 || d >= shape.length) {
        throw new TypeError(
          `broadcast_in_dim broadcast_dimensions must be in range [0, ${shape.length}), got ${pyTuple(bd)}.`,
        );
      }
      if (i > 0 && d <= bd[i - 1]!) {
        throw new TypeError(`broadcast_in_dim broadcast_dimensions must be strictly increasing; got broadcast_dimensions ${pyTuple(bd)}`);
      }
      if (x!.shape[i] !== 1 && x!.shape[i] !== shape[d]) {
        throw new TypeError(
          `broadcast_in_dim operand dimension sizes must either be 1, or be equal to their corresponding dimensions in the target broadcast shape; got operand of shape ${pyTuple(x!.shape)}, target broadcast shape ${pyTuple(shape)}, broadcast_dimensions ${pyTuple(bd)} `,
        );
      }
    }
    return [x!.withShape(shape)];
  },

  reshape([x], { new_sizes }) {
    if (sizeOf(new_sizes) !== x!.size) {
      throw new TypeError(
        `reshape total size must be unchanged, got new_sizes ${pyTuple(new_sizes)} for shape ${pyTuple(x!.shape)}.`,
      );
    }
    return [x!.withShape(new_sizes)];
  },

  transpose([x], { permutation }) {
    if (!isPermutation(permutation, x!.ndim)) {
      throw new TypeError(
        `transpose permutation isn't a permutation of operand dimensions, got permutation ${pyTuple(permutation)} for operand shape ${pyTuple(x!.shape)}.`,
      );
    }
    return [x!.withShape(permutation.map((p) => x!.shape[p]!))];
  },

  squeeze([x], { dimensions }) {
    checkAxes("squeeze", dimensions, x!.ndim);
    if (dimensions.some((d) => x!.shape[d] !== 1)) {
      throw new TypeError(
        `cannot select an axis to squeeze out which has size not equal to one, got shape=${pyTuple(x!.shape)} and dimensions=${pyTuple(dimensions)}`,
      );
    }
    return [x!.withShape(dropAxes(x!.shape, dimensions))];
  },

  rev([x], { dimensions }) {
    checkAxes("rev", dimensions, x!.ndim);
    return [x!];
  },

  concatenate(avals, { dimension }) {
    if (avals.length === 0) throw new TypeError("concatenate requires at least one operand");
    const first = avals[0]!;
    const dtype = sameDtypes("concatenate", avals);
    if (dimension < 0 || dimension >= first.ndim) {
      throw new RangeError(`concatenate dimension out of bounds: dimension ${dimension} for shape ${pyTuple(first.shape)}`);
    }
    for (const a of avals) {
      if (a.ndim !== first.ndim || a.shape.some((d, i) => i !== dimension && d !== first.shape[i])) {
        throw new TypeError(
          `Cannot concatenate arrays with shapes that differ in dimensions other than the one being concatenated: concatenating along dimension ${dimension} for shapes ${avals.map((x) => pyTuple(x.shape)).join(", ")}.`,
        );
      }
    }
    const shape = [...first.shape];
    shape[dimension] = avals.reduce((n, a) => n + a.shape[dimension]!, 0);
    return [new ShapedArray(shape, dtype, avals.every((a) => a.weakType))];
  },

  slice([x], { start_indices: start, limit_indices: limit, strides }) {
    const n = x!.ndim;
    if (start.length !== n || limit.length !== n || (strides && strides.length !== n)) {
      throw new TypeError(
        `slice start_indices, limit_indices and strides must have length equal to the operand's rank ${n}, got ${pyTuple(start)}, ${pyTuple(limit)}, ${strides ? pyTuple(strides) : "None"}`,
      );
    }
    const shape = x!.shape.map((d, i) => {
      const s = start[i]!, l = limit[i]!, st = strides ? strides[i]! : 1;
      if (s < 0 || l > d || s > l || st < 1) {
        throw new RangeError(
          `slice indices out of range: start_indices ${pyTuple(start)}, limit_indices ${pyTuple(limit)}, strides ${strides ? pyTuple(strides) : "None"} for operand shape ${pyTuple(x!.shape)}`,
        );
      }
      return Math.ceil((l - s) / st);
    });
    return [x!.withShape(shape)];
  },

  dynamic_slice([x, ...idx], { slice_sizes }) {
    if (idx.length !== x!.ndim || slice_sizes.length !== x!.ndim) {
      throw new TypeError(
        `dynamic_slice needs ${x!.ndim} start indices and slice sizes for an operand of shape ${pyTuple(x!.shape)}, got ${idx.length} and ${pyTuple(slice_sizes)}`,
      );
    }
    for (const i of idx) {
      if (i.ndim !== 0 || i.dtype !== "int32") throw new TypeError(`dynamic_slice start indices must be int32 scalars, got ${i.strShort()}`);
    }
    slice_sizes.forEach((s, i) => {
      if (s < 0 || s > x!.shape[i]!) {
        throw new RangeError(`dynamic_slice slice_sizes ${pyTuple(slice_sizes)} do not fit in operand shape ${pyTuple(x!.shape)}`);
      }
    });
    return [x!.withShape(slice_sizes)];
  },

  argmax: argReducer("argmax"),
  argmin: argReducer("argmin"),
  dot_general: dotGeneral,

  iota(_avals, { dtype, shape, dimension }) {
    if (dimension < 0 || dimension >= shape.length) {
      throw new RangeError(`iota dimension must be in range [0, ${shape.length}), got ${dimension}`);
    }
    return [new ShapedArray(shape, dtype)];
  },

  all_gather([x], { all_gather_dimension: d, axis_size, tiled }) {
    const shape = [...x!.shape];
    if (tiled) shape[d] = shape[d]! * axis_size;
    else shape.splice(d, 0, axis_size);
    return [x!.withShape(shape)];
  },

  axis_index() {
    return [new ShapedArray([], "int32")];
  },

  ppermute([x], { perm }) {
    const srcs = perm.map((p) => p[0]), dsts = perm.map((p) => p[1]);
    if (new Set(srcs).size !== srcs.length || new Set(dsts).size !== dsts.length) {
      throw new TypeError(`ppermute sources and destinations must be unique, got perm=${JSON.stringify(perm)}`);
    }
    return [x!];
  },

  xla_pmap(avals, { call_jaxpr, in_axes, out_axes, axis_size, name }) {
    const shard = avals.map((a, i) => {
      const ax = in_axes[i];
      if (ax === null || ax === undefined) return a;
      if (a.shape[ax] !== axis_size) {
        throw new TypeError(`xla_pmap ${name}: operand ${i} has size ${a.shape[ax]} on its mapped axis ${ax}, expected ${axis_size}`);
      }
      return a.withShape(a.shape.filter((_, d) => d !== ax));
    });
    const want = call_jaxpr.inAvals;
    if (shard.length !== want.length || shard.some((a, i) => a.dtype !== want[i]!.dtype || a.shape.join() !== want[i]!.shape.join())) {
      throw new TypeError(`xla_pmap ${name}: called with shards ${shard.map((a) => a.strShort()).join(", ")} but traced for ${want.map((a) => a.strShort()).join(", ")}`);
    }
    return call_jaxpr.outAvals.map((a, i) => {
      const shape = [...a.shape];
      shape.splice(out_axes[i]!, 0, axis_size);
      return a.withShape(shape);
    });
  },

  custom_jvp_call: (avals, { call_jaxpr }) => checkCall("custom_jvp_call", call_jaxpr, avals),
  custom_vjp_call_jaxpr: (avals, { fun_jaxpr }) => checkCall("custom_vjp_call_jaxpr", fun_jaxpr, avals),
  custom_lin: (_avals, { out_avals }) => [...out_avals],

  xla_call(avals, { call_jaxpr, name }) {
    const want = call_jaxpr.inAvals;
    if (avals.length !== want.length || avals.some((a, i) => a.dtype !== want[i]!.dtype || a.shape.join() !== want[i]!.shape.join())) {
      throw new TypeError(
        `xla_call ${name}: called with ${avals.map((a) => a.strShort()).join(", ")} but traced for ${want.map((a) => a.strShort()).join(", ")}`,
      );
    }
    return call_jaxpr.outAvals;
  },
};

/** The output types of a call of `jaxpr`, after checking the operands match its inputs. */
function checkCall(prim: string, jaxpr: { inAvals: ShapedArray[]; outAvals: ShapedArray[] }, avals: ShapedArray[]): ShapedArray[] {
  const want = jaxpr.inAvals;
  if (avals.length !== want.length || avals.some((a, i) => a.dtype !== want[i]!.dtype || a.shape.join() !== want[i]!.shape.join())) {
    throw new TypeError(`${prim}: called with ${avals.map((a) => a.strShort()).join(", ")} but traced for ${want.map((a) => a.strShort()).join(", ")}`);
  }
  return jaxpr.outAvals;
}
