// Seeded checks of grad composed with the other transformations, on random composite
// functions (elementwise chains, reductions, dot_general, broadcasting, slices,
// concatenate, select): grad(f) against float64 finite differences (test/f64.ts),
// vmap(grad(f)) against grad(f) stacked per example, jit(grad(f)) and grad(jit(f))
// against grad(f), and grad(grad(f)) of scalar chains against float64 second differences.
// Then JAX's values at non-differentiable points and its error messages that
// autodiff.test.ts leaves out, and an MLP's params pytree against per-leaf differences.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  evalJaxpr, grad, jit, jvp, lax, makeJaxpr, numpy as np, treeFlatten, treeUnflatten, valueAndGrad, vmap, withEagerBackend,
} from "../compiler/index.js";
import type { Array as WaxArray, DType } from "../compiler/index.js";
import { type Data, evalF64, fromData, sizeOf, stack, toData } from "./f64.js";
import { Rng } from "./rng.js";
import { expectArray, expectClose, expectError } from "./util.js";

const reference = <T>(fn: () => T): T => withEagerBackend("reference", fn);
const f32 = (x: unknown) => np.array(x as number[], { dtype: "float32" });

function uniformData(rng: Rng, shape: number[], lo = -1, hi = 1): Data {
  return { shape, dtype: "float32" as DType, values: Array.from({ length: sizeOf(shape) }, () => Math.fround(lo + (hi - lo) * rng.next())) };
}

/** float32 results against reference ones: within `tol` of the largest magnitude (or of 1). */
function expectNear(got: number[], want: number[], tol: number, what: string): void {
  assert.is(got.length, want.length, `${what}: length`);
  const scale = Math.max(1, ...want.map(Math.abs));
  got.forEach((g, j) => {
    if (!(Math.abs(g - want[j]!) <= tol * scale)) assert.unreachable(`${what}: element ${j} is ${g}, expected ${want[j]} (of ${JSON.stringify(want)})`);
  });
}

/** Every leaf of two pytrees of arrays, compared. */
function expectTreesNear(got: unknown, want: unknown, tol: number, what: string): void {
  const [g] = treeFlatten(got), [w] = treeFlatten(want);
  assert.is(g.length, w.length, `${what}: leaves`);
  g.forEach((leaf, i) => {
    const a = toData(leaf as WaxArray), b = toData(w[i] as WaxArray);
    assert.equal(a.shape, b.shape, `${what}: leaf ${i} shape`);
    expectNear(a.values, b.values, tol, `${what}: leaf ${i}`);
  });
}

// ---- random composite functions f(params, x) -> scalar ----

type Params = Record<string, WaxArray>;

interface Composite {
  steps: string[];
  params: Record<string, Data>;
  /** The shape of one example x. */
  exampleShape: number[];
  f: (p: Params, x: WaxArray) => WaxArray;
}

const ELEMENTWISE: [string, (h: WaxArray) => WaxArray][] = [
  ["tanh", np.tanh],
  ["sin", np.sin],
  ["sigmoid", np.nn.sigmoid],
  ["square", (h) => np.multiply(np.square(h), 0.5)],
  ["gauss", (h) => np.exp(np.negative(np.square(h)))],
  ["softplus", (h) => np.log1p(np.exp(h))],
  ["leaky", (h) => np.maximum(h, np.multiply(h, 0.1))],
];

function composite(rng: Rng): Composite {
  const params: Record<string, Data> = {};
  let shape = rng.chance(0.5) ? [rng.int(1, 4)] : [rng.int(1, 3), rng.int(1, 4)];
  const exampleShape = [...shape];
  const param = (s: number[]) => {
    const name = `p${Object.keys(params).length}`;
    params[name] = uniformData(rng, s);
    return name;
  };
  const steps: string[] = [];
  const fns: ((p: Params, h: WaxArray) => WaxArray)[] = [];
  const add = (name: string, fn: (p: Params, h: WaxArray) => WaxArray) => (steps.push(name), fns.push(fn));
  for (let i = rng.int(2, 5); i > 0; i--) {
    const last = shape.length - 1, n = shape[last]!;
    switch (rng.pick(["elementwise", "affine", "scale", "slice", "concatenate", "select", "center", "transpose", "reduce"])) {
      case "elementwise": {
        const [name, fn] = rng.pick(ELEMENTWISE);
        add(name, (_p, h) => fn(h));
        break;
      }
      case "affine": {
        const k = rng.int(1, 4), w = param([n, k]), b = param([k]);
        add(`matmul ${w} + ${b}`, (p, h) => np.add(np.matmul(h, p[w]!), p[b]!));
        shape = [...shape.slice(0, last), k];
        break;
      }
      case "scale": {
        // Broadcasting against a parameter: along the last axis, or the first with a size-1 last one.
        const v = param(shape.length === 2 && rng.chance(0.5) ? [shape[0]!, 1] : [n]);
        add(`times ${v}`, (p, h) => np.multiply(h, p[v]!));
        break;
      }
      case "slice": {
        const start = rng.int(0, n - 1), limit = rng.int(start + 1, n);
        add(`slice ${start}:${limit}`, (_p, h) => lax.slice(h, h.shape.map((_, d) => (d === last ? start : 0)), h.shape.map((m, d) => (d === last ? limit : m))));
        shape = [...shape.slice(0, last), limit - start];
        break;
      }
      case "concatenate":
        add("concatenate with tanh", (_p, h) => np.concatenate([h, np.tanh(h)], last));
        shape = [...shape.slice(0, last), 2 * n];
        break;
      case "select": {
        const c = param([n]);
        add(`where h > ${c}`, (p, h) => np.where(np.greater(h, p[c]!), h, np.multiply(h, 0.3)));
        break;
      }
      case "center":
        add("minus max", (_p, h) => np.subtract(h, np.max(h, last, { keepdims: true })));
        break;
      case "transpose":
        if (shape.length === 2) {
          add("transpose", (_p, h) => np.transpose(h));
          shape = [shape[1]!, shape[0]!];
        }
        break;
      case "reduce":
        if (shape.length === 2) {
          add("sum over 0", (_p, h) => np.sum(h, 0));
          shape = [shape[1]!];
        }
        break;
    }
  }
  const [endName, end] = rng.pick([
    ["half sum of squares", (h: WaxArray) => np.multiply(np.sum(np.square(h)), 0.5)],
    ["sum of tanh", (h: WaxArray) => np.sum(np.tanh(h))],
    ["logsumexp", (h: WaxArray) => np.nn.logsumexp(h)],
    ["mean of softmax times h", (h: WaxArray) => np.mean(np.multiply(np.nn.softmax(h), h))],
  ] as const);
  steps.push(endName);
  return {
    steps,
    params,
    exampleShape,
    f: (p, x) => end(fns.reduce((h, fn) => fn(p, h), x)),
  };
}

const paramArrays = (c: Composite): Params => Object.fromEntries(Object.entries(c.params).map(([k, d]) => [k, fromData(d)]));

/** grad with respect to params and x at one example, against float64 differences along a random direction. */
function checkAgainstDifferences(rng: Rng, c: Composite, p: Params, x: WaxArray, g: unknown, what: string): void {
  const [leaves] = treeFlatten([p, x]);
  const data = leaves.map((l) => toData(l as WaxArray));
  const dirs = data.map((d) => uniformData(rng, d.shape));
  const closed = makeJaxpr(c.f)(p, x);
  const h = 1e-6;
  const at = (s: number) => evalF64(closed, data.map((d, i) => ({ ...d, values: d.values.map((v, j) => v + s * dirs[i]!.values[j]!) })))[0]!.values[0]!;
  const fd = (at(h) - at(-h)) / (2 * h);
  const [gs] = treeFlatten(g);
  let dot = 0, abs = 0;
  gs.forEach((leaf, i) => toData(leaf as WaxArray).values.forEach((v, j) => ((dot += v * dirs[i]!.values[j]!), (abs += Math.abs(v * dirs[i]!.values[j]!)))));
  assert.ok(Math.abs(dot - fd) <= 1e-5 * (1 + abs), `${what}: <grad, d> = ${dot}, float64 differences give ${fd}`);
}

test("random composites: grad against float64 differences; vmap(grad) stacks grad; jit(grad) and grad(jit) equal grad", () => {
  const rng = new Rng(314);
  for (let trial = 0; trial < 14; trial++) {
    const c = composite(rng);
    const what = `composite #${trial} [${c.steps.join(", ")}] on x${JSON.stringify(c.exampleShape)}`;
    const p = paramArrays(c);
    const batch = rng.int(1, 3);
    const examples = Array.from({ length: batch }, () => uniformData(rng, c.exampleShape, -2, 2));
    const x0 = fromData(examples[0]!);
    const both = grad(c.f, [0, 1]);
    const g = reference(() => both(p, x0));
    checkAgainstDifferences(rng, c, p, x0, g, what);

    // Per-example gradients, the batch axis of x anywhere.
    const axis = rng.int(0, c.exampleShape.length);
    const perExample = reference(() => vmap(both, [null, axis])(p, fromData(stack(examples, axis))));
    const stacked = reference(() => {
      const each = examples.map((e) => treeFlatten(both(p, fromData(e)))[0].map((l) => toData(l as WaxArray)));
      return treeUnflatten(treeFlatten(g)[1], each[0]!.map((_, i) => fromData(stack(each.map((e) => e[i]!), 0))));
    });
    expectTreesNear(perExample, stacked, 1e-5, `vmap(grad) of ${what}`);

    // Staged: the gradient traced into one jaxpr (what jit compiles), evaluated; and a
    // jitted f differentiated, its calls run by the reference. The first trials also
    // compile both to wasm (each compile takes a while, so not all of them).
    const staged = makeJaxpr(both)(p, x0);
    const flatArgs = treeFlatten([p, x0])[0] as WaxArray[];
    expectTreesNear(reference(() => evalJaxpr(staged.jaxpr, staged.consts, flatArgs)), treeFlatten(g)[0], 1e-5, `the jaxpr of grad of ${what}`);
    expectTreesNear(reference(() => grad(jit(c.f), [0, 1])(p, x0)), g, 1e-5, `grad(jit) of ${what}`);
    if (trial < 2) {
      expectTreesNear(jit(both)(p, x0), g, 1e-5, `jit(grad) on wasm of ${what}`);
      expectTreesNear(grad(jit(c.f), [0, 1])(p, x0), g, 1e-5, `grad(jit) on wasm of ${what}`);
    }
  }
});

// ---- second derivatives of scalar chains ----

const SCALAR_STEPS: [string, (x: WaxArray) => WaxArray][] = [
  ["sin", np.sin],
  ["cos", np.cos],
  ["tanh", np.tanh],
  ["sigmoid", np.nn.sigmoid],
  ["x²/2", (x) => np.multiply(np.square(x), 0.5)],
  ["exp(x/2)", (x) => np.exp(np.multiply(x, 0.5))],
  ["sqrt(x²+1)", (x) => np.sqrt(np.add(np.square(x), 1))],
  ["log1p(x²)", (x) => np.log1p(np.square(x))],
  ["x³/10", (x) => np.multiply(lax.integerPow(x, 3), 0.1)],
  ["(x²+1)^0.7", (x) => np.power(np.add(np.square(x), 1), 0.7)],
  ["1/(x²+1)", (x) => np.divide(1, np.add(np.square(x), 1))],
];

test("grad(grad(f)) of random scalar chains against float64 second differences, and vmapped", () => {
  const rng = new Rng(2718);
  for (let trial = 0; trial < 10; trial++) {
    const chain = Array.from({ length: rng.int(2, 4) }, () => rng.pick(SCALAR_STEPS));
    const a = Math.fround(0.5 + rng.next()), b = Math.fround(rng.next() - 0.5);
    const f = (x: WaxArray) => chain.reduce((h, [, fn]) => fn(h), np.add(np.multiply(x, a), b));
    const what = `${chain.map(([n]) => n).join(" ∘ ")} of ${a}x + ${b}`;
    const xs = Array.from({ length: 3 }, () => Math.fround(3 * rng.next() - 1.5));
    const closed = makeJaxpr(f)(f32(0));
    const at = (v: number) => evalF64(closed, [{ shape: [], dtype: "float32", values: [v] }])[0]!.values[0]!;
    const [d1, d2] = reference(() => [vmap(grad(f))(f32(xs)), vmap(grad(grad(f)))(f32(xs))]);
    xs.forEach((x, i) => {
      const h1 = 1e-6, h2 = 1e-4;
      const first = (at(x + h1) - at(x - h1)) / (2 * h1);
      const second = (at(x + h2) - 2 * at(x) + at(x - h2)) / (h2 * h2);
      const g1 = reference(() => grad(f)(f32(x)).item() as number), g2 = reference(() => grad(grad(f))(f32(x)).item() as number);
      expectNear([g1, toData(d1).values[i]!], [first, first], 1e-5, `f' of ${what} at ${x}`);
      expectNear([g2, toData(d2).values[i]!], [second, second], 1e-4, `f'' of ${what} at ${x}`);
    });
  }
});

// ---- JAX's semantics where autodiff.test.ts does not look ----

test("JAX's values at ties and flat points: min, reductions, clip, sign, where, comparisons, integer outputs", () => {
  reference(() => {
    const [gx, gy] = grad((x: WaxArray, y: WaxArray) => np.minimum(x, y), [0, 1])(f32(2), f32(2)) as WaxArray[];
    expectClose([gx!.item(), gy!.item()], [0.5, 0.5]);
    // Reductions by max or min share the gradient among tied positions.
    expectArray(grad((x: WaxArray) => np.max(x))(f32([1, 3, 3])), [0, 0.5, 0.5], "float32");
    expectArray(grad((x: WaxArray) => np.min(x))(f32([2, 2, 5, 2])), [1 / 3, 1 / 3, 0, 1 / 3], "float32");
    // jnp.clip is maximum then minimum: at either bound, a tie.
    expectArray(grad((x: WaxArray) => np.sum(np.clip(x, 0, 1)))(f32([0, 0.5, 1, 2])), [0.5, 1, 0.5, 0], "float32");
    expectArray(grad((x: WaxArray) => np.sum(np.multiply(np.sign(x), 3)))(f32([1, -2, 0])), [0, 0, 0], "float32");
    // select: the taken branch's derivative, also at the boundary.
    expectClose(grad((x: WaxArray) => np.where(np.greater(x, 0), x, np.multiply(x, x)))(f32(0)).item(), 0);
    expectClose(grad((x: WaxArray) => np.where(np.greaterEqual(x, 0), np.multiply(x, 3), x))(f32(0)).item(), 3);
    // Comparisons and integer results carry zero tangents (JAX's float0).
    const [, tb] = jvp((x: WaxArray) => np.greater(x, 0), [f32([1, -1])], [f32([1, 1])]);
    expectArray(tb as WaxArray, [false, false], "bool");
    const [, [ts, ti]] = jvp((x: WaxArray) => [np.sin(x), np.argmax(x)], [f32([1, 2])], [f32([1, 1])]) as [unknown, WaxArray[]];
    expectArray(ts!, [Math.cos(1), Math.cos(2)], "float32");
    expectArray(ti!, 0, "int32");
    const [, tr] = jvp((x: WaxArray) => np.ceil(x), [f32([1.2, 2.7])], [f32([1, 1])]);
    expectArray(tr as WaxArray, [0, 0], "float32");
  });
});

test("errors in JAX's words: shapes, dtypes and argnums lists", () => {
  expectError(() => grad((x: WaxArray) => np.sin(x))(f32([[1, 2, 3], [4, 5, 6]])), "Gradient only defined for scalar-output functions. Output had shape: (2, 3).");
  expectError(() => grad((x: WaxArray) => np.sin(x))(f32([1])), "Gradient only defined for scalar-output functions. Output had shape: (1,).");
  expectError(() => grad((x: WaxArray) => np.sum(x))(np.array([true])), /^grad requires real- or complex-valued inputs \(input dtype that is a sub-dtype of np.inexact\), but got bool\./);
  expectError(() => valueAndGrad((x: WaxArray) => np.sum(x))(np.array([1])), /^value_and_grad requires real- or complex-valued inputs .* but got int32\./);
  expectError(
    () => grad((x: WaxArray, _y: WaxArray) => np.sum(x), [0, 3])(f32([1]), f32([2])),
    "Differentiating with respect to argnums=(0, 3) requires at least 4 positional arguments to be passed by the caller, but got only 2 positional arguments.",
  );
  expectError(() => grad((x: WaxArray) => [np.sum(x), x, x], 0, { hasAux: true })(f32([1])), /^expected function with aux output to return a two-element tuple/);
  // Negative argnums count from the end, as in JAX.
  expectArray(grad((x: WaxArray, y: WaxArray) => np.sum(np.multiply(x, y)), -1)(f32([3]), f32([2])), [3], "float32");
});

// ---- pytrees: an MLP's parameters ----

test("pytrees: grad of an MLP's params object equals per-leaf float64 differences; argnums as number and list", () => {
  const rng = new Rng(42);
  const [din, dh, dout, batch] = [3, 4, 2, 5];
  const params = {
    W1: fromData(uniformData(rng, [din, dh])), b1: fromData(uniformData(rng, [dh])),
    W2: fromData(uniformData(rng, [dh, dout])), b2: fromData(uniformData(rng, [dout])),
  };
  const x = fromData(uniformData(rng, [batch, din], -2, 2)), y = fromData(uniformData(rng, [batch, dout]));
  const loss = (p: typeof params, xs: WaxArray, ys: WaxArray) => {
    const hidden = np.tanh(np.add(np.matmul(xs, p.W1), p.b1));
    return np.mean(np.square(np.subtract(np.add(np.matmul(hidden, p.W2), p.b2), ys)));
  };
  const [value, g] = reference(() => valueAndGrad(loss)(params, x, y)) as [WaxArray, typeof params];
  const [gp, gx] = reference(() => grad(loss, [0, 1])(params, x, y)) as [typeof params, WaxArray];
  assert.equal(Object.keys(g).sort(), ["W1", "W2", "b1", "b2"]);

  // Every element of every leaf, perturbed alone, in float64.
  const [leaves, tree] = treeFlatten([params, x, y]);
  const data = leaves.map((l) => toData(l as WaxArray));
  const closed = makeJaxpr(loss)(params, x, y);
  const at = (leaf: number, j: number, s: number) =>
    evalF64(closed, data.map((d, i) => (i === leaf ? { ...d, values: d.values.map((v, k) => (k === j ? v + s : v)) } : d)))[0]!.values[0]!;
  expectClose(value.item(), at(0, 0, 0), 1e-6);
  const h = 1e-6;
  const differences = data.map((d, i) => ({ ...d, values: d.values.map((_, j) => (at(i, j, h) - at(i, j, -h)) / (2 * h)) }));
  const want = treeUnflatten(tree, differences.map(fromData)) as [typeof params, WaxArray, WaxArray];
  expectTreesNear(g, want[0], 1e-5, "grad(loss) params");
  expectTreesNear(gp, want[0], 1e-5, "grad(loss, [0, 1]) params");
  expectTreesNear(gx, want[1], 1e-5, "grad(loss, [0, 1]) x");
  // One leaf's gradient by argnums 2 alone.
  expectTreesNear(reference(() => grad(loss, 2)(params, x, y)), want[2], 1e-5, "grad(loss, 2)");
});

test.run();
