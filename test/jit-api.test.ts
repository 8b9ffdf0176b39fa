// jit's options as JAX takes them (staticArgnums as an int or a list, negative positions),
// checked options, and JAX's trace caching: a jitted function is traced
// once per argument signature, whether it is called on arrays or inside another trace
// (JAX's own tests count traces the same way).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { jit, lax, makeJaxpr, numpy as np, vmap } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { expectArray, expectError } from "./util.js";

test("staticArgnums as an int, as a list, and negative (counted from the end)", () => {
  const scale = (x: WaxArray, k: number) => x.mul(k);
  expectArray(jit(scale, { staticArgnums: 1 })(np.ones([2]), 3) as WaxArray, [3, 3], "float32");
  expectArray(jit(scale, { staticArgnums: [1] })(np.ones([2]), 4) as WaxArray, [4, 4], "float32");
  expectArray(jit(scale, { staticArgnums: -1 })(np.ones([2]), 5) as WaxArray, [5, 5], "float32");
  // The static value is used as a JS value: a shape here.
  const zeros = jit((n: number) => np.zeros([n]), { staticArgnums: 0 });
  assert.equal(zeros(3).shape, [3]);
  assert.equal(zeros(2).shape, [2]);
  assert.match(String(makeJaxpr(scale, { staticArgnums: 1 })(np.ones([2]), 2)), /mul a 2/);
});

test("jit's and makeJaxpr's options are checked, naming what is wrong", () => {
  const f = (x: WaxArray) => x;
  const anyJit = jit as unknown as (fn: unknown, opts: unknown) => unknown;
  expectError(() => anyJit(f, { staticArgnums: "1" }), 'staticArgnums must be an int or a list of ints, got "1"', TypeError);
  expectError(() => anyJit(f, { staticArgnums: [0.5] }), "staticArgnums must be an int or a list of ints, got [0.5]", TypeError);
  expectError(() => anyJit(f, { staticArgnames: ["k"] }), "unexpected option 'staticArgnames'", TypeError);
  expectError(() => anyJit(f, { static_argnums: 0 }), "unexpected option 'static_argnums'", TypeError);
  expectError(() => anyJit(f, 1), "expected an options object", TypeError);
  expectError(() => (makeJaxpr as unknown as (fn: unknown, o: unknown) => unknown)(f, { staticArgnums: "0" }), "staticArgnums must be an int", TypeError);
  expectError(() => jit(f, { staticArgnums: 3 })(np.ones([1])), "staticArgnums 3 is out of range for 1 arguments", RangeError);
  expectError(() => jit(f, { staticArgnums: -2 })(np.ones([1])), "staticArgnums -2 is out of range", RangeError);
});

test("a jitted function called inside another trace is traced once per signature", () => {
  let traces = 0;
  const g = jit((x: WaxArray) => {
    traces++;
    return x.mul(2);
  });
  const f = (x: WaxArray) => g(g(x)).add(g(x));
  const text = String(makeJaxpr(f)(np.ones([3])));
  assert.is((text.match(/xla_call/g) ?? []).length, 3, text);
  assert.is(traces, 1, "three calls, one signature, one trace");
  jit(f)(np.ones([3]));
  vmap(f)(np.ones([4, 3]));
  assert.is(traces, 1, "under jit and vmap the calls see f32[3] too: vmap batches the traced jaxpr, not the function");
  g(np.ones([3]));
  assert.is(traces, 1, "a concrete call with the same signature reuses the trace");
  g(np.ones([5]));
  g(np.ones([5], { dtype: "int32" }));
  assert.is(traces, 3, "new shapes and dtypes are new signatures");
  makeJaxpr(f)(np.ones([5]));
  assert.is(traces, 3);
});

test("static values and the named axes in scope are part of the trace's signature", () => {
  let traces = 0;
  const scaled = jit((x: WaxArray, k: number) => {
    traces++;
    return x.mul(k);
  }, { staticArgnums: 1 });
  makeJaxpr((x: WaxArray) => scaled(scaled(x, 2), 2).add(scaled(x, 3)))(np.ones([2]));
  assert.is(traces, 2);
  // pmean bakes in the axis size: a jitted pmean under axes of size 2 and then 3.
  const mean = jit((x: WaxArray) => lax.pmean(x, "i"));
  expectArray(vmap((x: WaxArray) => mean(x), 0, 0, { axisName: "i" })(np.arange(2).astype("float32")) as WaxArray, [0.5, 0.5]);
  expectArray(vmap((x: WaxArray) => mean(x), 0, 0, { axisName: "i" })(np.arange(3).astype("float32")) as WaxArray, [1, 1, 1]);
});

test("a trace that closes over an outer tracer is not reused by a later trace", () => {
  const outer = (x: WaxArray) => {
    const inner = jit((y: WaxArray) => y.add(x)); // a new jit per call: nothing to reuse
    return inner(x);
  };
  expectArray(vmap(outer)(np.array([[1, 2], [3, 4]], { dtype: "float32" })) as WaxArray, [[2, 4], [6, 8]]);
  let traces = 0;
  let captured: WaxArray | undefined;
  const shared = jit((y: WaxArray) => {
    traces++;
    return y.add(captured!);
  });
  const h = (x: WaxArray) => {
    captured = x;
    return shared(x);
  };
  expectArray(vmap(h)(np.array([[1, 2]], { dtype: "float32" })) as WaxArray, [[2, 4]]);
  expectArray(vmap(h)(np.array([[5, 6]], { dtype: "float32" })) as WaxArray, [[10, 12]]);
  assert.is(traces, 2, "each trace captured that call's tracer, so neither is kept");
});

test("vmap of a jitted function with a collective over the vmapped axis", () => {
  const x = np.array([[1, 2], [3, 4], [5, 6]], { dtype: "float32" });
  const centered = jit((v: WaxArray) => v.sub(lax.pmean(v, "i")));
  expectArray(vmap(centered, 0, 0, { axisName: "i" })(x) as WaxArray, [[-2, -2], [0, 0], [2, 2]]);
  // The jitted body has no batched operand, yet its psum is over the vmapped axis.
  const c = np.array([1, 2], { dtype: "float32" });
  const f = (v: WaxArray) => jit(() => lax.psum(c, "i"))().add(v);
  expectArray(vmap(f, 0, 0, { axisName: "i" })(x) as WaxArray, [[4, 8], [6, 10], [8, 12]]);
  expectArray(jit(vmap(f, 0, 0, { axisName: "i" }))(x) as WaxArray, [[4, 8], [6, 10], [8, 12]]);
});

test.run();
