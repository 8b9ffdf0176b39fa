// A compiled program, instantiated over the shared memory, with a call plan made once:
// where each input goes, where each output comes from, the scratch block. A call places
// inputs, calls the entry, and wraps outputs; nothing is traced or validated again.
//
// Small arrays travel by copy through per-executable slots and come back as JS typed
// arrays, which the garbage collector reclaims as it always does, so a loop of a million
// small calls keeps memory flat. Large arrays stay in the shared memory (no copies).

import { waxMemory } from "../../runtime/memory.js";
import { ConcreteArray } from "../core/array.js";
import type { TypedArray } from "../dtypes.js";
import { elemBytes, type Program } from "../lower/ir.js";
import type { ShapedArray } from "../shape.js";

/** Arrays up to this many bytes are copied in and out; larger ones live in the shared memory. */
export const SMALL_BYTES = 1 << 16;

type Entry = (...ptrs: number[]) => void;

export class Executable {
  readonly #entry: Entry;
  readonly #args: number[];
  readonly #inSlots: number[];
  readonly #outSlots: number[];
  readonly #consts: ConcreteArray[];
  readonly #nIn: number;

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
    // Slots are allocated once and never freed: they belong to the executable, which the
    // jit cache keeps for the life of the process.
    this.#inSlots = inAvals.map((a) => (bytesOf(a) <= SMALL_BYTES ? mem.alloc(bytesOf(a)) : 0));
    this.#outSlots = outAvals.map((a) => (bytesOf(a) <= SMALL_BYTES ? mem.alloc(bytesOf(a)) : 0));
    this.#consts = consts;
    consts.forEach((c) => c.place());
    const scratch = program.scratchBytes > 0 ? mem.alloc(program.scratchBytes) : 0;
    this.#args = [...inAvals.map(() => 0), ...outAvals.map(() => 0), scratch, ...consts.map((c) => c.ptr)];
  }

  call(inputs: readonly ConcreteArray[]): ConcreteArray[] {
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
    for (let j = 0; j < outSlots.length; j++) {
      const slot = outSlots[j]!;
      args[nIn + j] = slot !== 0 ? slot : mem.alloc(outAvals[j]!.size * elemBytes(outAvals[j]!.dtype));
    }
    this.#entry.apply(null, args);
    const outs = new Array<ConcreteArray>(outSlots.length);
    for (let j = 0; j < outSlots.length; j++) {
      const aval = outAvals[j]!, ptr = args[nIn + j]!;
      outs[j] = outSlots[j] !== 0 ? new ConcreteArray(aval, copyOut(mem, aval, ptr)) : ConcreteArray.resident(aval, ptr);
    }
    return outs;
  }
}

function copyIn(mem: ReturnType<typeof waxMemory>, src: TypedArray, ptr: number): void {
  const v = mem.views();
  if (src instanceof Float32Array) v.f32.set(src, ptr >> 2);
  else if (src instanceof Int32Array) v.i32.set(src, ptr >> 2);
  else v.u8.set(src, ptr);
}

function copyOut(mem: ReturnType<typeof waxMemory>, aval: ShapedArray, ptr: number): TypedArray {
  const v = mem.views(), n = aval.size;
  if (aval.dtype === "float32") return v.f32.slice(ptr >> 2, (ptr >> 2) + n);
  if (aval.dtype === "int32") return v.i32.slice(ptr >> 2, (ptr >> 2) + n);
  return v.u8.slice(ptr, ptr + n);
}
