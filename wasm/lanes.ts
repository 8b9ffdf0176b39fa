// Short names for the v128 operations the SIMD functions use over and over. All are
// @inline, so they cost nothing: the module contains the plain f32x4/i32x4/f64x2 ops.

/** Four f32 lanes all equal to `c` (a v128.const once optimised). */
@inline export function splat(c: f32): v128 {
  return f32x4.splat(c);
}

/** Four i32 lanes all equal to `c`. */
@inline export function splati(c: i32): v128 {
  return i32x4.splat(c);
}

/** Two f64 lanes both equal to `c`. */
@inline export function splatd(c: f64): v128 {
  return f64x2.splat(c);
}

/** Per lane: `mask ? a : b`, where every mask lane is all ones or all zeros. */
@inline export function vselect(a: v128, b: v128, mask: v128): v128 {
  return v128.bitselect(a, b, mask);
}

/** Widens f32 lanes 0 and 1 to f64. */
@inline export function lowHalf(x: v128): v128 {
  return f64x2.promote_low_f32x4(x);
}

/** Widens f32 lanes 2 and 3 to f64. */
@inline export function highHalf(x: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 2, 3));
}

/** Narrows two f64x2 halves back to four f32 lanes (each rounded once). */
@inline export function narrow(lo: v128, hi: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** Per lane: x clamped to [lo, hi]; a NaN x stays NaN. pmin/pmax are single machine
 *  instructions where min/max need several, and with x as the first operand they agree
 *  with the scalar `clamp` below. */
@inline export function clampv(x: v128, lo: f32, hi: f32): v128 {
  return f32x4.pmin(f32x4.pmax(x, f32x4.splat(lo)), f32x4.splat(hi));
}

/** Per f64 lane: x clamped to [lo, hi]; a NaN x stays NaN. */
@inline export function clampdv(x: v128, lo: f64, hi: f64): v128 {
  return f64x2.pmin(f64x2.pmax(x, f64x2.splat(lo)), f64x2.splat(hi));
}

/** Scalar clamp with exactly the semantics of clampv (pmax, then pmin). */
@inline export function clamp<T>(x: T, lo: T, hi: T): T {
  const y = x < lo ? lo : x;
  return hi < y ? hi : y;
}
