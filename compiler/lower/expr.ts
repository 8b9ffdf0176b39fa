// Index algebra on kernel expressions. A lazy value is an expression over its own index
// space; structural ops (transpose, broadcast, slice, rev, squeeze) re-express it over a
// new index space through an affine map, rewriting the strides of every load.

import type { DType } from "../dtypes.js";
import { stridesOf } from "../shape.js";
import type { Expr, View } from "./ir.js";

/** A value not yet written anywhere: `expr` computes element `idx` of an array of `shape`. */
export interface Lazy {
  shape: number[];
  dtype: DType;
  expr: Expr;
}

/** old_idx[d] = sum_j coeffs[d][j] * new_idx[j] + offset[d], one row per old dim. */
export interface AffineMap {
  coeffs: number[][];
  offset: number[];
}

function mapVector(v: readonly number[], map: AffineMap, newRank: number): { coeffs: number[]; offset: number } {
  const coeffs = new Array<number>(newRank).fill(0);
  let offset = 0;
  v.forEach((s, d) => {
    if (s === 0) return;
    const row = map.coeffs[d]!;
    for (let j = 0; j < newRank; j++) coeffs[j] += s * row[j]!;
    offset += s * map.offset[d]!;
  });
  return { coeffs, offset };
}

export function reindexExpr(e: Expr, map: AffineMap, newRank: number): Expr {
  switch (e.op) {
    case "load": {
      const { coeffs, offset } = mapVector(e.view.strides, map, newRank);
      return { ...e, view: { ...e.view, strides: coeffs, offset: e.view.offset + offset } };
    }
    case "index": {
      const { coeffs, offset } = mapVector(e.coeffs, map, newRank);
      return { ...e, coeffs, offset: e.offset + offset };
    }
    case "const":
      return e;
    case "unary":
    case "convert":
    case "ipow":
      return { ...e, x: reindexExpr(e.x, map, newRank) };
    case "binary":
      return { ...e, x: reindexExpr(e.x, map, newRank), y: reindexExpr(e.y, map, newRank) };
    case "select":
      return { ...e, which: reindexExpr(e.which, map, newRank), cases: e.cases.map((c) => reindexExpr(c, map, newRank)) };
  }
}

export function reindex(x: Lazy, shape: number[], map: AffineMap): Lazy {
  return { shape, dtype: x.dtype, expr: reindexExpr(x.expr, map, shape.length) };
}

const unit = (n: number, j: number): number[] => {
  const r = new Array<number>(n).fill(0);
  if (j >= 0) r[j] = 1;
  return r;
};

/** Broadcasting as lax does it: rank-0 operands and size-1 dims repeat. */
export function broadcastTo(x: Lazy, shape: number[]): Lazy {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  const n = shape.length;
  if (x.shape.length === 0) return reindex(x, shape, { coeffs: [], offset: [] });
  return reindex(x, shape, {
    coeffs: x.shape.map((d, i) => unit(n, d === 1 && shape[i] !== 1 ? -1 : i)),
    offset: x.shape.map(() => 0),
  });
}

export function transposeLazy(x: Lazy, perm: readonly number[]): Lazy {
  const n = perm.length;
  const coeffs: number[][] = new Array(n);
  perm.forEach((old, i) => (coeffs[old] = unit(n, i)));
  return reindex(x, perm.map((p) => x.shape[p]!), { coeffs, offset: new Array(n).fill(0) });
}

export function broadcastInDimLazy(x: Lazy, shape: readonly number[], bdims: readonly number[]): Lazy {
  const n = shape.length;
  return reindex(x, [...shape], {
    coeffs: x.shape.map((d, k) => unit(n, d === 1 && shape[bdims[k]!] !== 1 ? -1 : bdims[k]!)),
    offset: x.shape.map(() => 0),
  });
}

export function sliceLazy(x: Lazy, start: readonly number[], limit: readonly number[], strides: readonly number[] | null): Lazy {
  const n = x.shape.length;
  const st = strides ?? new Array<number>(n).fill(1);
  const shape = x.shape.map((_, d) => Math.max(0, Math.ceil((limit[d]! - start[d]!) / st[d]!)));
  return reindex(x, shape, {
    coeffs: x.shape.map((_, d) => unit(n, d).map((c) => c * st[d]!)),
    offset: [...start],
  });
}

export function revLazy(x: Lazy, dims: readonly number[]): Lazy {
  const n = x.shape.length;
  return reindex(x, x.shape, {
    coeffs: x.shape.map((_, d) => unit(n, d).map((c) => (dims.includes(d) ? -c : c))),
    offset: x.shape.map((s, d) => (dims.includes(d) ? s - 1 : 0)),
  });
}

/** Drops (or, with `insert`, adds) size-1 dims: any reshape that only moves 1s around. */
export function reshapeOnes(x: Lazy, shape: number[]): Lazy | null {
  const a = x.shape.filter((d) => d !== 1), b = shape.filter((d) => d !== 1);
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) return null;
  const newPos = shape.map((d, i) => (d !== 1 ? i : -1)).filter((i) => i >= 0);
  let k = 0;
  return reindex(x, shape, {
    coeffs: x.shape.map((d) => unit(shape.length, d !== 1 ? newPos[k++]! : -1)),
    offset: x.shape.map(() => 0),
  });
}

/** The view of `x` when it is a plain load of a buffer, else null. */
export function asView(x: Lazy): View | null {
  return x.expr.op === "load" ? x.expr.view : null;
}

export function isContiguous(view: View, shape: readonly number[]): boolean {
  const s = stridesOf(shape);
  return !view.dyn?.length && shape.every((d, i) => d === 1 || view.strides[i] === s[i]);
}

export function contiguousLoad(buf: number, shape: readonly number[], dtype: DType, offset = 0): Lazy {
  return { shape: [...shape], dtype, expr: { op: "load", dtype, view: { buf, offset, strides: stridesOf(shape) } } };
}

/** Operations in `e` beyond loads, constants and indices: a proxy for the cost of recomputing it. */
export function exprCost(e: Expr): number {
  switch (e.op) {
    case "load":
    case "const":
    case "index":
      return 0;
    case "unary":
      return (["exp", "log", "log1p", "expm1", "tanh", "logistic", "sin", "cos"].includes(e.fn) ? 8 : 1) + exprCost(e.x);
    case "convert":
    case "ipow":
      return 1 + exprCost(e.x);
    case "binary":
      return (e.fn === "pow" || e.fn === "rem" ? 8 : 1) + exprCost(e.x) + exprCost(e.y);
    case "select":
      return 1 + exprCost(e.which) + e.cases.reduce((n, c) => n + exprCost(c), 0);
  }
}
