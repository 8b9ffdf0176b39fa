// W11 — eager temporaries: `np.exp(x)` on f32[4096,1024], timed while each call alternates
// with `np.sum(np.exp(x), -1)`, whose 16 MB `np.exp(x)` is a temporary nobody disposes.
// The timed `np.exp(x)` is computed (blockUntilReady) and freed as every timed call in
// this benchmark is; the temporary is not. Eager elementwise results wait until they are
// read, so the temporary is fused into the sum's kernel and never takes memory: the next
// `np.exp(x)` reuses the block the last one freed instead of landing on fresh pages.
// Target: within 1.2× of `np.exp(x)` alone, measured in the same run.

import { numpy as np } from "../../compiler/index.js";
import { outcome } from "../case.js";
import { type Context, na, plainImpl } from "../context.js";
import { formatRatio, formatTime, randomFloat32 } from "../harness.js";

export async function w11Temporaries(ctx: Context): Promise<void> {
  const [rows, cols] = ctx.quick ? [512, 1024] : [4096, 1024];
  const n = rows * cols;
  const xs = randomFloat32(n, 101, 2);
  const x = np.array(xs, { shape: [rows, cols] });
  const out = new Float32Array(n);
  const plain = () => {
    for (let i = 0; i < n; i++) out[i] = Math.exp(xs[i]!);
    return out;
  };
  const expAlone = () => np.exp(x).blockUntilReady().dispose();
  // The sum's result is small (a JS typed array, nothing to dispose); its temporary is never made.
  const sumOfExp = () => np.sum(np.exp(x), -1).blockUntilReady();
  await ctx.run({
    id: "W11",
    name: `np.exp f32[${rows},${cols}] alternating with np.sum(np.exp(x), -1), eager`,
    tolerance: { rtol: 2e-6, atol: 0 },
    reference: plain,
    impls: [
      {
        lib: "wax",
        what: "eager np.exp, the sum's temporary not disposed",
        result: () => {
          const y = np.exp(x);
          const data = y.data();
          y.dispose();
          return data;
        },
        call: () => {
          expAlone();
          sumOfExp();
        },
      },
      plainImpl("loop with Math.exp", plain),
      na("jax-js", "not measured: a wax memory workload"),
      na("tfjs", "not measured: a wax memory workload"),
    ],
    finish: (row) => {
      if (!outcome(row, "wax")?.timing) return x.dispose();
      // np.exp's own time, alone and alternating with the sum, in interleaved samples so
      // that load on the machine falls on both alike.
      const loops = ctx.quick ? 3 : 6, repeats = ctx.quick ? 3 : 9;
      const sample = (withSum: boolean) => {
        let spent = 0;
        for (let i = 0; i < loops; i++) {
          const t0 = performance.now();
          expAlone();
          spent += performance.now() - t0;
          if (withSum) sumOfExp();
        }
        return (spent * 1000) / loops;
      };
      const alone: number[] = [], paired: number[] = [];
      for (let r = 0; r < repeats; r++) {
        alone.push(sample(false));
        paired.push(sample(true));
      }
      const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
      const r = median(paired) / median(alone);
      row.note = `np.exp alone ${formatTime(median(alone))}, alternating with the sum ${formatTime(median(paired))} (medians of ${repeats} interleaved samples of ${loops} calls)`;
      row.target = { text: "np.exp alternating ≤ 1.2× np.exp alone", value: formatRatio(r), met: r <= 1.2 };
      x.dispose();
    },
  });
}
