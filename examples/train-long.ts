// A long training run in flat memory, with no dispose() anywhere: an MLP 784 → 256 → 10
// (relu, softmax cross-entropy) learns a random teacher's labels with adam for 2,000
// steps in a plain synchronous loop. The step is jitted with donateArgnums, as in JAX:
// the old parameters' and optimizer state's buffers become the new ones, so nothing
// accumulates. Prints the loss and the wasm memory in use and at its peak.
// Run: npm run -s build && node dist/examples/train-long.js [steps]

import { jit, memoryStats, numpy as np, optimizers, valueAndGrad } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { Rng } from "./datasets.js";
import { runIfMain } from "./entry.js";
import { initParams, type Params } from "./train-mlp.js";

const MiB = 1 << 20;

function logits(params: Params, x: WaxArray): WaxArray {
  const [l1, l2] = params as [Params[0], Params[0]];
  return np.matmul(np.nn.relu(np.matmul(x, l1.w).add(l1.b)), l2.w).add(l2.b);
}

function loss(params: Params, x: WaxArray, labels: WaxArray): WaxArray {
  const z = logits(params, x);
  return np.mean(np.nn.logsumexp(z, 1).sub(np.sum(z.mul(labels), 1)));
}

export function main(log: (line: string) => void = console.log, steps = Number(process.argv[2] ?? 2000)) {
  const rng = new Rng(5);
  const batch = 256;
  const x = rng.normals([batch, 784]);
  // Labels from a random linear teacher, one-hot.
  const teacher = rng.normals([784, 10]);
  const labels = np.equal(np.expandDims(np.argmax(np.matmul(x, teacher), 1), 1), np.arange(10)).astype("float32");
  let params = initParams([784, 256, 10], rng);
  const opt = optimizers.adam(1e-3);
  let state = opt.init(params);
  const step = jit(
    (params: Params, state: optimizers.AdamState, x: WaxArray, labels: WaxArray) => {
      const [value, grads] = valueAndGrad(loss)(params, x, labels);
      const [updates, next] = opt.update(grads, state);
      return [optimizers.applyUpdates(params, updates), next, value] as const;
    },
    { donateArgnums: [0, 1] },
  );
  log(`MLP 784 → 256 → 10 (relu), batch ${batch}, adam(1e-3): ${steps} jitted steps, donateArgnums [0, 1], no dispose()`);
  const losses: number[] = [];
  let inUseAfterFirst = 0;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    let value: WaxArray;
    [params, state, value] = step(params, state, x, labels) as unknown as [Params, optimizers.AdamState, WaxArray];
    losses.push(value.item() as number);
    if (i === 0) inUseAfterFirst = memoryStats().bytesInUse;
    if (i % 500 === 0 || i === steps - 1) {
      const m = memoryStats();
      log(`  step ${String(i).padStart(5)}  loss ${losses[i]!.toFixed(4)}  in use ${(m.bytesInUse / MiB).toFixed(1)} MiB  peak ${(m.peakBytesInUse / MiB).toFixed(1)} MiB`);
    }
  }
  const ms = performance.now() - t0;
  const end = memoryStats();
  log(`${steps} steps in ${(ms / 1000).toFixed(1)} s; memory in use after the first step ${(inUseAfterFirst / MiB).toFixed(1)} MiB, at the end ${(end.bytesInUse / MiB).toFixed(1)} MiB, peak ${(end.peakBytesInUse / MiB).toFixed(1)} MiB`);
  return { losses, inUseAfterFirst, inUseAtEnd: end.bytesInUse, peak: end.peakBytesInUse };
}

runIfMain(import.meta.url, main);
