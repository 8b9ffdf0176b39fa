// The examples under examples/ run and show what they say: each main() is called with a
// log that collects its lines, and the figures it returns are checked (and printed).

import { test } from "uvu";
import * as assert from "uvu/assert";
import * as dataParallel from "../examples/data-parallel.js";
import * as logistic from "../examples/logistic-regression.js";
import * as perExample from "../examples/per-example-grads.js";
import * as mlp from "../examples/train-mlp.js";
import * as long from "../examples/train-long.js";

function run<T>(main: (log: (line: string) => void) => T): { out: T; text: string } {
  const lines: string[] = [];
  const out = main((line) => lines.push(line));
  return { out, text: lines.join("\n") };
}

const falls = (losses: number[]) => losses.every((l, i) => i === 0 || l <= losses[i - 1]! + 1e-3);

test("logistic regression: the loss falls from log 2 to below 0.15, and w points the true way", () => {
  const { out, text } = run(logistic.main);
  assert.ok(Math.abs(out.losses[0]! - Math.log(2)) < 1e-6, `the first loss is log 2 (zero weights): ${out.losses[0]}`);
  assert.ok(falls(out.losses), "the loss never rises");
  assert.ok(out.finalLoss < 0.15, `final loss ${out.finalLoss}`);
  assert.ok(out.accuracy > 0.9, `accuracy ${out.accuracy}`);
  assert.ok(out.cosine > 0.99, `cosine ${out.cosine}`);
  assert.match(text, `final loss ${out.finalLoss.toFixed(4)}`);
});

test("MLP on two moons: the loss falls below 0.02 and the training accuracy exceeds 98%", () => {
  const { out, text } = run(mlp.main);
  assert.is(out.losses.length, mlp.STEPS);
  assert.ok(out.losses[0]! > 0.3, `the first loss ${out.losses[0]}`);
  assert.ok(out.finalLoss < 0.02, `final loss ${out.finalLoss}`);
  assert.ok(out.accuracy > 0.98, `accuracy ${out.accuracy}`);
  assert.match(text, `training accuracy ${(100 * out.accuracy).toFixed(1)}%`);
});

test("per-example gradients: vmap(grad) equals the closed form, grad per example, and (averaged) grad of the mean", () => {
  const { out, text } = run(perExample.main);
  assert.is(out.norms.length, 64);
  assert.ok(out.norms.every((n) => n > 0 && Number.isFinite(n)));
  assert.ok(out.closedDiff < 1e-5, `against (σ(z) − y)·(x, 1): ${out.closedDiff}`);
  assert.ok(out.maxDiff < 1e-6, `against grad per example: ${out.maxDiff}`);
  assert.ok(out.meanDiff < 1e-6, `mean against grad of the mean: ${out.meanDiff}`);
  assert.match(text, "gradients w [64,4], b [64]");
});

test("data parallel: pmap + lax.pmean over 2 devices gives the single-device parameters within 1e-5", () => {
  const { out, text } = run(dataParallel.main);
  assert.ok(out.maxDiff < 1e-5, `max |pmap − single device| ${out.maxDiff}`);
  assert.is(out.replicaDiff, 0, "every device holds the same parameters");
  assert.ok(out.finalLoss < 0.3, `the loss fell: ${out.finalLoss}`);
  assert.match(text, `max difference ${out.maxDiff.toExponential(2)}`);
});

test("a long training loop with donated params and state, no dispose(): memory stays flat", () => {
  const { out, text } = run((log) => long.main(log, 150));
  assert.ok(out.losses[149]! < out.losses[0]! / 10, `the loss fell: ${out.losses[0]} → ${out.losses[149]}`);
  assert.is(out.inUseAtEnd, out.inUseAfterFirst, "the bytes in use after 150 steps equal those after the first");
  assert.ok(out.peak <= out.inUseAfterFirst + (1 << 20), `peak ${out.peak} against ${out.inUseAfterFirst} after the first step`);
  assert.match(text, "150 steps in");
});

test.run();
