// npm run bench — what wax costs today against what a user would otherwise write.
// Today wax runs eagerly on the reference interpreter; the jit issue adds compiled
// WebAssembly and the bench issue the full set of workloads and peers.

import { numpy as np, vmap } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { formatTime, time } from "./harness.js";

const a = np.stack(Array.from({ length: 5 }, () => np.array([1, 2, 3, 4])));
const b = np.stack(Array.from({ length: 5 }, () => np.array([5, 6, 7, 8])));
const dotProduct = (x: WaxArray, y: WaxArray) => np.dot(x, y);
const batched = vmap(dotProduct, [0, 0], 0);

// The plain JS a user would write: loops over typed arrays.
const ad = a.data() as Int32Array, bd = b.data() as Int32Array;
function plainJs(): Int32Array {
  const out = new Int32Array(5);
  for (let i = 0; i < 5; i++) {
    let s = 0;
    for (let j = 0; j < 4; j++) s += ad[i * 4 + j]! * bd[i * 4 + j]!;
    out[i] = s;
  }
  return out;
}

const expected = plainJs().join();
const check = (name: string, x: WaxArray) => {
  if (x.data().join() !== expected) throw new Error(`${name} disagrees with plain JS: ${x.data().join()} vs ${expected}`);
};
check("vmap(dot)", batched(a, b) as WaxArray);
check("einsum", np.einsum("ij,ij->i", a, b));

const rows: [string, number][] = [
  ["plain JS loop", time(plainJs).median],
  ["wax eager vmap(dot) [5,4] int32", time(() => batched(a, b)).median],
  ["wax eager einsum('ij,ij->i')", time(() => np.einsum("ij,ij->i", a, b)).median],
];
const base = rows[0]![1];
console.log("W1 (seed) — median per call, ratio to plain JS (lower is better)");
for (const [name, us] of rows) console.log(`  ${name.padEnd(36)} ${formatTime(us).padStart(10)}  ×${(us / base).toFixed(1)}`);
