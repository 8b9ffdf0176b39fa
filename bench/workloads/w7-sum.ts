// W7 — the sum of 1e7 float32 elements (1e6 with --quick), against a memory-bandwidth
// bound measured in the same run: half of a TypedArray.set copy of the same data (a copy
// reads and writes; a sum only reads). Target: wax ≤ 1.5× the bound.

import { numpy as np } from "../../compiler/index.js";
import type { Array as WaxArray } from "../../compiler/index.js";
import { outcome } from "../case.js";
import type { Context } from "../context.js";
import { formatRatio, formatTime, randomFloat32, time } from "../harness.js";
import { type JitSpec, runJitSpec, tfExprImpl } from "./spec.js";

export function specW7(n: number): JitSpec {
  const x = randomFloat32(n, 71).map((v) => (v + 1) / 2); // in [0, 1): no cancellation
  const out = new Float32Array(1);
  return {
    id: "W7",
    name: `sum f32[${n.toExponential().replace("e+", "e")}]`,
    inputs: [{ data: x, shape: [n] }],
    wax: (x: WaxArray) => np.sum(x),
    waxWhat: "jit(sum)",
    jax: (jax) => (x) => jax.numpy.sum(x),
    jaxWhat: "jit(sum)",
    plain: () => {
      let s = 0;
      for (let i = 0; i < n; i++) s += x[i]!;
      out[0] = s;
      return out;
    },
    plainWhat: "loop, float64 accumulator",
    tolerance: { rtol: 1e-4, atol: 0 }, // float32 accumulation over 1e7 terms
  };
}

export const sizesW7 = (quick: boolean) => (quick ? [1e6] : [1e7]);

export async function w7Sum(ctx: Context): Promise<void> {
  for (const n of sizesW7(ctx.quick)) {
    const spec = specW7(n);
    await runJitSpec(ctx, spec, tfExprImpl(ctx, spec, "tf.sum(x)", (tf, [x]) => tf.sum(x!)), {
      finish: (row) => {
        const src = spec.inputs[0]!.data, dst = new Float32Array(n);
        const bound = time(() => dst.set(src), ctx.timing).median / 2;
        row.note = `bandwidth bound (½ of a ${((n * 4) / 1e6).toFixed(0)} MB TypedArray.set copy): ${formatTime(bound)}`;
        const wax = outcome(row, "wax")?.timing;
        if (wax) {
          const r = wax.median / bound;
          row.target = { text: "wax ≤ 1.5× bandwidth bound", value: `${formatRatio(r)} (bound ${formatTime(bound)})`, met: r <= 1.5 };
        }
      },
    });
  }
}
