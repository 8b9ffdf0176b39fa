// Shape manipulation and basic indexing.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np } from "../compiler/index.js";
import { expectArray, expectError } from "./util.js";

// m[i][j] = 4i + j, shape (3, 4)
const m = () => np.reshape(np.arange(12), [3, 4]);
// x3[i][j][k] = 12i + 4j + k, shape (2, 3, 4)
const x3 = () => np.reshape(np.arange(24), [2, 3, 4]);

test("reshape, with -1 inferred", () => {
  expectArray(np.reshape(np.arange(6), [2, 3]), [[0, 1, 2], [3, 4, 5]], "int32");
  expectArray(np.reshape(np.arange(6), [2, -1]), [[0, 1, 2], [3, 4, 5]], "int32");
  expectArray(np.reshape(np.arange(6), [-1, 2]), [[0, 1], [2, 3], [4, 5]], "int32");
  expectArray(np.reshape(m(), -1), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], "int32");
  expectArray(np.reshape(m(), [2, -1, 3]), [[[0, 1, 2], [3, 4, 5]], [[6, 7, 8], [9, 10, 11]]], "int32");
  expectArray(np.reshape(np.array([5]), []), 5, "int32");
  expectArray(np.reshape(np.array(5), [1, 1]), [[5]], "int32");
  assert.equal([...np.reshape(np.zeros([0, 3]), [3, -1, 2]).shape], [3, 0, 2]);
  expectError(() => np.reshape(np.arange(6), [4]), "cannot reshape array of shape (6,) (size 6) into shape (4,)");
  expectError(() => np.reshape(np.arange(6), [-1, -1]), "cannot reshape array of shape (6,) (size 6) into shape (-1, -1)");
  expectError(() => np.reshape(np.arange(6), [4, -1]), "cannot reshape array of shape (6,) (size 6) into shape (4, -1)");
});

test("transpose reverses axes by default, or permutes them", () => {
  expectArray(np.transpose(m()), [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]], "int32");
  const t = np.transpose(x3(), [1, 0, 2]);
  assert.equal([...t.shape], [3, 2, 4]);
  expectArray(t.slice(2, 1), [20, 21, 22, 23], "int32");
  const r = np.transpose(x3());
  assert.equal([...r.shape], [4, 3, 2]);
  // r[k][j][i] = 12i + 4j + k
  expectArray(r.slice(3, 1), [7, 19], "int32");
  expectArray(np.transpose(x3(), [-1, 0, 1]).slice(1, 1), [13, 17, 21], "int32");
  expectArray(np.transpose(np.array(3)), 3, "int32");
  expectError(() => np.transpose(m(), [0]), "axes don't match array");
  expectError(() => np.transpose(m(), [0, 0]), "repeated axis");
});

test("swapaxes and moveaxis", () => {
  expectArray(np.swapaxes(m(), 0, 1), [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]], "int32");
  const s = np.swapaxes(x3(), 0, -1);
  assert.equal([...s.shape], [4, 3, 2]);
  expectArray(s.slice(1, 2), [9, 21], "int32");
  const mv = np.moveaxis(x3(), 0, -1);
  assert.equal([...mv.shape], [3, 4, 2]);
  // mv[j][k][i] = x3[i][j][k]
  expectArray(mv.slice(1, 2), [6, 18], "int32");
  const mv2 = np.moveaxis(x3(), -1, 0);
  assert.equal([...mv2.shape], [4, 2, 3]);
  expectArray(mv2.slice(3, 1), [15, 19, 23], "int32");
  const mv3 = np.moveaxis(x3(), [0, 1], [2, 0]);
  assert.equal([...mv3.shape], [3, 4, 2]);
  expectArray(mv3.slice(2, 3), [11, 23], "int32");
  expectError(() => np.moveaxis(x3(), [0, 1], [0]), "`source` and `destination` arguments must have the same number of elements");
});

test("expandDims and squeeze", () => {
  const v = np.array([1, 2]);
  assert.equal([...np.expandDims(v, 0).shape], [1, 2]);
  assert.equal([...np.expandDims(v, 1).shape], [2, 1]);
  assert.equal([...np.expandDims(v, -1).shape], [2, 1]);
  assert.equal([...np.expandDims(v, [0, 2]).shape], [1, 2, 1]);
  assert.equal([...np.expandDims(v, [0, -1]).shape], [1, 2, 1]);
  expectArray(np.expandDims(v, 1), [[1], [2]], "int32");
  const z = np.zeros([1, 3, 1]);
  assert.equal([...np.squeeze(z).shape], [3]);
  assert.equal([...np.squeeze(z, 0).shape], [3, 1]);
  assert.equal([...np.squeeze(z, -1).shape], [1, 3]);
  assert.equal([...np.squeeze(z, [0, 2]).shape], [3]);
  expectArray(np.squeeze(np.array([[[7]]])), 7, "int32");
  expectError(() => np.squeeze(z, 1), "cannot select an axis to squeeze out which has size not equal to one, got shape=(1, 3, 1) and dimensions=(1,)");
  expectError(() => np.expandDims(v, 3), "3 is out of bounds for array of dimension 2");
});

test("broadcastTo", () => {
  expectArray(np.broadcastTo(np.array([1, 2, 3]), [2, 3]), [[1, 2, 3], [1, 2, 3]], "int32");
  expectArray(np.broadcastTo(np.array([[1], [2]]), [2, 3]), [[1, 1, 1], [2, 2, 2]], "int32");
  expectArray(np.broadcastTo(np.array(5), [2]), [5, 5], "int32");
  expectArray(np.broadcastTo(np.array([[1], [2]]), [2, 2, 2]), [[[1, 1], [2, 2]], [[1, 1], [2, 2]]], "int32");
  expectArray(np.broadcastTo(np.array([1, 2]), [2]), [1, 2], "int32");
  expectError(() => np.broadcastTo(np.array([1, 2, 3]), [2, 4]), "Incompatible shapes for broadcasting: (3,) and requested shape (2, 4)");
  expectError(() => np.broadcastTo(np.ones([2, 3]), [3]), "Incompatible shapes for broadcasting: (2, 3) and requested shape (3,)");
});

test("concatenate along an axis, a negative axis or flattened", () => {
  const a = np.array([[1, 2], [3, 4]]), b = np.array([[5, 6]]);
  expectArray(np.concatenate([a, b]), [[1, 2], [3, 4], [5, 6]], "int32");
  expectArray(np.concatenate([a, np.array([[7], [8]])], 1), [[1, 2, 7], [3, 4, 8]], "int32");
  expectArray(np.concatenate([a, np.array([[7], [8]])], -1), [[1, 2, 7], [3, 4, 8]], "int32");
  expectArray(np.concatenate([a, b], null), [1, 2, 3, 4, 5, 6], "int32");
  expectArray(np.concatenate([np.array([1, 2]), np.array([0.5])]), [1, 2, 0.5], "float32");
  expectArray(np.concatenate([np.array([1, 2])]), [1, 2], "int32");
  expectArray(np.concatenate([np.zeros([0]), np.array([1.5])]), [1.5], "float32");
  const many = np.concatenate(Array.from({ length: 20 }, (_, i) => np.array([i])));
  expectArray(many, Array.from({ length: 20 }, (_, i) => i), "int32");
  expectError(() => np.concatenate([a, b], 1), /differ in dimensions other than the one being concatenated/);
  expectError(() => np.concatenate([a, np.array([1, 2])]), "all the input arrays must have same number of dimensions");
  expectError(() => np.concatenate([np.array(1), np.array(2)]), "Zero-dimensional arrays cannot be concatenated.");
  expectError(() => np.concatenate([]), "Need at least one array to concatenate.");
  expectError(() => np.concatenate([a, b], 2), "axis 2 is out of bounds for array of dimension 2");
});

test("stack along new axes", () => {
  const a = np.array([1, 2]), b = np.array([3, 4]);
  expectArray(np.stack([a, b]), [[1, 2], [3, 4]], "int32");
  expectArray(np.stack([a, b], 1), [[1, 3], [2, 4]], "int32");
  expectArray(np.stack([a, b], -1), [[1, 3], [2, 4]], "int32");
  expectArray(np.stack([np.array(1), np.array(2.5)]), [1, 2.5], "float32");
  const s = np.stack([m(), m(), m()], 1);
  assert.equal([...s.shape], [3, 3, 4]);
  expectError(() => np.stack([a, np.array([1, 2, 3])]), "all input arrays must have the same shape");
  expectError(() => np.stack([a, b], 2), "axis 2 is out of bounds for array of dimension 2");
  expectError(() => np.stack([]), "Need at least one array to stack.");
});

test("x.slice with integers drops axes", () => {
  expectArray(m().slice(0), [0, 1, 2, 3], "int32");
  expectArray(m().slice(2), [8, 9, 10, 11], "int32");
  expectArray(m().slice(-1), [8, 9, 10, 11], "int32");
  expectArray(m().slice(1, 2), 6, "int32");
  expectArray(m().slice(-3, -4), 0, "int32");
  expectArray(m().slice(null, 1), [1, 5, 9], "int32");
  expectArray(x3().slice(1, null, 3), [15, 19, 23], "int32");
  expectArray(np.arange(5).slice(3), 3, "int32");
  expectError(() => m().slice(3), "index 3 is out of bounds for axis 0 with size 3");
  expectError(() => m().slice(0, -5), "index -5 is out of bounds for axis 1 with size 4");
  expectError(() => m().slice(0, 0, 0), "Too many indices for array: array is 2-dimensional, but 3 were indexed");
});

test("x.slice with [start, stop, step] like Python slices", () => {
  expectArray(m().slice([0, 2]), [[0, 1, 2, 3], [4, 5, 6, 7]], "int32");
  expectArray(m().slice([1]), [[4, 5, 6, 7], [8, 9, 10, 11]], "int32");
  expectArray(m().slice([-2]), [[4, 5, 6, 7], [8, 9, 10, 11]], "int32");
  expectArray(m().slice(null, [-3, -1]), [[1, 2], [5, 6], [9, 10]], "int32");
  expectArray(m().slice(null, [1, 100, 2]), [[1, 3], [5, 7], [9, 11]], "int32");
  expectArray(m().slice([null, null, 2], 0), [0, 8], "int32");
  expectArray(m().slice(1, [null, 3]), [4, 5, 6], "int32");
  const e = m().slice([5, 10]);
  assert.equal([...e.shape], [0, 4]);
  assert.equal([...m().slice([2, 1]).shape], [0, 4]);
  expectError(() => m().slice([0, 2, 0]), /slice step cannot be zero/);
});

test("x.slice with negative steps", () => {
  const v = np.arange(10);
  expectArray(v.slice([null, null, -1]), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], "int32");
  expectArray(v.slice([8, 2, -3]), [8, 5], "int32");
  expectArray(v.slice([-1, -11, -1]), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], "int32");
  expectArray(v.slice([-2, null, -4]), [8, 4, 0], "int32");
  expectArray(v.slice([2, 5, -1]), [], "int32");
  expectArray(v.slice([100, 7, -1]), [9, 8], "int32");
  expectArray(m().slice(null, [null, null, -1]), [[3, 2, 1, 0], [7, 6, 5, 4], [11, 10, 9, 8]], "int32");
  expectArray(m().slice([null, null, -2], [3, 0, -1]), [[11, 10, 9], [3, 2, 1]], "int32");
  expectArray(m().slice(-1, [null, null, -2]), [11, 9], "int32");
});

test("x.slice with null keeps whole axes, and with nothing returns the array", () => {
  expectArray(m().slice(null), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], "int32");
  expectArray(m().slice(null, null), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], "int32");
  expectArray(m().slice(), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], "int32");
  expectArray(np.array(4).slice(), 4, "int32");
});

test.run();
