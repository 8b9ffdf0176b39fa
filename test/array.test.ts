// The Array type: attributes, conversions to JS values, disposal, and its methods.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np, Array as WaxArray } from "../compiler/index.js";
import { expectArray, expectError } from "./util.js";

test("shape, dtype, ndim and size", () => {
  const a = np.array([[1, 2, 3, 4], [1, 2, 3, 4]], { dtype: "int32" });
  assert.equal([...a.shape], [2, 4]);
  assert.is(a.dtype, "int32");
  assert.is(a.ndim, 2);
  assert.is(a.size, 8);
  const s = np.array(3.5);
  assert.equal([...s.shape], []);
  assert.is(s.ndim, 0);
  assert.is(s.size, 1);
  const e = np.zeros([2, 0, 3]);
  assert.is(e.size, 0);
  assert.is(e.ndim, 3);
  assert.ok(a instanceof WaxArray);
});

test("toList gives nested JS arrays, a number for 0-d and booleans for bool", () => {
  assert.equal(np.array([[1, 2], [3, 4]]).toList(), [[1, 2], [3, 4]]);
  assert.equal(np.array([[[1], [2]], [[3], [4]]]).toList(), [[[1], [2]], [[3], [4]]]);
  assert.is(np.array(7).toList(), 7);
  assert.is(np.array(2.5).toList(), 2.5);
  assert.is(np.array(true).toList(), true);
  assert.equal(np.array([true, false]).toList(), [true, false]);
  assert.equal(np.zeros([2, 0]).toList(), [[], []]);
  assert.equal(np.zeros([0]).toList(), []);
  // float32 rounding is visible in the values
  assert.equal(np.array([0.1]).toList(), [Math.fround(0.1)]);
});

test("data() is a TypedArray copy of the right type", () => {
  const f = np.array([[1.5, 2], [3, 4]]);
  const d = f.data();
  assert.ok(d instanceof Float32Array);
  assert.equal([...d], [1.5, 2, 3, 4]);
  d[0] = 100;
  assert.equal(f.toList(), [[1.5, 2], [3, 4]], "mutating the copy leaves the array unchanged");
  assert.ok(np.array([1, 2]).data() instanceof Int32Array);
  const b = np.array([true, false, true]).data();
  assert.ok(b instanceof Uint8Array);
  assert.equal([...b], [1, 0, 1]);
});

test("item() returns the single element, a boolean for bool", () => {
  assert.is(np.array(3).item(), 3);
  assert.is(np.array([[2.5]]).item(), 2.5);
  assert.is(np.array([false]).item(), false);
  expectError(() => np.array([1, 2]).item(), "size 1");
  expectError(() => np.array([1, 2]).item(), "i32[2]");
});

test("Number(), String() and template literals on concrete arrays", () => {
  assert.is(Number(np.array(4)), 4);
  assert.is(Number(np.array(true)), 1);
  assert.is(+np.array([2.5]), 2.5);
  assert.is(String(np.array([1, 2])), "Array([1, 2], dtype=int32)");
  assert.is(`${np.array([true, false])}`, "Array([ True, False], dtype=bool)");
  expectError(() => Number(np.array([1, 2])), "size 1");
});

test("use after dispose throws", () => {
  const a = np.array([1, 2, 3]);
  a.dispose();
  expectError(() => a.toList(), "disposed");
  expectError(() => a.data(), "disposed");
  const one = np.array([5]);
  one.dispose();
  expectError(() => one.item(), "disposed");
  expectError(() => np.add(a, 1), "disposed");
  expectError(() => a.add(1), "disposed");
  // metadata stays readable
  assert.equal([...a.shape], [3]);
  assert.is(String(a), "Array(<disposed> i32[3])");
  a.dispose(); // disposing twice is harmless
});

test("Symbol.dispose and `using` free the array at the end of the block", () => {
  let escaped: WaxArray;
  {
    using b = np.ones([3]);
    escaped = b;
    assert.equal(b.toList(), [1, 1, 1]);
  }
  expectError(() => escaped.toList(), "disposed");
  const c = np.zeros([2]);
  c[Symbol.dispose]();
  expectError(() => c.data(), "disposed");
});

test("disposing an input does not affect results computed from it", () => {
  const a = np.array([1, 2, 3]);
  const b = a.add(1);
  const r = np.reshape(a, [3, 1]);
  a.dispose();
  assert.equal(b.toList(), [2, 3, 4]);
  assert.equal(r.toList(), [[1], [2], [3]]);
});

test("arithmetic methods", () => {
  const x = np.array([[1, 2], [3, 4]], { dtype: "float32" });
  expectArray(x.add(1), [[2, 3], [4, 5]], "float32");
  expectArray(x.sub(np.array([1, 1])), [[0, 1], [2, 3]], "float32");
  expectArray(x.mul(2), [[2, 4], [6, 8]], "float32");
  expectArray(x.div(4), [[0.25, 0.5], [0.75, 1]], "float32");
  expectArray(np.array([7, -7]).floorDiv(2), [3, -4], "int32");
  expectArray(np.array([7, -7]).mod(2), [1, 1], "int32");
  expectArray(x.pow(2), [[1, 4], [9, 16]], "float32");
  expectArray(x.neg(), [[-1, -2], [-3, -4]], "float32");
  expectArray(np.array([-1.5, 2]).abs(), [1.5, 2], "float32");
  expectArray(np.array([4, 9]).sqrt(), [2, 3], "float32");
  expectArray(np.array([0]).exp(), [1], "float32");
  expectArray(np.array([1]).log(), [0], "float32");
  expectArray(np.array([0]).tanh(), [0], "float32");
});

test("comparison methods", () => {
  const x = np.array([1, 2, 3]);
  assert.equal(x.equal(2).toList(), [false, true, false]);
  assert.equal(x.notEqual(2).toList(), [true, false, true]);
  assert.equal(x.less(2).toList(), [true, false, false]);
  assert.equal(x.lessEqual(2).toList(), [true, true, false]);
  assert.equal(x.greater(2).toList(), [false, false, true]);
  assert.equal(x.greaterEqual(2).toList(), [false, true, true]);
  assert.is(x.equal(2).dtype, "bool");
});

test("reduction methods", () => {
  const x = np.array([[1, 5, 3], [4, 2, 6]]);
  expectArray(x.sum(), 21, "int32");
  expectArray(x.sum(0), [5, 7, 9], "int32");
  expectArray(x.sum(1, { keepdims: true }), [[9], [12]], "int32");
  expectArray(x.prod(1), [15, 48], "int32");
  expectArray(x.max(0), [4, 5, 6], "int32");
  expectArray(x.min(1), [1, 2], "int32");
  expectArray(x.mean(0), [2.5, 3.5, 4.5], "float32");
  expectArray(x.argmax(1), [1, 2], "int32");
  expectArray(x.argmin(), 0, "int32");
});

test("shape methods: reshape, T, transpose, ravel, squeeze, expandDims, swapaxes", () => {
  const x = np.arange(6);
  expectArray(x.reshape(2, 3), [[0, 1, 2], [3, 4, 5]], "int32");
  expectArray(x.reshape([3, -1]), [[0, 1], [2, 3], [4, 5]], "int32");
  const m = x.reshape(2, 3);
  expectArray(m.T, [[0, 3], [1, 4], [2, 5]], "int32");
  expectArray(m.transpose([1, 0]), [[0, 3], [1, 4], [2, 5]], "int32");
  expectArray(m.ravel(), [0, 1, 2, 3, 4, 5], "int32");
  expectArray(m.flatten(), [0, 1, 2, 3, 4, 5], "int32");
  expectArray(m.swapaxes(0, 1), [[0, 3], [1, 4], [2, 5]], "int32");
  assert.equal([...m.expandDims(0).shape], [1, 2, 3]);
  assert.equal([...m.expandDims(0).squeeze().shape], [2, 3]);
  assert.equal([...np.ones([2, 1]).broadcastTo([3, 2, 4]).shape], [3, 2, 4]);
});

test("astype, dot, matmul and clip methods", () => {
  const f = np.array([1.7, -1.7, 2.5]);
  expectArray(f.astype("int32"), [1, -1, 2], "int32");
  expectArray(np.array([0, 3]).astype("bool"), [false, true], "bool");
  expectArray(np.array([true, false]).astype("float32"), [1, 0], "float32");
  const a = np.array([[1, 2], [3, 4]]);
  expectArray(a.dot(np.array([1, 1])), [3, 7], "int32");
  expectArray(a.matmul(a), [[7, 10], [15, 22]], "int32");
  expectArray(np.array([-2, 0, 5]).clip(-1, 3), [-1, 0, 3], "int32");
  expectArray(np.array([-2, 0, 5]).clip(null, 3), [-2, 0, 3], "int32");
});

test.run();
