// What every optimizer is, in optax's terms: a gradient transformation, an `init`/`update`
// pair over pytrees. `update` turns gradients into *updates* (the step to add, already
// scaled and negated), and `applyUpdates` adds them to the parameters. Optimizer state is
// a pytree of arrays — the step count included, as an int32 scalar — so a training step
// that calls `update` can be jitted once and called with each new state.

import type { Array } from "../core/array.js";
import { treeDefEqual, treeDefString, treeFlatten, treeUnflatten } from "../tree.js";
import * as np from "../numpy/index.js";

/** A learning rate as a function of the step count (an int32 scalar, 0 for the first update). */
export type Schedule = (count: Array) => Array | number;

/** A fixed learning rate, or a schedule. */
export type LearningRate = number | Schedule;

export interface GradientTransformation<S = unknown> {
  /** The state before the first update, for parameters shaped like `params`. */
  init(params: unknown): S;
  /**
   * `[updates, newState]`: `updates` has the structure of `grads`, and
   * `applyUpdates(params, updates)` takes the step. `params` is accepted for
   * transformations that need them (weight decay); sgd, momentum and adam do not.
   */
  update(grads: unknown, state: S, params?: unknown): [unknown, S];
}

/** `params + updates`, leaf by leaf (optax.apply_updates). */
export function applyUpdates<T>(params: T, updates: unknown): T {
  return mapLeaves("applyUpdates", (p, u) => np.add(p, u), params, updates) as T;
}

/** The learning rate for the update numbered `count`. */
export function learningRateAt(lr: LearningRate, count: Array): Array | number {
  return typeof lr === "number" ? lr : lr(count);
}

/** The int32 step count every optimizer state starts with. */
export function initialCount(): Array {
  return np.zeros([], { dtype: "int32" });
}

/**
 * Maps `f` over the leaves of trees of the same structure (the first one's); a tree of
 * another structure is an error naming both, as JAX's tree_map says.
 */
export function mapLeaves(what: string, f: (...leaves: Array[]) => Array, first: unknown, ...rest: unknown[]): unknown {
  const [leaves, def] = treeFlatten(first);
  const others = rest.map((t, i) => {
    const [ls, d] = treeFlatten(t);
    if (!treeDefEqual(d, def)) {
      throw new TypeError(`${what}: tree ${i + 1} has structure ${treeDefString(d)}, which does not match the first tree's ${treeDefString(def)}`);
    }
    return ls as Array[];
  });
  return treeUnflatten(def, (leaves as Array[]).map((l, j) => f(l, ...others.map((o) => o[j]!))));
}
