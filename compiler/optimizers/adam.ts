// Adam (Kingma & Ba, 2015), as optax.adam and jax.example_libraries.optimizers.adam:
//   mu = b1·mu + (1−b1)·g;  nu = b2·nu + (1−b2)·g²;  t = count + 1
//   updates = −lr(count) · (mu / (1−b1^t)) / (sqrt(nu / (1−b2^t)) + eps)

import type { Array } from "../core/array.js";
import * as np from "../numpy/index.js";
import { type GradientTransformation, type LearningRate, initialCount, learningRateAt, mapLeaves } from "./transform.js";

export interface AdamOptions {
  /** Decay of the first moment (the mean of the gradients); default 0.9. */
  b1?: number;
  /** Decay of the second moment (the mean of their squares); default 0.999. */
  b2?: number;
  /** Added to the root of the second moment, so that a zero gradient gives a zero step; default 1e-8. */
  eps?: number;
}

export interface AdamState {
  count: Array;
  mu: unknown;
  nu: unknown;
}

export function adam(lr: LearningRate, { b1 = 0.9, b2 = 0.999, eps = 1e-8 }: AdamOptions = {}): GradientTransformation<AdamState> {
  return {
    init: (params) => ({
      count: initialCount(),
      mu: mapLeaves("adam init", (p) => np.zerosLike(p), params),
      nu: mapLeaves("adam init", (p) => np.zerosLike(p), params),
    }),
    update(grads, state) {
      const rate = learningRateAt(lr, state.count);
      const count = np.add(state.count, 1);
      // The count is an array, so the bias corrections are computed in the (jitted) step.
      const t = count.astype("float32");
      const c1 = np.subtract(1, np.power(b1, t)), c2 = np.subtract(1, np.power(b2, t));
      const mu = mapLeaves("adam update", (g, m) => np.add(np.multiply(m, b1), np.multiply(g, 1 - b1)), grads, state.mu);
      const nu = mapLeaves("adam update", (g, v) => np.add(np.multiply(v, b2), np.multiply(np.square(g), 1 - b2)), grads, state.nu);
      const step = np.divide(np.negative(rate), c1);
      const updates = mapLeaves(
        "adam update",
        (m, v) => np.multiply(step, np.divide(m, np.add(np.sqrt(np.divide(v, c2)), eps))),
        mu,
        nu,
      );
      return [updates, { count, mu, nu }];
    },
  };
}
