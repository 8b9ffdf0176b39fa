// npm run bench — what wax buys, single thread, as ratios against baselines measured in
// the same run on the same inputs (results are checked equal before anything is timed).
// Absolute times are noisy; the ratios are the claims. `--quick` runs a short pass.

import { deviceCount, jit, lax, numpy as np, pmap, vmap, ShapeDtypeStruct } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { emitWasm } from "../compiler/backend/compile.js";
import { formatTime, time } from "./harness.js";

const quick = process.argv.includes("--quick");
const rows: string[][] = [];
const report = (workload: string, what: string, value: string, target: string, ok: boolean | null) =>
  rows.push([workload, what, value, target, ok === null ? "" : ok ? "yes" : "NO"]);

function check(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (!(Math.abs(g - w) <= tol * Math.max(1, Math.abs(w)))) {
      throw new Error(`${name}: result differs from the baseline at ${i}: ${g} vs ${w} (tolerance ${tol})`);
    }
  }
}

// W1 — the seed: jit(vmap(dot_product)) on two int32 [5,4] stacks, reading the result into JS.
{
  const a = np.stack(Array.from({ length: 5 }, () => np.array([1, 2, 3, 4])));
  const b = np.stack(Array.from({ length: 5 }, () => np.array([5, 6, 7, 8])));
  const dotProduct = (x: WaxArray, y: WaxArray) => np.dot(x, y);
  const eager = vmap(dotProduct, [0, 0], 0);
  const jitted = jit(eager);
  const ad = a.data() as Int32Array, bd = b.data() as Int32Array;
  const plain = () => {
    const out = new Int32Array(5);
    for (let i = 0; i < 5; i++) {
      let s = 0;
      for (let j = 0; j < 4; j++) s += ad[i * 4 + j]! * bd[i * 4 + j]!;
      out[i] = s;
    }
    return out;
  };
  check("seed", (jitted(a, b) as WaxArray).data(), plain(), 0);
  check("seed eager", (eager(a, b) as WaxArray).data(), plain(), 0);
  const tJit = time(() => (jitted(a, b) as WaxArray).data()).median;
  const tEager = time(() => (eager(a, b) as WaxArray).data()).median;
  const tPlain = time(plain).median;
  report("W1 seed jit(vmap(dot)) i32[5,4]", "steady call + data()", formatTime(tJit), "< 1 µs", tJit < 1);
  report("", "eager vmap(dot)", formatTime(tEager), "", null);
  report("", "plain JS loop", formatTime(tPlain), "", null);
}

// W4 — tanh(x * w + x) * 0.5 over 1e7 float32 elements.
{
  const n = quick ? 1e6 : 1e7;
  const xs = new Float32Array(n), ws = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = Math.sin(i) * 3;
    ws[i] = Math.cos(i * 0.7);
  }
  const x = np.array(xs), w = np.array(ws);
  const f = jit((x: WaxArray, w: WaxArray) => np.tanh(x.mul(w).add(x)).mul(0.5));
  const out = new Float32Array(n);
  const plain = () => {
    for (let i = 0; i < n; i++) out[i] = Math.tanh(xs[i]! * ws[i]! + xs[i]!) * 0.5;
  };
  plain();
  const r = f(x, w) as WaxArray;
  check("tanh", r.view(), out, 1e-5);
  r.dispose();
  const tWax = time(() => (f(x, w) as WaxArray).dispose(), { repeats: 5, targetMs: 100 }).median;
  const tPlain = time(plain, { repeats: 3, targetMs: 100 }).median;
  report(`W4 tanh(x*w+x)*0.5, ${n} f32`, "wax jit", formatTime(tWax), "", null);
  report("", "plain JS loop", formatTime(tPlain), "", null);
  report("", "speed-up over plain JS", `${(tPlain / tWax).toFixed(1)}×`, "≥ 8×", tPlain / tWax >= 8);
}

// W7 — sum of 1e7 float32, against the machine's memory bandwidth measured now.
{
  const n = quick ? 1e6 : 1e7;
  const xs = new Float32Array(n);
  for (let i = 0; i < n; i++) xs[i] = (i % 1000) * 0.001;
  const x = np.array(xs);
  const f = jit((x: WaxArray) => np.sum(x));
  let exact = 0;
  for (let i = 0; i < n; i++) exact += xs[i]!;
  check("sum", [(f(x) as WaxArray).item() as number], [exact], 1e-5);
  const tWax = time(() => f(x), { repeats: 7, targetMs: 50 }).median;
  const naive = () => {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[i]!;
    return s;
  };
  const tNaive = time(naive, { repeats: 5, targetMs: 50 }).median;
  // Bandwidth bound: a copy reads and writes n floats; reading alone takes about half of it.
  const dst = new Float32Array(n);
  const tCopy = time(() => dst.set(xs), { repeats: 7, targetMs: 50 }).median;
  const bound = tCopy / 2;
  report(`W7 sum, ${n} f32`, "wax jit", formatTime(tWax), "", null);
  report("", "naive JS loop", formatTime(tNaive), "", null);
  report("", "bandwidth bound (½ memcpy)", formatTime(bound), "", null);
  report("", "wax / bound", `${(tWax / bound).toFixed(2)}×`, "≤ 1.5×", tWax / bound <= 1.5);
}

// W3 — matmul, GFLOP/s.
for (const n of quick ? [256] : [256, 512, 1024]) {
  const A = new Float32Array(n * n).map((_, i) => ((i * 7) % 13) / 13 - 0.5);
  const B = new Float32Array(n * n).map((_, i) => ((i * 5) % 11) / 11 - 0.5);
  const a = np.array(A, { shape: [n, n] }), b = np.array(B, { shape: [n, n] });
  const f = jit((a: WaxArray, b: WaxArray) => np.matmul(a, b));
  const r = f(a, b) as WaxArray;
  // Check a few entries against a float64 dot product.
  const got = r.view();
  for (const [i, j] of [[0, 0], [n - 1, n - 1], [n >> 1, 3]] as const) {
    let s = 0;
    for (let k = 0; k < n; k++) s += A[i * n + k]! * B[k * n + j]!;
    check(`matmul ${n}`, [got[i * n + j]!], [s], 1e-4);
  }
  r.dispose();
  const t = time(() => (f(a, b) as WaxArray).dispose(), { repeats: 5, targetMs: 200 }).median;
  const gflops = (2 * n ** 3) / t / 1e3;
  report(`W3 matmul ${n}×${n} f32`, "wax jit", `${gflops.toFixed(1)} GFLOP/s`, n === 1024 ? "≥ 25 GFLOP/s" : "", n === 1024 ? gflops >= 25 : null);
}

// W8 — pmap scaling: a compute-bound function over 1 device and over 2 (or all) devices.
{
  const devicesUsed = Math.min(deviceCount(), Number(process.env.WAX_BENCH_DEVICES ?? 2));
  const total = quick ? 1 << 18 : 1 << 21;
  const body = (v: WaxArray) => {
    let y = v;
    for (let i = 0; i < 4; i++) y = np.tanh(np.sin(y).mul(1.5).add(y.mul(0.5)));
    return lax.psum(y.sum(), "i").add(y);
  };
  const xs = new Float32Array(total).map((_, i) => Math.sin(i) * 2);
  const one = np.array(xs, { shape: [1, total] });
  const many = np.array(xs, { shape: [devicesUsed, total / devicesUsed] });
  const f = pmap(body, "i");
  // psum of the per-device sums is the total either way, so the results must agree.
  check("pmap", (f(many) as WaxArray).reshape(-1).view(), (f(one) as WaxArray).reshape(-1).view(), 1e-4);
  const t1 = time(() => (f(one) as WaxArray).dispose(), { repeats: 5, targetMs: 200 }).median;
  const tn = time(() => (f(many) as WaxArray).dispose(), { repeats: 5, targetMs: 200 }).median;
  report(`W8 pmap, ${total} f32, 4×(tanh∘sin)`, "1 device", formatTime(t1), "", null);
  report("", `${devicesUsed} devices`, formatTime(tn), "", null);
  report("", "speed-up", `${(t1 / tn).toFixed(2)}×`, devicesUsed === 2 ? "≥ 1.8×" : "", devicesUsed === 2 ? t1 / tn >= 1.8 : null);
}

// W9 — compiling a ten-primitive function once Binaryen is loaded.
{
  const spec = new ShapeDtypeStruct([256], "float32");
  const ten = (x: WaxArray, y: WaxArray) => np.maximum(x.mul(y).add(1.5).sub(y).div(2.5).mul(x), 0).add(np.sum(y)).neg().abs();
  emitWasm(jit(ten).lower(spec, spec).program()); // load Binaryen and warm the worker
  const times = { trace: 0, lower: 0, emit: 0, instantiate: 0 };
  const reps = quick ? 5 : 20;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const lowered = jit(ten).lower(spec, spec);
    const t1 = performance.now();
    const program = lowered.program();
    const t2 = performance.now();
    const { bytes } = emitWasm(program);
    const t3 = performance.now();
    new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), {
      env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true }) },
    });
    const t4 = performance.now();
    times.trace += t1 - t0;
    times.lower += t2 - t1;
    times.emit += t3 - t2;
    times.instantiate += t4 - t3;
  }
  const total = (times.trace + times.lower + times.emit + times.instantiate) / reps;
  report("W9 compile a 10-primitive function", "trace + lower + Binaryen + instantiate", `${total.toFixed(2)} ms`, "< 5 ms", total < 5);
  report("", "  of which", `trace ${(times.trace / reps).toFixed(2)}, lower ${(times.lower / reps).toFixed(2)}, Binaryen ${(times.emit / reps).toFixed(2)}, instantiate ${(times.instantiate / reps).toFixed(2)} ms`, "", null);
}

const widths = [0, 1, 2, 3, 4].map((c) => Math.max(...rows.map((r) => r[c]!.length), 6));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ");
console.log(line(["workload", "measure", "value", "target", "met"]));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const r of rows) console.log(line(r));
console.log(`\nnode ${process.version}, ${new Date().toISOString().slice(0, 10)}${quick ? ", --quick" : ""}`);
