// The vectorised math library (wasm/*.ts, built to dist/wasm/math.wasm): error bounds
// against float64 references, C99 special values, and SIMD lanes equal to the scalar
// results bit for bit. The SIMD forms take v128, which JavaScript cannot pass, so they run
// through the test-only array wrappers of dist/wasm/math-test.wasm.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import binaryen from "binaryen";

type Unary = "exp" | "log" | "log1p" | "expm1" | "tanh" | "sin" | "cos" | "logistic";
type Map1 = (inp: number, out: number, n: number) => void;
type Map2 = (inp: number, inp2: number, out: number, n: number) => void;

const LIBRARY_EXPORTS = [
  "exp_f32", "log_f32", "log1p_f32", "expm1_f32", "tanh_f32", "sin_f32", "cos_f32", "logistic_f32",
  "pow_f32", "fmod_f32",
  "exp_f32x4", "log_f32x4", "log1p_f32x4", "expm1_f32x4", "tanh_f32x4", "sin_f32x4", "cos_f32x4",
  "logistic_f32x4", "pow_f32x4",
];

// The bounds documented in wasm/README.md (max ulps from the rounded float64 reference).
const BOUND: Record<Unary | "pow", number> = {
  exp: 1, expm1: 1, log: 1, log1p: 1, tanh: 6, logistic: 2, sin: 1, cos: 1, pow: 1,
};

const libraryBytes = readFileSync(new URL("../wasm/math.wasm", import.meta.url));
const library = new WebAssembly.Instance(new WebAssembly.Module(libraryBytes)).exports as Record<
  string,
  (...args: number[]) => number
>;

const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
const wrappers = new WebAssembly.Instance(
  new WebAssembly.Module(readFileSync(new URL("../wasm/math-test.wasm", import.meta.url))),
  { env: { memory } },
).exports as Record<string, Map1 & Map2>;
const heap = new Float32Array(memory.buffer);
const CHUNK = 1 << 16;
const IN = 0, IN2 = CHUNK, OUT = 2 * CHUNK;

/** Runs the wrapper `map_<name>` (e.g. "exp_f32x4") over xs (and ys). */
function run(name: string, xs: ArrayLike<number>, ys?: ArrayLike<number>): Float32Array {
  const out = new Float32Array(xs.length);
  const fn = wrappers[`map_${name}`];
  for (let at = 0; at < xs.length; at += CHUNK) {
    const n = Math.min(CHUNK, xs.length - at);
    for (let i = 0; i < n; i++) heap[IN + i] = xs[at + i];
    if (ys) for (let i = 0; i < n; i++) heap[IN2 + i] = ys[at + i];
    const padded = (n + 3) & ~3;
    if (ys) fn(IN * 4, IN2 * 4, OUT * 4, padded);
    else fn(IN * 4, OUT * 4, padded);
    out.set(heap.subarray(OUT, OUT + n), at);
  }
  return out;
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
function ordinal(x: number): number {
  f32[0] = x;
  return i32[0] >= 0 ? i32[0] : -(i32[0] & 0x7fffffff);
}
function fromOrdinal(o: number): number {
  i32[0] = o >= 0 ? o : -o | 0x80000000;
  return f32[0];
}
/** Distance in f32 steps; NaN matches only NaN. */
function ulps(got: number, want: number): number {
  if (Number.isNaN(got) || Number.isNaN(want)) return Number.isNaN(got) && Number.isNaN(want) ? 0 : Infinity;
  return Math.abs(ordinal(got) - ordinal(want));
}
const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/** n points evenly spaced in value over [lo, hi], then n evenly spaced in f32 steps. */
function sweep(lo: number, hi: number, n: number): Float32Array {
  const xs = new Float32Array(2 * n);
  const a = ordinal(lo), b = ordinal(hi);
  for (let i = 0; i < n; i++) {
    xs[i] = lo + ((hi - lo) * i) / (n - 1);
    xs[n + i] = fromOrdinal(Math.round(a + ((b - a) * i) / (n - 1)));
  }
  return xs;
}
/** Deterministic uniform numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MAX = 3.4028234663852886e38;
const TINY = 2 ** -149;
const N = 1 << 17;

/** C99 powf where it differs from Math.pow. */
const cPow = (x: number, y: number) =>
  y === 0 || x === 1 || (x === -1 && Math.abs(y) === Infinity) ? 1 : Math.pow(x, y);

const UNARY: { name: Unary; ref: (x: number) => number; lo: number; hi: number }[] = [
  { name: "exp", ref: Math.exp, lo: -110, hi: 95 },
  { name: "expm1", ref: Math.expm1, lo: -30, hi: 95 },
  { name: "log", ref: Math.log, lo: TINY, hi: MAX },
  { name: "log1p", ref: Math.log1p, lo: -1, hi: MAX },
  { name: "tanh", ref: Math.tanh, lo: -MAX, hi: MAX },
  { name: "logistic", ref: (x) => 1 / (1 + Math.exp(-x)), lo: -MAX, hi: MAX },
  { name: "sin", ref: Math.sin, lo: -1e5, hi: 1e5 },
  { name: "cos", ref: Math.cos, lo: -1e5, hi: 1e5 },
];

/** Max ulp error of the scalar form; asserts that the SIMD form agrees bit for bit. */
function check(name: string, ref: (x: number, y: number) => number, xs: Float32Array, ys?: Float32Array) {
  const scalar = run(`${name}_f32`, xs, ys), simd = run(`${name}_f32x4`, xs, ys);
  let worst = 0, at = "";
  for (let i = 0; i < xs.length; i++) {
    if (!same(scalar[i], simd[i])) {
      assert.unreachable(`${name}: SIMD ${simd[i]} ≠ scalar ${scalar[i]} at x = ${xs[i]}${ys ? `, y = ${ys[i]}` : ""}`);
    }
    const e = ulps(scalar[i], Math.fround(ref(xs[i], ys ? ys[i] : NaN)));
    if (e > worst) (worst = e), (at = `x = ${xs[i]}${ys ? `, y = ${ys[i]}` : ""}`);
  }
  return { worst, at };
}

test("math.wasm is pure: no imports, globals, memory, data or start function", () => {
  const module = new WebAssembly.Module(libraryBytes);
  const imports = WebAssembly.Module.imports(module);
  assert.ok(
    imports.every((i) => i.module === "env" && i.name === "memory" && i.kind === "memory"),
    JSON.stringify(imports),
  );
  // walk the sections: 5 memory, 6 global, 8 start, 11 data
  const ids: number[] = [];
  for (let at = 8; at < libraryBytes.length; ) {
    const id = libraryBytes[at++];
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = libraryBytes[at++];
      size += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    ids.push(id);
    at += size;
  }
  for (const id of [5, 6, 8, 11]) assert.not.ok(ids.includes(id), `section ${id} present`);
});

test("math.wasm exports every function", () => {
  const exports = WebAssembly.Module.exports(new WebAssembly.Module(libraryBytes));
  for (const name of LIBRARY_EXPORTS) {
    assert.ok(exports.some((e) => e.name === name && e.kind === "function"), `missing export ${name}`);
  }
});

test("Binaryen reads math.wasm with its features, inlines it into a kernel, and it runs", () => {
  const m = binaryen.readBinary(libraryBytes);
  const simd = binaryen.Features.SIMD128 | binaryen.Features.NontrappingFPToInt;
  assert.is(m.getFeatures() & simd, simd);
  m.setMemory(1, 65536, null, [], true, false, "memory");
  m.addMemoryImport("memory", "env", "memory", true);
  m.setFeatures(m.getFeatures() | binaryen.Features.Atomics);
  // kernel(p): v128 at p+32 = pow_f32x4(exp_f32x4(v128 at p), v128 at p+16)
  const { i32, v128, none } = binaryen;
  const lib = (name: string) => binaryen.getExportInfo(m.getExport(name)).value;
  const p = () => m.local.get(0, i32);
  const body = m.call(lib("pow_f32x4"), [m.call(lib("exp_f32x4"), [m.v128.load(0, 16, p())], v128), m.v128.load(16, 16, p())], v128);
  m.addFunction("kernel", binaryen.createType([i32]), none, [], m.v128.store(32, 16, p(), body));
  m.addFunctionExport("kernel", "kernel");
  const saved = [binaryen.getOptimizeLevel(), binaryen.getShrinkLevel(), binaryen.getFlexibleInlineMaxSize()];
  try {
    binaryen.setOptimizeLevel(3);
    binaryen.setShrinkLevel(0);
    binaryen.setFlexibleInlineMaxSize(400); // pow_f32x4, the largest, is ~300 expressions
    m.optimize();
  } finally {
    binaryen.setOptimizeLevel(saved[0]);
    binaryen.setShrinkLevel(saved[1]);
    binaryen.setFlexibleInlineMaxSize(saved[2]);
  }
  assert.ok(m.validate());
  const kernel = m.emitText().split("\n (func ").find((f) => f.startsWith("$kernel"));
  assert.ok(kernel && !kernel.includes("(call "), "the library calls were inlined");
  const mem = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  const run1 = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(m.emitBinary())), { env: { memory: mem } });
  m.dispose();
  const f = new Float32Array(mem.buffer);
  const xs = [0.5, -2, 3, 80], ys = [3, -0.5, 0, 2.5];
  f.set(xs, 0);
  f.set(ys, 4);
  (run1.exports.kernel as (p: number) => void)(0);
  const want = run("pow_f32x4", run("exp_f32x4", xs), ys);
  for (let i = 0; i < 4; i++) assert.ok(same(f[8 + i], want[i]), `lane ${i}: ${f[8 + i]} vs ${want[i]}`);
});

test("math.wasm's scalar functions are the ones the tests measure", () => {
  const xs = [-3.5, -0.25, 0, 0.5, 2, 40];
  for (const { name } of UNARY) {
    const got = run(`${name}_f32`, xs);
    xs.forEach((x, i) => assert.ok(same(library[`${name}_f32`](x), got[i]), `${name}(${x})`));
  }
  assert.is(library.pow_f32(2, 10), 1024);
  assert.is(library.fmod_f32(5.5, 2), 1.5);
});

for (const { name, ref, lo, hi } of UNARY) {
  test(`${name}: within ${BOUND[name]} ulp on [${lo}, ${hi}], SIMD = scalar`, () => {
    const { worst, at } = check(name, ref, sweep(lo, hi, N));
    assert.ok(worst <= BOUND[name], `${name}: ${worst} ulp at ${at}`);
  });
}

test("sin, cos: within 1 ulp up to |x| = 6.7e9 and in [−1, 1] beyond", () => {
  const xs = sweep(-6.7e9, 6.7e9, N);
  for (const [name, ref] of [["sin", Math.sin], ["cos", Math.cos]] as const) {
    const { worst, at } = check(name, ref, xs);
    assert.ok(worst <= 1, `${name}: ${worst} ulp at ${at}`);
    const far = run(`${name}_f32x4`, sweep(6.7e9, MAX, 1024));
    assert.ok(far.every((v) => v >= -1 && v <= 1), `${name} outside [−1, 1] for huge x`);
  }
});

test(`pow: within ${BOUND.pow} ulp, SIMD = scalar`, () => {
  const rnd = random(2024);
  const n = 4 * N, xs = new Float32Array(n), ys = new Float32Array(n);
  const steps = sweep(TINY, MAX, n / 2);
  for (let i = 0; i < n; i++) {
    switch (i & 3) {
      case 0: xs[i] = steps[i]; ys[i] = -4 + 8 * rnd(); break; // any x > 0
      case 1: xs[i] = 10 * rnd(); ys[i] = -40 + 80 * rnd(); break;
      case 2: xs[i] = 0.9 + 0.2 * rnd(); ys[i] = -1000 + 2000 * rnd(); break; // large y·log2 x
      default: xs[i] = -10 * rnd(); ys[i] = Math.round(-40 + 80 * rnd()); // negative x, integer y
    }
  }
  const { worst, at } = check("pow", cPow, xs, ys);
  assert.ok(worst <= BOUND.pow, `pow: ${worst} ulp at ${at}`);
});

test("fmod: exact on random finite operands of any exponent gap", () => {
  const rnd = random(99);
  const anyFinite = () => {
    for (;;) {
      const v = fromOrdinal(Math.floor((rnd() * 2 - 1) * 0x7f800000));
      if (Number.isFinite(v)) return v;
    }
  };
  const n = 2 * N, xs = new Float32Array(n), ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = anyFinite();
    ys[i] = i & 1 ? anyFinite() : xs[i] * (0.5 + rnd()) * 2 ** -Math.floor(30 * rnd());
  }
  const out = run("fmod_f32", xs, ys);
  for (let i = 0; i < n; i++) {
    if (!same(out[i], xs[i] % ys[i])) assert.unreachable(`fmod(${xs[i]}, ${ys[i]}) = ${out[i]}, not ${xs[i] % ys[i]}`);
  }
});

// Special values: [x, expected] pairs through both forms. Exact (Object.is: −0 ≠ +0)
// unless the expected value is an ordinary number (finite, not 0, ±1, 1/2 or x itself),
// which only needs to be within the function's bound.
const H = Infinity;
const SPECIAL: Record<Unary, [number, number][]> = {
  exp: [[NaN, NaN], [H, H], [-H, 0], [0, 1], [-0, 1], [89, H], [100, H], [-104, 0], [-200, 0],
    [-103.2789, TINY], [88.72283, Math.exp(Math.fround(88.72283))]],
  expm1: [[NaN, NaN], [H, H], [-H, -1], [0, 0], [-0, -0], [1e-30, 1e-30], [-1e-30, -1e-30], [89, H], [-100, -1]],
  log: [[NaN, NaN], [H, H], [-H, NaN], [0, -H], [-0, -H], [-1, NaN], [-TINY, NaN], [1, 0], [TINY, Math.log(TINY)],
    [MAX, Math.log(MAX)]],
  log1p: [[NaN, NaN], [H, H], [-H, NaN], [-1, -H], [-2, NaN], [0, 0], [-0, -0], [1e-30, 1e-30],
    [-1e-30, -1e-30], [TINY, TINY], [MAX, Math.log(MAX)]],
  tanh: [[NaN, NaN], [H, 1], [-H, -1], [0, 0], [-0, -0], [20, 1], [-20, -1], [1e-30, 1e-30], [-TINY, -TINY]],
  logistic: [[NaN, NaN], [H, 1], [-H, 0], [0, 0.5], [-0, 0.5], [20, 1], [100, 1], [-200, 0], [MAX, 1], [-MAX, 0]],
  sin: [[NaN, NaN], [H, NaN], [-H, NaN], [0, 0], [-0, -0], [1e-30, 1e-30], [-TINY, -TINY], [Math.fround(Math.PI / 2), 1]],
  cos: [[NaN, NaN], [H, NaN], [-H, NaN], [0, 1], [-0, 1], [1e-30, 1], [Math.fround(Math.PI), -1]],
};

function agrees(got: number, want: number, x: number, bound: number): boolean {
  const w = Math.fround(want);
  const ordinary = Number.isFinite(w) && w !== 0 && Math.abs(w) !== 1 && w !== 0.5 && w !== Math.fround(x);
  return same(got, w) || (ordinary && ulps(got, w) <= bound);
}

for (const name of Object.keys(SPECIAL) as Unary[]) {
  test(`${name}: special values`, () => {
    const cases = SPECIAL[name];
    const xs = cases.map(([x]) => x);
    const scalar = run(`${name}_f32`, xs), simd = run(`${name}_f32x4`, xs);
    cases.forEach(([x, want], i) => {
      assert.ok(agrees(scalar[i], want, x, BOUND[name]), `${name}_f32(${x}) = ${scalar[i]}, want ${want}`);
      assert.ok(agrees(simd[i], want, x, BOUND[name]), `${name}_f32x4(${x}) = ${simd[i]}, want ${want}`);
    });
  });
}

// C99 powf's special cases, then exact results that must come out exact.
const POW: [number, number, number][] = [
  ...[NaN, 0, -0, H, -H, 2, -2].flatMap((x): [number, number, number][] => [[x, 0, 1], [x, -0, 1]]),
  ...[NaN, H, -H, 2.5, -3].map((y): [number, number, number] => [1, y, 1]),
  [-1, H, 1], [-1, -H, 1], [NaN, 1, NaN], [2, NaN, NaN], [-1, NaN, NaN], [NaN, NaN, NaN],
  [-8, 1 / 3, NaN], [-2, 0.5, NaN], [-H, 0.5, H], [-H, -0.5, 0],
  [0, -3, H], [-0, -3, -H], [0, -2, H], [-0, -2, H], [-0, -0.5, H], [0, -H, H], [-0, -H, H],
  [0, 3, 0], [-0, 3, -0], [-0, 2, 0], [-0, 0.5, 0], [0, H, 0],
  [0.5, -H, H], [-0.5, -H, H], [2, -H, 0], [-2, -H, 0], [0.5, H, 0], [-0.5, H, 0], [2, H, H], [-2, H, H],
  [-H, -3, -0], [-H, -2, 0], [-H, 3, -H], [-H, 2, H], [H, -1, 0], [H, 0.5, H],
  [10, 39, H], [-10, 39, -H], [10, -46, 0], [-10, -47, -0], [2, -149, TINY], [2, -150, 0],
  [2, 127, 2 ** 127], [-2, 127, -(2 ** 127)], [-1, 16777216, 1], [-2, 1e30, H], [-0.5, 1e30, 0],
  [3, 2, 9], [-3, 3, -27], [2, 10, 1024], [4, 0.5, 2], [0.25, -1.5, 8],
  [7, 1, 7], [-7, 1, -7], [1e-40, 1, 1e-40], [5, -1, 0.2], [2, 0.5, Math.SQRT2],
];

test("pow: C99 special values and exact results", () => {
  const xs = POW.map(([x]) => x), ys = POW.map(([, y]) => y);
  const scalar = run("pow_f32", xs, ys), simd = run("pow_f32x4", xs, ys);
  POW.forEach(([x, y, want], i) => {
    const w = Math.fround(want);
    assert.ok(same(scalar[i], w), `pow_f32(${x}, ${y}) = ${scalar[i]}, want ${w}`);
    assert.ok(same(simd[i], w), `pow_f32x4(${x}, ${y}) = ${simd[i]}, want ${w}`);
  });
});

test("fmod: C fmodf special values", () => {
  const cases: [number, number, number][] = [
    [5.5, 2, 1.5], [-5.5, 2, -1.5], [5.5, -2, 1.5], [4, 2, 0], [-4, 2, -0], [0, 1, 0], [-0, 1, -0],
    [1, 0, NaN], [1, -0, NaN], [H, 1, NaN], [-H, 1, NaN], [NaN, 1, NaN], [1, NaN, NaN], [0, 0, NaN],
    [1, H, 1], [-1, -H, -1], [0.5, 1, 0.5], [MAX, TINY, 0], [MAX, 3, MAX % 3], [-MAX, 3, -MAX % 3],
    [3 * TINY, 2 * TINY, TINY], [1e-40, 3e-41, Math.fround(1e-40) % Math.fround(3e-41)], [1e30, 1e-30, Math.fround(1e30) % Math.fround(1e-30)],
  ];
  const out = run("fmod_f32", cases.map(([x]) => x), cases.map(([, y]) => y));
  cases.forEach(([x, y, want], i) => {
    assert.ok(same(out[i], want), `fmod_f32(${x}, ${y}) = ${out[i]}, want ${want}`);
    assert.ok(same(library.fmod_f32(x, y), want), `math.wasm fmod_f32(${x}, ${y})`);
  });
});

test.run();
