// jax.lax wrappers: strict primitives without numpy's promotion.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np, lax, makeJaxpr } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { expectArray, expectError } from "./util.js";

const i32 = (v: unknown) => np.array(v, { dtype: "int32" });
const f32 = (v: unknown) => np.array(v, { dtype: "float32" });

test("dotGeneral: matrix product, batch dims and contracting several dims", () => {
  const a = i32([[1, 2], [3, 4]]), b = i32([[5, 6], [7, 8]]);
  expectArray(lax.dotGeneral(a, b, [[[1], [0]], [[], []]]), [[19, 22], [43, 50]], "int32");
  // contracting dim 0 of both: a.T @ b
  expectArray(lax.dotGeneral(a, b, [[[0], [0]], [[], []]]), [[26, 30], [38, 44]], "int32");
  // batch dim 0 of both: row-wise dot products
  expectArray(lax.dotGeneral(a, b, [[[1], [1]], [[0], [0]]]), [17, 53], "int32");
  // contracting both dims: a Frobenius product
  expectArray(lax.dotGeneral(a, b, [[[0, 1], [0, 1]], [[], []]]), 70, "int32");
  // outer product: no contraction
  expectArray(lax.dotGeneral(i32([1, 2]), i32([3, 4]), [[[], []], [[], []]]), [[3, 4], [6, 8]], "int32");
  // batched matmul with the batch dim in different positions
  const x = np.reshape(np.arange(8), [2, 2, 2]); // x[k][i][j] = 4k + 2i + j
  const y = np.transpose(x, [1, 2, 0]); // y[i][j][k] = x[k][i][j]
  expectArray(lax.dotGeneral(x, y, [[[2], [0]], [[0], [2]]]), [[[2, 3], [6, 11]], [[46, 55], [66, 79]]], "int32");
});

test("dotGeneral with preferredElementType", () => {
  const a = i32([[1, 2], [3, 4]]);
  const r = lax.dotGeneral(a, a, [[[1], [0]], [[], []]], { preferredElementType: "float32" });
  expectArray(r, [[7, 10], [15, 22]], "float32");
  const s = lax.dotGeneral(f32([0.5, 1.5]), f32([2, 2]), [[[0], [0]], [[], []]], { preferredElementType: "float32" });
  expectArray(s, 4, "float32");
  expectError(() => lax.dotGeneral(a, a, [[[1], [0]], [[], []]], { preferredElementType: "float64" as never }), /unknown dtype/);
});

test("dotGeneral errors", () => {
  expectError(() => lax.dotGeneral(np.ones([2, 3]), np.ones([2, 3]), [[[1], [0]], [[], []]]), "dot_general requires contracting dimensions to have the same shape, got (3,) and (2,).");
  expectError(() => lax.dotGeneral(np.ones([2, 3]), np.ones([3, 2]), [[[2], [0]], [[], []]]), "dot_general requires lhs contracting and batch dimension numbers to be in range [0, 2)");
  expectError(() => lax.dotGeneral(np.ones([2, 3]), np.ones([3, 3]), [[[1], [0]], [[0], [1]]]), "dot_general requires lhs batch dimensions and rhs batch dimensions to have the same shape, got (2,) and (3,).");
  expectError(() => lax.dotGeneral(i32([1]), f32([1]), [[[0], [0]], [[], []]]), "dot_general requires arguments to have the same dtypes, got int32, float32.");
});

test("lax.dot of vectors and matrices", () => {
  expectArray(lax.dot(i32([1, 2]), i32([[1, 0], [1, 1]])), [3, 2], "int32");
  expectError(() => lax.dot(np.ones([3]), np.ones([2])), "Incompatible shapes for dot: got (3,) and (2,).");
});

test("broadcastInDim", () => {
  expectArray(lax.broadcastInDim(i32([1, 2]), [3, 2], [1]), [[1, 2], [1, 2], [1, 2]], "int32");
  expectArray(lax.broadcastInDim(i32([1, 2]), [2, 3], [0]), [[1, 1, 1], [2, 2, 2]], "int32");
  expectArray(lax.broadcastInDim(5, [2], []), [5, 5], "int32");
  expectArray(lax.broadcastInDim(i32([[1], [2]]), [2, 3], [0, 1]), [[1, 1, 1], [2, 2, 2]], "int32");
  expectArray(lax.broadcastInDim(i32([7]), [2, 1, 3], [1]), [[[7, 7, 7]], [[7, 7, 7]]], "int32");
  expectError(() => lax.broadcastInDim(i32([1, 2]), [3, 3], [1]), /operand dimension sizes must either be 1, or be equal/);
  expectError(() => lax.broadcastInDim(i32([1, 2]), [2, 2], [0, 1]), /broadcast_dimensions must have length equal to operand ndim/);
  expectError(() => lax.broadcastInDim(i32([[1, 2]]), [1, 2], [1, 0]), /strictly increasing/);
});

test("reshape and transpose", () => {
  expectArray(lax.reshape(np.arange(6), [2, 3]), [[0, 1, 2], [3, 4, 5]], "int32");
  expectArray(lax.reshape(np.arange(6), [3, 2]), [[0, 1], [2, 3], [4, 5]], "int32");
  expectError(() => lax.reshape(np.arange(6), [4]), "reshape total size must be unchanged, got new_sizes (4,) for shape (6,).");
  expectArray(lax.transpose(i32([[1, 2, 3], [4, 5, 6]]), [1, 0]), [[1, 4], [2, 5], [3, 6]], "int32");
  expectError(() => lax.transpose(i32([[1]]), [0, 0]), /permutation/);
});

test("reduceSum, reduceMax, reduceMin, reduceProd, argmax, argmin", () => {
  const x = i32([[1, 5, 3], [4, 2, 6]]);
  expectArray(lax.reduceSum(x, [0]), [5, 7, 9], "int32");
  expectArray(lax.reduceSum(x, [0, 1]), 21, "int32");
  expectArray(lax.reduceSum(x, []), [[1, 5, 3], [4, 2, 6]], "int32");
  expectArray(lax.reduceMax(x, [1]), [5, 6], "int32");
  expectArray(lax.reduceMin(x, [0]), [1, 2, 3], "int32");
  expectArray(lax.reduceProd(x, [1]), [15, 48], "int32");
  expectArray(lax.reduceMax(f32([[-1, -2]]), [1]), [-1], "float32");
  expectArray(lax.argmax(x, 1), [1, 2], "int32");
  expectArray(lax.argmin(x, 0), [0, 1, 0], "int32");
  expectError(() => lax.reduceSum(x, [2]), "out of bounds for array of dimension 2");
});

test("convertElementType truncates floats toward zero", () => {
  expectArray(lax.convertElementType(f32([-1.5, -0.5, 0.5, 1.9, -2.9]), "int32"), [-1, 0, 0, 1, -2], "int32");
  expectArray(lax.convertElementType(i32([0, 2, -1]), "bool"), [false, true, true], "bool");
  expectArray(lax.convertElementType(np.array([true, false]), "float32"), [1, 0], "float32");
  expectArray(lax.convertElementType(i32([16777217]), "float32"), [16777216], "float32", 0);
  expectArray(lax.convertElementType(f32([NaN, 0.25]), "bool"), [true, true], "bool");
  const w = lax.convertElementType(i32([1]), "float32", true);
  assert.is(w.weakType, true);
  expectError(() => lax.convertElementType(i32([1]), "int64" as never), /unknown dtype "int64"/);
});

test("iota and broadcastedIota", () => {
  expectArray(lax.iota("int32", 5), [0, 1, 2, 3, 4], "int32");
  expectArray(lax.iota("float32", 3), [0, 1, 2], "float32");
  expectArray(lax.iota("int32", 0), [], "int32");
  expectArray(lax.broadcastedIota("int32", [2, 3], 1), [[0, 1, 2], [0, 1, 2]], "int32");
  expectArray(lax.broadcastedIota("int32", [2, 3], 0), [[0, 0, 0], [1, 1, 1]], "int32");
  expectError(() => lax.broadcastedIota("int32", [2, 3], 2), /iota dimension must be in range/);
});

test("select picks onTrue where pred is true", () => {
  expectArray(lax.select(np.array([true, false, true]), i32([1, 2, 3]), i32([10, 20, 30])), [1, 20, 3], "int32");
  expectArray(lax.select(np.array(false), f32([1, 2]), f32([3, 4])), [3, 4], "float32");
  // unlike np.where, lax.select does not broadcast its cases
  expectError(() => lax.select(np.array([true, false]), f32([1, 2]), 0), "select_n cases must have the same shapes");
  expectArray(lax.selectN(i32([0, 1, 2]), i32([1, 1, 1]), i32([2, 2, 2]), i32([3, 3, 3])), [1, 2, 3], "int32");
  expectError(() => lax.select(np.array([true]), i32([1, 2]), i32([3, 4])), /select_n pred must be scalar or have the same shape as cases/);
  expectError(() => lax.select(np.array([true, false]), i32([1, 2]), f32([3, 4])), "select_n requires arguments to have the same dtypes, got float32, int32.");
});

test("slice with and without strides", () => {
  expectArray(lax.slice(np.arange(10), [2], [8], [3]), [2, 5], "int32");
  expectArray(lax.slice(np.arange(10), [2], [8]), [2, 3, 4, 5, 6, 7], "int32");
  const m = np.reshape(np.arange(12), [3, 4]);
  expectArray(lax.slice(m, [1, 0], [3, 4], [1, 2]), [[4, 6], [8, 10]], "int32");
  expectArray(lax.slice(m, [0, 1], [2, 3]), [[1, 2], [5, 6]], "int32");
  expectError(() => lax.slice(m, [0, 0], [4, 4]), /slice indices out of range/);
  expectError(() => lax.slice(m, [0], [1]), /must have length equal to the operand's rank 2/);
});

test("dynamicSlice clamps its start indices", () => {
  const m = np.reshape(np.arange(12), [3, 4]);
  expectArray(lax.dynamicSlice(m, [1, 1], [2, 2]), [[5, 6], [9, 10]], "int32");
  expectArray(lax.dynamicSlice(m, [2, 3], [2, 2]), [[6, 7], [10, 11]], "int32");
  expectArray(lax.dynamicSlice(m, [np.array(1, { dtype: "int32" }), -5], [1, 4]), [[4, 5, 6, 7]], "int32");
});

test("concatenate", () => {
  expectArray(lax.concatenate([i32([[1, 2]]), i32([[3, 4], [5, 6]])], 0), [[1, 2], [3, 4], [5, 6]], "int32");
  expectArray(lax.concatenate([i32([[1], [2]]), i32([[3, 4], [5, 6]])], 1), [[1, 3, 4], [2, 5, 6]], "int32");
  expectArray(lax.concatenate([i32([1]), i32([]), i32([2, 3])], 0), [1, 2, 3], "int32");
  expectError(() => lax.concatenate([i32([1]), f32([1])], 0), "concatenate requires arguments to have the same dtypes, got int32, float32.");
});

test("integerPow", () => {
  expectArray(lax.integerPow(i32([2, -3]), 3), [8, -27], "int32");
  expectArray(lax.integerPow(f32([2, 0.5]), -2), [0.25, 4], "float32");
  expectArray(lax.integerPow(f32([7, -1]), 0), [1, 1], "float32");
  expectArray(lax.integerPow(f32([1.5]), 1), [1.5], "float32");
  expectError(() => lax.integerPow(i32([2]), -1), /Integers cannot be raised to negative powers/);
  expectError(() => lax.integerPow(f32([2]), 1.5), /integer/);
});

test("elementwise lax functions do not promote", () => {
  expectArray(lax.add(i32([1]), i32([2])), [3], "int32");
  expectArray(lax.div(i32([7, -7]), i32([2, 2])), [3, -3], "int32");
  expectArray(lax.rem(i32([7, -7]), i32([2, 2])), [1, -1], "int32");
  expectArray(lax.rem(f32([-7.5]), f32([2])), [-1.5], "float32");
  expectArray(lax.mul(f32([1.5]), 2), [3], "float32");
  expectArray(lax.max(i32([1, 5]), i32([3, 2])), [3, 5], "int32");
  expectArray(lax.neg(i32([3])), [-3], "int32");
  expectArray(lax.floor(f32([-1.5, 1.5])), [-2, 1], "float32");
  expectArray(lax.ceil(f32([-1.5, 1.5])), [-1, 2], "float32");
  expectArray(lax.rsqrt(f32([4])), [0.5], "float32");
  expectArray(lax.logistic(f32([0])), [0.5], "float32");
  expectArray(lax.bitwiseAnd(i32([12]), i32([10])), [8], "int32");
  expectArray(lax.bitwiseOr(i32([12]), i32([10])), [14], "int32");
  expectArray(lax.bitwiseNot(i32([0])), [-1], "int32");
  expectError(() => lax.add(i32([1]), f32([1])), "add requires arguments to have the same dtypes, got int32, float32.");
  expectError(() => lax.add(i32([1, 2]), i32([1, 2, 3])), "add got incompatible shapes for broadcasting: (2,), (3,).");
  expectError(() => lax.add(i32([[1, 2]]), i32([1, 2])), "add: arrays must have same number of dimensions, got (1, 2), (2,).");
  expectError(() => lax.exp(i32([1])), "exp does not accept dtype int32. Accepted dtypes are subtypes of floating.");
  expectError(() => lax.pow(i32([1]), i32([1])), /pow does not accept dtype int32/);
});

test("lax.full", () => {
  expectArray(lax.full([2], 3), [3, 3], "int32");
  expectArray(lax.full([2, 1], 1.5), [[1.5], [1.5]], "float32");
  expectArray(lax.full([2], 1, "bool"), [true, true], "bool");
  expectError(() => lax.full([2], i32([1, 2])), "full must be called with a scalar fill_value");
});

test("stopGradient maps over a pytree, as JAX's stop_gradient does", () => {
  const out = lax.stopGradient({ a: f32([1, 2]), b: [i32([3]), 2.5], c: null });
  expectArray(out.a, [1, 2], "float32");
  expectArray(out.b[0]!, [3], "int32");
  expectArray(out.b[1]!, 2.5, "float32");
  assert.is(out.c, null);
  assert.is(
    String(makeJaxpr((x: WaxArray) => lax.stopGradient([x, x.mul(2)]))(f32([1, 2]))),
    "{ lambda ; a:f32[2]. let\n    b:f32[2] = mul a 2.0\n    c:f32[2] = stop_gradient a\n    d:f32[2] = stop_gradient b\n  in (c, d) }",
  );
  expectError(() => lax.stopGradient({ a: "x" }), "stopGradient leaf 0: expected an Array, number or boolean, got string x");
});

test.run();
