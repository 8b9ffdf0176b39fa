// Loop nests over strided streams. A stream is a pointer (or an affine index) that moves
// by a fixed stride per step of each loop; each loop level keeps its own copy, so inner
// loops restart from the outer position without multiplications.

import type { DType } from "../dtypes.js";
import { type Expr, type View, children, elemBytes } from "../lower/ir.js";
import { T } from "./builder.js";
import type { FnBuilder, Ref } from "./fn.js";

export interface Stream {
  key: string;
  /** Strides per loop dim: bytes for pointers, units for indices. */
  strides: number[];
  kind: "ptr" | "idx";
  dtype: DType;
  /** For index streams: the value of `coeffs · idx + offset` for the inner dim coefficient. */
  innerCoeff?: number;
}

export function viewKey(v: View): string {
  return `v${v.buf}:${v.offset}:${v.strides.join(",")}:${(v.dyn ?? []).map((d) => `${d.buf}.${d.offset}.${d.stride}.${d.max}`).join(";")}`;
}

export function indexKey(e: Extract<Expr, { op: "index" }>): string {
  return `i${e.offset}:${e.coeffs.join(",")}`;
}

/** Every load view and index expression in `e`, deduplicated by key. */
export function collectLeaves(e: Expr, out = new Map<string, Expr>()): Map<string, Expr> {
  if (e.op === "load") out.set(viewKey(e.view), e);
  else if (e.op === "index") out.set(indexKey(e), e);
  for (const c of children(e)) collectLeaves(c, out);
  return out;
}

/**
 * Simplifies an iteration space: drops size-1 dims and merges neighbours that every
 * stride set walks contiguously (stride[d] = stride[d+1] * size[d+1]). `groups` (e.g.
 * reduced or kept) must match for dims to merge. Returns the kept/merged dim lists.
 */
export function collapseDims(shape: readonly number[], strideSets: number[][], groups?: readonly boolean[]): number[][] {
  const dims = shape.map((_, i) => i).filter((d) => shape[d] !== 1);
  const runs: number[][] = [];
  for (const d of dims) {
    const last = runs[runs.length - 1];
    const prev = last?.[last.length - 1];
    const mergeable =
      prev !== undefined &&
      (!groups || groups[prev] === groups[d]) &&
      strideSets.every((s) => s[prev] === s[d]! * shape[d]!);
    if (mergeable) last!.push(d);
    else runs.push([d]);
  }
  return runs;
}

/** Sizes and strides after collapsing: a run's stride is its innermost dim's. */
export function applyRuns(shape: readonly number[], strides: readonly number[], runs: number[][]): { sizes: number[]; strides: number[] } {
  return {
    sizes: runs.map((r) => r.reduce((n, d) => n * shape[d]!, 1)),
    strides: runs.map((r) => strides[r[r.length - 1]!]!),
  };
}

/** The byte address of a view's element 0 (with dynamic_slice starts), given its buffer's base pointer. */
export function viewBase(fb: FnBuilder, v: View, dtype: DType, bufPtr: (buf: number) => Ref): Ref {
  const m = fb.m;
  const es = elemBytes(dtype);
  let addr = m.i32.add(bufPtr(v.buf), fb.i32(v.offset * es));
  for (const d of v.dyn ?? []) {
    const start = m.i32.load(0, 4, m.i32.add(bufPtr(d.buf), fb.i32(d.offset * 4)));
    const lo = fb.local(T.i32);
    // clamp(start, 0, max), as XLA's dynamic_slice does
    const clamped = m.block(null, [
      fb.set(lo, start),
      m.select(m.i32.lt_s(fb.get(lo, T.i32), fb.i32(0)), fb.i32(0),
        m.select(m.i32.gt_s(fb.get(lo, T.i32), fb.i32(d.max)), fb.i32(d.max), fb.get(lo, T.i32))),
    ], T.i32);
    addr = m.i32.add(addr, m.i32.mul(clamped, fb.i32(d.stride * es)));
  }
  return addr;
}

/**
 * Emits loops over `sizes` (outermost first). `starts` holds one local per stream with its
 * value at the nest's origin; `body` receives one local per stream at the current point.
 */
export function loopNest(fb: FnBuilder, sizes: number[], streams: Stream[], dims: number[], starts: number[], body: (cur: number[]) => Ref[]): Ref[] {
  if (dims.length === 0) return body(starts);
  const [d, ...rest] = dims as [number, ...number[]];
  const i32 = T.i32;
  const cur = streams.map(() => fb.local(i32));
  const counter = fb.local(i32);
  const init = streams.map((_, s) => fb.set(cur[s]!, fb.get(starts[s]!, i32)));
  const step = streams.map((st, s) => (st.strides[d] === 0 ? null : fb.bump(cur[s]!, st.strides[d]!))).filter((x): x is Ref => x !== null);
  return [...init, fb.forRange(counter, fb.i32(0), fb.i32(sizes[d]!), 1, [...loopNest(fb, sizes, streams, rest, cur, body), ...step])];
}
