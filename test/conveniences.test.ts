// The JAX conveniences a newcomer reaches for: jax.nn at the top level, jax.tree_util,
// device_put and block_until_ready, lax.axis_size, and the scalar types jnp.float32 /
// int32 / bool_, which are dtypes and constructors of strongly typed values.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  blockUntilReady, devicePut, devices, jit, lax, makeJaxpr, nn, numpy as np, pmap, treeMap, treeUtil, vmap,
} from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { expectArray, expectError } from "./util.js";

test("nn at the top level is numpy.nn (jax.nn)", () => {
  assert.is(nn, np.nn);
  expectArray(nn.relu(np.array([-1, 2], { dtype: "float32" })), [0, 2], "float32");
  expectArray(nn.softmax(np.array([0, 0], { dtype: "float32" })), [0.5, 0.5], "float32");
});

test("treeUtil: treeMap over several trees, treeLeaves, treeStructure, treeFlatten/Unflatten, treeReduce", () => {
  const a = { w: [1, 2], b: 3 }, b = { w: [10, 20], b: 30 };
  assert.equal(treeUtil.treeMap((x: number, y: number) => x + y, a, b), { w: [11, 22], b: 33 });
  assert.is(treeMap, treeUtil.treeMap);
  // The second tree may have subtrees where the first has leaves.
  assert.equal(treeUtil.treeMap((x: number, y: number[]) => x * y.length, [1, 2], [[0, 0], [0]]), [2, 2]);
  assert.equal(treeUtil.treeLeaves({ b: [2, null], a: 1 }), [1, 2]);
  const [leaves, def] = treeUtil.treeFlatten({ a: 1, b: [2, 3] });
  assert.equal(treeUtil.treeUnflatten(def, (leaves as number[]).map((x) => x * 2)), { a: 2, b: [4, 6] });
  assert.equal(treeUtil.treeStructure({ a: 1, b: [2, 3] }), def);
  assert.is(treeUtil.treeReduce((s: number, x: number) => s + x, { a: 1, b: [2, 3] }, 10), 16);
  assert.is(treeUtil.treeReduce((s: number, x: number) => Math.max(s, x), [4, 9, 2]), 9);
  expectError(() => treeUtil.treeMap((x: number, y: number) => x + y, [1, 2], [1]), "treeMap: argument 2 does not have the structure of the first tree ([*, *]): expected a list of length 2, got [*]", TypeError);
  expectError(() => treeUtil.treeMap((x: number, y: number) => x + y, { a: 1 }, { b: 1 }), `expected an object with keys ["a"]`, TypeError);
  expectError(() => treeUtil.treeReduce((s: number, x: number) => s + x, []), "needs an initial value", TypeError);
});

test("devicePut turns leaves into Arrays (JS numbers stay weak, TypedArrays as NumPy arrays); blockUntilReady returns its argument", () => {
  const out = devicePut({ x: 1.5, y: new Float32Array([1, 2]), z: np.arange(2) });
  assert.is(out.x.constructor.name, "ConcreteArray");
  expectArray(out.x as unknown as WaxArray, 1.5, "float32");
  assert.is((out.x as unknown as WaxArray).weakType, true);
  expectArray(out.y as unknown as WaxArray, [1, 2], "float32");
  expectArray(out.z, [0, 1], "int32");
  assert.is(devicePut(out.z, devices()[0]), out.z);
  expectError(() => devicePut(1, { id: 999 }), "devicePut: device must be one of devices()", TypeError);
  expectError(() => devicePut(["s"]), "Argument 's' of type string is not a valid JAX type", TypeError);
  const x = np.ones([2]);
  assert.is(blockUntilReady(x), x);
  assert.is(x.blockUntilReady(), x);
  const tree = { a: x, b: [x] };
  assert.is(blockUntilReady(tree), tree);
});

test("lax.axisSize: the size of a named axis under vmap and pmap, a NameError outside", () => {
  const sizes: number[] = [];
  vmap((v: WaxArray) => {
    sizes.push(lax.axisSize("i"));
    return v;
  }, 0, 0, { axisName: "i" })(np.ones([3, 2]));
  vmap(vmap((v: WaxArray) => {
    sizes.push(lax.axisSize(["i", "j"]));
    return v;
  }, 0, 0, { axisName: "j" }), 0, 0, { axisName: "i" })(np.ones([2, 5]));
  pmap((v: WaxArray) => {
    sizes.push(lax.axisSize("d"));
    return v;
  }, "d")(np.ones([1, 2]));
  assert.equal(sizes, [3, 10, 1]);
  expectArray(vmap((v: WaxArray) => v.mul(lax.axisSize("i")), 0, 0, { axisName: "i" })(np.ones([4])) as WaxArray, [4, 4, 4, 4]);
  expectError(() => lax.axisSize("nope"), "unbound axis name: nope");
});

test("np.float32(2) is a strongly typed float32: int32 * np.float32(2) is float32, as in JAX", () => {
  const i = np.arange(3);
  expectArray(i.mul(np.float32(2)), [0, 2, 4], "float32");
  expectArray(i.mul(2), [0, 2, 4], "int32");
  const two = np.float32(2);
  assert.is(two.dtype, "float32");
  assert.is(two.weakType, false);
  assert.equal(two.shape, []);
  expectArray(np.int32(2.7), 2, "int32");
  expectArray(np.bool_(1), true, "bool");
  assert.is(np.bool, np.bool_);
  expectArray(np.float32([1, 2]), [1, 2], "float32");
  assert.is(np.float32(np.array(1.5)).weakType, false, "an Array loses its weak type");
  assert.is(
    String(makeJaxpr((x: WaxArray) => x.mul(np.float32(2)))(i)),
    "{ lambda ; a:i32[3]. let\n    b:f32[3] = convert_element_type[new_dtype=float32 weak_type=False] a\n    c:f32[3] = mul b 2.0\n  in (c,) }",
  );
  expectArray(jit((x: WaxArray) => x.mul(np.float32(0.5)))(i) as WaxArray, [0, 0.5, 1], "float32");
});

test("the scalar types are dtypes too", () => {
  expectArray(np.zeros([2], { dtype: np.int32 }), [0, 0], "int32");
  expectArray(np.ones([2]).astype(np.bool_), [true, true], "bool");
  expectArray(np.array([1.5, 2.5], { dtype: np.int32 }), [1, 2], "int32");
  expectArray(np.sum(np.array([true, true]), undefined, { dtype: np.float32 }), 2, "float32");
  assert.is(String(np.float32), "float32");
  assert.is(np.float32.dtype, "float32");
});

test.run();
