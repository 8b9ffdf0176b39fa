// W2 — a batched dot product of two [N,128] float32 arrays, written as vmap of a vector
// dot (N = 10000; 1000 with --quick).

import { numpy as np, vmap } from "../../compiler/index.js";
import type { Array as WaxArray } from "../../compiler/index.js";
import type { Context } from "../context.js";
import { randomFloat32 } from "../harness.js";
import { type JitSpec, runJitSpec, tfExprImpl } from "./spec.js";

const D = 128;

export function specW2(rows: number): JitSpec {
  const a = randomFloat32(rows * D, 21), b = randomFloat32(rows * D, 22);
  const out = new Float32Array(rows);
  return {
    id: "W2",
    name: `batched dot f32[${rows},${D}]`,
    inputs: [
      { data: a, shape: [rows, D] },
      { data: b, shape: [rows, D] },
    ],
    wax: vmap((x: WaxArray, y: WaxArray) => np.dot(x, y)) as (x: WaxArray, y: WaxArray) => WaxArray,
    waxWhat: "jit(vmap(dot))",
    jax: (jax) => jax.vmap((x, y) => jax.numpy.dot(x, y)) as never,
    jaxWhat: "jit(vmap(dot))",
    plain: () => {
      for (let i = 0; i < rows; i++) {
        let s = 0;
        for (let k = i * D, end = k + D; k < end; k++) s += a[k]! * b[k]!;
        out[i] = s;
      }
      return out;
    },
    plainWhat: "loops over Float32Array",
    tolerance: { rtol: 1e-4, atol: 1e-4 },
  };
}

export const sizesW2 = (quick: boolean) => (quick ? [1000] : [10000]);

export async function w2BatchedDot(ctx: Context): Promise<void> {
  for (const rows of sizesW2(ctx.quick)) {
    const spec = specW2(rows);
    const tf = tfExprImpl(ctx, spec, "tf.sum(tf.mul(a, b), 1)", (tf, [a, b]) => tf.sum(tf.mul(a!, b!), 1), "no vmap: batched by hand");
    await runJitSpec(ctx, spec, tf);
  }
}
