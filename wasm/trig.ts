// sin and cos in f32, scalar and four lanes at a time (lanes match the scalar bit for
// bit).
//
// Both work in f64 (two f64x2 halves per v128), which makes the range reduction exact
// enough for every f32 input with |x| < 2^32·π/2 ≈ 6.7e9 and leaves one rounding, to f32,
// at the end:
//   a = |x|, q = round(a·2/π), r = a − q·π/2 in [−π/4, π/4]   (Cody–Waite, three parts)
//   sin(a) = ±sin r or ±cos r by q mod 4, each a short polynomial in r (musl's __sindf
//   and __cosdf, |error| < 2^-37.5 and 2^-34.1 relative).
// π/2 = PIO2_1 + PIO2_2 + PIO2_3 + O(2^-103): PIO2_1 and PIO2_2 have 21 significant bits,
// so q·PIO2_1 and q·PIO2_2 are exact for q < 2^32, and so are the first two subtractions.
// Beyond |x| = 2^32·π/2, q·PIO2_1 is rounded: the absolute error grows like |x|·2^-53
// (about 1e-5 at 1e11, 1e-3 at 1e13, 0.06 at 1e15) and past ~1e15 the result is just some
// value in [−1, 1]. There is no Payne–Hanek reduction (it needs a table of 2/π's bits).

import { splatd, splati, vselect, lowHalf, highHalf, narrow, clamp, clampv } from "./lanes";

const TWO_OVER_PI: f64 = 0.6366197723675814;
// Adding 1.5·2^52 rounds |v| < 2^51 to an integer q, whose low 32 bits then are the low
// word of the sum: q mod 4 stays right far beyond the i32 range.
const ROUNDER: f64 = 6755399441055744.0;
const PIO2_1: f64 = 1.570796012878418; // 0x1.921fb0p+0
const PIO2_2: f64 = 3.139164164167596e-7; // 0x1.5110b0p-22
const PIO2_3: f64 = 6.223372171896613e-14; // 0x1.18469898cc517p-44

// sin r ≈ r + r³·(S1 + z·S2) + r³·z²·(S3 + z·S4), z = r²
const S1: f64 = -0.166666666416265235595;
const S2: f64 = 0.0083333293858894631756;
const S3: f64 = -0.000198393348360966317347;
const S4: f64 = 0.0000027183114939898219064;
// cos r ≈ 1 + z·C0 + z²·C1 + z³·(C2 + z·C3)
const C0: f64 = -0.49999999725103100312;
const C1: f64 = 0.0416666233237390631894;
const C2: f64 = -0.00138867637746099294692;
const C3: f64 = 0.0000243904487962774090654;

const SIGN: i32 = 0x80000000;

// ---- scalar ------------------------------------------------------------------------

@inline function sinPoly(r: f64, z: f64): f64 {
  const w = z * z;
  const s = z * r;
  return r + s * (S1 + z * S2) + s * w * (S3 + z * S4);
}

@inline function cosPoly(z: f64): f64 {
  const w = z * z;
  return <f64>1 + z * C0 + w * C1 + w * z * (C2 + z * C3);
}

@inline function trig(x: f32, cosine: bool): f32 {
  const a = <f64>abs<f32>(x);
  const big = a * TWO_OVER_PI + ROUNDER;
  const fn = big - ROUNDER;
  const r = a - fn * PIO2_1 - fn * PIO2_2 - fn * PIO2_3;
  const q = <i32>reinterpret<i64>(big); // the quadrant is q mod 4
  const z = r * r;
  const s = <f32>sinPoly(r, z);
  const c = <f32>cosPoly(z);
  // sin(r + qπ/2) = sin r, cos r, −sin r, −cos r; cos(r + qπ/2) = cos r, −sin r, −cos r, sin r
  let y: f32, sign: i32;
  if (cosine) {
    y = select<f32>(s, c, (q & 1) != 0);
    sign = ((q + 1) & 2) << 30;
  } else {
    y = select<f32>(c, s, (q & 1) != 0);
    sign = ((q & 2) << 30) ^ (reinterpret<i32>(x) & SIGN); // sin is odd
  }
  y = reinterpret<f32>(reinterpret<i32>(y) ^ sign);
  return clamp<f32>(y, -1, 1); // only matters far beyond the reduction's range
}

export function sin_f32(x: f32): f32 {
  return trig(x, false);
}

export function cos_f32(x: f32): f32 {
  return trig(x, true);
}

// ---- SIMD (four f32 lanes, as two f64x2 halves) ------------------------------------

@inline function reducev(a: v128, fn: v128): v128 {
  let r = f64x2.sub(a, f64x2.mul(fn, splatd(PIO2_1)));
  r = f64x2.sub(r, f64x2.mul(fn, splatd(PIO2_2)));
  return f64x2.sub(r, f64x2.mul(fn, splatd(PIO2_3)));
}

@inline function sinPolyv(r: v128, z: v128): v128 {
  const w = f64x2.mul(z, z);
  const s = f64x2.mul(z, r);
  const p = f64x2.add(r, f64x2.mul(s, f64x2.add(splatd(S1), f64x2.mul(z, splatd(S2)))));
  return f64x2.add(p, f64x2.mul(f64x2.mul(s, w), f64x2.add(splatd(S3), f64x2.mul(z, splatd(S4)))));
}

@inline function cosPolyv(z: v128): v128 {
  const w = f64x2.mul(z, z);
  const p = f64x2.add(f64x2.add(splatd(1), f64x2.mul(z, splatd(C0))), f64x2.mul(w, splatd(C1)));
  return f64x2.add(p, f64x2.mul(f64x2.mul(w, z), f64x2.add(splatd(C2), f64x2.mul(z, splatd(C3)))));
}

@inline function trigv(x: v128, cosine: bool): v128 {
  const a = f32x4.abs(x);
  const aLo = lowHalf(a);
  const aHi = highHalf(a);
  const bigLo = f64x2.add(f64x2.mul(aLo, splatd(TWO_OVER_PI)), splatd(ROUNDER));
  const bigHi = f64x2.add(f64x2.mul(aHi, splatd(TWO_OVER_PI)), splatd(ROUNDER));
  const rLo = reducev(aLo, f64x2.sub(bigLo, splatd(ROUNDER)));
  const rHi = reducev(aHi, f64x2.sub(bigHi, splatd(ROUNDER)));
  const zLo = f64x2.mul(rLo, rLo);
  const zHi = f64x2.mul(rHi, rHi);
  const s = narrow(sinPolyv(rLo, zLo), sinPolyv(rHi, zHi));
  const c = narrow(cosPolyv(zLo), cosPolyv(zHi));
  const q = i32x4.shuffle(bigLo, bigHi, 0, 2, 4, 6); // low words
  const odd = i32x4.eq(v128.and(q, splati(1)), splati(1));
  let y: v128, sign: v128;
  if (cosine) {
    y = vselect(s, c, odd);
    sign = i32x4.shl(v128.and(i32x4.add(q, splati(1)), splati(2)), 30);
  } else {
    y = vselect(c, s, odd);
    sign = v128.xor(i32x4.shl(v128.and(q, splati(2)), 30), v128.and(x, splati(SIGN)));
  }
  y = v128.xor(y, sign);
  return clampv(y, -1, 1);
}

export function sin_f32x4(x: v128): v128 {
  return trigv(x, false);
}

export function cos_f32x4(x: v128): v128 {
  return trigv(x, true);
}
