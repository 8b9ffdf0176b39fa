// The kernel IR: what lowering produces from a jaxpr and the backend turns into wasm.
// Plain data (no classes), so it can cross to the compile worker by structured clone.
//
// A program runs a list of kernels over buffers. Every kernel iterates over an index space
// (a shape); its operands are strided views of buffers, so transposes, broadcasts, slices
// and reversals are index arithmetic, never copies.

import type { DType } from "../dtypes.js";

/**
 * Where a buffer lives. Programs that run on several devices (pmap) also get, per device,
 * "devinfo" (int32s: the device index, then one ppermute source per ppermute), and share
 * "workspace" (one slot per device, plus a zero slot, for collectives) and "barrier".
 */
export type BufferKind = "input" | "output" | "scratch" | "const" | "devinfo" | "workspace" | "barrier";

export interface BufferDecl {
  kind: BufferKind;
  dtype: DType;
  size: number; // elements
  /** Position among the entry's inputs, outputs or consts; byte offset in scratch. */
  index: number;
}

/** Elements of `buf` at `offset + sum(idx[d] * strides[d])`, plus runtime start offsets. */
export interface View {
  buf: number;
  offset: number;
  strides: number[];
  /** dynamic_slice starts: `clamp(int32 at buf[offset], 0, max) * stride` added at run time. */
  dyn?: { buf: number; offset: number; stride: number; max: number }[];
}

export type UnaryOp =
  | "neg" | "sign" | "floor" | "ceil" | "abs" | "sqrt" | "rsqrt" | "exp" | "log" | "log1p" | "expm1"
  | "tanh" | "logistic" | "sin" | "cos" | "not" | "is_finite";
export type BinaryOp =
  | "add" | "sub" | "mul" | "div" | "rem" | "pow" | "max" | "min"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "and" | "or";

/** A scalar expression of the iteration indices; `dtype` is the result's. */
export type Expr =
  | { op: "load"; dtype: DType; view: View }
  | { op: "const"; dtype: DType; value: number }
  /** An affine function of the indices, as int32: iota, and iotas after reindexing. */
  | { op: "index"; dtype: DType; coeffs: number[]; offset: number }
  | { op: "unary"; dtype: DType; fn: UnaryOp; x: Expr }
  | { op: "binary"; dtype: DType; fn: BinaryOp; x: Expr; y: Expr }
  /** select_n: `cases[which]`; which is bool or int32. */
  | { op: "select"; dtype: DType; which: Expr; cases: Expr[] }
  | { op: "convert"; dtype: DType; x: Expr }
  /** x ** y for a constant integer y, computing x once. */
  | { op: "ipow"; dtype: DType; x: Expr; y: number };

export type ReduceOp = "sum" | "prod" | "max" | "min";

export type Kernel =
  /** out[idx] = expr(idx) for every idx in shape. */
  | { kind: "loop"; shape: number[]; out: View; expr: Expr }
  /** out[idx with reduced dims dropped] = op over reduced dims of expr(idx); out strides are 0 on reduced dims. */
  | { kind: "reduce"; op: ReduceOp; shape: number[]; reduced: boolean[]; out: View; expr: Expr }
  /** Index of the max (min) along the one reduced dim; NaN wins, first occurrence kept. */
  | { kind: "argreduce"; op: "max" | "min"; shape: number[]; axis: number; out: View; expr: Expr }
  /**
   * C[b, m, n] = sum_k A[b, m, k] * B[b, k, n], each operand a strided view. The backend
   * picks a SIMD strategy from the strides (n contiguous in B and C, or k contiguous in A and B).
   */
  | { kind: "dot"; dtype: DType; batch: number; m: number; n: number; k: number; a: View; b: View; c: View; pack?: number }
  /** Waits until all `n` devices arrive (shared counter and generation; aborts on the abort flag). */
  | { kind: "barrier"; n: number; buf: number };

export interface Program {
  buffers: BufferDecl[];
  kernels: Kernel[];
  numInputs: number;
  numOutputs: number;
  numConsts: number;
  scratchBytes: number;
  /** For programs run by pmap: devices, workspace slot size, and ppermute sources per device. */
  pmap?: { axisSize: number; slotBytes: number; permSources: number[][] };
}

/** The operands of an expression node (none for leaves). */
export function children(e: Expr): Expr[] {
  switch (e.op) {
    case "load":
    case "const":
    case "index":
      return [];
    case "unary":
    case "convert":
    case "ipow":
      return [e.x];
    case "binary":
      return [e.x, e.y];
    case "select":
      return [e.which, ...e.cases];
  }
}

/** Elements of scratch a dot kernel may use to pack a panel of B (k block × panel width). */
export const DOT_PACK_ELEMS = 512 * 16;

export function elemBytes(dtype: DType): number {
  return dtype === "bool" ? 1 : 4;
}
