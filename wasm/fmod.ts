// fmod in f32: C fmodf, the exact remainder x − trunc(x/y)·y with the sign of x.
//
// Only scalar (there is no SIMD form): |x| = mx·2^ex and |y| = my·2^ey with integer
// mantissas below 2^24, so the remainder is (mx·2^(ex−ey) mod my)·2^ey, which i64
// arithmetic computes exactly 39 bits of exponent difference at a time.

export function fmod_f32(x: f32, y: f32): f32 {
  const bx = reinterpret<u32>(x);
  const ux = bx & 0x7fffffff;
  const uy = reinterpret<u32>(y) & 0x7fffffff;
  // NaN for y = ±0, x = ±Infinity or a NaN operand
  if (uy == 0 || ux >= 0x7f800000 || uy > 0x7f800000) return NaN;
  if (ux < uy) return x; // |x| < |y| (and y = ±Infinity): x itself, ±0 included
  // exponent and integer mantissa, subnormals with exponent 1 and no hidden bit
  const ex = max<u32>(ux >> 23, 1);
  const ey = max<u32>(uy >> 23, 1);
  let mx = <u64>((ux & 0x7fffff) | (ux >= 0x800000 ? 0x800000 : 0));
  const my = <u64>((uy & 0x7fffff) | (uy >= 0x800000 ? 0x800000 : 0));
  let d = ex - ey; // ≥ 0 since |x| ≥ |y|
  while (d > 39) {
    mx = (mx << 39) % my; // mx < 2^24, so mx << 39 < 2^63
    d -= 39;
  }
  mx = (mx << d) % my;
  // mx·2^(ey − 150) is an f32 (the remainder is a multiple of y's ulp below |y|):
  // exact in f64, then exact in f32
  const scale = reinterpret<f64>(<u64>(ey - 150 + 1023) << 52);
  const r = <f32>(<f64>mx * scale);
  return reinterpret<f32>(reinterpret<u32>(r) | (bx & 0x80000000));
}
