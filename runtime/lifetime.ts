// Freeing array buffers in the shared memory: explicitly (dispose / using / scope /
// donation) or, for arrays the program forgets, when the garbage collector finalises them.
//
// The collector only runs when it thinks memory is short, and a handle to 4 MB of wasm
// memory is a few dozen bytes of JS heap. So every tracked block also hands its owner an
// "external weight": an untouched ArrayBuffer standing for twice the block's size, which
// the engine counts as external memory (V8 and other engines schedule collections by it)
// and the OS never backs with pages while nobody writes it. Weights are shared: small
// blocks draw on one ArrayBuffer of WEIGHT_BYTES until it is used up, so the engine sees
// one allocation per 32 MiB of wasm memory, each big enough that the C allocator maps it
// fresh (glibc's mmap threshold tops out at 32 MiB) and never touches its pages.
//
// Finalisers run between tasks, so a synchronous loop must free its arrays itself.

import type { WaxMemory } from "./memory.js";

/** A block's address and the memory it lives in; what a finaliser needs to free it. */
interface Held {
  memory: WaxMemory;
  ptr: number;
}

const registry = new FinalizationRegistry<Held>(({ memory, ptr }) => {
  memory.free(ptr);
  memory.liveArrays--;
  memory.finalizedBlocks++;
  scheduleSweep();
});

/**
 * A collection that ran while arrays were being made marks those arrays live (V8 marks
 * objects allocated during incremental marking black), so when a loop stops, the arrays
 * of its last stretch would wait for a collection that may not come for a long time. So
 * once finalisers have run and the program has moved on to another task, and arrays
 * were made since the last time, one large untouched allocation tells the engine that
 * external memory jumped, which makes it collect everything now; their finalisers follow.
 */
const SWEEP_BYTES = 1 << 30;
let sweepScheduled = false;
let madeSinceSweep = 0;

/** At most one such sweep per this many ms: each is a full collection of the JS heap. */
const SWEEP_INTERVAL_MS = 50;
let lastSweep = -Infinity;

/**
 * Arrays made and then forgotten when no collection follows (the program went idle) would
 * wait for one indefinitely: so making an array also schedules a sweep, a little later.
 */
const IDLE_SWEEP_MS = 250;

function scheduleSweep(delay = 0): void {
  if (sweepScheduled || madeSinceSweep === 0) return;
  sweepScheduled = true;
  const wait = Math.max(delay, lastSweep + SWEEP_INTERVAL_MS - performance.now());
  const timer = setTimeout(() => {
    sweepScheduled = false;
    madeSinceSweep = 0;
    lastSweep = performance.now();
    newWeight(SWEEP_BYTES);
  }, wait) as unknown as { unref?: () => void };
  timer.unref?.(); // never keeps a Node process alive
}

/** Blocks of views handed out by arrays disposed since: freed when the view is collected. */
const viewRegistry = new FinalizationRegistry<Held>(({ memory, ptr }) => memory.free(ptr));

export const WEIGHT_BYTES = 64 << 20;
/**
 * Weight per wasm byte. V8 starts a collection once external memory grew by 64 MiB since
 * the last one; at 2, that is every 32 MiB of new arrays, which keeps what forgotten arrays
 * hold between two turns of the event loop near 32 MiB (at 1, about twice that).
 */
const WEIGHT_PER_BYTE = 2;
/** One block's own weight is capped: past this the engine collects at once anyway. */
const MAX_WEIGHT = 256 << 20;
let shared: { weight: ArrayBuffer; left: number } | null = null;

function newWeight(bytes: number): ArrayBuffer | null {
  try {
    return new ArrayBuffer(bytes);
  } catch {
    return null; // no address space for it: the collector simply gets less of a hint
  }
}

/** An object to keep alive alongside a block of `bytes`, so the engine counts its size. */
export function externalWeight(bytes: number): ArrayBuffer | null {
  const weight = bytes * WEIGHT_PER_BYTE;
  if (weight >= WEIGHT_BYTES) return newWeight(Math.min(weight, MAX_WEIGHT));
  if (shared === null || shared.left < weight) {
    const buffer = newWeight(WEIGHT_BYTES);
    if (buffer === null) return null;
    shared = { weight: buffer, left: WEIGHT_BYTES };
  }
  shared.left -= weight;
  return shared.weight;
}

/**
 * Frees the block at `ptr` of `memory` when `owner` is garbage collected, unless released
 * first. Returns the external weight that `owner` must keep (see above).
 */
export function track(owner: object, memory: WaxMemory, ptr: number, bytes: number): ArrayBuffer | null {
  registry.register(owner, { memory, ptr }, owner);
  memory.liveArrays++;
  madeSinceSweep++;
  scheduleSweep(IDLE_SWEEP_MS);
  return externalWeight(bytes);
}

/** Forgets `owner`'s finaliser without freeing: the block now belongs to someone else (donation). */
export function untrack(owner: object, memory: WaxMemory): void {
  registry.unregister(owner);
  memory.liveArrays--;
}

/** Frees `ptr` now and forgets `owner`'s finaliser. */
export function release(owner: object, memory: WaxMemory, ptr: number): void {
  untrack(owner, memory);
  memory.free(ptr);
}

/**
 * Releases `owner`'s block once `view` (a typed array over it that was handed out) is
 * collected too, so that a view of a disposed array never reads another array's data.
 */
export function releaseAfterView(owner: object, memory: WaxMemory, ptr: number, view: object): void {
  untrack(owner, memory);
  viewRegistry.register(view, { memory, ptr });
}
