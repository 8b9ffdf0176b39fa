// Test-only module (dist/wasm/math-test.wasm): array wrappers around the math library,
// because JavaScript cannot pass or receive v128 values. It imports a shared memory
// `env.memory`; the caller places n f32 inputs at `inp` (and `inp2`) and reads n results
// at `out`. The f32x4 wrappers need n to be a multiple of 4.

import {
  exp_f32, log_f32, log1p_f32, expm1_f32, tanh_f32, sin_f32, cos_f32, logistic_f32,
  pow_f32, fmod_f32,
  exp_f32x4, log_f32x4, log1p_f32x4, expm1_f32x4, tanh_f32x4, sin_f32x4, cos_f32x4,
  logistic_f32x4, pow_f32x4,
} from "./math";

export function map_exp_f32(inp: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (i << 2), exp_f32(load<f32>(inp + (i << 2))));
}

export function map_exp_f32x4(inp: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(out + (i << 2), exp_f32x4(v128.load(inp + (i << 2))));
}

export function map_log_f32(inp: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (i << 2), log_f32(load<f32>(inp + (i << 2))));
}

export function map_log_f32x4(inp: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(out + (i << 2), log_f32x4(v128.load(inp + (i << 2))));
}

export function map_log1p_f32(inp: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (i << 2), log1p_f32(load<f32>(inp + (i << 2))));
}

export function map_log1p_f32x4(inp: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(out + (i << 2), log1p_f32x4(v128.load(inp + (i << 2))));
}

export function map_expm1_f32(inp: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (i << 2), expm1_f32(load<f32>(inp + (i << 2))));
}

export function map_expm1_f32x4(inp: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(out + (i << 2), expm1_f32x4(v128.load(inp + (i << 2))));
}

export function map_tanh_f32(inp: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (i << 2), tanh_f32(load<f32>(inp + (i << 2))));
}

export function map_tanh_f32x4(inp: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(out + (i << 2), tanh_f32x4(v128.load(inp + (i << 2))));
}

export function map_sin_f32(inp: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (i << 2), sin_f32(load<f32>(inp + (i << 2))));
}

export function map_sin_f32x4(inp: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(out + (i << 2), sin_f32x4(v128.load(inp + (i << 2))));
}

export function map_cos_f32(inp: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (i << 2), cos_f32(load<f32>(inp + (i << 2))));
}

export function map_cos_f32x4(inp: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(out + (i << 2), cos_f32x4(v128.load(inp + (i << 2))));
}

export function map_logistic_f32(inp: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (i << 2), logistic_f32(load<f32>(inp + (i << 2))));
}

export function map_logistic_f32x4(inp: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(out + (i << 2), logistic_f32x4(v128.load(inp + (i << 2))));
}

export function map_pow_f32(inp: usize, inp2: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    store<f32>(out + (i << 2), pow_f32(load<f32>(inp + (i << 2)), load<f32>(inp2 + (i << 2))));
  }
}

export function map_pow_f32x4(inp: usize, inp2: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    v128.store(out + (i << 2), pow_f32x4(v128.load(inp + (i << 2)), v128.load(inp2 + (i << 2))));
  }
}

export function map_fmod_f32(inp: usize, inp2: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    store<f32>(out + (i << 2), fmod_f32(load<f32>(inp + (i << 2)), load<f32>(inp2 + (i << 2))));
  }
}
