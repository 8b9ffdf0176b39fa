// pmap: collectives against hand-computed values, pmap = vmap with the axis named,
// pytrees, nesting with vmap and jit, errors, and devices that fail mid-call.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { DeviceError, deviceCount, devices, jit, lax, makeJaxpr, numpy as np, pmap, vmap } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { devicePool } from "../runtime/pool.js";
import { expectArray, expectError } from "./util.js";

const n = Math.min(deviceCount(), 2);
const rows = (k: number) => np.arange(k * 3).astype("float32").reshape(k, 3);

test("devices() lists the calling thread and the workers", () => {
  const ds = devices();
  assert.ok(ds.length >= 1);
  assert.equal(ds[0], { id: 0, platform: "wasm", kind: "main-thread" });
  ds.slice(1).forEach((d, i) => assert.equal(d, { id: i + 1, platform: "wasm", kind: "worker" }));
});

test("psum, pmean, pmax, pmin over the devices", () => {
  const x = np.array([[1, 5, -2], [3, -1, 4]], { dtype: "float32" });
  expectArray(pmap((v: WaxArray) => lax.psum(v, "i"), "i")(x) as WaxArray, [[4, 4, 2], [4, 4, 2]], "float32");
  expectArray(pmap((v: WaxArray) => lax.pmean(v, "i"), "i")(x) as WaxArray, [[2, 2, 1], [2, 2, 1]], "float32");
  expectArray(pmap((v: WaxArray) => lax.pmax(v, "i"), "i")(x) as WaxArray, [[3, 5, 4], [3, 5, 4]], "float32");
  expectArray(pmap((v: WaxArray) => lax.pmin(v, "i"), "i")(x) as WaxArray, [[1, -1, -2], [1, -1, -2]], "float32");
  const xi = np.array([[1, 2], [10, 20]], { dtype: "int32" });
  expectArray(pmap((v: WaxArray) => lax.psum(v, "i"), "i")(xi) as WaxArray, [[11, 22], [11, 22]], "int32");
});

test("psum, pmean and pmax of a pytree: one equation with several operands", () => {
  const x = np.array([[1, 5, -2], [3, -1, 4]], { dtype: "float32" });
  const s = np.array([10, 20], { dtype: "float32" });
  const [a, b] = pmap((v: WaxArray, w: WaxArray) => lax.psum([v, w], "i"), "i")(x, s) as WaxArray[];
  expectArray(a!, [[4, 4, 2], [4, 4, 2]], "float32");
  expectArray(b!, [30, 30], "float32");
  const m = pmap((v: WaxArray, w: WaxArray) => lax.pmean({ v, w }, "i"), "i")(x, s) as { v: WaxArray; w: WaxArray };
  expectArray(m.v, [[2, 2, 1], [2, 2, 1]]);
  expectArray(m.w, [15, 15]);
  const [c, d] = pmap((v: WaxArray, w: WaxArray) => lax.pmax([v, w], "i"), "i")(x, s) as WaxArray[];
  expectArray(c!, [[3, 5, 4], [3, 5, 4]]);
  expectArray(d!, [20, 20]);
});

test("axisIndex, allGather and ppermute", () => {
  const x = np.array([[1, 2], [3, 4]], { dtype: "float32" });
  expectArray(pmap((v: WaxArray) => v.mul(lax.axisIndex("i")), "i")(x) as WaxArray, [[0, 0], [3, 4]]);
  expectArray(pmap((v: WaxArray) => lax.axisIndex("i"), "i")(x) as WaxArray, [0, 1], "int32");
  expectArray(pmap((v: WaxArray) => lax.allGather(v, "i"), "i")(x) as WaxArray, [[[1, 2], [3, 4]], [[1, 2], [3, 4]]]);
  expectArray(pmap((v: WaxArray) => lax.allGather(v, "i", { axis: 1 }), "i")(x) as WaxArray, [[[1, 3], [2, 4]], [[1, 3], [2, 4]]]);
  expectArray(pmap((v: WaxArray) => lax.allGather(v, "i", { tiled: true }), "i")(x) as WaxArray, [[1, 2, 3, 4], [1, 2, 3, 4]]);
  expectArray(pmap((v: WaxArray) => lax.ppermute(v, "i", [[0, 1], [1, 0]]), "i")(x) as WaxArray, [[3, 4], [1, 2]]);
  // A device no pair sends to receives zeros.
  expectArray(pmap((v: WaxArray) => lax.ppermute(v, "i", [[0, 1]]), "i")(x) as WaxArray, [[0, 0], [1, 2]]);
});

test("several collectives in one function, with ordinary ops between them", () => {
  const f = (v: WaxArray) => {
    const centered = v.sub(lax.pmean(v, "i"));
    const norm = np.sqrt(lax.psum(centered.mul(centered).sum(), "i"));
    return centered.div(norm).add(lax.axisIndex("i"));
  };
  const x = np.array([[1, 2, 3], [5, 6, 7]], { dtype: "float32" });
  const got = pmap(f, "i")(x) as WaxArray;
  const want = vmap(f, 0, 0, { axisName: "i" })(x) as WaxArray;
  expectArray(got, want.toList() as number[][], "float32", 1e-6);
  expectArray(got, [[-2 / Math.sqrt(24), -2 / Math.sqrt(24), -2 / Math.sqrt(24)], [1 + 2 / Math.sqrt(24), 1 + 2 / Math.sqrt(24), 1 + 2 / Math.sqrt(24)]], undefined, 1e-6);
});

test("pmap(f) equals vmap(f) for functions with collectives", () => {
  const fns: ((v: WaxArray) => WaxArray)[] = [
    (v) => np.tanh(v).mul(lax.psum(v, "i")),
    (v) => lax.pmax(np.exp(v.mul(0.1)), "i").sub(lax.pmin(v, "i")),
    (v) => np.matmul(v.reshape(1, -1), lax.allGather(v, "i").T).reshape(-1),
    (v) => lax.ppermute(v.mul(2.5), "i", [[0, 1], [1, 0]]).add(lax.axisIndex("i")),
    (v) => np.nn.softmax(lax.psum(v, "i")),
  ];
  for (const k of [1, n]) {
    const x = rows(k).mul(0.25);
    for (const f of fns) {
      if (k === 1 && f === fns[3]) continue; // that permutation needs two devices
      const got = pmap(f, "i")(x) as WaxArray;
      const want = vmap(f, 0, 0, { axisName: "i" })(x) as WaxArray;
      expectArray(got, want.toList(), want.dtype, 1e-5);
    }
  }
});

test("psum, pmax, pmin and pmean over a pytree of several arrays (one collective, several operands), in pmap and jit(pmap)", () => {
  // Device d holds a = [d+1, 2d], b = [[10d]] (int32) and c = d > 0 (bool, summed as int32).
  const a = np.array(Array.from({ length: n }, (_, d) => [d + 1, 2 * d]), { dtype: "float32" });
  const b = np.array(Array.from({ length: n }, (_, d) => [[10 * d]]), { dtype: "int32" });
  const c = np.array(Array.from({ length: n }, (_, d) => d > 0));
  const ds = Array.from({ length: n }, (_, d) => d);
  const sum = (f: (d: number) => number) => ds.reduce((t, d) => t + f(d), 0);
  const each = <T>(v: T) => ds.map(() => v);
  const want = {
    psum: { a: [sum((d) => d + 1), sum((d) => 2 * d)], b: [[sum((d) => 10 * d)]], c: sum((d) => Number(d > 0)) },
    pmax: { a: [n, 2 * (n - 1)], b: [[10 * (n - 1)]], c: n > 1 },
    pmin: { a: [1, 0], b: [[0]], c: false },
    pmean: { a: [sum((d) => d + 1) / n, sum((d) => 2 * d) / n], b: [[sum((d) => 10 * d) / n]], c: sum((d) => Number(d > 0)) / n },
  };
  const dtypes = { psum: ["float32", "int32", "int32"], pmax: ["float32", "int32", "bool"], pmin: ["float32", "int32", "bool"], pmean: ["float32", "float32", "float32"] };
  for (const p of ["psum", "pmax", "pmin", "pmean"] as const) {
    const f = (x: WaxArray, y: WaxArray, z: WaxArray) => lax[p]({ a: x, rest: [y, z] }, "i");
    for (const [how, g] of [["pmap", pmap(f, "i")], ["jit(pmap)", jit(pmap(f, "i"))]] as const) {
      const out = g(a, b, c) as { a: WaxArray; rest: [WaxArray, WaxArray] };
      const got = [out.a, ...out.rest];
      const w = want[p];
      [w.a, w.b, w.c].forEach((v, k) => expectArray(got[k]!, each(v), dtypes[p][k], 1e-6));
      assert.ok(got.every((x) => x.shape[0] === n), `${p} under ${how}`);
    }
  }
  // Two arrays as a list too, and the same under vmap.
  const pair = (x: WaxArray) => lax.psum([x, x.mul(2)], "i");
  const viaPmap = pmap(pair, "i")(a) as WaxArray[];
  const viaVmap = vmap(pair, 0, 0, { axisName: "i" })(a) as WaxArray[];
  viaPmap.forEach((x, k) => expectArray(x, viaVmap[k]!.toList(), "float32"));
});

test("collectives of empty arrays computed with the math library (found by the fuzzer: a hang on 2 devices)", () => {
  // Inlining every kernel into the entry let Binaryen reuse parameters as the barrier's
  // locals, and V8's baseline tier then spun forever in the first barrier.
  const x = np.zeros([n, 0, 3]);
  const out = pmap((v: WaxArray) => [lax.psum(np.exp(v), "i"), lax.pmax(np.tanh(v), "i")], "i")(x) as WaxArray[];
  out.forEach((o) => assert.equal(o.shape, [n, 0, 3]));
  expectArray(pmap((v: WaxArray) => lax.psum(np.exp(v), "i"), "i")(np.zeros([n, 2])) as WaxArray, Array.from({ length: n }, () => [n, n]));
});

test("pytrees, unmapped arguments, in_axes and out_axes", () => {
  const params = { w: np.array([2, 3, 4], { dtype: "float32" }), b: np.array(1, { dtype: "float32" }) };
  const x = rows(n);
  const f = (p: { w: WaxArray; b: WaxArray }, v: WaxArray) => ({ y: v.mul(p.w).add(p.b), s: lax.psum(v.sum(), "i") });
  const out = pmap(f, "i", { inAxes: [null, 0] })(params, x) as { y: WaxArray; s: WaxArray };
  const ref = vmap(f, [null, 0], 0, { axisName: "i" })(params, x) as { y: WaxArray; s: WaxArray };
  expectArray(out.y, ref.y.toList());
  expectArray(out.s, ref.s.toList());
  // Mapping axis 1 and stacking the results on axis 1.
  const xt = x.T;
  const g = pmap((v: WaxArray) => v.mul(2), "i", { inAxes: 1, outAxes: 1 })(xt) as WaxArray;
  expectArray(g, (xt.mul(2)).toList());
});

test("nesting with vmap and jit", () => {
  const x = np.arange(n * 2 * 3).astype("float32").reshape(n, 2, 3);
  // vmap inside pmap
  const inner = pmap((v: WaxArray) => vmap((r: WaxArray) => r.sum())(v).add(lax.psum(v.sum(), "i")), "i")(x) as WaxArray;
  const ref = vmap((v: WaxArray) => vmap((r: WaxArray) => r.sum())(v).add(lax.psum(v.sum(), "i")), 0, 0, { axisName: "i" })(x) as WaxArray;
  expectArray(inner, ref.toList());
  // vmap around pmap: the batch rides along on every device
  const xb = np.arange(2 * n * 3).astype("float32").reshape(2, n, 3);
  const outer = vmap(pmap((v: WaxArray) => lax.psum(v, "i"), "i"))(xb) as WaxArray;
  const outerRef = vmap(vmap((v: WaxArray) => lax.psum(v, "i"), 0, 0, { axisName: "i" }))(xb) as WaxArray;
  expectArray(outer, outerRef.toList());
  // jit inside and around pmap
  const jInside = pmap(jit((v: WaxArray) => np.tanh(v).mul(2.5)), "i")(x) as WaxArray;
  expectArray(jInside, np.tanh(x).mul(2.5).toList(), "float32", 1e-6);
  const jAround = jit(pmap((v: WaxArray) => lax.psum(v, "i"), "i"))(x) as WaxArray;
  expectArray(jAround, (vmap((v: WaxArray) => lax.psum(v, "i"), 0, 0, { axisName: "i" })(x) as WaxArray).toList());
});

test("vmap around pmap whose in_axes and out_axes are not 0 (found by the fuzzer's nested mode)", () => {
  // vmap over the last axis of x[1, n, 2]; each example x[..., b] is [1, n], pmapped over axis 1.
  const x = np.arange(n * 2).reshape(1, n, 2);
  const f = pmap((v: WaxArray) => [v.mul(10)], "p", { inAxes: [1], outAxes: [1] });
  for (const g of [vmap(f, [-1], [-3]), jit(vmap(f, [-1], [-3]))]) {
    const [out] = g(x) as WaxArray[];
    // out[b, 0, p] = 10 * x[0, p, b]
    assert.equal(out!.shape, [2, 1, n]);
    expectArray(out!, [0, 1].map((b) => [Array.from({ length: n }, (_, p) => 10 * (p * 2 + b))]), "int32");
  }
});

test("makeJaxpr shows an xla_pmap equation as JAX 0.4.1 prints it", () => {
  const text = String(makeJaxpr(pmap((v: WaxArray) => lax.psum(v.mul(2.5), "i"), "i"))(np.zeros([2, 4])));
  assert.is(
    text,
    `{ lambda ; a:f32[2,4]. let
    b:f32[2,4] = xla_pmap[
      axis_name=i
      axis_size=2
      backend=None
      call_jaxpr={ lambda ; c:f32[4]. let
          d:f32[4] = mul c 2.5
          e:f32[4] = psum[axes=('i',) axis_index_groups=None] d
        in (e,) }
      devices=None
      donated_invars=(False,)
      global_arg_shapes=(None,)
      global_axis_size=None
      in_axes=(0,)
      name=<lambda>
      out_axes=(0,)
    ] a
  in (b,) }`,
  );
});

test("errors: too many devices, inconsistent sizes, unbound axis names, collectives outside any map", () => {
  expectError(() => pmap((v: WaxArray) => v, "i", { inAxes: true }), "pmap in_axes must be an int, None, or (nested) container with those types as leaves, but got True.", TypeError);
  expectError(() => pmap((v: WaxArray) => v, "i", { inAxes: [{ a: false }] }), "pmap in_axes must be an int, None, or (nested) container with those types as leaves, but got ({'a': False},).", TypeError);
  expectError(() => pmap((v: WaxArray) => v, "i", { outAxes: "0" }), "pmap out_axes must be an int, None, or (nested) container with those types as leaves, but got '0'.", TypeError);
  const many = deviceCount() + 1;
  expectError(
    () => pmap((v: WaxArray) => v, "i")(np.zeros([many, 2])),
    `compiling computation that requires ${many} logical devices, but only ${deviceCount()} devices are available`,
  );
  expectError(() => pmap((a: WaxArray, b: WaxArray) => a.add(b), "i")(np.zeros([1, 2]), np.zeros([2, 2])), "pmap got inconsistent sizes for array axes to be mapped");
  expectError(() => pmap((v: WaxArray) => lax.psum(v, "j"), "i")(np.zeros([1, 2])), "unbound axis name: j");
  expectError(() => lax.psum(np.zeros([2]), "i"), "unbound axis name: i");
  expectError(() => pmap((v: WaxArray) => v, "i", { inAxes: null })(np.zeros([1, 2])), "pmap requires at least one argument with a mapped axis");
  expectError(() => pmap((v: WaxArray) => v, "i")(np.zeros([])), "which implies that its rank should be at least 1");
});

if (deviceCount() >= 2) {
  test("faults: a throwing device and a dying device", () => {
    const f = pmap((v: WaxArray) => lax.psum(v.mul(2), "i"), "i");
    const x = np.ones([2, 1000]);
    expectArray((f(x) as WaxArray).slice(0, [0, 3]), [4, 4, 4]);
    for (const how of ["throw", "exit"] as const) {
      devicePool().injectFault(1, how);
      const t0 = Date.now();
      let err: unknown;
      try {
        f(x);
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof DeviceError, `a DeviceError (${how}), got ${String(err)}`);
      assert.is((err as DeviceError).device, 1);
      assert.match((err as Error).message, /device 1/);
      assert.ok(Date.now() - t0 < 1000, "reported within a second");
      // The pool recovers: the next call works and gives the right answer.
      expectArray((f(x) as WaxArray).slice(1, [0, 3]), [4, 4, 4]);
    }
  });
}

test.run();
