// Optimizers: sgd, momentum and adam against updates computed by hand, schedules, pytrees,
// and a jitted training step that is traced once and equals the eager one.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { jit, numpy as np, optimizers, valueAndGrad } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { expectArray, expectClose, expectError } from "./util.js";

type Tree = { w: WaxArray; b: WaxArray };

const tree = (w: number[], b: number): Tree => ({ w: np.array(w, { dtype: "float32" }), b: np.array(b, { dtype: "float32" }) });
/** [w, b] as nested lists (expectClose compares lists). */
const values = (t: Tree) => [t.w.toList(), t.b.toList()];

test("sgd: updates are -lr · grads; applyUpdates adds them; the count is an int32 scalar", () => {
  const opt = optimizers.sgd(0.1);
  const params = tree([1, 2], 3);
  const state = opt.init(params);
  expectArray(state.count, 0, "int32");
  const [updates, next] = opt.update(tree([0.5, -1], 2), state);
  expectClose(values(updates as Tree), [[-0.05, 0.1], -0.2]);
  expectClose(values(optimizers.applyUpdates(params, updates)), [[0.95, 2.1], 2.8]);
  expectArray(next.count, 1, "int32");
});

test("momentum: velocity = mass · velocity + g, updates = -lr · velocity, over two steps", () => {
  const opt = optimizers.momentum(0.1, 0.9);
  let state = opt.init({ x: np.zeros([2]) });
  let updates: unknown;
  [updates, state] = opt.update({ x: np.array([1, -2]) }, state);
  expectArray((updates as { x: WaxArray }).x, [-0.1, 0.2]);
  [updates, state] = opt.update({ x: np.array([0.5, 0.5]) }, state);
  // v = 0.9·[1, -2] + [0.5, 0.5] = [1.4, -1.3]
  expectArray((state.velocity as { x: WaxArray }).x, [1.4, -1.3]);
  expectArray((updates as { x: WaxArray }).x, [-0.14, 0.13]);
  expectArray(state.count, 2, "int32");
});

test("adam: moments and bias correction by hand for two steps", () => {
  const opt = optimizers.adam(0.1, { b1: 0.9, b2: 0.999, eps: 1e-8 });
  let state = opt.init([np.zeros([3])]);
  let updates: unknown;
  // Step 1: mu = 0.1·g = [0.1, -0.2, 0], nu = 0.001·g² = [0.001, 0.004, 0]; the corrections
  // (1 − 0.9, 1 − 0.999) undo the decay, so the step is lr · g / (|g| + eps) = ±0.1, and 0 where g is 0.
  [updates, state] = opt.update([np.array([1, -2, 0])], state);
  expectArray((state.mu as WaxArray[])[0]!, [0.1, -0.2, 0]);
  expectArray((state.nu as WaxArray[])[0]!, [0.001, 0.004, 0]);
  expectArray((updates as WaxArray[])[0]!, [-0.1 / (1 + 1e-8), 0.2 / (2 + 1e-8), 0]);
  // Step 2: mu = 0.9·mu + 0.1·[0.5, 0.5, 0] = [0.14, -0.13, 0]
  //         nu = 0.999·nu + 0.001·[0.25, 0.25, 0] = [0.001249, 0.004246, 0]
  //         c1 = 1 − 0.9² = 0.19, c2 = 1 − 0.999² = 0.001999
  //         update = −0.1 · (mu / c1) / (sqrt(nu / c2) + 1e-8)
  //                = −0.1 · [0.7368421, −0.6842105] / [0.7904508, 1.4574162] = [−0.0932180, 0.0469468]
  [updates, state] = opt.update([np.array([0.5, 0.5, 0])], state);
  expectArray((state.mu as WaxArray[])[0]!, [0.14, -0.13, 0]);
  expectArray((state.nu as WaxArray[])[0]!, [0.001249, 0.004246, 0]);
  // 1 − 0.999² loses about 5 digits in float32, hence the looser tolerance.
  expectArray((updates as WaxArray[])[0]!, [-0.09321796, 0.04694682, 0], undefined, 2e-5);
  expectArray(state.count, 2, "int32");
});

test("schedules: the learning rate is a function of the count", () => {
  const decay = optimizers.exponentialDecay(0.1, 10, 0.5);
  expectArray(np.array(decay(np.array(0, { dtype: "int32" }))), 0.1);
  expectArray(np.array(decay(np.array(10, { dtype: "int32" }))), 0.05);
  expectArray(np.array(decay(np.array(20, { dtype: "int32" }))), 0.025);

  // sgd with a piecewise-constant rate: 0.1 for updates 0 and 1, then 0.01.
  const opt = optimizers.sgd(optimizers.piecewiseConstant([2], [0.1, 0.01]));
  let state = opt.init([np.zeros([])]);
  const steps: unknown[] = [];
  for (let i = 0; i < 3; i++) {
    let u: unknown;
    [u, state] = opt.update([np.array(1)], state);
    steps.push((u as WaxArray[])[0]!.toList());
  }
  expectClose(steps, [-0.1, -0.1, -0.01]);
  expectError(() => optimizers.piecewiseConstant([2, 5], [0.1]), "2 boundaries need 3 values, got 1");
});

test("update: grads whose structure differs from the state's are an error naming both", () => {
  const opt = optimizers.adam(0.1);
  const state = opt.init({ w: np.zeros([2]), b: np.zeros([]) });
  expectError(() => opt.update({ w: np.zeros([2]) }, state), "does not match the first tree's {'w': *}");
});

// A least-squares step on a pytree of parameters, for the jit tests.
const lossFn = (p: Tree, x: WaxArray, y: WaxArray) => np.mean(np.square(np.matmul(x, p.w).add(p.b).sub(y)));
const data = () => ({
  x: np.array([[1, 2], [3, -1], [0.5, 0.5], [-2, 1]]),
  y: np.array([1, -1, 0.5, 2]),
});

for (const [name, make] of [
  ["sgd", () => optimizers.sgd(0.05)],
  ["momentum", () => optimizers.momentum(0.05, 0.9)],
  ["adam", () => optimizers.adam(0.05)],
  ["adam with a schedule", () => optimizers.adam(optimizers.exponentialDecay(0.1, 2, 0.5))],
] as const) {
  test(`${name}: a jitted training step is traced once and equals the eager step`, () => {
    const opt = make() as optimizers.GradientTransformation<unknown>;
    let traces = 0;
    const step = (params: Tree, state: unknown, x: WaxArray, y: WaxArray) => {
      traces++;
      const [loss, grads] = valueAndGrad(lossFn)(params, x, y);
      const [updates, next] = opt.update(grads, state, params);
      return [optimizers.applyUpdates(params, updates), next, loss] as const;
    };
    const jitted = jit(step);
    const { x, y } = data();
    let pe: Tree = tree([0.1, -0.2], 0), pj = pe;
    let se = opt.init(pe), sj = se;
    const losses: number[] = [];
    for (let i = 0; i < 4; i++) {
      let le: WaxArray, lj: WaxArray;
      [pe, se, le] = step(pe, se, x, y) as unknown as [Tree, unknown, WaxArray];
      [pj, sj, lj] = jitted(pj, sj, x, y) as unknown as [Tree, unknown, WaxArray];
      expectClose(values(pj), values(pe), 1e-6);
      expectClose(lj.toList(), le.toList(), 1e-6);
      losses.push(le.item() as number);
    }
    assert.is(traces, 4 + 1, "the eager step runs 4 times; the jitted one is traced once");
    assert.ok(losses[3]! < losses[0]!, `the loss falls: ${losses.join(", ")}`);
  });
}

test.run();
