// A small MLP (2 → 32 → 32 → 2, tanh) learns the two-moons problem. The whole training
// step — loss, gradient by valueAndGrad, adam's update — is one jitted function: traced
// once, compiled to one wasm module, then called with each new parameters and state.
// Run: npm run -s build && node dist/examples/train-mlp.js

import { jit, numpy as np, optimizers, valueAndGrad } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { Rng, twoMoons } from "./datasets.js";
import { runIfMain } from "./entry.js";

export type Layer = { w: WaxArray; b: WaxArray };
export type Params = Layer[];

/** Weights ~ N(0, 1/fan_in), biases zero. */
export function initParams(sizes: number[], rng: Rng): Params {
  return sizes.slice(1).map((n, i) => ({ w: rng.normals([sizes[i]!, n], 1 / Math.sqrt(sizes[i]!)), b: np.zeros([n]) }));
}

/** Logits, [batch, classes]: tanh on every layer but the last. */
export function forward(params: Params, x: WaxArray): WaxArray {
  let h = x;
  params.forEach(({ w, b }, i) => {
    h = np.matmul(h, w).add(b);
    if (i < params.length - 1) h = np.tanh(h);
  });
  return h;
}

/** Mean softmax cross-entropy; `labels` are one-hot, [batch, classes]. */
export function loss(params: Params, x: WaxArray, labels: WaxArray): WaxArray {
  const logits = forward(params, x);
  return np.mean(np.nn.logsumexp(logits, 1).sub(np.sum(logits.mul(labels), 1)));
}

export function accuracy(params: Params, x: WaxArray, y: WaxArray): number {
  return np.mean(np.equal(np.argmax(forward(params, x), 1), y.astype("int32")).astype("float32")).item() as number;
}

export const STEPS = 400;

export function main(log: (line: string) => void = console.log) {
  const { x, y } = twoMoons(512, 0.1, 7);
  const labels = np.stack([np.subtract(1, y), y], 1); // one-hot
  let params = initParams([2, 32, 32, 2], new Rng(11));
  const opt = optimizers.adam(0.01);
  let state = opt.init(params);

  const step = jit((params: Params, state: optimizers.AdamState, x: WaxArray, labels: WaxArray) => {
    const [value, grads] = valueAndGrad(loss)(params, x, labels);
    const [updates, next] = opt.update(grads, state);
    return [optimizers.applyUpdates(params, updates), next, value] as const;
  });

  log("MLP 2 → 32 → 32 → 2 (tanh) on two moons: 512 points, noise 0.1");
  log(`jit(step), step = valueAndGrad(loss) + optimizers.adam(0.01); ${STEPS} full-batch steps`);
  const losses: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) {
    const report = i % 100 === 0;
    const acc = report ? accuracy(params, x, y) : 0; // of the parameters this step starts from
    let value: WaxArray;
    [params, state, value] = step(params, state, x, labels) as unknown as [Params, optimizers.AdamState, WaxArray];
    losses.push(value.item() as number);
    if (report) log(`  step ${String(i).padStart(4)}  loss ${losses[i]!.toFixed(4)}  accuracy ${(100 * acc).toFixed(1)}%`);
  }
  const ms = performance.now() - t0;
  const finalLoss = loss(params, x, labels).item() as number, acc = accuracy(params, x, y);
  log(`  step ${String(STEPS).padStart(4)}  loss ${finalLoss.toFixed(4)}  accuracy ${(100 * acc).toFixed(1)}%`);
  log(`final loss ${finalLoss.toFixed(4)} (from ${losses[0]!.toFixed(4)}), training accuracy ${(100 * acc).toFixed(1)}%; ${STEPS} steps in ${ms.toFixed(0)} ms, the first call's compilation included`);
  return { losses, finalLoss, accuracy: acc };
}

runIfMain(import.meta.url, main);
