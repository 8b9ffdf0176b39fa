// Addresses above 2 GiB: byte addresses are unsigned everywhere (the JS side indexes with
// `>>> 2`; generated code adds and loads with unsigned offsets), so eager kernels, jit,
// loaded modules and pmap give the right results with their arrays at 2–4 GiB. A block
// reserved with the allocator, never written, pushes the heap up: shared memory pages are
// committed lazily, so this costs address space, not RAM.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { ShapeDtypeStruct, jit, lax, memoryStats, numpy as np, pmap } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { WaxMemory, type WaxModule, loadModule, waxMemory } from "../runtime/index.js";

const GiB = 2 ** 30, MiB = 2 ** 20;

const SHAPE = [512, 1024], M = 512 * 1024; // 2 MiB of float32, so no module slot fits a hole below the floor
const tanhModule = () => loadModule(jit((a: WaxArray) => np.tanh(a)).lower(new ShapeDtypeStruct(SHAPE, "float32")).wasm());

/**
 * Runs every kind of call with its arrays above `floor` and checks the results against
 * hand-computed values. Synchronous: finalisers run between tasks and would open holes.
 */
function everyKindOfCall(floor: number, mod: WaxModule): void {
  const n = 1 << 20; // 4 MiB of float32: resident in the shared memory
  // Eager, a small array through a fresh kernel's copy slots (the np.sum(np.ones) gave 0).
  assert.is(np.sum(np.ones([32768 + Math.floor(floor / GiB)])).item(), 32768 + Math.floor(floor / GiB));
  // Eager, resident.
  const x = np.arange(n).astype("float32");
  const y = np.multiply(x, 2) as WaxArray & { ptr: number };
  assert.ok(y.ptr >= floor, `the eager result lies at ${(y.ptr / GiB).toFixed(3)} GiB`);
  const yv = y.view();
  assert.equal([yv[0], yv[12345], yv[n - 1]], [0, 24690, 2 * (n - 1)]);
  // jit, resident inputs and output.
  const f = jit((a: WaxArray, b: WaxArray) => np.add(np.multiply(a, 3), b));
  const z = f(x, y) as WaxArray & { ptr: number };
  assert.ok(z.ptr >= floor);
  const zv = z.view();
  assert.equal([zv[7], zv[n - 1]], [35, 5 * (n - 1)]);
  // A loaded runtime module: copied arguments (slots) and SharedArrays, 2 MiB each so none fits a hole below.
  const r = mod.call(mod.entries[0]!, new Float32Array(M).fill(0.5)) as { data: Float32Array };
  assert.ok(Math.abs(r.data[M - 1]! - Math.tanh(0.5)) < 1e-6);
  const a = mod.alloc("float32", SHAPE);
  a.data.fill(1);
  const [out] = mod.run(mod.entries[0]!, [a]);
  assert.ok(a.ptr >= floor && out!.ptr >= floor);
  assert.ok(Math.abs(out!.data[M - 1]! - Math.tanh(1)) < 1e-6);
  // pmap over two devices: shards, the barrier and its abort word all above the floor.
  const p = pmap((s: WaxArray) => lax.psum(s, "i"), "i")(np.ones([2, 1 << 18])) as WaxArray & { ptr: number };
  assert.ok(p.ptr >= floor);
  const pv = p.view();
  assert.equal([pv[0], pv[(1 << 19) - 1]], [2, 2]);
  for (const v of [x, y, z, p]) v.dispose();
  a.dispose();
  out!.dispose();
}

/**
 * Reserves blocks until every hole of 1 MiB or more is filled and the heap top is at
 * `floor`, so the next arrays land above it. Returns the blocks, to free afterwards.
 */
function raiseHeapTo(floor: number): number[] {
  const mem = waxMemory(), pads: number[] = [];
  for (;;) {
    const s = mem.stats();
    if (s.largestFreeBlockBytes >= MiB) pads.push(mem.alloc(Math.min(s.largestFreeBlockBytes, 2 * GiB)));
    else if (mem.heapTop < floor) pads.push(mem.alloc(Math.min(2 * GiB, floor - mem.heapTop)));
    else return pads;
  }
}

test("eager, jit, a loaded module and pmap are right with their arrays above 2 GiB", async () => {
  const mod = await tanhModule();
  // Just under 2 GiB, so that the first arrays straddle 2^31.
  const pads = raiseHeapTo(2 * GiB - MiB);
  try {
    everyKindOfCall(2 * GiB - MiB, mod);
  } finally {
    pads.forEach((p) => waxMemory().free(p));
    mod.dispose();
  }
});

test("and near the top of the 4 GiB address space", async () => {
  const mod = await tanhModule();
  const pads = raiseHeapTo(4 * GiB - 96 * MiB);
  try {
    everyKindOfCall(4 * GiB - 96 * MiB, mod);
  } finally {
    pads.forEach((p) => waxMemory().free(p));
    mod.dispose();
  }
});

test("the heap top comes down when the top blocks are freed", () => {
  const mem = new WaxMemory(1); // a private memory, so that no other test's blocks sit in between
  const small = mem.alloc(100);
  const top0 = mem.heapTop;
  // As in the issue: a 2 GiB array allocated and freed, then the next allocations.
  const big = mem.alloc(2 * GiB);
  const above = mem.alloc(4 * MiB);
  assert.ok(above >= 2 * GiB, "the block above lies past 2^31");
  mem.free(big);
  assert.is(mem.stats().largestFreeBlockBytes, 2 * GiB, "the freed block is a hole below the top");
  mem.free(above);
  assert.is(mem.heapTop, top0, "both came free: the top is back where it was");
  assert.is(mem.stats().freeBytes, 0, "and no hole is left");
  assert.ok(mem.alloc(4 * MiB) < 2 * GiB, "the next block lands low again");
  mem.free(small);
});

test.run();
