// Data-parallel training with pmap: each device takes its shard of the batch, computes the
// gradient of its shard's loss, and lax.pmean averages the gradients across devices, so
// every device applies the same update to its copy of the parameters. With equal shards
// the mean of the shard gradients is the gradient of the whole batch's loss, so the
// parameters follow the single-device step; this prints how closely.
// Run: npm run -s build && node dist/examples/data-parallel.js

import { deviceCount, grad, jit, lax, numpy as np, optimizers, pmap, setDeviceCount, treeFlatten, treeMap } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { Rng, twoMoons } from "./datasets.js";
import { runIfMain } from "./entry.js";
import { type Params, accuracy, initParams, loss } from "./train-mlp.js";

export const DEVICES = 2;
export const STEPS = 20;

export function main(log: (line: string) => void = console.log) {
  // pmap needs a device per shard; on a one-core machine, emulate two (devices are threads).
  if (deviceCount() < DEVICES) setDeviceCount(DEVICES);
  const n = 512;
  const { x, y } = twoMoons(n, 0.1, 7);
  const labels = np.stack([np.subtract(1, y), y], 1);
  const params0 = initParams([2, 32, 32, 2], new Rng(11));
  const opt = optimizers.sgd(0.5);

  // One device, the whole batch.
  const step = jit((params: Params, state: optimizers.SgdState, x: WaxArray, labels: WaxArray) => {
    const grads = grad(loss)(params, x, labels);
    const [updates, next] = opt.update(grads, state);
    return [optimizers.applyUpdates(params, updates), next] as const;
  });

  // Every device: its shard, the gradients averaged over the "batch" axis, the same update.
  const parallelStep = pmap(
    (params: Params, state: optimizers.SgdState, x: WaxArray, labels: WaxArray) => {
      const grads = lax.pmean(grad(loss)(params, x, labels), "batch");
      const [updates, next] = opt.update(grads, state);
      return [optimizers.applyUpdates(params, updates), next] as const;
    },
    "batch",
  );

  // Parameters and state are replicated: a leading axis of one copy per device.
  const replicate = <T>(tree: T): T => treeMap((a) => np.broadcastTo(a as WaxArray, [DEVICES, ...(a as WaxArray).shape]), tree) as T;
  const shard = (a: WaxArray) => a.reshape(DEVICES, n / DEVICES, ...a.shape.slice(1));

  log(`MLP 2 → 32 → 32 → 2 on two moons (${n} points), optimizers.sgd(0.5), ${STEPS} steps`);
  log(`pmap over ${DEVICES} devices (of ${deviceCount()}), ${n / DEVICES} examples each, gradients averaged with lax.pmean`);
  let single: Params = params0, singleState = opt.init(params0);
  let multi: Params = replicate(params0), multiState = replicate(opt.init(params0));
  const xs = shard(x), ls = shard(labels);
  let maxDiff = 0, replicaDiff = 0;
  for (let i = 1; i <= STEPS; i++) {
    [single, singleState] = step(single, singleState, x, labels) as unknown as [Params, optimizers.SgdState];
    [multi, multiState] = parallelStep(multi, multiState, xs, ls) as unknown as [Params, optimizers.SgdState];
    const [a] = treeFlatten(single), [b] = treeFlatten(multi);
    maxDiff = 0;
    replicaDiff = 0;
    (a as WaxArray[]).forEach((s, k) => {
      const m = (b as WaxArray[])[k]!;
      for (let d = 0; d < DEVICES; d++) maxDiff = Math.max(maxDiff, np.max(np.abs(m.slice(d).sub(s))).item() as number);
      replicaDiff = Math.max(replicaDiff, np.max(np.abs(m.slice(0).sub(m.slice(DEVICES - 1)))).item() as number);
    });
    if (i % 5 === 0 || i === 1) {
      log(`  after step ${String(i).padStart(2)}  loss ${(loss(single, x, labels).item() as number).toFixed(4)}  max |pmap params − single-device params| ${maxDiff.toExponential(2)}`);
    }
  }
  const firstDevice = treeMap((a) => (a as WaxArray).slice(0), multi) as Params;
  const acc = accuracy(firstDevice, x, y);
  log(`after ${STEPS} steps: max difference ${maxDiff.toExponential(2)} (the replicas differ by ${replicaDiff.toExponential(2)}); accuracy ${(100 * acc).toFixed(1)}%`);
  return { maxDiff, replicaDiff, accuracy: acc, finalLoss: loss(single, x, labels).item() as number };
}

runIfMain(import.meta.url, main);
