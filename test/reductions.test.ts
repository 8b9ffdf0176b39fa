// Reductions with axis as a number, a list or none, and keepdims.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np } from "../compiler/index.js";
import { expectArray, expectError } from "./util.js";

const x = () => np.array([[1, 5, 3], [4, 2, 6]]);
// x3[i][j][k] = 12i + 4j + k
const x3 = () => np.reshape(np.arange(24), [2, 3, 4]);

test("sum over all, one, negative and several axes", () => {
  expectArray(np.sum(x()), 21, "int32");
  expectArray(np.sum(x(), null), 21, "int32");
  expectArray(np.sum(x(), 0), [5, 7, 9], "int32");
  expectArray(np.sum(x(), 1), [9, 12], "int32");
  expectArray(np.sum(x(), -1), [9, 12], "int32");
  expectArray(np.sum(x3(), [0, 2]), [60, 92, 124], "int32");
  expectArray(np.sum(x3(), [2, 0]), [60, 92, 124], "int32");
  expectArray(np.sum(x3(), -1), [[6, 22, 38], [54, 70, 86]], "int32");
  expectArray(np.sum(x3(), []), [[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], [[12, 13, 14, 15], [16, 17, 18, 19], [20, 21, 22, 23]]], "int32");
  expectArray(np.sum(np.array([0.5, 0.25, 0.125])), 0.875, "float32");
});

test("sum with keepdims", () => {
  const s = np.sum(x3(), [0, 2], { keepdims: true });
  assert.equal([...s.shape], [1, 3, 1]);
  expectArray(s, [[[60], [92], [124]]], "int32");
  expectArray(np.sum(x(), undefined, { keepdims: true }), [[21]], "int32");
  expectArray(np.sum(x(), 1, { keepdims: true }), [[9], [12]], "int32");
});

test("sum and prod of empty arrays give the identity", () => {
  expectArray(np.sum(np.zeros([0])), 0, "float32");
  expectArray(np.prod(np.zeros([0])), 1, "float32");
  expectArray(np.sum(np.zeros([2, 0]), 1), [0, 0], "float32");
});

test("prod", () => {
  expectArray(np.prod(np.array([[1, 2], [3, 4]])), 24, "int32");
  expectArray(np.prod(np.array([[1, 2], [3, 4]]), 1), [2, 12], "int32");
  expectArray(np.prod(np.array([[1, 2], [3, 4]]), 0, { keepdims: true }), [[3, 8]], "int32");
  expectArray(np.prod(np.array([0.5, 4, -1])), -2, "float32");
});

test("max and min", () => {
  expectArray(np.max(x()), 6, "int32");
  expectArray(np.max(x(), 0), [4, 5, 6], "int32");
  expectArray(np.min(x(), 1), [1, 2], "int32");
  expectArray(np.max(x3(), [1, 2]), [11, 23], "int32");
  expectArray(np.min(x3(), 0), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], "int32");
  expectArray(np.min(x(), -1, { keepdims: true }), [[1], [2]], "int32");
  expectArray(np.max(np.array([-1.5, -0.5])), -0.5, "float32");
  expectArray(np.max(np.array([1, NaN, 3])), NaN, "float32");
  expectArray(np.min(np.array([1, NaN, 3])), NaN, "float32");
  expectArray(np.max(np.array([[true, false], [false, false]]), 1), [true, false], "bool");
  expectArray(np.min(np.array([[true, false], [true, true]]), 1), [false, true], "bool");
  expectArray(np.amax(x(), 0), [4, 5, 6], "int32");
  expectArray(np.amin(x(), 0), [1, 2, 3], "int32");
  expectError(() => np.max(np.zeros([0])), "zero-size array to reduction operation max which has no identity");
  expectError(() => np.min(np.zeros([2, 0]), 1), "zero-size array to reduction operation min which has no identity");
});

test("mean", () => {
  expectArray(np.mean(x()), 3.5, "float32");
  expectArray(np.mean(x(), 0), [2.5, 3.5, 4.5], "float32");
  expectArray(np.mean(x(), 1), [3, 4], "float32");
  expectArray(np.mean(x(), 1, { keepdims: true }), [[3], [4]], "float32");
  expectArray(np.mean(x3(), [0, 1]), [10, 11, 12, 13], "float32");
  expectArray(np.mean(x3(), [0, 1], { keepdims: true }), [[[10, 11, 12, 13]]], "float32");
  expectArray(np.mean(np.array([0.5, 1.5, 4])), 2, "float32");
  expectArray(np.mean(np.zeros([0])), NaN, "float32");
});

test("argmax and argmin", () => {
  expectArray(np.argmax(x()), 5, "int32");
  expectArray(np.argmax(x(), 0), [1, 0, 1], "int32");
  expectArray(np.argmax(x(), 1), [1, 2], "int32");
  expectArray(np.argmax(x(), -1), [1, 2], "int32");
  expectArray(np.argmin(x()), 0, "int32");
  expectArray(np.argmin(x(), 0), [0, 1, 0], "int32");
  expectArray(np.argmin(x(), -1), [0, 1], "int32");
  expectArray(np.argmax(x3(), 1), [[2, 2, 2, 2], [2, 2, 2, 2]], "int32");
  expectArray(np.argmin(x3(), 2), [[0, 0, 0], [0, 0, 0]], "int32");
});

test("argmax and argmin with keepdims", () => {
  const a = np.argmax(x(), 1, { keepdims: true });
  assert.equal([...a.shape], [2, 1]);
  expectArray(a, [[1], [2]], "int32");
  const b = np.argmin(x(), null, { keepdims: true });
  assert.equal([...b.shape], [1, 1]);
  expectArray(b, [[0]], "int32");
});

test("argmax and argmin take the first of ties and treat NaN as extreme", () => {
  expectArray(np.argmax(np.array([3, 7, 7, 1])), 1, "int32");
  expectArray(np.argmin(np.array([3, 1, 7, 1])), 1, "int32");
  expectArray(np.argmax(np.array([1, NaN, 3, NaN])), 1, "int32");
  expectArray(np.argmin(np.array([1, 0, NaN])), 2, "int32");
  expectArray(np.argmax(np.array([false, true, true])), 1, "int32");
  expectError(() => np.argmax(np.zeros([0])), "attempt to get argmax of an empty sequence");
});

test("any and all", () => {
  expectArray(np.any(np.array([[0, 0], [0, 2]]), 1), [false, true], "bool");
  expectArray(np.all(np.array([[1, 0], [3, 2]]), 1), [false, true], "bool");
  expectArray(np.any(np.zeros([0])), false, "bool");
  expectArray(np.all(np.zeros([0])), true, "bool");
});

test("the options object may take the place of the axis", () => {
  expectArray(np.sum(x(), { keepdims: true }), [[21]], "int32");
  expectArray(np.mean(x(), { keepdims: true }), [[3.5]], "float32");
  expectArray(np.max(x(), { keepdims: true }), [[6]], "int32");
  expectArray(np.argmax(x(), { keepdims: true }), [[5]], "int32");
  expectArray(x().sum({ keepdims: true }), [[21]], "int32");
  expectArray(x().argmin({ keepdims: true }), [[0]], "int32");
});

test("reductions reject bad axes", () => {
  expectError(() => np.sum(x(), 2), "axis 2 is out of bounds for array of dimension 2");
  expectError(() => np.mean(x(), -3), "axis -3 is out of bounds for array of dimension 2");
  expectError(() => np.max(x(), [0, 0]), "repeated axis");
  expectError(() => np.argmax(x(), 2), "out of bounds for array of dimension 2");
});

test.run();
