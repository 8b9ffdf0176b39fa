// jax.nn: activations and normalisers written as JAX writes them.

import type { Array, ArrayLike } from "../core/array.js";
import { asArray } from "../core/scalar.js";
import { customJvp } from "../autodiff/custom.js";
import * as lax from "../lax/lax.js";
import { normalizeAxis } from "../shape.js";
import { exp, isfinite, maximum, subtract } from "./elementwise.js";
import { promoteArgsInexact, reductionAxes } from "./promote.js";
import { max, sum } from "./reductions.js";

/**
 * As JAX's, a function with a custom JVP: its derivative at 0 is 0 (the max rule alone
 * would split the tie and give 1/2).
 */
const reluWithJvp = customJvp(function relu(x: Array): Array {
  return maximum(x, 0);
}).defjvp(([x], [t]) => [reluWithJvp(x), lax.select(lax.gt(x, 0), t, lax.full(t.shape, 0, t.dtype))]);

export function relu(x: ArrayLike): Array {
  return reluWithJvp(asArray(x, "relu"));
}

export function sigmoid(x: ArrayLike): Array {
  return lax.logistic(promoteArgsInexact([x], "sigmoid")[0]!);
}

/** softmax along `axis` (default the last), shifted by the max for stability. */
export function softmax(x: ArrayLike, axis: number | number[] = -1): Array {
  const a = promoteArgsInexact([x], "softmax")[0]!;
  const axes = typeof axis === "number" ? [normalizeAxis(axis, a.ndim)] : axis;
  const unnormalized = exp(subtract(a, lax.stopGradient(max(a, axes, { keepdims: true }))));
  return lax.div(unnormalized, sum(unnormalized, axes, { keepdims: true }));
}

/** log(sum(exp(x))) along `axis` (default all), computed stably. */
export function logsumexp(x: ArrayLike, axis?: number | number[] | null, opts: { keepdims?: boolean } = {}): Array {
  const a = promoteArgsInexact([x], "logsumexp")[0]!;
  const dims = reductionAxes(axis, a.ndim);
  const amax0 = max(a, dims, { keepdims: opts.keepdims });
  const amax = lax.stopGradient(lax.select(isfinite(amax0), amax0, lax.full(amax0.shape, 0, amax0.dtype)));
  const amaxDims = opts.keepdims ? amax : lax.expandDims(amax, dims);
  return lax.add(lax.log(sum(lax.exp(lax.sub(a, amaxDims)), dims, { keepdims: opts.keepdims })), amax);
}
