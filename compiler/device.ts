// jax.device_put and jax.block_until_ready. wax's devices share one memory and its calls
// are synchronous, so both are identities on Arrays; JAX code calls them, and device_put
// also turns JS scalars and TypedArrays (JAX: NumPy arrays) into Arrays.

import { Array, type ArrayLike } from "./core/array.js";
import { asArray } from "./core/scalar.js";
import { type Device, devices } from "../runtime/pool.js";
import { array } from "./numpy/creation.js";
import { treeFlatten, treeUnflatten } from "./tree.js";

/** Every leaf of `x` as an Array (numbers stay weakly typed); `device`, if given, must be one of devices(). */
export function devicePut<T>(x: T, device?: Device | { id: number }): T {
  if (device !== undefined) {
    const ids = devices().map((d) => d.id);
    if (typeof device !== "object" || device === null || !ids.includes((device as { id: number }).id)) {
      throw new TypeError(`devicePut: device must be one of devices() (ids ${ids.join(", ")}), got ${JSON.stringify(device)}`);
    }
  }
  const [leaves, tree] = treeFlatten(x);
  return treeUnflatten(tree, leaves.map((l, i) => {
    if (ArrayBuffer.isView(l) && !(l instanceof DataView)) return array(l);
    if (l instanceof Array || typeof l === "number" || typeof l === "boolean") return asArray(l as ArrayLike);
    throw new TypeError(`Argument '${String(l)}' of type ${typeof l} is not a valid JAX type (devicePut leaf ${i})`);
  })) as T;
}

/** Returns `x`: every wax computation has finished by the time it returns. */
export function blockUntilReady<T>(x: T): T {
  return x;
}
