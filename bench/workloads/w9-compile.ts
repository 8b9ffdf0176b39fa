// W9 — compile times: cold starts in fresh processes (w9-cold.ts), then the first call of
// each workload's jitted function (a new jit object, so nothing is cached), split into
// trace, lower, emit (the direct wasm encoder) and instantiate, and a ten-primitive
// function (target: trace + lower + emit + instantiate ≤ 2 ms). It runs before the other
// workloads, so that jax-js, whose compiled kernels live in a global cache, has not
// compiled these functions yet: its one cold first call is its number.

import { jit, numpy as np } from "../../compiler/index.js";
import type { Array as WaxArray } from "../../compiler/index.js";
import { emitWasm } from "../../compiler/backend/compile.js";
import { lastCompileTimes } from "../../compiler/jit/compile.js";
import type { Impl } from "../case.js";
import { type Context, na, peerImpl } from "../context.js";
import type { Timing } from "../harness.js";
import { randomFloat32 } from "../harness.js";
import { specW1 } from "./w1-seed.js";
import { w9Cold } from "./w9-cold.js";
import { w9Tiers } from "./w9-tiers.js";
import { sizesW2, specW2 } from "./w2-batched-dot.js";
import { sizesW3, specW3 } from "./w3-matmul.js";
import { sizesW4, specW4 } from "./w4-elementwise.js";
import { sizesW5, specW5 } from "./w5-softmax.js";
import { sizesW6, specW6 } from "./w6-mlp.js";
import { sizesW7, specW7 } from "./w7-sum.js";
import { type JitSpec, jaxArrays, plainAndReference, waxArrays } from "./spec.js";

/** Ten primitives: mul, add, sub, div, mul, max, reduce_sum, add, neg, abs. */
export function specTen(): JitSpec {
  const n = 256;
  const x = randomFloat32(n, 91), y = randomFloat32(n, 92);
  const out = new Float32Array(n);
  return {
    id: "W9",
    name: "ten primitives f32[256]",
    inputs: [
      { data: x, shape: [n] },
      { data: y, shape: [n] },
    ],
    wax: (x: WaxArray, y: WaxArray) => np.maximum(x.mul(y).add(1.5).sub(y).div(2.5).mul(x), 0).add(np.sum(y)).neg().abs(),
    waxWhat: "jit(f), a new jit each call",
    jax: (jax) => (x, y) => jax.numpy.abs(jax.numpy.maximum(x.ref.mul(y.ref).add(1.5).sub(y.ref).div(2.5).mul(x), 0).add(jax.numpy.sum(y)).neg()),
    jaxWhat: "jit(f), first call",
    plain: () => {
      let s = 0;
      for (let i = 0; i < n; i++) s += y[i]!;
      for (let i = 0; i < n; i++) out[i] = Math.abs(-(Math.max(((x[i]! * y[i]! + 1.5 - y[i]!) / 2.5) * x[i]!, 0) + s));
      return out;
    },
    plainWhat: "—",
    tolerance: { rtol: 1e-5, atol: 1e-5 },
  };
}

interface Breakdown {
  trace: number;
  lower: number;
  emit: number;
  instantiate: number;
  total: number; // the first call, ms
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const ms = (v: number) => v.toFixed(2);

/** wax: first calls of new jit objects; each also traced once more alone, for the split. */
function waxFirstCalls(spec: JitSpec, repeats: number, parts: Breakdown[]): Impl {
  const xs = waxArrays(spec.inputs);
  return {
    lib: "wax",
    what: "first call of a new jit(f)",
    result: () => {
      const y = jit(spec.wax)(...xs);
      const data = y.data();
      y.dispose();
      return data;
    },
    measure: async () => {
      for (let r = 0; r < repeats; r++) {
        const t0 = performance.now();
        jit(spec.wax).lower(...xs);
        const trace = performance.now() - t0;
        const g = jit(spec.wax);
        const t1 = performance.now();
        g(...xs).dispose();
        const total = performance.now() - t1;
        const c = lastCompileTimes;
        parts.push({ trace, lower: c.lower, emit: c.emit, instantiate: c.instantiate, total });
      }
      const totals = parts.map((p) => p.total * 1000).sort((a, b) => a - b);
      return { median: median(totals), min: totals[0]!, max: totals[totals.length - 1]!, samples: totals.length, loops: 1 };
    },
    cleanup: () => xs.forEach((x) => x.dispose()),
  };
}

/** jax-js: its one cold first call, made by the check itself (a second would hit its cache). */
function jaxFirstCall(ctx: Context, spec: JitSpec): Impl {
  return peerImpl(ctx.jax, "jax-js", "first call of a new jit(f)", (jax) => {
    const xs = jaxArrays(jax, spec.inputs);
    let cold: Timing | undefined;
    return {
      result: async () => {
        const f = jax.jit(spec.jax(jax));
        const t0 = performance.now();
        const y = f(...xs.map((x) => x.ref));
        await y.blockUntilReady();
        const us = (performance.now() - t0) * 1000;
        cold = { median: us, min: us, max: us, samples: 1, loops: 1 };
        const data = y.dataSync();
        f.dispose();
        return data;
      },
      measure: async () => cold!,
      caveat: "one sample: the cold first call (its kernel cache makes later ones warm)",
      cleanup: () => xs.forEach((x) => x.dispose()),
    };
  });
}

export async function w9Compile(ctx: Context): Promise<void> {
  await w9Cold(ctx);
  const repeats = ctx.quick ? 2 : 5;
  // The process's first trace, lowering and emit of this function (its code paths run cold), as any first jit's do.
  const ten = specTen();
  const t0 = performance.now();
  {
    const xs = waxArrays(ten.inputs);
    emitWasm(jit(ten.wax).lower(...xs).program());
    xs.forEach((x) => x.dispose());
  }
  const startup = performance.now() - t0;

  const specs = [
    specW1(),
    specW2(sizesW2(ctx.quick)[0]!),
    specW3(sizesW3(ctx.quick)[0]!),
    specW4(sizesW4(ctx.quick)[0]!),
    specW5(sizesW5(ctx.quick)[0]!),
    specW6(sizesW6(ctx.quick)[0]!),
    specW7(sizesW7(ctx.quick)[0]!),
    ten,
  ];
  for (const spec of specs) {
    const parts: Breakdown[] = [];
    const { reference } = plainAndReference(spec);
    await ctx.run({
      id: "W9",
      name: spec === ten ? `compile ${spec.name}` : `first call, ${spec.id} ${spec.name}`,
      tolerance: spec.tolerance,
      reference,
      impls: [waxFirstCalls(spec, repeats, parts), na("plain JS", "nothing to compile"), jaxFirstCall(ctx, spec), na("tfjs", "no jit")],
      finish: (row) => {
        if (parts.length === 0) return;
        const m = (k: keyof Breakdown) => median(parts.map((p) => p[k]));
        const compile = median(parts.map((p) => p.trace + p.lower + p.emit + p.instantiate));
        row.note = `trace ${ms(m("trace"))} + lower ${ms(m("lower"))} + emit ${ms(m("emit"))} + instantiate ${ms(m("instantiate"))} ms (medians)`;
        if (spec === ten) {
          row.note += `; its first trace + lower + emit in this process, cold: ${startup.toFixed(1)} ms`;
          row.target = { text: "trace+lower+emit+instantiate ≤ 2 ms", value: `${ms(compile)} ms`, met: compile <= 2 };
        }
      },
    });
  }
  await w9Tiers(ctx);
}
