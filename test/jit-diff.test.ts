// Differential tests of the wasm backend: every primitive, for every dtype it accepts, on
// many shapes (empty, scalar, odd sizes around the 4-lane SIMD width, 1000 elements,
// odd multi-dimensional shapes), with broadcasting and with strided views (transposed,
// sliced, reversed, broadcast operands made inside the jitted function), compared three
// ways: the reference interpreter (the oracle), eager ops on compiled kernels, and jit.
//
// Tolerances (see test/fuzz/index.ts for the reasoning):
//   - exact (bit for bit, any NaN = any NaN) for integer and bool results and for float
//     ops that are correctly rounded in both backends: + - * / sqrt, max, min, compares,
//     selects, conversions, layout ops, integer_pow with |y| <= 3, reduce_max/min, argmax;
//   - the math library's bounds from wasm/README.md (measured by wasm/measure-ulp.mjs):
//     1 ulp for exp, expm1, log, log1p, sin, cos (|x| <= 6.7e9), pow; 2 for logistic; 6 for
//     tanh (XLA's rational approximation); and 2 ulp for rsqrt (an f32 sqrt, then an f32
//     divide); non-finite results must match exactly;
//   - float sums, products and dot_general: the reference accumulates in float64, the
//     backend in float32 in its own order: |error| <= n u sum|x_i| + 1 ulp, u = 2^-24,
//     with sum|x_i| computed per output element by the reference.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  ShapeDtypeStruct, customJvp, customVjp, deviceCount, jit, lax, linearize, makeJaxpr, numpy as np, pmap, vmap,
  withEagerBackend,
} from "../compiler/index.js";
import type { Array as WaxArray, DType } from "../compiler/index.js";
import { ALL_PRIMITIVES, BINARY_PRIMITIVES, UNARY_PRIMITIVES } from "../compiler/primitives/params.js";
import { Rng, type Tolerance, U, compareArrays } from "./fuzz/index.js";
import { expectError } from "./util.js";

type Fn = (...xs: WaxArray[]) => WaxArray[];
type TolFor = Tolerance | ((want: WaxArray, k: number) => Tolerance);

const EXACT: Tolerance = { kind: "exact" };
const FLT_MAX = 3.4028234663852886e38;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** Primitives whose cases below ran; the last test checks that none was forgotten. */
const covered = new Set<string>();

/**
 * Runs `f` on the reference, eagerly on wasm (unless `eager` is false) and under jit, and
 * asserts both backends agree with the reference within `tol`.
 */
function check(name: string, f: Fn, args: WaxArray[], tol: TolFor = EXACT, opts: { eager?: boolean } = {}): void {
  const want = withEagerBackend("reference", () => f(...args));
  const runs: [string, () => WaxArray[]][] = [["jit", () => jit(f)(...args) as WaxArray[]]];
  if (opts.eager !== false) runs.unshift(["eager", () => f(...args)]);
  for (const [mode, run] of runs) {
    let got: WaxArray[];
    try {
      got = run();
    } catch (e) {
      assert.unreachable(`${name} (${mode}) threw: ${(e as Error).stack}`);
      return;
    }
    assert.is(got.length, want.length, `${name} (${mode}): number of outputs`);
    want.forEach((w, k) => {
      const t = typeof tol === "function" ? tol(w, k) : tol;
      const msg = compareArrays(got[k]!, w, t);
      if (msg) assert.unreachable(`${name} (${mode}), output ${k} of ${w.dtype}[${w.shape}]: ${msg}`);
    });
  }
}

// ---- inputs ----------------------------------------------------------------------------------

/** 1-D sizes around the SIMD width, and odd multi-dimensional shapes (with size-1 dims). */
const SIZES: number[][] = [[0], [1], [3], [4], [5], [17], [1000]];
const ODD: number[][] = [[3, 5], [2, 3, 7], [1, 5, 1], [4, 1, 6], [2, 1, 3, 4]];
const SHAPES: number[][] = [[], ...SIZES, ...ODD];
/** A smaller set for the eager runs, each shape of which compiles its own kernel. */
const EAGER_SHAPES: number[][] = [[], [0], [1], [5], [17], [1000], [2, 3, 7], [1, 5, 1]];

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function randomValues(rng: Rng, n: number, dtype: DType, kind = "mixed"): number[] {
  return Array.from({ length: n }, () => {
    if (dtype === "bool") return rng.chance(0.5) ? 1 : 0;
    if (dtype === "int32") return kind === "wide" && rng.chance(0.5) ? rng.word() | 0 : rng.int(-50, 50);
    switch (kind) {
      case "pos": return 0.5 + 3 * rng.next();
      case "unit": return 0.5 + rng.next(); // products of many stay in range
      default: {
        const t = rng.next();
        if (t < 0.5) return -5 + 10 * rng.next();
        if (t < 0.8) return (rng.chance(0.5) ? -1 : 1) * 10 ** (-4 + 6 * rng.next());
        return rng.int(-8, 8);
      }
    }
  });
}

function arrayOf(values: number[], shape: readonly number[], dtype: DType): WaxArray {
  const Ctor = dtype === "float32" ? Float32Array : dtype === "int32" ? Int32Array : Uint8Array;
  return np.array(Ctor.from(values), { shape: [...shape], dtype });
}

function randomArray(rng: Rng, shape: readonly number[], dtype: DType, kind = "mixed"): WaxArray {
  return arrayOf(randomValues(rng, sizeOf(shape), dtype, kind), shape, dtype);
}

/**
 * Strided views of `x` made inside the traced function, each paired with the shape an
 * operand must have to combine with it: transposed, reversed, sliced with a stride,
 * broadcast along a new outer dim and along its size-1 dims, and all of them at once.
 */
function views(x: WaxArray): WaxArray[] {
  const r = x.ndim;
  if (r < 2) return r === 1 ? [lax.rev(x, [0]), lax.broadcastInDim(x, [3, ...x.shape], [1])] : [lax.broadcastInDim(x, [2, 3], [])];
  const perm = x.shape.map((_, i) => r - 1 - i);
  const sliced = lax.slice(x, x.shape.map((d) => (d > 1 ? 1 : 0)), [...x.shape], x.shape.map((_, i) => (i === r - 1 ? 2 : 1)));
  const ones = x.shape.map((d) => (d === 1 ? 3 : d));
  return [
    lax.transpose(x, perm),
    lax.rev(x, [0, r - 1]),
    sliced,
    lax.broadcastInDim(x, [2, ...x.shape], x.shape.map((_, i) => i + 1)),
    lax.broadcastInDim(x, ones, x.shape.map((_, i) => i)),
    lax.transpose(lax.rev(sliced, [r - 1]), perm),
  ];
}

// ---- tolerances --------------------------------------------------------------------------------

const ULPS: Partial<Record<string, number>> = {
  exp: 1, expm1: 1, log: 1, log1p: 1, tanh: 6, sin: 1, cos: 1, pow: 1, logistic: 2, rsqrt: 2,
};

function tolFor(prim: string, dtype: DType): Tolerance {
  const n = ULPS[prim];
  return n !== undefined && dtype === "float32" ? { kind: "ulps", ulps: n } : EXACT;
}

/**
 * The bound for a float sum of `n` terms per output element: n u sum|x| (sum|x| given per
 * element by the reference) plus one ulp of the result.
 */
function sumBound(want: WaxArray, absSum: WaxArray, n: number): Tolerance {
  if (want.dtype !== "float32") return EXACT;
  const w = want.data(), s = absSum.data();
  return { kind: "abs", bound: Array.from(w, (v, i) => n * U * s[i]! * 1.01 + 2 * U * Math.abs(v) + 1e-37) };
}

// ---- elementwise primitives -------------------------------------------------------------------

const UNARY_DTYPES: Record<string, DType[]> = {
  neg: ["float32", "int32"], sign: ["float32", "int32"], abs: ["float32", "int32"], not: ["int32", "bool"],
  stop_gradient: ["float32"],
};
const UNARY_LAX: Record<string, (x: WaxArray) => WaxArray> = {
  neg: lax.neg, sign: lax.sign, floor: lax.floor, ceil: lax.ceil, abs: lax.abs, sqrt: lax.sqrt, rsqrt: lax.rsqrt,
  exp: lax.exp, log: lax.log, log1p: lax.log1p, expm1: lax.expm1, tanh: lax.tanh, logistic: lax.logistic,
  sin: lax.sin, cos: lax.cos, not: lax.bitwiseNot, is_finite: lax.isFinite, stop_gradient: lax.stopGradient,
};

for (const prim of UNARY_PRIMITIVES) {
  for (const dtype of UNARY_DTYPES[prim] ?? ["float32"]) {
    test(`unary ${prim} ${dtype}: all shapes, strided views`, () => {
      covered.add(prim);
      const op = UNARY_LAX[prim]!;
      const rng = new Rng(prim.length * 131 + dtype.length);
      const xs = SHAPES.map((s) => randomArray(rng, s, dtype));
      const tol = tolFor(prim, dtype);
      // jit: one module over every shape and view; eager: one kernel per shape.
      check(`${prim} ${dtype}`, (...a) => a.flatMap((x) => [op(x), ...views(x).map(op)]), xs, tol, { eager: false });
      const eagerXs = EAGER_SHAPES.map((s) => randomArray(rng, s, dtype));
      check(`${prim} ${dtype} eager`, (...a) => a.map(op), eagerXs, tol);
    });
  }
}

const BINARY_DTYPES: Record<string, DType[]> = {
  add: ["float32", "int32"], sub: ["float32", "int32"], mul: ["float32", "int32"], div: ["float32", "int32"],
  rem: ["float32", "int32"], pow: ["float32"], and: ["int32", "bool"], or: ["int32", "bool"],
};
const BINARY_LAX: Record<string, (x: WaxArray, y: WaxArray | number) => WaxArray> = {
  add: lax.add, sub: lax.sub, mul: lax.mul, div: lax.div, rem: lax.rem, pow: lax.pow, max: lax.max, min: lax.min,
  eq: lax.eq, ne: lax.ne, lt: lax.lt, le: lax.le, gt: lax.gt, ge: lax.ge, and: lax.bitwiseAnd, or: lax.bitwiseOr,
};

/** Operand pairs: equal shapes, rank-0 with anything, size-1 dims against full ones. */
function binaryPairs(rng: Rng, dtype: DType, shapes: number[][], kind: string): [WaxArray, WaxArray][] {
  const mk = (s: readonly number[]) => randomArray(rng, s, dtype, kind);
  const pairs: [WaxArray, WaxArray][] = shapes.map((s) => [mk(s), mk(s)]);
  pairs.push([mk([]), mk([17])], [mk([2, 3, 7]), mk([])], [mk([3, 1]), mk([3, 5])], [mk([1, 5, 1]), mk([4, 5, 6])], [mk([4, 1, 6]), mk([4, 5, 1])]);
  return pairs;
}

for (const prim of BINARY_PRIMITIVES) {
  for (const dtype of BINARY_DTYPES[prim] ?? ["float32", "int32", "bool"]) {
    test(`binary ${prim} ${dtype}: all shapes, broadcasting, strided views`, () => {
      covered.add(prim);
      const op = BINARY_LAX[prim]!;
      const rng = new Rng(prim.length * 977 + dtype.length * 13);
      // Small ints as int32 divisors include 0; pow bases are positive so results are not all NaN.
      const kind = prim === "pow" ? "pos" : "mixed";
      const tol = tolFor(prim, dtype);
      const pairs = binaryPairs(rng, dtype, SHAPES, kind);
      check(`${prim} ${dtype}`, (...a) => {
        const out: WaxArray[] = [];
        for (let i = 0; i < a.length; i += 2) {
          const [x, y] = [a[i]!, a[i + 1]!];
          out.push(op(x, y));
          // Views of x against a same-shaped view of y, and a weak scalar literal.
          if (x.shape.join() === y.shape.join()) {
            const vy = views(y);
            views(x).forEach((v, k) => out.push(op(v, vy[k]!)));
          }
          if (dtype !== "bool") out.push(op(x, dtype === "int32" ? 3 : 2.5));
        }
        return out;
      }, pairs.flat(), tol, { eager: false });
      const eagerPairs = binaryPairs(rng, dtype, EAGER_SHAPES, kind);
      check(`${prim} ${dtype} eager`, (...a) => a.filter((_, i) => i % 2 === 0).map((x, i) => op(x, a[2 * i + 1]!)), eagerPairs.flat(), tol);
    });
  }
}

// ---- special values ----------------------------------------------------------------------------

const F_SPECIAL = [
  NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -2.5, 3, 1.5, -1.5, 2.5, FLT_MAX, -FLT_MAX, 1.1754943508222875e-38,
  1.401298464324817e-45, -1.401298464324817e-45, 88.5, 89, -104, 1e9, -1e9, 2147483648, -2147483648, 2147483520,
  0.49999997,
];
const I_SPECIAL = [0, 1, -1, 2, -2, 3, -7, 7, INT_MAX, INT_MIN, INT_MIN + 1, 65536, -65536, 46341];

/** Every (a, b) pair of `vals` as two flat arrays. */
function allPairs(vals: number[], dtype: DType): [WaxArray, WaxArray] {
  const a: number[] = [], b: number[] = [];
  for (const x of vals) for (const y of vals) a.push(x), b.push(y);
  return [arrayOf(a, [a.length], dtype), arrayOf(b, [b.length], dtype)];
}

/** sin and cos are within 1 ulp up to |x| = 6.7e9; beyond, wasm/README.md documents the error growing. */
const TRIG_RANGE = 6.7e9;

test("special floats: every unary primitive (NaN, ±Inf, ±0, subnormals, FLT_MAX)", () => {
  const x = arrayOf(F_SPECIAL, [F_SPECIAL.length], "float32");
  const trig = F_SPECIAL.filter((v) => !(Math.abs(v) > TRIG_RANGE && Number.isFinite(v)));
  const inRange = arrayOf(trig, [trig.length], "float32");
  for (const prim of UNARY_PRIMITIVES) {
    if (!(UNARY_DTYPES[prim] ?? ["float32"]).includes("float32")) continue;
    check(`${prim} special`, (a) => [UNARY_LAX[prim]!(a)], [prim === "sin" || prim === "cos" ? inRange : x], tolFor(prim, "float32"));
  }
});

// A documented limitation (wasm/README.md), not within 1 ulp as XLA's Payne-Hanek reduction
// would be: sin and cos of |x| > 6.7e9 lose accuracy (lax.sin(FLT_MAX) gives 1, Math.sin
// -0.52). What holds: the results stay in [-1, 1], and agree between eager and jit.
test("special floats: sin and cos of huge arguments stay in [-1, 1], eager = jit", () => {
  const x = arrayOf([FLT_MAX, -FLT_MAX, 1e10, 1.7179869e10, 1e20, 1e30, 2 ** 100], [7], "float32");
  for (const op of [lax.sin, lax.cos]) {
    const e = op(x).data(), j = (jit(op)(x) as WaxArray).data();
    assert.equal(Array.from(e), Array.from(j));
    assert.ok(Array.from(e).every((v) => Math.abs(v) <= 1), `${Array.from(e)}`);
  }
});

test("special floats: every binary primitive on all pairs", () => {
  const [a, b] = allPairs(F_SPECIAL, "float32");
  for (const prim of BINARY_PRIMITIVES) {
    if (!(BINARY_DTYPES[prim] ?? ["float32"]).includes("float32") || prim === "pow") continue;
    check(`${prim} special`, (x, y) => [BINARY_LAX[prim]!(x, y)], [a, b], tolFor(prim, "float32"));
  }
});

test("special floats: pow on all pairs except pow(±1, NaN/±Inf)", () => {
  const [a, b] = allPairs(F_SPECIAL, "float32");
  const keep = Array.from(a.data(), (x, i) => !(Math.abs(x) === 1 && !Number.isFinite(b.data()[i]!)));
  const pick = (arr: WaxArray) => arrayOf(Array.from(arr.data()).filter((_, i) => keep[i]), [keep.filter(Boolean).length], "float32");
  check("pow special", (x, y) => [lax.pow(x, y)], [pick(a), pick(b)], tolFor("pow", "float32"));
});

// The reference follows C's powf here (Math.pow gives NaN for these).
test("special floats: pow(1, NaN) = pow(±1, ±Inf) = 1 in every backend", () => {
  const x = arrayOf([1, 1, 1, -1, -1], [5], "float32"), y = arrayOf([NaN, Infinity, -Infinity, Infinity, -Infinity], [5], "float32");
  check("pow(±1, NaN/Inf)", (a, b) => [lax.pow(a, b)], [x, y]);
  assert.equal(lax.pow(x, y).toList(), [1, 1, 1, 1, 1]);
});

test("special int32: wraparound and every binary primitive on all pairs", () => {
  const [a, b] = allPairs(I_SPECIAL, "int32");
  for (const prim of BINARY_PRIMITIVES) {
    if (!(BINARY_DTYPES[prim] ?? ["int32"]).includes("int32")) continue;
    check(`${prim} int32 special`, (x, y) => [BINARY_LAX[prim]!(x, y)], [a, b]);
  }
  const x = arrayOf(I_SPECIAL, [I_SPECIAL.length], "int32");
  for (const prim of ["neg", "abs", "sign", "not"]) check(`${prim} int32 special`, (v) => [UNARY_LAX[prim]!(v)], [x]);
  check("integer_pow int32 special", (v) => [2, 3, 5].map((y) => lax.integerPow(v, y)), [x]);
});

test("int32 overflow wraps, as XLA's two's complement arithmetic", () => {
  const x = np.array([INT_MAX, INT_MIN, 65536, 46341], { dtype: "int32" });
  const f: Fn = (v) => [lax.add(v, 1), lax.sub(v, 1), lax.mul(v, v), lax.neg(v), lax.abs(v), lax.integerPow(v, 3)];
  check("overflow", f, [x]);
  const [add, sub, mul, neg, abs] = jit(f)(x) as WaxArray[];
  assert.equal(add!.toList(), [INT_MIN, INT_MIN + 1, 65537, 46342]);
  assert.equal(sub!.toList(), [INT_MAX - 1, INT_MAX, 65535, 46340]);
  assert.equal(mul!.toList(), [1, 0, 0, Math.imul(46341, 46341)]);
  assert.equal(neg!.toList(), [-INT_MAX, INT_MIN, -65536, -46341]);
  assert.equal(abs!.toList(), [INT_MAX, INT_MIN, 65536, 46341]);
});

test("int32 division by zero and INT_MIN / -1 follow XLA (x/0 = -1, x%0 = x, INT_MIN/-1 = INT_MIN)", () => {
  // Enough elements for the SIMD loop and its scalar tail.
  const xs = [7, -7, 0, INT_MIN, INT_MIN, 5, -5, INT_MAX, INT_MIN];
  const ys = [0, 0, 0, 0, -1, -1, 2, -1, 1];
  const x = np.array(xs, { dtype: "int32" }), y = np.array(ys, { dtype: "int32" });
  const f: Fn = (a, b) => [lax.div(a, b), lax.rem(a, b)];
  check("int div/rem", f, [x, y]);
  for (const [q, r] of [f(x, y), jit(f)(x, y) as WaxArray[], withEagerBackend("reference", () => f(x, y))]) {
    assert.equal(q!.toList(), [-1, -1, -1, -1, INT_MIN, -5, -2, -INT_MAX, INT_MIN]);
    assert.equal(r!.toList(), [7, -7, 0, INT_MIN, 0, 0, -1, 0, 0]);
  }
});

test("float -> int32 conversion truncates, saturates, and sends NaN to 0", () => {
  const vals = [NaN, Infinity, -Infinity, 3e9, -3e9, 2147483520, -2147483648, 1.9, -1.9, -0.5, 0.5, -0];
  const x = np.array(vals, { dtype: "float32" });
  const f: Fn = (a) => [lax.convertElementType(a, "int32"), lax.convertElementType(a, "bool")];
  check("f32 -> i32", f, [x]);
  const [i, b] = jit(f)(x) as WaxArray[];
  assert.equal(i!.toList(), [0, INT_MAX, INT_MIN, INT_MAX, INT_MIN, 2147483520, INT_MIN, 1, -1, 0, 0, 0]);
  assert.equal(b!.toList(), [true, true, true, true, true, true, true, true, true, true, true, false]);
});

test("special floats: reductions, argmax/argmin with NaN, ±Inf and ±0", () => {
  const rows = [
    [1, NaN, 3, 2, 5], [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity], [0, -0, -0, 0, -0],
    [-0, -0, -0, -0, -0], [Infinity, 1, -Infinity, 2, 3], [2, 7, 7, 1, 7], [NaN, 1, NaN, 2, 3], [4, 3, 2, 1, Infinity],
  ];
  const x = np.array(rows, { dtype: "float32" });
  const f: Fn = (a) => [
    lax.reduceMax(a, [1]), lax.reduceMin(a, [1]), lax.reduceSum(a, [1]), lax.reduceProd(a, [1]),
    lax.argmax(a, 1, "int32"), lax.argmin(a, 1, "int32"), lax.argmax(a, 0, "int32"), lax.reduceMax(a, [0]),
  ];
  // Sums and products of these rows are exact (no rounding), so every output is compared bit for bit.
  check("special reductions", f, [x]);
  const [, , , , am] = jit(f)(x) as WaxArray[];
  assert.equal(am!.toList(), [1, 0, 0, 0, 0, 1, 0, 4]);
});

// ---- select, integer_pow, conversions ------------------------------------------------------------

test("select_n: bool and int32 predicates, scalar predicates, 2 and 3 cases, all dtypes", () => {
  covered.add("select_n");
  const rng = new Rng(5);
  for (const dtype of ["float32", "int32", "bool"] as DType[]) {
    for (const shape of [[], [0], [1], [5], [17], [1000], [3, 5], [2, 3, 7], [1, 5, 1]]) {
      const p = randomArray(rng, shape, "bool"), w = arrayOf(randomValues(rng, sizeOf(shape), "int32").map((v) => Math.abs(v) % 3), shape, "int32");
      const [a, b, c] = [0, 1, 2].map(() => randomArray(rng, shape, dtype));
      const ps = randomArray(rng, [], "bool");
      check(`select_n ${dtype}[${shape}]`, (p1, w1, a1, b1, c1, s1) => {
        const out = [lax.select(p1!, a1!, b1!), lax.selectN(w1!, a1!, b1!, c1!), lax.select(s1!, a1!, b1!)];
        if (shape.length >= 2) out.push(lax.select(lax.transpose(p1!, [1, 0, 2].slice(0, shape.length)), ...[a1!, b1!].map((v) => lax.transpose(v, [1, 0, 2].slice(0, shape.length))) as [WaxArray, WaxArray]));
        return out;
      }, [p, w, a!, b!, c!, ps], EXACT, { eager: shape.length <= 1 });
    }
  }
});

test("integer_pow: y from -3 to 7 on float32, 0 to 7 on int32", () => {
  covered.add("integer_pow");
  const rng = new Rng(9);
  const xs = SHAPES.map((s) => randomArray(rng, s, "float32"));
  const ys = [-3, -2, -1, 0, 1, 2, 3, 4, 5, 7];
  // |y| <= 3 is exact; higher powers multiply in another order: (|y| + 1) ulp.
  const tol = (_w: WaxArray, k: number): Tolerance => (Math.abs(ys[k % ys.length]!) <= 3 ? EXACT : { kind: "ulps", ulps: Math.abs(ys[k % ys.length]!) + 1 });
  check("integer_pow f32", (...a) => a.flatMap((x) => ys.map((y) => lax.integerPow(x, y))), xs, tol, { eager: false });
  check("integer_pow f32 eager", (x) => ys.map((y) => lax.integerPow(x, y)), [xs[6]!], tol);
  const is = SHAPES.map((s) => randomArray(rng, s, "int32", "wide"));
  check("integer_pow i32", (...a) => a.flatMap((x) => [0, 1, 2, 3, 4, 5, 7].map((y) => lax.integerPow(x, y))), is);
  check("integer_pow i32 views", (...a) => a.flatMap((x) => views(x).map((v) => lax.integerPow(v, 3))), is.slice(8));
});

test("convert_element_type: every pair of dtypes, all shapes, views", () => {
  covered.add("convert_element_type");
  const rng = new Rng(13);
  for (const from of ["float32", "int32", "bool"] as DType[]) {
    const xs = SHAPES.map((s) => randomArray(rng, s, from, "wide"));
    for (const to of ["float32", "int32", "bool"] as DType[]) {
      if (to === from) continue;
      check(`convert ${from}->${to}`, (...a) => a.flatMap((x) => [x, ...views(x)].map((v) => lax.convertElementType(v, to))), xs, EXACT, { eager: false });
      check(`convert ${from}->${to} eager`, (x, y) => [lax.convertElementType(x!, to), lax.convertElementType(y!, to)], [xs[6]!, xs[10]!]);
    }
  }
});

// ---- reductions ---------------------------------------------------------------------------------

/** Every subset of the axes of `shape`. */
function axisSubsets(ndim: number): number[][] {
  const out: number[][] = [];
  for (let m = 0; m < 1 << ndim; m++) out.push(Array.from({ length: ndim }, (_, i) => i).filter((i) => (m >> i) & 1));
  return out;
}

const REDUCE_SHAPES: number[][] = [[], [0], [1], [3], [5], [17], [1000], [3, 5], [2, 3, 7], [1, 5, 1], [4, 1, 6], [2, 0, 3], [33, 9]];

for (const [prim, red] of [["reduce_sum", lax.reduceSum], ["reduce_prod", lax.reduceProd], ["reduce_max", lax.reduceMax], ["reduce_min", lax.reduceMin]] as const) {
  const dtypes: DType[] = prim === "reduce_max" || prim === "reduce_min" ? ["float32", "int32", "bool"] : ["float32", "int32"];
  for (const dtype of dtypes) {
    test(`${prim} ${dtype}: every axis subset of odd shapes, views`, () => {
      covered.add(prim);
      const rng = new Rng(prim.length * 31 + dtype.length);
      const kind = prim === "reduce_prod" ? (dtype === "float32" ? "unit" : "wide") : dtype === "int32" ? "wide" : "mixed";
      const xs = REDUCE_SHAPES.map((s) => randomArray(rng, s, dtype, kind));
      const cases: { x: number; axes: number[]; view: number }[] = [];
      xs.forEach((x, i) => axisSubsets(x.ndim).forEach((axes) => cases.push({ x: i, axes, view: -1 })));
      // Reductions of strided views, over the last axis and over all but it.
      xs.forEach((x, i) => { if (x.ndim >= 2) views(x).forEach((v, k) => cases.push({ x: i, axes: [v.ndim - 1], view: k }, { x: i, axes: v.shape.map((_, d) => d).slice(0, -1), view: k })); });
      const f: Fn = (...a) => cases.map(({ x, axes, view }) => red(view < 0 ? a[x]! : views(a[x]!)[view]!, axes));
      const exactOp = prim === "reduce_max" || prim === "reduce_min" || dtype !== "float32";
      const tol = (want: WaxArray, k: number): Tolerance => {
        if (exactOp) return EXACT;
        const { x, axes, view } = cases[k]!;
        const src = withEagerBackend("reference", () => (view < 0 ? xs[x]! : views(xs[x]!)[view]!));
        const n = sizeOf(axes.map((d) => src.shape[d]!));
        if (prim === "reduce_sum") return sumBound(want, withEagerBackend("reference", () => lax.reduceSum(lax.abs(src), axes)), n);
        // A product of n factors is within n u of the true product, relative.
        return { kind: "abs", bound: Array.from(want.data(), (v) => (n + 1) * 2 * U * Math.abs(v) + 1e-37) };
      };
      check(`${prim} ${dtype}`, f, xs, tol, { eager: false });
      const eagerCases = [[[1000], [0]], [[2, 3, 7], [0, 2]], [[2, 3, 7], [1]], [[17], []], [[2, 0, 3], [1]], [[33, 9], [0]]] as const;
      const exs = eagerCases.map(([s]) => randomArray(rng, s, dtype, kind));
      const fe: Fn = (...a) => a.map((x, i) => red(x, eagerCases[i]![1]));
      check(`${prim} ${dtype} eager`, fe, exs, (want, k) => {
        if (exactOp) return EXACT;
        const axes = [...eagerCases[k]![1]], x = exs[k]!;
        const n = sizeOf(axes.map((d) => x.shape[d]!));
        if (prim === "reduce_sum") return sumBound(want, withEagerBackend("reference", () => lax.reduceSum(lax.abs(x), axes)), n);
        return { kind: "abs", bound: Array.from(want.data(), (v) => (n + 1) * 2 * U * Math.abs(v) + 1e-37) };
      });
    });
  }
}

// A sum of one term is that term, -0 included, in every backend (as XLA reshapes such a reduce).
test("reduce_sum over size-1 axes keeps -0", () => {
  const x = np.array([[-0], [1], [-0]], { dtype: "float32" });
  check("sum of one -0", (a) => [lax.reduceSum(a!, [1]), lax.reduceSum(a!, [])], [x]);
});

test("argmax/argmin: every axis, all dtypes, ties keep the first, views", () => {
  covered.add("argmax");
  covered.add("argmin");
  const rng = new Rng(21);
  for (const dtype of ["float32", "int32", "bool"] as DType[]) {
    // Small ints make ties common.
    const xs = [[1], [5], [17], [1000], [3, 5], [2, 3, 7], [1, 5, 1], [4, 1, 6], [0, 3]].map((s) =>
      arrayOf(randomValues(rng, sizeOf(s), dtype).map((v) => (dtype === "float32" ? Math.round(v) : v)), s, dtype));
    const f: Fn = (...a) => a.flatMap((x) => x.shape.flatMap((d, ax) => {
      if (d === 0) return [];
      const out = [lax.argmax(x, ax, "int32"), lax.argmin(x, ax, "int32")];
      if (x.ndim >= 2) for (const v of views(x)) if (v.shape[ax]! > 0) out.push(lax.argmax(v, ax, "int32"), lax.argmin(v, ax, "int32"));
      return out;
    }));
    check(`argmax/argmin ${dtype}`, f, xs, EXACT, { eager: false });
    check(`argmax/argmin ${dtype} eager`, (x, y) => [lax.argmax(x!, 0, "int32"), lax.argmin(y!, 2, "int32")], [xs[3]!, xs[5]!]);
  }
});

// ---- dot_general -------------------------------------------------------------------------------

const DOTS: { l: number[]; r: number[]; dn: [[number[], number[]], [number[], number[]]] }[] = [
  { l: [5, 4], r: [5, 4], dn: [[[1], [1]], [[0], [0]]] }, // the seed's batched dot
  { l: [3, 5], r: [5, 7], dn: [[[1], [0]], [[], []]] }, // matmul
  { l: [17], r: [17], dn: [[[0], [0]], [[], []]] }, // vector dot
  { l: [1000], r: [1000], dn: [[[0], [0]], [[], []]] },
  { l: [3, 5], r: [7, 5], dn: [[[1], [1]], [[], []]] }, // A B^T
  { l: [5, 3], r: [5, 7], dn: [[[0], [0]], [[], []]] }, // A^T B
  { l: [2, 3, 4], r: [2, 4, 5], dn: [[[2], [1]], [[0], [0]]] }, // batched matmul
  { l: [3, 2, 4], r: [4, 5, 2], dn: [[[2], [0]], [[1], [2]]] }, // batch dims in odd places
  { l: [3, 4], r: [5], dn: [[[], []], [[], []]] }, // outer product
  { l: [2, 3, 4], r: [3, 4, 6], dn: [[[1, 2], [0, 1]], [[], []]] }, // two contracting dims
  { l: [4, 3, 2], r: [2, 3, 4], dn: [[[0, 1], [2, 1]], [[2], [0]]] },
  { l: [0, 3], r: [3, 4], dn: [[[1], [0]], [[], []]] }, // empty
  { l: [3, 0], r: [0, 4], dn: [[[1], [0]], [[], []]] }, // empty contraction: zeros
  { l: [1, 5, 1], r: [5, 1], dn: [[[1], [0]], [[], []]] },
  { l: [6, 33], r: [33, 9], dn: [[[1], [0]], [[], []]] },
  { l: [4, 1], r: [1, 3], dn: [[[1], [0]], [[], []]] },
];

function dotTol(dn: (typeof DOTS)[number]["dn"], l: WaxArray, r: WaxArray, want: WaxArray): Tolerance {
  if (want.dtype !== "float32") return EXACT;
  const k = sizeOf(dn[0][0].map((d) => l.shape[d]!));
  const s = withEagerBackend("reference", () => lax.dotGeneral(lax.abs(l), lax.abs(r), dn));
  return sumBound(want, s, k);
}

for (const dtype of ["float32", "int32", "bool"] as DType[]) {
  test(`dot_general ${dtype}: dimension numbers, transposed and sliced operands`, () => {
    covered.add("dot_general");
    const rng = new Rng(33 + dtype.length);
    const args = DOTS.flatMap(({ l, r }) => [randomArray(rng, l, dtype, "wide"), randomArray(rng, r, dtype, "wide")]);
    const f: Fn = (...a) => DOTS.map(({ dn }, i) => lax.dotGeneral(a[2 * i]!, a[2 * i + 1]!, dn));
    check(`dot_general ${dtype}`, f, args, (want, k) => dotTol(DOTS[k]!.dn, args[2 * k]!, args[2 * k + 1]!, want), { eager: false });
    // Eager on a few, one compile each.
    const pick = [0, 1, 6, 7, 14];
    check(`dot_general ${dtype} eager`, (...a) => pick.map((i, j) => lax.dotGeneral(a[2 * j]!, a[2 * j + 1]!, DOTS[i]!.dn)),
      pick.flatMap((i) => [args[2 * i]!, args[2 * i + 1]!]), (want, k) => dotTol(DOTS[pick[k]!]!.dn, args[2 * pick[k]!]!, args[2 * pick[k]! + 1]!, want));
    // Operands that are views: a transposed lhs, a reversed and sliced rhs, a broadcast one.
    const a = randomArray(rng, [7, 5], dtype, "wide"), b = randomArray(rng, [9, 8], dtype, "wide");
    const g: Fn = (x, y) => {
      const xt = lax.transpose(x!, [1, 0]); // [5, 7]
      const ys = lax.rev(lax.slice(y!, [1, 0], [8, 8], [1, 2]), [0]); // [7, 4]
      const yb = lax.broadcastInDim(lax.slice(y!, [0, 0], [7, 1]), [7, 6], [0, 1]); // [7, 6]
      return [
        lax.dotGeneral(xt, ys, [[[1], [0]], [[], []]]),
        lax.dotGeneral(ys, xt, [[[0], [1]], [[], []]]),
        lax.dotGeneral(xt, yb, [[[1], [0]], [[], []]]),
        lax.dotGeneral(dtype === "bool" ? lax.bitwiseNot(xt) : lax.add(xt, xt), ys, [[[1], [0]], [[], []]]),
        // Reversed rows of A (a negative row stride) in the SIMD kernel's multi-row tiles.
        lax.dotGeneral(lax.rev(xt, [0]), ys, [[[1], [0]], [[], []]]),
        lax.dotGeneral(lax.rev(x!, [0, 1]), lax.rev(lax.transpose(ys, [1, 0]), [1]), [[[], []], [[], []]]),
      ];
    };
    const viewTol = (want: WaxArray): Tolerance => (want.dtype === "float32" ? { kind: "abs", bound: 7 * 2 * U * 2 * 7 * 2500 + 1e-37 } : EXACT);
    check(`dot_general ${dtype} views`, g, [a, b], dtype === "float32" ? viewTol : EXACT);
  });
}

test("dot_general: preferred_element_type", () => {
  const rng = new Rng(34);
  const a = randomArray(rng, [3, 5], "int32"), b = randomArray(rng, [5, 4], "int32");
  check("dot int32 -> float32", (x, y) => [lax.dotGeneral(x!, y!, [[[1], [0]], [[], []]], { preferredElementType: "float32" })], [a, b]);
  const c = randomArray(rng, [3, 5], "bool"), d = randomArray(rng, [5, 4], "bool");
  check("dot bool -> int32", (x, y) => [lax.dotGeneral(x!, y!, [[[1], [0]], [[], []]], { preferredElementType: "int32" })], [c, d]);
});

// ---- layout primitives ------------------------------------------------------------------------

test("layout primitives on every dtype: transpose, reshape, squeeze, rev, slice, broadcast_in_dim, concatenate", () => {
  for (const p of ["transpose", "reshape", "squeeze", "rev", "slice", "broadcast_in_dim", "concatenate"]) covered.add(p);
  const rng = new Rng(41);
  for (const dtype of ["float32", "int32", "bool"] as DType[]) {
    const x = randomArray(rng, [2, 3, 7], dtype), y = randomArray(rng, [1, 5, 1], dtype), z = randomArray(rng, [4, 1, 6], dtype);
    const v = randomArray(rng, [17], dtype), s = randomArray(rng, [], dtype), e = randomArray(rng, [0, 3], dtype);
    const f: Fn = (x, y, z, v, s, e) => [
      lax.transpose(x!, [2, 0, 1]), lax.transpose(x!, [1, 2, 0]), lax.transpose(z!, [2, 1, 0]), lax.transpose(e!, [1, 0]),
      lax.reshape(x!, [6, 7]), lax.reshape(x!, [7, 3, 2]), lax.reshape(lax.transpose(x!, [2, 1, 0]), [42]), lax.reshape(v!, [17, 1]), lax.reshape(e!, [3, 0]),
      lax.squeeze(y!, [0, 2]), lax.squeeze(z!, [1]), lax.squeeze(lax.reshape(s!, [1, 1]), [0, 1]),
      lax.rev(x!, [0]), lax.rev(x!, [1, 2]), lax.rev(v!, [0]), lax.rev(x!, []),
      lax.slice(x!, [0, 1, 2], [2, 3, 7]), lax.slice(x!, [1, 0, 0], [2, 3, 7], [1, 2, 3]), lax.slice(v!, [3], [17], [4]), lax.slice(v!, [5], [5]),
      lax.broadcastInDim(s!, [3, 4], []), lax.broadcastInDim(y!, [3, 5, 2], [0, 1, 2]), lax.broadcastInDim(v!, [2, 17, 3], [1]),
      lax.broadcastInDim(lax.transpose(z!, [2, 1, 0]), [6, 5, 4, 2], [0, 1, 2]),
      lax.concatenate([x!, x!], 0), lax.concatenate([x!, lax.rev(x!, [2]), x!], 2), lax.concatenate([v!, lax.slice(v!, [2], [9], [3])], 0),
      lax.concatenate([e!, lax.broadcastInDim(s!, [2, 3], [])], 0),
      lax.concatenate([lax.transpose(z!, [1, 0, 2]), lax.broadcastInDim(y!, [1, 5, 6], [0, 1, 2])], 1),
    ];
    check(`layout ${dtype}`, f, [x, y, z, v, s, e]);
    // Composition with elementwise work: the views fuse into one kernel.
    if (dtype !== "bool") {
      check(`layout fused ${dtype}`, (a, b) => [lax.add(lax.transpose(a!, [2, 1, 0]), lax.rev(lax.transpose(a!, [2, 1, 0]), [0])), lax.mul(lax.broadcastInDim(b!, [17, 17], [1]), lax.transpose(lax.broadcastInDim(b!, [17, 17], [1]), [1, 0]))], [x, v]);
    }
  }
});

test("dynamic_slice: constant and traced starts, clamped out-of-range starts, views", () => {
  covered.add("dynamic_slice");
  const rng = new Rng(43);
  for (const dtype of ["float32", "int32", "bool"] as DType[]) {
    const x = randomArray(rng, [5, 7], dtype), v = randomArray(rng, [1000], dtype);
    const starts = np.array([-3, 0, 1, 2, 4, 9, INT_MAX, INT_MIN], { dtype: "int32" });
    check(`dynamic_slice ${dtype}`, (x, v, st) => {
      const out: WaxArray[] = [];
      for (let i = 0; i < 8; i++) {
        const s = lax.reshape(lax.slice(st!, [i], [i + 1]), []);
        out.push(lax.dynamicSlice(x!, [s, 2], [2, 3]));
        out.push(lax.dynamicSlice(x!, [1, s], [5, 4]));
        out.push(lax.dynamicSlice(v!, [lax.mul(s, 100)], [17]));
        out.push(lax.dynamicSlice(lax.transpose(x!, [1, 0]), [s, s], [3, 2]));
        out.push(lax.dynamicSlice(lax.rev(x!, [1]), [0, s], [5, 1]));
      }
      out.push(lax.dynamicSlice(x!, [-5, 99], [5, 7]), lax.dynamicSlice(x!, [3, 3], [0, 2]));
      return out;
    }, [x, v, starts]);
  }
});

test("iota: every dtype, dimension and odd shapes, fused with arithmetic", () => {
  covered.add("iota");
  const shapes = [[1], [5], [17], [1000], [3, 5], [2, 3, 7], [1, 5, 1], [0, 4]];
  for (const dtype of ["float32", "int32", "bool"] as DType[]) {
    const f: Fn = () => shapes.flatMap((s) => s.map((_, d) => lax.broadcastedIota(dtype, s, d)));
    check(`iota ${dtype}`, f, []);
  }
  const rng = new Rng(44);
  const x = randomArray(rng, [3, 5], "float32");
  check("iota fused", (a) => [lax.add(a!, lax.broadcastedIota("float32", [3, 5], 1)), lax.mul(lax.transpose(lax.broadcastedIota("int32", [5, 3], 0), [1, 0]), 3)], [x]);
});

// ---- collectives, inside vmap ----------------------------------------------------------------

test("collectives under jit(vmap(f, axisName)): psum, pmax, pmin, pmean, all_gather, axis_index, ppermute", () => {
  for (const p of ["psum", "pmax", "pmin", "all_gather", "axis_index", "ppermute"]) covered.add(p);
  const rng = new Rng(47);
  for (const dtype of ["float32", "int32"] as DType[]) {
    for (const shape of [[5], [1], [4, 3], [7, 2, 3], [17, 5]]) {
      const x = randomArray(rng, shape, dtype);
      const n = shape[0]!;
      // A cyclic shift, and a partial permutation (members nobody sends to receive zeros).
      const shift = Array.from({ length: n }, (_, j) => [j, (j + 1) % n] as [number, number]);
      const partial = Array.from({ length: n >> 1 }, (_, j) => [2 * j, n - 1 - j] as [number, number]);
      const inner = (v: WaxArray): WaxArray[] => [
        lax.psum(v, "i"), lax.pmax(v, "i"), lax.pmin(v, "i"), lax.pmean(v, "i"),
        lax.allGather(v, "i"), lax.add(v, lax.convertElementType(lax.axisIndex("i"), dtype)),
        lax.sub(v, lax.pmax(v, "i")), lax.ppermute(v, "i", shift), lax.ppermute(lax.neg(v), "i", partial),
      ];
      const f: Fn = (v) => vmap(inner, 0, 0, { axisName: "i" })(v) as WaxArray[];
      // psum and pmean (outputs 0 and 3) of floats sum n terms; pmean then divides by n.
      const absSum = withEagerBackend("reference", () => vmap((v: WaxArray) => lax.psum(lax.abs(v), "i"), 0, 0, { axisName: "i" })(x) as WaxArray);
      const tol = (want: WaxArray, k: number): Tolerance => {
        if (want.dtype !== "float32" || (k !== 0 && k !== 3)) return EXACT;
        const s = absSum.data(), w = want.data();
        return { kind: "abs", bound: Array.from(w, (v, i) => (n * U * s[i]! * 1.01) / (k === 3 ? n : 1) + 4 * U * Math.abs(v) + 1e-37) };
      };
      check(`collectives ${dtype}[${shape}]`, f, [x], tol);
    }
  }
  // Bool psum counts as int32; all_gather with tiled and an axis; nested axis names.
  const b = randomArray(rng, [6, 2], "bool");
  check("psum bool", (v) => [vmap((u: WaxArray) => lax.psum(u, "i"), 0, 0, { axisName: "i" })(v) as WaxArray], [b]);
  const y = randomArray(rng, [3, 4, 2], "int32");
  check("all_gather tiled, axis", (v) => [
    vmap((u: WaxArray) => lax.allGather(u, "i", { axis: 1, tiled: true }), 0, 0, { axisName: "i" })(v) as WaxArray,
    vmap((u: WaxArray) => lax.allGather(u, "i", { axis: 1 }), 0, 0, { axisName: "i" })(v) as WaxArray,
    vmap(vmap((u: WaxArray) => lax.psum(u, ["i", "j"]), 0, 0, { axisName: "j" }), 0, 0, { axisName: "i" })(v) as WaxArray,
    vmap(vmap((u: WaxArray) => lax.add(u, lax.axisIndex(["i", "j"])), 0, 0, { axisName: "j" }), 0, 0, { axisName: "i" })(v) as WaxArray,
  ], [y]);
});

test("pmap (xla_pmap) agrees with the reference, eagerly and under jit", () => {
  covered.add("xla_pmap");
  const rng = new Rng(49);
  const n = Math.min(2, deviceCount());
  const x = randomArray(rng, [n, 5, 3], "float32"), y = randomArray(rng, [n, 4], "int32");
  const f: Fn = (a, b) => pmap((u: WaxArray, v: WaxArray) => [
    lax.psum(u, "i"), np.nn.softmax(u), lax.ppermute(v, "i", [[0, n - 1]]), lax.add(v, lax.axisIndex("i")),
    lax.allGather(lax.reduceMax(u, [1]), "i"),
  ], "i")(a!, b!) as WaxArray[];
  const absSum = withEagerBackend("reference", () => pmap((u: WaxArray) => lax.psum(lax.abs(u), "i"), "i")(x) as WaxArray);
  check("pmap", f, [x, y], (want, k) =>
    k === 0 ? sumBound(want, absSum, n) : k === 1 ? { kind: "abs", bound: Array.from(want.data(), () => 8 * 2 * U) } : EXACT);
});

// ---- jit(vmap(f)) agrees with vmap(f) --------------------------------------------------------

test("jit(vmap(f)) agrees with vmap(f): softmax, centring, batched dot, matmul, where/clip chains", () => {
  const rng = new Rng(53);
  const x = randomArray(rng, [6, 17], "float32"), y = randomArray(rng, [6, 17], "float32");
  const m = randomArray(rng, [4, 5, 3], "float32"), n = randomArray(rng, [3, 7], "float32");
  const u = randomArray(rng, [6], "float32"), v = randomArray(rng, [17], "float32");
  const cases: [string, Fn, WaxArray[], number][] = [
    ["softmax", (a) => [vmap((r: WaxArray) => np.nn.softmax(r))(a!) as WaxArray], [x], 1e-6],
    ["x - mean(x)", (a) => [vmap((r: WaxArray) => np.subtract(r, np.mean(r)))(a!) as WaxArray], [x], 1e-5],
    ["batched dot", (a, b) => [vmap((p: WaxArray, q: WaxArray) => np.dot(p, q))(a!, b!) as WaxArray], [x, y], 1e-4],
    ["matmul", (a, b) => [vmap((p: WaxArray) => np.matmul(p, b!))(a!) as WaxArray], [m, n], 1e-4],
    ["matmul, out_axes 1", (a, b) => [vmap((p: WaxArray) => np.matmul(p, b!), 0, 1)(a!) as WaxArray], [m, n], 1e-4],
    ["where/clip", (a, b) => [vmap((p: WaxArray, q: WaxArray) => np.where(np.greater(p, q), np.clip(p, -1, 1), np.nn.relu(np.subtract(q, 0.5))))(a!, b!) as WaxArray], [x, y], 0],
    ["nested vmap outer", (a, b) => [vmap(vmap((p: WaxArray, q: WaxArray) => np.multiply(p, q), [0, null]), [null, 0])(a!, b!) as WaxArray], [u, v], 0],
    ["logsumexp in_axes 1", (a) => [vmap((r: WaxArray) => np.nn.logsumexp(r), 1)(a!) as WaxArray], [x], 1e-5],
  ];
  for (const [name, f, args, rel] of cases) {
    const tol = (want: WaxArray): Tolerance => (rel === 0 ? EXACT : { kind: "abs", bound: Array.from(want.data(), (v) => rel * Math.max(1, Math.abs(v))) });
    check(`vmap ${name}`, f, args, tol);
  }
  // vmap of a jitted function: the xla_call is batched, then compiled once as a whole.
  const inner = jit((r: WaxArray) => np.nn.softmax(r));
  check("vmap(jit(f))", (a) => [vmap(inner)(a!) as WaxArray], [x], (w) => ({ kind: "abs", bound: Array.from(w.data(), (q) => 1e-6 * Math.max(1, Math.abs(q))) }));
});

// ---- jit features ---------------------------------------------------------------------------

test("jit cache: same shapes do not retrace; new shapes, dtypes and weak types do", () => {
  covered.add("xla_call");
  let traces = 0;
  const f = jit((x: WaxArray | number, y: WaxArray) => {
    traces++;
    return lax.add(lax.mul(x, y), 1);
  });
  const a = np.array([1, 2, 3], { dtype: "float32" }), b = np.array([4, 5, 6], { dtype: "float32" });
  assert.equal(f(a, b).toList(), [5, 11, 19]);
  assert.equal(f(b, a).toList(), [5, 11, 19]);
  assert.equal(f(np.array([0, 0, 1], { dtype: "float32" }), b).toList(), [1, 1, 7]);
  assert.is(traces, 1, "same shapes and dtypes: one trace");
  f(np.ones([4]), np.ones([4]));
  assert.is(traces, 2, "a new shape retraces");
  f(np.ones([3], { dtype: "int32" }), np.ones([3], { dtype: "int32" }));
  assert.is(traces, 3, "a new dtype retraces");
  // A JS number is a weak float32 scalar; a strong float32 scalar array is another signature.
  assert.equal(f(2.5, np.array(2, { dtype: "float32" })).toList(), 6);
  const weakTraces = traces;
  f(np.array(2.5, { dtype: "float32" }), np.array(2, { dtype: "float32" }));
  assert.is(traces, weakTraces + 1, "weak vs strong dtype retraces");
  f(3.5, np.array(1, { dtype: "float32" }));
  assert.is(traces, weakTraces + 1, "a second weak scalar hits the cache");
});

test("jit staticArgnums: the value is part of the key; a new value retraces", () => {
  let traces = 0;
  const f = jit((x: WaxArray, n: number, axis: number) => {
    traces++;
    return np.sum(lax.integerPow(x, n), axis);
  }, { staticArgnums: [1, 2] });
  const x = np.array([[1, 2], [3, 4]], { dtype: "int32" });
  assert.equal(f(x, 2, 0).toList(), [10, 20]);
  assert.equal(f(x, 2, 0).toList(), [10, 20]);
  assert.is(traces, 1);
  assert.equal(f(x, 3, 0).toList(), [28, 72]);
  assert.is(traces, 2);
  assert.equal(f(x, 3, 1).toList(), [9, 91]);
  assert.is(traces, 3);
  assert.equal(f(x, 2, 0).toList(), [10, 20]);
  assert.is(traces, 3, "earlier static values stay cached");
  expectError(() => (f as unknown as (...a: unknown[]) => unknown)(x), "staticArgnums", RangeError);
});

test("jit pytrees: nested arguments and outputs", () => {
  let traces = 0;
  const f = jit((p: { w: WaxArray; b: WaxArray }, xs: [WaxArray, WaxArray]) => {
    traces++;
    const y = np.add(np.matmul(xs[0], p.w), p.b);
    return { y, parts: [np.sum(y), lax.neg(xs[1])], same: xs[1] };
  });
  const p = { w: np.array([[1, 0], [0, 2], [1, 1]], { dtype: "float32" }), b: np.array([0.5, -1], { dtype: "float32" }) };
  const x = np.array([[1, 2, 3]], { dtype: "float32" }), z = np.array([7], { dtype: "int32" });
  const want = withEagerBackend("reference", () => {
    const y = np.add(np.matmul(x, p.w), p.b);
    return { y: y.toList(), s: np.sum(y).toList() };
  });
  const out = f(p, [x, z]) as { y: WaxArray; parts: [WaxArray, WaxArray]; same: WaxArray };
  assert.equal(out.y.toList(), want.y);
  assert.equal(out.parts[0].toList(), want.s);
  assert.equal(out.parts[1].toList(), [-7]);
  assert.equal(out.same.toList(), [7]);
  f({ b: p.b, w: p.w }, [x, z]);
  assert.is(traces, 1, "same tree structure and avals: cached");
  f(p, [x, np.array([1, 2], { dtype: "int32" })]);
  assert.is(traces, 2);
});

test("nested jit prints as xla_call in makeJaxpr, and runs", () => {
  const inner = jit(function scale(x: WaxArray) {
    return lax.mul(x, 2);
  });
  const outer = (x: WaxArray) => lax.add(inner(x), 1);
  const text = String(makeJaxpr(outer)(np.ones([3])));
  assert.match(text, /xla_call\[/);
  assert.match(text, /call_jaxpr=\{ lambda ; \w+:f32\[3\]\. let \w+:f32\[3\] = mul \w+ 2\.0 in \(\w+,\) \}/);
  assert.match(text, /name=scale/);
  assert.ok(!/pjit/.test(text), "0.4.1 prints xla_call, not pjit");
  const x = np.array([1, 2, 3], { dtype: "float32" });
  // Called on concrete arrays a jitted function always runs compiled, so the oracle here is by hand.
  assert.equal(outer(x).toList(), [3, 5, 7]);
  assert.equal(jit(outer)(x).toList(), [3, 5, 7]);
  const twice = jit((a: WaxArray) => inner(inner(a)));
  assert.equal(twice(x).toList(), [4, 8, 12]);
});

test("jit(f).lower(ShapeDtypeStruct...).compile(): callable, with argument checks; .wasm() validates", () => {
  const dot = (a: WaxArray, b: WaxArray) => np.dot(a, b);
  const lowered = jit(vmap(dot, [0, 0], 0)).lower(new ShapeDtypeStruct([5, 4], "int32"), new ShapeDtypeStruct([5, 4], "int32"));
  assert.match(String(lowered.jaxpr), /dimension_numbers=\(\(\(1,\), \(1,\)\), \(\(0,\), \(0,\)\)\)/);
  const compiled = lowered.compile();
  const a = np.array([[1, 2, 3, 4], [1, 2, 3, 4], [0, 0, 0, 1], [1, 1, 1, 1], [2, 0, 0, 0]], { dtype: "int32" });
  assert.equal((compiled(a, a) as WaxArray).toList(), [30, 30, 1, 4, 4]);
  const b = lax.rev(a, [0]);
  assert.equal((compiled(a, b) as WaxArray).toList(), withEagerBackend("reference", () => vmap(dot)(a, b).toList()));
  expectError(() => compiled(a), "expected 2 array arguments, got 1", TypeError);
  expectError(() => compiled(a, np.ones([5, 4])), "expected int32(5, 4), got float32(5, 4)", TypeError);
  expectError(() => compiled(a, np.ones([4, 5], { dtype: "int32" })), "expected int32(5, 4), got int32(4, 5)", TypeError);
  const bytes = lowered.wasm();
  assert.ok(bytes instanceof Uint8Array && bytes.length > 8);
  assert.ok(WebAssembly.validate(bytes as BufferSource), "the module validates");
  const mathy = jit((x: WaxArray) => np.tanh(np.exp(x))).lower(new ShapeDtypeStruct([7], "float32")).wasm();
  assert.ok(WebAssembly.validate(mathy as BufferSource), "a module with the math library validates");
});

// ---- larger arrays: the resident (no-copy) path of the executable ------------------------------

test("arrays over the copy threshold (resident in the shared memory) agree too", () => {
  const rng = new Rng(59);
  const x = randomArray(rng, [130, 140], "float32"), y = randomArray(rng, [130, 140], "float32");
  const f: Fn = (a, b) => [lax.add(lax.mul(a!, b!), lax.transpose(lax.transpose(b!, [1, 0]), [1, 0])), lax.exp(lax.rev(a!, [1])), lax.reduceMax(a!, [0])];
  check("large", f, [x, y], (w, k) => (k === 1 ? { kind: "ulps", ulps: 1 } : EXACT));
  const i = randomArray(rng, [20000], "int32", "wide");
  check("large int", (a) => [lax.add(a!, 1), lax.reduceSum(a!, [0]), lax.rev(a!, [0])], [i]);
});

// ---- custom derivatives: the primal function runs as a whole, eagerly and under jit ---------

test("custom_jvp_call and custom_vjp_call_jaxpr agree with the reference; custom_lin cannot run forward", () => {
  const rng = new Rng(41);
  const body = (x: WaxArray) => np.log1p(np.exp(lax.neg(x)));
  const fj = customJvp(body).defjvp(([x], [t]) => [body(x), np.multiply(t, lax.neg(lax.logistic(lax.neg(x))))]);
  const fv = customVjp(body).defvjp((x) => [body(x), x], (x, g) => [np.multiply(g, lax.neg(lax.logistic(lax.neg(x))))]);
  for (const shape of [[], [5], [2, 3, 7]]) {
    const x = randomArray(rng, shape, "float32");
    const tol = (w: WaxArray): Tolerance => ({ kind: "abs", bound: Array.from(w.data(), (v) => 4e-6 * Math.max(1, Math.abs(v))) });
    check(`custom_jvp ${shape}`, (a) => [fj(a!) as WaxArray], [x], tol);
    check(`custom_vjp ${shape}`, (a) => [fv(a!) as WaxArray], [x], tol);
  }
  covered.add("custom_jvp_call").add("custom_vjp_call_jaxpr");
  const [, fJvp] = linearize(fv, np.array([1, 2], { dtype: "float32" }));
  for (const run of [() => fJvp(np.ones([2])), () => jit(fJvp)(np.ones([2]))]) {
    assert.throws(run, /can't apply forward-mode autodiff \(jvp\) to a custom_vjp function/);
  }
  covered.add("custom_lin");
});

// ---- every primitive was covered ------------------------------------------------------------

test("every primitive in ALL_PRIMITIVES has a case above", () => {
  const missing = ALL_PRIMITIVES.filter((p) => !covered.has(p));
  assert.equal(missing, [], `primitives without a differential case: ${missing.join(", ")}`);
});

test.run();
