// np.einsum — placeholder until implemented.
import type { Array, ArrayLike } from "../core/array.js";
export function einsum(_spec: string, ..._operands: ArrayLike[]): Array {
  throw new Error("einsum: not implemented yet");
}
