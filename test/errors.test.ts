// Bad inputs fail loudly, naming the shapes, axes and values involved; traced values
// used as concrete ones raise ConcretizationTypeError.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np, lax, makeJaxpr, ConcretizationTypeError } from "../compiler/index.js";
import { expectError } from "./util.js";

test("shapes that do not broadcast", () => {
  expectError(() => np.add(np.ones([2, 3]), np.ones([4])), "Incompatible shapes for broadcasting: shapes=[(2, 3), (4,)]");
  expectError(() => np.multiply(np.ones([2]), np.ones([3])), "mul got incompatible shapes for broadcasting: (2,), (3,).");
  expectError(() => np.where(np.array([true, false]), np.ones([3]), 0), "Incompatible shapes for broadcasting: shapes=[(2,), (3,), ()]");
  expectError(() => np.logicalAnd(np.ones([2, 2]), np.ones([3])), "Incompatible shapes for broadcasting: shapes=[(2, 2), (3,)]");
  expectError(() => np.broadcastTo(np.ones([3]), [4]), "Incompatible shapes for broadcasting: (3,) and requested shape (4,)");
});

test("contraction sizes that differ", () => {
  expectError(() => np.dot(np.ones([2, 3]), np.ones([4, 2])), "Incompatible shapes for dot: got (2, 3) and (4, 2).");
  expectError(() => np.matmul(np.ones([5, 3]), np.ones([4])), /core dimension 0.*size 4 is different from 3/);
  expectError(() => lax.dotGeneral(np.ones([2, 3]), np.ones([4, 3]), [[[0], [0]], [[], []]]), "dot_general requires contracting dimensions to have the same shape, got (2,) and (4,).");
});

test("axes out of range", () => {
  const x = np.ones([2, 3]);
  expectError(() => np.sum(x, 2), "axis 2 is out of bounds for array of dimension 2");
  expectError(() => np.argmin(x, -3), "axis -3 is out of bounds for array of dimension 2");
  expectError(() => np.swapaxes(x, 0, 2), "axis2 2 is out of bounds for array of dimension 2");
  expectError(() => np.moveaxis(x, 3, 0), "source 3 is out of bounds for array of dimension 2");
  expectError(() => np.transpose(x, [0, 2]), "transpose axes 2 is out of bounds for array of dimension 2");
  expectError(() => np.squeeze(x, 4), "squeeze axis 4 is out of bounds for array of dimension 2");
  expectError(() => np.concatenate([x, x], -3), "axis -3 is out of bounds for array of dimension 2");
  expectError(() => np.nn.softmax(x, 2), "axis 2 is out of bounds for array of dimension 2");
  expectError(() => lax.reduceMax(x, [5]), "reduce_max axes 5 is out of bounds for array of dimension 2");
});

test("axis, axes and shape arguments of the wrong type say so (no internal errors)", () => {
  const x = np.ones([2, 3]);
  const any = (v: unknown) => v as never;
  expectError(() => np.sum(x, any("1")), 'axis must be an integer or a list of integers, got "1"', TypeError);
  expectError(() => x.sum(any("1")), 'axis must be an integer or a list of integers, got "1"', TypeError);
  expectError(() => np.sum(x, any([0, "1"])), 'axis must be an integer, got "1"', TypeError);
  expectError(() => np.sum(x, 1.5), "axis must be an integer, got 1.5", TypeError);
  expectError(() => np.mean(x, any("0")), 'axis must be an integer or a list of integers, got "0"', TypeError);
  expectError(() => np.argmax(x, any("1")), 'axis must be an integer, got "1"', TypeError);
  expectError(() => np.nn.logsumexp(x, any("1")), 'axis must be an integer or a list of integers, got "1"', TypeError);
  expectError(() => np.transpose(x, any("10")), 'transpose: axes must be a list of integers, got "10"', TypeError);
  expectError(() => np.expandDims(x, any("0")), 'expandDims axis must be an integer or a list of integers, got "0"', TypeError);
  expectError(() => np.squeeze(x, any("0")), 'squeeze axis must be an integer or a list of integers, got "0"', TypeError);
  expectError(() => np.moveaxis(x, any("0"), 1), 'source must be an integer or a list of integers, got "0"', TypeError);
  expectError(() => np.swapaxes(x, any("0"), 1), 'axis1 must be an integer, got "0"', TypeError);
  expectError(() => np.concatenate([x, x], any("0")), 'axis must be an integer, got "0"', TypeError);
  expectError(() => np.stack([x, x], any("1")), 'axis must be an integer, got "1"', TypeError);
  expectError(() => np.reshape(x, any("6")), 'reshape: the new shape must be an integer or a list of integers, got "6"', TypeError);
  expectError(() => np.broadcastTo(x, any("23")), 'broadcastTo: shape must be a sequence of non-negative integers, got "23"', TypeError);
  expectError(() => np.tensordot(x, x, any("1")), "tensordot axes argument must be an int, a pair of ints, or a pair of lists/tuples of ints.", TypeError);
  assert.equal(lax.expandDims(x, any(0)).shape, [1, 2, 3], "one int is fine too");
});

test("unknown dtypes", () => {
  const bad = "float64" as never;
  expectError(() => np.zeros([2], { dtype: bad }), 'zeros: unknown dtype "float64"; wax supports "float32", "int32", "bool"');
  expectError(() => np.ones([2], { dtype: "int8" as never }), 'ones: unknown dtype "int8"');
  expectError(() => np.full([2], 1, { dtype: bad }), 'full: unknown dtype "float64"');
  expectError(() => np.array([1], { dtype: "uint8" as never }), 'np.array: unknown dtype "uint8"');
  expectError(() => np.arange(3, undefined, undefined, { dtype: bad }), 'arange: unknown dtype "float64"');
  expectError(() => np.eye(2, 2, { dtype: bad }), 'eye: unknown dtype "float64"');
  expectError(() => np.linspace(0, 1, 3, { dtype: bad }), 'linspace: unknown dtype "float64"');
  expectError(() => np.ones([2]).astype(bad), 'astype: unknown dtype "float64"');
  expectError(() => np.zerosLike(np.ones([2]), { dtype: bad }), /unknown dtype "float64"/);
  expectError(() => np.sum(np.ones([2]), 0, { dtype: bad }), 'sum: unknown dtype "float64"');
  expectError(() => lax.iota(bad, 3), 'iota: unknown dtype "float64"');
});

test("ragged nested arrays", () => {
  expectError(() => np.array([[1, 2], [3]]), "inhomogeneous shape");
  expectError(() => np.array([[1, 2], [3]]), "(2, 2) and (2, 1)");
  expectError(() => np.array([1, [2, 3]]), "inhomogeneous shape");
  expectError(() => np.array([[1], 2]), "inhomogeneous shape");
  expectError(() => np.array([[[1, 2]], [[3, 4], [5, 6]]]), "inhomogeneous shape");
  expectError(() => np.array([[], [1]]), "inhomogeneous shape");
});

test("elements that are not numbers or booleans", () => {
  expectError(() => np.array(["a"] as never), "elements must be numbers or booleans, got string a");
  expectError(() => np.array([1, undefined] as never), "elements must be numbers or booleans, got undefined");
  expectError(() => np.array([1, null] as never), "elements must be numbers or booleans, got object null");
  expectError(() => np.array(undefined as never), "elements must be numbers or booleans, got undefined");
  expectError(() => np.array({ a: 1 } as never), "elements must be numbers or booleans, got object");
  expectError(() => np.array([1, [2, undefined]] as never), /inhomogeneous shape|got undefined/);
});

test("integers too large for int32", () => {
  expectError(() => np.array([1, 3e9]), "Python int 3000000000 too large to convert to int32");
  expectError(() => np.array(-3e9, { dtype: "int32" }), "too large to convert to int32");
  expectError(() => np.array(new Float64Array([3e9]), { dtype: "int32" }), "too large to convert to int32");
});

test("a TypedArray whose length does not match the shape", () => {
  expectError(() => np.array(new Float32Array(5), { shape: [2, 3] }), "np.array: a TypedArray of length 5 does not match shape (2, 3) (size 6)");
  expectError(() => np.array(new Int32Array(7), { shape: [2, 3] }), "length 7 does not match shape (2, 3)");
  expectError(() => np.array(new Float32Array(2), { shape: [] }), "length 2 does not match shape ()");
  expectError(() => np.array([1, 2], { shape: [2] }), "the shape option is only for TypedArray data");
});

test("bad shapes", () => {
  expectError(() => np.zeros([2, -1]), "zeros: shape must be a sequence of non-negative integers, got [2,-1]");
  expectError(() => np.ones([1.5]), "ones: shape must be a sequence of non-negative integers, got [1.5]");
  expectError(() => np.reshape(np.ones([6]), [4, 2]), "cannot reshape array of shape (6,) (size 6) into shape (4, 2) (size 8)");
  expectError(() => np.eye(-1), /non-negative/);
});

test("JS arrays are not accepted where Arrays are expected", () => {
  expectError(() => np.add([1, 2] as never, 1), "use np.array(...) to make an Array from nested lists");
  expectError(() => np.sum("x" as never), "got string x");
});

test("under makeJaxpr, reading a traced value throws ConcretizationTypeError", () => {
  const cases: [string, (x: np.Array) => unknown][] = [
    ["Number(x)", (x) => Number(x)],
    ["item()", (x) => x.item()],
    ["toList()", (x) => x.toList()],
    ["data()", (x) => x.data()],
    ["a comparison", (x) => (x as unknown as number) > 0],
    ["unary plus", (x) => +x],
  ];
  for (const [what, use] of cases) {
    let err: unknown;
    try {
      makeJaxpr((x: np.Array) => {
        use(np.sum(x, 0));
        return x;
      })(np.zeros([3, 4]));
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ConcretizationTypeError, `${what}: expected a ConcretizationTypeError, got ${String(err)}`);
    const msg = (err as Error).message;
    assert.ok(msg.includes("f32[4]"), `${what}: message names the shape: ${msg}`);
    assert.ok(msg.includes("np.where"), `${what}: message suggests np.where: ${msg}`);
    assert.ok(msg.includes("static"), `${what}: message suggests static arguments: ${msg}`);
    assert.ok(msg.includes("Abstract tracer value encountered where concrete value is expected"), msg);
  }
});

test("concrete values inside makeJaxpr stay readable", () => {
  const seen: unknown[] = [];
  makeJaxpr((x: np.Array) => {
    const c = np.array([1, 2]);
    seen.push(c.toList(), x.shape, x.dtype, x.ndim, x.size);
    return x;
  })(np.zeros([2, 5]));
  assert.equal(seen, [[1, 2], [2, 5], "float32", 2, 10]);
});

test("template literals of tracers describe them without reading values", () => {
  let s = "";
  makeJaxpr((x: np.Array) => {
    s = `${x}`;
    return x;
  })(np.zeros([3]));
  assert.ok(s.startsWith("Traced<ShapedArray(float32[3])>"), s);
});

test("NaN and infinity cannot become int32", () => {
  expectError(() => np.array([1, NaN], { dtype: "int32" }), "cannot convert float NaN to integer");
  expectError(() => np.array([Infinity], { dtype: "int32" }), "cannot convert float infinity to integer");
});

test.run();
