// dtypes and promotion on JAX's lattice with x64 disabled; JS numbers are weakly typed.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np, lax, makeJaxpr } from "../compiler/index.js";
import { resultType, scalarType, castScalar, checkDType } from "../compiler/dtypes.js";
import { expectArray, expectError } from "./util.js";

const i32 = (v: unknown) => np.array(v, { dtype: "int32" });
const f32 = (v: unknown) => np.array(v, { dtype: "float32" });
const b = (v: unknown) => np.array(v, { dtype: "bool" });

test("the lattice: bool < weak int < int32 < weak float < float32", () => {
  const B = { dtype: "bool", weakType: false } as const;
  const wI = { dtype: "int32", weakType: true } as const;
  const I = { dtype: "int32", weakType: false } as const;
  const wF = { dtype: "float32", weakType: true } as const;
  const F = { dtype: "float32", weakType: false } as const;
  assert.equal(resultType(B, wI), wI);
  assert.equal(resultType(I, wI), I);
  assert.equal(resultType(I, wF), wF);
  assert.equal(resultType(F, wI), F);
  assert.equal(resultType(F, I), F);
  assert.equal(resultType(B, B), B);
  assert.equal(resultType(wI, wF), wF);
  assert.equal(resultType(B, F), F);
  assert.equal(scalarType(3), wI);
  assert.equal(scalarType(-3), wI);
  assert.equal(scalarType(2.5), wF);
  assert.equal(scalarType(true), B);
  assert.is(checkDType("bool"), "bool");
  expectError(() => checkDType("float64"), /unknown dtype "float64"/);
});

test("castScalar rounds to float32, truncates to int32 and maps to bool", () => {
  assert.is(castScalar(0.1, "float32"), Math.fround(0.1));
  assert.is(castScalar(-2.7, "int32"), -2);
  assert.is(castScalar(2.7, "int32"), 2);
  assert.is(castScalar(0.5, "bool"), 1);
  assert.is(castScalar(true, "float32"), 1);
});

test("default dtypes: float32 for floats and for constructors, int32 for ints, bool for booleans", () => {
  assert.is(np.array([1.5, 2]).dtype, "float32");
  assert.is(np.array([1, 2]).dtype, "int32");
  assert.is(np.array([true, false]).dtype, "bool");
  assert.is(np.array([true, 2]).dtype, "int32");
  assert.is(np.array([true, 2.5]).dtype, "float32");
  assert.is(np.zeros([2]).dtype, "float32");
  assert.is(np.ones([2]).dtype, "float32");
  assert.is(np.eye(2).dtype, "float32");
  assert.is(np.linspace(0, 1, 3).dtype, "float32");
  assert.is(np.arange(5).dtype, "int32");
  assert.is(np.arange(1, 7, 2).dtype, "int32");
  assert.is(np.arange(0, 1, 0.25).dtype, "float32");
  assert.is(np.arange(2.5).dtype, "float32");
  assert.is(np.full([2], 7).dtype, "int32");
  assert.is(np.full([2], 7.5).dtype, "float32");
  assert.is(np.full([2], true).dtype, "bool");
});

test("int32 + 1.5 is float32 (weakly typed, as in JAX)", () => {
  const r = np.add(i32([1, 2]), 1.5);
  expectArray(r, [2.5, 3.5], "float32");
  assert.is(r.weakType, true);
});

test("int32 / int32 is float32", () => {
  const r = np.divide(i32([1, 7, -3]), i32([2, 2, 2]));
  expectArray(r, [0.5, 3.5, -1.5], "float32");
  assert.is(r.weakType, false);
  expectArray(np.divide(i32([3]), 2), [1.5], "float32");
  expectArray(np.divide(b([true]), b([true])), [1], "float32");
});

test("mean of int32 is float32", () => {
  expectArray(np.mean(i32([1, 2, 4])), 7 / 3, "float32");
  expectArray(np.mean(i32([[1, 2], [4, 4]]), 0), [2.5, 3], "float32");
  expectArray(np.mean(b([true, false, true, true])), 0.75, "float32");
});

test("float32 * 2 stays float32 and strong", () => {
  const r = np.multiply(f32([1.5, 2]), 2);
  expectArray(r, [3, 4], "float32");
  assert.is(r.weakType, false);
});

test("weak types: int32 array + 1 stays int32; bool + 1 is int32", () => {
  const r = np.add(i32([1, 2]), 1);
  expectArray(r, [2, 3], "int32");
  assert.is(r.weakType, false);
  const s = np.add(b([true, false]), 1);
  expectArray(s, [2, 1], "int32");
  assert.is(s.weakType, true);
  expectArray(np.multiply(b([true, false]), 3), [3, 0], "int32");
  // a float scalar with a bool array is a (weak) float32
  expectArray(np.add(b([true, false]), 0.5), [1.5, 0.5], "float32");
});

test("strong types: int32 with float32 is float32; bool with int32 is int32; bool with bool stays bool", () => {
  expectArray(np.add(i32([1, 2]), f32([0.5, 0.25])), [1.5, 2.25], "float32");
  expectArray(np.add(b([true, false]), i32([3, 4])), [4, 4], "int32");
  expectArray(np.multiply(b([true, false]), f32([3, 4])), [3, 0], "float32");
  // add of bools is logical or, multiply is logical and (as in JAX)
  expectArray(np.add(b([true, false, false]), b([true, true, false])), [true, true, false], "bool");
  expectArray(np.multiply(b([true, false, true]), b([true, true, false])), [true, false, false], "bool");
});

test("scalars with scalars: JS numbers alone give weak int32 / float32", () => {
  const r = np.add(1, 2);
  expectArray(r, 3, "int32");
  assert.is(r.weakType, true);
  const s = np.add(1, 2.5);
  expectArray(s, 3.5, "float32");
  assert.is(s.weakType, true);
  expectArray(np.divide(1, 4), 0.25, "float32");
  expectArray(np.sqrt(4), 2, "float32");
});

test("np.array of a JS scalar is weakly typed; of a list it is not", () => {
  assert.is(np.array(2).weakType, true);
  assert.is(np.array(2.5).weakType, true);
  assert.is(np.array(true).weakType, false);
  assert.is(np.array([2]).weakType, false);
  assert.is(np.array(2, { dtype: "int32" }).weakType, false);
  assert.is(np.zeros([2]).weakType, false);
  assert.is(np.full([2], 3).weakType, true);
  assert.is(np.full([2], 3, { dtype: "int32" }).weakType, false);
});

test("a weak array takes the other operand's dtype", () => {
  // weak int32 0-d with a float32 array gives float32
  expectArray(np.add(np.array(2), f32([0.5])), [2.5], "float32");
  // weak float32 with strong float32 is strong
  assert.is(np.add(np.array(2.5), f32([0.5])).weakType, false);
});

test("comparisons give bool and promote their operands first", () => {
  expectArray(np.less(i32([1, 2]), 1.5), [true, false], "bool");
  expectArray(np.equal(f32([2, 2.5]), i32([2, 2])), [true, false], "bool");
  expectArray(np.equal(b([true, false]), 1), [true, false], "bool");
});

test("unary float functions promote ints and bools to float32", () => {
  expectArray(np.exp(i32([0])), [1], "float32");
  expectArray(np.sqrt(b([true])), [1], "float32");
  expectArray(np.tanh(i32([0])), [0], "float32");
  // but negative, abs, sign and square keep integer dtypes
  expectArray(np.negative(i32([2])), [-2], "int32");
  expectArray(np.abs(i32([-2])), [2], "int32");
  expectArray(np.sign(i32([-2, 0, 5])), [-1, 0, 1], "int32");
  expectArray(np.square(i32([-3])), [9], "int32");
});

test("reductions keep int32, and sum of bool is int32", () => {
  expectArray(np.sum(i32([1, 2])), 3, "int32");
  expectArray(np.sum(b([true, true, false])), 2, "int32");
  expectArray(np.prod(b([true, true])), 1, "int32");
  expectArray(np.max(b([true, false])), true, "bool");
  expectArray(np.sum(f32([1.5, 2])), 3.5, "float32");
  expectArray(np.sum(i32([1, 2]), null, { dtype: "float32" }), 3, "float32");
});

test("astype and convertElementType; float to int truncates toward zero", () => {
  expectArray(np.astype(f32([2.9, -2.9, 0.5, -0.5]), "int32"), [2, -2, 0, 0], "int32");
  expectArray(lax.convertElementType(f32([1e10, -1e10]), "int32"), [2147483647, -2147483648], "int32");
  expectArray(np.astype(f32([0, 0.5, -1]), "bool"), [false, true, true], "bool");
  expectArray(np.astype(i32([7]), "float32"), [7], "float32");
  expectError(() => np.astype(i32([1]), "float64" as never), /unknown dtype "float64"/);
});

test("a scalar argument to makeJaxpr is a weak f32[]/i32[] invar", () => {
  // a weak float argument with a strong f32 array is converted to strong first
  const f = (x: np.Array, y: np.Array) => np.multiply(x, y);
  assert.is(
    String(makeJaxpr(f)(np.zeros([3]), 2.5)),
    `{ lambda ; a:f32[3] b:f32[]. let
    c:f32[] = convert_element_type[new_dtype=float32 weak_type=False] b
    d:f32[3] = mul a c
  in (d,) }`,
  );
  // a weak int argument with an int32 array
  assert.is(
    String(makeJaxpr(f)(np.zeros([3], { dtype: "int32" }), 2)),
    `{ lambda ; a:i32[3] b:i32[]. let
    c:i32[] = convert_element_type[new_dtype=int32 weak_type=False] b
    d:i32[3] = mul a c
  in (d,) }`,
  );
});

test("int32 + 1.5 under makeJaxpr converts the array to weak float32", () => {
  const f = (x: np.Array) => np.add(x, 1.5);
  assert.is(
    String(makeJaxpr(f)(np.zeros([3], { dtype: "int32" }))),
    `{ lambda ; a:i32[3]. let
    b:f32[3] = convert_element_type[new_dtype=float32 weak_type=True] a
    c:f32[3] = add b 1.5
  in (c,) }`,
  );
});

test.run();
