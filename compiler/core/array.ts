// The public Array type. Concrete arrays and tracers are both `Array`s, so user code
// written against `Array` runs unchanged under eager evaluation and every transformation.

import { release, releaseAfterView, track, untrack } from "../../runtime/lifetime.js";
import { waxMemory } from "../../runtime/memory.js";
import { type DType, type DTypeLike, type TypedArray, checkArraySize } from "../dtypes.js";
import { type Shape, ShapedArray, stridesOf } from "../shape.js";
import { formatArray } from "./format.js";
import type { ArrayMethods } from "./methods.js";
import type { Params, Primitive } from "../primitives/params.js";

/** A value that numpy-style functions accept: an Array or a JS scalar (weakly typed). */
export type ArrayLike = Array | number | boolean;

/**
 * Raised when a traced value is used where a concrete one is needed (JAX's
 * ConcretizationTypeError / TracerBoolConversionError).
 */
export class ConcretizationTypeError extends TypeError {
  override name = "ConcretizationTypeError";
}

let methods: ArrayMethods | undefined;

/** Called once by the numpy layer, so methods like `x.add(y)` avoid an import cycle. */
export function registerArrayMethods(m: ArrayMethods): void {
  methods = m;
}

function m(): ArrayMethods {
  if (!methods) throw new Error("wax: numpy module not loaded (import from 'wax')");
  return methods;
}

export abstract class Array {
  abstract get aval(): ShapedArray;

  get shape(): Shape {
    return this.aval.shape;
  }
  get dtype(): DType {
    return this.aval.dtype;
  }
  get weakType(): boolean {
    return this.aval.weakType;
  }
  get ndim(): number {
    return this.aval.shape.length;
  }
  get size(): number {
    return this.aval.size;
  }

  /** Describes the traced value for concretization errors. */
  protected concretizationError(what: string): never {
    throw new ConcretizationTypeError(
      `Abstract tracer value encountered where concrete value is expected: ${String(this)}\n` +
        `The problem arose with \`${what}\`: a traced array (shape ${this.aval.strShort()}) has no value while a ` +
        `function is being transformed. If the value depends on a function argument, compute with ` +
        `np.where / lax.select instead of a JS conditional, or mark the argument static ` +
        `(jit's staticArgnums).`,
    );
  }

  /** A TypedArray copy of the elements in row-major order. */
  data(): TypedArray {
    return this.concretizationError("data()");
  }
  /**
   * The elements as a typed array without a copy (for resident arrays, a view into the
   * shared wasm memory). Read it, do not write it; valid until the array is disposed.
   */
  view(): TypedArray {
    return this.concretizationError("view()");
  }
  /** Nested JS arrays, like numpy's `tolist()`; a number (or boolean) for a 0-d array. */
  toList(): unknown {
    return this.concretizationError("toList()");
  }
  /** The single element of a size-1 array as a JS number (boolean for bool). */
  item(): number | boolean {
    return this.concretizationError("item()");
  }
  dispose(): void {}
  /**
   * Computes the array if it is a pending eager result and returns it (JAX's
   * `block_until_ready()`; wax computes synchronously, so nothing else waits).
   */
  blockUntilReady(): this {
    return this;
  }
  /** Whether the elements are gone (disposed, freed by a scope, or donated); JAX's `is_deleted()`. */
  isDeleted(): boolean {
    return false;
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
  [Symbol.toPrimitive](hint: string): number | string {
    if (hint === "string") return this.toString();
    const v = this.item();
    return typeof v === "boolean" ? Number(v) : v;
  }

  // Methods for the common numpy operations, as on jax.Array.
  add(y: ArrayLike): Array { return m().add(this, y); }
  sub(y: ArrayLike): Array { return m().subtract(this, y); }
  mul(y: ArrayLike): Array { return m().multiply(this, y); }
  div(y: ArrayLike): Array { return m().divide(this, y); }
  floorDiv(y: ArrayLike): Array { return m().floorDivide(this, y); }
  mod(y: ArrayLike): Array { return m().remainder(this, y); }
  pow(y: ArrayLike): Array { return m().power(this, y); }
  neg(): Array { return m().negative(this); }
  abs(): Array { return m().abs(this); }
  sqrt(): Array { return m().sqrt(this); }
  exp(): Array { return m().exp(this); }
  log(): Array { return m().log(this); }
  tanh(): Array { return m().tanh(this); }
  equal(y: ArrayLike): Array { return m().equal(this, y); }
  notEqual(y: ArrayLike): Array { return m().notEqual(this, y); }
  less(y: ArrayLike): Array { return m().less(this, y); }
  lessEqual(y: ArrayLike): Array { return m().lessEqual(this, y); }
  greater(y: ArrayLike): Array { return m().greater(this, y); }
  greaterEqual(y: ArrayLike): Array { return m().greaterEqual(this, y); }
  sum(axis?: number | number[] | null | { keepdims?: boolean }, opts?: { keepdims?: boolean }): Array { return m().sum(this, axis, opts); }
  prod(axis?: number | number[] | null | { keepdims?: boolean }, opts?: { keepdims?: boolean }): Array { return m().prod(this, axis, opts); }
  max(axis?: number | number[] | null | { keepdims?: boolean }, opts?: { keepdims?: boolean }): Array { return m().max(this, axis, opts); }
  min(axis?: number | number[] | null | { keepdims?: boolean }, opts?: { keepdims?: boolean }): Array { return m().min(this, axis, opts); }
  mean(axis?: number | number[] | null | { keepdims?: boolean }, opts?: { keepdims?: boolean }): Array { return m().mean(this, axis, opts); }
  argmax(axis?: number | null | { keepdims?: boolean }, opts?: { keepdims?: boolean }): Array { return m().argmax(this, axis, opts); }
  argmin(axis?: number | null | { keepdims?: boolean }, opts?: { keepdims?: boolean }): Array { return m().argmin(this, axis, opts); }
  reshape(...shape: (number | number[])[]): Array {
    const s = shape.length === 1 && globalThis.Array.isArray(shape[0]) ? shape[0] : (shape as number[]);
    return m().reshape(this, s);
  }
  ravel(): Array { return m().ravel(this); }
  flatten(): Array { return m().ravel(this); }
  transpose(axes?: number[]): Array { return m().transpose(this, axes); }
  get T(): Array { return m().transpose(this); }
  swapaxes(a: number, b: number): Array { return m().swapaxes(this, a, b); }
  squeeze(axis?: number | number[]): Array { return m().squeeze(this, axis); }
  expandDims(axis: number | number[]): Array { return m().expandDims(this, axis); }
  broadcastTo(shape: number[]): Array { return m().broadcastTo(this, shape); }
  astype(dtype: DTypeLike): Array { return m().astype(this, dtype); }
  dot(y: Array): Array { return m().dot(this, y); }
  matmul(y: Array): Array { return m().matmul(this, y); }
  clip(lo?: ArrayLike | null, hi?: ArrayLike | null): Array { return m().clip(this, lo, hi); }
  /**
   * numpy basic indexing, one entry per leading axis: an integer picks one index and
   * drops the axis, `[start, stop, step]` slices it (null entries take the defaults),
   * `null` keeps the whole axis. `x.slice(0)` is `x[0]`, `x.slice(null, [1, 3])` is `x[:, 1:3]`.
   */
  slice(...index: (number | null | readonly (number | null | undefined)[])[]): Array {
    return m().index(this, index);
  }
}

/** Arrays made while a scope() runs, innermost scope last (see scope.ts). */
const scopes: ConcreteArray[][] = [];

/** Starts collecting the arrays made from now on; `exitScope` hands them back. */
export function enterScope(): void {
  scopes.push([]);
}
export function exitScope(): ConcreteArray[] {
  return scopes.pop()!;
}
/** Hands `a` to the enclosing scope, if any (a scope's result outlives it). */
export function adoptInScope(a: ConcreteArray): void {
  scopes[scopes.length - 1]?.push(a);
}

/**
 * An eager operation not run yet (see compiler/jit/eager.ts): its result is computed
 * when something reads it, or fused into the kernel of the operation that consumes it,
 * so that an eager temporary such as the `np.exp(x)` in `np.sum(np.exp(x), -1)` never
 * takes memory of its own.
 */
export interface PendingOp {
  prim: Primitive;
  params: Params;
  inputs: ConcreteArray[];
  /** Operations in the longest chain of pending operations ending here. */
  depth: number;
}

/** Runs pending operations: installed by the wasm backend; returns the materialised result. */
let materialize: ((a: ConcreteArray) => ConcreteArray) | null = null;
export function installMaterializer(f: (a: ConcreteArray) => ConcreteArray): void {
  materialize = f;
}

/**
 * An array with values. Its elements live either in a JS typed array or, once a compiled
 * kernel has used or produced it (large arrays), in the shared wasm memory; the second
 * kind is freed by dispose(), by a scope, by donation to a jitted function, or, when
 * forgotten, by the garbage collector. A large result of an eager elementwise operation
 * starts as a pending operation and is computed on first use.
 */
export class ConcreteArray extends Array {
  readonly #aval: ShapedArray;
  #buf: TypedArray | null;
  #ptr = 0;
  /** Keeps the engine aware of the wasm bytes this array holds (see runtime/lifetime.ts). */
  #weight: ArrayBuffer | null = null;
  /** Whether view() handed out the wasm view: dispose() then frees the block only once the view is collected. */
  #viewed = false;
  /** Why the elements are gone for the user: disposed, or deleted by donation. */
  #gone: "disposed" | "donated" | null = null;
  /** The operation that computes this array, until it runs. */
  #pending: PendingOp | null = null;
  /** Pending operations that read this array: while there are any, its elements outlive dispose(). */
  #readers = 0;
  /** Held by a compiled program (a closed-over constant): scopes leave it alone. */
  pinned = false;

  /** Takes ownership of `buf`, which must hold `aval.size` elements in row-major order. */
  constructor(aval: ShapedArray, buf: TypedArray | null) {
    super();
    this.#aval = aval;
    this.#buf = buf;
    if (scopes.length > 0) scopes[scopes.length - 1]!.push(this);
  }

  /** An array whose elements are the block at `ptr` of the shared memory; it owns the block. */
  static resident(aval: ShapedArray, ptr: number): ConcreteArray {
    const a = new ConcreteArray(aval, viewAt(aval, ptr));
    a.#ptr = ptr;
    a.#weight = track(a, waxMemory(), ptr, a.#buf!.byteLength);
    return a;
  }

  /** An array that `op` will compute when it is first read. */
  static pending(aval: ShapedArray, op: PendingOp): ConcreteArray {
    checkArraySize(aval.dtype, aval.size);
    const a = new ConcreteArray(aval, null);
    a.#pending = op;
    for (const x of op.inputs) x.#readers++;
    return a;
  }

  /** The pending operation that computes this array, or null once it has values. */
  get pendingOp(): PendingOp | null {
    return this.#pending;
  }

  /**
   * This array's elements for a pending operation that reads them, even after the user
   * disposed it (the operation was recorded before): the array itself, or a borrowed
   * handle on its elements.
   */
  forReader(): ConcreteArray {
    if (this.#gone === null) return this;
    if (this.#pending) throw new Error("wax internal: a disposed pending array has no elements to lend");
    const b = new ConcreteArray(this.#aval, this.#buf);
    scopes[scopes.length - 1]?.pop(); // a borrowed handle belongs to no scope
    b.#ptr = this.#ptr;
    b.#gone = null;
    b.pinned = true;
    return b;
  }

  get aval(): ShapedArray {
    return this.#aval;
  }

  /** The backing buffer, without a copy. Internal: callers must not mutate it. */
  get buffer(): TypedArray {
    if (this.#gone !== null) throw this.#goneError();
    if (this.#pending) this.#materialize();
    return this.#buf!;
  }

  #goneError(): Error {
    if (this.#gone === "donated") {
      // JAX's wording (a RuntimeError there).
      return new Error(`Array has been deleted with shape=${this.dtype}[${this.shape.join(",")}].`);
    }
    return new ReferenceError(`Array ${this.#aval.strShort()} has been disposed`);
  }

  /** Runs the pending operation and takes over its result's block. */
  #materialize(): void {
    const op = this.#pending!;
    const r = materialize!(this);
    this.#buf = r.#buf;
    this.#ptr = r.#ptr;
    if (r.#ptr !== 0) {
      untrack(r, waxMemory());
      this.#weight = track(this, waxMemory(), r.#ptr, r.#buf!.byteLength);
    }
    r.#buf = null;
    r.#ptr = 0;
    r.#gone = "disposed";
    this.#pending = null;
    for (const x of op.inputs) x.#dropReader();
  }

  #dropReader(): void {
    if (--this.#readers === 0 && this.#gone !== null) this.#release();
  }

  /** The address of the elements in the shared memory (computing a pending array), or 0 while they live in a JS typed array. */
  get ptr(): number {
    if (this.#pending && this.#gone === null) this.#materialize();
    return this.#ptr;
  }

  /** Moves the elements into the shared memory (once) and returns their address. */
  place(): number {
    const buf = this.buffer;
    if (this.#ptr === 0) {
      const mem = waxMemory();
      const ptr = mem.alloc(buf.byteLength);
      const view = viewAt(this.#aval, ptr);
      view.set(buf as never);
      this.#buf = view;
      this.#ptr = ptr;
      this.#viewed = false;
      this.#weight = track(this, mem, ptr, buf.byteLength);
    }
    return this.#ptr;
  }

  /**
   * Gives up the elements for a jitted function's donated argument: the array is deleted
   * (using it again is JAX's "Array has been deleted" error). Returns the block's address
   * for the callee to reuse as an output, or 0 when it has none to hand over (the
   * elements live in JS, a view() of them is still out, or pending operations read
   * them: then the block is released as dispose() would).
   */
  donate(): number {
    const ptr = this.ptr;
    const handOver = ptr !== 0 && !this.#viewed && this.#readers === 0;
    if (handOver) {
      untrack(this, waxMemory());
      this.#ptr = 0;
      this.#buf = null;
      this.#weight = null;
    } else this.dispose();
    this.#gone = "donated";
    return handOver ? ptr : 0;
  }

  /** Deletes the array as a donated argument whose block nobody takes over (JAX's message when used again). */
  deleteDonated(): void {
    const ptr = this.donate();
    if (ptr !== 0) waxMemory().free(ptr);
  }

  override view(): TypedArray {
    const buf = this.buffer;
    if (this.#ptr !== 0) this.#viewed = true;
    return buf;
  }

  override data(): TypedArray {
    return this.buffer.slice();
  }

  override item(): number | boolean {
    if (this.size !== 1) {
      throw new TypeError(
        `item() can only be called on an array of size 1, got an array of shape ${this.aval.strShort()}`,
      );
    }
    const v = this.buffer[0]!;
    return this.dtype === "bool" ? v !== 0 : v;
  }

  override toList(): unknown {
    const buf = this.buffer;
    const isBool = this.dtype === "bool";
    const get = (i: number) => (isBool ? buf[i] !== 0 : buf[i]!);
    if (this.ndim === 0) return get(0);
    const strides = stridesOf(this.shape);
    const build = (axis: number, off: number): unknown[] => {
      const n = this.shape[axis]!;
      const out: unknown[] = new globalThis.Array(n);
      for (let i = 0; i < n; i++) {
        const o = off + i * strides[axis]!;
        out[i] = axis === this.ndim - 1 ? get(o) : build(axis + 1, o);
      }
      return out;
    };
    return build(0, 0);
  }

  /**
   * Frees the elements now (a no-op when already freed). A view() taken earlier keeps
   * the block, and reads this array's last values, until the view is garbage collected;
   * pending operations recorded earlier that read this array keep it until they run.
   */
  override dispose(): void {
    if (this.#gone !== null) return;
    this.#gone = "disposed";
    if (this.#readers === 0) this.#release();
  }

  /** Frees what the array holds, once nothing reads it any more. */
  #release(): void {
    if (this.#ptr !== 0) {
      if (this.#viewed) releaseAfterView(this, waxMemory(), this.#ptr, this.#buf!);
      else release(this, waxMemory(), this.#ptr);
    }
    const op = this.#pending;
    this.#pending = null;
    this.#ptr = 0;
    this.#buf = null;
    this.#weight = null;
    op?.inputs.forEach((x) => x.#dropReader());
  }

  get isDisposed(): boolean {
    return this.#gone !== null;
  }

  override isDeleted(): boolean {
    return this.#gone !== null;
  }

  override blockUntilReady(): this {
    void this.buffer;
    return this;
  }

  override toString(): string {
    if (this.isDisposed) return `Array(<${this.#gone === "donated" ? "deleted" : "disposed"}> ${this.aval.strShort()})`;
    return formatArray(this.buffer, this.shape, this.dtype, this.weakType);
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}


/** A typed array over `aval.size` elements of the shared memory at `ptr`. */
export function viewAt(aval: ShapedArray, ptr: number): TypedArray {
  const buffer = waxMemory().memory.buffer;
  switch (aval.dtype) {
    case "float32":
      return new Float32Array(buffer, ptr, aval.size);
    case "int32":
      return new Int32Array(buffer, ptr, aval.size);
    case "bool":
      return new Uint8Array(buffer, ptr, aval.size);
  }
}
