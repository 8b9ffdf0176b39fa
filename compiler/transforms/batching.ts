// Batching rules, after JAX's batching.py: each rule takes the operands' values and
// batch dimensions (null: not batched) and returns the results with theirs. Most
// primitives share a generic rule (elementwise, broadcasting, reducing); the rest move
// the batch dimension into their own parameters.

import { type Array, ConcreteArray } from "../core/array.js";
import { scalarArray } from "../core/scalar.js";
import { type AxisFrame, bind, bind1, usedAxisNames } from "../core/trace.js";
import type { DType } from "../dtypes.js";
import * as lax from "../lax/lax.js";
import {
  BINARY_PRIMITIVES, COLLECTIVE_REDUCE_PRIMITIVES, REDUCE_PRIMITIVES, UNARY_PRIMITIVES,
  type BinaryPrimitive, type CollectiveReducePrimitive, type DimensionNumbers, type Params, type Primitive,
  type ReducePrimitive, type RuleTable, type UnaryPrimitive,
} from "../primitives/params.js";
import { pyTuple, shapeEqual } from "../shape.js";
import { type Jaxpr, convertConstvarsToInvars, evalJaxpr } from "../jaxpr/jaxpr.js";
import { ShapeDtypeStruct, traceToJaxpr } from "../jaxpr/trace.js";
import { vmap } from "./vmap.js";
import { customJvpCallBatcher, customLinBatcher, customVjpCallBatcher } from "../autodiff/custom.js";

/** Where an operand's batch dimension is, or null when it is the same for every example. */
export type BatchDim = number | null;

/** `frame` is the axis being mapped: call rules batch their bodies over it, name included. */
export type BatchRule<P extends Primitive> = (vals: Array[], dims: BatchDim[], params: Params<P>, frame: AxisFrame) => [Array[], BatchDim[]];

/**
 * Whether `jaxpr` (or a jaxpr it calls) has a collective over axis `name`: a call of it
 * must then be batched even when no operand is, so that the collective meets its axis.
 */
export function jaxprUsesAxis(jaxpr: Jaxpr, name: string): boolean {
  return jaxpr.eqns.some((e) => {
    if (usedAxisNames(e.primitive, e.params).includes(name)) return true;
    if (e.primitive === "xla_call") return jaxprUsesAxis((e.params as Params<"xla_call">).call_jaxpr, name);
    if (e.primitive === "xla_pmap") {
      const p = e.params as Params<"xla_pmap">;
      return p.axis_name !== name && jaxprUsesAxis(p.call_jaxpr, name); // a pmap of the same name shadows it
    }
    return false;
  });
}

const range = (n: number): number[] => globalThis.Array.from({ length: n }, (_, i) => i);

// ---- helpers shared by the rules (JAX's moveaxis, broadcast, bdim_at_front) ----

/** Moves axis `src` of `x` to position `dst` (both non-negative). */
export function moveBatchAxis(x: Array, src: number, dst: number): Array {
  if (src === dst) return x;
  const perm = range(x.ndim).filter((i) => i !== src);
  perm.splice(dst, 0, src);
  return lax.transpose(x, perm);
}

/** Inserts an axis of size `size` at `axis`, repeating `x` along it. */
export function broadcastAxis(x: Array, size: number, axis: number): Array {
  const shape = [...x.shape];
  shape.splice(axis, 0, size);
  return lax.broadcastInDim(x, shape, range(shape.length).filter((i) => i !== axis));
}

/** `x` with its batch dimension first; an unbatched `x` is broadcast to `size` examples. */
export function bdimAtFront(x: Array, bdim: BatchDim, size: number): Array {
  return bdim === null ? broadcastAxis(x, size, 0) : moveBatchAxis(x, bdim, 0);
}

/** The batch size, read off the first batched operand. */
function batchSize(vals: Array[], dims: BatchDim[]): number {
  const i = dims.findIndex((d) => d !== null);
  return vals[i]!.shape[dims[i]!]!;
}

const one = (x: Array, d: BatchDim): [Array[], BatchDim[]] => [[x], [d]];

// ---- generic rules ----

/** Elementwise ops of one operand: the batch dimension stays where it is. */
function vectorizedBatcher<P extends Primitive>(prim: P): BatchRule<P> {
  return ([x], [d], params) => one(bind1(prim, [x!], params), d!);
}

/**
 * Ops that broadcast their operands (JAX's broadcast_batcher). When every non-scalar
 * operand is batched at the same dimension with the same shape, the op applies as is;
 * otherwise batch dims go to the front, unbatched operands gain a size-1 leading dim,
 * and batched ones of lower rank gain trailing size-1 dims, so lax's rank-0 and size-1
 * broadcasting lines them up.
 */
function broadcastBatcher<P extends Primitive>(prim: P): BatchRule<P> {
  return (vals, dims, params) => {
    const first = dims.findIndex((d) => d !== null);
    const shape = vals[first]!.shape, dim = dims[first]!;
    if (vals.every((x, i) => x.ndim === 0 || (dims[i] === dim && shapeEqual(x.shape, shape)))) {
      return one(bind1(prim, vals, params), dim);
    }
    const front = vals.map((x, i) => (x.ndim > 0 ? bdimAtFront(x, dims[i] ?? null, 1) : x));
    const ndim = Math.max(...front.map((x) => x.ndim));
    const args = front.map((x, i) =>
      dims[i] === null || x.ndim === ndim ? x : lax.expandDims(x, range(ndim - x.ndim).map((k) => x.ndim + k)),
    );
    return one(bind1(prim, args, params), 0);
  };
}

/** Reductions over `axes` (JAX's reducer_batcher): shift the axes past the batch dim. */
function reducerBatcher<P extends ReducePrimitive | "argmax" | "argmin">(prim: P): BatchRule<P> {
  return ([x], [d], params) => {
    const axes = params.axes.map((a) => (a < d! ? a : a + 1));
    const kept = range(x!.ndim).filter((i) => !axes.includes(i));
    return one(bind1(prim, [x!], { ...params, axes } as Params<P>), kept.indexOf(d!));
  };
}

/** Collectives over an axis of an enclosing map: the batched value takes part as a whole. */
function otherAxisCollective<P extends CollectiveReducePrimitive>(prim: P): BatchRule<P> {
  return (vals, dims, params) => [bind(prim, vals, params), dims];
}

// ---- rules with their own parameter bookkeeping ----

function selectBatcher(vals: Array[], dims: BatchDim[]): [Array[], BatchDim[]] {
  let [which, ...cases] = vals as [Array, ...Array[]];
  const [wd, ...cds] = dims as [BatchDim, ...BatchDim[]];
  const size = batchSize(vals, dims);
  // Cheap cases first: no transposes or broadcasts when the dims already agree.
  if (cds.every((d) => d === wd)) {
    if (shapeEqual(which.shape, cases[0]!.shape)) return one(bind1("select_n", vals, {}), wd);
    // A scalar predicate per example selecting whole arrays.
    which = lax.broadcastInDim(which, cases[0]!.shape, [wd!]);
    return one(bind1("select_n", [which, ...cases], {}), wd);
  }
  if (which.ndim === 0 && cds.every((d) => d !== null)) {
    if (cds.every((d) => d === cds[0])) return one(bind1("select_n", vals, {}), cds[0]!);
    if (cases.every((c) => shapeEqual(c.shape, cases[0]!.shape))) {
      const others = cases.slice(1).map((c, i) => moveBatchAxis(c, cds[i + 1]!, cds[0]!));
      return one(bind1("select_n", [which, cases[0]!, ...others], {}), cds[0]!);
    }
  }
  if (which.ndim > 0) which = bdimAtFront(which, wd, size);
  if (!cases.every((c) => c.ndim === 0)) cases = cases.map((c, i) => bdimAtFront(c, cds[i] ?? null, size));
  if (which.ndim > 0 && which.ndim < cases[0]!.ndim) which = lax.broadcastInDim(which, cases[0]!.shape, [0]);
  if (which.ndim > cases[0]!.ndim) cases = cases.map((c) => lax.broadcast(c, which.shape));
  return one(bind1("select_n", [which, ...cases], {}), 0);
}

function broadcastInDimBatcher(vals: Array[], dims: BatchDim[], params: Params<"broadcast_in_dim">): [Array[], BatchDim[]] {
  const [x] = vals as [Array], d = dims[0]!;
  const shape = [x.shape[d]!, ...params.shape];
  const bdims = [0, ...params.broadcast_dimensions.map((b) => b + 1)];
  return one(lax.broadcastInDim(moveBatchAxis(x, d, 0), shape, bdims), 0);
}

function reshapeBatcher(vals: Array[], dims: BatchDim[], params: Params<"reshape">): [Array[], BatchDim[]] {
  const x = moveBatchAxis(vals[0]!, dims[0]!, 0);
  return one(lax.reshape(x, [x.shape[0]!, ...params.new_sizes]), 0);
}

function transposeBatcher(vals: Array[], dims: BatchDim[], params: Params<"transpose">): [Array[], BatchDim[]] {
  const d = dims[0]!;
  const perm = [d, ...params.permutation.map((p) => (p < d ? p : p + 1))];
  return one(bind1("transpose", vals, { permutation: perm }), 0);
}

function squeezeBatcher(vals: Array[], dims: BatchDim[], params: Params<"squeeze">): [Array[], BatchDim[]] {
  const x = moveBatchAxis(vals[0]!, dims[0]!, 0);
  return one(bind1("squeeze", [x], { dimensions: params.dimensions.map((a) => a + 1) }), 0);
}

function revBatcher(vals: Array[], dims: BatchDim[], params: Params<"rev">): [Array[], BatchDim[]] {
  const d = dims[0]!;
  return one(bind1("rev", vals, { dimensions: params.dimensions.map((a) => (a >= d ? a + 1 : a)) }), d);
}

function concatenateBatcher(vals: Array[], dims: BatchDim[], params: Params<"concatenate">): [Array[], BatchDim[]] {
  const size = batchSize(vals, dims);
  const xs = vals.map((x, i) => bdimAtFront(x, dims[i] ?? null, size));
  return one(bind1("concatenate", xs, { dimension: params.dimension + 1 }), 0);
}

function sliceBatcher(vals: Array[], dims: BatchDim[], params: Params<"slice">): [Array[], BatchDim[]] {
  const [x] = vals as [Array], d = dims[0]!;
  const insert = (xs: readonly number[], v: number) => [...xs.slice(0, d), v, ...xs.slice(d)];
  return one(
    bind1("slice", [x], {
      start_indices: insert(params.start_indices, 0),
      limit_indices: insert(params.limit_indices, x.shape[d]!),
      strides: params.strides === null ? null : insert(params.strides, 1),
    }),
    d,
  );
}

function lowestValue(dtype: DType): number | boolean {
  return dtype === "float32" ? -Infinity : dtype === "int32" ? -2147483648 : false;
}

/**
 * dynamic_slice. With unbatched start indices the batch dim is one more sliced dim, taken
 * whole. JAX turns batched start indices into a gather, which wax does not have; instead
 * each such dim is sliced by a one-hot mask per example (position == start + offset,
 * start clamped as XLA clamps it) and a max-reduction over the masked positions, which
 * picks exactly the selected element for every dtype.
 */
function dynamicSliceBatcher(vals: Array[], dims: BatchDim[], params: Params<"dynamic_slice">): [Array[], BatchDim[]] {
  const [x, ...starts] = vals as [Array, ...Array[]];
  const [xd, ...sds] = dims as [BatchDim, ...BatchDim[]];
  const zero = () => scalarArray(0, { dtype: "int32", weakType: false });
  if (sds.every((d) => d === null)) {
    const idx = [...starts.slice(0, xd!), zero(), ...starts.slice(xd!)];
    const sizes = [...params.slice_sizes.slice(0, xd!), x.shape[xd!]!, ...params.slice_sizes.slice(xd!)];
    return one(bind1("dynamic_slice", [x, ...idx], { slice_sizes: sizes }), xd);
  }
  const size = batchSize(vals, dims);
  let y = bdimAtFront(x, xd, size);
  const full = y.shape.slice(1);
  // First the dims whose start is shared by all examples.
  y = bind1(
    "dynamic_slice",
    [y, zero(), ...starts.map((s, i) => (sds[i] === null ? s : zero()))],
    { slice_sizes: [size, ...params.slice_sizes.map((k, i) => (sds[i] === null ? k : full[i]!))] },
  );
  starts.forEach((s, i) => {
    if (sds[i] === null) return;
    const n = full[i]!, k = params.slice_sizes[i]!;
    const start = lax.min(lax.max(moveBatchAxis(s, sds[i]!, 0), 0), n - k);
    const pos = lax.add(lax.broadcastInDim(start, [size, k], [0]), lax.broadcastedIota("int32", [size, k], 1));
    const mask = lax.eq(lax.broadcastInDim(pos, [size, k, n], [0, 1]), lax.broadcastedIota("int32", [size, k, n], 2));
    const shape = [...y.shape.slice(0, i + 1), k, ...y.shape.slice(i + 1)];
    const maskFull = lax.broadcastInDim(mask, shape, [0, i + 1, i + 2]);
    const yFull = lax.broadcastInDim(y, shape, range(shape.length).filter((a) => a !== i + 1));
    const fill = lax.full(shape, lowestValue(y.dtype), y.dtype);
    y = lax.reduceMax(lax.select(maskFull, yFull, fill), [i + 2]);
  });
  return one(y, 0);
}

/** JAX's _dot_general_batch_dim_nums: the new dimension numbers and the result's batch dim. */
export function dotGeneralBatchDimNums(
  [lhsNdim, rhsNdim]: [number, number],
  [lbd, rbd]: [BatchDim, BatchDim],
  [[lc, rc], [lb, rb]]: DimensionNumbers,
): [DimensionNumbers, number] {
  const bump = (ds: readonly number[], b: number) => ds.map((d) => (d >= b ? d + 1 : d));
  const free = (ndim: number, batch: readonly number[], contract: readonly number[]) =>
    range(ndim).filter((d) => !batch.includes(d) && !contract.includes(d));
  if (lbd !== null && rbd !== null) {
    return [[[bump(lc, lbd), bump(rc, rbd)], [[lbd, ...bump(lb, lbd)], [rbd, ...bump(rb, rbd)]]], 0];
  }
  if (lbd !== null) {
    const before = free(lhsNdim, lb, lc).filter((d) => d < lbd).length;
    return [[[bump(lc, lbd), rc], [bump(lb, lbd), rb]], lb.length + before];
  }
  const before = free(rhsNdim, rb, rc).filter((d) => d < rbd!).length;
  return [[[lc, bump(rc, rbd!)], [lb, bump(rb, rbd!)]], lhsNdim - lc.length + before];
}

function dotGeneralBatcher(vals: Array[], dims: BatchDim[], params: Params<"dot_general">): [Array[], BatchDim[]] {
  const [lhs, rhs] = vals as [Array, Array];
  const [lbd, rbd] = dims as [BatchDim, BatchDim];
  if (lbd !== null && rbd !== null && lhs.shape[lbd] !== rhs.shape[rbd]) {
    throw new TypeError(
      `dot_general batch rule: batch dimensions of different sizes, lhs shape ${pyTuple(lhs.shape)} at ${lbd} and rhs shape ${pyTuple(rhs.shape)} at ${rbd}`,
    );
  }
  const [dn, outDim] = dotGeneralBatchDimNums([lhs.ndim, rhs.ndim], [lbd, rbd], params.dimension_numbers);
  return one(bind1("dot_general", [lhs, rhs], { ...params, dimension_numbers: dn }), outDim);
}

function allGatherBatcher(vals: Array[], dims: BatchDim[], params: Params<"all_gather">): [Array[], BatchDim[]] {
  const x = moveBatchAxis(vals[0]!, dims[0]!, 0);
  return one(bind1("all_gather", [x], { ...params, all_gather_dimension: params.all_gather_dimension + 1 }), 0);
}

/** Rules with no batched operand to act on: they only rebind (iota and axis_index take no operands). */
function rebind<P extends Primitive>(prim: P): BatchRule<P> {
  return (vals, _dims, params) => {
    const outs = bind(prim, vals, params);
    return [outs, outs.map(() => null)];
  };
}

function table<K extends Primitive>(prims: readonly K[], rule: (p: K) => BatchRule<K>): { [P in K]: BatchRule<P> } {
  return Object.fromEntries(prims.map((p) => [p, rule(p)])) as unknown as { [P in K]: BatchRule<P> };
}

/** A jitted call: vmap its jaxpr (batch dims moved to 0) into a new jitted call. */
/**
 * The batched jaxprs of called jaxprs, by the call's jaxpr and the batching: re-batching
 * on every call would make a new jaxpr each time, and so a new compilation.
 */
const batchedCalls = new WeakMap<Jaxpr, Map<string, { jaxpr: Jaxpr; consts: Array[] }>>();

function batchedCall(callee: Jaxpr, key: string, make: () => { jaxpr: Jaxpr; consts: Array[] }): { jaxpr: Jaxpr; consts: Array[] } {
  let byKey = batchedCalls.get(callee);
  if (!byKey) batchedCalls.set(callee, (byKey = new Map()));
  let hit = byKey.get(key);
  if (!hit) {
    hit = make();
    // Constants that are tracers of some transformation belong to one call only.
    if (hit.consts.every((c) => c instanceof ConcreteArray)) byKey.set(key, hit);
  }
  return hit;
}

const specKey = (xs: Array[]) => xs.map((x) => x.aval.key).join("");

const xlaCallBatcher: BatchRule<"xla_call"> = (vals, dims, params, frame) => {
  const size = frame.axisSize;
  const moved = vals.map((v, i) => (dims[i] === null ? v : moveBatchAxis(v, dims[i]!, 0)));
  const inAxes = dims.map((d) => (d === null ? null : 0));
  // The body is batched under the same axis name, so its collectives over that axis reduce over the batch.
  const axisName = frame.axisName;
  const { jaxpr, consts } = batchedCall(params.call_jaxpr, `${inAxes.join(",")}|${size}|${axisName}|${specKey(moved)}`, () => {
    const body = (...args: Array[]) => vmap((...a: Array[]) => evalJaxpr(params.call_jaxpr, [], a), inAxes, 0, { axisSize: size, axisName })(...args);
    const t = traceToJaxpr(body, moved.map((v) => new ShapeDtypeStruct(v.shape, v.dtype, v.weakType)), params.name).jaxpr;
    return { jaxpr: convertConstvarsToInvars(t.jaxpr), consts: t.consts };
  });
  const traced = { consts };
  const outs = bind("xla_call", [...traced.consts, ...moved], {
    call_jaxpr: jaxpr,
    name: params.name,
    donated_invars: [...traced.consts.map(() => false), ...params.donated_invars],
  });
  return [outs, outs.map(() => 0)];
};

/**
 * pmap under vmap: the batch dim moves to axis 0 of each argument (a mapped argument's
 * device axis shifts one to the right), so each device's shard carries it at 0, and the
 * per-device jaxpr is vmapped; each output's device axis shifts likewise, after the batch dim.
 */
const xlaPmapBatcher: BatchRule<"xla_pmap"> = (vals, dims, params, frame) => {
  const size = frame.axisSize;
  const axisName = frame.axisName === params.axis_name ? null : frame.axisName; // the pmap's own name shadows it
  const moved = vals.map((v, i) => (dims[i] === null || dims[i] === undefined ? v : moveBatchAxis(v, dims[i]!, 0)));
  const inAxes = params.in_axes.map((ax, i) => (ax === null || dims[i] === null || dims[i] === undefined ? ax : ax + 1));
  const shardAxes = dims.map((d) => (d === null ? null : 0));
  const { jaxpr, consts } = batchedCall(params.call_jaxpr, `${shardAxes.join(",")}|${size}|${axisName}|${specKey(moved)}|${inAxes.join(",")}`, () => {
    const body = (...args: Array[]) => vmap((...a: Array[]) => evalJaxpr(params.call_jaxpr, [], a), shardAxes, 0, { axisSize: size, axisName })(...args);
    const shardSpecs = moved.map((v, i) => {
      const ax = inAxes[i];
      const shape = ax === null || ax === undefined ? [...v.shape] : v.shape.filter((_, k) => k !== ax);
      return new ShapeDtypeStruct(shape, v.dtype, v.weakType);
    });
    const t = traceToJaxpr(body, shardSpecs, params.name, { axisName: params.axis_name, axisSize: params.axis_size }).jaxpr;
    return { jaxpr: convertConstvarsToInvars(t.jaxpr), consts: t.consts };
  });
  const traced = { consts };
  const outs = bind("xla_pmap", [...traced.consts, ...moved], {
    ...params,
    call_jaxpr: jaxpr,
    donated_invars: [...traced.consts.map(() => false), ...params.donated_invars],
    global_arg_shapes: [...traced.consts.map(() => null), ...params.global_arg_shapes],
    in_axes: [...traced.consts.map(() => null), ...inAxes],
    out_axes: params.out_axes.map((oa) => oa + 1),
  });
  // Each shard's output has the batch dim at 0, and the device axis is stacked after it.
  return [outs, outs.map(() => 0)];
};

/** ppermute over another map's axis: the batch dim rides along. */
const ppermuteBatcher: BatchRule<"ppermute"> = ([x], [d], params) => one(bind1("ppermute", [x!], params), d!);

export const batchingRules: RuleTable<{ [P in Primitive]: BatchRule<P> }> = {
  xla_call: xlaCallBatcher,
  xla_pmap: xlaPmapBatcher,
  // Wrapped: autodiff/custom.ts imports this module (a cycle), so its rules are read at call time.
  custom_jvp_call: (vals, dims, params, frame) => customJvpCallBatcher(vals, dims, params, frame),
  custom_vjp_call_jaxpr: (vals, dims, params, frame) => customVjpCallBatcher(vals, dims, params, frame),
  custom_lin: (vals, dims, params, frame) => customLinBatcher(vals, dims, params, frame),
  ppermute: ppermuteBatcher,
  ...table<UnaryPrimitive>(UNARY_PRIMITIVES, vectorizedBatcher),
  ...table<BinaryPrimitive>(BINARY_PRIMITIVES, broadcastBatcher),
  ...table<ReducePrimitive>(REDUCE_PRIMITIVES, reducerBatcher),
  ...table<CollectiveReducePrimitive>(COLLECTIVE_REDUCE_PRIMITIVES, otherAxisCollective),
  select_n: selectBatcher,
  integer_pow: vectorizedBatcher("integer_pow"),
  convert_element_type: vectorizedBatcher("convert_element_type"),
  broadcast_in_dim: broadcastInDimBatcher,
  reshape: reshapeBatcher,
  transpose: transposeBatcher,
  squeeze: squeezeBatcher,
  rev: revBatcher,
  concatenate: concatenateBatcher,
  slice: sliceBatcher,
  dynamic_slice: dynamicSliceBatcher,
  argmax: reducerBatcher("argmax"),
  argmin: reducerBatcher("argmin"),
  dot_general: dotGeneralBatcher,
  iota: rebind("iota"),
  all_gather: allGatherBatcher,
  axis_index: rebind("axis_index"),
};

// ---- collectives over the vmapped axis itself ----

export type CollectivePrimitive = CollectiveReducePrimitive | "all_gather" | "axis_index" | "ppermute";

/** A collective over the axis a BatchTrace maps: the examples are the members of the axis. */
export type CollectiveRule<P extends CollectivePrimitive> = (
  frame: AxisFrame,
  vals: Array[],
  dims: BatchDim[],
  params: Params<P>,
) => [Array[], BatchDim[]];

/**
 * psum/pmax/pmin over the mapped axis reduce over the batch dim; a value that every
 * example shares is multiplied by the axis size (psum) or kept (pmax, pmin). Other axis
 * names in `axes` are reduced by their own maps afterwards.
 */
function reductionCollective<P extends CollectiveReducePrimitive>(
  prim: P,
  reduce: (x: Array, axes: number[]) => Array,
  ifUnmapped: (x: Array, size: number) => Array,
): CollectiveRule<P> {
  return (frame, vals, dims, params) => {
    let outs = vals.map((v, i) => (dims[i] === null ? ifUnmapped(v, frame.axisSize) : reduce(v, [dims[i]!])));
    const rest = params.axes.filter((n) => n !== frame.axisName);
    if (rest.length > 0) outs = bind(prim, outs, { ...params, axes: rest });
    return [outs, outs.map(() => null)];
  };
}

export const collectiveRules: { [P in CollectivePrimitive]: CollectiveRule<P> } = {
  psum: reductionCollective("psum", lax.reduceSum, (x, n) => lax.mul(x, n)),
  pmax: reductionCollective("pmax", lax.reduceMax, (x) => x),
  pmin: reductionCollective("pmin", lax.reduceMin, (x) => x),

  /** Every example receives all of them: the batch dim becomes the gathered dim. */
  all_gather(frame, vals, dims, params) {
    const [x] = vals as [Array], d = dims[0]!;
    const g = params.all_gather_dimension;
    let y = d === null ? broadcastAxis(x, frame.axisSize, g) : moveBatchAxis(x, d, g);
    if (params.tiled) {
      const shape = [...y.shape];
      shape.splice(g, 2, y.shape[g]! * y.shape[g + 1]!);
      y = lax.reshape(y, shape);
    }
    return one(y, null);
  },

  /** Example i sees index i: an iota along the batch dim. */
  axis_index(frame) {
    return one(lax.iota("int32", frame.axisSize), 0);
  },

  /** Example `dst` receives example `src`'s value for each pair; the others receive zeros. */
  ppermute(frame, vals, dims, params) {
    const [x] = vals as [Array], d = dims[0]!;
    const y = d === null ? broadcastAxis(x, frame.axisSize, 0) : moveBatchAxis(x, d, 0);
    const from = new Map(params.perm.map(([s, t]) => [t, s]));
    const sliceAt = (i: number) => lax.slice(y, y.shape.map((_, k) => (k === 0 ? i : 0)), y.shape.map((n, k) => (k === 0 ? i + 1 : n)));
    const zero = lax.full([1, ...y.shape.slice(1)], 0, y.dtype);
    const parts = range(frame.axisSize).map((t) => (from.has(t) ? sliceAt(from.get(t)!) : zero));
    return one(lax.concatenate(parts, 0), 0);
  },
};
