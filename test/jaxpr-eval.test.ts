// Evaluating traced jaxprs: evalJaxpr re-binds each equation, with constvars and literals.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np, lax, makeJaxpr, evalJaxpr, ShapeDtypeStruct, UnexpectedTracerError } from "../compiler/index.js";
import { expectArray, expectError } from "./util.js";

test("evalJaxpr runs a traced function on concrete arguments", () => {
  const closed = makeJaxpr((x: np.Array) => np.divide(np.add(np.multiply(x, 2.5), 1), 2))(np.zeros([3]));
  const [out] = evalJaxpr(closed.jaxpr, closed.consts, [np.array([0, 1, -2], { dtype: "float32" })]);
  expectArray(out!, [0.5, 1.75, -2], "float32");
});

test("evalJaxpr with constvars, literal outputs and unused equations", () => {
  const closed = makeJaxpr((x: np.Array) => {
    np.sin(x);
    return [np.multiply(x, np.array([1, 2, 3])), 7, x];
  })(new ShapeDtypeStruct([3], "int32"));
  assert.is(closed.jaxpr.constvars.length, 1);
  assert.equal(closed.consts.map((c) => c.toList()), [[1, 2, 3]]);
  const outs = evalJaxpr(closed.jaxpr, closed.consts, [np.array([4, 5, 6])]);
  expectArray(outs[0]!, [4, 10, 18], "int32");
  expectArray(outs[1]!, 7, "int32");
  expectArray(outs[2]!, [4, 5, 6], "int32");
});

test("evalJaxpr of reductions, dot_general and indexing", () => {
  const f = (x: np.Array, y: np.Array) => [np.matmul(x, y), np.argmax(x, 1), x.slice(1), np.mean(y)];
  const closed = makeJaxpr(f)(np.zeros([2, 3]), np.zeros([3, 2]));
  const x = np.array([[1, 2, 3], [6, 5, 4]], { dtype: "float32" });
  const y = np.array([[1, 0], [0, 1], [1, 1]], { dtype: "float32" });
  const [mm, am, row, mean] = evalJaxpr(closed.jaxpr, closed.consts, [x, y]);
  expectArray(mm!, [[4, 5], [10, 9]], "float32");
  expectArray(am!, [2, 0], "int32");
  expectArray(row!, [6, 5, 4], "float32");
  expectArray(mean!, 4 / 6, "float32");
});

test("ClosedJaxpr reports its input and output avals", () => {
  const closed = makeJaxpr((x: np.Array) => [np.sum(x, 0), np.greater(x, 0)])(np.zeros([2, 3], { dtype: "int32" }));
  assert.equal(closed.inAvals.map(String), ["i32[2,3]"]);
  assert.equal(closed.outAvals.map(String), ["i32[3]", "bool[2,3]"]);
});

test("evalJaxpr checks the number of arguments", () => {
  const closed = makeJaxpr((x: np.Array) => lax.neg(x))(np.zeros([2]));
  expectError(() => evalJaxpr(closed.jaxpr, closed.consts, []), "evalJaxpr: expected 0 consts and 1 args, got 0 and 0");
});

test("ShapeDtypeStruct validates its shape and dtype", () => {
  const s = new ShapeDtypeStruct([2, 3], "int32");
  assert.equal([...s.shape], [2, 3]);
  assert.is(s.dtype, "int32");
  assert.is(new ShapeDtypeStruct([4]).dtype, "float32");
  expectError(() => new ShapeDtypeStruct([2], "float64" as never), 'ShapeDtypeStruct: unknown dtype "float64"');
  expectError(() => new ShapeDtypeStruct([-2]), "ShapeDtypeStruct: shape must be a sequence of non-negative integers");
});

test("a tracer that escapes makeJaxpr raises UnexpectedTracerError when used", () => {
  let leaked: np.Array | undefined;
  makeJaxpr((x: np.Array) => {
    leaked = x;
    return x;
  })(np.zeros([3]));
  expectError(() => np.add(leaked!, 1), "Encountered an unexpected tracer", UnexpectedTracerError);
});

test.run();
