// Array creation: np.array from JS data, and zeros/ones/full/arange/linspace/eye/*Like.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np } from "../compiler/index.js";
import { expectArray, expectError } from "./util.js";

test("np.array from nested JS arrays infers shape and dtype", () => {
  const a = np.array([[1, 2, 3], [4, 5, 6]]);
  assert.equal([...a.shape], [2, 3]);
  expectArray(a, [[1, 2, 3], [4, 5, 6]], "int32");
  const b = np.array([[[1.5]], [[2.5]]]);
  assert.equal([...b.shape], [2, 1, 1]);
  expectArray(b, [[[1.5]], [[2.5]]], "float32");
  expectArray(np.array([1, 2.5]), [1, 2.5], "float32");
  expectArray(np.array([-1, NaN, Infinity]), [-1, NaN, Infinity], "float32");
});

test("np.array from numbers and booleans gives 0-d arrays", () => {
  const a = np.array(3);
  assert.equal([...a.shape], []);
  expectArray(a, 3, "int32");
  expectArray(np.array(-2.25), -2.25, "float32");
  expectArray(np.array(true), true, "bool");
  expectArray(np.array(false), false, "bool");
  expectArray(np.array([true, false, true]), [true, false, true], "bool");
});

test("np.array of empty lists is float32 with zero-size dims", () => {
  const e = np.array([]);
  assert.equal([...e.shape], [0]);
  assert.is(e.dtype, "float32");
  const e2 = np.array([[], []]);
  assert.equal([...e2.shape], [2, 0]);
  assert.is(e2.dtype, "float32");
  assert.equal(e2.toList(), [[], []]);
  assert.is(np.array([], { dtype: "int32" }).dtype, "int32");
});

test("np.array with a dtype converts the values (truncating toward zero for int32)", () => {
  expectArray(np.array([1.7, -1.7, 0.5], { dtype: "int32" }), [1, -1, 0], "int32");
  expectArray(np.array([1, 2], { dtype: "float32" }), [1, 2], "float32");
  expectArray(np.array([0, 2, -1], { dtype: "bool" }), [false, true, true], "bool");
  expectArray(np.array([true, false], { dtype: "int32" }), [1, 0], "int32");
  expectArray(np.array(0.1, { dtype: "float32" }), Math.fround(0.1), "float32", 0);
});

test("np.array from a TypedArray with { shape }", () => {
  const f = np.array(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
  expectArray(f, [[1, 2, 3], [4, 5, 6]], "float32");
  const i = np.array(new Int32Array([7, 8]), { shape: [2, 1] });
  expectArray(i, [[7], [8]], "int32");
  // without a shape it is 1-D
  expectArray(np.array(new Int32Array([1, 2, 3])), [1, 2, 3], "int32");
  // other element types: Float64Array gives float32, integer arrays int32
  expectArray(np.array(new Float64Array([0.5, 1.5])), [0.5, 1.5], "float32");
  expectArray(np.array(new Int16Array([-3, 4])), [-3, 4], "int32");
  // Uint8Array is bool storage; values are normalised to 0/1
  const b = np.array(new Uint8Array([0, 1, 2]));
  expectArray(b, [false, true, true], "bool");
  assert.equal([...b.data()], [0, 1, 1]);
  expectArray(np.equal(b, true), [false, true, true], "bool");
  // a dtype converts
  expectArray(np.array(new Float32Array([1.5, -2.5]), { dtype: "int32" }), [1, -2], "int32");
  // a 0-d TypedArray view with shape []
  expectArray(np.array(new Float32Array([4]), { shape: [] }), 4, "float32");
});

test("np.array copies its data", () => {
  const src = new Float32Array([1, 2]);
  const a = np.array(src, { shape: [2] });
  src[0] = 99;
  expectArray(a, [1, 2], "float32");
  const nested = [1, 2];
  const c = np.array(nested);
  nested[0] = 99;
  expectArray(c, [1, 2], "int32");
});

test("np.array of an Array returns it, converting with a dtype", () => {
  const a = np.array([1, 2]);
  assert.is(np.array(a), a);
  expectArray(np.array(a, { dtype: "float32" }), [1, 2], "float32");
  expectArray(np.asarray([1.5]), [1.5], "float32");
});

test("zeros, ones with shapes as numbers or lists and with dtypes", () => {
  expectArray(np.zeros([2, 3]), [[0, 0, 0], [0, 0, 0]], "float32");
  expectArray(np.zeros(2), [0, 0], "float32");
  expectArray(np.zeros([]), 0, "float32");
  expectArray(np.zeros([2], { dtype: "int32" }), [0, 0], "int32");
  expectArray(np.zeros([2], { dtype: "bool" }), [false, false], "bool");
  expectArray(np.ones([2, 1]), [[1], [1]], "float32");
  expectArray(np.ones(3, { dtype: "int32" }), [1, 1, 1], "int32");
  expectArray(np.ones([1], { dtype: "bool" }), [true], "bool");
  assert.equal([...np.zeros([0, 4]).shape], [0, 4]);
});

test("full with scalar and array fill values", () => {
  expectArray(np.full([2, 2], 7), [[7, 7], [7, 7]], "int32");
  expectArray(np.full(3, 2.5), [2.5, 2.5, 2.5], "float32");
  expectArray(np.full([2], 2.9, { dtype: "int32" }), [2, 2], "int32");
  expectArray(np.full([2], true), [true, true], "bool");
  // an array fill value broadcasts to the shape
  expectArray(np.full([2, 3], np.array([1, 2, 3])), [[1, 2, 3], [1, 2, 3]], "int32");
  expectArray(np.full([2, 3], np.array([[1], [2]]), { dtype: "float32" }), [[1, 1, 1], [2, 2, 2]], "float32");
  expectArray(np.full([2], np.array(4.5)), [4.5, 4.5], "float32");
  expectError(() => np.full([3], np.array([1, 2])), "Incompatible shapes for broadcasting");
});

test("arange with one, two and three arguments", () => {
  expectArray(np.arange(5), [0, 1, 2, 3, 4], "int32");
  expectArray(np.arange(0), [], "int32");
  expectArray(np.arange(2, 6), [2, 3, 4, 5], "int32");
  expectArray(np.arange(1, 8, 3), [1, 4, 7], "int32");
  expectArray(np.arange(5, 0, -2), [5, 3, 1], "int32");
  expectArray(np.arange(3, 1), [], "int32");
  expectArray(np.arange(0, 1, 0.25), [0, 0.25, 0.5, 0.75], "float32");
  expectArray(np.arange(2.5), [0, 1, 2], "float32");
  expectArray(np.arange(-1, 1, 0.5), [-1, -0.5, 0, 0.5], "float32");
  expectArray(np.arange(3, undefined, undefined, { dtype: "float32" }), [0, 1, 2], "float32");
  expectArray(np.arange(1, 4, 1, { dtype: "float32" }), [1, 2, 3], "float32");
  expectArray(np.arange(3, { dtype: "float32" }), [0, 1, 2], "float32");
  expectArray(np.arange(1, 3, { dtype: "float32" }), [1, 2], "float32");
  expectError(() => np.arange(0, 5, 0), /step/);
});

test("linspace with and without endpoint", () => {
  expectArray(np.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1], "float32");
  expectArray(np.linspace(0, 1, 4, { endpoint: false }), [0, 0.25, 0.5, 0.75], "float32");
  expectArray(np.linspace(2, -2, 3), [2, 0, -2], "float32");
  expectArray(np.linspace(3, 9, 1), [3], "float32");
  expectArray(np.linspace(3, 9, 0), [], "float32");
  assert.is(np.linspace(0, 1).size, 50);
  expectArray(np.linspace(0, 1, 3), [0, 0.5, 1], "float32");
  // int dtype floors, as JAX does
  expectArray(np.linspace(0, 10, 4, { dtype: "int32" }), [0, 3, 6, 10], "int32");
  expectArray(np.linspace(-10, 0, 4, { dtype: "int32" }), [-10, -7, -4, 0], "int32");
});

test("eye with M and k", () => {
  expectArray(np.eye(3), [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "float32");
  expectArray(np.eye(2, 3), [[1, 0, 0], [0, 1, 0]], "float32");
  expectArray(np.eye(3, 4, { k: 1 }), [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], "float32");
  expectArray(np.eye(3, undefined, { k: -1, dtype: "int32" }), [[0, 0, 0], [1, 0, 0], [0, 1, 0]], "int32");
  expectArray(np.eye(2, 2, { dtype: "bool" }), [[true, false], [false, true]], "bool");
  expectArray(np.eye(0), [], "float32");
});

test("zerosLike, onesLike, fullLike keep shape and dtype unless told", () => {
  const x = np.array([[1, 2, 3]]);
  expectArray(np.zerosLike(x), [[0, 0, 0]], "int32");
  expectArray(np.onesLike(x), [[1, 1, 1]], "int32");
  expectArray(np.fullLike(x, 2.5), [[2, 2, 2]], "int32");
  expectArray(np.fullLike(x, 2.5, { dtype: "float32" }), [[2.5, 2.5, 2.5]], "float32");
  expectArray(np.zerosLike(np.array([true])), [false], "bool");
  expectArray(np.onesLike(np.array([0.5, 1.5])), [1, 1], "float32");
  expectArray(np.onesLike(x, { dtype: "bool" }), [[true, true, true]], "bool");
  expectArray(np.zerosLike(3.5), 0, "float32");
  expectArray(np.fullLike(np.zeros([2, 0]), 1), [[], []], "float32");
});

test.run();
