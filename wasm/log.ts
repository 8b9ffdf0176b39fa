// log and log1p in f32, scalar and four lanes at a time (lanes match the scalar bit
// for bit).
//
// x = 2^k · m with m in [√2/2, √2), f = m − 1, and log(1 + f) = 2·atanh(s) with
// s = f/(2 + f), the scheme of FreeBSD's e_logf.c / s_log1pf.c (via musl): a degree-4
// polynomial in s² gives log(1 + f) to well under an ulp.

import { splat, splati, vselect } from "./lanes";

// ln 2 in two parts; LN2_HI has 17 significant bits, so k·LN2_HI is exact for |k| < 128
// and otherwise rounded at the scale of the result (fdlibm's split).
const LN2_HI: f32 = 0.6931381225585938; // 0x3f317180
const LN2_LO: f32 = 9.05800061445916e-6; // 0x3717f7d1
// R(z) = z·(LG1 + w·LG3) + w·(LG2 + w·LG4), z = s², w = z², approximates
// (2·atanh(s) − 2s)/s; then log(1 + f) = f − f²/2 + s·(f²/2 + R). fdlibm's coefficients,
// |error| < 2^-34.24.
const LG1: f32 = 0.6666666269302368; // 0x3f2aaaaa
const LG2: f32 = 0.40000972151756287; // 0x3eccce13
const LG3: f32 = 0.2849878668785095; // 0x3e91e9ee
const LG4: f32 = 0.24279078841209412; // 0x3e789e26

// Adding SQRT2_OFFSET to the bits of x carries into the exponent exactly when the
// mantissa is ≥ √2, so k = (bits + SQRT2_OFFSET) >> 23 − 127 and m's bits are
// ((bits + SQRT2_OFFSET) & 0x7fffff) + SQRT_HALF_BITS.
const SQRT_HALF_BITS: i32 = 0x3f3504f3;
const SQRT2_OFFSET: i32 = 0x3f800000 - 0x3f3504f3;
const MIN_NORMAL: f32 = 1.1754943508222875e-38; // 2^-126
const TWO25: f32 = 33554432; // scales a subnormal x to a normal one
const TINY: f32 = 5.960464477539063e-8; // 2^-24: below, log1p(x) rounds to x

// ---- scalar ------------------------------------------------------------------------

/** log(2^k · (1 + f)) + c for f in [√2/2 − 1, √2 − 1); c is a small correction. */
@inline function logKernel(f: f32, dk: f32, c: f32): f32 {
  const s = f / (<f32>2 + f);
  const z = s * s;
  const w = z * z;
  const r = z * (LG1 + w * LG3) + w * (LG2 + w * LG4);
  const hfsq = <f32>0.5 * f * f;
  return s * (hfsq + r) + (dk * LN2_LO + c) - hfsq + f + dk * LN2_HI;
}

export function log_f32(x: f32): f32 {
  const sub = x < MIN_NORMAL;
  const xs = select<f32>(x * TWO25, x, sub);
  const ix = reinterpret<i32>(xs) + SQRT2_OFFSET;
  const k = (ix >> 23) - 127 - select<i32>(25, 0, sub);
  const f = reinterpret<f32>((ix & 0x7fffff) + SQRT_HALF_BITS) - 1;
  const y = logKernel(f, <f32>k, 0);
  // log(±0) = −Infinity, log(x < 0) = NaN, log(Infinity) = Infinity, log(NaN) = NaN
  const special = select<f32>(-Infinity, select<f32>(NaN, x, x < 0), x == 0);
  return select<f32>(y, special, (x > 0) & (x < Infinity));
}

export function log1p_f32(x: f32): f32 {
  const u = <f32>1 + x;
  const iu = reinterpret<i32>(u) + SQRT2_OFFSET;
  const k = (iu >> 23) - 127;
  // c/u ≈ log(1 + x) − log(u): (1 + x) − u is exact in either form.
  const c = select<f32>(<f32>1 - (u - x), x - (u - 1), k >= 2) / u;
  // k = 0: use x itself as f, which loses nothing to the rounding of 1 + x
  const useX = k == 0;
  const f = select<f32>(x, reinterpret<f32>((iu & 0x7fffff) + SQRT_HALF_BITS) - 1, useX);
  const y = logKernel(f, <f32>k, select<f32>(0, c, useX));
  // log1p(−1) = −Infinity, below = NaN; Infinity, NaN and |x| < 2^-24 (±0 too) give x
  const special = select<f32>(-Infinity, select<f32>(NaN, x, x < -1), x == -1);
  return select<f32>(y, special, (x > -1) & (x < Infinity) & (abs<f32>(x) >= TINY));
}

// ---- SIMD (four f32 lanes) ---------------------------------------------------------

@inline function logKernelv(f: v128, dk: v128, c: v128): v128 {
  const s = f32x4.div(f, f32x4.add(splat(2), f));
  const z = f32x4.mul(s, s);
  const w = f32x4.mul(z, z);
  const r = f32x4.add(
    f32x4.mul(z, f32x4.add(splat(LG1), f32x4.mul(w, splat(LG3)))),
    f32x4.mul(w, f32x4.add(splat(LG2), f32x4.mul(w, splat(LG4)))),
  );
  const hfsq = f32x4.mul(f32x4.mul(splat(0.5), f), f);
  let y = f32x4.mul(s, f32x4.add(hfsq, r));
  y = f32x4.add(y, f32x4.add(f32x4.mul(dk, splat(LN2_LO)), c));
  y = f32x4.sub(y, hfsq);
  y = f32x4.add(y, f);
  return f32x4.add(y, f32x4.mul(dk, splat(LN2_HI)));
}

export function log_f32x4(x: v128): v128 {
  const sub = f32x4.lt(x, splat(MIN_NORMAL));
  const xs = vselect(f32x4.mul(x, splat(TWO25)), x, sub);
  const ix = i32x4.add(xs, splati(SQRT2_OFFSET));
  const k = i32x4.sub(i32x4.sub(i32x4.shr_s(ix, 23), splati(127)), v128.and(sub, splati(25)));
  const m = i32x4.add(v128.and(ix, splati(0x7fffff)), splati(SQRT_HALF_BITS));
  const f = f32x4.sub(m, splat(1));
  const y = logKernelv(f, f32x4.convert_i32x4_s(k), splat(0));
  const special = vselect(
    splat(-Infinity),
    vselect(splat(NaN), x, f32x4.lt(x, splat(0))),
    f32x4.eq(x, splat(0)),
  );
  return vselect(y, special, v128.and(f32x4.gt(x, splat(0)), f32x4.lt(x, splat(Infinity))));
}

export function log1p_f32x4(x: v128): v128 {
  const u = f32x4.add(splat(1), x);
  const iu = i32x4.add(u, splati(SQRT2_OFFSET));
  const k = i32x4.sub(i32x4.shr_s(iu, 23), splati(127));
  const cBig = f32x4.sub(splat(1), f32x4.sub(u, x));
  const cSmall = f32x4.sub(x, f32x4.sub(u, splat(1)));
  const c = f32x4.div(vselect(cBig, cSmall, i32x4.ge_s(k, splati(2))), u);
  const useX = i32x4.eq(k, splati(0));
  const m = i32x4.add(v128.and(iu, splati(0x7fffff)), splati(SQRT_HALF_BITS));
  const f = vselect(x, f32x4.sub(m, splat(1)), useX);
  const y = logKernelv(f, f32x4.convert_i32x4_s(k), vselect(splat(0), c, useX));
  const special = vselect(
    splat(-Infinity),
    vselect(splat(NaN), x, f32x4.lt(x, splat(-1))),
    f32x4.eq(x, splat(-1)),
  );
  const ok = v128.and(
    v128.and(f32x4.gt(x, splat(-1)), f32x4.lt(x, splat(Infinity))),
    f32x4.ge(f32x4.abs(x), splat(TINY)),
  );
  return vselect(y, special, ok);
}
