// Memory: arrays nobody disposes must not make the shared memory or the process grow
// without bound; large requests fail with a RangeError and leave the allocator usable;
// donation and scope() keep synchronous loops flat; caches are bounded.

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep, setImmediate as tick } from "node:timers/promises";
import { MAX_ARRAY_BYTES, jit, memoryStats, numpy as np, scope } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import { eagerCacheSize, EAGER_CACHE_SIZE } from "../compiler/jit/eager.js";
import { WaxMemory, waxMemory } from "../runtime/index.js";
import { expectError } from "./util.js";

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

// The loop: x = f(x) on 1e6 float32 (4 MB a step). 1,500 steps need 6 GB if nothing
// is freed, more than the 4 GiB of wasm32 memory, so each test below fails if reclamation does.
const STEPS = 1500;
const step = (x: WaxArray) => np.add(np.multiply(x, 1.0001), 1);
/** x after `k` steps from ones, in float64; float32 rounding stays well within 1e-4 relative. */
const expected = (k: number) => 1.0001 ** k * (1 + 1 / 0.0001) - 1 / 0.0001;
const close = (x: WaxArray, k: number) => {
  const v = x.view()[123456]!;
  assert.ok(Math.abs(v - expected(k)) <= 1e-4 * expected(k), `after ${k} steps: ${v}, expected ${expected(k)}`);
};

test("forgotten arrays are reclaimed under pressure: an awaiting loop without dispose() stays small", async () => {
  const f = jit(step);
  const before = memoryStats();
  let x = np.ones([1e6]);
  for (let i = 0; i < STEPS; i++) {
    x = f(x) as WaxArray;
    if (i % 100 === 99) await tick();
  }
  close(x, STEPS);
  // The collector ran because each array's external weight told it how much it holds;
  // what it found is freed as the event loop turns. No gc() here. (Relative to what
  // earlier tests in this process hold; finalisers may take a few turns of a busy machine.)
  const held = () => memoryStats().bytesInUse - before.bytesInUse;
  for (let i = 0; i < 250 && held() > 64 * MB; i++) await sleep(20);
  assert.ok(held() <= 64 * MB, `the loop holds ${(held() / MB).toFixed(1)} MiB after it`);
  const finalized = memoryStats().finalizedBlocks - before.finalizedBlocks;
  assert.ok(finalized >= STEPS - 100, `only ${finalized} blocks were finalized`);
});

test("a synchronous loop runs flat when it donates its argument (donateArgnums)", () => {
  const f = jit(step, { donateArgnums: 0 });
  let x = np.ones([1e6]);
  x = f(x) as WaxArray; // the first result is resident; from here on each step reuses its block
  const before = memoryStats().bytesInUse;
  waxMemory().resetPeak();
  const ptr = (x as unknown as { ptr: number }).ptr;
  for (let i = 1; i < STEPS; i++) x = f(x) as WaxArray;
  close(x, STEPS);
  assert.is((x as unknown as { ptr: number }).ptr, ptr, "the output was written over the donated input, in place");
  assert.ok(memoryStats().peakBytesInUse <= before, `peak ${memoryStats().peakBytesInUse}, ${before} before the loop`);
});

test("a donated array is deleted: using it again is JAX's error, and donation by list works", () => {
  const f = jit((a: WaxArray, b: WaxArray) => [np.add(a, b), np.multiply(a, b)], { donateArgnums: [0, 1] });
  const a = np.full([1e6], 2.5), b = np.full([1e6], 3.5);
  const [s, p] = f(a, b) as WaxArray[];
  assert.equal([s!.view()[999999], p!.view()[0]], [6, 8.75]);
  expectError(() => a.data(), "Array has been deleted with shape=float32[1000000].");
  expectError(() => np.add(b, 1), "Array has been deleted with shape=float32[1000000].");
  assert.is(String(a), "Array(<deleted> f32[1000000])");
  // Small arrays live in JS; donating them deletes them too.
  const g = jit((x: WaxArray) => x.mul(2), { donateArgnums: 0 });
  const small = np.ones([3]);
  assert.equal(g(small).toList(), [2, 2, 2]);
  expectError(() => small.toList(), "Array has been deleted with shape=float32[3].");
  expectError(() => jit(step, { donateArgnums: 0, staticArgnums: [0] }), "both static and donated");
});

test("a synchronous loop runs flat in a scope that is handed its state", () => {
  const f = jit(step);
  let x = np.ones([1e6]);
  x = scope((x) => f(x), x);
  const before = memoryStats().bytesInUse;
  waxMemory().resetPeak();
  for (let i = 1; i < STEPS; i++) x = scope((x) => f(x), x);
  close(x, STEPS);
  // Two blocks at a time: the new state is made before the old one is freed.
  assert.ok(memoryStats().peakBytesInUse <= before + 4 * MB + 64, `peak ${memoryStats().peakBytesInUse}, ${before} before the loop`);
});

test("scope frees every array created inside it except what it returns; nested scopes hand results out", () => {
  const live0 = memoryStats().liveArrays;
  let inner!: WaxArray, temp!: WaxArray, outerTemp!: WaxArray;
  const result = scope(() => {
    outerTemp = np.exp(np.ones([1 << 16]));
    inner = scope(() => {
      temp = np.multiply(np.ones([1 << 16]), 3);
      return { y: np.add(temp, 1) };
    }).y;
    assert.ok(temp.isDeleted() && !inner.isDeleted(), "the inner temporary is freed, its result is not");
    return [inner, 7];
  });
  assert.is(result[0], inner);
  assert.is(result[1], 7);
  assert.ok(outerTemp.isDeleted() && !inner.isDeleted());
  assert.is(inner.view()[5], 4);
  inner.dispose();
  assert.is(memoryStats().liveArrays, live0, "every array made inside is gone");
  // Arrays made before the scope and not handed to it are left alone.
  const keep = np.ones([1 << 16]);
  scope(() => np.add(keep, 1));
  assert.ok(!keep.isDeleted());
  // A throwing body frees what it made and rethrows.
  let made!: WaxArray;
  expectError(() => scope(() => {
    made = np.ones([1 << 16]).mul(2);
    throw new Error("boom");
  }), "boom");
  assert.ok(made.isDeleted());
  // Constants a jitted function closed over survive the scope that first traced it.
  const f = jit((x: WaxArray) => np.add(x, np.arange(4).astype("float32")));
  scope(() => f(np.zeros([4])));
  assert.equal(scope(() => f(np.ones([4]))).toList(), [1, 2, 3, 4]);
});

test("without dispose, donation or scope a synchronous loop throws the out-of-memory error and recovers", () => {
  // In a child process with a 256 MiB memory (exhausting 4 GiB would take a while and keep it).
  const script = `
    import { jit, numpy as np, memoryStats } from ${JSON.stringify(new URL("../compiler/index.js", import.meta.url).href)};
    const f = jit((x) => np.add(np.multiply(x, 1.0001), 1));
    const keep = np.full([1 << 20], 7); keep.view();
    let x = np.ones([4e6]), i = 0, err;
    try { for (; i < 10000; i++) x = f(x); } catch (e) { err = e; }
    const ok1 = keep.view().every((v) => v === 7);
    await new Promise((r) => setTimeout(r, 50));
    const y = f(x);
    console.log(JSON.stringify({ i, name: err?.name, message: err?.message, ok1, y: y.view()[5], x: x.view()[5], inUse: memoryStats().bytesInUse }));
  `;
  const res = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    cwd: fileURLToPath(new URL(".", import.meta.url)),
    env: { ...process.env, WAX_MEMORY_LIMIT_MB: "256" },
  });
  assert.is(res.status, 0, res.stderr);
  const out = JSON.parse(res.stdout.trim().split("\n").pop()!) as { i: number; name: string; message: string; ok1: boolean; y: number; x: number };
  assert.ok(out.i > 5 && out.i < 10000, `stopped at step ${out.i}`);
  assert.is(out.name, "RangeError");
  assert.match(out.message, /out of memory: requested 16000000 bytes/);
  assert.match(out.message, /donateArgnums/);
  assert.ok(out.ok1, "a live array was left as it was");
  assert.ok(Math.abs(out.y - (out.x * 1.0001 + 1)) <= 1e-6 * out.y, "the next call works");
});

test("view() of a disposed array throws; a view taken before keeps the array's values, never another's", () => {
  const a = np.full([1 << 18], 5);
  const v = np.add(a, 1);
  const view = v.view();
  v.dispose();
  expectError(() => v.view(), "has been disposed");
  // The block stays with the view until it is collected: new arrays do not land on it.
  const others = Array.from({ length: 8 }, () => np.add(a, 100));
  assert.is(view[0], 6);
  assert.is(view[(1 << 18) - 1], 6);
  others.forEach((o) => o.dispose());
});

test("the largest array is 2 GiB; past it creation says so", () => {
  assert.is(MAX_ARRAY_BYTES, 2 ** 31);
  expectError(() => np.zeros([2 ** 29 + 4]), /2147483664 bytes.*at most 2147483648 bytes \(2 GiB\)/, RangeError);
  expectError(() => np.ones([1]).astype("bool").broadcastTo([2 ** 31 + 1]), /2147483649 bytes.*at most 2147483648 bytes/, RangeError);
  expectError(() => waxMemory().alloc(2 ** 31 + 16), /at most 2147483648 bytes/, RangeError);
});

test("memoryStats: bytes in use, peak, live arrays, wasm memory, fragmentation", () => {
  const s0 = memoryStats();
  const a = np.multiply(np.ones([1 << 20]), 2); // resident once read: 4 MiB
  assert.is(a.view()[0], 2);
  const s1 = memoryStats();
  // (A kernel compiled on the way may evict an old one from the cache, freeing its slots.)
  assert.ok(s1.bytesInUse - s0.bytesInUse >= 4 * MB - 256 * 1024, `in use grew by ${s1.bytesInUse - s0.bytesInUse} bytes`);
  assert.is(s1.liveArrays, s0.liveArrays + 1, "one more live array");
  assert.ok(s1.peakBytesInUse >= s1.bytesInUse, "the peak is at least what is in use");
  assert.ok(s1.wasmMemoryBytes >= s1.heapTop, "the heap lies in the memory");
  assert.is(s1.bytesLimit, 2 ** 32);
  a.dispose();
  assert.is(memoryStats().liveArrays, s1.liveArrays - 1);
  // Fragmentation on a private memory: freed neighbours merge into one hole.
  const mem = new WaxMemory(1, 128);
  const ptrs = [1, 2, 3, 4].map(() => mem.alloc(MB));
  mem.free(ptrs[0]!);
  mem.free(ptrs[2]!);
  let s = mem.stats();
  assert.is(s.freeBytes, 2 * MB);
  assert.is(s.largestFreeBlockBytes, MB);
  assert.is(s.fragmentation, 0.5);
  mem.free(ptrs[1]!);
  s = mem.stats();
  assert.is(s.largestFreeBlockBytes, 3 * MB, "three neighbours merged");
  assert.is(s.fragmentation, 0);
  assert.is(mem.alloc(3 * MB), ptrs[0], "the merged hole takes a block of its size");
});

test("1,500 distinct eager shapes: the kernel cache stays bounded, and so do the wasm heap and RSS", () => {
  const run = (n: number) => {
    const y = np.add(np.ones([n]), 1);
    assert.is(y.view()[n - 1], 2);
    y.dispose();
  };
  for (let n = 1; n <= 500; n++) run(n);
  gc();
  const heap0 = memoryStats().bytesInUse, blocks0 = memoryStats().numAllocs, rss0 = process.memoryUsage().rss;
  for (let n = 501; n <= 1500; n++) run(n);
  gc();
  assert.ok(eagerCacheSize() <= EAGER_CACHE_SIZE, `${eagerCacheSize()} kernels cached`);
  assert.ok(memoryStats().numAllocs <= blocks0, `${memoryStats().numAllocs - blocks0} more blocks held`);
  // Later kernels' copy slots are larger (n grows), so the bytes held grow a little.
  const heapGrew = memoryStats().bytesInUse - heap0, rssGrew = (process.memoryUsage().rss - rss0) / MB;
  assert.ok(heapGrew < 4 * MB, `the wasm heap grew by ${(heapGrew / MB).toFixed(1)} MiB`);
  // Unbounded, a kernel per shape cost about 130 KB of RSS (the issue: +200 MB for 1,500 shapes);
  // bounded, RSS wanders by tens of MB (the compile worker's heap, the allocator).
  assert.ok(rssGrew < 100, `RSS grew by ${rssGrew.toFixed(1)} MiB`);
});

test.run();
