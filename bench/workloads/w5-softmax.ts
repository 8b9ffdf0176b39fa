// W5 — softmax along the last axis of a [4096,1024] float32 array ([256,1024] with
// --quick): np.nn.softmax(x, -1), a max, an exp, a sum and a divide per row.

import { numpy as np } from "../../compiler/index.js";
import type { Array as WaxArray } from "../../compiler/index.js";
import type { Context } from "../context.js";
import { randomFloat32 } from "../harness.js";
import { type JitSpec, runJitSpec, tfExprImpl } from "./spec.js";

const COLS = 1024;

export function specW5(rows: number): JitSpec {
  const x = randomFloat32(rows * COLS, 51, 4);
  const out = new Float32Array(rows * COLS), e = new Float64Array(COLS);
  return {
    id: "W5",
    name: `softmax f32[${rows},${COLS}], last axis`,
    inputs: [{ data: x, shape: [rows, COLS] }],
    wax: (x: WaxArray) => np.nn.softmax(x, -1),
    waxWhat: "jit(nn.softmax(x, -1))",
    jax: (jax) => (x) => jax.nn.softmax(x, -1),
    jaxWhat: "jit(nn.softmax(x, -1))",
    plain: () => {
      for (let r = 0; r < rows; r++) {
        const base = r * COLS;
        let max = -Infinity;
        for (let j = 0; j < COLS; j++) max = Math.max(max, x[base + j]!);
        let sum = 0;
        for (let j = 0; j < COLS; j++) sum += e[j] = Math.exp(x[base + j]! - max);
        for (let j = 0; j < COLS; j++) out[base + j] = e[j]! / sum;
      }
      return out;
    },
    plainWhat: "loops per row (max, exp, sum, divide)",
    tolerance: { rtol: 1e-4, atol: 1e-7 },
  };
}

export const sizesW5 = (quick: boolean) => (quick ? [256] : [4096]);

export async function w5Softmax(ctx: Context): Promise<void> {
  for (const rows of sizesW5(ctx.quick)) {
    const spec = specW5(rows);
    await runJitSpec(ctx, spec, tfExprImpl(ctx, spec, "tf.softmax(x)", (tf, [x]) => tf.softmax(x!)));
  }
}
