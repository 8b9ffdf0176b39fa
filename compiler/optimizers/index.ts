// Optimizers in the manner of optax's core (`import { optimizers } from "wax"`):
//
//   const opt = optimizers.adam(1e-3);
//   let state = opt.init(params);
//   const step = jit((params, state, x, y) => {
//     const [loss, grads] = valueAndGrad(lossFn)(params, x, y);
//     const [updates, newState] = opt.update(grads, state);
//     return [optimizers.applyUpdates(params, updates), newState, loss];
//   });

export { type GradientTransformation, type LearningRate, type Schedule, applyUpdates } from "./transform.js";
export { sgd, type SgdState } from "./sgd.js";
export { momentum, type MomentumState } from "./momentum.js";
export { adam, type AdamOptions, type AdamState } from "./adam.js";
export { exponentialDecay, piecewiseConstant } from "./schedules.js";
