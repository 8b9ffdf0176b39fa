// The trust model: a module loaded into the shared memory is code, trusted like a JS
// dependency, so the runtime makes sure its manifest says what its code does (the digest
// recorded at compile time binds the two; edited manifests are load errors). A module from
// elsewhere runs isolated, in a memory of its own, and can touch no other array.

import binaryen from "binaryen";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ShapeDtypeStruct, jit, numpy as np } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import {
  type Manifest, MANIFEST_SECTION, ManifestError, WaxMemory, allocArray, appendCustomSection, encodeManifest, loadModule,
  manifestDigest, readManifest, waxMemory,
} from "../runtime/index.js";
import { readLayout } from "../runtime/wasm-binary.js";

const compiled = jit((x: WaxArray) => np.tanh(x).mul(2)).lower(new ShapeDtypeStruct([3, 4], "float32")).wasm();

/** The module's code with `manifest` as its manifest (and, with `bind`, a digest made for it). */
function withManifest(code: Uint8Array, manifest: Manifest, bind: boolean): Uint8Array {
  const m = { ...manifest };
  if (bind) {
    delete m.codeDigest;
    m.codeDigest = manifestDigest(readLayout(code).code, m);
  }
  return appendCustomSection(code, MANIFEST_SECTION, encodeManifest(m));
}

/** `wasm` without its manifest section. */
function codeOnly(wasm: Uint8Array): Uint8Array {
  const out: number[] = [...wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const start = at;
    at++;
    let size = 0, mult = 1;
    for (;;) {
      const b = wasm[at++]!;
      size += (b & 0x7f) * mult;
      mult *= 128;
      if (!(b & 0x80)) break;
    }
    const nameLen = wasm[at]!;
    const isManifest = wasm[start] === 0 && new TextDecoder().decode(wasm.subarray(at + 1, at + 1 + nameLen)) === MANIFEST_SECTION;
    at += size;
    if (!isManifest) out.push(...wasm.subarray(start, at));
  }
  return new Uint8Array(out);
}

const manifestOf = (wasm: Uint8Array): Manifest => readManifest(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>));

async function loadError(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  try {
    await loadModule(bytes, { name: "m.wasm" });
  } catch (e) {
    assert.instance(e, ManifestError);
    assert.match((e as Error).message, pattern, (e as Error).message);
    return;
  }
  assert.unreachable(`loading did not fail (expected ${pattern})`);
}

test("a compiled module's manifest carries the digest of its code, and it loads", async () => {
  const m = manifestOf(compiled);
  assert.match(m.codeDigest!, /^sha256:[0-9a-f]{64}$/);
  const mod = await loadModule(compiled);
  const r = mod.call(mod.entries[0]!, new Float32Array(12).fill(0.5)) as { data: Float32Array };
  assert.ok(Math.abs(r.data[0]! - 2 * Math.tanh(0.5)) < 1e-6);
  mod.dispose();
});

test("understated, overstated and edited manifests are load errors", async () => {
  const code = codeOnly(compiled);
  const m = manifestOf(compiled);
  const entry = m.entries[0]!;
  const edits: [string, Manifest][] = [
    ["understated output", { ...m, entries: [{ ...entry, outputs: [{ shape: [2, 4], dtype: "float32" }] }] }],
    ["overstated output", { ...m, entries: [{ ...entry, outputs: [{ shape: [3, 8], dtype: "float32" }] }] }],
    ["overstated input", { ...m, entries: [{ ...entry, inputs: [{ shape: [30, 4], dtype: "float32" }] }] }],
    ["scratch", { ...m, entries: [{ ...entry, scratchBytes: entry.scratchBytes + 64 }] }],
    ["dtype", { ...m, entries: [{ ...entry, outputs: [{ shape: [3, 4], dtype: "int32" }] }] }],
  ];
  for (const [, edited] of edits) {
    // The edit keeps the old digest (an edited file) ...
    await loadError(withManifest(code, { ...edited, codeDigest: m.codeDigest }, false), /^m\.wasm: the manifest does not match the module's code: it records codeDigest sha256:[0-9a-f]{64}, the code and manifest give sha256:[0-9a-f]{64}; the manifest was edited/);
  }
  // ... or drops it.
  await loadError(withManifest(code, { ...m, codeDigest: undefined }, false), /^m\.wasm: the manifest has no codeDigest, so nothing binds it to the code/);
  // The same manifest with its own digest loads: the check is of consistency, not a signature.
  (await loadModule(withManifest(code, m, true))).dispose();
});

test("manifests with unknown fields or bad sizes are load errors", async () => {
  const code = codeOnly(compiled);
  const m = manifestOf(compiled);
  const entry = m.entries[0]!;
  await loadError(withManifest(code, { ...m, sandbox: false } as Manifest, true), /^m\.wasm: the manifest has unknown field "sandbox" \(this runtime reads abi, generator, features, entries, codeDigest\)/);
  await loadError(withManifest(code, { ...m, entries: [{ ...entry, memoryOffset: 0 } as never] }, true), /entry main has unknown field "memoryOffset"/);
  await loadError(withManifest(code, { ...m, entries: [{ ...entry, inputs: [{ shape: [3, 4], dtype: "float32", offset: 64 } as never] }] }, true), /entry main input 0 has unknown field "offset"/);
  await loadError(withManifest(code, { ...m, entries: [{ ...entry, scratchBytes: 2 ** 40 }] }, true), /entry main has a bad scratchBytes/);
  await loadError(withManifest(code, { ...m, entries: [{ ...entry, outputs: [{ shape: [2 ** 20, 2 ** 10], dtype: "float32" }] }] }, true), /past the 2147483648-byte maximum array size/);
  await loadError(withManifest(code, { ...m, entries: [entry, entry] }, true), /two entries are named main/);
});

/** A module with a valid manifest whose entry fills all of its memory with 0xAB bytes. */
function scribbler(extra?: (m: binaryen.Module) => void): Uint8Array {
  const m = new binaryen.Module();
  m.setFeatures(binaryen.Features.All);
  m.setMemory(1, 65536, null, [], true);
  m.addMemoryImport("0", "env", "memory", true);
  const i32 = binaryen.i32;
  const body = m.memory.fill(m.i32.const(0), m.i32.const(0xab), m.i32.shl(m.memory.size(), m.i32.const(16)));
  m.addFunction("main", binaryen.createType([i32, i32, i32]), binaryen.none, [], body);
  m.addFunctionExport("main", "main");
  extra?.(m);
  assert.ok(m.validate(), "the hand-made module is valid");
  const code = m.emitBinary();
  m.dispose();
  const manifest: Manifest = {
    abi: 1,
    generator: "test",
    features: ["threads"],
    entries: [{ name: "main", inputs: [{ shape: [4], dtype: "float32" }], outputs: [{ shape: [4], dtype: "float32" }], scratchBytes: 0, consts: [] }],
  };
  return withManifest(code, manifest, true);
}

test("an isolated module that writes everywhere it can leaves every other array unchanged", async () => {
  const evil = scribbler();
  // Arrays of every kind in the process memory: resident, small, pending, a SharedArray.
  const resident = np.multiply(np.arange(1 << 18), 3);
  resident.blockUntilReady();
  const small = np.arange(10).astype("float32");
  const shared = allocArray("int32", [1000]);
  shared.data.set(Array.from({ length: 1000 }, (_, i) => i * 7));
  const snapshot = () => [resident.data().slice(), small.data().slice(), shared.data.slice()];
  const before = snapshot();
  const memBefore = new Uint8Array(waxMemory().memory.buffer).slice(0, waxMemory().heapTop);

  const mod = await loadModule(evil, { name: "evil.wasm", isolated: true });
  assert.ok(mod.memory !== waxMemory(), "an isolated module has a memory of its own");
  const r = mod.call("main", new Float32Array([1, 2, 3, 4])) as { data: Float32Array };
  assert.is(new Uint32Array(r.data.buffer)[0], 0xabababab, "it did scribble: over its own output");
  assert.equal(snapshot(), before, "every other array is unchanged");
  assert.equal(new Uint8Array(waxMemory().memory.buffer).slice(0, memBefore.length), memBefore, "not one byte of the shared memory changed");
  // Its own arrays are its own: passing the process's SharedArray is refused.
  try {
    mod.run("main", [shared as never]);
    assert.unreachable("a SharedArray of the process memory was accepted");
  } catch (e) {
    assert.match((e as Error).message, /lives in another memory than the module's/);
  }
  mod.dispose();

  // The same module over a memory it shares with other arrays does overwrite them: the check above can fail.
  const memory = new WaxMemory(1);
  const victim = allocArray("float32", [4], memory);
  victim.data.set([1, 2, 3, 4]);
  const exposed = await loadModule(evil, { memory });
  exposed.call("main", new Float32Array(4));
  assert.is(new Uint32Array(victim.data.buffer, victim.data.byteOffset, 4)[0], 0xabababab);
  exposed.dispose();
  for (const a of [resident, small]) a.dispose();
  shared.dispose();
});

test("modules that would run or write at instantiation are load errors", async () => {
  await loadError(
    scribbler((m) => m.setStart(m.addFunction("init", binaryen.none, binaryen.none, [], m.nop()))),
    /^m\.wasm: has a start function, which would run at instantiation/,
  );
});

test.run();
