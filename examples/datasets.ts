// Synthetic data for the training examples, from a seeded PRNG so every run prints the
// same figures: a linearly separable-with-noise binary problem, and two moons.

import { numpy as np } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";

/** mulberry32: a small, fast, seeded uniform generator. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed | 0;
  }
  /** Uniform in [0, 1). */
  uniform(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Standard normal, by Box–Muller. */
  normal(): number {
    const u = 1 - this.uniform(), v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** A float32 array of normals times `scale`. */
  normals(shape: number[], scale = 1): WaxArray {
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => this.normal() * scale);
    return np.array(data, { shape });
  }
}

export interface Dataset {
  /** Features, [n, d], float32. */
  x: WaxArray;
  /** Labels 0/1, [n], float32. */
  y: WaxArray;
}

/**
 * n points x ~ N(0, I) in d dimensions, labelled 1 when w·x + b + noise > 0 for a fixed
 * w, b, and Gaussian noise of the given scale (so the classes overlap a little).
 */
export function noisyLinear(n: number, w: readonly number[], b: number, noise: number, seed: number): Dataset {
  const rng = new Rng(seed), d = w.length;
  const x = new Float32Array(n * d), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let z = b + noise * rng.normal();
    for (let j = 0; j < d; j++) z += w[j]! * (x[i * d + j] = rng.normal());
    y[i] = z > 0 ? 1 : 0;
  }
  return { x: np.array(x, { shape: [n, d] }), y: np.array(y, { shape: [n] }) };
}

/** scikit-learn's make_moons: two interleaved half circles, n/2 points each, with Gaussian noise. */
export function twoMoons(n: number, noise: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 2), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const upper = i < n / 2, t = Math.PI * rng.uniform();
    const [px, py] = upper ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
    x[2 * i] = px + noise * rng.normal();
    x[2 * i + 1] = py + noise * rng.normal();
    y[i] = upper ? 0 : 1;
  }
  return { x: np.array(x, { shape: [n, 2] }), y: np.array(y, { shape: [n] }) };
}
