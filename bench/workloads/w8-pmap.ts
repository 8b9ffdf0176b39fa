// W8 — pmap scaling: one compute-bound function (8 rounds of tanh∘sin per element, which
// fuse into one loop with no intermediate buffers, then a psum of the shard sums) over 1 device and over all devices (--threads; devices are
// worker threads sharing the wasm memory). Target: ≥ 1.8× on 2 devices.

import { lax, numpy as np, pmap } from "../../compiler/index.js";
import type { Array as WaxArray } from "../../compiler/index.js";
import { outcome } from "../case.js";
import { type Context, na, plainImpl } from "../context.js";
import { formatRatio, randomFloat32 } from "../harness.js";

const ROUNDS = 8;

const body = (v: WaxArray) => {
  let y = v;
  for (let i = 0; i < ROUNDS; i++) y = np.tanh(np.sin(y).mul(1.5).add(0.25));
  return lax.psum(y.sum(), "i").add(y);
};

export async function w8Pmap(ctx: Context): Promise<void> {
  const devices = ctx.threads;
  const wanted = ctx.quick ? 1 << 16 : 1 << 21;
  const per = Math.floor(wanted / devices / 16) * 16, total = per * devices;
  const xs = randomFloat32(total, 81, 2);
  const out = new Float32Array(total), ys = new Float64Array(total);
  const plain = () => {
    let sum = 0;
    for (let i = 0; i < total; i++) {
      let y = xs[i]!;
      for (let r = 0; r < ROUNDS; r++) y = Math.tanh(Math.sin(y) * 1.5 + 0.25);
      ys[i] = y;
      sum += y;
    }
    for (let i = 0; i < total; i++) out[i] = sum + ys[i]!;
    return out;
  };
  let ref: Float32Array | undefined;
  const reference = () => (ref ??= plain().slice());
  const f = pmap(body, "i");
  const tolerance = { rtol: 1e-4, atol: 1e-2 };
  const size = `f32[${total}]`;

  const runOn = (n: number) => {
    const x = np.array(xs, { shape: [n, total / n] });
    return ctx.run({
      id: "W8",
      name: `pmap ${ROUNDS}×tanh∘sin + psum ${size}, ${n} device${n === 1 ? "" : "s"}`,
      tolerance,
      reference,
      impls: [
        {
          lib: "wax",
          what: `pmap(f, "i") over [${n}, ${total / n}]`,
          result: () => (f(x) as WaxArray).data(),
          call: () => (f(x) as WaxArray).dispose(),
          cleanup: () => x.dispose(),
        },
        plainImpl("one loop, 1 thread", plain),
        na("jax-js", "no pmap"),
        na("tfjs", "no pmap"),
      ],
    });
  };
  const one = await runOn(1);
  if (devices < 2) {
    one.note = "--threads 1: no multi-device row";
    return;
  }
  await runOn(devices).then((row) => {
    const t1 = outcome(one, "wax")?.timing, tn = outcome(row, "wax")?.timing;
    if (!t1 || !tn) return;
    const s = t1.median / tn.median;
    row.note = `speed-up over 1 device: ${formatRatio(s)}`;
    row.target = { text: "≥ 1.8× over 1 device, on 2 devices", value: formatRatio(s), met: devices === 2 ? s >= 1.8 : null };
  });
}
