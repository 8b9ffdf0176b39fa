// The direct wasm encoder (compiler/backend/encoder.ts), which emits every jit and eager
// module: Binaryen's validator accepts every module it emits for a broad set of programs
// (the seeded random programs of the npm test slice, run eagerly and under jit, plus dots
// of every strategy, pmap barriers and argmax), with and without SIMD and relaxed SIMD;
// its integer and float encodings round-trip; and the jit path never loads Binaryen.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import binaryen from "binaryen";
import { jit, lax, numpy as np, pmap, deviceCount } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { binaryenValidate } from "../compiler/backend/binaryen.js";
import { T } from "../compiler/backend/builder.js";
import { observeEmitted } from "../compiler/backend/compile.js";
import { encodeEntries, type EntryProgram } from "../compiler/backend/emit.js";
import { ModuleBuilder, encodeModule } from "../compiler/backend/encoder.js";
import { checkProgram, generateProgram } from "./fuzz/index.js";

const modules: { bytes: Uint8Array; entries: EntryProgram[] }[] = [];

function collect(f: () => void): void {
  const stop = observeEmitted((bytes, entries) => modules.push({ bytes, entries }));
  try {
    f();
  } finally {
    stop();
  }
}

function assertValid(bytes: Uint8Array, what: string): void {
  assert.ok(WebAssembly.validate(bytes as BufferSource), `${what}: the engine rejects it`);
  const msg = binaryenValidate(binaryen, bytes);
  assert.is(msg, undefined, `${what}: Binaryen's validator rejects it`);
}

test("Binaryen validates every module the encoder emits for random programs (eager and jit), dots, argmax and pmap", () => {
  collect(() => {
    for (let seed = 1; seed <= 100; seed++) {
      const { program, infos } = generateProgram(seed);
      const failure = checkProgram(program, infos);
      assert.is(failure, null, `seed ${seed}: ${failure?.message}`);
    }
    // Dots of each strategy: n-vectorised (with and without packing), k-vectorised, scalar.
    const f32 = (shape: number[]) => np.arange(shape.reduce((a, b) => a * b, 1)).astype("float32").reshape(...shape).div(7);
    const i32 = (shape: number[]) => np.arange(shape.reduce((a, b) => a * b, 1)).reshape(...shape);
    jit((a: WaxArray, b: WaxArray) => np.matmul(a, b))(f32([13, 40]), f32([40, 29])).data();
    jit((a: WaxArray, b: WaxArray) => np.matmul(a, b))(f32([7, 600]), f32([600, 16])).data();
    jit((a: WaxArray, b: WaxArray) => np.matmul(a, b.T))(f32([5, 9]), f32([3, 9])).data();
    jit((a: WaxArray, b: WaxArray) => np.matmul(a.T, b))(i32([3, 2]), i32([3, 3])).data();
    jit((a: WaxArray) => [np.argmax(a, 1), np.argmin(a, 0), lax.dynamicSlice(a, [np.array(1), np.array(2)], [2, 2])])(f32([4, 6]));
    const n = Math.min(deviceCount(), 2);
    pmap((v: WaxArray) => lax.psum(v, "i"), "i")(f32([n, 5])).data();
  });
  assert.ok(modules.length > 200, `only ${modules.length} modules`);
  const seen = new Set<string>();
  for (const [i, { bytes, entries }] of modules.entries()) {
    const key = Array.from(bytes).join();
    if (seen.has(key)) continue;
    seen.add(key);
    assertValid(bytes, `module ${i}`);
    // The same programs without SIMD, and with relaxed SIMD's fused multiply-add.
    assertValid(encodeEntries(entries, { simd: false }), `module ${i} without SIMD`);
    assertValid(encodeEntries(entries, { relaxedSimd: true }), `module ${i} with relaxed SIMD`);
  }
});

test("inlined math library functions compute bit for bit what math.wasm computes (SIMD lanes and scalar tail)", () => {
  const lib = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL("../wasm/math.wasm", import.meta.url)))).exports as Record<string, (...a: number[]) => number>;
  const xs = new Float32Array([-88.5, -20, -3.25, -1, -0.5, -1e-3, 0, 1e-7, 0.3, 0.999, 1, 2.5, 10, 40, 89, NaN, Infinity, -Infinity, 1e30, -0, 0.75]); // 21: 5 vectors and a scalar tail
  const ys = new Float32Array(xs.length).map((_, i) => [2, -0.5, 3, 0, 1.5][i % 5]!);
  const x = np.array(xs), y = np.array(ys);
  const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
  const unary: [string, (v: WaxArray) => WaxArray][] = [
    ["exp", np.exp], ["log", np.log], ["log1p", np.log1p], ["expm1", np.expm1], ["tanh", np.tanh],
    ["logistic", lax.logistic], ["sin", np.sin], ["cos", np.cos],
  ];
  for (const [name, f] of unary) {
    const got = jit(f)(x).data();
    xs.forEach((v, i) => assert.ok(same(got[i]!, lib[`${name}_f32`]!(v)), `${name}(${v}): ${got[i]} vs ${lib[`${name}_f32`]!(v)}`));
  }
  const pw = jit((a: WaxArray, b: WaxArray) => [lax.pow(a, b), lax.rem(a, b)])(x, y) as WaxArray[];
  const [p, r] = pw.map((a) => a.data());
  xs.forEach((v, i) => {
    assert.ok(same(p![i]!, lib.pow_f32!(v, ys[i]!)), `pow(${v}, ${ys[i]})`);
    assert.ok(same(r![i]!, lib.fmod_f32!(v, ys[i]!)), `fmod(${v}, ${ys[i]})`);
  });
});

test("constants and memory offsets encode exactly (LEB128 edges, float specials)", () => {
  const m = new ModuleBuilder();
  const ints = [0, 1, -1, 63, 64, -64, -65, 127, 128, 8191, -8192, 2 ** 31 - 1, -(2 ** 31)];
  const floats = [0, -0, 1.5, -Infinity, Infinity, 3.4028234663852886e38, 1e-45];
  // f(i): the i-th integer constant; k(i): the i-th float constant; g(p): loads at large offsets from p.
  const pick = (consts: number[], make: (v: number) => ReturnType<typeof m.i32.const>, zero: ReturnType<typeof m.i32.const>) =>
    consts.reduce((acc, v, i) => m.select(m.i32.eq(m.local.get(0, T.i32), m.i32.const(i)), make(v), acc), zero);
  m.addFunction("f", [T.i32], [T.i32], [], pick(ints, (v) => m.i32.const(v), m.i32.const(0)));
  m.addFunction("k", [T.i32], [T.f32], [], pick(floats, (v) => m.f32.const(v), m.f32.const(NaN)));
  m.addFunction("g", [T.i32], [T.i32], [], m.i32.add(m.i32.load(70000, 4, m.local.get(0, T.i32)), m.i32.load8_u(129, 1, m.local.get(0, T.i32))));
  m.addFunction("h", [T.f32], [T.f32], [], m.f32.add(m.local.get(0, T.f32), m.f32.const(0.1)));
  m.addFunctionExport("f", "f");
  m.addFunctionExport("k", "k");
  m.addFunctionExport("g", "g");
  m.addFunctionExport("h", "h");
  const bytes = encodeModule(m);
  assertValid(bytes, "the hand-built module");
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true });
  const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), { env: { memory } }).exports as Record<string, (x: number) => number>;
  ints.forEach((v, i) => assert.is(ex.f!(i), v, `i32.const ${v}`));
  floats.forEach((v, i) => assert.ok(Object.is(ex.k!(i), Math.fround(v)), `f32.const ${v}`));
  assert.ok(Number.isNaN(ex.k!(99)));
  new DataView(memory.buffer).setInt32(8 + 70000, 123456, true);
  new Uint8Array(memory.buffer)[8 + 129] = 200;
  assert.is(ex.g!(8), 123456 + 200);
  assert.is(ex.h!(0.25), Math.fround(Math.fround(0.25) + Math.fround(0.1)));
});

test("a fresh process runs eager ops and jit without loading Binaryen or starting a worker", () => {
  const script = `
    import { createRequire } from "node:module";
    const wax = await import(${JSON.stringify(new URL("../compiler/index.js", import.meta.url).href)});
    const { numpy: np, jit, vmap } = wax;
    const a = np.array([[1, 2, 3, 4], [5, 6, 7, 8]], { dtype: "int32" });
    const out = [np.add(a, a).toList(), jit(vmap((x, y) => np.dot(x, y)))(a, a).toList(), np.exp(np.zeros([3])).toList()];
    const cache = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify({ out, loaded: cache.filter((k) => /binaryen|synckit/.test(k)) }));
  `;
  const res = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  assert.is(res.status, 0, res.stderr);
  const r = JSON.parse(res.stdout);
  assert.equal(r.out, [[[2, 4, 6, 8], [10, 12, 14, 16]], [30, 174], [1, 1, 1]]);
  assert.equal(r.loaded, []);
});

test.run();
