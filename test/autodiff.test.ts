// Autodiff through the public API, against hand-computed derivatives: the transformations'
// composition (jit, vmap, pmap, nested grad), custom rules, pytrees, Jacobians, the
// printed jaxpr of a gradient, and errors in JAX's words. The per-primitive numerical
// checks are in grad-property.test.ts.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  type Array as WaxArray, customJvp, customVjp, deviceCount, grad, hessian, jacfwd, jacrev, jit, jvp, lax,
  linearize, makeJaxpr, numpy as np, pmap, valueAndGrad, vjp, vmap,
} from "../compiler/index.js";
import { expectArray, expectClose, expectError } from "./util.js";

const f32 = (x: unknown) => np.array(x as number[], { dtype: "float32" });
const sech2 = (v: number) => 1 - Math.tanh(v) ** 2;

test("grad of tanh(x)·x summed, eagerly, jitted, and the gradient program jitted", () => {
  const f = (x: WaxArray) => np.sum(np.multiply(np.tanh(x), x));
  const xs = [0.5, -1, 2];
  const want = xs.map((v) => sech2(v) * v + Math.tanh(v));
  const x = f32(xs);
  expectArray(grad(f)(x), want, "float32", 1e-6);
  expectArray(jit(grad(f))(x), want, "float32", 1e-6);
  expectArray(grad(jit(f))(x), want, "float32", 1e-6);
  const [v, g] = valueAndGrad(f)(x);
  expectClose((v as WaxArray).item(), xs.reduce((a, t) => a + Math.tanh(t) * t, 0), 1e-6);
  expectArray(g as WaxArray, want, "float32", 1e-6);
});

test("jvp and linearize give the directional derivative; vjp gives its transpose", () => {
  const f = (x: WaxArray, y: WaxArray) => np.multiply(np.sin(x), y);
  const x = f32([0.3, 1.2]), y = f32([2, -1]);
  const [out, t] = jvp(f, [x, y], [f32([1, 0]), f32([0, 1])]);
  expectArray(out as WaxArray, [Math.sin(0.3) * 2, -Math.sin(1.2)], "float32");
  expectArray(t as WaxArray, [Math.cos(0.3) * 2, Math.sin(1.2)], "float32");
  const [out2, fJvp] = linearize(f, x, y);
  expectArray(out2 as WaxArray, [Math.sin(0.3) * 2, -Math.sin(1.2)], "float32");
  expectArray(fJvp(f32([1, 0]), f32([0, 1])) as WaxArray, [Math.cos(0.3) * 2, Math.sin(1.2)], "float32");
  const [, pull] = vjp(f, x, y);
  const [cx, cy] = pull(f32([1, 1])) as WaxArray[];
  expectArray(cx!, [Math.cos(0.3) * 2, -Math.cos(1.2)], "float32");
  expectArray(cy!, [Math.sin(0.3), Math.sin(1.2)], "float32");
});

test("second derivatives: grad(grad), hessian, jacfwd = jacrev", () => {
  expectClose(grad(grad((x: WaxArray) => np.sin(x)))(f32(0.3)).item(), -Math.sin(0.3), 1e-6);
  expectClose(grad(grad(grad((x: WaxArray) => np.exp(np.multiply(x, 2)))))(f32(0.5)).item(), 8 * Math.exp(1), 1e-5);
  const h = hessian((x: WaxArray) => np.sum(np.multiply(np.multiply(x, x), x)))(f32([1, -2, 4]));
  expectArray(h as WaxArray, [[6, 0, 0], [0, -12, 0], [0, 0, 24]], "float32");
  const g = (x: WaxArray) => np.tanh(np.matmul(f32([[1, 2], [3, 4], [0.5, -1]]), x));
  const x = f32([0.1, -0.2]);
  const jf = jacfwd(g)(x) as WaxArray, jr = jacrev(g)(x) as WaxArray;
  assert.equal(jf.shape, [3, 2]);
  expectClose(jf.toList(), jr.toList(), 1e-6);
  const z = [1 * 0.1 - 2 * 0.2, 3 * 0.1 - 4 * 0.2, 0.05 + 0.2];
  expectArray(jf, [[sech2(z[0]!), 2 * sech2(z[0]!)], [3 * sech2(z[1]!), 4 * sech2(z[1]!)], [0.5 * sech2(z[2]!), -sech2(z[2]!)]], "float32", 1e-6);
});

test("pytrees: an MLP's params object, argnums as a list, hasAux", () => {
  const params = { w: f32([[0.5, -1], [2, 0.25]]), b: f32([0.1, -0.1]) };
  const x = f32([[1, 2]]);
  const loss = (p: typeof params, xs: WaxArray) => np.sum(np.square(np.add(np.matmul(xs, p.w), p.b)));
  const g = grad(loss)(params, x) as typeof params;
  // y = x·w + b = [4.6, -0.6]; dL/dy = 2y; dL/dw = xᵀ·2y; dL/db = 2y.
  expectArray(g.b, [9.2, -1.2], "float32", 1e-5);
  expectArray(g.w, [[9.2, -1.2], [18.4, -2.4]], "float32", 1e-5);
  const [gp, gx] = grad(loss, [0, 1])(params, x) as [typeof params, WaxArray];
  expectArray(gp.b, [9.2, -1.2], "float32", 1e-5);
  expectArray(gx, [[0.5 * 9.2 + 1.2, 2 * 9.2 - 0.25 * 1.2]], "float32", 1e-5);
  const [g2, aux] = grad((p: typeof params) => [loss(p, x), { n: np.sum(p.w) }], 0, { hasAux: true })(params) as [typeof params, { n: WaxArray }];
  expectArray(g2.b, [9.2, -1.2], "float32", 1e-5);
  expectClose(aux.n.item(), 1.75);
});

test("vmap(grad) gives per-example gradients; grad(vmap) sums them", () => {
  const loss = (w: WaxArray, x: WaxArray, y: WaxArray) => np.square(np.subtract(np.dot(x, w), y));
  const w = f32([1, -1]), xs = f32([[1, 2], [3, 4], [0, 1]]), ys = f32([0, 1, 2]);
  const per = vmap(grad(loss), [null, 0, 0])(w, xs, ys) as WaxArray;
  // residual r = x·w - y: [-1, -2, -3]; gradient 2 r x.
  expectArray(per, [[-2, -4], [-12, -16], [0, -6]], "float32");
  expectArray(jit(vmap(grad(loss), [null, 0, 0]))(w, xs, ys) as WaxArray, [[-2, -4], [-12, -16], [0, -6]], "float32");
  const total = grad((v: WaxArray) => np.sum(vmap(loss, [null, 0, 0])(v, xs, ys)))(w);
  expectArray(total, [-14, -26], "float32");
});

test("collectives: psum transposes to psum, under vmap with an axis name and in pmap", () => {
  const g = vmap(grad((x: WaxArray) => lax.psum(np.multiply(x, x), "i")), 0, 0, { axisName: "i" })(f32([1, 2, 3]));
  expectArray(g as WaxArray, [6, 12, 18], "float32");
  const n = Math.min(deviceCount(), 2);
  const loss = (w: WaxArray, x: WaxArray) => np.mean(np.square(np.tanh(np.multiply(x, w))));
  const step = pmap((w: WaxArray, x: WaxArray) => lax.pmean(grad(loss)(w, x), "i"), "i", { inAxes: [null, 0] });
  const xs = f32(Array.from({ length: n }, (_, i) => [1 + i, 2 - i]));
  const w = f32([0.1, 0.2]);
  const got = step(w, xs) as WaxArray;
  const whole = grad(loss)(w, xs) as WaxArray;
  assert.equal(got.shape, [n, 2]);
  for (const row of got.toList() as number[][]) expectClose(row, whole.toList(), 1e-6);
});

test("customJvp: the rule is used under grad, jit and vmap, and prints as custom_jvp_call", () => {
  const lse = customJvp(function logsumexp(x: WaxArray) {
    const m = lax.stopGradient(np.max(x));
    return np.add(np.log(np.sum(np.exp(np.subtract(x, m)))), m);
  });
  let ruleCalls = 0;
  lse.defjvp(([x], [t]) => {
    ruleCalls++;
    const y = lse(x);
    return [y, np.sum(np.multiply(np.exp(np.subtract(x, y)), t))];
  });
  const x = f32([1000, 1001, 999]);
  const e = [Math.exp(-1), 1, Math.exp(-2)], s = e[0]! + e[1]! + e[2]!;
  const want = e.map((v) => v / s);
  // Near 1000, one float32 rounding of the log-sum-exp is 6e-5: relative error of that size.
  expectArray(grad(lse)(x), want, "float32", 2e-4);
  expectArray(jit(grad(lse))(x), want, "float32", 2e-4);
  expectArray(grad(jit(lse))(x), want, "float32", 2e-4);
  expectArray(vmap(grad(lse))(f32([[1000, 1001, 999], [0, 0, 0]])) as WaxArray, [want, [1 / 3, 1 / 3, 1 / 3]], "float32", 2e-4);
  assert.ok(ruleCalls >= 4, "the custom rule ran");
  const text = String(makeJaxpr(lse)(x));
  assert.match(text, /custom_jvp_call\[\n\s+call_jaxpr=\{ lambda ; /);
  assert.match(text, /jvp_jaxpr_thunk=<function logsumexp_jvp>/);
  assert.match(text, /num_consts=0/);
});

test("customVjp: bwd replaces the derivative (gradient clipping), under jit and vmap", () => {
  const clip = customVjp((x: WaxArray) => x).defvjp((x) => [x, null], (_res, g: WaxArray) => [np.clip(g, -1, 1)]);
  expectArray(grad((x: WaxArray) => np.sum(np.multiply(clip(x), 5)))(f32([1, 2])), [1, 1], "float32");
  const per = jit(vmap(grad((x: WaxArray) => np.multiply(np.multiply(clip(x), x), 5))))(f32([0.01, 2]));
  expectArray(per as WaxArray, [0.1, 11], "float32", 1e-6);
  const f = customVjp((x: WaxArray, y: WaxArray) => np.multiply(np.sin(x), y)).defvjp(
    (x, y) => [np.multiply(np.sin(x), y), [np.cos(x), np.sin(x), y]],
    ([c, s, y]: WaxArray[], g: WaxArray) => [np.multiply(np.multiply(c!, g), y!), np.multiply(s!, g)],
  );
  const [gx, gy] = grad((x: WaxArray, y: WaxArray) => np.sum(f(x, y)), [0, 1])(f32([0.5]), f32([2])) as WaxArray[];
  expectArray(gx!, [Math.cos(0.5) * 2], "float32");
  expectArray(gy!, [Math.sin(0.5)], "float32");
  expectError(() => jvp(f, [f32([1]), f32([1])], [f32([1]), f32([1])]), "can't apply forward-mode autodiff (jvp) to a custom_vjp function.");
});

test("stopGradient blocks; non-differentiable points follow JAX", () => {
  expectArray(grad((x: WaxArray) => np.sum(np.multiply(lax.stopGradient(x), x)))(f32([3, 4])), [3, 4], "float32");
  expectClose(grad((x: WaxArray) => np.abs(x))(f32(0)).item(), 1);
  const [gx, gy] = grad((x: WaxArray, y: WaxArray) => np.maximum(x, y), [0, 1])(f32(2), f32(2)) as WaxArray[];
  expectClose([gx!.item(), gy!.item()], [0.5, 0.5]);
  expectClose(grad((x: WaxArray) => np.sum(np.floor(x)))(f32([1.5])).toList(), [0]);
  // relu has JAX's custom rule: 0 at 0, not the tie's 1/2.
  expectArray(grad((x: WaxArray) => np.sum(np.nn.relu(x)))(f32([-1, 0, 2])), [0, 0, 1], "float32");
  expectArray(jit(vmap(grad((x: WaxArray) => np.nn.relu(x))))(f32([-1, 0, 2])) as WaxArray, [0, 0, 1], "float32");
});

test("grad(jit(f)) stays compiled: a known call and a transposed linear call; higher orders through jit", () => {
  const model = jit(function model(x: WaxArray, w: WaxArray) {
    return np.sum(np.tanh(np.matmul(x, w)));
  });
  const x = f32([[1, 2], [3, 4]]), w = f32([[0.1, 0.2], [0.3, -0.4]]);
  const plain = grad((a: WaxArray, b: WaxArray) => np.sum(np.tanh(np.matmul(a, b))), 1)(x, w) as WaxArray;
  expectClose((grad(model, 1)(x, w) as WaxArray).toList(), plain.toList(), 1e-6);
  const text = String(makeJaxpr(grad(model, 1))(x, w));
  assert.match(text, /name=jvp\(model\)/);
  assert.match(text, /name=transpose\(jvp\(model\)\)/);
  const s = jit((v: WaxArray) => np.sum(np.multiply(np.sin(v), v)));
  const h = hessian(s)(f32([0.3, 0.7])) as WaxArray;
  expectArray(h, [[2 * Math.cos(0.3) - 0.3 * Math.sin(0.3), 0], [0, 2 * Math.cos(0.7) - 0.7 * Math.sin(0.7)]], "float32", 1e-6);
});

test("the gradient of a function is a jaxpr in JAX's format", () => {
  const text = String(makeJaxpr(grad((x: WaxArray) => np.sum(np.sin(x))))(f32([1, 2])));
  assert.match(text, /^\{ lambda ; a:f32\[2\]\. let\n/);
  assert.match(text, /cos a/);
  assert.match(text, /\n {2}in \([a-z]+,\) \}$/);
});

test("errors in JAX's words", () => {
  expectError(() => grad((x: WaxArray) => np.sin(x))(f32([1, 2, 3])), "Gradient only defined for scalar-output functions. Output had shape: (3,).");
  expectError(
    () => grad((x: WaxArray) => np.sum(x))(np.array([1, 2])),
    "grad requires real- or complex-valued inputs (input dtype that is a sub-dtype of np.inexact), but got int32. If you want to use Boolean- or integer-valued inputs, use vjp or set allow_int to True.",
  );
  expectError(
    () => grad((x: WaxArray, y: WaxArray) => np.sum(x), 3)(f32([1]), f32([2])),
    "Differentiating with respect to argnums=3 requires at least 4 positional arguments to be passed by the caller, but got only 2 positional arguments.",
  );
  expectError(() => grad((x: WaxArray) => np.sum(x), 0, { hasAux: true })(f32([1])), "expected function with aux output to return a two-element tuple");
  expectError(() => grad((x: WaxArray) => lax.pmax(x, "i"))(f32(1)), /unbound axis name: i/);
  expectError(
    () => vmap(grad((x: WaxArray) => lax.pmax(x, "i")), 0, 0, { axisName: "i" })(f32([1, 2])),
    "Differentiation rule for 'pmax' not implemented",
  );
  expectError(() => jvp((x: WaxArray) => x, [f32([1, 2])], [f32([1])]), "jvp called with different primal and tangent shapes");
  // Integer inputs are fine for vjp: their cotangents are zeros.
  const [, pull] = vjp((x: WaxArray, k: WaxArray) => np.multiply(x, k.astype("float32")), f32([2]), np.array([3]));
  const [cx, ck] = pull(f32([1])) as WaxArray[];
  expectArray(cx!, [3], "float32");
  expectArray(ck!, [0], "int32");
});

test.run();
