// Comparing backend results with the oracle's: float32 steps (ulps), and one tolerance per
// value (exact, k ulps, or an absolute bound) as the error analysis (./oracle.ts) decides.

import type { Array as WaxArray } from "../../compiler/index.js";

// ---- float32 helpers ----------------------------------------------------------------------

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** Position of an f32 on the number line in f32 steps (+0 and -0 are both 0). */
export function ordinal(x: number): number {
  f32[0] = x;
  return i32[0]! >= 0 ? i32[0]! : -(i32[0]! & 0x7fffffff);
}

/** Distance in f32 steps; 0 for two NaNs, Infinity when one side is NaN or they differ in finiteness. */
export function ulpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b ? 0 : Infinity;
  return Math.abs(ordinal(a) - ordinal(b));
}

export const U = 2 ** -24;
/** Absolute slack for results in the subnormal range, where relative bounds stop holding. */
export const TINY = 1e-37;
export const FLT_MAX = 3.4028234663852886e38;
export const INT_MIN = -2147483648;
export const INT_MAX = 2147483647;

export function sameBits(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

// ---- comparing arrays ---------------------------------------------------------------------

/** How closely two results must agree. */
export type Tolerance =
  /** Bit for bit; with `anyZeroSign`, +0 and -0 agree (a sum of zeros may be either, by the order it adds). */
  | { kind: "exact"; anyZeroSign?: boolean }
  /** Within `ulps` f32 steps; non-finite values must match exactly. */
  | { kind: "ulps"; ulps: number }
  /** |got - want| <= bound (a number, or one bound per element); both non-finite passes. */
  | { kind: "abs"; bound: number | ArrayLike<number> };

export interface ElementMismatch {
  index: number;
  want: number;
  got: number;
  allowed: string;
}

/** The first element where `got` is outside `tol` of `want`, or null. Shapes and dtypes must match. */
export function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): ElementMismatch | null {
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!, g = got[i]!;
    if (tol.kind === "exact") {
      if (!sameBits(g, w) && !(tol.anyZeroSign && g === 0 && w === 0)) return { index: i, want: w, got: g, allowed: "exact" };
    } else if (tol.kind === "ulps") {
      if (ulpDistance(g, w) > tol.ulps) return { index: i, want: w, got: g, allowed: `${tol.ulps} ulp (off by ${ulpDistance(g, w)})` };
    } else {
      const bound = typeof tol.bound === "number" ? tol.bound : tol.bound[i]!;
      if (!Number.isFinite(w) || !Number.isFinite(g)) {
        if (!Number.isFinite(w) && !Number.isFinite(g)) continue;
        // Overflow at the edge of the range may land on either side of FLT_MAX.
        if (Math.abs(Number.isFinite(w) ? w : g) > FLT_MAX / 2 || !Number.isFinite(bound)) continue;
        return { index: i, want: w, got: g, allowed: `±${bound}` };
      }
      if (!(Math.abs(g - w) <= bound)) return { index: i, want: w, got: g, allowed: `±${bound}` };
    }
  }
  return null;
}

/** A one-line message for a mismatch, or "" when the arrays agree. */
export function compareArrays(got: WaxArray, want: WaxArray, tol: Tolerance): string {
  if (got.dtype !== want.dtype || got.shape.join() !== want.shape.join()) {
    return `got ${got.dtype}[${got.shape}], expected ${want.dtype}[${want.shape}]`;
  }
  const m = firstMismatch(got.data(), want.data(), tol);
  if (!m) return "";
  const idx = unravel(m.index, want.shape);
  return `at [${idx}] (flat ${m.index}): got ${fmt(m.got)}, expected ${fmt(m.want)} (allowed: ${m.allowed})`;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const out: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    out.unshift(i % shape[d]!);
    i = Math.floor(i / shape[d]!);
  }
  return out;
}

function fmt(x: number): string {
  return Object.is(x, -0) ? "-0" : String(x);
}
