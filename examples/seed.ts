// The seed notebook ("Vectorization and Parallelization"), step by step, with wax.
// Run: npm start

import { jit, numpy as np, makeJaxpr, vmap } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";

/** numpy's print() of a 1-D or 2-D array: `[70 70 70 70 70]`. */
function show(x: WaxArray): string {
  const fmt = (v: unknown): string =>
    Array.isArray(v) ? `[${v.map(fmt).join(" ")}]` : typeof v === "boolean" ? (v ? "True" : "False") : String(v);
  return fmt(x.toList());
}

/** %timeit: mean ± std of 7 runs of `loops` calls each. */
function timeit(label: string, fn: () => unknown, loops = 1000): void {
  for (let i = 0; i < loops; i++) fn();
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < loops; i++) fn();
    runs.push(Number(process.hrtime.bigint() - t0) / 1e3 / loops);
  }
  const mean = runs.reduce((a, b) => a + b, 0) / runs.length;
  const std = Math.sqrt(runs.reduce((a, b) => a + (b - mean) ** 2, 0) / runs.length);
  const fmt = (us: number) => (us < 1 ? `${(us * 1000).toFixed(0)} ns` : `${us.toFixed(2)} µs`);
  console.log(`${label}\n  ${fmt(mean)} ± ${fmt(std)} per loop (mean ± std. dev. of 7 runs, ${loops} loops each)`);
}

console.log("# In [52]: a batch of dot products with einsum");
const array1 = np.stack(Array.from({ length: 5 }, () => np.array([1, 2, 3, 4])));
const array2 = np.stack(Array.from({ length: 5 }, () => np.array([5, 6, 7, 8])));
console.log(show(np.einsum("ij,ij-> i", array1, array2)));

console.log("\n# In [53]: the same with vmap");
// Singular operation to be performed by vmap
const dotProduct = (a: WaxArray, b: WaxArray) => np.dot(a, b);
const func = vmap(dotProduct, [0, 0], 0);
// Further transformation with jit
const jittedFunc = jit(func);

timeit("%timeit res1 = func(array1, array2)", () => func(array1, array2));
const t0 = performance.now();
jittedFunc(array1, array2);
console.log(`%time res2 = jitted_func(array1, array2): wall time ${(performance.now() - t0).toFixed(1)} ms (trace + compile)`);
timeit("%timeit res3 = jitted_func(array1, array2)", () => jittedFunc(array1, array2), 100000);
const res1 = func(array1, array2) as WaxArray;
const res3 = jittedFunc(array1, array2) as WaxArray;
console.log(show(res1));
console.log(show(res3));

console.log("\n# In [54]: what vmap did: the batch is inside dot_general's dimension_numbers");
console.log(String(makeJaxpr(vmap(dotProduct, [0, 0], 0))(array1, array2)));
