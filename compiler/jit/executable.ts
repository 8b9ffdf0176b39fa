// A compiled program, instantiated over the shared memory, with a call plan made once:
// where each input goes, where each output comes from, the scratch block. A call places
// inputs, calls the entry, and wraps outputs; nothing is traced or validated again.
//
// Small arrays travel by copy through per-executable slots and come back as JS typed
// arrays, which the garbage collector reclaims as it always does, so a loop of a million
// small calls keeps memory flat. Large arrays stay in the shared memory (no copies).

import { type WaxMemory, waxMemory } from "../../runtime/memory.js";
import { ConcreteArray } from "../core/array.js";
import type { TypedArray } from "../dtypes.js";
import { type Expr, type Kernel, type Program, type View, children, elemBytes } from "../lower/ir.js";
import type { ShapedArray } from "../shape.js";

/** Arrays up to this many bytes are copied in and out; larger ones live in the shared memory. */
export const SMALL_BYTES = 1 << 16;

type Entry = (...ptrs: number[]) => void;

/** Slots and scratch of executables that were dropped without dispose() (a WeakMap cache lost its key). */
const dropped = new FinalizationRegistry<number[]>((blocks) => blocks.forEach((p) => waxMemory().free(p)));

export class Executable {
  readonly #entry: Entry;
  readonly #args: number[];
  readonly #inSlots: number[];
  readonly #outSlots: number[];
  readonly #consts: ConcreteArray[];
  readonly #nIn: number;
  /** Per input: the output that may be written over it in place when it is donated, or -1. */
  readonly #inPlace: number[];
  #blocks: number[] | null;
  /** Calls in progress: dispose() waits for them (a cache may evict under memory pressure mid-call). */
  #running = 0;
  #disposeAfterCall = false;

  constructor(
    readonly program: Program,
    readonly bytes: Uint8Array,
    readonly inAvals: ShapedArray[],
    readonly outAvals: ShapedArray[],
    consts: ConcreteArray[],
    entryName = "main",
  ) {
    const mem = waxMemory();
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), { env: { memory: mem.memory } });
    this.#entry = instance.exports[entryName] as Entry;
    this.#nIn = inAvals.length;
    const bytesOf = (a: ShapedArray) => a.size * elemBytes(a.dtype);
    // Slots and scratch belong to the executable and are freed with it (dispose, when a cache evicts it).
    this.#inSlots = inAvals.map((a) => (bytesOf(a) <= SMALL_BYTES ? mem.alloc(bytesOf(a)) : 0));
    this.#outSlots = outAvals.map((a) => (bytesOf(a) <= SMALL_BYTES ? mem.alloc(bytesOf(a)) : 0));
    this.#consts = consts;
    consts.forEach((c) => {
      c.place();
      c.pinned = true;
    });
    const scratch = program.scratchBytes > 0 ? mem.alloc(program.scratchBytes) : 0;
    this.#blocks = [...this.#inSlots, ...this.#outSlots, scratch].filter((p) => p !== 0);
    dropped.register(this, this.#blocks, this);
    this.#args = [...inAvals.map(() => 0), ...outAvals.map(() => 0), scratch, ...consts.map((c) => c.ptr)];
    const taken = new Set<number>();
    this.#inPlace = inAvals.map((a, i) => {
      const j = outAvals.findIndex((o, j) => !taken.has(j) && o.equals(a) && bytesOf(o) > SMALL_BYTES && writableInPlace(program, i, j));
      if (j >= 0) taken.add(j);
      return j;
    });
  }

  /**
   * Runs the program. `donate[i]` deletes input i (JAX's donate_argnums): its block
   * becomes an output's when the program can write that output over it, else it is freed
   * as soon as the call returns.
   */
  call(inputs: readonly ConcreteArray[], donate?: readonly boolean[]): ConcreteArray[] {
    if (this.#blocks === null) throw new Error("wax: this compiled function was evicted from its cache and disposed");
    this.#running++;
    try {
      return this.#call(inputs, donate);
    } finally {
      if (--this.#running === 0 && this.#disposeAfterCall) this.dispose();
    }
  }

  #call(inputs: readonly ConcreteArray[], donate?: readonly boolean[]): ConcreteArray[] {
    const mem = waxMemory();
    const args = this.#args, nIn = this.#nIn, outSlots = this.#outSlots, outAvals = this.outAvals;
    for (let i = 0; i < nIn; i++) {
      const x = inputs[i]!;
      const slot = this.#inSlots[i]!;
      if (x.ptr !== 0 || slot === 0) args[i] = x.place();
      else {
        copyIn(mem, x.buffer, slot);
        args[i] = slot;
      }
    }
    // Outputs written in place over donated inputs (their blocks change owner after the other allocations).
    const inPlace = donate ? this.#inPlaceOutputs(inputs, donate) : null;
    for (let j = 0; j < outSlots.length; j++) {
      const slot = outSlots[j]!;
      args[nIn + j] = slot !== 0 ? slot : inPlace?.[j] !== undefined ? 0 : mem.alloc(outAvals[j]!.size * elemBytes(outAvals[j]!.dtype));
    }
    if (inPlace) {
      inPlace.forEach((i, j) => {
        args[nIn + j] = inputs[i]!.donate() || mem.alloc(outAvals[j]!.size * elemBytes(outAvals[j]!.dtype));
      });
    }
    this.#entry.apply(null, args);
    const outs = new Array<ConcreteArray>(outSlots.length);
    for (let j = 0; j < outSlots.length; j++) {
      const aval = outAvals[j]!, ptr = args[nIn + j]!;
      outs[j] = outSlots[j] !== 0 ? new ConcreteArray(aval, copyOut(mem, aval, ptr)) : ConcreteArray.resident(aval, ptr);
    }
    if (donate) {
      // The other donated inputs are deleted now that the call no longer reads them.
      for (let i = 0; i < nIn; i++) {
        if (donate[i] && !inputs[i]!.isDisposed) inputs[i]!.deleteDonated();
      }
    }
    return outs;
  }

  /** For each output that can be written over a donated input: that input's index, by output index. */
  #inPlaceOutputs(inputs: readonly ConcreteArray[], donate: readonly boolean[]): number[] | null {
    let inPlace: number[] | null = null;
    for (let i = 0; i < this.#nIn; i++) {
      const j = this.#inPlace[i]!;
      const x = inputs[i]!;
      // An array passed twice is read through both positions: it cannot be overwritten.
      if (!donate[i] || j < 0 || x.ptr === 0 || inputs.indexOf(x) !== i || inputs.lastIndexOf(x) !== i) continue;
      (inPlace ??= [])[j] = i;
    }
    return inPlace;
  }

  /** Frees the slots and scratch; the executable cannot be called afterwards. */
  dispose(): void {
    if (this.#running > 0) {
      this.#disposeAfterCall = true;
      return;
    }
    if (this.#blocks === null) return;
    const mem = waxMemory();
    for (const p of this.#blocks) mem.free(p);
    this.#blocks = null;
    dropped.unregister(this);
  }
}

/** Every view of `buf` that `e` loads. */
function loadsOf(e: Expr, buf: number, out: View[] = []): View[] {
  if (e.op === "load" && e.view.buf === buf) out.push(e.view);
  for (const c of children(e)) loadsOf(c, buf, out);
  return out;
}

const sameView = (a: View, b: View): boolean =>
  a.offset === b.offset && !a.dyn && !b.dyn && a.strides.length === b.strides.length && a.strides.every((s, d) => s === b.strides[d]);

function reads(k: Kernel, buf: number): boolean {
  switch (k.kind) {
    case "dot":
      return k.a.buf === buf || k.b.buf === buf || k.a.dyn?.some((d) => d.buf === buf) === true || k.b.dyn?.some((d) => d.buf === buf) === true;
    case "barrier":
      return false;
    default:
      return loadsOf(k.expr, buf).length > 0 || k.out.dyn?.some((d) => d.buf === buf) === true;
  }
}

function writes(k: Kernel, buf: number): boolean {
  if (k.kind === "barrier") return k.buf === buf;
  return (k.kind === "dot" ? k.c.buf : k.out.buf) === buf;
}

/**
 * Whether output `j` can be written over input `i`: one elementwise loop kernel writes
 * the output, reading the input only at the element it writes (the same view), and no
 * later kernel reads the input.
 */
export function writableInPlace(p: Program, i: number, j: number): boolean {
  const inBuf = p.buffers.findIndex((b) => b.kind === "input" && b.index === i);
  const outBuf = p.buffers.findIndex((b) => b.kind === "output" && b.index === j);
  if (inBuf < 0 || outBuf < 0) return false;
  const writers = p.kernels.map((k, n) => (writes(k, outBuf) ? n : -1)).filter((n) => n >= 0);
  if (writers.length !== 1) return false;
  const k = p.kernels[writers[0]!]!;
  if (k.kind !== "loop" || k.out.dyn) return false;
  if (!loadsOf(k.expr, inBuf).every((v) => sameView(v, k.out))) return false;
  return p.kernels.slice(writers[0]! + 1).every((later) => !reads(later, inBuf));
}

function copyIn(mem: WaxMemory, src: TypedArray, ptr: number): void {
  const v = mem.views();
  if (src instanceof Float32Array) v.f32.set(src, ptr >>> 2);
  else if (src instanceof Int32Array) v.i32.set(src, ptr >>> 2);
  else v.u8.set(src, ptr);
}

function copyOut(mem: WaxMemory, aval: ShapedArray, ptr: number): TypedArray {
  const v = mem.views(), n = aval.size;
  if (aval.dtype === "float32") return v.f32.slice(ptr >>> 2, (ptr >>> 2) + n);
  if (aval.dtype === "int32") return v.i32.slice(ptr >>> 2, (ptr >>> 2) + n);
  return v.u8.slice(ptr, ptr + n);
}
