// Pytrees: tree.ts functions, and makeJaxpr over nested arguments and results.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np, makeJaxpr, treeFlatten, treeUnflatten, treeMap, ShapeDtypeStruct } from "../compiler/index.js";
import { broadcastPrefix, treeDefString, treeDefEqual, treeLeafCount } from "../compiler/tree.js";
import { expectError } from "./util.js";

test("treeFlatten: lists and objects are containers, with object keys sorted", () => {
  const [leaves, def] = treeFlatten([1, { b: 2, a: [3, 4] }, null, "s"]);
  assert.equal(leaves, [1, 3, 4, 2, "s"]);
  assert.is(treeDefString(def), "[*, {'a': [*, *], 'b': *}, None, *]");
  assert.is(treeLeafCount(def), 5);
  const [l2, d2] = treeFlatten(7);
  assert.equal(l2, [7]);
  assert.is(treeDefString(d2), "*");
  const [l3, d3] = treeFlatten({});
  assert.equal(l3, []);
  assert.is(treeDefString(d3), "{}");
  // arrays are leaves
  const x = np.zeros([2]);
  const [l4] = treeFlatten({ w: x, b: [x] });
  assert.is(l4.length, 2);
  assert.is(l4[0], x);
});

test("treeUnflatten rebuilds the structure; treeMap maps the leaves", () => {
  const tree = { z: [1, [2, 3]], a: { c: 4, b: null } };
  const [leaves, def] = treeFlatten(tree);
  assert.equal(leaves, [4, 1, 2, 3]);
  assert.equal(treeUnflatten(def, leaves), { a: { b: null, c: 4 }, z: [1, [2, 3]] });
  assert.equal(treeMap((v) => (v as number) * 10, tree), { a: { b: null, c: 40 }, z: [10, [20, 30]] });
  expectError(() => treeUnflatten(def, [1, 2]), /too few leaves for \{'a': \{'b': None, 'c': \*\}, 'z': \[\*, \[\*, \*\]\]\}/);
  expectError(() => treeUnflatten(def, [1, 2, 3, 4, 5]), /5 leaves given for a structure with 4/);
});

test("treeDefEqual ignores key order but not structure", () => {
  assert.ok(treeDefEqual(treeFlatten({ a: 1, b: 2 })[1], treeFlatten({ b: 5, a: 6 })[1]));
  assert.not.ok(treeDefEqual(treeFlatten([1, 2])[1], treeFlatten([1, [2]])[1]));
});

test("broadcastPrefix expands a prefix to one entry per leaf", () => {
  assert.equal(broadcastPrefix([0, null], [[1, 2], 3]), [0, 0, null]);
  assert.equal(broadcastPrefix({ a: 1, b: 0 }, { b: [5, 6], a: 7 }), [1, 0, 0]);
  assert.equal(broadcastPrefix(0, { a: 1, b: [2, 3] }), [0, 0, 0]);
  expectError(() => broadcastPrefix([0, 1], [1, 2, 3], "in_axes"), /in_axes tree structure mismatch/);
});

test("makeJaxpr over nested arguments: leaves in flattened order", () => {
  const f = (p: { w: np.Array; b: np.Array }, [x]: [np.Array]) => np.add(np.dot(x, p.w), p.b);
  const jaxpr = makeJaxpr(f)({ w: np.zeros([2, 3]), b: np.zeros([3]) }, [np.zeros([2])]);
  assert.is(
    String(jaxpr),
    `{ lambda ; a:f32[3] b:f32[2,3] c:f32[2]. let
    d:f32[3] = dot_general[
      dimension_numbers=(((0,), (0,)), ((), ()))
      precision=None
      preferred_element_type=None
    ] c b
    e:f32[3] = add d a
  in (e,) }`,
  );
});

test("makeJaxpr with nested outputs flattens them in key order", () => {
  const f = (x: np.Array) => ({ s: np.sum(x), m: [np.max(x), x] });
  assert.is(
    String(makeJaxpr(f)(np.zeros([3]))),
    `{ lambda ; a:f32[3]. let
    b:f32[] = reduce_sum[axes=(0,)] a
    c:f32[] = reduce_max[axes=(0,)] a
  in (c, a, b) }`,
  );
});

test("makeJaxpr with ShapeDtypeStruct, scalar and null leaves", () => {
  const f = (t: { x: np.Array; n: null }, k: np.Array) => np.multiply(t.x, k);
  assert.is(
    String(makeJaxpr(f)({ x: new ShapeDtypeStruct([2], "int32"), n: null }, 3)),
    `{ lambda ; a:i32[2] b:i32[]. let
    c:i32[] = convert_element_type[new_dtype=int32 weak_type=False] b
    d:i32[2] = mul a c
  in (d,) }`,
  );
});

test("makeJaxpr with JS numbers and constants among the outputs", () => {
  const f = (x: np.Array) => [x, 2, 2.5];
  assert.is(String(makeJaxpr(f)(np.zeros([3]))), "{ lambda ; a:f32[3]. let  in (a, 2, 2.5) }");
});

test("makeJaxpr with staticArgnums passes those arguments through", () => {
  const f = (x: np.Array, n: number) => np.multiply(x, n);
  assert.is(
    String(makeJaxpr(f, { staticArgnums: [1] })(np.zeros([3]), 2.5)),
    "{ lambda ; a:f32[3]. let b:f32[3] = mul a 2.5 in (b,) }",
  );
});

test("makeJaxpr rejects leaves that are not arrays", () => {
  expectError(() => makeJaxpr((x: unknown) => x)(["a string"]), /expected Arrays, numbers or ShapeDtypeStructs as leaves, got string a string/);
  expectError(() => makeJaxpr(() => "out")(), /output leaf 0: expected an Array, number or boolean, got string out/);
});

test.run();
