// Learning-rate schedules: functions of the int32 step count, traced like the rest of the
// step, so a jitted step compiled once follows the schedule.

import type { Array } from "../core/array.js";
import * as np from "../numpy/index.js";
import type { Schedule } from "./transform.js";

/** `lr0 · decayRate^(count / decaySteps)` (jax.example_libraries.optimizers.exponential_decay). */
export function exponentialDecay(lr0: number, decaySteps: number, decayRate: number): Schedule {
  return (count: Array) => np.multiply(lr0, np.power(decayRate, np.divide(count, decaySteps)));
}

/**
 * `values[i]` while `count < boundaries[i]`, and the last value after the last boundary
 * (jax.example_libraries.optimizers.piecewise_constant).
 */
export function piecewiseConstant(boundaries: readonly number[], values: readonly number[]): Schedule {
  if (values.length !== boundaries.length + 1) {
    throw new TypeError(`piecewiseConstant: ${boundaries.length} boundaries need ${boundaries.length + 1} values, got ${values.length}`);
  }
  return (count: Array) => {
    let lr: Array = np.full([], values[values.length - 1]!);
    for (let i = boundaries.length - 1; i >= 0; i--) lr = np.where(np.less(count, boundaries[i]!), values[i]!, lr);
    return lr;
  };
}
