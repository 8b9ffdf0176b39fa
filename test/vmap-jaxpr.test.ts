// Printed jaxprs of vmapped functions, as JAX 0.4.1 prints them: vmap leaves nothing of
// its own, only rewritten primitives (see shared/jaxpr-format.md). Each expected text is
// derived from JAX's batching rules for the per-example jaxpr.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { makeJaxpr, numpy as np, vmap } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";

const dot = (x: WaxArray, y: WaxArray) => np.dot(x, y);
const f32 = (...shape: number[]) => np.zeros(shape);
const i32 = (...shape: number[]) => np.zeros(shape, { dtype: "int32" });
const jaxpr = (f: (...a: any[]) => unknown, ...args: WaxArray[]) => String(makeJaxpr(f)(...args));

test("seed: vmap of a vector dot adds a batch dimension to dot_general", () => {
  assert.is(
    jaxpr(vmap(dot, [0, 0], 0), i32(5, 4), i32(5, 4)),
    `{ lambda ; a:i32[5,4] b:i32[5,4]. let
    c:i32[5] = dot_general[
      dimension_numbers=(((1,), (1,)), ((0,), (0,)))
      precision=None
      preferred_element_type=None
    ] a b
  in (c,) }`,
  );
});

test("in_axes [0, null] on a vector dot: only the lhs contracting dim moves", () => {
  assert.is(
    jaxpr(vmap(dot, [0, null]), f32(3, 4), f32(4)),
    `{ lambda ; a:f32[3,4] b:f32[4]. let
    c:f32[3] = dot_general[
      dimension_numbers=(((1,), (0,)), ((), ()))
      precision=None
      preferred_element_type=None
    ] a b
  in (c,) }`,
  );
});

test("in_axes [1, 0] on a vector dot: batch dims at (1, 0), rhs contraction bumped", () => {
  assert.is(
    jaxpr(vmap(dot, [1, 0]), f32(4, 3), f32(3, 4)),
    `{ lambda ; a:f32[4,3] b:f32[3,4]. let
    c:f32[3] = dot_general[
      dimension_numbers=(((0,), (1,)), ((1,), (0,)))
      precision=None
      preferred_element_type=None
    ] a b
  in (c,) }`,
  );
});

test("nested vmap of a vector dot is one matmul-like dot_general", () => {
  assert.is(
    jaxpr(vmap(vmap(dot, [null, 1]), [0, null]), f32(3, 4), f32(4, 5)),
    `{ lambda ; a:f32[3,4] b:f32[4,5]. let
    c:f32[3,5] = dot_general[
      dimension_numbers=(((1,), (0,)), ((), ()))
      precision=None
      preferred_element_type=None
    ] a b
  in (c,) }`,
  );
});

test("vmap of a matrix product: both operands batched", () => {
  assert.is(
    jaxpr(vmap(dot), f32(2, 3, 4), f32(2, 4, 5)),
    `{ lambda ; a:f32[2,3,4] b:f32[2,4,5]. let
    c:f32[2,3,5] = dot_general[
      dimension_numbers=(((2,), (1,)), ((0,), (0,)))
      precision=None
      preferred_element_type=None
    ] a b
  in (c,) }`,
  );
});

test("elementwise x * 2 + 1 keeps the batch dim; scalars stay literals", () => {
  assert.is(
    jaxpr(vmap((x: WaxArray) => np.add(np.multiply(x, 2), 1)), f32(3)),
    "{ lambda ; a:f32[3]. let b:f32[3] = mul a 2.0; c:f32[3] = add b 1.0 in (c,) }",
  );
});

test("out_axes=1 ends with a transpose", () => {
  assert.is(
    jaxpr(vmap((x: WaxArray) => np.add(np.multiply(x, 2), 1), 0, 1), f32(3, 4)),
    `{ lambda ; a:f32[3,4]. let
    b:f32[3,4] = mul a 2.0
    c:f32[3,4] = add b 1.0
    d:f32[4,3] = transpose[permutation=(1, 0)] c
  in (d,) }`,
  );
  assert.is(
    jaxpr(vmap((x: WaxArray) => np.sin(x), 1, 0), f32(3, 4)),
    `{ lambda ; a:f32[3,4]. let
    b:f32[3,4] = sin a
    c:f32[4,3] = transpose[permutation=(1, 0)] b
  in (c,) }`,
  );
});

test("sum(x) shifts reduce_sum's axes past the batch dim", () => {
  assert.is(
    jaxpr(vmap((x: WaxArray) => np.sum(x)), f32(3, 4)),
    "{ lambda ; a:f32[3,4]. let b:f32[3] = reduce_sum[axes=(1,)] a in (b,) }",
  );
  assert.is(
    jaxpr(vmap((x: WaxArray) => np.sum(x), 1), f32(4, 3)),
    "{ lambda ; a:f32[4,3]. let b:f32[3] = reduce_sum[axes=(0,)] a in (b,) }",
  );
  assert.is(
    jaxpr(vmap((x: WaxArray) => np.max(x, 0)), f32(2, 3, 4)),
    "{ lambda ; a:f32[2,3,4]. let b:f32[2,4] = reduce_max[axes=(1,)] a in (b,) }",
  );
});

test("x - mean(x): the batched mean gains a trailing size-1 dim", () => {
  assert.is(
    jaxpr(vmap((x: WaxArray) => np.subtract(x, np.mean(x))), f32(3, 4)),
    `{ lambda ; a:f32[3,4]. let
    b:f32[3] = reduce_sum[axes=(1,)] a
    c:f32[3] = div b 4.0
    d:f32[3,1] = broadcast_in_dim[broadcast_dimensions=(0,) shape=(3, 1)] c
    e:f32[3,4] = sub a d
  in (e,) }`,
  );
});

test("softmax: keepdims broadcasts get the batch dim in front", () => {
  assert.is(
    jaxpr(vmap((x: WaxArray) => np.nn.softmax(x)), f32(3, 4)),
    `{ lambda ; a:f32[3,4]. let
    b:f32[3] = reduce_max[axes=(1,)] a
    c:f32[3,1] = broadcast_in_dim[broadcast_dimensions=(0,) shape=(3, 1)] b
    d:f32[3,1] = stop_gradient c
    e:f32[3,4] = sub a d
    f:f32[3,4] = exp e
    g:f32[3] = reduce_sum[axes=(1,)] f
    h:f32[3,1] = broadcast_in_dim[broadcast_dimensions=(0,) shape=(3, 1)] g
    i:f32[3,4] = div f h
  in (i,) }`,
  );
});

test("in_axes [0, null] on an add broadcasts the unbatched operand", () => {
  assert.is(
    jaxpr(vmap((x: WaxArray, y: WaxArray) => np.add(x, y), [0, null]), f32(3, 4), f32(4)),
    `{ lambda ; a:f32[3,4] b:f32[4]. let
    c:f32[1,4] = broadcast_in_dim[broadcast_dimensions=(1,) shape=(1, 4)] b
    d:f32[3,4] = add a c
  in (d,) }`,
  );
});

test("an unbatched result is computed once and broadcast at the end", () => {
  assert.is(
    jaxpr(vmap((_x: WaxArray, y: WaxArray) => np.multiply(y, 2), [0, null]), f32(3, 4), f32(4)),
    `{ lambda ; a:f32[3,4] b:f32[4]. let
    c:f32[4] = mul b 2.0
    d:f32[3,4] = broadcast_in_dim[broadcast_dimensions=(1,) shape=(3, 4)] c
  in (d,) }`,
  );
});

test("transpose extends its permutation; argmax shifts its axis", () => {
  assert.is(
    jaxpr(vmap((x: WaxArray) => np.transpose(x)), f32(2, 3, 4)),
    `{ lambda ; a:f32[2,3,4]. let
    b:f32[2,4,3] = transpose[permutation=(0, 2, 1)] a
  in (b,) }`,
  );
  assert.is(
    jaxpr(vmap((x: WaxArray) => np.argmax(x)), f32(2, 3)),
    `{ lambda ; a:f32[2,3]. let
    b:i32[2] = argmax[axes=(1,) index_dtype=int32] a
  in (b,) }`,
  );
});

test.run();
