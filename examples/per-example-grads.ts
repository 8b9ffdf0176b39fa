// Per-example gradients: grad(loss) of one example, vmapped over the batch with the
// parameters shared — vmap(grad(loss), [null, 0, 0]) — gives one gradient per example in
// one call, with the batch inside every primitive (no loop). Their norms show which
// examples pull hardest on the model; clipping them is the core of DP-SGD.
// Run: npm run -s build && node dist/examples/per-example-grads.js

import { grad, jit, numpy as np, vmap } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { noisyLinear } from "./datasets.js";
import { runIfMain } from "./entry.js";
import { type Params, TRUE_B, TRUE_W } from "./logistic-regression.js";

/** Binary cross-entropy of one example: x [d], y a 0-d label. */
export function exampleLoss(params: Params, x: WaxArray, y: WaxArray): WaxArray {
  const z = np.dot(x, params.w).add(params.b);
  return np.maximum(z, 0).sub(z.mul(y)).add(np.log1p(np.exp(np.negative(np.abs(z)))));
}

export function main(log: (line: string) => void = console.log) {
  const n = 64;
  const { x, y } = noisyLinear(n, TRUE_W, TRUE_B, 0.5, 2);
  // A half-trained model: the direction of the true w, at a fraction of its scale.
  const params: Params = { w: np.array(TRUE_W.map((v) => 0.5 * v)), b: np.array(TRUE_B * 0.5) };

  const perExample = jit(vmap(grad(exampleLoss), [null, 0, 0]));
  const g = perExample(params, x, y) as Params;
  log(`vmap(grad(loss), [null, 0, 0]) over ${n} examples: gradients w ${JSON.stringify(g.w.shape)}, b ${JSON.stringify(g.b.shape)}`);

  // ‖g_i‖ over all parameters. For this loss g_i = (σ(z_i) − y_i)·(x_i, 1): large when the
  // model is wrong about an example, or unsure of one far from the origin.
  const norms = np.sqrt(np.sum(np.square(g.w), 1).add(np.square(g.b))).toList() as number[];
  const probs = np.nn.sigmoid(np.matmul(x, params.w).add(params.b)).toList() as number[];
  const labels = y.toList() as number[], rows = x.toList() as number[][];
  const order = norms.map((_, i) => i).sort((a, b) => norms[b]! - norms[a]!);
  log(`gradient norms: mean ${(norms.reduce((a, b) => a + b, 0) / n).toFixed(4)}, min ${Math.min(...norms).toFixed(4)}, max ${Math.max(...norms).toFixed(4)}`);
  log("the five largest, with what makes them large (|σ(z) − y| times ‖(x, 1)‖):");
  for (const i of order.slice(0, 5)) {
    const err = Math.abs(probs[i]! - labels[i]!), size = Math.hypot(...rows[i]!, 1);
    log(`  example ${String(i).padStart(2)}  norm ${norms[i]!.toFixed(4)}  label ${labels[i]}  σ(z) ${probs[i]!.toFixed(3)}  |σ(z) − y| ${err.toFixed(3)}  ‖(x, 1)‖ ${size.toFixed(3)}`);
  }
  // Against that closed form, computed here in float64.
  const gw = g.w.toList() as number[][], gb = g.b.toList() as number[];
  let closedDiff = 0;
  for (let i = 0; i < n; i++) {
    const r = probs[i]! - labels[i]!;
    rows[i]!.forEach((xij, j) => (closedDiff = Math.max(closedDiff, Math.abs(gw[i]![j]! - r * xij))));
    closedDiff = Math.max(closedDiff, Math.abs(gb[i]! - r));
  }
  log(`equal (σ(z) − y)·(x, 1) computed by hand: max difference ${closedDiff.toExponential(2)}`);

  // The same, one example at a time (jitted: one compilation, 64 calls).
  const one = jit(grad(exampleLoss));
  let maxDiff = 0;
  for (let i = 0; i < n; i++) {
    const gi = one(params, x.slice(i), y.slice(i)) as Params;
    const dw = gi.w.toList() as number[], rw = g.w.slice(i).toList() as number[];
    dw.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - rw[j]!))));
    maxDiff = Math.max(maxDiff, Math.abs((gi.b.item() as number) - (g.b.slice(i).item() as number)));
  }
  log(`equals grad(loss) per example, in a loop: max difference ${maxDiff.toExponential(2)}`);

  // The mean of the per-example gradients is the gradient of the mean loss.
  const full = grad((p: Params) => np.mean(vmap(exampleLoss, [null, 0, 0])(p, x, y) as WaxArray))(params) as Params;
  const meanDiff = Math.max(
    ...(np.abs(np.mean(g.w, 0).sub(full.w)).toList() as number[]),
    Math.abs((np.mean(g.b).item() as number) - (full.b.item() as number)),
  );
  log(`their mean equals the gradient of the mean loss: max difference ${meanDiff.toExponential(2)}`);
  return { norms, closedDiff, maxDiff, meanDiff };
}

runIfMain(import.meta.url, main);
