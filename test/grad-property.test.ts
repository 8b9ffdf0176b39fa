// A seeded property test of every primitive's derivative rules, like the vmap one. For
// random shapes, parameters and inputs (kept away from kinks, ties and poles):
//  - jvp(f, [x], [t]) equals central finite differences of f computed in float64 by an
//    evaluator of f's jaxpr that shares no code with wax (test/f64.ts);
//  - vjp satisfies the dot-product identity <vjp(u), v> = <u, jvp(v)> for random u and v,
//    which checks the transpose rules against the JVP just checked;
//  - piecewise-constant primitives (comparisons, rounding, indices), integer and boolean
//    values give tangents and cotangents that are exactly zero;
//  - collectives are differentiated inside vmap with an axis name and inside pmap, from
//    outside the map and from inside it.
// The rules are under test, not the backend, so eager operations run on the reference
// interpreter (fast); pmap compiles to wasm as usual.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  NotImplementedError, ShapeDtypeStruct, customJvp, customVjp, deviceCount, jit, jvp, lax, makeJaxpr, numpy as np, pmap, vjp, vmap,
  withEagerBackend,
} from "../compiler/index.js";
import type { Array as WaxArray, DType } from "../compiler/index.js";
import { bind, bind1 } from "../compiler/core/trace.js";
import { traceToJaxpr } from "../compiler/jaxpr/trace.js";
import { jvpRules } from "../compiler/autodiff/jvp-rules.js";
import {
  ALL_PRIMITIVES, BINARY_PRIMITIVES, REDUCE_PRIMITIVES, UNARY_PRIMITIVES, type Primitive,
} from "../compiler/primitives/params.js";
import { type Data, evalF64, evalF64Members, fromData, sizeOf, stack, take, toData } from "./f64.js";
import { Rng } from "./rng.js";

const reference = <T>(fn: () => T): T => withEagerBackend("reference", fn);
const asList = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);
const isFloat = (d: Data) => d.dtype === "float32";

// ---- random operands ----

type Draw = () => number;

function data(shape: number[], dtype: DType, draw: Draw): Data {
  const values = Array.from({ length: sizeOf(shape) }, () => (dtype === "float32" ? Math.fround(draw()) : draw()));
  return { shape, dtype, values };
}

const uniform = (rng: Rng, lo: number, hi: number): Draw => () => lo + (hi - lo) * rng.next();
/** Magnitudes in [lo, hi] with either sign: away from zero. */
const signed = (rng: Rng, lo: number, hi: number): Draw => () => (rng.chance(0.5) ? -1 : 1) * (lo + (hi - lo) * rng.next());
/** Between integers, at least 0.1 from each. */
const offInteger = (rng: Rng): Draw => () => rng.int(-4, 3) + 0.1 + 0.8 * rng.next();
const ints = (rng: Rng, dtype: DType): Draw => (dtype === "bool" ? () => rng.int(0, 1) : () => rng.int(-4, 4));

/** All values distinct, at least 0.25 apart: reductions by max or min have no ties. */
function distinct(rng: Rng, shape: number[]): Data {
  const n = sizeOf(shape);
  const ranks = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  return { shape, dtype: "float32", values: ranks.map((r) => Math.fround((r - n / 2) * 0.3 + 0.05 * rng.next())) };
}

const zerosOf = (d: Data): Data => ({ ...d, values: d.values.map(() => 0) });
const directionOf = (rng: Rng, d: Data): Data => (isFloat(d) ? data(d.shape, "float32", uniform(rng, -1, 1)) : zerosOf(d));

// ---- cases ----

interface Case {
  prim: Primitive;
  args: Data[];
  f: (...xs: WaxArray[]) => WaxArray | WaxArray[];
  /** Piecewise constant (or JAX's stop_gradient): tangents and cotangents must be exactly zero. */
  zero?: boolean;
  /** Reverse mode only (customVjp): jvp fails with this message; vjp is checked against finite differences. */
  jvpError?: string;
}

const UNARY_DOMAIN: Record<string, (rng: Rng) => Draw> = {
  sign: (rng) => signed(rng, 0.1, 4),
  floor: offInteger,
  ceil: offInteger,
  abs: (rng) => signed(rng, 0.1, 4),
  sqrt: (rng) => uniform(rng, 0.2, 4),
  rsqrt: (rng) => uniform(rng, 0.2, 4),
  log: (rng) => uniform(rng, 0.2, 4),
  log1p: (rng) => uniform(rng, -0.7, 4),
  exp: (rng) => uniform(rng, -3, 3),
  expm1: (rng) => uniform(rng, -3, 3),
};
const ZERO_DERIVATIVE = new Set<Primitive>([
  "sign", "floor", "ceil", "not", "is_finite", "stop_gradient", "eq", "ne", "lt", "le", "gt", "ge", "and", "or",
  "argmax", "argmin",
]);
/** Primitives that also take integer operands; their integer cases must have zero tangents. */
const INT_OK = new Set<Primitive>([
  "neg", "sign", "abs", "add", "sub", "mul", "max", "min", "eq", "ne", "lt", "le", "gt", "ge", "reduce_sum", "reduce_max",
  "reduce_min", "reduce_prod", "argmax", "argmin", "integer_pow", "broadcast_in_dim", "reshape", "transpose", "squeeze",
  "rev", "concatenate", "slice", "dynamic_slice", "dot_general", "select_n",
]);

function unaryCase(rng: Rng, prim: Primitive, dtype: DType): Case {
  const draw = dtype === "float32" ? (UNARY_DOMAIN[prim] ?? ((r: Rng) => uniform(r, -4, 4)))(rng) : ints(rng, dtype);
  return { prim, args: [data(rng.shape(0, 3), dtype, draw)], f: (x) => bind1(prim, [x], {}) };
}

/** Draws for the two operands of a binary primitive, chosen so that every pair is valid. */
function binaryDraws(rng: Rng, prim: Primitive): [Draw, Draw] {
  switch (prim) {
    case "div":
      return [uniform(rng, -4, 4), signed(rng, 0.5, 4)];
    case "pow":
      return [uniform(rng, 0.3, 3), uniform(rng, -2, 2)];
    case "rem": {
      // y near ±m and x = ±m(k + [0.2, 0.8]): x / y stays at least 0.1 from an integer.
      const m = rng.pick([0.5, 1, 1.5]);
      return [() => (rng.chance(0.5) ? -m : m) * (rng.int(0, 3) + 0.2 + 0.6 * rng.next()), () => (rng.chance(0.5) ? -m : m) * (0.98 + 0.04 * rng.next())];
    }
    case "max":
    case "min":
      // Quarter and three-quarter points of random unit intervals: never closer than 0.4.
      return [() => rng.int(-3, 3) + 0.25 + 0.1 * (rng.next() - 0.5), () => rng.int(-3, 3) - 0.25 + 0.1 * (rng.next() - 0.5)];
    default:
      return [uniform(rng, -4, 4), uniform(rng, -4, 4)];
  }
}

function binaryCase(rng: Rng, prim: Primitive, dtype: DType): Case {
  const base = rng.shape(0, 3);
  // lax broadcasting: a rank-0 operand, or equal ranks with some dims of size 1.
  const variant = () => (rng.chance(0.25) ? [] : base.map((d) => (rng.chance(0.3) ? 1 : d)));
  const [dx, dy] = dtype === "float32" ? binaryDraws(rng, prim) : [ints(rng, dtype), ints(rng, dtype)];
  return { prim, args: [data(variant(), dtype, dx), data(variant(), dtype, dy)], f: (x, y) => bind1(prim, [x, y], {}) };
}

function reduceCase(rng: Rng, prim: Primitive, dtype: DType): Case {
  const shape = rng.shape(1, 3);
  const axes = rng.subset(shape.length);
  const x = dtype !== "float32" ? data(shape, dtype, ints(rng, dtype))
    : prim === "reduce_prod" ? data(shape, dtype, signed(rng, 0.5, 1.5))
    : prim === "reduce_sum" ? data(shape, dtype, uniform(rng, -4, 4))
    : distinct(rng, shape);
  return { prim, args: [x], f: (v) => bind1(prim, [v], { axes } as never) };
}

function selectCase(rng: Rng, dtype: DType): Case {
  const shape = rng.shape(0, 3);
  const n = rng.int(1, 3);
  const predShape = rng.chance(0.4) ? [] : shape;
  const pred = n === 2 && rng.chance(0.5) ? data(predShape, "bool", () => rng.int(0, 1)) : data(predShape, "int32", () => rng.int(0, n - 1));
  const cases = Array.from({ length: n }, () => data(shape, dtype, dtype === "float32" ? uniform(rng, -4, 4) : ints(rng, dtype)));
  return { prim: "select_n", args: [pred, ...cases], f: (...xs) => bind1("select_n", xs, {}) };
}

function dotGeneralCase(rng: Rng, dtype: DType): Case {
  const dims = (n: number) => Array.from({ length: n }, () => rng.int(1, 3));
  const bs = dims(rng.int(0, 2)), cs = dims(rng.int(0, 2));
  // Each side's dims in a random order: which positions hold batch, contracting, free dims.
  const place = (free: number[]) => {
    const kinds = rng.shuffle([...bs.map((_, i) => ["b", i] as const), ...cs.map((_, i) => ["c", i] as const), ...free.map((_, i) => ["f", i] as const)]);
    const shape = kinds.map(([k, i]) => (k === "b" ? bs[i]! : k === "c" ? cs[i]! : free[i]!));
    const pos = (kind: string) => kinds.map(([k, i], p) => [k, i, p] as const).filter(([k]) => k === kind).sort((a, b) => a[1] - b[1]).map(([, , p]) => p);
    return { shape, batch: pos("b"), contract: pos("c") };
  };
  const l = place(dims(rng.int(0, 1))), r = place(dims(rng.int(0, 1)));
  const draw = dtype === "float32" ? uniform(rng, -2, 2) : ints(rng, dtype);
  return {
    prim: "dot_general",
    args: [data(l.shape, dtype, draw), data(r.shape, dtype, draw)],
    f: (x, y) => bind1("dot_general", [x, y], { dimension_numbers: [[l.contract, r.contract], [l.batch, r.batch]], precision: null, preferred_element_type: null }),
  };
}

/** Shape-only primitives: a random operand and random parameters, as in the vmap property test. */
function layoutCase(rng: Rng, prim: Primitive, dtype: DType): Case {
  const arg = (shape: number[]) => data(shape, dtype, dtype === "float32" ? uniform(rng, -4, 4) : ints(rng, dtype));
  const unary = (shape: number[], params: object): Case => ({ prim, args: [arg(shape)], f: (x) => bind1(prim, [x], params as never) });
  switch (prim) {
    case "broadcast_in_dim": {
      const outShape = rng.shape(0, 3);
      const dims = rng.subset(outShape.length);
      return unary(dims.map((d) => (rng.chance(0.3) ? 1 : outShape[d]!)), { shape: outShape, broadcast_dimensions: dims });
    }
    case "reshape": {
      const shape = rng.shape(0, 3, 4);
      const n = sizeOf(shape);
      const d = rng.pick(Array.from({ length: n }, (_, i) => i + 1).filter((k) => n % k === 0));
      return unary(shape, { new_sizes: rng.shuffle([d, n / d, ...(rng.chance(0.3) ? [1] : [])]), dimensions: null });
    }
    case "transpose": {
      const shape = rng.shape(0, 3);
      return unary(shape, { permutation: rng.shuffle(shape.map((_, i) => i)) });
    }
    case "squeeze": {
      const shape = rng.shape(1, 3).map((d) => (rng.chance(0.5) ? 1 : d));
      return unary(shape, { dimensions: shape.map((d, i) => (d === 1 && rng.chance(0.7) ? i : -1)).filter((i) => i >= 0) });
    }
    case "rev": {
      const shape = rng.shape(1, 3);
      return unary(shape, { dimensions: rng.subset(shape.length) });
    }
    case "slice": {
      const shape = rng.shape(1, 3, 5);
      const start = shape.map((d) => rng.int(0, d - 1));
      const limit = shape.map((d, i) => rng.int(start[i]! + 1, d));
      if (rng.chance(0.1)) limit[0] = start[0]!; // an empty slice now and then
      return unary(shape, { start_indices: start, limit_indices: limit, strides: rng.chance(0.3) ? null : shape.map(() => rng.int(1, 3)) });
    }
    case "concatenate": {
      const shape = rng.shape(1, 3);
      const dim = rng.int(0, shape.length - 1);
      const args = Array.from({ length: rng.int(1, 3) }, () => arg(shape.map((d, i) => (i === dim ? rng.int(1, 3) : d))));
      return { prim, args, f: (...xs) => bind1("concatenate", xs, { dimension: dim }) };
    }
    case "dynamic_slice": {
      const shape = rng.shape(1, 3, 4);
      const sizes = shape.map((d) => rng.int(1, d));
      if (rng.chance(0.1)) sizes[0] = 0;
      // Start indices are operands; some are out of range and get clamped.
      const starts = shape.map((d) => data([], "int32", () => rng.int(-1, d + 1)));
      return { prim, args: [arg(shape), ...starts], f: (x, ...idx) => bind1("dynamic_slice", [x, ...idx], { slice_sizes: sizes }) };
    }
    default:
      throw new Error(`no layout case for ${prim}`);
  }
}

const JIT_BODIES = [
  (x: WaxArray, y: WaxArray) => np.multiply(np.sin(x), y).add(1.5),
  (x: WaxArray, y: WaxArray) => np.tanh(np.multiply(x, x)).sub(np.exp(y.mul(0.5))),
  (x: WaxArray, y: WaxArray) => np.maximum(x.mul(y), np.cos(y)),
];

/**
 * sin(x)·y behind a stop_gradient, with the true derivative as its custom rule: the rule
 * must be what differentiates it (differentiating the function itself gives zero).
 */
function customCase(rng: Rng, prim: Primitive): Case {
  const shape = rng.shape(0, 3);
  const args = [data(shape, "float32", uniform(rng, -2, 2)), data(shape, "float32", uniform(rng, -2, 2))];
  const body = (x: WaxArray, y: WaxArray) => lax.stopGradient(np.multiply(np.sin(x), y));
  if (prim === "custom_jvp_call") {
    const f = customJvp(body).defjvp(([x, y], [tx, ty]) => [
      np.multiply(np.sin(x), y),
      np.add(np.multiply(np.multiply(np.cos(x), y), tx), np.multiply(np.sin(x), ty)),
    ]);
    return { prim, args, f };
  }
  // custom_vjp_call_jaxpr, whose linear part is custom_lin: its transpose is the user's bwd.
  const f = customVjp(body).defvjp(
    (x, y) => [np.multiply(np.sin(x), y), [x, y]],
    ([x, y]: WaxArray[], g: WaxArray) => [np.multiply(np.multiply(np.cos(x!), y!), g), np.multiply(np.sin(x!), g)],
  );
  return { prim, args, f, jvpError: "can't apply forward-mode autodiff (jvp) to a custom_vjp function." };
}

function makeCase(rng: Rng, prim: Primitive): Case {
  const dtype: DType = INT_OK.has(prim) && rng.chance(0.2) ? "int32" : prim === "not" || prim === "and" || prim === "or" ? rng.pick(["int32", "bool"] as DType[]) : "float32";
  if ((UNARY_PRIMITIVES as readonly string[]).includes(prim)) return unaryCase(rng, prim, dtype);
  if ((BINARY_PRIMITIVES as readonly string[]).includes(prim)) return binaryCase(rng, prim, dtype);
  if ((REDUCE_PRIMITIVES as readonly string[]).includes(prim)) return reduceCase(rng, prim, dtype);
  switch (prim) {
    case "select_n":
      return selectCase(rng, dtype);
    case "dot_general":
      return dotGeneralCase(rng, dtype);
    case "argmax":
    case "argmin": {
      const shape = rng.shape(1, 3);
      const axes = [rng.int(0, shape.length - 1)];
      return { prim, args: [dtype === "float32" ? distinct(rng, shape) : data(shape, dtype, ints(rng, dtype))], f: (x) => bind1(prim, [x], { axes, index_dtype: "int32" }) };
    }
    case "integer_pow": {
      const y = dtype === "int32" ? rng.int(0, 3) : rng.int(-2, 3);
      const draw = dtype === "int32" ? ints(rng, dtype) : y < 0 ? signed(rng, 0.5, 2) : uniform(rng, -2, 2);
      return { prim, args: [data(rng.shape(0, 3), dtype, draw)], f: (x) => bind1("integer_pow", [x], { y }) };
    }
    case "convert_element_type": {
      // Half float to float (differentiable), half any to any.
      const both = rng.chance(0.5), all: DType[] = ["float32", "int32", "bool"];
      const from = both ? "float32" : rng.pick(all), to = both ? "float32" : rng.pick(all);
      const x = data(rng.shape(0, 3), from, from === "float32" ? offInteger(rng) : ints(rng, from));
      return { prim, args: [x], f: (v) => bind1("convert_element_type", [v], { new_dtype: to, weak_type: false }), zero: from !== "float32" || to !== "float32" };
    }
    case "iota": {
      const shape = rng.shape(1, 3);
      const dimension = rng.int(0, shape.length - 1);
      const x = data(shape, "float32", uniform(rng, -4, 4));
      return { prim, args: [x], f: (v) => bind1("mul", [v, bind1("iota", [], { dtype: "float32", shape, dimension })], {}) };
    }
    case "custom_jvp_call":
    case "custom_vjp_call_jaxpr":
      return customCase(rng, prim);
    case "xla_call": {
      const shape = rng.shape(0, 3);
      const inner = jit(rng.pick(JIT_BODIES));
      return { prim, args: [data(shape, "float32", uniform(rng, -2, 2)), data(shape, "float32", uniform(rng, -2, 2))], f: (x, y) => inner(x, y) };
    }
    default:
      return layoutCase(rng, prim, dtype);
  }
}

// ---- checks ----

const H = 1e-6;

const shifted = (a: Data, v: Data, s: number): Data => (isFloat(a) ? { ...a, values: a.values.map((x, i) => x + s * v.values[i]!) } : a);

/** Central differences of `at` along the direction, elementwise per output. */
function centralDifference(at: (s: number) => Data[]): number[][] {
  const plus = at(H), minus = at(-H);
  return plus.map((p, k) => p.values.map((v, j) => (v - minus[k]!.values[j]!) / (2 * H)));
}

/** Second differences along the direction (a larger step: the error goes as 1/step²). */
function secondDifference(at: (s: number) => Data[]): number[][] {
  const h = 1e-4, plus = at(h), mid = at(0), minus = at(-h);
  return plus.map((p, k) => p.values.map((v, j) => (v - 2 * mid[k]!.values[j]! + minus[k]!.values[j]!) / (h * h)));
}

/** float32 results against float64 ones: within `tol` of the largest magnitude (or of 1). */
function expectClose(got: number[], want: number[], what: string, tol = 1e-5): void {
  assert.is(got.length, want.length, `${what}: length`);
  const scale = Math.max(1, ...want.map(Math.abs));
  got.forEach((g, j) => {
    const w = want[j]!;
    if (!(Math.abs(g - w) <= tol * scale)) assert.unreachable(`${what}: element ${j} is ${g}, expected ${w} (of ${JSON.stringify(want)})`);
  });
}

function expectZero(d: Data, what: string): void {
  d.values.forEach((v, j) => {
    if (v !== 0) assert.unreachable(`${what}: element ${j} is ${v}, expected exactly 0`);
  });
}

/** <vjp(u), v> = <u, jvp(v)>, both sides summed in float64 from the float32 results. */
function expectTransposed(cts: Data[], vs: Data[], us: Data[], ts: Data[], what: string, tol = 2e-6): boolean {
  const inner = (as: Data[], bs: Data[]) => {
    let sum = 0, abs = 0;
    as.forEach((a, k) => a.values.forEach((x, j) => ((sum += x * bs[k]!.values[j]!), (abs += Math.abs(x * bs[k]!.values[j]!)))));
    return { sum, abs };
  };
  const lhs = inner(cts.filter((_, i) => isFloat(vs[i]!)), vs.filter(isFloat));
  const rhs = inner(us.filter((_, k) => isFloat(ts[k]!)), ts.filter(isFloat));
  assert.ok(Math.abs(lhs.sum - rhs.sum) <= tol * (1 + lhs.abs + rhs.abs), `${what}: <vjp(u), v> = ${lhs.sum} but <u, jvp(v)> = ${rhs.sum}`);
  return rhs.abs > 0;
}

/** Checks one case; says whether it had a nonzero derivative to check (not all zero or empty). */
function runCase(rng: Rng, c: Case, trial: number): boolean {
  const what = `${c.prim} #${trial} (shapes ${JSON.stringify(c.args.map((a) => a.shape))}, dtypes ${c.args.map((a) => a.dtype).join(",")})`;
  const xs = c.args.map(fromData);
  const vs = c.args.map((a) => directionOf(rng, a));
  const zero = c.zero || ZERO_DERIVATIVE.has(c.prim) || !c.args.some(isFloat);
  const closed = makeJaxpr(c.f)(...xs);
  const at = (s: number) => evalF64(closed, c.args.map((a, i) => shifted(a, vs[i]!, s)));
  const want = at(0);
  let outs: WaxArray | WaxArray[], tList: Data[];
  if (c.jvpError) {
    assert.throws(() => reference(() => jvp(c.f, xs, vs.map(fromData))), (e: Error) => e.message === c.jvpError, `jvp of ${what}`);
    outs = reference(() => c.f(...xs));
    tList = centralDifference(at).map((values, k) => ({ ...want[k]!, values }));
  } else {
    const [o, tangents] = reference(() => jvp(c.f, xs, vs.map(fromData)));
    outs = o;
    tList = asList(tangents).map(toData);
  }
  const outList = asList(outs).map(toData);

  // Primal outputs: wax's float32 against the float64 evaluator (a check of the oracle itself).
  outList.forEach((o, k) => {
    if (isFloat(o)) expectClose(o.values, want[k]!.values, `primal ${k} of ${what}\n${closed}`);
    else assert.equal(o.values, want[k]!.values, `primal ${k} of ${what}\n${closed}`);
  });

  let secondOrderReverse: number[][] | null = null;
  if (zero) tList.forEach((t, k) => expectZero(t, `tangent ${k} of ${what}`));
  else if (!c.jvpError) {
    const fd = centralDifference(at);
    tList.forEach((t, k) => (isFloat(outList[k]!) ? expectClose(t.values, fd[k]!, `tangent ${k} of ${what}\n${closed}`) : expectZero(t, `int tangent ${k} of ${what}`)));
    // The JVP rule is differentiable in turn (what hessian needs): jvp of jvp against second differences.
    if (trial < 3) {
      const ts = vs.map(fromData);
      const second = reference(() => jvp((...ys: WaxArray[]) => jvp(c.f, ys, ts)[1], xs, ts)[1]);
      const fd2 = secondDifference(at);
      asList(second).forEach((t, k) => {
        if (isFloat(outList[k]!)) expectClose(toData(t).values, fd2[k]!, `second derivative ${k} of ${what}\n${closed}`, 1e-4);
      });
      secondOrderReverse = fd2;
    }
  }

  const us = outList.map((o) => directionOf(rng, o));
  const cts = reference(() => {
    const [, pull] = vjp(c.f, ...xs);
    const u = us.map(fromData);
    return pull(Array.isArray(outs) ? u : u[0]).map((ct) => toData(ct as WaxArray));
  });
  cts.forEach((ct, i) => {
    assert.equal(ct.shape, c.args[i]!.shape, `cotangent ${i} shape of ${what}`);
    if (zero || !isFloat(c.args[i]!)) expectZero(ct, `cotangent ${i} of ${what}`);
  });
  if (secondOrderReverse) {
    // Forward over reverse (how hessian runs): the derivative of vjp(u) along v, dotted with
    // v, is the second derivative along v dotted with u.
    const fd2 = secondOrderReverse;
    const hv = reference(() => {
      const u = us.map(fromData);
      const pulled = (...ys: WaxArray[]) => vjp(c.f, ...ys)[1](Array.isArray(outs) ? u : u[0]) as WaxArray[];
      return (jvp(pulled, xs, vs.map(fromData))[1] as WaxArray[]).map(toData);
    });
    expectTransposed(hv, vs, us, fd2.map((values, k) => ({ ...outList[k]!, values })), `forward over reverse: ${what}`, 1e-4);
  }
  return expectTransposed(cts, vs, us, tList, what);
}

// ---- collectives: a per-member function, mapped over axis "i" ----

interface CollectiveCase {
  prim: Primitive;
  /** Stacked operands: the leading axis holds the members. */
  args: Data[];
  f: (...xs: WaxArray[]) => WaxArray | WaxArray[];
}

/** Per-member bodies; polynomial, since sin and friends take long to compile for pmap. */
function collectiveCase(rng: Rng, prim: Primitive, n: number): CollectiveCase {
  const stacked = (shape: number[], draw: Draw = uniform(rng, -2, 2)) => data([n, ...shape], "float32", draw);
  switch (prim) {
    case "psum": {
      const args = Array.from({ length: rng.int(1, 2) }, () => stacked(rng.shape(0, 2)));
      const raw = rng.chance(0.5);
      return { prim, args, f: (...xs) => (raw ? bind("psum", xs, { axes: ["i"], axis_index_groups: null }) : bind("psum", xs.map((x) => x.mul(x)), { axes: ["i"], axis_index_groups: null }).map((s, k) => s.mul(xs[k]!))) };
    }
    case "pmax":
    case "pmin":
      return { prim, args: [{ ...distinct(rng, [n, ...rng.shape(0, 2)]) }], f: (x) => bind1(prim, [x], { axes: ["i"], axis_index_groups: null }) };
    case "all_gather": {
      const shape = rng.shape(rng.chance(0.5) ? 0 : 1, 2);
      const tiled = shape.length > 0 && rng.chance(0.5);
      const axis = rng.int(0, tiled ? shape.length - 1 : shape.length);
      return { prim, args: [stacked(shape)], f: (x) => lax.allGather(x.mul(x), "i", { axis, tiled }) };
    }
    case "ppermute": {
      const dsts = rng.shuffle(Array.from({ length: n }, (_, k) => k));
      const perm = dsts.map((d, s) => [s, d] as const).filter(() => rng.chance(0.7));
      return { prim, args: [stacked(rng.shape(0, 2))], f: (x) => lax.ppermute(x.mul(x), "i", perm) };
    }
    case "axis_index":
      return { prim, args: [stacked(rng.shape(0, 2))], f: (x) => x.mul(lax.convertElementType(lax.axisIndex("i"), "float32")).add(x.mul(x)) };
    default:
      throw new Error(`no collective case for ${prim}`);
  }
}

function runCollective(rng: Rng, c0: CollectiveCase, onDevices: boolean, trial: number): void {
  // Outputs as a list, always: the cotangents passed to vjp are then a list too.
  const c = { ...c0, f: (...xs: WaxArray[]) => asList(c0.f(...xs)) };
  const n = c.args[0]!.shape[0]!;
  const what = `${c.prim} #${trial} (${n} members, shapes ${JSON.stringify(c.args.map((a) => a.shape))})`;
  const k = c.args.length;
  const named = { axisName: "i" };
  const xs = c.args.map(fromData);
  const vs = c.args.map((a) => directionOf(rng, a));

  const specs = c.args.map((a) => new ShapeDtypeStruct(a.shape.slice(1), a.dtype));
  const closed = traceToJaxpr(c.f, specs, "grad-property", { axisName: "i", axisSize: n }).jaxpr;
  const members = (d: Data) => Array.from({ length: n }, (_, m) => take(d, 0, m));
  const at = (s: number) => evalF64Members(closed, c.args.map((a, i) => members(shifted(a, vs[i]!, s))), { name: "i", size: n }).map((o) => stack(o, 0));
  const fd = centralDifference(at);
  const expectTangents = (got: WaxArray | WaxArray[], how: string) =>
    asList(got).forEach((t, j) => expectClose(toData(t).values, fd[j]!, `${how} tangent ${j} of ${what}\n${closed}`));

  if (c.prim === "pmax" || c.prim === "pmin") {
    // Inside the map there is no rule (nor in JAX); from outside, vmap has made it a reduction.
    const notImplemented = (e: Error) => e instanceof NotImplementedError && e.message === `Differentiation rule for '${c.prim}' not implemented`;
    const innerJvp = (x: WaxArray, t: WaxArray) => jvp(c.f, [x], [t])[1];
    assert.throws(() => reference(() => vmap(innerJvp, 0, 0, named)(xs[0]!, fromData(vs[0]!))), notImplemented);
    // Under pmap the body is differentiated while tracing, before anything compiles.
    if (n <= deviceCount()) assert.throws(() => jvp(pmap(c.f, "i"), xs, vs.map(fromData)), notImplemented);
    expectTangents(reference(() => jvp(vmap(c.f, 0, 0, named), xs, vs.map(fromData))[1]), "outer jvp");
    return;
  }

  const outShapes = at(0).map((o) => o.shape);
  const us = outShapes.map((shape) => data(shape, "float32", uniform(rng, -1, 1)));
  const innerJvp = (...a: WaxArray[]) => jvp(c.f, a.slice(0, k), a.slice(k))[1];
  const innerVjp = (...a: WaxArray[]) => vjp(c.f, ...a.slice(0, k))[1](a.slice(k));
  const argsT = [...xs, ...vs.map(fromData)], argsU = [...xs, ...us.map(fromData)];
  const identity = (cts: unknown[], how: string) =>
    expectTransposed(cts.map((x) => toData(x as WaxArray)), vs, us, fd.map((t, j) => ({ shape: us[j]!.shape, dtype: "float32", values: t })), `${how} ${what}`);

  const mapped = vmap(c.f, 0, 0, named);
  reference(() => {
    expectTangents(jvp(mapped, xs, vs.map(fromData))[1], "jvp of vmap:");
    expectTangents(vmap(innerJvp, 0, 0, named)(...argsT), "vmap of jvp:");
    identity(vjp(mapped, ...xs)[1](us.map(fromData)), "vjp of vmap:");
    identity(asList(vmap(innerVjp, 0, 0, named)(...argsU)), "vmap of vjp:");
  });
  if (onDevices) {
    expectTangents(jvp(pmap(c.f, "i"), xs, vs.map(fromData))[1], "jvp of pmap:");
    identity(asList(pmap(innerVjp, "i")(...argsU)), "pmap of vjp:");
    // Reverse mode through a pmap is not supported (the error says what to do instead).
    assert.throws(() => vjp(pmap(c.f, "i"), ...xs), (e: Error) => e instanceof NotImplementedError && /differentiate inside the mapped function/.test(e.message));
  }
}

/** Cases per primitive: more where parameters vary most, fewer where each case compiles. */
const TRIALS: Partial<Record<Primitive, number>> = { slice: 24, dot_general: 24, broadcast_in_dim: 16, xla_call: 4 };
const COLLECTIVES: Primitive[] = ["psum", "pmax", "pmin", "all_gather", "ppermute", "axis_index"];

test("every primitive: jvp against float64 finite differences, vjp by the dot-product identity", () => {
  const rng = new Rng(20240611);
  const covered = new Set<Primitive>();
  for (const prim of ALL_PRIMITIVES) {
    // custom_lin only appears in a linearized customVjp function: the custom_vjp_call_jaxpr cases check it.
    if (COLLECTIVES.includes(prim) || prim === "xla_pmap" || prim === "custom_lin") continue;
    const trials = TRIALS[prim] ?? 10;
    let live = 0;
    for (let trial = 0; trial < trials; trial++) live += Number(runCase(rng, makeCase(rng, prim), trial));
    // Most cases of a differentiable primitive must have had a derivative to check.
    if (ZERO_DERIVATIVE.has(prim)) assert.is(live, 0, prim);
    else assert.ok(live >= 0.4 * trials, `${prim}: only ${live} of ${trials} cases had a nonzero derivative`);
    covered.add(prim);
  }
  // Each primitive is checked here or, for collectives and pmap, below.
  assert.equal([...covered, ...COLLECTIVES, "xla_pmap", "custom_lin"].sort(), [...ALL_PRIMITIVES].sort());
});

test("collectives: differentiated from inside and outside vmap with an axis name", () => {
  const rng = new Rng(99);
  for (const prim of COLLECTIVES) {
    for (let trial = 0; trial < 6; trial++) runCollective(rng, collectiveCase(rng, prim, rng.int(1, 3)), false, trial);
  }
});

test("pmap: a body with every collective, jvp from outside and vjp from inside, on the devices", () => {
  const rng = new Rng(5);
  const n = Math.min(2, deviceCount());
  for (let trial = 0; trial < 2; trial++) {
    const parts = (["psum", "all_gather", "ppermute", "axis_index"] as const).map((p) => collectiveCase(rng, p, n));
    const f = (...xs: WaxArray[]) => {
      let at = 0;
      return parts.flatMap((p) => asList(p.f(...xs.slice(at, (at += p.args.length)))));
    };
    runCollective(rng, { prim: "xla_pmap", args: parts.flatMap((p) => p.args), f }, true, trial);
  }
});

test("the rule table: which primitives are differentiable", () => {
  const none = ALL_PRIMITIVES.filter((p) => jvpRules[p] === null);
  assert.equal(none, ["pmax", "pmin", "custom_lin"]);
});

test.run();
