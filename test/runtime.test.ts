// wax/runtime: loading standalone modules (bytes, Module, path, file URL), calling their
// entries with every argument form, validation errors, zero-copy arrays, consts, and the
// minified bundle. Results are compared with the reference interpreter.

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { jit, numpy as np, ShapeDtypeStruct, withEagerBackend } from "../compiler/index.js";
import type { Array as WaxArray, DType } from "../compiler/index.js";
import { buildModule } from "../compiler/aot/module.js";
import {
  ABI_VERSION, allocArray, loadModule, ManifestError, MANIFEST_SECTION, SharedArray, WaxMemory, WaxModule, waxMemory,
  manifestDigest,
  type Manifest, type WaxResult,
} from "../runtime/index.js";
import { readLayout } from "../runtime/wasm-binary.js";
import { expectClose } from "./util.js";

// ---- the functions compiled into the test module ----

const W = np.array([[0.5, -1, 2, 0.25], [1.5, 0.75, -0.5, 1]]); // [2, 4], closed over: a const
const B = np.array([0.125, -0.25]);

const affine = (x: WaxArray): WaxArray => np.tanh(np.matmul(x, W.T).add(B)); // f32[3,4] -> f32[3,2]
const intOps = (a: WaxArray, b: WaxArray): WaxArray[] => [a.mul(b).add(3), np.sum(a)]; // i32[5] x2 -> i32[5], i32[]
const masked = (m: WaxArray, x: WaxArray): WaxArray[] => [np.where(m, x, x.neg()), np.logicalNot(m), np.greater(x, 0)];
const square = (s: WaxArray): WaxArray => s.mul(s); // f32[] -> f32[]
const affineSum = (x: WaxArray): WaxArray => np.sum(affine(x), 0); // the same consts as affine

const S = (shape: number[], dtype: DType = "float32") => new ShapeDtypeStruct(shape, dtype);
const built = buildModule([
  { name: "affine", lowered: jit(affine).lower(S([3, 4])) },
  { name: "intOps", lowered: jit(intOps).lower(S([5], "int32"), S([5], "int32")) },
  { name: "masked", lowered: jit(masked).lower(S([4], "bool"), S([4])) },
  { name: "square", lowered: jit(square).lower(S([])) },
  { name: "affineSum", lowered: jit(affineSum).lower(S([3, 4])) },
]);
const bytes = built.bytes;

const dir = mkdtempSync(join(tmpdir(), "wax-runtime-"));
const wasmPath = join(dir, "model.wasm");
writeFileSync(wasmPath, bytes);

const X = [[1, 2, 3, 4], [-1, 0.5, 0, 2], [0.25, -3, 1, 1]];
const A = [1, -2, 3, 40, 5], Bi = [2, 2, -7, 1, 0];
const M = [true, false, true, false], XM = [1.5, -2, 0, 4];

/** The reference interpreter's results, as lists. */
function reference(fn: (...a: WaxArray[]) => WaxArray | WaxArray[], ...args: WaxArray[]): unknown[] {
  const out = withEagerBackend("reference", () => fn(...args));
  return (Array.isArray(out) ? out : [out]).map((o) => o.toList());
}

/** A result as nested lists (booleans for bool), to compare with Array.toList(). */
function toList(r: WaxResult): unknown {
  const flat = Array.from(r.data as ArrayLike<number>, (v) => (r.dtype === "bool" ? v !== 0 : v));
  const build = (dim: number, offset: number): unknown => {
    if (dim === r.shape.length) return flat[offset];
    const stride = r.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: r.shape[dim]! }, (_, i) => build(dim + 1, offset + i * stride));
  };
  return build(0, 0);
}

async function rejects(p: Promise<unknown>, pattern: RegExp, type: new (...a: never[]) => Error = ManifestError): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof type, `expected ${type.name}, got ${(e as Error).name}: ${(e as Error).message}`);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a rejection matching ${pattern}`);
}

function throws(fn: () => unknown, pattern: RegExp, type: new (...a: never[]) => Error = TypeError): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof type, `expected ${type.name}, got ${(e as Error).name}: ${(e as Error).message}`);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected an error matching ${pattern}`);
}

// ---- wasm binary surgery, for modules with broken manifests ----

const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const utf8 = (s: string) => [...new TextEncoder().encode(s)];
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
const customSection = (name: string, body: number[]) => section(0, [...leb(utf8(name).length), ...utf8(name), ...body]);
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/**
 * `wasm` with its manifest replaced by `edit(manifest)`; with `rebind`, the edited
 * manifest gets the digest that binds it to the code again (the digest is a check, not a signature).
 */
function withManifest(wasm: Uint8Array, edit: (m: Manifest) => unknown, rebind = false): Uint8Array {
  const out: number[] = [...HEADER];
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at]!;
    let size = 0, shift = 0, p = at + 1;
    for (;;) {
      const b = wasm[p++]!;
      size |= (b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    const body = wasm.subarray(p, p + size);
    const nameLen = body[0]!; // names here are shorter than 128 bytes
    const name = id === 0 ? new TextDecoder().decode(body.subarray(1, 1 + nameLen)) : "";
    if (name === MANIFEST_SECTION) {
      const m = JSON.parse(new TextDecoder().decode(body.subarray(1 + nameLen))) as Manifest;
      let edited = edit(m) as Manifest;
      if (rebind) edited = { ...edited, codeDigest: manifestDigest(codeOf(wasm), edited) };
      out.push(...customSection(MANIFEST_SECTION, utf8(JSON.stringify(edited))));
    } else out.push(...wasm.subarray(at, p + size));
    at = p + size;
  }
  return new Uint8Array(out);
}

/** The code section's payload. */
const codeOf = (wasm: Uint8Array) => readLayout(wasm).code;

// ---- loading ----

test("loadModule from bytes, an ArrayBuffer, a WebAssembly.Module, a path and a file URL", async () => {
  const copy = bytes.slice();
  const sources = [
    bytes,
    copy.buffer,
    new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>),
    wasmPath,
    pathToFileURL(wasmPath),
    pathToFileURL(wasmPath).href,
  ];
  const want = reference(affine, np.array(X));
  for (const src of sources) {
    const mod = await loadModule(src);
    assert.equal(mod.entries, ["affine", "intOps", "masked", "square", "affineSum"]);
    assert.is(mod.manifest.abi, ABI_VERSION);
    assert.equal(mod.spec("affine").inputs, [{ shape: [3, 4], dtype: "float32" }]);
    const r = mod.affine(X) as WaxResult;
    assert.equal(r.shape, [3, 2]);
    assert.is(r.dtype, "float32");
    assert.instance(r.data, Float32Array);
    expectClose(toList(r), want[0], 1e-5);
    mod.dispose();
  }
  const named = await loadModule(bytes, { name: "my-model" });
  assert.is(named.name, "my-model");
  assert.is((await loadModule(wasmPath)).name, wasmPath);
});

test("float32, int32 and bool entries, with one and several outputs, equal the reference interpreter", async () => {
  const mod = await loadModule(bytes);
  const f = mod.affine(new Float32Array(X.flat())) as WaxResult;
  expectClose(toList(f), reference(affine, np.array(X))[0], 1e-5);

  const ints = mod.intOps(new Int32Array(A), new Int32Array(Bi)) as WaxResult[];
  const wantInts = reference(intOps, np.array(A, { dtype: "int32" }), np.array(Bi, { dtype: "int32" }));
  assert.equal(ints.map((r) => r.dtype), ["int32", "int32"]);
  assert.equal(ints.map((r) => r.shape), [[5], []]);
  assert.instance(ints[0]!.data, Int32Array);
  assert.equal(ints.map(toList), wantInts);

  const bools = mod.masked(new Uint8Array(M.map(Number)), new Float32Array(XM)) as WaxResult[];
  const wantBools = reference(masked, np.array(M), np.array(XM));
  assert.equal(bools.map((r) => r.dtype), ["float32", "bool", "bool"]);
  assert.instance(bools[1]!.data, Uint8Array);
  assert.equal(bools.map(toList), wantBools);

  const sq = mod.square(3) as WaxResult;
  assert.equal(sq.shape, []);
  assert.is(sq.data[0], 9);
  // Results are copies: the next call does not overwrite them.
  const first = mod.affine(X) as WaxResult;
  const before = Array.from(first.data);
  mod.affine(X.map((row) => row.map((v) => -v)));
  assert.equal(Array.from(first.data), before);
});

test("arguments: flat typed arrays, {data, shape}, nested arrays, numbers and booleans, through call() too", async () => {
  const mod = await loadModule(bytes);
  const want = reference(masked, np.array(M), np.array(XM));
  const forms: unknown[][] = [
    [new Uint8Array([1, 0, 1, 0]), new Float32Array(XM)],
    [{ data: new Uint8Array([1, 0, 1, 0]), shape: [4] }, { data: new Float32Array(XM), shape: [4] }],
    [M, XM],
    [[1, 0, 1, 0], { data: XM, shape: [4] }],
  ];
  for (const args of forms) assert.equal((mod.call("masked", ...(args as never[])) as WaxResult[]).map(toList), want);
  assert.is((mod.call("square", { data: new Float32Array([-2]), shape: [] }) as WaxResult).data[0], 4);
  throws(() => mod.square([]), /square argument 0: expected float32\[\], got float32\[0\] \(a nested JS array\)/);
});

test("loadModule fetches http URLs in Node too, and names the URL when the fetch fails", async () => {
  const server = createServer((req, res) => {
    if (req.url === "/model.wasm") res.writeHead(200, { "Content-Type": "application/wasm" }).end(bytes);
    else res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const mod = await loadModule(new URL(`${base}/model.wasm`));
    assert.is(mod.name, `${base}/model.wasm`);
    expectClose(toList(mod.affine(X) as WaxResult), reference(affine, np.array(X))[0], 1e-5);
    mod.dispose();
    assert.equal((await loadModule(`${base}/model.wasm`)).entries, built.manifest.entries.map((e) => e.name));
    await rejects(loadModule(`${base}/nope.wasm`), /^http:\/\/127\.0\.0\.1:\d+\/nope\.wasm: HTTP 404/, Error);
  } finally {
    server.close();
  }
});

test("an entry named like a module member is called through call()", async () => {
  const clash = buildModule([{ name: "alloc", lowered: jit(square).lower(S([])) }]).bytes;
  const mod = await loadModule(clash, { memory: new WaxMemory(1) });
  assert.equal(mod.entries, ["alloc"]);
  assert.instance(mod.alloc("int32", [2]), SharedArray, "the member wins");
  assert.is((mod.call("alloc", 1.5) as WaxResult).data[0], 2.25);
});

test("an entry named then: the module is no thenable, so await loadModule resolves to it; call() reaches the entry", async () => {
  const thenable = buildModule([{ name: "then", lowered: jit(square).lower(S([])) }]).bytes;
  const mod = await loadModule(thenable, { memory: new WaxMemory(1) });
  assert.instance(mod, WaxModule);
  assert.equal(mod.entries, ["then"]);
  assert.is((mod as unknown as { then?: unknown }).then, undefined);
  assert.is((mod.call("then", 3) as WaxResult).data[0], 9);
});

// ---- validation ----

test("argument errors name the module, the entry, the argument, and both shapes and dtypes", async () => {
  const mod = await loadModule(bytes, { name: "m.wasm" });
  throws(() => mod.affine(), /^m\.wasm: affine takes 1 argument \(float32\[3,4\]\), got 0$/);
  throws(() => mod.intOps(new Int32Array(5)), /intOps takes 2 arguments \(int32\[5\], int32\[5\]\), got 1/);
  throws(() => mod.affine(new Float32Array(11)), /^m\.wasm: affine argument 0: expected float32\[3,4\], got float32\[11\] \(a flat Float32Array of 11 elements\)$/);
  throws(() => mod.affine(new Int32Array(12)), /affine argument 0: expected float32\[3,4\], got int32\[12\] .*; pass a Float32Array/);
  throws(() => mod.affine(new Float64Array(12) as never), /affine argument 0: expected float32\[3,4\], got a Float64Array of 12 elements; pass a Float32Array/);
  throws(() => mod.affine({ data: new Float32Array(12), shape: [4, 3] }), /affine argument 0: expected float32\[3,4\], got float32\[4,3\]$/);
  throws(() => mod.affine({ data: new Float32Array(10), shape: [3, 4] }), /expected float32\[3,4\], got float32\[3,4\] with 10 data elements/);
  throws(() => mod.affine({ data: new Int32Array(12), shape: [3, 4] }), /expected float32\[3,4\], got int32 data with shape \[3,4\]; pass a Float32Array/);
  throws(() => mod.affine([[1, 2, 3, 4]]), /affine argument 0: expected float32\[3,4\], got float32\[1,4\] \(a nested JS array\)/);
  throws(() => mod.affine([[1, 2, 3, 4], [1, 2], [1, 2, 3, 4]]), /affine argument 0: the nested array is ragged/);
  throws(() => mod.affine("x" as never), /affine argument 0: expected float32\[3,4\], got string x/);
  throws(() => mod.intOps([1, 2, 3, 4, 5], [1, 2, 3.5, 4, 5]), /intOps argument 1: expected int32\[5\], got 3\.5 at flat index 2, which is not a int32 value/);
  throws(() => mod.masked([1, 2, 0, 1], XM), /masked argument 0: expected bool\[4\], got 2 at flat index 1/);
  throws(() => mod.masked(new Uint8Array(4), new Float32Array(XM), 1), /masked takes 2 arguments/);
  throws(() => mod.square([1]), /square argument 0: expected float32\[\], got float32\[1\]/);
  throws(() => mod.call("nope"), /^m\.wasm has no entry "nope" \(entries: affine, intOps, masked, square, affineSum\)$/);
  const x = allocArray("float32", [4, 3]);
  throws(() => mod.affine(x), /affine argument 0: expected float32\[3,4\], got SharedArray float32\[4,3\]/);
  x.dispose();
  const y = allocArray("float32", [3, 4]);
  y.dispose();
  throws(() => mod.affine(y), /SharedArray float32\[3,4\] has been disposed/, ReferenceError);
  const other = new WaxMemory(1);
  throws(() => mod.affine(allocArray("float32", [3, 4], other)), /affine argument 0: the SharedArray lives in another memory/);
  mod.dispose();
  throws(() => mod.affine(X), /m\.wasm has been disposed/, ReferenceError);
});

test("load errors: not wasm, no manifest, another ABI version, a manifest that does not match the module", async () => {
  const bad = join(dir, "x.wasm");
  writeFileSync(bad, "this is not wasm");
  await rejects(loadModule(bad), new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is not a WebAssembly module: `));
  await rejects(loadModule(new Uint8Array([1, 2, 3])), /^module is not a WebAssembly module: /);
  await rejects(loadModule(new Uint8Array([...HEADER, 0x01, 0x05, 0xff])), /^module could not be compiled by this engine \(wax modules need WebAssembly SIMD and threads\): /);
  await rejects(loadModule(join(dir, "missing.wasm")), /missing\.wasm/, Error);

  const empty = join(dir, "empty.wasm");
  writeFileSync(empty, new Uint8Array(HEADER));
  await rejects(loadModule(empty), /empty\.wasm: not a wax module \(it has no wax\.manifest custom section\)/);

  const abi2 = withManifest(bytes, (m) => ({ ...m, abi: 2 }));
  await rejects(loadModule(abi2, { name: "v2.wasm" }), /^v2\.wasm: manifest ABI version 2 is not supported \(this runtime reads version 1\)$/);
  await rejects(loadModule(withManifest(bytes, () => [1, 2])), /module: manifest ABI version undefined/);
  const junk = new Uint8Array([...HEADER, ...customSection(MANIFEST_SECTION, utf8("{nope"))]);
  await rejects(loadModule(junk, { name: "j.wasm" }), /^j\.wasm: the wax\.manifest section is not valid JSON/);

  const renamed = withManifest(bytes, (m) => ({ ...m, entries: m.entries.map((e) => (e.name === "square" ? { ...e, name: "cube" } : e)) }));
  await rejects(loadModule(renamed, { name: "r.wasm" }), /^r\.wasm: the manifest names entry cube, which the module does not export$/);
  const extraInput = withManifest(bytes, (m) => ({ ...m, entries: m.entries.map((e) => ({ ...e, inputs: [...e.inputs, e.inputs[0]] })) }));
  const nConsts = built.manifest.entries[0]!.consts.length, arity = 3 + nConsts;
  await rejects(
    loadModule(extraInput, { name: "a.wasm" }),
    new RegExp(
      `^a\\.wasm: the manifest does not match the exports: affine takes ${arity} parameters, ` +
        `the manifest describes ${arity + 1} \\(2 inputs, 1 output, scratch, ${nConsts} const${nConsts === 1 ? "" : "s"}\\)$`,
    ),
  );
  const badShape = withManifest(bytes, (m) => ({ ...m, entries: [{ ...m.entries[0], inputs: [{ shape: [-1], dtype: "float32" }] }] }));
  await rejects(loadModule(badShape, { name: "s.wasm" }), /^s\.wasm: entry affine input 0: expected \{shape: non-negative integers/);
  const shortConst = withManifest(bytes, (m) => ({
    ...m,
    entries: m.entries.map((e) => ({ ...e, consts: e.consts.map((c) => ({ ...c, data: "AAAA" })) })),
  }));
  await rejects(loadModule(shortConst, { name: "c.wasm" }), /^c\.wasm: entry affine const 0 \(float32\[\d+(,\d+)*\]\) has 3 bytes of data, not \d+$/);
  const notBase64 = withManifest(bytes, (m) => ({
    ...m,
    entries: m.entries.map((e) => ({ ...e, consts: e.consts.map((c) => ({ ...c, data: "*not base64*" })) })),
  }));
  await rejects(loadModule(notBase64, { name: "b.wasm" }), /^b\.wasm: entry affine const 0: data must be a base64 string, got "\*not base64\*"$/);
  const nullEntry = withManifest(bytes, (m) => ({ ...m, entries: [null, ...m.entries] }));
  await rejects(loadModule(nullEntry, { name: "n.wasm" }), /^n\.wasm: malformed entry 0: expected \{name, inputs, outputs, scratchBytes, consts\}, got null$/);
  const constsNotList = withManifest(bytes, (m) => ({ ...m, entries: [{ ...m.entries[0], consts: 3 }] }));
  await rejects(loadModule(constsNotList, { name: "k.wasm" }), /^k\.wasm: entry affine has a consts field that is not a list$/);

  // A module importing something besides env.memory.
  const importsFn = new Uint8Array([
    ...HEADER,
    ...section(1, [1, 0x60, 0, 0]), // one type: () -> ()
    ...section(2, [1, ...leb(3), ...utf8("env"), ...leb(3), ...utf8("foo"), 0x00, 0]), // import env.foo: func type 0
    ...customSection(MANIFEST_SECTION, utf8(JSON.stringify({ abi: 1, generator: "test", features: [], entries: [] }))),
  ]);
  await rejects(loadModule(importsFn, { name: "i.wasm" }), /^i\.wasm: imports env\.foo \(function\); a wax module imports only the memory env\.memory$/);
});

// ---- zero copy, consts, memory ----

test("zero copy: SharedArrays in and out, outputs reused across calls, nothing allocated per call", async () => {
  const memory = new WaxMemory(1);
  const mod = await loadModule(bytes, { memory });
  assert.is(mod.memory, memory);
  const x = mod.alloc("float32", [3, 4]);
  assert.instance(x, SharedArray);
  assert.is(x.ptr % 16, 0);
  assert.instance(x.data, Float32Array);
  assert.instance(x.data.buffer, SharedArrayBuffer, "a view into the shared memory");
  x.data.set(X.flat());
  const [out] = mod.run("affine", [x]);
  assert.equal(out!.shape, [3, 2]);
  expectClose(toList(out!.toResult()), reference(affine, np.array(X))[0], 1e-5);

  // Mixed: one SharedArray and one copied argument; preallocated outputs of two dtypes.
  const m = mod.alloc("bool", [4]);
  m.data.set(M.map(Number));
  const outs = [mod.alloc("float32", [4]), mod.alloc("bool", [4]), mod.alloc("bool", [4])];
  mod.run("masked", [m, XM], outs); // the first call allocates the entry's copy slots
  const live = memory.liveBytes;
  for (let i = 0; i < 1000; i++) assert.is(mod.run("masked", [m, XM], outs)[0], outs[0]);
  assert.is(memory.liveBytes, live, "no blocks allocated per call");
  assert.equal(outs.map((o) => toList(o.toResult())), reference(masked, np.array(M), np.array(XM)));
  // Writing into an input's view changes the next call's result: no hidden copies.
  m.data.fill(1);
  mod.run("masked", [m, XM], outs);
  assert.equal(Array.from(outs[0]!.data), XM);

  throws(() => mod.run("masked", [m, XM], outs.slice(1)), /masked has 3 outputs, got 2 output arrays/);
  throws(() => mod.run("masked", [m, XM], [outs[1]!, outs[1]!, outs[2]!]), /masked output 0: expected a SharedArray float32\[4\] in this module's memory, got SharedArray bool\[4\]/);
  const y = mod.alloc("float32", [4]);
  y.data.set(XM);
  throws(() => mod.run("masked", [m, y], [y, outs[1]!, outs[2]!]), /masked output 0 is also argument 1; outputs need their own arrays/);

  for (const a of [x, out!, m, y, ...outs]) a.dispose();
  x.dispose(); // twice is harmless
  throws(() => x.data, /has been disposed/, ReferenceError);
  mod.dispose();
  assert.is(memory.liveBytes, 0, "the module's consts, scratch and slots are freed by dispose()");
});

test("consts are placed once at load, per module", async () => {
  const memory = new WaxMemory(1);
  const before = memory.liveBytes;
  const mod = await loadModule(bytes, { memory });
  const constBytes = mod.spec("affine").consts.reduce((n, c) => n + c.shape.reduce((a, b) => a * b, 1) * 4, 0);
  assert.ok(constBytes >= (W.size + B.size) * 4, "the closed-over weights are in the manifest");
  const loaded = memory.liveBytes - before;
  assert.ok(loaded >= constBytes, "consts (and scratch) are allocated at load");
  mod.affine(X);
  const afterFirst = memory.liveBytes;
  for (let i = 0; i < 100; i++) mod.affine(X);
  assert.is(memory.liveBytes, afterFirst, "calls allocate nothing after the first");
  expectClose(toList(mod.affineSum(X) as WaxResult), reference(affineSum, np.array(X))[0], 1e-5);
  // affine and affineSum close over the same arrays: one copy in memory serves both.
  const constsOnly = new WaxMemory(1);
  const both = await loadModule(bytes, { memory: constsOnly });
  const justAffine = withManifest(bytes, (m) => ({ ...m, entries: m.entries.filter((e) => e.name !== "affineSum") }), true);
  const alone = new WaxMemory(1);
  await loadModule(justAffine, { memory: alone });
  assert.ok(constsOnly.liveBytes < alone.liveBytes + constBytes, "shared consts are placed once");
  both.dispose();
  // Two modules over one memory keep their own consts.
  const mod2 = await loadModule(bytes, { memory });
  expectClose(toList(mod2.affine(X) as WaxResult), toList(mod.affine(X) as WaxResult), 0);
  mod.dispose();
  expectClose(toList(mod2.affine(X) as WaxResult), reference(affine, np.array(X))[0], 1e-5);
  mod2.dispose();
});

test("the default memory is the process's waxMemory(), shared with the compiler", async () => {
  const mod = await loadModule(bytes);
  assert.is(mod.memory, waxMemory());
  const x = allocArray("int32", [5]);
  assert.is(x.memory, waxMemory());
  x.data.set(A);
  const [prod, sum] = mod.run("intOps", [x, Bi]);
  assert.equal([toList(prod!.toResult()), toList(sum!.toResult())], reference(intOps, np.array(A, { dtype: "int32" }), np.array(Bi, { dtype: "int32" })));
  for (const a of [x, prod!, sum!]) a.dispose();
  mod.dispose();
  throws(() => allocArray("float64" as never, [2]), /allocArray: dtype must be float32, int32 or bool, got float64/);
  throws(() => allocArray("float32", [2, -1]), /allocArray: a shape is a list of non-negative integers, got \[2,-1\]/);
});

// ---- the bundle ----

const distRuntime = fileURLToPath(new URL("../runtime/", import.meta.url));
const bundlePath = join(distRuntime, "wax-runtime.min.js");

test("the minified runtime bundle is under 24 KB, imports nothing of the compiler, and loads modules", async () => {
  let text: string;
  try {
    text = readFileSync(bundlePath, "utf8");
  } catch {
    assert.unreachable(`${bundlePath} is missing: run npm run build (its build:runtime step bundles the runtime with esbuild)`);
    return;
  }
  assert.ok(text.length < 24 * 1024, `the bundle is ${text.length} bytes`);
  assert.not.match(text, /binaryen/i);
  assert.not.match(text, /compiler\//);
  assert.not.match(text, /\bimport\s*[^(]*\bfrom\s*["']/, "a bundle has no static imports");
  for (const f of readdirSync(distRuntime).filter((n) => n.endsWith(".js") && n !== "wax-runtime.min.js")) {
    const src = readFileSync(join(distRuntime, f), "utf8");
    assert.not.match(src, /from\s*["'][^"']*(compiler\/|binaryen)/, `runtime/${f} imports the compiler or binaryen`);
  }
  const rt = (await import(pathToFileURL(bundlePath).href)) as typeof import("../runtime/index.js");
  const mod = await rt.loadModule(wasmPath, { memory: new rt.WaxMemory(1) });
  expectClose(toList(mod.affine(X) as WaxResult), reference(affine, np.array(X))[0], 1e-5);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
