// W3 — matmul of two n×n float32 matrices (n = 256, 512, 1024; 128 with --quick), with
// GFLOP/s. Target: wax ≥ 25 GFLOP/s at 1024.

import { numpy as np } from "../../compiler/index.js";
import type { Array as WaxArray } from "../../compiler/index.js";
import type { Row } from "../case.js";
import type { Context } from "../context.js";
import { randomFloat32 } from "../harness.js";
import { type JitSpec, runJitSpec, tfExprImpl } from "./spec.js";

/** C = A·B, row-major, i-k-j order (the cache-friendly loop order a careful user writes). */
export function plainMatmul(A: Float32Array, B: Float32Array, m: number, k: number, n: number, C: Float32Array, acc = new Float64Array(n)): Float32Array {
  for (let i = 0; i < m; i++) {
    acc.fill(0);
    for (let p = 0; p < k; p++) {
      const a = A[i * k + p]!;
      const row = p * n;
      for (let j = 0; j < n; j++) acc[j] += a * B[row + j]!;
    }
    C.set(acc, i * n);
  }
  return C;
}

export function specW3(n: number): JitSpec {
  const A = randomFloat32(n * n, 31, 0.5), B = randomFloat32(n * n, 32, 0.5);
  const C = new Float32Array(n * n), acc = new Float64Array(n);
  return {
    id: "W3",
    name: `matmul f32 ${n}×${n}`,
    inputs: [
      { data: A, shape: [n, n] },
      { data: B, shape: [n, n] },
    ],
    wax: (a: WaxArray, b: WaxArray) => np.matmul(a, b),
    waxWhat: "jit(matmul)",
    jax: (jax) => (a, b) => jax.numpy.matmul(a, b),
    jaxWhat: "jit(matmul)",
    plain: () => plainMatmul(A, B, n, n, n, C, acc),
    plainWhat: "i-k-j loops, float64 row accumulator",
    tolerance: { rtol: 1e-3, atol: 1e-3 },
  };
}

export function gflopsNote(row: Row): string {
  return `GFLOP/s: ${Object.entries(row.gflops ?? {}).map(([lib, g]) => `${lib} ${g.toFixed(1)}`).join(", ")}`;
}

export const sizesW3 = (quick: boolean) => (quick ? [128] : [256, 512, 1024]);

export async function w3Matmul(ctx: Context): Promise<void> {
  for (const n of sizesW3(ctx.quick)) {
    const spec = specW3(n);
    const tf = tfExprImpl(ctx, spec, "tf.matMul", (tf, [a, b]) => tf.matMul(a!, b!));
    await runJitSpec(ctx, spec, tf, {
      flops: 2 * n ** 3,
      finish: (row) => {
        row.note = gflopsNote(row);
        const g = row.gflops?.wax;
        if (n === 1024 && g !== undefined) row.target = { text: "wax ≥ 25 GFLOP/s", value: `${g.toFixed(2)} GFLOP/s`, met: g >= 25 };
        if (n === Math.max(...sizesW3(ctx.quick)) && n !== 1024 && g !== undefined) {
          row.target = { text: "wax ≥ 25 GFLOP/s at 1024", value: `${g.toFixed(1)} GFLOP/s at ${n}`, met: null };
        }
      },
    });
  }
}
