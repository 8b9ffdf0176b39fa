// exp, expm1, logistic and tanh in f32, scalar and four lanes at a time.
//
// Every SIMD function performs the scalar function's operations in the same order, so
// each lane returns exactly (bit for bit) what the scalar function returns; the tests
// check this. No branches: special values are fixed up with selects at the end.
//
// exp(x) = 2^n · exp(r), with n = round(x / ln 2) and r = x − n·ln 2 in [−ln2/2, ln2/2],
// the reduction done in two steps (Cody–Waite) so that r is almost exact.

import { splat, splati, vselect, clamp, clampv } from "./lanes";

const LOG2E: f32 = 1.4426950408889634;
// Adding 1.5·2^23 rounds |v| < 2^22 to an integer n, which then sits in the low bits.
const ROUNDER: f32 = 12582912;
const ROUNDER_BITS: i32 = 0x4b400000;
// ln 2 split: LN2_HI has 15 significant bits, so n·LN2_HI is exact for |n| < 512.
const LN2_HI: f32 = 0.693145751953125; // 0x3f317200
const LN2_LO: f32 = 1.428606765330187e-6; // 0x35bfbe8e

// Q(r) = (exp(r) − 1 − r)/r² ≈ E0 + r·(E1 + r·(E2 + ...)) on |r| ≤ ln2/2: the minimax
// polynomial of Cephes' expf (S. Moshier), relative error about 1e-8.
const E0: f32 = 5.0000001201e-1;
const E1: f32 = 1.6666665459e-1;
const E2: f32 = 4.1665795894e-2;
const E3: f32 = 8.3334519073e-3;
const E4: f32 = 1.3981999507e-3;
const E5: f32 = 1.98756915e-4;

// exp(x) is 0 below EXP_MIN and Infinity above EXP_MAX; clamping there keeps n in
// [−150, 128], where 2^n splits into two normal powers of two.
const EXP_MIN: f32 = -104;
const EXP_MAX: f32 = 89;
// expm1(x) rounds to −1 below −17.33, so clamping at −30 changes nothing.
const EXPM1_MIN: f32 = -30;

// tanh(x) for |x| < TANH_SMALL: x + x·z·P(z), z = x², Cephes' tanhf minimax polynomial.
const TANH_SMALL: f32 = 0.625;
const T0: f32 = -3.33332819422e-1;
const T1: f32 = 1.33314422036e-1;
const T2: f32 = -5.37397155531e-2;
const T3: f32 = 2.06390887954e-2;
const T4: f32 = -5.70498872745e-3;

const SIGN: i32 = 0x80000000;

// ---- scalar ------------------------------------------------------------------------

/** Q(r) with r + r²·Q(r) ≈ exp(r) − 1 for |r| ≤ ln2/2. */
@inline function expQ(r: f32): f32 {
  return E0 + r * (E1 + r * (E2 + r * (E3 + r * (E4 + r * E5))));
}

/** y · 2^n for n in [−150, 128], as two exact multiplications by normal powers of two,
 *  so that a subnormal result is rounded once. */
@inline function scaleByPow2(y: f32, n: i32): f32 {
  const h = n >> 1;
  return y * reinterpret<f32>((h + 127) << 23) * reinterpret<f32>((n - h + 127) << 23);
}

@inline function expScalar(x: f32): f32 {
  const xc = clamp<f32>(x, EXP_MIN, EXP_MAX); // NaN stays NaN
  const big = xc * LOG2E + ROUNDER;
  const nf = big - ROUNDER;
  const r = xc - nf * LN2_HI - nf * LN2_LO;
  return scaleByPow2(<f32>1 + (r + r * r * expQ(r)), reinterpret<i32>(big) - ROUNDER_BITS);
}

export function exp_f32(x: f32): f32 {
  return expScalar(x);
}

export function expm1_f32(x: f32): f32 {
  const xc = clamp<f32>(x, EXPM1_MIN, EXP_MAX);
  const big = xc * LOG2E + ROUNDER;
  const nf = big - ROUNDER;
  const hi = xc - nf * LN2_HI; // exact
  const lo = nf * LN2_LO;
  const r = hi - lo;
  const c = hi - r - lo; // r + c = hi − lo to about 2^-48
  // p = expm1(r + c) ≈ r + r²·Q(r) + c·(1 + r)
  const p = r + (c + r * (c + r * expQ(r)));
  const n = reinterpret<i32>(big) - ROUNDER_BITS;
  // expm1(x) = 2^n·p + (2^n − 1); 2^n − 1 is exact for n ≤ 24. Above, 2^n·(1 + p) − 1.
  const t = reinterpret<f32>((n + 127) << 23);
  const small = t - 1 + t * p;
  const large = scaleByPow2(<f32>1 + p, n) - 1;
  const y = select<f32>(large, small, n > 24);
  return select<f32>(x, y, x == 0); // keeps −0
}

export function logistic_f32(x: f32): f32 {
  // e = exp(−|x|) ≤ 1 never overflows: q = e/(1 + e) = logistic(−|x|) is the result
  // for x < 0, and 1 − q for x ≥ 0.
  const e = expScalar(-abs<f32>(x));
  const q = e / (<f32>1 + e);
  return select<f32>(q, <f32>1 - q, x < 0);
}

// tanh is the rational minimax approximation XLA's CPU backend (and Eigen) use:
// tanh(x) = x·P(x²)/Q(x²) on x clamped to ±TANH_CLAMP, and x itself for |x| < TANH_TINY.
// No exp and one division: about twice as fast as x + x³·P(x²) / 1 − 2/(e^2x + 1), for a
// bound of 6 ulp (the relative error stays below 4e-7; the ulps are lost near ±1). From
// |x| = 9 on, where tanh rounds to ±1 in f32, the result is exactly ±1.
const TANH_CLAMP: f32 = 7.99881172180175781;
const TANH_ONE: f32 = 9;
const TANH_TINY: f32 = 0.0004;
const A1: f32 = 4.89352455891786e-3;
const A3: f32 = 6.37261928875436e-4;
const A5: f32 = 1.48572235717979e-5;
const A7: f32 = 5.12229709037114e-8;
const A9: f32 = -8.60467152213735e-11;
const A11: f32 = 2.00018790482477e-13;
const A13: f32 = -2.76076847742355e-16;
const B0: f32 = 4.89352518554385e-3;
const B2: f32 = 2.268434632439e-3;
const B4: f32 = 1.18534705686654e-4;
const B6: f32 = 1.19825839466702e-6;

export function tanh_f32(x: f32): f32 {
  const c = clamp(x, -TANH_CLAMP, TANH_CLAMP);
  const z = c * c;
  const p = (((((A13 * z + A11) * z + A9) * z + A7) * z + A5) * z + A3) * z + A1;
  const q = ((B6 * z + B4) * z + B2) * z + B0;
  const y = select<f32>(copysign<f32>(1, x), (p * c) / q, abs<f32>(x) >= TANH_ONE);
  return select<f32>(x, y, abs<f32>(x) < TANH_TINY);
}

// ---- SIMD (four f32 lanes) ---------------------------------------------------------

@inline function expQv(r: v128): v128 {
  let q = f32x4.add(splat(E4), f32x4.mul(r, splat(E5)));
  q = f32x4.add(splat(E3), f32x4.mul(r, q));
  q = f32x4.add(splat(E2), f32x4.mul(r, q));
  q = f32x4.add(splat(E1), f32x4.mul(r, q));
  return f32x4.add(splat(E0), f32x4.mul(r, q));
}

@inline function scaleByPow2v(y: v128, n: v128): v128 {
  const h = i32x4.shr_s(n, 1);
  const s1 = i32x4.shl(i32x4.add(h, splati(127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(n, h), splati(127)), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

@inline function expv(x: v128): v128 {
  const xc = clampv(x, EXP_MIN, EXP_MAX);
  const big = f32x4.add(f32x4.mul(xc, splat(LOG2E)), splat(ROUNDER));
  const nf = f32x4.sub(big, splat(ROUNDER));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(nf, splat(LN2_HI))), f32x4.mul(nf, splat(LN2_LO)));
  const y = f32x4.add(splat(1), f32x4.add(r, f32x4.mul(f32x4.mul(r, r), expQv(r))));
  return scaleByPow2v(y, i32x4.sub(big, splati(ROUNDER_BITS)));
}

export function exp_f32x4(x: v128): v128 {
  return expv(x);
}

export function expm1_f32x4(x: v128): v128 {
  const xc = clampv(x, EXPM1_MIN, EXP_MAX);
  const big = f32x4.add(f32x4.mul(xc, splat(LOG2E)), splat(ROUNDER));
  const nf = f32x4.sub(big, splat(ROUNDER));
  const hi = f32x4.sub(xc, f32x4.mul(nf, splat(LN2_HI)));
  const lo = f32x4.mul(nf, splat(LN2_LO));
  const r = f32x4.sub(hi, lo);
  const c = f32x4.sub(f32x4.sub(hi, r), lo);
  const p = f32x4.add(r, f32x4.add(c, f32x4.mul(r, f32x4.add(c, f32x4.mul(r, expQv(r))))));
  const n = i32x4.sub(big, splati(ROUNDER_BITS));
  const t = i32x4.shl(i32x4.add(n, splati(127)), 23);
  const small = f32x4.add(f32x4.sub(t, splat(1)), f32x4.mul(t, p));
  const large = f32x4.sub(scaleByPow2v(f32x4.add(splat(1), p), n), splat(1));
  const y = vselect(large, small, i32x4.gt_s(n, splati(24)));
  return vselect(x, y, f32x4.eq(x, splat(0)));
}

export function logistic_f32x4(x: v128): v128 {
  const e = expv(f32x4.neg(f32x4.abs(x)));
  const q = f32x4.div(e, f32x4.add(splat(1), e));
  return vselect(q, f32x4.sub(splat(1), q), f32x4.lt(x, splat(0)));
}

export function tanh_f32x4(x: v128): v128 {
  const c = clampv(x, -TANH_CLAMP, TANH_CLAMP);
  const z = f32x4.mul(c, c);
  let p = f32x4.add(f32x4.mul(splat(A13), z), splat(A11));
  p = f32x4.add(f32x4.mul(p, z), splat(A9));
  p = f32x4.add(f32x4.mul(p, z), splat(A7));
  p = f32x4.add(f32x4.mul(p, z), splat(A5));
  p = f32x4.add(f32x4.mul(p, z), splat(A3));
  p = f32x4.add(f32x4.mul(p, z), splat(A1));
  let q = f32x4.add(f32x4.mul(splat(B6), z), splat(B4));
  q = f32x4.add(f32x4.mul(q, z), splat(B2));
  q = f32x4.add(f32x4.mul(q, z), splat(B0));
  const a = f32x4.abs(x);
  const one = v128.or(v128.and(x, splati(SIGN)), splat(1)); // ±1 with the sign of x
  const y = vselect(one, f32x4.div(f32x4.mul(p, c), q), f32x4.ge(a, splat(TANH_ONE)));
  return vselect(x, y, f32x4.lt(a, splat(TANH_TINY)));
}
