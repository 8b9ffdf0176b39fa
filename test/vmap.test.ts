// vmap: every form of in_axes/out_axes, composition, collectives and errors, against
// hand-computed values.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { NameError, evalJaxpr, lax, makeJaxpr, numpy as np, vmap } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { ValueError } from "../compiler/transforms/vmap.js";
import { expectArray, expectClose, expectError } from "./util.js";

const f32 = (x: unknown) => np.array(x, { dtype: "float32" });
const i32 = (x: unknown) => np.array(x, { dtype: "int32" });
const dot = (x: WaxArray, y: WaxArray) => np.dot(x, y);

const M = f32([[1, 2, 3], [4, 5, 6]]);

// ---- in_axes ----

test("default in_axes=0 maps every argument along its first axis", () => {
  expectArray(vmap(dot)(M, f32([[1, 0, 1], [2, 1, 0]])), [4, 13], "float32");
});

test("in_axes as one int applies to all arguments, negative counts from the end", () => {
  // Axis 1 of a [2,3] array: three examples of length 2.
  expectArray(vmap((x: WaxArray) => np.sum(x), 1)(M), [5, 7, 9]);
  expectArray(vmap((x: WaxArray) => np.sum(x), -1)(M), [5, 7, 9]);
  expectArray(vmap((x: WaxArray) => np.sum(x), -2)(M), [6, 15]);
});

test("in_axes as a list, one entry per argument; null passes an argument unmapped", () => {
  const v = f32([10, 20, 30]);
  expectArray(vmap((x: WaxArray, y: WaxArray) => np.add(x, y), [0, null])(M, v), [[11, 22, 33], [14, 25, 36]]);
  expectArray(vmap((x: WaxArray, y: WaxArray) => np.add(x, y), [null, 0])(v, M), [[11, 22, 33], [14, 25, 36]]);
  // Mapping the rows of one argument and the columns of the other.
  expectArray(vmap(dot, [0, 1])(M, f32([[1, 0], [0, 1], [1, 1]])), [4, 11]);
});

test("in_axes null for all arguments with axisSize repeats the computation", () => {
  const out = vmap((x: WaxArray) => np.multiply(x, 2), null, 0, { axisSize: 3 })(f32([1, 2]));
  expectArray(out, [[2, 4], [2, 4], [2, 4]]);
  expectArray(vmap(() => np.ones([2]), [], 0, { axisSize: 2 })(), [[1, 1], [1, 1]]);
});

test("in_axes pytree prefixes: nested lists and objects", () => {
  const d = { a: f32(2), b: f32([1, 2, 3]) };
  const f = (p: { a: WaxArray; b: WaxArray }, c: WaxArray) => np.add(np.multiply(p.a, p.b), c);
  expectArray(vmap(f, [{ a: null, b: 0 }, null])(d, f32(10)), [12, 14, 16]);
  // A list argument mapped as a whole, and one of its entries unmapped.
  const g = (xs: WaxArray[]) => np.subtract(xs[0]!, xs[1]!);
  expectArray(vmap(g, [0])([M, M]), [[0, 0, 0], [0, 0, 0]]);
  expectArray(vmap(g, [[1, null]])([M, f32([1, 1])]), [[0, 3], [1, 4], [2, 5]]);
});

test("unmapped arguments are passed through untouched, even non-arrays", () => {
  const seen: unknown[] = [];
  const f = (x: WaxArray, op: string, k: number) => {
    seen.push(op, k);
    return op === "neg" ? np.multiply(np.negative(x), k) : x;
  };
  expectArray(vmap(f, [0, null, null])(f32([1, 2]), "neg", 3), [-3, -6]);
  assert.equal(seen, ["neg", 3]);
  expectArray(vmap((x: WaxArray, s: number) => np.add(x, s), [0, null])(i32([1, 2]), 5), [6, 7], "int32");
  // A mapped JS number argument is an error, an unmapped one works like a scalar.
});

// ---- out_axes ----

test("out_axes moves the batch dimension of the result", () => {
  const f = (x: WaxArray) => np.multiply(x, 2);
  expectArray(vmap(f, 0, 1)(M), [[2, 8], [4, 10], [6, 12]]);
  expectArray(vmap(f, 0, -1)(M), [[2, 8], [4, 10], [6, 12]]);
  expectArray(vmap(f, 1, 1)(M), [[2, 4, 6], [8, 10, 12]]);
  expectArray(vmap(f, 1, 0)(M), [[2, 8], [4, 10], [6, 12]]);
});

test("an unbatched result is broadcast to out_axes, or returned as is with null", () => {
  const f = (x: WaxArray, y: WaxArray) => [np.add(x, 1), np.multiply(y, 2)];
  const [a, b] = vmap(f, [0, null], [0, null])(f32([1, 2, 3]), f32([5, 6])) as WaxArray[];
  expectArray(a!, [2, 3, 4]);
  expectArray(b!, [10, 12]);
  const [c, d] = vmap(f, [0, null], [0, 1])(f32([1, 2, 3]), f32([5, 6])) as WaxArray[];
  expectArray(c!, [2, 3, 4]);
  expectArray(d!, [[10, 10, 10], [12, 12, 12]]);
  // A constant result.
  expectArray(vmap(() => f32(7), [], 0, { axisSize: 2 })(), [7, 7]);
});

test("out_axes as a pytree prefix of the output", () => {
  const f = (x: WaxArray) => ({ s: np.sum(x), m: np.multiply(x, 2), pair: [x, np.max(x)] });
  const out = vmap(f, 0, { s: 0, m: 1, pair: 0 })(M) as { s: WaxArray; m: WaxArray; pair: WaxArray[] };
  expectArray(out.s, [6, 15]);
  expectArray(out.m, [[2, 8], [4, 10], [6, 12]]);
  expectArray(out.pair[0]!, [[1, 2, 3], [4, 5, 6]]);
  expectArray(out.pair[1]!, [3, 6]);
  const out2 = vmap(f, 0, { s: 0, m: 0, pair: [1, 0] })(M) as { pair: WaxArray[] };
  expectArray(out2.pair[0]!, [[1, 4], [2, 5], [3, 6]]);
});

// ---- common functions ----

test("vmap of np.nn.softmax normalises each row", () => {
  const x = f32([[1, 2, 3], [0, 0, 0]]);
  const e = [Math.exp(-2), Math.exp(-1), 1];
  const s = e[0]! + e[1]! + e[2]!;
  expectArray(vmap((r: WaxArray) => np.nn.softmax(r))(x), [e.map((v) => v / s), [1 / 3, 1 / 3, 1 / 3]], "float32");
  // Mapping columns instead, results stacked back as columns.
  expectArray(vmap((r: WaxArray) => np.nn.softmax(r), 1, 1)(f32([[0, 1], [0, 1]])), [[0.5, 0.5], [0.5, 0.5]]);
});

test("vmap of row centering x - mean(x)", () => {
  const f = (x: WaxArray) => np.subtract(x, np.mean(x));
  expectArray(vmap(f)(f32([[1, 2, 3], [4, 6, 8]])), [[-1, 0, 1], [-2, 0, 2]]);
  // Integer rows are averaged in float32.
  expectArray(vmap(f)(i32([[1, 2], [5, 9]])), [[-0.5, 0.5], [-2, 2]], "float32");
});

test("vmap of matmul: a batch of matrix products", () => {
  const a = f32([[[1, 2], [3, 4]], [[0, 1], [1, 0]]]);
  const b = f32([[[1, 0], [0, 1]], [[2, 3], [4, 5]]]);
  expectArray(vmap((x: WaxArray, y: WaxArray) => np.matmul(x, y))(a, b), [[[1, 2], [3, 4]], [[4, 5], [2, 3]]]);
  // One shared right-hand matrix.
  expectArray(vmap((x: WaxArray, y: WaxArray) => np.matmul(x, y), [0, null])(a, f32([[1, 1], [0, 1]])), [
    [[1, 3], [3, 7]],
    [[0, 1], [1, 1]],
  ]);
});

test("vmap of a function with several outputs returns the same structure", () => {
  const f = (x: WaxArray) => [np.sum(x), { max: np.max(x), arg: np.argmax(x) }];
  const [s, o] = vmap(f)(f32([[1, 5, 2], [7, 0, 3]])) as [WaxArray, { max: WaxArray; arg: WaxArray }];
  expectArray(s, [8, 10]);
  expectArray(o.max, [5, 7]);
  expectArray(o.arg, [1, 0], "int32");
});

// ---- composition ----

test("nested vmap turns a vector dot into a matrix product", () => {
  const a = f32([[1, 2], [3, 4], [5, 6]]);
  const b = f32([[1, 0, 2, 1], [0, 1, 1, 3]]);
  const mm = vmap(vmap(dot, [null, 1]), [0, null]);
  expectArray(mm(a, b), [[1, 2, 4, 7], [3, 4, 10, 15], [5, 6, 16, 23]]);
  // The other nesting order with out_axes gives the same product.
  const mm2 = vmap(vmap(dot, [0, null]), [null, 1], 1);
  expectArray(mm2(a, b), [[1, 2, 4, 7], [3, 4, 10, 15], [5, 6, 16, 23]]);
});

test("vmap of a function that itself calls vmap", () => {
  // Each row scaled by its own sum: the inner vmap maps over the row's elements.
  const scale = (row: WaxArray) => vmap((e: WaxArray) => np.multiply(e, np.sum(row)))(row);
  expectArray(vmap(scale)(f32([[1, 2], [3, 4]])), [[3, 6], [21, 28]]);
});

test("vmap of a traced jaxpr evaluated with evalJaxpr", () => {
  const f = (x: WaxArray) => np.multiply(np.sin(x), np.sum(x));
  const closed = makeJaxpr(f)(f32([0, 0, 0]));
  const g = (x: WaxArray) => evalJaxpr(closed.jaxpr, closed.consts, [x])[0]!;
  const x = f32([[0, 1, 2], [3, 4, 5]]);
  const rows = [[0, 1, 2], [3, 4, 5]].map((r) => r.map((v) => Math.fround(Math.sin(v)) * (r[0]! + r[1]! + r[2]!)));
  expectArray(vmap(g)(x), rows, "float32", 1e-5);
});

test("makeJaxpr(vmap(f)) traces a batched jaxpr that evaluates like vmap", () => {
  const f = vmap((x: WaxArray, y: WaxArray) => np.add(np.multiply(x, y), 1), [0, null]);
  const closed = makeJaxpr(f)(M, f32([1, 2, 3]));
  assert.equal(closed.outAvals[0]!.shape, [2, 3]);
  const [out] = evalJaxpr(closed.jaxpr, closed.consts, [M, f32([1, 0, -1])]);
  expectArray(out!, [[2, 1, -2], [5, 1, -5]]);
});

// ---- collectives ----

const named = { axisName: "i" };

test("psum over a vmapped axis sums the examples; pmean divides by the size", () => {
  expectArray(vmap((x: WaxArray) => lax.psum(x, "i"), 0, 0, named)(M), [[5, 7, 9], [5, 7, 9]]);
  expectArray(vmap((x: WaxArray) => lax.pmean(x, "i"), 0, 0, named)(M), [[2.5, 3.5, 4.5], [2.5, 3.5, 4.5]]);
  // pmean of integers is a float mean, as in JAX.
  expectArray(vmap((x: WaxArray) => lax.pmean(x, "i"), 0, 0, named)(i32([1, 2])), [1.5, 1.5], "float32");
  // Normalising by the sum over the axis: x / psum(x).
  expectArray(vmap((x: WaxArray) => np.divide(x, lax.psum(x, "i")), 0, 0, named)(f32([1, 3])), [0.25, 0.75]);
  // Booleans are summed as int32.
  expectArray(vmap((x: WaxArray) => lax.psum(x, "i"), 0, 0, named)(np.array([true, false, true])), [2, 2, 2], "int32");
});

test("psum of a pytree sums every leaf", () => {
  const out = vmap((x: WaxArray) => lax.psum({ a: x, b: [np.multiply(x, 10)] }, "i"), 0, 0, named)(f32([1, 2])) as {
    a: WaxArray;
    b: WaxArray[];
  };
  expectArray(out.a, [3, 3]);
  expectArray(out.b[0]!, [30, 30]);
});

test("psum of a value that is not batched multiplies it by the axis size", () => {
  // The unmapped argument is a value every example shares.
  const f = (x: WaxArray, y: WaxArray) => np.add(x, lax.psum(y, "i"));
  expectArray(vmap(f, [0, null], 0, named)(f32([1, 2, 3]), f32([1, 10])), [[4, 31], [5, 32], [6, 33]]);
  // psum(1) is the axis size, even traced in a jaxpr.
  expectArray(vmap(() => lax.psum(1, "i"), [], 0, { axisName: "i", axisSize: 4 })(), [4, 4, 4, 4]);
  const closed = makeJaxpr(vmap(f, [0, null], 0, named))(f32([0, 0, 0]), f32([0, 0]));
  expectArray(evalJaxpr(closed.jaxpr, closed.consts, [f32([1, 2, 3]), f32([1, 10])])[0]!, [[4, 31], [5, 32], [6, 33]]);
});

test("pmax and pmin reduce over the axis; of an unbatched value they are the identity", () => {
  const x = f32([[1, 9], [5, 2], [3, 4]]);
  expectArray(vmap((r: WaxArray) => lax.pmax(r, "i"), 0, 0, named)(x), [[5, 9], [5, 9], [5, 9]]);
  expectArray(vmap((r: WaxArray) => lax.pmin(r, "i"), 0, 0, named)(x), [[1, 2], [1, 2], [1, 2]]);
  const g = (r: WaxArray, y: WaxArray) => [lax.pmax(y, "i"), lax.pmin(y, "i")];
  const [mx, mn] = vmap(g, [0, null], [null, null], named)(x, f32([7, -7])) as WaxArray[];
  expectArray(mx!, [7, -7]);
  expectArray(mn!, [7, -7]);
});

test("axisIndex is each example's position along the axis", () => {
  expectArray(vmap((x: WaxArray) => np.add(x, lax.axisIndex("i")), 0, 0, named)(i32([10, 10, 10])), [10, 11, 12], "int32");
  expectArray(vmap(() => lax.axisIndex("i"), [], 0, { axisName: "i", axisSize: 4 })(), [0, 1, 2, 3]);
});

test("allGather gives every example all the examples' values", () => {
  const x = f32([[1, 2], [3, 4], [5, 6]]);
  const all = [[1, 2], [3, 4], [5, 6]];
  expectArray(vmap((r: WaxArray) => lax.allGather(r, "i"), 0, 0, named)(x), [all, all, all]);
  // Batched along axis 1 of the input, gathered at axis 1 of each result.
  const t = [[1, 3, 5], [2, 4, 6]];
  expectArray(vmap((r: WaxArray) => lax.allGather(r, "i", { axis: 1 }), 0, 0, named)(x), [t, t, t]);
  expectArray(vmap((r: WaxArray) => lax.allGather(r, "i", { axis: 1 }), 1, 0, named)(np.transpose(x)), [t, t, t]);
  // tiled: concatenated rather than stacked.
  expectArray(vmap((r: WaxArray) => lax.allGather(r, "i", { tiled: true }), 0, 0, named)(x), [
    [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6],
  ]);
  // An unbatched value is gathered by repetition.
  expectArray(vmap((r: WaxArray, y: WaxArray) => lax.allGather(y, "i"), [0, null], null, named)(x, f32([7, 8])), [
    [7, 8], [7, 8], [7, 8],
  ]);
});

test("collectives find their axis through nested vmaps", () => {
  const x = f32([[1, 2, 3], [4, 5, 6]]);
  const inner = (opts: { name: string | string[] }) => (row: WaxArray) =>
    vmap((e: WaxArray) => lax.psum(e, opts.name), 0, 0, { axisName: "j" })(row);
  const outer = (name: string | string[]) => vmap(inner({ name }), 0, 0, { axisName: "i" });
  expectArray(outer("j")(x), [[6, 6, 6], [15, 15, 15]]); // along each row
  expectArray(outer("i")(x), [[5, 7, 9], [5, 7, 9]]); // along each column
  expectArray(outer(["i", "j"])(x), [[21, 21, 21], [21, 21, 21]]);
  // An inner vmap over an outer-batched value that its own axis does not batch.
  const f = vmap((row: WaxArray) => vmap((e: WaxArray) => np.add(e, lax.psum(np.sum(row), "j")), 0, 0, { axisName: "j" })(row), 0, 0, named);
  expectArray(f(x), [[19, 20, 21], [49, 50, 51]]);
  // Inner name shadows an outer one with the same name.
  const shadow = vmap((row: WaxArray) => vmap((e: WaxArray) => lax.psum(e, "i"), 0, 0, named)(row), 0, 0, named);
  expectArray(shadow(x), [[6, 6, 6], [15, 15, 15]]);
  expectArray(
    vmap((row: WaxArray) => vmap((e: WaxArray) => np.add(np.multiply(lax.axisIndex("i"), 10), lax.axisIndex("j")), 0, 0, { axisName: "j" })(row), 0, 0, named)(x),
    [[0, 1, 2], [10, 11, 12]],
  );
});

test("a collective over an axis no vmap binds raises NameError", () => {
  expectError(() => lax.psum(M, "i"), "unbound axis name: i", NameError);
  expectError(() => lax.axisIndex("i"), "unbound axis name: i", NameError);
  expectError(() => makeJaxpr((x: WaxArray) => lax.pmax(x, "i"))(M), "unbound axis name: i", NameError);
  expectError(() => vmap((x: WaxArray) => lax.psum(x, "j"), 0, 0, named)(M), /unbound axis name: j\..*\['i'\]/, NameError);
  expectError(() => vmap((x: WaxArray) => lax.pmean(x, "j"))(M), "unbound axis name: j", NameError);
});

// ---- errors ----

test("inconsistent mapped sizes, with JAX's message", () => {
  expectError(
    () => vmap((x: WaxArray, y: WaxArray) => np.add(x, y))(f32([1, 2]), f32([1, 2, 3])),
    "vmap got inconsistent sizes for array axes to be mapped:\n" +
      "  * one axis had size 2: axis 0 of argument x of type float32[2];\n" +
      "  * one axis had size 3: axis 0 of argument y of type float32[3]",
    ValueError,
  );
  const three = (a: WaxArray, b: WaxArray, c: WaxArray) => np.add(np.add(a, b), c);
  const z = np.zeros([10, 2]);
  let msg = "";
  try {
    vmap(three)(z, z, i32([1, 2]));
  } catch (e) {
    msg = (e as Error).message;
  }
  assert.is(
    msg,
    "vmap got inconsistent sizes for array axes to be mapped:\n" +
      "  * most axes (2 of them) had size 10, e.g. axis 0 of argument a of type float32[10,2];\n" +
      "  * one axis had size 2: axis 0 of argument c of type int32[2]",
  );
  // Pytree arguments name the leaf; destructured parameters fall back to args[i].
  expectError(
    () => vmap((p: { u: WaxArray; v: WaxArray }) => np.add(p.u, p.v))({ u: f32([1]), v: f32([1, 2]) }),
    "  * one axis had size 1: axis 0 of argument p['u'] of type float32[1];\n  * one axis had size 2: axis 0 of argument p['v'] of type float32[2]",
  );
  expectError(
    () => vmap(({ u, v }: { u: WaxArray; v: WaxArray }) => np.add(u, v))({ u: f32([1]), v: f32([1, 2]) }),
    "axis 0 of args[0]['u'] of type float32[1]",
  );
  expectError(() => vmap((...xs: WaxArray[]) => xs[0]!, [0, 1])(f32([1]), M), "axis 1 of argument xs[1] of type float32[2,3]");
  expectError(() => vmap((x: WaxArray) => x, 0, 0, { axisSize: 3 })(M), "  * the `axis_size` argument was 3;");
});

test("mapping an axis the argument does not have", () => {
  expectError(
    () => vmap((x: WaxArray) => x)(f32(1)),
    "vmap was requested to map its argument along axis 0, which implies that its rank should be at least 1, but is only 0 (its shape is ())",
    ValueError,
  );
  expectError(
    () => vmap((x: WaxArray) => x, 2)(M),
    "vmap was requested to map its argument along axis 2, which implies that its rank should be at least 3, but is only 2 (its shape is (2, 3))",
  );
  expectError(() => vmap((x: WaxArray) => x, -3)(M), "along axis -3, which implies that its rank should be at least 3");
  expectError(() => vmap((x: number) => x)(5), "rank should be at least 1, but is only 0 (its shape is ())");
});

test("nothing mapped and no axisSize", () => {
  expectError(
    () => vmap((x: WaxArray) => x, null)(M),
    "vmap must have at least one non-None value in in_axes or axis_size must be specified",
    ValueError,
  );
  expectError(() => vmap(() => f32(1))(), "vmap wrapped function must be passed at least one argument containing an array");
});

test("out_axes null for a batched output", () => {
  expectError(
    () => vmap((x: WaxArray) => np.sin(x), 0, null)(M),
    "at vmap out_axes, got axis spec None but output was batched on axis 0",
    ValueError,
  );
  expectError(
    () => vmap((x: WaxArray) => [x, np.sin(x)], 2, [2, null])(np.zeros([2, 3, 4])),
    "at vmap out_axes[1], got axis spec None but output was batched on axis 2",
  );
  expectError(
    () => vmap((x: WaxArray) => x, 0, null, { axisName: "foo" })(M),
    "vmap has mapped output (axis_name=foo) but out_axes is None",
    ValueError,
  );
  expectError(() => vmap((x: WaxArray) => x, 0, 2)(M), "axis 2 is out of bounds for array of dimension 2");
  expectError(() => vmap((x: WaxArray) => x, 0, -3)(M), "axis -3 is out of bounds for array of dimension 2");
});

test("an output that is no array or scalar, with JAX's message", () => {
  expectError(() => vmap(() => "abc" as never, 0, 0, { axisSize: 2 })(), "Output from batched function 'abc' with type string is not a valid JAX type", TypeError);
  expectError(() => vmap((x: WaxArray) => ({ a: x, b: (() => 1) as never }))(M), "Output from batched function <function b> with type function is not a valid JAX type", TypeError);
  expectError(() => vmap((x: WaxArray) => [x, new Map() as never])(M), "Output from batched function [object Map] with type Map is not a valid JAX type", TypeError);
});

test("in_axes and out_axes whose structure does not match", () => {
  const add3 = (x: WaxArray, y: WaxArray, z: WaxArray) => np.add(np.add(x, y), z);
  expectError(
    () => vmap(add3, [0, 0])(M, M, M),
    "vmap in_axes must be an int, None, or a tuple of entries corresponding to the positional arguments passed to the function, but got len(in_axes)=2, len(args)=3",
    ValueError,
  );
  expectError(
    () => vmap((p: WaxArray[]) => p[0]!, [{ a: 0 }])([M]),
    "vmap in_axes specification must be a tree prefix of the corresponding value, got specification ({'a': 0},) for value tree [[*]].",
  );
  expectError(
    () => vmap((x: WaxArray) => x, 0, [0, 0])(M),
    "vmap out_axes specification must be a tree prefix of the corresponding value",
  );
  expectError(() => vmap((x: WaxArray) => x, 0.5 as never), "vmap in_axes must be an int, None, or (nested) container", TypeError);
  expectError(() => vmap((x: WaxArray) => x, 0, "a" as never), "vmap out_axes must be an int, None, or (nested) container with those types as leaves, but got 'a'.", TypeError);
  expectError(() => vmap((x: WaxArray) => x, [true] as never), "vmap in_axes must be an int, None, or (nested) container with those types as leaves, but got (True,).", TypeError);
});

test("tracers stay inside their vmap", () => {
  let leaked: WaxArray | undefined;
  vmap((x: WaxArray) => {
    leaked = x;
    return x;
  })(M);
  expectError(() => np.add(leaked!, 1), "escaped the transformation");
  expectClose(vmap((x: WaxArray) => x)(M).toList(), [[1, 2, 3], [4, 5, 6]]);
});

test.run();
