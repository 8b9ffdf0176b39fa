// Memory: arrays nobody disposes must not make the shared memory or the process grow
// without bound; large requests fail with a RangeError and leave the allocator usable.

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { jit, numpy as np } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { WaxMemory, waxMemory } from "../runtime/index.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const MB = 1 << 20;

test("a million jitted calls without dispose keep memory flat", () => {
  const f = jit((x: WaxArray, y: WaxArray) => np.tanh(x.mul(y)).add(1.5));
  const x = np.ones([64]), y = np.full([64], 0.5);
  for (let i = 0; i < 1000; i++) f(x, y);
  gc();
  const mem0 = waxMemory().byteLength, live0 = waxMemory().liveBytes, rss0 = process.memoryUsage().rss;
  let last: WaxArray | undefined;
  for (let i = 0; i < 1_000_000; i++) last = f(x, y) as WaxArray;
  gc();
  assert.is(waxMemory().byteLength, mem0, "the wasm memory did not grow");
  assert.is(waxMemory().liveBytes, live0, "no wasm blocks are held by the results");
  const grew = (process.memoryUsage().rss - rss0) / MB;
  assert.ok(grew < 64, `RSS grew by ${grew.toFixed(1)} MB`);
  assert.ok(Math.abs((last!.toList() as number[])[0]! - (Math.tanh(0.5) + 1.5)) < 1e-6);
});

test("a hundred thousand eager ops without dispose keep memory flat", () => {
  const x = np.arange(100).astype("float32");
  for (let i = 0; i < 1000; i++) np.exp(x.mul(0.01)).sum();
  gc();
  const mem0 = waxMemory().byteLength, live0 = waxMemory().liveBytes, rss0 = process.memoryUsage().rss;
  for (let i = 0; i < 50_000; i++) np.exp(x.mul(0.01)).sum(); // two ops each
  gc();
  assert.is(waxMemory().byteLength, mem0);
  assert.is(waxMemory().liveBytes, live0);
  const grew = (process.memoryUsage().rss - rss0) / MB;
  assert.ok(grew < 64, `RSS grew by ${grew.toFixed(1)} MB`);
});

test("large results live in the shared memory and are freed by dispose and by the collector", async () => {
  const f = jit((x: WaxArray) => x.mul(2));
  const x = np.ones([1 << 18]); // 1 MiB: above the copy threshold, so results stay in wasm memory
  const live0 = waxMemory().liveBytes;
  const r = f(x) as WaxArray;
  assert.ok(waxMemory().liveBytes > live0, "the result holds a block");
  assert.is((r.toList() as number[])[12345], 2);
  r.dispose();
  r.dispose(); // twice is harmless
  const afterDispose = waxMemory().liveBytes;
  // Forgotten results: the FinalizationRegistry frees them once the event loop turns.
  for (let i = 0; i < 200; i++) f(x);
  const held = waxMemory().liveBytes;
  assert.ok(held >= afterDispose + 100 * MB, "forgotten results hold memory until collected");
  for (let round = 0; round < 20 && waxMemory().liveBytes > afterDispose + 8 * MB; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(waxMemory().liveBytes <= afterDispose + 8 * MB, `still held: ${(waxMemory().liveBytes - afterDispose) / MB} MB`);
  // Blocks are reused: another round does not grow the memory.
  const size = waxMemory().byteLength;
  for (let i = 0; i < 100; i++) (f(x) as WaxArray).dispose();
  assert.is(waxMemory().byteLength, size);
});

test("asking for more than can be had is a RangeError naming the sizes, and later calls work", () => {
  const mem = new WaxMemory(1, 64); // a private 4 MiB memory
  const a = mem.alloc(1 * MB);
  let err: unknown;
  try {
    mem.alloc(8 * MB);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof RangeError);
  assert.match((err as Error).message, /requested 8388608 bytes/);
  assert.match((err as Error).message, /bytes available/);
  const b = mem.alloc(1 * MB);
  assert.ok(b !== a && b % 16 === 0);
  mem.free(a);
  assert.is(mem.alloc(1 * MB), a, "a freed block is reused");
});

test("the allocator aligns to 16 bytes and never hands out address 0", () => {
  const mem = new WaxMemory(1, 16);
  const ptrs = [1, 3, 17, 100, 0, 4096].map((n) => mem.alloc(n));
  for (const p of ptrs) assert.ok(p > 0 && p % 16 === 0, `pointer ${p}`);
  assert.is(new Set(ptrs).size, ptrs.length);
});

test.run();
