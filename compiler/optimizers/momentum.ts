// SGD with momentum, as jax.example_libraries.optimizers.momentum and optax.sgd(lr, momentum):
//   velocity = mass · velocity + grads;  updates = -lr(count) · velocity.

import type { Array } from "../core/array.js";
import * as np from "../numpy/index.js";
import { type GradientTransformation, type LearningRate, initialCount, learningRateAt, mapLeaves } from "./transform.js";

export interface MomentumState {
  count: Array;
  /** One array per parameter, shaped like it. */
  velocity: unknown;
}

export function momentum(lr: LearningRate, mass = 0.9): GradientTransformation<MomentumState> {
  return {
    init: (params) => ({ count: initialCount(), velocity: mapLeaves("momentum init", (p) => np.zerosLike(p), params) }),
    update(grads, state) {
      const rate = learningRateAt(lr, state.count);
      const velocity = mapLeaves("momentum update", (g, v) => np.add(np.multiply(v, mass), g), grads, state.velocity);
      const updates = mapLeaves("momentum update", (v) => np.multiply(v, np.negative(rate)), velocity);
      return [updates, { count: np.add(state.count, 1), velocity }];
    },
  };
}
