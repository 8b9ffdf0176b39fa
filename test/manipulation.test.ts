// numpy's cumulative, manipulation and statistics functions against hand-computed values
// (numpy's results for the same inputs), and their composition with grad, vmap and jit.

import { test } from "uvu";
import { grad, jit, lax, numpy as np, vmap } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { expectArray, expectClose, expectError } from "./util.js";

const x = () => np.array([[1, 2, 3], [4, 5, 6]], { dtype: "float32" });

test("cumsum, cumprod, cummax, cummin (numpy and lax), with axis, flattening, reverse and bools", () => {
  expectArray(np.cumsum(x(), 1), [[1, 3, 6], [4, 9, 15]], "float32");
  expectArray(np.cumsum(x()), [1, 3, 6, 10, 15, 21], "float32");
  expectArray(np.cumprod(x(), 0), [[1, 2, 3], [4, 10, 18]], "float32");
  expectArray(np.cummax(np.array([3, 1, 4, 1, 5, 9, 2, 6])), [3, 3, 4, 4, 5, 9, 9, 9], "int32");
  expectArray(np.cummin(np.array([3, 1, 4, 0, 5]), 0), [3, 1, 1, 0, 0], "int32");
  expectArray(lax.cumsum(np.arange(5), 0, true), [10, 10, 9, 7, 4], "int32");
  expectArray(np.cumsum(np.array([true, false, true])), [1, 1, 2], "int32");
  expectArray(np.cumsum(np.arange(17)), Array.from({ length: 17 }, (_, i) => (i * (i + 1)) / 2), "int32");
  expectArray(np.cumsum(np.zeros([0])), [], "float32");
  expectError(() => lax.cumsum(np.array(1)), "rank at least 1");
});

test("flip, roll, tile, repeat, pad", () => {
  expectArray(np.flip(x()), [[6, 5, 4], [3, 2, 1]]);
  expectArray(np.flip(x(), 1), [[3, 2, 1], [6, 5, 4]]);
  expectArray(np.roll(np.arange(5), 2), [3, 4, 0, 1, 2]);
  expectArray(np.roll(np.arange(5), -7), [2, 3, 4, 0, 1]);
  expectArray(np.roll(x(), -1, 1), [[2, 3, 1], [5, 6, 4]]);
  expectArray(np.roll(x(), 1), [[6, 1, 2], [3, 4, 5]]);
  expectArray(np.tile(np.array([1, 2]), [2, 2]), [[1, 2, 1, 2], [1, 2, 1, 2]]);
  expectArray(np.tile(np.array([[1], [2]]), 3), [[1, 1, 1], [2, 2, 2]]);
  expectArray(np.repeat(np.array([[1, 2], [3, 4]]), 2, 1), [[1, 1, 2, 2], [3, 3, 4, 4]]);
  expectArray(np.repeat(np.array([1, 2]), 3), [1, 1, 1, 2, 2, 2]);
  expectArray(np.pad(np.array([1, 2]), [[1, 2]], { constantValues: 9 }), [9, 1, 2, 9, 9]);
  expectArray(np.pad(x(), 1), [[0, 0, 0, 0, 0], [0, 1, 2, 3, 0], [0, 4, 5, 6, 0], [0, 0, 0, 0, 0]], "float32");
  expectArray(np.pad(x(), [0, 1]), [[1, 2, 3, 0], [4, 5, 6, 0], [0, 0, 0, 0]], "float32");
  expectError(() => np.pad(x(), [[1, 1]]), "pair for each of the 2 axes");
});

test("triu, tril, meshgrid, diff", () => {
  expectArray(np.triu(np.ones([3, 3])), [[1, 1, 1], [0, 1, 1], [0, 0, 1]]);
  expectArray(np.tril(np.ones([3, 3]), -1), [[0, 0, 0], [1, 0, 0], [1, 1, 0]]);
  expectArray(np.triu(np.ones([2, 3]), 1), [[0, 1, 1], [0, 0, 1]]);
  const [gx, gy] = np.meshgrid(np.arange(3), np.arange(2));
  expectArray(gx!, [[0, 1, 2], [0, 1, 2]]);
  expectArray(gy!, [[0, 0, 0], [1, 1, 1]]);
  const [ix, iy] = np.meshgrid(np.arange(3), np.arange(2), { indexing: "ij" });
  expectArray(ix!, [[0, 0], [1, 1], [2, 2]]);
  expectArray(iy!, [[0, 1], [0, 1], [0, 1]]);
  expectArray(np.diff(np.array([1, 4, 9, 16])), [3, 5, 7]);
  expectArray(np.diff(np.array([1, 4, 9, 16]), 2), [2, 2]);
  expectArray(np.diff(x(), 1, 0), [[3, 3, 3]], "float32");
  expectArray(np.diff(np.array([true, false, false])), [true, false], "bool");
});

test("var, std (ddof, keepdims), linalg.norm for vectors and matrices", () => {
  expectClose(np.var(x()).item(), 35 / 12, 1e-6);
  expectArray(np.var(x(), 0), [2.25, 2.25, 2.25], "float32");
  expectArray(np.std(x(), 1, { ddof: 1 }), [1, 1], "float32");
  expectArray(np.var(x(), 1, { keepdims: true }), [[2 / 3], [2 / 3]], "float32");
  expectArray(np.var(np.array([1, 2, 3, 4])), 1.25, "float32");
  expectClose(np.linalg.norm(np.array([3, 4])).item(), 5);
  expectClose(np.linalg.norm(x()).item(), Math.sqrt(91), 1e-6);
  expectClose(np.linalg.norm(x(), 1).item(), 9);
  expectClose(np.linalg.norm(x(), -1).item(), 5);
  expectClose(np.linalg.norm(x(), Infinity).item(), 15);
  expectClose(np.linalg.norm(x(), "fro").item(), Math.sqrt(91), 1e-6);
  expectArray(np.linalg.norm(x(), null, 1), [Math.sqrt(14), Math.sqrt(77)], "float32");
  expectArray(np.linalg.norm(x(), 1, 1), [6, 15], "float32");
  expectArray(np.linalg.norm(x(), Infinity, 0), [4, 5, 6], "float32");
  expectClose(np.linalg.norm(np.array([1, -2, 2]), 3).item(), 17 ** (1 / 3), 1e-6);
  expectError(() => np.linalg.norm(np.ones([2, 2, 2]), 1), "Improper number of dimensions to norm");
});

test("isnan, isinf, round (halves to even)", () => {
  expectArray(np.isnan(np.array([1, NaN, Infinity])), [false, true, false], "bool");
  expectArray(np.isinf(np.array([1, NaN, -Infinity])), [false, false, true], "bool");
  expectArray(np.isnan(np.array([1, 2])), [false, false], "bool");
  const r = np.round(np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6, -2.6, 8388609], { dtype: "float32" }));
  expectArray(r, [0, 2, 2, -0, -2, 2, 3, -3, 8388609], "float32");
  expectArray(np.round(np.array([1.25, 1.35, -0.05], { dtype: "float32" }), 1), [1.2, 1.4, -0], "float32", 1e-6);
  expectArray(np.round(np.array([3, -4])), [3, -4], "int32");
});

test("compositions: grad of cumsum, vmap of roll, jit of cumprod and norm", () => {
  // f = Σ cumsum(v)·v, so ∂f/∂v_j = cumsum(v)_j + Σ_{i≥j} v_i.
  expectArray(grad((v: WaxArray) => np.sum(np.multiply(np.cumsum(v), v)))(np.array([1, 2, 3], { dtype: "float32" })), [7, 8, 9], "float32");
  expectArray(vmap((v: WaxArray) => np.roll(v, 1))(x()) as WaxArray, [[3, 1, 2], [6, 4, 5]], "float32");
  expectArray(jit((v: WaxArray) => np.cumprod(v, 1))(x()) as WaxArray, [[1, 2, 6], [4, 20, 120]], "float32");
  expectArray(grad((v: WaxArray) => np.linalg.norm(v))(np.array([3, 4], { dtype: "float32" })), [0.6, 0.8], "float32");
});

test.run();
