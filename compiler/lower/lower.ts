// Lowering: jaxpr -> kernel IR. Every value starts lazy (an expression over its index
// space). Elementwise ops, broadcasts, conversions, selects and layout ops compose
// expressions, so chains of them fuse into one loop with no intermediate buffers.
// Reductions take their producer as a prologue; dot_general takes strided views.
// A value is written to memory only when a kernel needs it in memory, when it is an
// output, or when recomputing it at each use would cost more than storing it.

import type { DType } from "../dtypes.js";
import { DropVar, type Jaxpr, Literal, Var } from "../jaxpr/jaxpr.js";
import type { Params, Primitive } from "../primitives/params.js";
import { type ShapedArray, sizeOf, stridesOf } from "../shape.js";
import { type Lazy, asView, contiguousLoad, exprCost, isContiguous, reshapeOnes } from "./expr.js";
import { type BufferDecl, type Expr, type Kernel, type Program, type View, elemBytes } from "./ir.js";
import { loweringRules } from "./rules.js";
import { dce } from "../jaxpr/dce.js";

/** Recomputing more than this at a second use costs more than a store and a load. */
const SHARE_COST = 2;
/** Expressions larger than this are written out, to keep kernels small. */
const MAX_COST = 48;

export class LoweringError extends Error {
  override name = "LoweringError";
  /** Set when the jaxpr can still run op by op (e.g. a pmap inside jit). */
  interpretable = false;
}

/** The mapped axis of a pmap body: collectives over it become workspace kernels. */
export interface PmapAxis {
  name: string;
  size: number;
  /** Bytes of the largest collective operand, rounded up to 16: one workspace slot. */
  slotBytes: number;
}

export class Lowering {
  readonly buffers: BufferDecl[] = [];
  readonly kernels: Kernel[] = [];
  scratchBytes = 0;
  #outputTargets = new Map<Var, number[]>();
  #pmapBufs: { devinfo: number; workspace: number; barrier: number } | undefined;
  /** For each ppermute, each device's source (axis size = the zero slot). */
  readonly permSources: number[][] = [];

  constructor(readonly axis?: PmapAxis) {}

  /** The pmap buffers (device info, workspace, barrier), created on first use. */
  pmapBuffers(): { devinfo: number; workspace: number; barrier: number } {
    if (!this.axis) throw new LoweringError("collectives need a pmap axis");
    return (this.#pmapBufs ??= {
      devinfo: this.addBuffer({ kind: "devinfo", dtype: "int32", size: 1, index: 0 }),
      workspace: this.addBuffer({ kind: "workspace", dtype: "float32", size: ((this.axis.size + 1) * this.axis.slotBytes) / 4, index: 0 }),
      barrier: this.addBuffer({ kind: "barrier", dtype: "int32", size: 4, index: 0 }),
    });
  }

  addBuffer(decl: BufferDecl): number {
    this.buffers.push(decl);
    return this.buffers.length - 1;
  }

  newScratch(dtype: DType, size: number): number {
    const offset = this.scratchBytes;
    this.scratchBytes += Math.ceil((size * elemBytes(dtype)) / 16) * 16;
    return this.addBuffer({ kind: "scratch", dtype, size, index: offset });
  }

  /** The output buffer `v` should be written to directly, if it is a jaxpr output not yet written. */
  claimOutput(v: Var | undefined): number | undefined {
    const list = v && this.#outputTargets.get(v);
    return list && list.length > 0 ? list.shift() : undefined;
  }

  setOutputTargets(targets: Map<Var, number[]>): void {
    this.#outputTargets = targets;
  }

  /** A buffer for a kernel's result: the output it is destined for, or fresh scratch. */
  resultBuffer(dtype: DType, shape: readonly number[], v?: Var): number {
    return this.claimOutput(v) ?? this.newScratch(dtype, sizeOf(shape));
  }

  /** Writes `x` to memory (contiguous, row-major) and returns it as a load. */
  materialize(x: Lazy, v?: Var, buf?: number): Lazy {
    const b = buf ?? this.resultBuffer(x.dtype, x.shape, v);
    this.kernels.push({ kind: "loop", shape: x.shape, out: contiguousLoadView(b, x.shape), expr: x.expr });
    return contiguousLoad(b, x.shape, x.dtype);
  }

  /** `x` as a strided view of some buffer, writing it out first if it is computed. */
  viewOf(x: Lazy): Lazy {
    return asView(x) && !hasIndex(x.expr) ? x : this.materialize(x);
  }

  /** A reshape: free for contiguous views and for moving size-1 dims, else a copy first. */
  reshape(x: Lazy, shape: number[]): Lazy {
    const ones = reshapeOnes(x, shape);
    if (ones) return ones;
    let v = asView(x);
    if (!v || !isContiguous(v, x.shape)) {
      x = this.materialize(x);
      v = asView(x)!;
    }
    return { shape, dtype: x.dtype, expr: { op: "load", dtype: x.dtype, view: { buf: v.buf, offset: v.offset, strides: stridesOf(shape) } } };
  }
}

function contiguousLoadView(buf: number, shape: readonly number[]): View {
  return { buf, offset: 0, strides: stridesOf(shape) };
}

function hasIndex(e: Expr): boolean {
  return e.op === "index";
}

/** Lowers a jaxpr (constvars first as const buffers, then invars as inputs) to a program. */
export function lowerJaxpr(jaxpr: Jaxpr, axis?: { name: string; size: number }): Program {
  jaxpr = dce(jaxpr);
  const ctx = new Lowering(axis ? { ...axis, slotBytes: collectiveSlotBytes(jaxpr) } : undefined);
  const env = new Map<Var, Lazy>();
  jaxpr.constvars.forEach((v, i) => {
    const b = ctx.addBuffer({ kind: "const", dtype: v.aval.dtype, size: v.aval.size, index: i });
    env.set(v, contiguousLoad(b, v.aval.shape, v.aval.dtype));
  });
  jaxpr.invars.forEach((v, i) => {
    const b = ctx.addBuffer({ kind: "input", dtype: v.aval.dtype, size: v.aval.size, index: i });
    env.set(v, contiguousLoad(b, v.aval.shape, v.aval.dtype));
  });
  const outBufs = jaxpr.outs.map((o, i) =>
    ctx.addBuffer({ kind: "output", dtype: o.aval.dtype, size: o.aval.size, index: i }),
  );
  const targets = new Map<Var, number[]>();
  jaxpr.outs.forEach((o, i) => {
    if (o instanceof Var && !jaxpr.invars.includes(o) && !jaxpr.constvars.includes(o)) {
      targets.set(o, [...(targets.get(o) ?? []), outBufs[i]!]);
    }
  });
  ctx.setOutputTargets(targets);
  lowerEqns(ctx, jaxpr, env);
  jaxpr.outs.forEach((o, i) => {
    const x = o instanceof Literal ? literalLazy(o) : env.get(o)!;
    const v = asView(x);
    const done = v && v.buf === outBufs[i] && isContiguous(v, x.shape) && v.offset === 0;
    if (!done) ctx.materialize(x, undefined, outBufs[i]);
  });
  return {
    buffers: ctx.buffers,
    kernels: ctx.kernels,
    numInputs: jaxpr.invars.length,
    numOutputs: jaxpr.outs.length,
    numConsts: jaxpr.constvars.length,
    scratchBytes: ctx.scratchBytes,
    ...(ctx.axis ? { pmap: { axisSize: ctx.axis.size, slotBytes: ctx.axis.slotBytes, permSources: ctx.permSources } } : {}),
  };
}

const COLLECTIVES = new Set(["psum", "pmax", "pmin", "all_gather", "ppermute"]);

/** The largest operand of any collective in `jaxpr` (and the jaxprs it calls), in bytes, 16-aligned. */
function collectiveSlotBytes(jaxpr: Jaxpr): number {
  let max = 16;
  for (const e of jaxpr.eqns) {
    if (COLLECTIVES.has(e.primitive)) {
      for (const a of e.inputs) max = Math.max(max, Math.ceil((a.aval.size * elemBytes(a.aval.dtype)) / 16) * 16);
    }
    const called = calledJaxpr(e);
    if (called) max = Math.max(max, collectiveSlotBytes(called));
  }
  return max;
}

export function literalLazy(l: Literal): Lazy {
  return { shape: [], dtype: l.aval.dtype, expr: { op: "const", dtype: l.aval.dtype, value: l.val } };
}

function countUses(jaxpr: Jaxpr): Map<Var, number> {
  const uses = new Map<Var, number>();
  const use = (a: unknown) => {
    if (a instanceof Var) uses.set(a, (uses.get(a) ?? 0) + 1);
  };
  for (const e of jaxpr.eqns) e.inputs.forEach(use);
  jaxpr.outs.forEach(use);
  return uses;
}

/** Lowers the equations of `jaxpr` into `ctx`, reading and extending `env`. */
export function lowerEqns(ctx: Lowering, jaxpr: Jaxpr, env: Map<Var, Lazy>): void {
  const uses = countUses(jaxpr);
  for (const eqn of jaxpr.eqns) {
    const xs = eqn.inputs.map((a) => (a instanceof Literal ? literalLazy(a) : env.get(a)!));
    const outAvals = eqn.outBinders.map((b) => b.aval);
    const outVars = eqn.outBinders.map((b) => (b instanceof DropVar ? undefined : b));
    const rule = loweringRules[eqn.primitive] as LoweringRule<Primitive>;
    const outs = rule(ctx, xs, eqn.params, outAvals, outVars);
    outs.forEach((x, i) => {
      const v = outVars[i];
      if (!v) return;
      const cost = exprCost(x.expr);
      const shared = (uses.get(v) ?? 0) > 1 && cost >= SHARE_COST;
      env.set(v, shared || cost > MAX_COST ? ctx.materialize(x, v) : x);
    });
  }
}

export type LoweringRule<P extends Primitive> = (
  ctx: Lowering,
  xs: Lazy[],
  params: Params<P>,
  outAvals: ShapedArray[],
  outVars: (Var | undefined)[],
) => Lazy[];

/** The jaxpr an inlined call equation runs (jitted calls and custom-derivative functions). */
function calledJaxpr(e: Jaxpr["eqns"][number]): Jaxpr | null {
  switch (e.primitive) {
    case "xla_call":
      return (e.params as Params<"xla_call">).call_jaxpr;
    case "custom_jvp_call":
      return (e.params as Params<"custom_jvp_call">).call_jaxpr;
    case "custom_vjp_call_jaxpr":
      return (e.params as Params<"custom_vjp_call_jaxpr">).fun_jaxpr;
    default:
      return null;
  }
}
