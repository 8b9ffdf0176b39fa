// W1 — the seed's %timeit lines: vmap(dot_product) eagerly, the first call of
// jit(vmap(dot_product)) (trace + compile + run), and its steady call, on two int32 [5,4]
// stacks (5 rows of [1,2,3,4] and of [5,6,7,8]). Each call reads its result into JS, as
// the seed prints it.

import type { Array as JaxArray } from "@jax-js/jax";
import { jit, numpy as np, vmap } from "../../compiler/index.js";
import type { Array as WaxArray } from "../../compiler/index.js";
import { type Impl, outcome } from "../case.js";
import { type Context, na, peerImpl, plainImpl, waxImpl } from "../context.js";
import { timeEach } from "../harness.js";
import type { JitSpec } from "./spec.js";

export const dotProduct = (a: WaxArray, b: WaxArray) => np.dot(a, b);

export function seedInputs(): { a: Int32Array; b: Int32Array } {
  const a = new Int32Array(20), b = new Int32Array(20);
  for (let i = 0; i < 20; i++) {
    a[i] = (i % 4) + 1;
    b[i] = (i % 4) + 5;
  }
  return { a, b };
}

export function plainSeed(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(5);
  for (let i = 0; i < 5; i++) {
    let s = 0;
    for (let j = 0; j < 4; j++) s += a[i * 4 + j]! * b[i * 4 + j]!;
    out[i] = s;
  }
  return out;
}

type JaxFn = (x: JaxArray, y: JaxArray) => JaxArray;

export async function w1Seed(ctx: Context): Promise<void> {
  const { a: ad, b: bd } = seedInputs();
  const a = np.array(ad, { shape: [5, 4] }), b = np.array(bd, { shape: [5, 4] });
  const eager = vmap(dotProduct, [0, 0], 0) as (x: WaxArray, y: WaxArray) => WaxArray;
  const jitted = jit(eager);
  const reference = () => plainSeed(ad, bd);
  const tolerance = { rtol: 0, atol: 0 };
  const plain = plainImpl("loops over Int32Array", reference);

  /** jax-js on its own copies of the inputs: `make` gives the function to call (args by .ref, read with dataSync). */
  const jaxImpl = (what: string, make: () => JaxFn, firstCalls?: number): Impl =>
    peerImpl(ctx.jax, "jax-js", what, (jax) => {
      const x = jax.numpy.array(ad, { shape: [5, 4], dtype: jax.numpy.int32 });
      const y = jax.numpy.array(bd, { shape: [5, 4], dtype: jax.numpy.int32 });
      const callOf = (f: JaxFn) => () => f(x.ref, y.ref).dataSync();
      const f = make();
      return {
        result: callOf(f),
        call: callOf(f),
        ...(firstCalls ? { measure: () => timeEach(() => callOf(make()), firstCalls) } : {}),
        cleanup: () => {
          x.dispose();
          y.dispose();
        },
      };
    });
  const jaxDot: JaxFn = (x, y) => ctx.jax.api!.numpy.dot(x, y);

  // tfjs has no vmap and no jit: the batched dot written by hand, eager ops.
  const tfImpl = (caveat: string): Impl =>
    peerImpl(ctx.tf, "tfjs", "tf.sum(tf.mul(a, b), 1)", (tf) => {
      const x = tf.tensor2d(ad, [5, 4], "int32"), y = tf.tensor2d(bd, [5, 4], "int32");
      const run = () => {
        const r = tf.tidy(() => tf.sum(tf.mul(x, y), 1));
        const data = r.dataSync();
        r.dispose();
        return data;
      };
      return { result: run, call: run, caveat, cleanup: () => (x.dispose(), y.dispose()) };
    });

  await ctx.run({
    id: "W1",
    name: "eager vmap(dot) i32[5,4] + read",
    tolerance,
    reference,
    impls: [
      waxImpl("vmap(dot_product)", eager, [a, b]),
      plain,
      jaxImpl("vmap(dot)", () => ctx.jax.api!.vmap(jaxDot) as JaxFn),
      tfImpl("no vmap: batched by hand"),
    ],
  });

  const firstCalls = ctx.quick ? 3 : 10;
  const waxFirst: Impl = {
    lib: "wax",
    what: "jit(vmap(dot_product)), a new jit each call",
    result: () => jit(eager)(a, b).data(),
    measure: () =>
      timeEach(() => {
        const g = jit(eager);
        return () => g(a, b).data();
      }, firstCalls),
  };
  const jaxFirst = jaxImpl("jit(vmap(dot)), a new jit each call", () => ctx.jax.api!.jit(ctx.jax.api!.vmap(jaxDot)) as unknown as JaxFn, firstCalls);
  if (jaxFirst.na === undefined && jaxFirst.error === undefined) {
    jaxFirst.caveat = "reuses kernels that earlier jit objects compiled (a global cache); W9 has its cold first calls";
  }
  await ctx.run({
    id: "W1",
    name: "first jit(vmap(dot)) call i32[5,4]",
    tolerance,
    reference,
    impls: [waxFirst, na("plain JS", "nothing to compile"), jaxFirst, na("tfjs", "no jit")],
  });

  await ctx.run({
    id: "W1",
    name: "steady jit(vmap(dot)) call i32[5,4] + read",
    tolerance,
    reference,
    impls: [
      waxImpl("jit(vmap(dot_product))", jitted, [a, b]),
      plain,
      jaxImpl("jit(vmap(dot))", () => ctx.jax.api!.jit(ctx.jax.api!.vmap(jaxDot)) as unknown as JaxFn),
      tfImpl("no jit, no vmap: batched by hand, eager ops"),
    ],
    finish: (row) => {
      const t = outcome(row, "wax")?.timing;
      if (t) row.target = { text: "wax < 1 µs", value: `${(t.median * 1000).toFixed(0)} ns`, met: t.median < 1 };
    },
  });
  a.dispose();
  b.dispose();
}

/** W1's jitted function as a spec, for its compile-time row in W9. */
export function specW1(): JitSpec {
  const { a, b } = seedInputs();
  return {
    id: "W1",
    name: "jit(vmap(dot)) i32[5,4]",
    inputs: [
      { data: a, shape: [5, 4] },
      { data: b, shape: [5, 4] },
    ],
    wax: vmap(dotProduct, [0, 0], 0) as (x: WaxArray, y: WaxArray) => WaxArray,
    waxWhat: "jit(vmap(dot_product))",
    jax: (jax) => jax.vmap((x: JaxArray, y: JaxArray) => jax.numpy.dot(x, y)) as never,
    jaxWhat: "jit(vmap(dot))",
    plain: () => plainSeed(a, b),
    plainWhat: "loops over Int32Array",
    tolerance: { rtol: 0, atol: 0 },
  };
}
