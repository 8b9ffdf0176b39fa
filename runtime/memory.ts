// The process's one shared WebAssembly.Memory and the allocator for array buffers.
//
// Blocks are 16-byte aligned. Freed blocks go on an address-ordered free list and merge
// with free neighbours; allocation takes the best-fitting free block before it extends
// the heap, and a free block that reaches the heap top lowers the top. Shared memory never
// detaches its buffer on grow, so typed-array views handed out earlier stay valid.
//
// Addresses are plain JS numbers in [0, 2^32): index arithmetic on them is unsigned
// (`ptr >>> 2`), never `>> 2`, which turns addresses above 2 GiB negative.

const PAGE = 65536;
export const MAX_PAGES = 65536; // the wasm32 limit: 4 GiB
const ALIGN = 16;
const RESERVED = 16; // addresses 0..15 are never handed out, so 0 can mean "no block"

/**
 * The largest array wax handles, in bytes (2 GiB): kernels count elements in signed i32
 * loop counters, and half the wasm32 address space is the most one block can sensibly take.
 */
export const MAX_ARRAY_BYTES = 2 ** 31;

const MiB = 1 << 20;
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(bytes < 10 * MiB ? 2 : 0)} MiB`;

/** What `memoryStats()` reports, in the spirit of JAX's `device.memory_stats()`. */
export interface MemoryStats {
  /** Bytes in blocks handed out: arrays, compiled programs' slots, scratch and consts, loaded modules. */
  bytesInUse: number;
  /** The most bytes in use at once since the memory was created (or `resetPeak`). */
  peakBytesInUse: number;
  /** The most bytes the memory can ever hold (4 GiB for wasm32). */
  bytesLimit: number;
  /** Blocks handed out now. */
  numAllocs: number;
  /** The largest block requested so far. */
  largestAllocSize: number;
  /** Blocks handed out for arrays (wax arrays and SharedArrays) that are still alive. */
  liveArrays: number;
  /** The current size of the WebAssembly.Memory (it never shrinks). */
  wasmMemoryBytes: number;
  /** The heap's high-water address now: every block lies below it; it comes down when the top blocks are freed. */
  heapTop: number;
  /** Free bytes below the heap top (holes between blocks). */
  freeBytes: number;
  /** The largest hole below the heap top. */
  largestFreeBlockBytes: number;
  /** 1 - largestFreeBlockBytes / freeBytes: 0 when the free space is one hole (or none). */
  fragmentation: number;
  /** Blocks freed by the garbage collector's finalisers (arrays nobody disposed), since the start. */
  finalizedBlocks: number;
}

export class WaxMemory {
  readonly memory: WebAssembly.Memory;
  #top = RESERVED;
  // The free list, ordered by address: starts and sizes, as parallel arrays.
  #freeAt: number[] = [];
  #freeSize: number[] = [];
  #freeBytes = 0;
  #sizes = new Map<number, number>(); // ptr -> block size
  #live = 0;
  #peak = 0;
  #largestAlloc = 0;
  #reclaimers: (() => void)[] = [];
  #views: { buffer: ArrayBufferLike; f32: Float32Array; i32: Int32Array; u8: Uint8Array } | null = null;
  /** Arrays holding blocks (maintained by the array types). */
  liveArrays = 0;
  /** Blocks freed by finalisers (maintained by lifetime.ts). */
  finalizedBlocks = 0;

  constructor(initialPages = 16, readonly maximumPages = MAX_PAGES) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: maximumPages, shared: true });
  }

  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }
  /** Bytes in blocks currently handed out (each rounded up to 16 bytes). */
  get liveBytes(): number {
    return this.#live;
  }
  /** The heap's top: every block lies below it. */
  get heapTop(): number {
    return this.#top;
  }

  stats(): MemoryStats {
    const largestFree = this.#freeSize.reduce((a, b) => Math.max(a, b), 0);
    return {
      bytesInUse: this.#live,
      peakBytesInUse: this.#peak,
      bytesLimit: this.maximumPages * PAGE,
      numAllocs: this.#sizes.size,
      largestAllocSize: this.#largestAlloc,
      liveArrays: this.liveArrays,
      wasmMemoryBytes: this.byteLength,
      heapTop: this.#top,
      freeBytes: this.#freeBytes,
      largestFreeBlockBytes: largestFree,
      fragmentation: this.#freeBytes === 0 ? 0 : 1 - largestFree / this.#freeBytes,
      finalizedBlocks: this.finalizedBlocks,
    };
  }

  /** Starts measuring `peakBytesInUse` again from the bytes in use now. */
  resetPeak(): void {
    this.#peak = this.#live;
  }

  /**
   * Registers something that can give memory back when an allocation would otherwise fail
   * (a cache of compiled programs holding slots and scratch); it frees blocks synchronously.
   */
  onPressure(reclaim: () => void): void {
    this.#reclaimers.push(reclaim);
  }

  /** Typed arrays over the whole memory, refreshed after it grows. Index them with `ptr >>> 2`. */
  views(): { f32: Float32Array; i32: Int32Array; u8: Uint8Array } {
    const buffer = this.memory.buffer;
    if (this.#views === null || this.#views.buffer.byteLength !== buffer.byteLength) {
      this.#views = { buffer, f32: new Float32Array(buffer), i32: new Int32Array(buffer), u8: new Uint8Array(buffer) };
    }
    return this.#views;
  }

  /** The size of the block at `ptr` (rounded up to 16 bytes), or undefined when `ptr` is not a live block. */
  blockSize(ptr: number): number | undefined {
    return this.#sizes.get(ptr);
  }

  /**
   * Allocates `bytes` (16-byte aligned, never address 0). When the memory cannot grow
   * enough, it first asks the pressure handlers to give blocks back, then throws a
   * RangeError naming the request and what is held; the allocator stays usable.
   */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`wax: cannot allocate ${bytes} bytes`);
    if (bytes > MAX_ARRAY_BYTES) {
      throw new RangeError(`wax: cannot allocate ${bytes} bytes (${mib(bytes)}): an array is at most ${MAX_ARRAY_BYTES} bytes (2 GiB)`);
    }
    const size = Math.ceil(Math.max(bytes, 1) / ALIGN) * ALIGN;
    let ptr = this.#takeFree(size);
    if (ptr === 0) ptr = this.#extend(size);
    if (ptr === 0) {
      for (const reclaim of this.#reclaimers) reclaim();
      ptr = this.#takeFree(size) || this.#extend(size);
    }
    if (ptr === 0) this.#outOfMemory(bytes);
    this.#sizes.set(ptr, size);
    this.#live += size;
    if (this.#live > this.#peak) this.#peak = this.#live;
    if (bytes > this.#largestAlloc) this.#largestAlloc = bytes;
    return ptr;
  }

  free(ptr: number): void {
    const size = this.#sizes.get(ptr);
    if (size === undefined) throw new Error(`wax: free of unknown block ${ptr}`);
    this.#sizes.delete(ptr);
    this.#live -= size;
    this.#insertFree(ptr, size);
  }

  /** The best-fitting free block of at least `size` bytes, split if larger; 0 when none fits. */
  #takeFree(size: number): number {
    const at = this.#freeAt, sz = this.#freeSize;
    let best = -1;
    for (let i = 0; i < sz.length; i++) {
      const s = sz[i]!;
      if (s >= size && (best < 0 || s < sz[best]!)) {
        best = i;
        if (s === size) break;
      }
    }
    if (best < 0) return 0;
    const ptr = at[best]!;
    if (sz[best] === size) {
      at.splice(best, 1);
      sz.splice(best, 1);
    } else {
      at[best] = ptr + size;
      sz[best]! -= size;
    }
    this.#freeBytes -= size;
    return ptr;
  }

  /** A block at the heap top, growing the memory if needed; 0 when it cannot grow enough. */
  #extend(size: number): number {
    const ptr = this.#top;
    if (ptr + size > this.byteLength && !this.#grow(ptr + size)) return 0;
    this.#top = ptr + size;
    return ptr;
  }

  /** Puts a block on the free list, merging it with free neighbours; a block reaching the top lowers the top. */
  #insertFree(ptr: number, size: number): void {
    const at = this.#freeAt, sz = this.#freeSize;
    let lo = 0, hi = at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (at[mid]! < ptr) lo = mid + 1;
      else hi = mid;
    }
    let start = ptr, end = ptr + size;
    const prev = lo - 1;
    const mergePrev = prev >= 0 && at[prev]! + sz[prev]! === start;
    const mergeNext = lo < at.length && at[lo] === end;
    if (mergePrev) start = at[prev]!;
    if (mergeNext) end = at[lo]! + sz[lo]!;
    const first = mergePrev ? prev : lo;
    const removed = (mergePrev ? 1 : 0) + (mergeNext ? 1 : 0);
    for (let k = first; k < first + removed; k++) this.#freeBytes -= sz[k]!;
    if (end === this.#top) {
      // The top block came free: the heap shrinks back to the highest block still in use.
      at.splice(first, removed);
      sz.splice(first, removed);
      this.#top = start;
      return;
    }
    at.splice(first, removed, start);
    sz.splice(first, removed, end - start);
    this.#freeBytes += end - start;
  }

  #grow(end: number): boolean {
    const have = this.byteLength / PAGE;
    const need = Math.ceil(end / PAGE) - have;
    if (have + need > this.maximumPages) return false;
    // Grow by at least half again, so a run of allocations does not grow page by page.
    const want = Math.min(Math.max(need, Math.ceil(have / 2)), this.maximumPages - have);
    for (const pages of want > need ? [want, need] : [need]) {
      try {
        this.memory.grow(pages);
        return true;
      } catch {
        // fall through to the exact size, then give up
      }
    }
    return false;
  }

  #outOfMemory(requested: number): never {
    const limit = this.maximumPages * PAGE;
    const largestFree = this.#freeSize.reduce((a, b) => Math.max(a, b), 0);
    const available = Math.max(largestFree, limit - this.#top);
    throw new RangeError(
      `wax: out of memory: requested ${requested} bytes (${mib(requested)}), ${available} bytes available in one piece ` +
        `(${limit} bytes of wasm32 memory; ${this.#live} bytes in use, ${this.liveArrays} live arrays, ${this.#freeBytes} bytes free in holes). ` +
        `dispose() arrays you no longer need, free a loop's temporaries with scope(), donate a jitted function's ` +
        `arguments (donateArgnums), or let the event loop run so forgotten arrays are freed`,
    );
  }
}

let defaultMemory: WaxMemory | null = null;

/**
 * The process's shared memory, created on first use. Its maximum is the wasm32 limit of
 * 4 GiB, or WAX_MEMORY_LIMIT_MB (Node) when that environment variable is set.
 */
export function waxMemory(): WaxMemory {
  return (defaultMemory ??= new WaxMemory(16, configuredMaxPages()));
}

function configuredMaxPages(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.WAX_MEMORY_LIMIT_MB;
  if (env === undefined || env === "") return MAX_PAGES;
  const mb = Number(env);
  if (!Number.isInteger(mb) || mb < 1 || mb > 4096) throw new RangeError(`WAX_MEMORY_LIMIT_MB must be an integer from 1 to 4096, got ${JSON.stringify(env)}`);
  return Math.max(16, mb * 16);
}

/** Statistics of the process's shared memory (see MemoryStats). */
export function memoryStats(): MemoryStats {
  return waxMemory().stats();
}
