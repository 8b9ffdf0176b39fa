// wax's vectorised math library: the entry point of dist/wasm/math.wasm.
//
// Every function is pure (no memory, globals, imports or start function), so the wax
// backend can read this module with Binaryen, add its kernels and inline these calls.
// `name_f32` works on one f32; `name_f32x4` on the four f32 lanes of a v128 and returns,
// lane by lane, exactly what `name_f32` returns. wasm/README.md lists the error bounds.

export { exp_f32, expm1_f32, logistic_f32, tanh_f32 } from "./exp";
export { exp_f32x4, expm1_f32x4, logistic_f32x4, tanh_f32x4 } from "./exp";
export { log_f32, log1p_f32, log_f32x4, log1p_f32x4 } from "./log";
export { sin_f32, cos_f32, sin_f32x4, cos_f32x4 } from "./trig";
export { pow_f32, pow_f32x4 } from "./pow";
export { fmod_f32 } from "./fmod";
