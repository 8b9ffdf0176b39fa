// The process's one shared WebAssembly.Memory and the allocator for array buffers.
//
// Blocks are 16-byte aligned and come in power-of-two size classes; a freed block goes on
// its class's free list and is reused before the heap grows. Shared memory never detaches
// its buffer on grow, so typed-array views handed out earlier stay valid.

const PAGE = 65536;
export const MAX_PAGES = 65536; // the wasm32 limit: 4 GiB
const MIN_CLASS = 4; // 16 bytes
const RESERVED = 16; // addresses 0..15 are never handed out, so 0 can mean "no block"

export class WaxMemory {
  readonly memory: WebAssembly.Memory;
  #top = RESERVED;
  #free: number[][] = [];
  #classOf = new Map<number, number>(); // ptr -> size class
  #live = 0;
  #views: { buffer: ArrayBufferLike; f32: Float32Array; i32: Int32Array; u8: Uint8Array } | null = null;

  constructor(initialPages = 16, readonly maximumPages = MAX_PAGES) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: maximumPages, shared: true });
  }

  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }
  /** Bytes in blocks currently handed out (rounded up to their size classes). */
  get liveBytes(): number {
    return this.#live;
  }
  /** The high-water mark of the heap. */
  get heapTop(): number {
    return this.#top;
  }

  /** Typed arrays over the whole memory, refreshed after it grows. */
  views(): { f32: Float32Array; i32: Int32Array; u8: Uint8Array } {
    const buffer = this.memory.buffer;
    if (this.#views === null || this.#views.buffer.byteLength !== buffer.byteLength) {
      this.#views = { buffer, f32: new Float32Array(buffer), i32: new Int32Array(buffer), u8: new Uint8Array(buffer) };
    }
    return this.#views;
  }

  /** Allocates `bytes` (16-byte aligned); throws RangeError naming the request when memory is exhausted. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`wax: cannot allocate ${bytes} bytes`);
    const cls = Math.max(MIN_CLASS, Math.ceil(Math.log2(Math.max(bytes, 1))));
    const size = 2 ** cls;
    let ptr = this.#free[cls]?.pop() ?? 0;
    if (ptr === 0) {
      ptr = this.#top;
      if (ptr + size > this.byteLength) this.#grow(ptr + size, bytes);
      this.#top = ptr + size;
    }
    this.#classOf.set(ptr, cls);
    this.#live += size;
    return ptr;
  }

  free(ptr: number): void {
    const cls = this.#classOf.get(ptr);
    if (cls === undefined) throw new Error(`wax: free of unknown block ${ptr}`);
    this.#classOf.delete(ptr);
    this.#live -= 2 ** cls;
    (this.#free[cls] ??= []).push(ptr);
  }

  #grow(end: number, requested: number): void {
    const have = this.byteLength / PAGE;
    const need = Math.ceil(end / PAGE) - have;
    // Grow by at least half again, so a run of allocations does not grow page by page.
    const want = Math.min(Math.max(need, Math.ceil(have / 2)), this.maximumPages - have);
    for (const pages of [want, need]) {
      if (pages < need) continue;
      try {
        this.memory.grow(pages);
        return;
      } catch {
        // fall through to the exact size, then give up
      }
    }
    const available = Math.max(0, this.maximumPages * PAGE - this.#top);
    throw new RangeError(
      `wax: out of memory: requested ${requested} bytes, ${available} bytes available ` +
        `(${this.maximumPages * PAGE} bytes of wasm32 memory, ${this.#live} bytes held by live arrays; ` +
        `dispose() arrays you no longer need, or let the event loop run so forgotten arrays are freed)`,
    );
  }
}

let defaultMemory: WaxMemory | null = null;

/** The process's shared memory, created on first use. */
export function waxMemory(): WaxMemory {
  return (defaultMemory ??= new WaxMemory());
}
