// Logistic regression on synthetic data: jit(valueAndGrad(loss)) gives the loss and its
// gradient in one compiled call; adam turns the gradient into a step.
// Run: npm run -s build && node dist/examples/logistic-regression.js

import { jit, numpy as np, optimizers, valueAndGrad } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { noisyLinear } from "./datasets.js";
import { runIfMain } from "./entry.js";

export type Params = { w: WaxArray; b: WaxArray };

/** Mean binary cross-entropy of sigmoid(x·w + b), in the stable form max(z, 0) − z·y + log1p(exp(−|z|)). */
export function loss(params: Params, x: WaxArray, y: WaxArray): WaxArray {
  const z = np.matmul(x, params.w).add(params.b);
  return np.mean(np.maximum(z, 0).sub(z.mul(y)).add(np.log1p(np.exp(np.negative(np.abs(z))))));
}

export function accuracy(params: Params, x: WaxArray, y: WaxArray): number {
  const z = np.matmul(x, params.w).add(params.b);
  return np.mean(np.equal(np.greater(z, 0), np.greater(y, 0.5)).astype("float32")).item() as number;
}

export const TRUE_W = [2, -3, 1, 0.5], TRUE_B = 0.5;
export const STEPS = 300;

export function main(log: (line: string) => void = console.log) {
  const { x, y } = noisyLinear(1024, TRUE_W, TRUE_B, 0.5, 1);
  let params: Params = { w: np.zeros([TRUE_W.length]), b: np.zeros([]) };
  const opt = optimizers.adam(0.05);
  let state = opt.init(params);
  const lossAndGrad = jit(valueAndGrad(loss));
  // The optimizer step, compiled too: eager, each of adam's operations would be a call of its own.
  const adamStep = jit((params: Params, grads: Params, state: optimizers.AdamState) => {
    const [updates, next] = opt.update(grads, state);
    return [optimizers.applyUpdates(params, updates), next] as const;
  });

  log(`logistic regression: 1024 examples, ${TRUE_W.length} features, labels from w = [${TRUE_W}], b = ${TRUE_B} plus noise`);
  log(`jit(valueAndGrad(loss)) and a jitted optimizers.adam(0.05) step, ${STEPS} full-batch steps`);
  const losses: number[] = [];
  for (let step = 0; step <= STEPS; step++) {
    const [value, grads] = lossAndGrad(params, x, y) as [WaxArray, Params];
    losses.push(value.item() as number);
    if (step % 50 === 0) log(`  step ${String(step).padStart(3)}  loss ${losses[step]!.toFixed(4)}`);
    if (step === STEPS) break;
    [params, state] = adamStep(params, grads, state);
  }
  const acc = accuracy(params, x, y);
  const w = params.w.toList() as number[], b = params.b.item() as number;
  log(`final loss ${losses[STEPS]!.toFixed(4)} (from ${losses[0]!.toFixed(4)} = log 2), training accuracy ${(100 * acc).toFixed(1)}%`);
  // The scale of w is not identified (noise sets it); its direction is.
  const norm = Math.hypot(...w), trueNorm = Math.hypot(...TRUE_W);
  const cosine = w.reduce((s, wi, i) => s + wi * TRUE_W[i]!, 0) / (norm * trueNorm);
  log(`learned w = [${w.map((v) => v.toFixed(2)).join(", ")}], b = ${b.toFixed(2)}; cosine with the true w ${cosine.toFixed(4)}`);
  return { losses, finalLoss: losses[STEPS]!, accuracy: acc, cosine };
}

runIfMain(import.meta.url, main);
