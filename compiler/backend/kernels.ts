// Code for loop, reduce and argreduce kernels: a loop nest over the collapsed iteration
// space whose innermost loop runs 4 lanes at a time (f32x4 / i32x4) when every stream is
// contiguous or constant along it, with a scalar loop for the tail.

import type { DType } from "../dtypes.js";
import { type Expr, type Kernel, type ReduceOp, elemBytes } from "../lower/ir.js";
import { T } from "./builder.js";
import type { FnBuilder, Ref } from "./fn.js";
import { type Stream, applyRuns, collapseDims, collectLeaves, indexKey, loopNest, viewBase, viewKey } from "./nest.js";
import { ExprEmitter, type Leaves } from "./ops.js";

type BufPtr = (buf: number) => Ref;

export function loadScalar(fb: FnBuilder, dtype: DType, ptr: Ref): Ref {
  const m = fb.m;
  if (dtype === "float32") return m.f32.load(0, 4, ptr);
  if (dtype === "int32") return m.i32.load(0, 4, ptr);
  return m.i32.load8_u(0, 1, ptr);
}

export function storeScalar(fb: FnBuilder, dtype: DType, ptr: Ref, v: Ref): Ref {
  const m = fb.m;
  if (dtype === "float32") return m.f32.store(0, 4, ptr, v);
  if (dtype === "int32") return m.i32.store(0, 4, ptr, v);
  return m.i32.store8(0, 1, ptr, v);
}

/** Four consecutive elements, or one repeated when the stream does not move along the inner dim. */
export function loadVector(fb: FnBuilder, dtype: DType, ptr: Ref, repeated: boolean): Ref {
  const m = fb.m;
  if (repeated) return dtype === "float32" ? m.f32x4.splat(loadScalar(fb, dtype, ptr)) : m.i32x4.splat(loadScalar(fb, dtype, ptr));
  if (dtype !== "bool") return m.v128.load(0, 4, ptr);
  return m.i32x4.extend_low_i16x8_u(m.i16x8.extend_low_i8x16_u(m.v128.load32_zero(0, 1, ptr)));
}

export function storeVector(fb: FnBuilder, dtype: DType, ptr: Ref, v: Ref): Ref {
  const m = fb.m;
  if (dtype !== "bool") return m.v128.store(0, 4, ptr, v);
  const l = fb.local(T.v128);
  const narrow = m.i8x16.narrow_i16x8_u(m.i16x8.narrow_i32x4_u(fb.get(l, T.v128), fb.get(l, T.v128)), m.i16x8.narrow_i32x4_u(fb.get(l, T.v128), fb.get(l, T.v128)));
  return m.block(null, [fb.set(l, v), m.v128.store32_lane(0, 1, 0, ptr, narrow)]);
}

interface Space {
  streams: Stream[];
  sizes: number[];
  /** Stream index by key; the output stream is "out". */
  byKey: Map<string, number>;
  /** Inner-dim stride in elements, per stream (pointers) or coefficient (indices). */
  innerUnits: number[];
  setup: Ref[];
  baseLocals: number[];
  groups: boolean[];
}

/**
 * Builds the streams of a kernel over `shape`: the output view and every leaf of `expr`,
 * after reordering dims by `order` and collapsing what can be collapsed.
 */
function buildSpace(fb: FnBuilder, shape: readonly number[], order: number[], out: Extract<Kernel, { kind: "loop" }>["out"] | null, outDtype: DType, expr: Expr, bufPtr: BufPtr, groups?: boolean[]): Space {
  const leaves = [...collectLeaves(expr).entries()];
  const entries: { key: string; strides: number[]; kind: "ptr" | "idx"; dtype: DType; base: () => Ref }[] = [];
  if (out) entries.push({ key: "out", strides: out.strides, kind: "ptr", dtype: outDtype, base: () => viewBase(fb, out, outDtype, bufPtr) });
  for (const [key, e] of leaves) {
    if (e.op === "load") entries.push({ key, strides: e.view.strides, kind: "ptr", dtype: e.dtype, base: () => viewBase(fb, e.view, e.dtype, bufPtr) });
    else if (e.op === "index") entries.push({ key, strides: e.coeffs, kind: "idx", dtype: "int32", base: () => fb.i32(e.offset) });
  }
  const pShape = order.map((d) => shape[d]!);
  const pGroups = groups ? order.map((d) => groups[d]!) : undefined;
  const pStrides = entries.map((en) => order.map((d) => en.strides[d]!));
  const runs = collapseDims(pShape, pStrides, pGroups);
  const sizes = runs.map((r) => r.reduce((n, d) => n * pShape[d]!, 1));
  const i32 = T.i32;
  const streams: Stream[] = [];
  const innerUnits: number[] = [];
  const setup: Ref[] = [];
  const baseLocals: number[] = [];
  entries.forEach((en, s) => {
    const { strides } = applyRuns(pShape, pStrides[s]!, runs);
    const unit = en.kind === "ptr" ? elemBytes(en.dtype) : 1;
    streams.push({ key: en.key, strides: strides.map((x) => x * unit), kind: en.kind, dtype: en.dtype });
    innerUnits.push(strides.length ? strides[strides.length - 1]! : 0);
    const l = fb.local(i32);
    setup.push(fb.set(l, en.base()));
    baseLocals.push(l);
  });
  return {
    streams, sizes, byKey: new Map(entries.map((en, i) => [en.key, i])), innerUnits, setup, baseLocals,
    groups: runs.map((r) => (pGroups ? pGroups[r[0]!]! : false)),
  };
}

function leavesFor(fb: FnBuilder, sp: Space, cur: () => number[]): Leaves {
  const i32 = T.i32;
  return {
    load(e, vector) {
      const s = sp.byKey.get(viewKey(e.view))!;
      const ptr = fb.get(cur()[s]!, i32);
      return vector ? loadVector(fb, e.dtype, ptr, sp.innerUnits[s] === 0) : loadScalar(fb, e.dtype, ptr);
    },
    index(e, vector) {
      const s = sp.byKey.get(indexKey(e))!;
      const v = fb.get(cur()[s]!, i32);
      if (!vector) return v;
      const c = sp.innerUnits[s]!;
      return fb.m.i32x4.add(fb.m.i32x4.splat(v), fb.m.v128.const(new Uint8Array(new Int32Array([0, c, 2 * c, 3 * c]).buffer) as never));
    },
  };
}

/** Whether the inner dim can run 4 lanes at a time: every pointer contiguous or constant along it. */
function vectorizable(sp: Space, simd: boolean, outKeyMustBeUnit: boolean): boolean {
  if (!simd || sp.sizes.length === 0) return false;
  return sp.streams.every((st, s) => {
    if (st.kind === "idx") return true;
    const u = sp.innerUnits[s]!;
    if (st.key === "out") return outKeyMustBeUnit ? u === 1 : u === 0 || u === 1;
    return u === 0 || u === 1;
  });
}

/**
 * The innermost loop: `n` steps from the stream positions in `starts`, first 4 at a time
 * (when `vector`), then one at a time. `step(vector)` emits one step's work.
 */
/** Vector steps between flushes of a sum's accumulators, so no partial sum gets large. */
const SUM_BLOCK = 4096;

function innerLoop(fb: FnBuilder, sp: Space, dim: number, starts: number[], vector: boolean, step: (cur: number[], vector: boolean) => Ref[], unroll = 1, flush?: () => Ref[]): Ref[] {
  const i32 = T.i32, m = fb.m;
  const n = sp.sizes[dim]!;
  const cur = sp.streams.map(() => fb.local(i32));
  const i = fb.local(i32);
  const stmts: Ref[] = sp.streams.map((_, s) => fb.set(cur[s]!, fb.get(starts[s]!, i32)));
  const bump = (lanes: number) =>
    sp.streams.map((st, s) => (st.strides[dim] === 0 ? null : fb.bump(cur[s]!, st.strides[dim]! * lanes))).filter((x): x is Ref => x !== null);
  let done = fb.i32(0);
  if (vector && n >= 4) {
    const lanes = 4 * unroll;
    const vecEnd = n - (n % lanes);
    if (vecEnd > 0) {
      const body: Ref[] = [];
      for (let u = 0; u < unroll; u++) body.push(...step(cur, true), ...bump(4));
      if (flush && vecEnd > SUM_BLOCK) {
        // Blocked (two-level) accumulation: f32 sums stay accurate for long reductions.
        const ib = fb.local(i32), iend = fb.local(i32);
        stmts.push(fb.forRange(ib, fb.i32(0), fb.i32(vecEnd), SUM_BLOCK, [
          fb.set(iend, m.select(m.i32.lt_s(m.i32.add(fb.get(ib, i32), fb.i32(SUM_BLOCK)), fb.i32(vecEnd)), m.i32.add(fb.get(ib, i32), fb.i32(SUM_BLOCK)), fb.i32(vecEnd))),
          fb.forRange(i, fb.get(ib, i32), fb.get(iend, i32), lanes, body),
          ...flush(),
        ]));
      } else {
        stmts.push(fb.forRange(i, fb.i32(0), fb.i32(vecEnd), lanes, body));
        if (flush) stmts.push(...flush());
      }
      done = fb.i32(vecEnd);
    }
    if (unroll > 1 && n - vecEnd >= 4) {
      const end4 = vecEnd + ((n - vecEnd) & ~3);
      stmts.push(fb.forRange(i, fb.i32(vecEnd), fb.i32(end4), 4, [...step(cur, true), ...bump(4)]));
      done = fb.i32(end4);
    }
  }
  stmts.push(fb.forRange(i, done, fb.i32(n), 1, [...step(cur, false), ...bump(1)]));
  return stmts;
}

export function emitLoopKernel(fb: FnBuilder, k: Extract<Kernel, { kind: "loop" }>, bufPtr: BufPtr, simd: boolean): Ref[] {
  if (k.shape.some((d) => d === 0)) return [];
  const outDtype = k.expr.dtype;
  const sp = buildSpace(fb, k.shape, k.shape.map((_, i) => i), k.out, outDtype, k.expr, bufPtr);
  const i32 = T.i32;
  let curRef: number[] = sp.baseLocals;
  const ex = new ExprEmitter(fb, leavesFor(fb, sp, () => curRef));
  const outS = sp.byKey.get("out")!;
  const store = (cur: number[], vector: boolean): Ref[] => {
    curRef = cur;
    const v = ex.emit(k.expr, vector);
    const ptr = fb.get(cur[outS]!, i32);
    return [vector ? storeVector(fb, outDtype, ptr, v) : storeScalar(fb, outDtype, ptr, v)];
  };
  if (sp.sizes.length === 0) return [...sp.setup, ...store(sp.baseLocals, false)];
  const inner = sp.sizes.length - 1;
  const vec = vectorizable(sp, simd, true);
  const outer = sp.sizes.map((_, d) => d).slice(0, inner);
  return [...sp.setup, ...loopNest(fb, sp.sizes, sp.streams, outer, sp.baseLocals, (cur) => innerLoop(fb, sp, inner, cur, vec, store))];
}

function identity(op: ReduceOp, dtype: DType): number {
  switch (op) {
    case "sum":
      return 0;
    case "prod":
      return 1;
    case "max":
      return dtype === "float32" ? -Infinity : dtype === "int32" ? -2147483648 : 0;
    case "min":
      return dtype === "float32" ? Infinity : dtype === "int32" ? 2147483647 : 1;
  }
}

const COMBINE = { sum: "add", prod: "mul", max: "max", min: "min" } as const;

export function emitReduceKernel(fb: FnBuilder, k: Extract<Kernel, { kind: "reduce" }>, bufPtr: BufPtr, simd: boolean): Ref[] {
  const outSize = k.shape.filter((_, i) => !k.reduced[i]).reduce((a, b) => a * b, 1);
  if (outSize === 0) return [];
  const dtype = k.expr.dtype;
  const live = k.shape.map((_, i) => i).filter((i) => k.shape[i] !== 1);
  const innermostReduced = live.length > 0 && k.reduced[live[live.length - 1]!];
  const hasReduced = live.some((d) => k.reduced[d]);
  const empty = k.shape.some((d, i) => d === 0 && k.reduced[i]);
  if (empty || !hasReduced) {
    // Nothing to combine: the output is the identity (empty axes) or the expression itself.
    const expr: Expr = empty ? { op: "const", dtype, value: identity(k.op, dtype) } : k.expr;
    const keptShape = k.shape.map((d, i) => (k.reduced[i] ? 1 : d));
    return emitLoopKernel(fb, { kind: "loop", shape: keptShape, out: k.out, expr }, bufPtr, simd);
  }
  return innermostReduced ? innerReduce(fb, k, bufPtr, simd) : outerReduce(fb, k, bufPtr, simd);
}

/** Reduced dims innermost: each output point accumulates in registers. */
function innerReduce(fb: FnBuilder, k: Extract<Kernel, { kind: "reduce" }>, bufPtr: BufPtr, simd: boolean): Ref[] {
  const dtype = k.expr.dtype, m = fb.m, i32 = T.i32, v128 = T.v128;
  const order = [...k.shape.map((_, i) => i).filter((i) => !k.reduced[i]), ...k.shape.map((_, i) => i).filter((i) => k.reduced[i])];
  const sp = buildSpace(fb, k.shape, order, k.out, dtype, k.expr, bufPtr, k.reduced);
  const nKept = sp.groups.filter((g) => !g).length;
  const dims = sp.sizes.map((_, d) => d);
  const kept = dims.slice(0, nKept), reduced = dims.slice(nKept);
  const innerDim = reduced[reduced.length - 1]!;
  let curRef = sp.baseLocals;
  const ex = new ExprEmitter(fb, leavesFor(fb, sp, () => curRef));
  const sType = ex.scalarType(dtype);
  const op = COMBINE[k.op];
  const vec = vectorizable(sp, simd, false);
  const outS = sp.byKey.get("out")!;
  return [...sp.setup, ...loopNest(fb, sp.sizes, sp.streams, kept, sp.baseLocals, (curK) => {
    const acc = fb.local(sType);
    // Vector accumulators only when the loop is vectorised: a scalar module declares no v128.
    const vacc = vec ? [fb.local(v128), fb.local(v128)] : [];
    const vtot = vec ? fb.local(v128) : -1;
    let which = 0;
    const step = (cur: number[], vector: boolean): Ref[] => {
      curRef = cur;
      const v = ex.emit(k.expr, vector);
      if (!vector) return [fb.set(acc, ex.binary(op, dtype, fb.get(acc, sType), v, false))];
      const a = vacc[which]!;
      which ^= 1;
      return [fb.set(a, ex.binary(op, dtype, fb.get(a, v128), v, true))];
    };
    const ident = (vector: boolean) => ex.constant(dtype, identity(k.op, dtype), vector);
    const init = [fb.set(acc, ident(false))];
    if (vec) for (const a of [...vacc, vtot]) init.push(fb.set(a, ident(true)));
    // Fold the two running vector accumulators into the total and restart them.
    const flush = (): Ref[] => [
      fb.set(vtot, ex.binary(op, dtype, fb.get(vtot, v128), ex.binary(op, dtype, fb.get(vacc[0]!, v128), fb.get(vacc[1]!, v128), true), true)),
      fb.set(vacc[0]!, ident(true)),
      fb.set(vacc[1]!, ident(true)),
    ];
    const body = loopNest(fb, sp.sizes, sp.streams, reduced.slice(0, -1), curK, (curR) => innerLoop(fb, sp, innerDim, curR, vec, step, 2, flush));
    const fin: Ref[] = [];
    if (vec) {
      // The vector total, plus what the accumulators gathered since the last flush (the
      // 4-lane remainder loop), then its 4 lanes, then the scalar tail.
      const t = fb.local(v128);
      const since = ex.binary(op, dtype, fb.get(vacc[0]!, v128), fb.get(vacc[1]!, v128), true);
      fin.push(fb.set(t, ex.binary(op, dtype, fb.get(vtot, v128), since, true)));
      const lane = (i: number) => (dtype === "float32" ? m.f32x4.extract_lane(fb.get(t, v128), i as never) : m.i32x4.extract_lane(fb.get(t, v128), i as never));
      const h = ex.binary(op, dtype, ex.binary(op, dtype, lane(0), lane(1), false), ex.binary(op, dtype, lane(2), lane(3), false), false);
      fin.push(fb.set(acc, ex.binary(op, dtype, h, fb.get(acc, sType), false)));
    }
    fin.push(storeScalar(fb, dtype, fb.get(curK[outS]!, i32), fb.get(acc, sType)));
    return [...init, ...body, ...fin];
  })];
}

/** Innermost dim kept: fill the output with the identity, then fold every element into it. */
function outerReduce(fb: FnBuilder, k: Extract<Kernel, { kind: "reduce" }>, bufPtr: BufPtr, simd: boolean): Ref[] {
  const dtype = k.expr.dtype, i32 = T.i32;
  const outShape = k.shape.filter((_, i) => !k.reduced[i]);
  const fill = emitLoopKernel(fb, {
    kind: "loop",
    shape: [outShape.reduce((a, b) => a * b, 1)],
    out: { buf: k.out.buf, offset: k.out.offset, strides: [1] },
    expr: { op: "const", dtype, value: identity(k.op, dtype) },
  }, bufPtr, simd);
  const sp = buildSpace(fb, k.shape, k.shape.map((_, i) => i), k.out, dtype, k.expr, bufPtr);
  let curRef = sp.baseLocals;
  const ex = new ExprEmitter(fb, leavesFor(fb, sp, () => curRef));
  const outS = sp.byKey.get("out")!;
  const op = COMBINE[k.op];
  const step = (cur: number[], vector: boolean): Ref[] => {
    curRef = cur;
    const ptr = () => fb.get(cur[outS]!, i32);
    const old = vector ? loadVector(fb, dtype, ptr(), false) : loadScalar(fb, dtype, ptr());
    const v = ex.binary(op, dtype, old, ex.emit(k.expr, vector), vector);
    return [vector ? storeVector(fb, dtype, ptr(), v) : storeScalar(fb, dtype, ptr(), v)];
  };
  const inner = sp.sizes.length - 1;
  const vec = vectorizable(sp, simd, true);
  return [...fill, ...sp.setup, ...loopNest(fb, sp.sizes, sp.streams, sp.sizes.map((_, d) => d).slice(0, inner), sp.baseLocals, (cur) => innerLoop(fb, sp, inner, cur, vec, step))];
}

/** argmax/argmin along one axis: NaN wins, the first occurrence is kept (scalar code). */
export function emitArgReduceKernel(fb: FnBuilder, k: Extract<Kernel, { kind: "argreduce" }>, bufPtr: BufPtr): Ref[] {
  const outSize = k.shape.reduce((a, b, i) => (i === k.axis ? a : a * b), 1);
  if (outSize === 0) return [];
  const dtype = k.expr.dtype, m = fb.m, i32 = T.i32;
  const reduced = k.shape.map((_, i) => i === k.axis);
  const order = [...k.shape.map((_, i) => i).filter((i) => i !== k.axis), k.axis];
  // Keep the axis as its own dim even when it has size 1, so there is always a loop over it.
  const sp = buildSpace(fb, k.shape.map((d, i) => (i === k.axis ? d : d)), order, k.out, "int32", k.expr, bufPtr, reduced);
  let curRef = sp.baseLocals;
  const ex = new ExprEmitter(fb, leavesFor(fb, sp, () => curRef));
  const sType = ex.scalarType(dtype);
  const outS = sp.byKey.get("out")!;
  const nKept = sp.groups.filter((g) => !g).length;
  const axisCollapsed = sp.sizes.length === nKept; // the axis had size 1
  const kept = sp.sizes.map((_, d) => d).slice(0, nKept);
  return [...sp.setup, ...loopNest(fb, sp.sizes, sp.streams, kept, sp.baseLocals, (curK) => {
    const best = fb.local(sType), bestIdx = fb.local(i32), j = fb.local(i32), v = fb.local(sType);
    if (axisCollapsed) return [storeScalar(fb, "int32", fb.get(curK[outS]!, i32), fb.i32(0))];
    const inner = nKept;
    const cur = sp.streams.map(() => fb.local(i32));
    curRef = cur;
    const val = ex.emit(k.expr, false);
    const isNan = (l: number) => (dtype === "float32" ? m.f32.ne(fb.get(l, sType), fb.get(l, sType)) : fb.i32(0));
    const better = k.op === "max"
      ? (dtype === "float32" ? m.f32.gt(fb.get(v, sType), fb.get(best, sType)) : m.i32.gt_s(fb.get(v, sType), fb.get(best, sType)))
      : (dtype === "float32" ? m.f32.lt(fb.get(v, sType), fb.get(best, sType)) : m.i32.lt_s(fb.get(v, sType), fb.get(best, sType)));
    const take = m.i32.or(m.i32.eqz(fb.get(j, i32)), m.i32.and(m.i32.eqz(isNan(best)), m.i32.or(isNan(v), better)));
    const bump = sp.streams.map((st, s) => (st.strides[inner] === 0 ? null : fb.bump(cur[s]!, st.strides[inner]!))).filter((x): x is Ref => x !== null);
    return [
      ...sp.streams.map((_, s) => fb.set(cur[s]!, fb.get(curK[s]!, i32))),
      fb.set(bestIdx, fb.i32(0)),
      fb.forRange(j, fb.i32(0), fb.i32(sp.sizes[inner]!), 1, [
        fb.set(v, val),
        m.if(take, m.block(null, [fb.set(best, fb.get(v, sType)), fb.set(bestIdx, fb.get(j, i32))])),
        ...bump,
      ]),
      storeScalar(fb, "int32", fb.get(curK[outS]!, i32), fb.get(bestIdx, i32)),
    ];
  })];
}
