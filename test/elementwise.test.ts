// Elementwise numpy functions and jax.nn activations against hand-computed values.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np } from "../compiler/index.js";
import { expectArray, expectError } from "./util.js";

const i32 = (v: unknown) => np.array(v, { dtype: "int32" });
const f32 = (v: unknown) => np.array(v, { dtype: "float32" });
const E = Math.E;

test("add, subtract, multiply with broadcasting", () => {
  expectArray(np.add(i32([1, 2, 3]), i32([10, 20, 30])), [11, 22, 33], "int32");
  expectArray(np.add(i32([[1], [2]]), i32([10, 20, 30])), [[11, 21, 31], [12, 22, 32]], "int32");
  expectArray(np.subtract(f32([5, 3]), f32([1, 4.5])), [4, -1.5], "float32");
  expectArray(np.subtract(10, i32([[1, 2]])), [[9, 8]], "int32");
  expectArray(np.multiply(f32([[1, 2], [3, 4]]), f32([10, 100])), [[10, 200], [30, 400]], "float32");
  expectArray(np.multiply(f32([1, 2]), f32(3)), [3, 6], "float32");
  // int32 arithmetic wraps around like the hardware
  expectArray(np.add(i32([2147483647]), 1), [-2147483648], "int32");
  expectArray(np.multiply(i32([65536]), 65536), [0], "int32");
});

test("divide is true division; division by zero gives inf and nan", () => {
  expectArray(np.divide(f32([1, -1, 0, 3]), f32([0, 0, 0, 2])), [Infinity, -Infinity, NaN, 1.5], "float32");
  expectArray(np.divide(i32([7, -7]), i32([2, 2])), [3.5, -3.5], "float32");
  expectArray(np.trueDivide(1, f32([4])), [0.25], "float32");
});

test("floorDivide rounds toward -inf, like Python //, for int32", () => {
  expectArray(np.floorDivide(i32([-7, 7, -7, 7]), i32([2, 2, -2, -2])), [-4, 3, 3, -4], "int32");
  expectArray(np.floorDivide(i32([-6, 6, 0, 1]), i32([2, -3, -3, 5])), [-3, -2, 0, 0], "int32");
  expectArray(np.floorDivide(i32([-1]), 3), [-1], "int32");
});

test("floorDivide for float32 follows Python's float //", () => {
  expectArray(np.floorDivide(f32([-7.5, 7.5, -7, 7]), f32([2, 2, -2, -2])), [-4, 3, 3, -4], "float32");
  expectArray(np.floorDivide(f32([-0.5, 0.5, 6, -6]), f32([1, 1, 3, 3])), [-1, 0, 2, -2], "float32");
  expectArray(np.floorDivide(i32([-7]), 2.0 + 0.5), [-3], "float32");
});

test("remainder has the sign of the divisor, like Python %, for int32", () => {
  expectArray(np.remainder(i32([-7, 7, -7, 7]), i32([2, 2, -2, -2])), [1, 1, -1, -1], "int32");
  expectArray(np.remainder(i32([6, -6, 0, 5]), i32([-3, 4, 7, 5])), [0, 2, 0, 0], "int32");
  expectArray(np.mod(i32([-1]), 5), [4], "int32");
});

test("remainder for float32", () => {
  expectArray(np.remainder(f32([-7.5, 7.5, -7.5, 7.5]), f32([2, 2, -2, -2])), [0.5, 1.5, -1.5, -0.5], "float32");
  expectArray(np.remainder(f32([-7, 7, -7, 7]), f32([2, 2, -2, -2])), [1, 1, -1, -1], "float32");
  expectArray(np.remainder(f32([6]), f32([-3])), [0], "float32");
  expectArray(np.remainder(i32([7]), 2.5), [2], "float32");
});

test("power: integer exponents, float exponents, int arrays", () => {
  expectArray(np.power(f32([2, -3, 0.5]), 3), [8, -27, 0.125], "float32");
  expectArray(np.power(f32([2, 4]), -1), [0.5, 0.25], "float32");
  expectArray(np.power(f32([2, 4]), 0), [1, 1], "float32");
  expectArray(np.power(f32([4, 9]), 0.5), [2, 3], "float32");
  expectArray(np.power(f32([2, 2]), f32([3, -2])), [8, 0.25], "float32");
  expectArray(np.power(i32([2, 3, -2, 5]), i32([3, 2, 3, 0])), [8, 9, -8, 1], "int32");
  expectArray(np.power(i32([2, -3]), 3), [8, -27], "int32");
  expectArray(np.power(i32([2, 3]), 0.5), [Math.SQRT2, Math.sqrt(3)], "float32");
  expectArray(np.power(2, f32([1, 3])), [2, 8], "float32");
  expectError(() => np.power(i32([2]), -1), /negative/);
});

test("negative, abs, sign, square", () => {
  expectArray(np.negative(f32([1.5, -2, 0])), [-1.5, 2, -0], "float32");
  expectArray(np.abs(f32([-1.5, 2, -0])), [1.5, 2, 0], "float32");
  expectArray(np.abs(i32([-3, 3])), [3, 3], "int32");
  expectArray(np.abs(np.array([true, false])), [true, false], "bool");
  expectArray(np.sign(f32([-2.5, 0, 3, NaN])), [-1, 0, 1, NaN], "float32");
  expectArray(np.square(f32([1.5, -2])), [2.25, 4], "float32");
  expectArray(np.square(i32([-3, 4])), [9, 16], "int32");
});

test("sqrt, exp, log, log1p, expm1", () => {
  expectArray(np.sqrt(f32([4, 2, 0])), [2, Math.SQRT2, 0], "float32");
  expectArray(np.sqrt(f32([-1])), [NaN], "float32");
  expectArray(np.exp(f32([0, 1, -1])), [1, E, 1 / E], "float32");
  expectArray(np.log(f32([1, E, 0])), [0, 1, -Infinity], "float32");
  expectArray(np.log(f32([-1])), [NaN], "float32");
  expectArray(np.log1p(f32([0, 1, E - 1])), [0, Math.LN2, 1], "float32");
  expectArray(np.expm1(f32([0, 0.5, 1])), [0, 0.6487212707001282, E - 1], "float32");
  // accurate near zero, where log(1 + x) and exp(x) - 1 lose every digit in float32
  const tiny = Math.fround(1e-7);
  expectArray(np.log1p(f32([tiny])), [tiny - (tiny * tiny) / 2], "float32", 1e-13);
  expectArray(np.expm1(f32([tiny])), [tiny + (tiny * tiny) / 2], "float32", 1e-13);
});

test("tanh, sin, cos", () => {
  expectArray(np.tanh(f32([0, 0.5, -20])), [0, 0.46211715726000974, -1], "float32");
  expectArray(np.sin(f32([0, Math.PI / 2, 1])), [0, 1, 0.8414709848078965], "float32");
  expectArray(np.cos(f32([0, Math.PI, 1])), [1, -1, 0.5403023058681398], "float32");
});

test("maximum and minimum propagate NaN", () => {
  expectArray(np.maximum(i32([1, 5, -2]), i32([3, 2, -4])), [3, 5, -2], "int32");
  expectArray(np.minimum(f32([1, 5, NaN]), f32([3, NaN, 0])), [1, NaN, NaN], "float32");
  expectArray(np.maximum(f32([1, 5, NaN]), 2), [2, 5, NaN], "float32");
  expectArray(np.maximum(np.array([true, false]), np.array([false, false])), [true, false], "bool");
});

test("clip with scalar, null and array bounds", () => {
  expectArray(np.clip(f32([-2, 0.5, 3]), 0, 1), [0, 0.5, 1], "float32");
  expectArray(np.clip(i32([-2, 5, 3]), null, 4), [-2, 4, 3], "int32");
  expectArray(np.clip(i32([-2, 5, 3]), 0), [0, 5, 3], "int32");
  expectArray(np.clip(i32([1, 5, 9]), i32([2, 2, 2]), i32([3, 6, 8])), [2, 5, 8], "int32");
  expectArray(np.clip(i32([1, 5]), 1.5, 4.5), [1.5, 4.5], "float32");
});

test("where picks elementwise, broadcasting all three and promoting x and y", () => {
  expectArray(np.where(np.array([true, false, true]), i32([1, 2, 3]), i32([10, 20, 30])), [1, 20, 3], "int32");
  expectArray(np.where(np.array([[true], [false]]), i32([1, 2]), 0), [[1, 2], [0, 0]], "int32");
  expectArray(np.where(i32([0, 3]), 1, 2), [2, 1], "int32");
  expectArray(np.where(np.array([true, false]), i32([1, 2]), 2.5), [1, 2.5], "float32");
  expectArray(np.where(np.greater(f32([-1, 2]), 0), f32([-1, 2]), 0), [0, 2], "float32");
  expectError(() => np.where(np.array([true])), /x and y/);
});

test("comparisons with broadcasting", () => {
  const x = i32([1, 2, 3]);
  expectArray(np.equal(x, i32([[1], [3]])), [[true, false, false], [false, false, true]], "bool");
  expectArray(np.notEqual(x, 2), [true, false, true], "bool");
  expectArray(np.less(x, 2), [true, false, false], "bool");
  expectArray(np.lessEqual(x, 2), [true, true, false], "bool");
  expectArray(np.greater(x, 2), [false, false, true], "bool");
  expectArray(np.greaterEqual(x, 2), [false, true, true], "bool");
  expectArray(np.equal(f32([NaN]), f32([NaN])), [false], "bool");
  expectArray(np.notEqual(f32([NaN]), f32([NaN])), [true], "bool");
  expectArray(np.less(np.array([false, true]), np.array([true, true])), [true, false], "bool");
});

test("logicalAnd, logicalOr, logicalNot treat nonzero as true", () => {
  const t = np.array([true, true, false, false]), u = np.array([true, false, true, false]);
  expectArray(np.logicalAnd(t, u), [true, false, false, false], "bool");
  expectArray(np.logicalOr(t, u), [true, true, true, false], "bool");
  expectArray(np.logicalNot(t), [false, false, true, true], "bool");
  expectArray(np.logicalAnd(i32([0, 1, 2]), f32([1, 1, 0])), [false, true, false], "bool");
  expectArray(np.logicalOr(i32([0, 0, 2]), 0), [false, false, true], "bool");
  expectArray(np.logicalNot(f32([0, 3.5, -1])), [true, false, false], "bool");
  expectArray(np.logicalAnd(np.array([[true], [false]]), np.array([true, false])), [[true, false], [false, false]], "bool");
});

test("nn.relu and nn.sigmoid", () => {
  expectArray(np.nn.relu(f32([-1.5, 0, 2])), [0, 0, 2], "float32");
  expectArray(np.nn.relu(i32([-1, 3])), [0, 3], "int32");
  expectArray(np.nn.sigmoid(f32([0, 2, -2])), [0.5, 0.8807970779778823, 0.11920292202211755], "float32");
  expectArray(np.nn.sigmoid(i32([0])), [0.5], "float32");
});

test("nn.softmax along the last axis and along others", () => {
  expectArray(np.nn.softmax(f32([1, 2, 3])), [0.09003057317038046, 0.24472847105479767, 0.6652409557748219], "float32");
  expectArray(np.nn.softmax(f32([[1, 1], [1, 3]]), 0), [[0.5, 0.11920292202211755], [0.5, 0.8807970779778823]], "float32");
  expectArray(np.nn.softmax(f32([[1, 1], [1, 3]])), [[0.5, 0.5], [0.11920292202211755, 0.8807970779778823]], "float32");
  // stable for large inputs
  expectArray(np.nn.softmax(f32([1000, 1000])), [0.5, 0.5], "float32");
  // over several axes at once
  expectArray(np.nn.softmax(f32([[0, 0], [0, 0]]), [0, 1]), [[0.25, 0.25], [0.25, 0.25]], "float32");
  expectArray(np.nn.softmax(i32([0, 0])), [0.5, 0.5], "float32");
});

test("nn.logsumexp with axis and keepdims", () => {
  expectArray(np.nn.logsumexp(f32([1, 2, 3])), 3.40760596444438, "float32");
  expectArray(np.nn.logsumexp(f32([[1, 2, 3], [0, 0, 0]]), 1), [3.40760596444438, Math.log(3)], "float32");
  expectArray(np.nn.logsumexp(f32([[0, 0], [0, 0]]), 0, { keepdims: true }), [[Math.LN2, Math.LN2]], "float32");
  expectArray(np.nn.logsumexp(f32([1000, 1000])), 1000 + Math.LN2, "float32");
  expectArray(np.nn.logsumexp(f32([-Infinity, -Infinity])), -Infinity, "float32");
  expectArray(np.nn.logsumexp(f32([[0, 0], [0, 0]])), Math.log(4), "float32");
});

test("bool operands where numpy forbids them", () => {
  const b = np.array([true, false]);
  expectError(() => np.subtract(b, b), /bool/);
  expectError(() => np.negative(b), /bool/);
  expectError(() => np.sign(b), /bool/);
});

test.run();
