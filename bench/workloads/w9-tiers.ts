// W9, steady state by code generator: W2–W7's jitted functions compiled by the direct
// encoder (what jit runs) and by the direct encoder followed by Binaryen (its -O0 cleanup
// plus inlining of the math library into kernels: what jit emitted before; and -O2, what
// `wax compile` emits), timed alternately in this run (fastest samples: see alternate).
// Target: the direct encoder within 10% of Binaryen's output.

import { jit } from "../../compiler/index.js";
import type { Array as WaxArray } from "../../compiler/index.js";
import { outcome } from "../case.js";
import { type Context, na, waxImpl } from "../context.js";
import { type Timing, time } from "../harness.js";
import { sizesW2, specW2 } from "./w2-batched-dot.js";
import { sizesW3, specW3 } from "./w3-matmul.js";
import { sizesW4, specW4 } from "./w4-elementwise.js";
import { sizesW5, specW5 } from "./w5-softmax.js";
import { sizesW6, specW6 } from "./w6-mlp.js";
import { sizesW7, specW7 } from "./w7-sum.js";
import { type JitSpec, plainAndReference, waxArrays } from "./spec.js";

type Call = () => void;

function compiled(spec: JitSpec, xs: WaxArray[], opts: { binaryen?: boolean; optimize?: number }): Call {
  const f = jit(spec.wax).lower(...xs).compile(opts);
  return () => (f(...xs) as WaxArray).dispose();
}

/**
 * Short rounds, alternating between the calls so that load from other processes hits all
 * alike; each call's fastest sample. On a shared machine the fastest sample is the
 * steadiest estimate of the code's own speed (medians move with the neighbours' load).
 */
function alternate(calls: Call[], rounds: number, opts: { repeats: number; warmMs: number; budgetMs: number }): Timing[] {
  calls.forEach((c) => time(c, { ...opts, repeats: 1, warmMs: 10 * opts.warmMs }));
  const best: (Timing | undefined)[] = calls.map(() => undefined);
  for (let r = 0; r < rounds; r++) {
    calls.forEach((c, i) => {
      const t = time(c, opts);
      if (!best[i] || t.min < best[i]!.min) best[i] = { ...t, median: t.min };
    });
  }
  return best as Timing[];
}

export async function w9Tiers(ctx: Context): Promise<void> {
  const last = <T>(xs: T[]) => xs[xs.length - 1]!;
  const specs = [
    specW2(last(sizesW2(ctx.quick))),
    specW3(last(sizesW3(ctx.quick))),
    specW4(last(sizesW4(ctx.quick))),
    specW5(last(sizesW5(ctx.quick))),
    specW6(last(sizesW6(ctx.quick))),
    specW7(last(sizesW7(ctx.quick))),
  ];
  const timing = ctx.quick ? { repeats: 3, warmMs: 20, budgetMs: 300 } : { repeats: 3, warmMs: 20, budgetMs: 500 };
  for (const spec of specs) {
    const xs = waxArrays(spec.inputs);
    const { reference } = plainAndReference(spec);
    await ctx.run({
      id: "W9",
      name: `steady ${spec.id} ${spec.name}: direct encoder vs Binaryen`,
      tolerance: spec.tolerance,
      reference,
      impls: [waxImpl("jit, direct encoder", jit(spec.wax), xs), na("plain JS", "see its own row"), na("jax-js", "see its own row"), na("tfjs", "see its own row")],
      finish: (row) => {
        const direct = compiled(spec, xs, {});
        const b0 = compiled(spec, xs, { binaryen: true });
        const b2 = compiled(spec, xs, { optimize: 2 });
        const [td, t0, t2] = alternate([direct, b0, b2], ctx.quick ? 3 : 10, timing);
        const us = (t: Timing) => (t.median >= 1000 ? `${(t.median / 1000).toFixed(2)} ms` : `${t.median.toFixed(1)} µs`);
        row.note = `direct ${us(td!)}, Binaryen -O0 with the math library inlined ${us(t0!)}, Binaryen -O2 ${us(t2!)} (fastest samples of ${ctx.quick ? 3 : 10} alternating rounds)`;
        const ratio = td!.median / t0!.median;
        if (outcome(row, "wax")) row.target = { text: "direct ≤ 1.1× Binaryen -O0's time", value: `${ratio.toFixed(2)}×`, met: ratio <= 1.1 };
        xs.forEach((x) => x.dispose());
      },
    });
  }
}
