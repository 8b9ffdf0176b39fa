// Arrays print as JAX prints them (JAX's repr over numpy's array2string): floats in the
// shortest form that reads back as the same float32, padded to one width, scientific when
// the magnitudes call for it; booleans padded; rows wrapped at 75 columns; more than 1,000
// elements summarised. The expected strings are what JAX 0.4 prints for the same arrays.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np } from "../compiler/index.js";

const f32 = (v: unknown) => np.array(v, { dtype: "float32" });
const show = (x: unknown) => String(x);

test("float32: trailing points, common widths, shortest round-trip digits", () => {
  assert.is(show(np.ones([2])), "Array([1., 1.], dtype=float32)");
  assert.is(show(f32([1, 2.5])), "Array([1. , 2.5], dtype=float32)");
  assert.is(show(f32(1)), "Array(1., dtype=float32)");
  assert.is(show(f32([0.1, -0.25, 1 / 3])), "Array([ 0.1       , -0.25      ,  0.33333334], dtype=float32)");
  assert.is(show(f32([-0, 1])), "Array([-0.,  1.], dtype=float32)");
  assert.is(show(f32([[1, 2], [3, 4]])), "Array([[1., 2.],\n       [3., 4.]], dtype=float32)");
});

test("float32: scientific notation for large, tiny or far-apart magnitudes; nan and inf", () => {
  assert.is(show(f32([1e8, 1])), "Array([1.e+08, 1.e+00], dtype=float32)");
  assert.is(show(f32([1e-5, 1.5])), "Array([1.0e-05, 1.5e+00], dtype=float32)");
  assert.is(show(f32([NaN, Infinity, -Infinity])), "Array([ nan,  inf, -inf], dtype=float32)");
  assert.is(show(f32([1.5, NaN])), "Array([1.5, nan], dtype=float32)");
});

test("int32 and bool", () => {
  assert.is(show(np.array([1, -2, 30])), "Array([ 1, -2, 30], dtype=int32)");
  assert.is(show(np.array(7, { dtype: "int32" })), "Array(7, dtype=int32)");
  assert.is(show(np.array(7)), "Array(7, dtype=int32, weak_type=True)", "a JS number is weakly typed, as a Python scalar in jnp.array");
  assert.is(show(np.array([true, false])), "Array([ True, False], dtype=bool)");
  assert.is(show(np.array(true)), "Array(True, dtype=bool)");
  assert.is(
    show(np.arange(24).reshape(2, 3, 4)),
    "Array([[[ 0,  1,  2,  3],\n        [ 4,  5,  6,  7],\n        [ 8,  9, 10, 11]],\n\n       [[12, 13, 14, 15],\n        [16, 17, 18, 19],\n        [20, 21, 22, 23]]], dtype=int32)",
  );
});

test("long rows wrap at 75 columns; JAX puts dtype after six spaces when the last line is long", () => {
  const x = np.arange(12).astype("float32").mul(1.1);
  assert.is(
    show(x),
    "Array([ 0.       ,  1.1      ,  2.2      ,  3.3000002,  4.4      ,\n" +
      "        5.5      ,  6.6000004,  7.7000003,  8.8      ,  9.900001 ,\n" +
      "       11.       , 12.1      ], dtype=float32)",
  );
  assert.is(
    show(np.arange(10).astype("float32").div(9)),
    "Array([0.        , 0.11111111, 0.22222222, 0.33333334, 0.44444445,\n" +
      "       0.5555556 , 0.6666667 , 0.7777778 , 0.8888889 , 1.        ],      dtype=float32)",
  );
});

test("summaries past 1,000 elements, empty arrays, weak types", () => {
  assert.is(show(np.arange(2000)), "Array([   0,    1,    2, ..., 1997, 1998, 1999], dtype=int32)");
  assert.is(
    show(np.arange(2000).reshape(1000, 2)),
    "Array([[   0,    1],\n       [   2,    3],\n       [   4,    5],\n       ...,\n       [1994, 1995],\n       [1996, 1997],\n       [1998, 1999]], dtype=int32)",
  );
  assert.is(show(np.zeros([0, 3])), "Array([], shape=(0, 3), dtype=float32)");
  assert.is(show(np.ones([3]).sum().mul(0).add(2.5).astype("float32")), "Array(2.5, dtype=float32)");
  assert.is(show(np.add(np.array(1.5), 1)), "Array(2.5, dtype=float32, weak_type=True)");
  assert.is(show(np.add(f32(1.5), 1)), "Array(2.5, dtype=float32)");
});

test("Node's console.log shows the same text", async () => {
  const { inspect } = await import("node:util");
  assert.is(inspect(f32([1, 2.5])), "Array([1. , 2.5], dtype=float32)");
});

test.run();
