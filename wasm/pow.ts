// pow in f32, scalar and four lanes at a time (lanes match the scalar bit for bit), with
// C99 powf's special cases.
//
// |x|^y = 2^(y·log2|x|), computed in f64 so that y·log2|x| keeps the ~32 bits an f32
// result needs (an f32 log would lose the low bits of large products):
//   |x| = 2^k·m, m in [√2/2, √2) (split in f32, as in log.ts), f = m − 1, s = f/(2 + f),
//   log2 m = 2·atanh(s)/ln 2, a polynomial in s² (relative error 2^-45)
//   t = y·(k + log2 m), n = round(t), 2^t = 2^n·2^(t−n), 2^(t−n) a polynomial of
//   degree 7 (relative error 2^-33)
// and one rounding to f32 at the end, which also produces overflow to Infinity and
// (correctly rounded) subnormal and zero results. The sign and the special cases are
// applied afterwards in f32.

import { splatd, splat, splati, vselect, lowHalf, highHalf, narrow, clamp, clampdv } from "./lanes";

// log2(1 + f) = s·(L0 + L1·z + ... + L5·z^5), z = s², |s| < 0.172, and 2^r = 1 + r·(X0 +
// X1·r + ... + X6·r^6), |r| ≤ 1/2: Chebyshev fits made by wasm/pow-coefficients.py,
// relative errors 2^-45 and 2^-33.
const L0: f64 = 2.885390081777851;
const L1: f64 = 0.9617966941122649;
const L2: f64 = 0.5770779426603044;
const L3: f64 = 0.41220922406110433;
const L4: f64 = 0.31990680380701336;
const L5: f64 = 0.28288502340748234;
const X0: f64 = 0.6931471805599453;
const X1: f64 = 0.24022650922288757;
const X2: f64 = 0.055504108839096185;
const X3: f64 = 0.009618056678524637;
const X4: f64 = 0.001333350238616277;
const X5: f64 = 0.0001546144469856913;
const X6: f64 = 1.5297323760701075e-5;

// Adding 1.5·2^52 rounds |t| < 2^51 to an integer n, which then sits in the low bits.
const ROUNDER: f64 = 6755399441055744.0;
// 2^±200 over- or underflows any f32 whatever the polynomial says.
const T_LIMIT: f64 = 200;

const SQRT_HALF_BITS: i32 = 0x3f3504f3;
const SQRT2_OFFSET: i32 = 0x3f800000 - 0x3f3504f3;
const MIN_NORMAL: f32 = 1.1754943508222875e-38;
const TWO23: f32 = 8388608;
const SIGN: i32 = 0x80000000;

// ---- scalar ------------------------------------------------------------------------

@inline function log2Wide(k: f64, f: f64): f64 {
  const s = f / (<f64>2 + f);
  const z = s * s;
  return k + s * (L0 + z * (L1 + z * (L2 + z * (L3 + z * (L4 + z * L5)))));
}

@inline function exp2Wide(t: f64): f64 {
  const tc = clamp<f64>(t, -T_LIMIT, T_LIMIT);
  const big = tc + ROUNDER;
  const r = tc - (big - ROUNDER);
  const p = <f64>1 + r * (X0 + r * (X1 + r * (X2 + r * (X3 + r * (X4 + r * (X5 + r * X6))))));
  return p * reinterpret<f64>((reinterpret<i64>(big) + 1023) << 52);
}

export function pow_f32(x: f32, y: f32): f32 {
  const ax = abs<f32>(x);
  const sub = ax < MIN_NORMAL;
  const ix = reinterpret<i32>(select<f32>(ax * TWO23, ax, sub)) + SQRT2_OFFSET;
  let k = <f32>((ix >> 23) - 127 - select<i32>(23, 0, sub));
  const f = reinterpret<f32>((ix & 0x7fffff) + SQRT_HALF_BITS) - 1;
  // log2 of 0, Infinity and NaN through k: −Infinity, Infinity, NaN
  k = select<f32>(k, ax, ax < Infinity);
  k = select<f32>(-Infinity, k, ax == 0);
  let res = <f32>exp2Wide(<f64>y * log2Wide(<f64>k, <f64>f));

  const yInt = trunc<f32>(y) == y; // ±Infinity counts as an even integer
  const half = y * 0.5;
  const yOdd = yInt & (trunc<f32>(half) != half);
  // negative base: odd y flips the sign (also for −0 and −Infinity), a non-integer y is NaN
  res = reinterpret<f32>(reinterpret<i32>(res) ^ (reinterpret<i32>(x) & select<i32>(SIGN, 0, yOdd)));
  res = select<f32>(NaN, res, (x < 0) & (x > -Infinity) & !yInt);
  // pow(x, ±0) = 1 (even for NaN), pow(1, y) = 1 (even for NaN), pow(−1, ±Infinity) = 1
  const one = (y == 0) | (x == 1) | ((x == -1) & (abs<f32>(y) == Infinity));
  return select<f32>(1, res, one);
}

// ---- SIMD (four f32 lanes, the wide part as two f64x2 halves) ----------------------

@inline function log2Widev(k: v128, f: v128): v128 {
  const s = f64x2.div(f, f64x2.add(splatd(2), f));
  const z = f64x2.mul(s, s);
  let p = f64x2.add(splatd(L4), f64x2.mul(z, splatd(L5)));
  p = f64x2.add(splatd(L3), f64x2.mul(z, p));
  p = f64x2.add(splatd(L2), f64x2.mul(z, p));
  p = f64x2.add(splatd(L1), f64x2.mul(z, p));
  p = f64x2.add(splatd(L0), f64x2.mul(z, p));
  return f64x2.add(k, f64x2.mul(s, p));
}

@inline function exp2Widev(t: v128): v128 {
  const tc = clampdv(t, -T_LIMIT, T_LIMIT);
  const big = f64x2.add(tc, splatd(ROUNDER));
  const r = f64x2.sub(tc, f64x2.sub(big, splatd(ROUNDER)));
  let p = f64x2.add(splatd(X5), f64x2.mul(r, splatd(X6)));
  p = f64x2.add(splatd(X4), f64x2.mul(r, p));
  p = f64x2.add(splatd(X3), f64x2.mul(r, p));
  p = f64x2.add(splatd(X2), f64x2.mul(r, p));
  p = f64x2.add(splatd(X1), f64x2.mul(r, p));
  p = f64x2.add(splatd(X0), f64x2.mul(r, p));
  p = f64x2.add(splatd(1), f64x2.mul(r, p));
  return f64x2.mul(p, i64x2.shl(i64x2.add(big, i64x2.splat(1023)), 52));
}

export function pow_f32x4(x: v128, y: v128): v128 {
  const ax = f32x4.abs(x);
  const sub = f32x4.lt(ax, splat(MIN_NORMAL));
  const ix = i32x4.add(vselect(f32x4.mul(ax, splat(TWO23)), ax, sub), splati(SQRT2_OFFSET));
  const ki = i32x4.sub(i32x4.sub(i32x4.shr_s(ix, 23), splati(127)), v128.and(sub, splati(23)));
  let k = f32x4.convert_i32x4_s(ki);
  const f = f32x4.sub(i32x4.add(v128.and(ix, splati(0x7fffff)), splati(SQRT_HALF_BITS)), splat(1));
  k = vselect(k, ax, f32x4.lt(ax, splat(Infinity)));
  k = vselect(splat(-Infinity), k, f32x4.eq(ax, splat(0)));
  const tLo = f64x2.mul(lowHalf(y), log2Widev(lowHalf(k), lowHalf(f)));
  const tHi = f64x2.mul(highHalf(y), log2Widev(highHalf(k), highHalf(f)));
  let res = narrow(exp2Widev(tLo), exp2Widev(tHi));

  const yInt = f32x4.eq(f32x4.trunc(y), y);
  const half = f32x4.mul(y, splat(0.5));
  const yOdd = v128.and(yInt, f32x4.ne(f32x4.trunc(half), half));
  res = v128.xor(res, v128.and(x, v128.and(yOdd, splati(SIGN))));
  const negBase = v128.and(f32x4.lt(x, splat(0)), f32x4.gt(x, splat(-Infinity)));
  res = vselect(splat(NaN), res, v128.andnot(negBase, yInt));
  const one = v128.or(
    v128.or(f32x4.eq(y, splat(0)), f32x4.eq(x, splat(1))),
    v128.and(f32x4.eq(x, splat(-1)), f32x4.eq(f32x4.abs(y), splat(Infinity))),
  );
  return vselect(splat(1), res, one);
}
