// Stochastic gradient descent: updates = -lr(count) · grads.

import type { Array } from "../core/array.js";
import * as np from "../numpy/index.js";
import { type GradientTransformation, type LearningRate, initialCount, learningRateAt, mapLeaves } from "./transform.js";

export interface SgdState {
  count: Array;
}

export function sgd(lr: LearningRate): GradientTransformation<SgdState> {
  return {
    init: () => ({ count: initialCount() }),
    update(grads, state) {
      const rate = learningRateAt(lr, state.count);
      const updates = mapLeaves("sgd update", (g) => np.multiply(g, np.negative(rate)), grads);
      return [updates, { count: np.add(state.count, 1) }];
    },
  };
}
