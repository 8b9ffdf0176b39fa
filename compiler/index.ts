// The public API of wax: `import { numpy as np, lax, vmap, makeJaxpr } from "wax"`.

export * as numpy from "./numpy/index.js";
export * as lax from "./lax/index.js";
export { Array, ConcretizationTypeError, type ArrayLike } from "./core/array.js";
export { UnexpectedTracerError } from "./core/trace.js";
export { NameError } from "./primitives/impl.js";
export { ClosedJaxpr, Jaxpr, evalJaxpr } from "./jaxpr/jaxpr.js";
export { makeJaxpr, ShapeDtypeStruct } from "./jaxpr/trace.js";
export { treeFlatten, treeUnflatten } from "./tree.js";
export { treeMap } from "./tree-util.js";
export type { DType } from "./dtypes.js";
export { vmap, ValueError } from "./transforms/vmap.js";
export { grad, valueAndGrad, vjp, linearize, jacfwd, jacrev, hessian, type GradOptions } from "./autodiff/api.js";
export { jvp } from "./autodiff/jvp.js";
export { customJvp, customVjp, type CustomJvpFunction, type CustomVjpFunction } from "./autodiff/custom.js";
export * as optimizers from "./optimizers/index.js";
export { NotImplementedError } from "./autodiff/errors.js";
export { jit, Lowered, type Compiled, type JitOptions } from "./jit/jit.js";
export { pmap, type PmapOptions } from "./pmap/pmap.js";
export { scope } from "./core/scope.js";
export { memoryStats, MAX_ARRAY_BYTES, type MemoryStats } from "../runtime/memory.js";
export { devices, setDeviceCount, deviceCount, DeviceError, type Device } from "../runtime/pool.js";
export { setEagerBackend, getEagerBackend, withEagerBackend } from "./core/trace.js";
// Loading the jit module installs the wasm backend for eager operations.
import "./jit/eager.js";
// JAX's conveniences: jax.nn, jax.tree_util, jax.device_put, jax.block_until_ready.
export * as nn from "./numpy/nn.js";
export * as treeUtil from "./tree-util.js";
export { devicePut, blockUntilReady } from "./device.js";
