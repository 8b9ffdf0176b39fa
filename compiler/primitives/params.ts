// Every primitive wax knows, with the parameters it carries. Keys are JAX's names, so
// params print exactly as JAX prints them (sorted by name, Python str of each value).
// Adding a primitive starts here; the rule tables are typed over this map, so a missing
// rule is a compile error.

import type { Array } from "../core/array.js";
import type { DType } from "../dtypes.js";
import type { Jaxpr } from "../jaxpr/jaxpr.js";
import type { ShapedArray } from "../shape.js";

/** customJvp's rule on flat lists (consts excluded): primals and tangents to outputs and their tangents. */
export type CustomJvpFn = (primals: Array[], tangents: Array[]) => [Array[], Array[]];
/** customVjp's forward pass on flat lists: outputs and residuals. */
export type CustomFwdFn = (primals: Array[]) => [Array[], Array[]];
/** customVjp's backward pass on flat lists: residuals and output cotangents to input cotangents. */
export type CustomBwdFn = (residuals: Array[], cotangents: Array[]) => Array[];

type Tuple = readonly number[];
export type DimensionNumbers = readonly [readonly [Tuple, Tuple], readonly [Tuple, Tuple]];
type None = Record<string, never>;

export const UNARY_PRIMITIVES = [
  "neg", "sign", "floor", "ceil", "abs", "sqrt", "rsqrt", "exp", "log", "log1p", "expm1",
  "tanh", "logistic", "sin", "cos", "not", "is_finite", "stop_gradient",
] as const;
export const BINARY_PRIMITIVES = [
  "add", "sub", "mul", "div", "rem", "pow", "max", "min",
  "eq", "ne", "lt", "le", "gt", "ge", "and", "or",
] as const;
export const REDUCE_PRIMITIVES = ["reduce_sum", "reduce_max", "reduce_min", "reduce_prod"] as const;
export const COLLECTIVE_REDUCE_PRIMITIVES = ["psum", "pmax", "pmin"] as const;

export type UnaryPrimitive = (typeof UNARY_PRIMITIVES)[number];
export type BinaryPrimitive = (typeof BINARY_PRIMITIVES)[number];
export type ReducePrimitive = (typeof REDUCE_PRIMITIVES)[number];
export type CollectiveReducePrimitive = (typeof COLLECTIVE_REDUCE_PRIMITIVES)[number];

export type ParamsMap = { [P in UnaryPrimitive | BinaryPrimitive]: None } & {
  [P in ReducePrimitive]: { axes: Tuple };
} & {
  [P in CollectiveReducePrimitive]: { axes: readonly string[]; axis_index_groups: null };
} & {
  select_n: None;
  integer_pow: { y: number };
  convert_element_type: { new_dtype: DType; weak_type: boolean };
  broadcast_in_dim: { shape: Tuple; broadcast_dimensions: Tuple };
  reshape: { new_sizes: Tuple; dimensions: null };
  transpose: { permutation: Tuple };
  squeeze: { dimensions: Tuple };
  rev: { dimensions: Tuple };
  concatenate: { dimension: number };
  slice: { start_indices: Tuple; limit_indices: Tuple; strides: Tuple | null };
  dynamic_slice: { slice_sizes: Tuple };
  argmax: { axes: Tuple; index_dtype: DType };
  argmin: { axes: Tuple; index_dtype: DType };
  dot_general: {
    dimension_numbers: DimensionNumbers;
    precision: null;
    preferred_element_type: DType | null;
  };
  iota: { dtype: DType; shape: Tuple; dimension: number };
  all_gather: {
    all_gather_dimension: number;
    axis_index_groups: null;
    axis_name: string;
    axis_size: number;
    tiled: boolean;
  };
  axis_index: { axis_name: string };
  /** Each member sends its value to another: (source, destination) pairs of axis indices. */
  ppermute: { axis_index_groups: null; axis_name: string; perm: readonly (readonly [number, number])[] };
  /**
   * pmap: `call_jaxpr` runs once per member of the mapped axis, on a device each. Operands
   * are mapped along in_axes (null: every device sees the whole value). JAX 0.4.1's params.
   */
  xla_pmap: {
    axis_name: string;
    axis_size: number;
    backend: null;
    call_jaxpr: Jaxpr;
    devices: null;
    donated_invars: readonly boolean[];
    global_arg_shapes: readonly null[];
    global_axis_size: null;
    in_axes: readonly (number | null)[];
    name: string;
    out_axes: readonly number[];
  };
  /** A call of a jitted function: its operands are the jaxpr's consts, then its arguments. */
  xla_call: { call_jaxpr: Jaxpr; name: string; donated_invars: readonly boolean[] };
  /** A function with a custom JVP rule (customJvp): operands are consts, then arguments. JAX 0.4.1's params. */
  custom_jvp_call: { call_jaxpr: Jaxpr; jvp_jaxpr_thunk: CustomJvpFn; num_consts: number };
  /** A function with a custom VJP (customVjp): operands are consts, then arguments. */
  custom_vjp_call_jaxpr: { fun_jaxpr: Jaxpr; fwd_jaxpr_thunk: CustomFwdFn; bwd: CustomBwdFn; num_consts: number };
  /**
   * The linear part of a customVjp function under differentiation: operands are residuals,
   * then tangents; only its transpose (the user's bwd) is defined.
   */
  custom_lin: { bwd: CustomBwdFn; num_res: number; out_avals: readonly ShapedArray[] };
};

export type Primitive = keyof ParamsMap;
export type Params<P extends Primitive = Primitive> = ParamsMap[P];

export const ALL_PRIMITIVES: readonly Primitive[] = [
  ...UNARY_PRIMITIVES, ...BINARY_PRIMITIVES, ...REDUCE_PRIMITIVES, ...COLLECTIVE_REDUCE_PRIMITIVES,
  "select_n", "integer_pow", "convert_element_type", "broadcast_in_dim", "reshape", "transpose",
  "squeeze", "rev", "concatenate", "slice", "dynamic_slice", "argmax", "argmin", "dot_general",
  "iota", "all_gather", "axis_index", "ppermute", "xla_call", "xla_pmap",
  "custom_jvp_call", "custom_vjp_call_jaxpr", "custom_lin",
];

/** A table with one rule per primitive; TypeScript rejects a table with one missing. */
export type RuleTable<R extends { [P in Primitive]: unknown }> = { [P in Primitive]: R[P] };
