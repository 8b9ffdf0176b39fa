// W6 — an MLP forward pass, relu(x @ W1 + b1) @ W2 + b2, 784→256→10, over a batch of
// 1024 examples (64 with --quick), written for one example and vmapped, then jitted.

import type { Array as JaxArray } from "@jax-js/jax";
import { numpy as np, vmap } from "../../compiler/index.js";
import type { Array as WaxArray } from "../../compiler/index.js";
import type { Context } from "../context.js";
import { randomFloat32 } from "../harness.js";
import { gflopsNote, plainMatmul } from "./w3-matmul.js";
import { type JitSpec, runJitSpec, tfExprImpl } from "./spec.js";

const IN = 784, HIDDEN = 256, OUT = 10;

/** One example: x [784] → [10]. */
const mlp = (x: WaxArray, w1: WaxArray, b1: WaxArray, w2: WaxArray, b2: WaxArray) => np.dot(np.nn.relu(np.dot(x, w1).add(b1)), w2).add(b2);

export function specW6(batch: number): JitSpec {
  const x = randomFloat32(batch * IN, 61);
  const w1 = randomFloat32(IN * HIDDEN, 62, 1 / 28), b1 = randomFloat32(HIDDEN, 63, 0.1);
  const w2 = randomFloat32(HIDDEN * OUT, 64, 1 / 16), b2 = randomFloat32(OUT, 65, 0.1);
  const h = new Float32Array(batch * HIDDEN), out = new Float32Array(batch * OUT);
  const acc1 = new Float64Array(HIDDEN), acc2 = new Float64Array(OUT);
  return {
    id: "W6",
    name: `MLP 784→256→10, batch ${batch}`,
    inputs: [
      { data: x, shape: [batch, IN] },
      { data: w1, shape: [IN, HIDDEN] },
      { data: b1, shape: [HIDDEN] },
      { data: w2, shape: [HIDDEN, OUT] },
      { data: b2, shape: [OUT] },
    ],
    wax: vmap(mlp, [0, null, null, null, null]) as (...xs: WaxArray[]) => WaxArray,
    waxWhat: "jit(vmap(mlp, [0, null, null, null, null]))",
    jax: (jax) => {
      const np = jax.numpy;
      const one = (x: JaxArray, w1: JaxArray, b1: JaxArray, w2: JaxArray, b2: JaxArray) => np.dot(jax.nn.relu(np.dot(x, w1).add(b1)), w2).add(b2);
      return jax.vmap(one, [0, null, null, null, null]) as (...xs: JaxArray[]) => JaxArray;
    },
    jaxWhat: "jit(vmap(mlp, [0, null, null, null, null]))",
    plain: () => {
      plainMatmul(x, w1, batch, IN, HIDDEN, h, acc1);
      for (let i = 0; i < h.length; i++) h[i] = Math.max(h[i]! + b1[i % HIDDEN]!, 0);
      plainMatmul(h, w2, batch, HIDDEN, OUT, out, acc2);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! + b2[i % OUT]!;
      return out;
    },
    plainWhat: "batched loops (i-k-j matmuls)",
    tolerance: { rtol: 1e-3, atol: 1e-4 },
  };
}

export const sizesW6 = (quick: boolean) => (quick ? [64] : [1024]);

export async function w6Mlp(ctx: Context): Promise<void> {
  for (const batch of sizesW6(ctx.quick)) {
    const spec = specW6(batch);
    const tf = tfExprImpl(
      ctx,
      spec,
      "tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, W1), b1)), W2), b2)",
      (tf, [x, w1, b1, w2, b2]) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x!, w1!), b1!)), w2!), b2!),
      "no vmap: written for the batch, eager ops",
    );
    await runJitSpec(ctx, spec, tf, { flops: 2 * batch * (IN * HIDDEN + HIDDEN * OUT), finish: (row) => void (row.note = gflopsNote(row)) });
  }
}
