// W4 — an elementwise chain, tanh(x * w + x) * 0.5, over 1e6 and 1e7 float32 elements
// (1e5 with --quick): one fused loop in wax. Target: wax ≥ 8× plain JS at 1e7.

import { numpy as np } from "../../compiler/index.js";
import type { Array as WaxArray } from "../../compiler/index.js";
import type { Context } from "../context.js";
import { formatRatio, randomFloat32 } from "../harness.js";
import { type JitSpec, runJitSpec, tfExprImpl } from "./spec.js";

export function specW4(n: number): JitSpec {
  const x = randomFloat32(n, 41, 3), w = randomFloat32(n, 42);
  const out = new Float32Array(n);
  return {
    id: "W4",
    name: `tanh(x*w+x)*0.5 f32[${n.toExponential().replace("e+", "e")}]`,
    inputs: [
      { data: x, shape: [n] },
      { data: w, shape: [n] },
    ],
    wax: (x: WaxArray, w: WaxArray) => np.tanh(x.mul(w).add(x)).mul(0.5),
    waxWhat: "jit, one fused loop",
    jax: (jax) => (x, w) => jax.numpy.tanh(x.ref.mul(w).add(x)).mul(0.5),
    jaxWhat: "jit",
    plain: () => {
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]! * w[i]! + x[i]!) * 0.5;
      return out;
    },
    plainWhat: "loop with Math.tanh",
    tolerance: { rtol: 1e-5, atol: 1e-6 },
  };
}

export const sizesW4 = (quick: boolean) => (quick ? [1e5] : [1e6, 1e7]);

export async function w4Elementwise(ctx: Context): Promise<void> {
  const sizes = sizesW4(ctx.quick);
  for (const n of sizes) {
    const spec = specW4(n);
    const tf = tfExprImpl(ctx, spec, "4 eager ops (tf.mul, tf.add, tf.tanh, tf.mul)", (tf, [x, w]) => tf.mul(tf.tanh(tf.add(tf.mul(x!, w!), x!)), 0.5), "no jit: 4 ops, 4 passes over memory");
    await runJitSpec(ctx, spec, tf, {
      finish: (row) => {
        const r = row.ratios["plain JS"];
        if (n !== sizes[sizes.length - 1] || r === undefined) return;
        row.target = { text: "wax ≥ 8× plain JS at 1e7", value: formatRatio(r), met: n === 1e7 ? r >= 8 : null };
      },
    });
  }
}
