#!/usr/bin/env node
// Measures the math library's error in ulps against a float64 reference and prints the
// table of wasm/README.md. Run after `npm run build`:
//
//   node wasm/measure-ulp.mjs [--n 2097152] [--bench] [--exhaustive [names]]
//
// The reference is JavaScript's Math.* evaluated in float64 on the f32 input and rounded
// with Math.fround. The error of a result is the number of f32 values between it and the
// rounded reference (0 = the correctly rounded f32, assuming the float64 reference is
// within half an f32 ulp, which it is by a factor of ~2^28). Each function runs through
// both its scalar and its SIMD form; the two must agree bit for bit (NaNs: both NaN).
// --n sets the number of points per sweep (each row has two or more sweeps); --bench also
// prints the time per element of the SIMD and scalar forms; --exhaustive instead runs each
// one-argument function on every f32 of its range (every finite f32 and ±Infinity, sin
// and cos up to |x| = 6.7e9): about 4·10^9 inputs per function, a few minutes each;
// `--exhaustive exp,log` limits it to the functions named.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const N = Number(args.includes("--n") ? args[args.indexOf("--n") + 1] : 1 << 21);
const bench = args.includes("--bench");
const exhaustive = args.includes("--exhaustive");
const only = exhaustive && /^[a-z0-9,]+$/.test(args[args.indexOf("--exhaustive") + 1] ?? "")
  ? args[args.indexOf("--exhaustive") + 1].split(",")
  : null;

// ---- the module ------------------------------------------------------------------------

const CHUNK = 1 << 16;
const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
const bytes = readFileSync(join(here, "..", "dist", "wasm", "math-test.wasm"));
const { exports: wasm } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
const heap = new Float32Array(memory.buffer);
const IN = 0, IN2 = CHUNK, OUT = 2 * CHUNK;

/** Runs `map_<name>` over xs (and ys), CHUNK elements at a time; returns the results. */
function run(name, xs, ys) {
  const out = new Float32Array(xs.length);
  for (let at = 0; at < xs.length; at += CHUNK) {
    const n = Math.min(CHUNK, xs.length - at);
    heap.set(xs.subarray(at, at + n), IN);
    if (ys) heap.set(ys.subarray(at, at + n), IN2);
    const padded = (n + 3) & ~3; // the f32x4 wrappers take whole vectors
    if (ys) wasm[`map_${name}`](IN * 4, IN2 * 4, OUT * 4, padded);
    else wasm[`map_${name}`](IN * 4, OUT * 4, padded);
    out.set(heap.subarray(OUT, OUT + n), at);
  }
  return out;
}

// ---- ulps --------------------------------------------------------------------------------

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
/** Position of an f32 on the number line, counted in f32 steps (+0 and −0 are both 0). */
function ordinal(x) {
  f32[0] = x;
  return i32[0] >= 0 ? i32[0] : -(i32[0] & 0x7fffffff);
}
function fromOrdinal(o) {
  i32[0] = o >= 0 ? o : -o | 0x80000000;
  return f32[0];
}
function ulps(got, want) {
  if (Number.isNaN(got) || Number.isNaN(want)) return Number.isNaN(got) && Number.isNaN(want) ? 0 : Infinity;
  return Math.abs(ordinal(got) - ordinal(want));
}

// ---- sweeps ------------------------------------------------------------------------------

/** n f32 values evenly spaced in value over [lo, hi]. */
function byValue(lo, hi, n) {
  const xs = new Float32Array(n);
  for (let i = 0; i < n; i++) xs[i] = lo + ((hi - lo) * i) / (n - 1);
  return xs;
}
/** n f32 values evenly spaced in f32 steps over [lo, hi]: dense near 0, like a log scale. */
function bySteps(lo, hi, n) {
  const a = ordinal(lo), b = ordinal(hi), xs = new Float32Array(n);
  for (let i = 0; i < n; i++) xs[i] = fromOrdinal(Math.round(a + ((b - a) * i) / (n - 1)));
  return xs;
}
/** Deterministic uniform numbers in [0, 1) (mulberry32). */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MAX = 3.4028234663852886e38;
const TINY = 1.401298464324817e-45;
const cPow = (x, y) => (y === 0 || x === 1 || (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) ? 1 : Math.pow(x, y));

const unary = [
  { name: "exp", ref: Math.exp, sweeps: [["value", -104, 89], ["steps", -104, 89]] },
  { name: "expm1", ref: Math.expm1, sweeps: [["value", -20, 89], ["steps", -20, 89]] },
  { name: "log", ref: Math.log, sweeps: [["value", 0, 100], ["steps", TINY, MAX]] },
  { name: "log1p", ref: Math.log1p, sweeps: [["value", -1, 100], ["steps", -1, MAX]] },
  { name: "tanh", ref: Math.tanh, sweeps: [["value", -10, 10], ["steps", -MAX, MAX]] },
  { name: "logistic", ref: (x) => 1 / (1 + Math.exp(-x)), sweeps: [["value", -110, 110], ["steps", -MAX, MAX]] },
  { name: "sin", ref: Math.sin, sweeps: [["value", -1e5, 1e5], ["steps", -1e5, 1e5]] },
  { name: "cos", ref: Math.cos, sweeps: [["value", -1e5, 1e5], ["steps", -1e5, 1e5]] },
  { name: "sin", ref: Math.sin, sweeps: [["value", -6.7e9, 6.7e9], ["steps", -6.7e9, 6.7e9]] },
  { name: "cos", ref: Math.cos, sweeps: [["value", -6.7e9, 6.7e9], ["steps", -6.7e9, 6.7e9]] },
];

function powSweeps(n) {
  const rnd = random(12345);
  const sets = [];
  const make = (label, gx, gy) => {
    const xs = new Float32Array(n), ys = new Float32Array(n);
    for (let i = 0; i < n; i++) { xs[i] = gx(i); ys[i] = gy(i); }
    sets.push({ label, xs, ys });
  };
  const steps = bySteps(TINY, MAX, n);
  make("x > 0 (every magnitude), y in [−4, 4]", (i) => steps[i], () => -4 + 8 * rnd());
  make("x in (0, 10], y in [−40, 40]", () => 10 * rnd(), () => -40 + 80 * rnd());
  make("x in [0.9, 1.1], y in [−1000, 1000]", () => 0.9 + 0.2 * rnd(), () => -1000 + 2000 * rnd());
  make("x in [−10, 0), integer y in [−40, 40]", () => -10 * rnd(), () => Math.round(-40 + 80 * rnd()));
  return sets;
}

// ---- measuring ---------------------------------------------------------------------------

function measure(name, ref, xs, ys) {
  const simd = run(`${name}_f32x4`, xs, ys), scalar = run(`${name}_f32`, xs, ys);
  let worst = 0, at = [NaN, NaN], mismatches = 0;
  for (let i = 0; i < xs.length; i++) {
    const s = scalar[i];
    if (!(Object.is(s, simd[i]) || (Number.isNaN(s) && Number.isNaN(simd[i])))) mismatches++;
    const e = ulps(s, Math.fround(ys ? ref(xs[i], ys[i]) : ref(xs[i])));
    if (e > worst) { worst = e; at = [xs[i], ys ? ys[i] : NaN]; }
  }
  return { worst, at, mismatches };
}

if (exhaustive) {
  console.log("| function | every f32 in | max ulp | worst at | SIMD ≠ scalar |");
  console.log("|---|---|---|---|---|");
  const seen = new Set();
  for (const f of unary) {
    if (seen.has(f.name) || (only && !only.includes(f.name))) continue;
    seen.add(f.name);
    const limit = f.name === "sin" || f.name === "cos" ? 6.7e9 : Infinity;
    const first = ordinal(-limit), last = ordinal(limit);
    const xs = new Float32Array(CHUNK);
    let worst = 0, at = NaN, mismatches = 0;
    for (let o = first; o <= last; o += CHUNK) {
      const n = Math.min(CHUNK, last - o + 1);
      for (let i = 0; i < n; i++) xs[i] = fromOrdinal(o + i);
      const r = measure(f.name, f.ref, n === CHUNK ? xs : xs.subarray(0, n));
      mismatches += r.mismatches;
      if (r.worst > worst) { worst = r.worst; at = r.at[0]; }
    }
    console.log(`| ${f.name} | [${fmt(-limit)}, ${fmt(limit)}] | ${worst} | x = ${at} | ${mismatches} |`);
  }
  process.exit(0);
}

const rows = [];
for (const f of unary) {
  let worst = 0, at = [NaN], mismatches = 0;
  const ranges = [];
  for (const [kind, lo, hi] of f.sweeps) {
    const xs = kind === "value" ? byValue(lo, hi, N) : bySteps(lo, hi, N);
    const r = measure(f.name, f.ref, xs);
    mismatches += r.mismatches;
    if (r.worst > worst) { worst = r.worst; at = r.at; }
    ranges.push(`[${fmt(lo)}, ${fmt(hi)}] by ${kind}`);
  }
  rows.push({ name: f.name, range: ranges.join("; "), worst, at: `x = ${at[0]}`, mismatches, note: f.note });
}
for (const { label, xs, ys } of powSweeps(N)) {
  const r = measure("pow", cPow, xs, ys);
  rows.push({ name: "pow", range: label, worst: r.worst, at: `x = ${r.at[0]}, y = ${r.at[1]}`, mismatches: r.mismatches });
}
{
  // fmod: random finite f32 bit patterns, all exponent differences
  const rnd = random(777), n = N, xs = new Float32Array(n), ys = new Float32Array(n);
  const anyFinite = () => { let v; do v = fromOrdinal(Math.floor((rnd() * 2 - 1) * 0x7f800000)); while (!Number.isFinite(v)); return v; };
  for (let i = 0; i < n; i++) { xs[i] = anyFinite(); ys[i] = i & 1 ? anyFinite() : xs[i] * (0.5 + rnd()) * 2 ** -Math.floor(20 * rnd()); }
  const out = run("fmod_f32", xs, ys);
  let worst = 0, at = "";
  for (let i = 0; i < n; i++) {
    const e = ulps(out[i], xs[i] % ys[i]);
    if (e > worst) { worst = e; at = `x = ${xs[i]}, y = ${ys[i]}`; }
  }
  rows.push({ name: "fmod (scalar only)", range: "random finite x, y; any exponent gap", worst, at, mismatches: 0 });
}

function fmt(v) {
  if (v === Infinity) return "∞";
  if (v === -Infinity) return "−∞";
  if (v === MAX) return "FLT_MAX";
  if (v === -MAX) return "−FLT_MAX";
  if (v === TINY) return "2^-149";
  return (Math.abs(v) >= 1e6 ? v.toExponential().replace("e+", "e") : String(v)).replace("-", "−");
}

console.log(`${N} points per sweep\n`);
console.log("| function | range tested | max ulp | worst at | SIMD ≠ scalar |");
console.log("|---|---|---|---|---|");
for (const r of rows) {
  console.log(`| ${r.name}${r.note ? ` (${r.note})` : ""} | ${r.range} | ${r.worst} | ${r.at} | ${r.mismatches} |`);
}

if (bench) {
  // Times per element, the fastest of several rounds (the machine may be busy), with the
  // same loop in plain JavaScript (Math.* into a Float32Array) as the baseline.
  const n = CHUNK, xs = byValue(-10, 10, n), pos = byValue(0.001, 10, n);
  const best = (go) => {
    for (let i = 0; i < 20; i++) go();
    let t = Infinity;
    for (let round = 0; round < 7; round++) {
      const reps = 30, t0 = process.hrtime.bigint();
      for (let i = 0; i < reps; i++) go();
      t = Math.min(t, Number(process.hrtime.bigint() - t0) / reps / n);
    }
    return t;
  };
  const refs = { ...Object.fromEntries(unary.map((f) => [f.name, f.ref])), pow: Math.pow };
  console.log("\n| function | SIMD ns/element | scalar ns/element | JS Math ns/element | JS / SIMD |");
  console.log("|---|---|---|---|---|");
  for (const name of ["exp", "expm1", "log", "log1p", "tanh", "logistic", "sin", "cos", "pow"]) {
    const input = name === "log" || name === "pow" ? pos : xs;
    const wasmTime = (fn) => {
      heap.set(input, IN);
      heap.set(xs, IN2);
      return best(() => (name === "pow" ? fn(IN * 4, IN2 * 4, OUT * 4, n) : fn(IN * 4, OUT * 4, n)));
    };
    const simd = wasmTime(wasm[`map_${name}_f32x4`]), scalar = wasmTime(wasm[`map_${name}_f32`]);
    const ref = refs[name], out = new Float32Array(n);
    const js = best(name === "pow"
      ? () => { for (let i = 0; i < n; i++) out[i] = ref(input[i], xs[i]); }
      : () => { for (let i = 0; i < n; i++) out[i] = ref(input[i]); });
    console.log(`| ${name} | ${simd.toFixed(2)} | ${scalar.toFixed(2)} | ${js.toFixed(2)} | ${(js / simd).toFixed(1)} |`);
  }
}
