// One lowering rule per primitive: how it becomes expressions or kernels.

import {
  BINARY_PRIMITIVES, UNARY_PRIMITIVES, type BinaryPrimitive, type Params, type Primitive, type RuleTable,
  type UnaryPrimitive,
} from "../primitives/params.js";
import { type Jaxpr, Literal, type Var } from "../jaxpr/jaxpr.js";
import { dce } from "../jaxpr/dce.js";
import { type ShapedArray, stridesOf } from "../shape.js";
import {
  type Lazy, asView, broadcastInDimLazy, broadcastTo, reshapeOnes, revLazy, sliceLazy, transposeLazy,
} from "./expr.js";
import { DOT_PACK_ELEMS, type Expr, type UnaryOp, type View, elemBytes } from "./ir.js";
import { type Lowering, LoweringError, type LoweringRule, literalLazy, lowerEqns } from "./lower.js";

type Rules = RuleTable<{ [P in Primitive]: LoweringRule<P> }>;

function unary(p: UnaryPrimitive): LoweringRule<UnaryPrimitive> {
  return (_ctx, [x], _params, [out]) => {
    if (p === "stop_gradient") return [x!];
    return [{ shape: x!.shape, dtype: out!.dtype, expr: { op: "unary", dtype: out!.dtype, fn: p as UnaryOp, x: x!.expr } }];
  };
}

function binary(p: BinaryPrimitive): LoweringRule<BinaryPrimitive> {
  return (_ctx, [x, y], _params, [out]) => {
    const shape = [...out!.shape];
    const a = broadcastTo(x!, shape), b = broadcastTo(y!, shape);
    return [{ shape, dtype: out!.dtype, expr: { op: "binary", dtype: out!.dtype, fn: p, x: a.expr, y: b.expr } }];
  };
}

function checkAxis(ctx: Lowering, p: string, names: readonly string[]): void {
  if (!ctx.axis || names.length !== 1 || names[0] !== ctx.axis.name) {
    throw new LoweringError(
      `${p} over axis ${names.join(", ")} can only be compiled inside pmap (or vmap) binding that axis name` +
        (ctx.axis ? `; this pmap binds ${ctx.axis.name}` : ""),
    );
  }
}

/** Writes `x` into this device's workspace slot, then waits for every device to do the same. */
function publish(ctx: Lowering, x: Lazy): { ws: number; slotElems: number; bufs: ReturnType<Lowering["pmapBuffers"]> } {
  const bufs = ctx.pmapBuffers();
  const slotElems = ctx.axis!.slotBytes / elemBytes(x.dtype);
  ctx.kernels.push({
    kind: "loop",
    shape: x.shape,
    out: { buf: bufs.workspace, offset: 0, strides: stridesOf(x.shape), dyn: [{ buf: bufs.devinfo, offset: 0, stride: slotElems, max: ctx.axis!.size }] },
    expr: x.expr,
  });
  ctx.kernels.push({ kind: "barrier", n: ctx.axis!.size, buf: bufs.barrier });
  return { ws: bufs.workspace, slotElems, bufs };
}

function endCollective(ctx: Lowering): void {
  ctx.kernels.push({ kind: "barrier", n: ctx.axis!.size, buf: ctx.pmapBuffers().barrier });
}

/**
 * psum/pmax/pmin across devices: each device reduces every slot, in device order. A pytree
 * operand binds one collective with several operands; each goes through the workspace in turn.
 */
function reduceCollective<P extends "psum" | "pmax" | "pmin">(op: "sum" | "max" | "min"): LoweringRule<P> {
  return (ctx, xs, params, outs, vs) => {
    const axes = (params as Params<"psum">).axes;
    checkAxis(ctx, op === "sum" ? "psum" : `p${op}`, axes);
    return xs.map((x, i) => {
      const out = outs[i]!;
      const { ws, slotElems } = publish(ctx, x);
      const n = ctx.axis!.size;
      const shape = [n, ...x.shape];
      const reduced = shape.map((_, k) => k === 0);
      const buf = ctx.resultBuffer(out.dtype, out.shape, vs[i]);
      const os = stridesOf(x.shape);
      ctx.kernels.push({
        kind: "reduce", op, shape, reduced,
        out: { buf, offset: 0, strides: [0, ...os] },
        expr: { op: "load", dtype: x.dtype, view: { buf: ws, offset: 0, strides: [slotElems, ...os] } },
      });
      endCollective(ctx);
      return loadOf(buf, out.shape, out.dtype);
    });
  };
}

/** Row-major strides of `outShape` placed on the kept dims of an iteration space, 0 on reduced ones. */
function reducedOutView(buf: number, shape: readonly number[], reduced: boolean[]): View {
  const outShape = shape.filter((_, i) => !reduced[i]);
  const os = stridesOf(outShape);
  let k = 0;
  return { buf, offset: 0, strides: shape.map((_, i) => (reduced[i] ? 0 : os[k++]!)) };
}

function reducer<P extends "reduce_sum" | "reduce_prod" | "reduce_max" | "reduce_min">(op: "sum" | "prod" | "max" | "min"): LoweringRule<P> {
  return (ctx, [x], params, [out], [v]) => {
    const axes = (params as Params<"reduce_sum">).axes;
    const reduced = x!.shape.map((_, i) => axes.includes(i));
    const buf = ctx.resultBuffer(out!.dtype, out!.shape, v);
    ctx.kernels.push({ kind: "reduce", op, shape: x!.shape, reduced, out: reducedOutView(buf, x!.shape, reduced), expr: x!.expr });
    return [loadOf(buf, out!.shape, out!.dtype)];
  };
}

function argReducer<P extends "argmax" | "argmin">(op: "max" | "min"): LoweringRule<P> {
  return (ctx, [x], params, [out], [v]) => {
    const axes = (params as Params<"argmax">).axes;
    const reduced = x!.shape.map((_, i) => i === axes[0]);
    const buf = ctx.resultBuffer(out!.dtype, out!.shape, v);
    ctx.kernels.push({ kind: "argreduce", op, shape: x!.shape, axis: axes[0]!, out: reducedOutView(buf, x!.shape, reduced), expr: x!.expr });
    return [loadOf(buf, out!.shape, out!.dtype)];
  };
}

function loadOf(buf: number, shape: readonly number[], dtype: Lazy["dtype"]): Lazy {
  return { shape: [...shape], dtype, expr: { op: "load", dtype, view: { buf, offset: 0, strides: stridesOf(shape) } } };
}

/** Collapses a run of dims of a view into one, or returns null when their strides do not allow it. */
function collapse(view: View, shape: readonly number[], dims: number[]): { size: number; stride: number } | null {
  const live = dims.filter((d) => shape[d] !== 1);
  const size = dims.reduce((n, d) => n * shape[d]!, 1);
  if (live.length === 0) return { size, stride: 0 };
  for (let i = 0; i + 1 < live.length; i++) {
    if (view.strides[live[i]!] !== view.strides[live[i + 1]!]! * shape[live[i + 1]!]!) return null;
  }
  return { size, stride: view.strides[live[live.length - 1]!]! };
}

interface Operand {
  view: View;
  sizes: number[];
  strides: number[];
}

/**
 * Brings a dot_general operand into logical order `order` (groups of dims) as a view whose
 * groups each collapse to one strided dim, copying into `physical` order when needed.
 */
function dotOperand(ctx: Lowering, x: Lazy, groups: number[][], physical: number[]): Operand {
  const order = groups.flat();
  let y = transposeLazy(x, order); // logical order: groups laid end to end
  const spans: number[][] = [];
  let k = 0;
  for (const g of groups) {
    spans.push(g.map(() => k++));
  }
  const tryView = (z: Lazy): Operand | null => {
    const v = asView(z);
    if (!v || z.expr.op !== "load") return null;
    const cs = spans.map((s) => collapse(v, z.shape, s));
    if (cs.some((c) => c === null)) return null;
    return { view: v, sizes: cs.map((c) => c!.size), strides: cs.map((c) => c!.stride) };
  };
  const direct = tryView(y);
  if (direct) return direct;
  // Copy into the physical group order (contiguous), then view it in logical order.
  const physDims = physical.flatMap((g) => spans[g]!);
  const copied = ctx.materialize(transposeLazy(y, physDims));
  const inv = physDims.map((_, i) => physDims.indexOf(i));
  y = transposeLazy(copied, inv);
  return tryView(y)!;
}

function dotGeneral(ctx: Lowering, xs: Lazy[], params: Params<"dot_general">, outAvals: ShapedArray[], outVars: (Var | undefined)[]): Lazy[] {
  let [x, y] = xs as [Lazy, Lazy];
  const out = outAvals[0]!;
  const [[lc, rc], [lb, rb]] = params.dimension_numbers;
  const acc = out.dtype === "bool" ? "int32" : out.dtype;
  const conv = (z: Lazy): Lazy => (z.dtype === acc ? z : { ...z, dtype: acc, expr: { op: "convert", dtype: acc, x: z.expr } });
  x = conv(x);
  y = conv(y);
  const lfree = x.shape.map((_, i) => i).filter((i) => !lc.includes(i) && !lb.includes(i));
  const rfree = y.shape.map((_, i) => i).filter((i) => !rc.includes(i) && !rb.includes(i));
  // Logical groups: A = [batch, m, k], B = [batch, k, n]. Copies of B put n innermost when
  // there are columns to vectorise over, else k innermost for dot products.
  const nSize = rfree.reduce((n, d) => n * y.shape[d]!, 1);
  const a = dotOperand(ctx, x, [[...lb], lfree, [...lc]], [0, 1, 2]);
  const b = dotOperand(ctx, y, [[...rb], [...rc], rfree], nSize >= 4 ? [0, 1, 2] : [0, 2, 1]);
  const outShape = [...out.shape];
  const buf = ctx.resultBuffer(acc, outShape, out.dtype === acc ? outVars[0] : undefined);
  const [batch, m, k] = a.sizes as [number, number, number];
  const n = b.sizes[2]!;
  // Large products pack panels of B into contiguous scratch (see backend/dot.ts).
  const pack = n >= 8 && m >= 8 && k >= 16 ? ctx.newScratch(acc, DOT_PACK_ELEMS) : undefined;
  ctx.kernels.push({
    kind: "dot",
    dtype: acc,
    batch, m, n, k, pack,
    a: { ...a.view, strides: a.strides },
    b: { ...b.view, strides: b.strides },
    c: { buf, offset: 0, strides: [m * n, n, 1] },
  });
  const result = loadOf(buf, outShape, acc);
  if (out.dtype !== "bool") return [result];
  return [{ shape: outShape, dtype: "bool", expr: { op: "binary", dtype: "bool", fn: "ne", x: result.expr, y: { op: "const", dtype: acc, value: 0 } } }];
}

function constValue(x: Lazy): number | null {
  return x.expr.op === "const" ? x.expr.value : null;
}

export const loweringRules: Rules = {
  ...(Object.fromEntries(UNARY_PRIMITIVES.map((p) => [p, unary(p)])) as { [P in UnaryPrimitive]: LoweringRule<P> }),
  ...(Object.fromEntries(BINARY_PRIMITIVES.map((p) => [p, binary(p)])) as { [P in BinaryPrimitive]: LoweringRule<P> }),
  psum: reduceCollective("sum"),
  pmax: reduceCollective("max"),
  pmin: reduceCollective("min"),

  all_gather: (ctx, [x], { axis_name, all_gather_dimension: g, tiled }, [out], [v]) => {
    checkAxis(ctx, "all_gather", [axis_name]);
    const { ws, slotElems } = publish(ctx, x!);
    const n = ctx.axis!.size;
    const stacked = [...x!.shape];
    stacked.splice(g, 0, n);
    const xs = stridesOf(x!.shape);
    const strides = [...xs];
    strides.splice(g, 0, slotElems);
    const buf = ctx.resultBuffer(out!.dtype, stacked, tiled ? undefined : v);
    ctx.kernels.push({
      kind: "loop", shape: stacked, out: { buf, offset: 0, strides: stridesOf(stacked) },
      expr: { op: "load", dtype: x!.dtype, view: { buf: ws, offset: 0, strides } },
    });
    endCollective(ctx);
    const r = loadOf(buf, stacked, out!.dtype);
    return [tiled ? ctx.reshape(r, [...out!.shape]) : r];
  },

  axis_index: (ctx, _xs, { axis_name }) => {
    checkAxis(ctx, "axis_index", [axis_name]);
    const { devinfo } = ctx.pmapBuffers();
    return [{ shape: [], dtype: "int32", expr: { op: "load", dtype: "int32", view: { buf: devinfo, offset: 0, strides: [] } } }];
  },

  ppermute: (ctx, [x], { axis_name, perm }, [out], [v]) => {
    checkAxis(ctx, "ppermute", [axis_name]);
    const n = ctx.axis!.size;
    for (const [s, d] of perm) {
      if (s < 0 || s >= n || d < 0 || d >= n) throw new LoweringError(`ppermute: pair (${s}, ${d}) is out of range for an axis of size ${n}`);
    }
    const { ws, slotElems, bufs } = publish(ctx, x!);
    // Each device reads its source's slot; a device no pair sends to reads the zero slot.
    const sources = Array.from({ length: n }, (_, d) => perm.find((p) => p[1] === d)?.[0] ?? n);
    ctx.permSources.push(sources);
    const k = ctx.permSources.length; // devinfo[k] holds this ppermute's source
    const buf = ctx.resultBuffer(out!.dtype, out!.shape, v);
    ctx.kernels.push({
      kind: "loop", shape: x!.shape, out: { buf, offset: 0, strides: stridesOf(x!.shape) },
      expr: { op: "load", dtype: x!.dtype, view: { buf: ws, offset: 0, strides: stridesOf(x!.shape), dyn: [{ buf: bufs.devinfo, offset: k, stride: slotElems, max: n }] } },
    });
    endCollective(ctx);
    return [loadOf(buf, out!.shape, out!.dtype)];
  },

  xla_pmap: () => {
    const e = new LoweringError("pmap inside jit runs op by op: its devices are threads, outside any one wasm call");
    e.interpretable = true;
    throw e;
  },

  reduce_sum: reducer("sum"),
  reduce_prod: reducer("prod"),
  reduce_max: reducer("max"),
  reduce_min: reducer("min"),
  argmax: argReducer("max"),
  argmin: argReducer("min"),

  select_n: (_ctx, [which, ...cases], _p, [out]) => {
    const shape = [...out!.shape];
    return [{
      shape,
      dtype: out!.dtype,
      expr: { op: "select", dtype: out!.dtype, which: broadcastTo(which!, shape).expr, cases: cases.map((c) => broadcastTo(c, shape).expr) },
    }];
  },

  integer_pow: (_ctx, [x], { y }, [out]) => [{ shape: x!.shape, dtype: out!.dtype, expr: { op: "ipow", dtype: out!.dtype, x: x!.expr, y } }],

  convert_element_type: (_ctx, [x], { new_dtype }) =>
    [x!.dtype === new_dtype ? x! : { shape: x!.shape, dtype: new_dtype, expr: { op: "convert", dtype: new_dtype, x: x!.expr } }],

  broadcast_in_dim: (_ctx, [x], { shape, broadcast_dimensions }) => [broadcastInDimLazy(x!, shape, broadcast_dimensions)],
  reshape: (ctx, [x], { new_sizes }) => [ctx.reshape(x!, [...new_sizes])],
  transpose: (_ctx, [x], { permutation }) => [transposeLazy(x!, permutation)],
  squeeze: (_ctx, [x], _p, [out]) => [reshapeOnes(x!, [...out!.shape])!],
  rev: (_ctx, [x], { dimensions }) => [revLazy(x!, dimensions)],
  slice: (_ctx, [x], { start_indices, limit_indices, strides }) => [sliceLazy(x!, start_indices, limit_indices, strides)],

  concatenate: (ctx, xs, { dimension }, [out], [v]) => {
    const shape = [...out!.shape];
    const buf = ctx.resultBuffer(out!.dtype, shape, v);
    const strides = stridesOf(shape);
    let start = 0;
    for (const x of xs) {
      ctx.kernels.push({ kind: "loop", shape: x.shape, out: { buf, offset: start * strides[dimension]!, strides }, expr: x.expr });
      start += x.shape[dimension]!;
    }
    return [loadOf(buf, shape, out!.dtype)];
  },

  dynamic_slice: (ctx, [x, ...starts], { slice_sizes }) => {
    const base = ctx.viewOf(x!);
    const view = asView(base)!;
    let offset = view.offset;
    const dyn: NonNullable<View["dyn"]> = [...(view.dyn ?? [])];
    starts.forEach((s, d) => {
      const max = x!.shape[d]! - slice_sizes[d]!;
      const c = constValue(s);
      if (c !== null) offset += Math.min(Math.max(c, 0), max) * view.strides[d]!;
      else {
        const sv = asView(ctx.viewOf(s))!;
        dyn.push({ buf: sv.buf, offset: sv.offset, stride: view.strides[d]!, max });
      }
    });
    const newView: View = { buf: view.buf, offset, strides: view.strides, dyn };
    return [{ shape: [...slice_sizes], dtype: x!.dtype, expr: { op: "load", dtype: x!.dtype, view: newView } }];
  },

  dot_general: dotGeneral,

  // A nested jit is inlined: its equations fuse with the caller's.
  xla_call: (ctx, xs, { call_jaxpr }) => inlineCall(ctx, call_jaxpr, xs),
  custom_jvp_call: (ctx, xs, { call_jaxpr }) => inlineCall(ctx, call_jaxpr, xs),
  custom_vjp_call_jaxpr: (ctx, xs, { fun_jaxpr }) => inlineCall(ctx, fun_jaxpr, xs),
  custom_lin: () => {
    throw new LoweringError("can't apply forward-mode autodiff (jvp) to a custom_vjp function.");
  },

  iota: (_ctx, _xs, { dtype, shape, dimension }) => {
    const coeffs = shape.map((_, i) => (i === dimension ? 1 : 0));
    const idx: Expr = { op: "index", dtype: "int32", coeffs, offset: 0 };
    return [{ shape: [...shape], dtype, expr: dtype === "int32" ? idx : { op: "convert", dtype, x: idx } }];
  },
};

/** A called jaxpr lowers in place: its equations join the caller's, so they fuse with it. */
function inlineCall(ctx: Lowering, called: Jaxpr, xs: Lazy[]): Lazy[] {
  const jaxpr = dce(called);
  const env = new Map<Var, Lazy>();
  jaxpr.invars.forEach((v, i) => env.set(v, xs[i]!));
  lowerEqns(ctx, jaxpr, env);
  return jaxpr.outs.map((o) => (o instanceof Literal ? literalLazy(o) : env.get(o)!));
}
