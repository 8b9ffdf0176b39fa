// Loading a compiled wax module and calling its entries, in Node and in browsers, without
// the compiler or Binaryen. The loader reads the manifest, checks it against the module's
// imports and exports, places the consts in the shared memory once, and gives one
// function per entry. Arguments are copied into per-entry slots; arrays allocated in the
// shared memory (SharedArray) are passed by address, without a copy.

import {
  type EntrySpec, type Manifest, type ManifestDType, ManifestError, elementBytes, fromBase64, manifestDigest, readManifest,
} from "./manifest.js";
import { readLayout } from "./wasm-binary.js";
import { release, track } from "./lifetime.js";
import { WaxMemory, waxMemory } from "./memory.js";

export type TypedArray = Float32Array | Int32Array | Uint8Array;

/** An entry's result copied out of the shared memory: row-major data with its shape. */
export interface WaxResult {
  data: TypedArray;
  shape: number[];
  dtype: ManifestDType;
}

type Nested = number | boolean | readonly Nested[];

/**
 * One argument: a flat typed array of the entry's element count (Float32Array for float32,
 * Int32Array for int32, Uint8Array of 0/1 for bool), `{ data, shape }`, a SharedArray
 * (no copy), a nested JS array, or a number or boolean for a 0-d argument.
 */
export type ArgumentLike = TypedArray | SharedArray | { data: TypedArray | ArrayLike<number | boolean>; shape: readonly number[] } | Nested;

const typedArrayOf = { float32: Float32Array, int32: Int32Array, bool: Uint8Array } as const;

const fmt = (dtype: string, shape: readonly number[]): string => `${dtype}[${shape.join(",")}]`;
const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

function dtypeOfTyped(x: ArrayBufferView): ManifestDType | undefined {
  if (x instanceof Float32Array) return "float32";
  if (x instanceof Int32Array) return "int32";
  if (x instanceof Uint8Array) return "bool";
  return undefined;
}

function checkShape(shape: readonly number[], what: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(`${what}: a shape is a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return [...shape];
}

/**
 * An array in the shared memory, to fill through `data` and pass to an entry without a
 * copy, or to receive an entry's output. Call dispose() (or `using`) to free it, or
 * let the garbage collector free it once it is forgotten; after dispose() `data` must
 * not be used.
 */
export class SharedArray {
  readonly shape: readonly number[];
  readonly size: number;
  readonly byteLength: number;
  #ptr: number;
  readonly #data: TypedArray;
  /** Keeps the engine aware of the bytes held (see lifetime.ts). */
  #weight: ArrayBuffer | null;

  constructor(
    readonly memory: WaxMemory,
    readonly dtype: ManifestDType,
    shape: readonly number[],
  ) {
    if (!(dtype in typedArrayOf)) throw new TypeError(`allocArray: dtype must be float32, int32 or bool, got ${String(dtype)}`);
    this.shape = checkShape(shape, "allocArray");
    this.size = sizeOf(this.shape);
    this.byteLength = this.size * elementBytes(dtype);
    this.#ptr = memory.alloc(this.byteLength);
    // Shared memory never detaches its buffer when it grows, so this view stays valid.
    this.#data = new typedArrayOf[dtype](memory.memory.buffer, this.#ptr, this.size);
    this.#weight = track(this, memory, this.#ptr, this.byteLength);
  }

  /** The block's byte address in the memory (16-byte aligned). */
  get ptr(): number {
    if (this.#ptr === 0) throw new ReferenceError(`SharedArray ${fmt(this.dtype, this.shape)} has been disposed`);
    return this.#ptr;
  }
  /** A typed-array view of the block: write inputs into it, read outputs from it. */
  get data(): TypedArray {
    this.ptr; // throws once disposed
    return this.#data;
  }
  get disposed(): boolean {
    return this.#ptr === 0;
  }
  /** A copy that outlives the block. */
  toResult(): WaxResult {
    return { data: this.data.slice(), shape: [...this.shape], dtype: this.dtype };
  }
  dispose(): void {
    if (this.#ptr !== 0) release(this, this.memory, this.#ptr);
    this.#ptr = 0;
    this.#weight = null;
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Allocates an array in the shared memory (the process's by default); see SharedArray. */
export function allocArray(dtype: ManifestDType, shape: readonly number[], memory: WaxMemory = waxMemory()): SharedArray {
  return new SharedArray(memory, dtype, shape);
}

export interface LoadOptions {
  /** The memory to instantiate over; the process's `waxMemory()` by default. */
  memory?: WaxMemory;
  /**
   * Instantiate over a memory of the module's own (inputs are copied in, outputs copied
   * out), so that whatever its code does, it can touch no other array: for modules from
   * elsewhere. `alloc` and `run` then work with arrays in that memory.
   */
  isolated?: boolean;
  /** The module's name in error messages (default: the path or URL, or "module"). */
  name?: string;
}

/** An entry as a method of the loaded module: `mod.predict(x)`, the same as `mod.call("predict", x)`. */
export type EntryFunction = (...args: ArgumentLike[]) => WaxResult | WaxResult[];

interface Plan {
  spec: EntrySpec;
  fn: (...ptrs: number[]) => void;
  /** The argument vector, reused: inputs, outputs, scratch, consts. */
  args: number[];
  /** Copy slots for inputs and outputs, allocated on the entry's first call. */
  slots: number[] | null;
}

/** A loaded module: `mod.call("predict", x)` or, for names that do not clash with these members, `mod.predict(x)`. */
export class WaxModule {
  readonly entries: string[];
  readonly #plans = new Map<string, Plan>();
  readonly #blocks: number[] = [];
  #disposed = false;

  constructor(
    readonly name: string,
    readonly module: WebAssembly.Module,
    readonly instance: WebAssembly.Instance,
    readonly manifest: Manifest,
    readonly memory: WaxMemory,
  ) {
    this.entries = manifest.entries.map((e) => e.name);
    const scratchBytes = Math.max(0, ...manifest.entries.map((e) => e.scratchBytes));
    // Calls are synchronous and never nest, so the entries share one scratch block.
    const scratch = scratchBytes > 0 ? this.#alloc(scratchBytes) : 0;
    // Entries that close over the same arrays (a model's weights) share one copy; consts are read-only.
    const placed = new Map<string, number>();
    for (const spec of manifest.entries) {
      const fn = instance.exports[spec.name] as (...ptrs: number[]) => void;
      checkArity(name, spec, fn.length);
      const consts = spec.consts.map((c, i) => {
        const key = `${fmt(c.dtype, c.shape)}${c.data}`;
        let ptr = placed.get(key);
        if (ptr === undefined) {
          const bytes = fromBase64(c.data);
          if (bytes.length !== sizeOf(c.shape) * elementBytes(c.dtype)) {
            throw new ManifestError(`${name}: ${spec.name} const ${i} (${fmt(c.dtype, c.shape)}) has ${bytes.length} bytes of data`);
          }
          ptr = this.#alloc(bytes.length);
          memory.views().u8.set(bytes, ptr);
          placed.set(key, ptr);
        }
        return ptr;
      });
      const args = [...spec.inputs.map(() => 0), ...spec.outputs.map(() => 0), scratch, ...consts];
      this.#plans.set(spec.name, { spec, fn, args, slots: null });
      // An entry named like a member (call, run, ...) or `then` (which would make the module a
      // thenable that `await loadModule(...)` never resolves to) is reached through call(name).
      if (!(spec.name in this) && spec.name !== "then") {
        Object.defineProperty(this, spec.name, { value: (...a: ArgumentLike[]) => this.call(spec.name, ...a), enumerable: true });
      }
    }
  }

  #alloc(bytes: number): number {
    const ptr = this.memory.alloc(bytes);
    this.#blocks.push(ptr);
    return ptr;
  }

  #plan(name: string): Plan {
    const plan = this.#plans.get(name);
    if (plan) return plan;
    if (this.#disposed) throw new ReferenceError(`${this.name} has been disposed`);
    throw new TypeError(`${this.name} has no entry ${JSON.stringify(name)} (entries: ${this.entries.join(", ")})`);
  }

  /** The entry's inputs, outputs, scratch size and consts, as the manifest gives them. */
  spec(name: string): EntrySpec {
    return this.#plan(name).spec;
  }

  /** An array in this module's memory, to pass without a copy; dispose() it when done. */
  alloc(dtype: ManifestDType, shape: readonly number[]): SharedArray {
    return new SharedArray(this.memory, dtype, shape);
  }

  /**
   * Calls an entry; results are copied out. Returns the one result of a one-output entry,
   * else the list of results in the manifest's order.
   */
  call(name: string, ...args: ArgumentLike[]): WaxResult | WaxResult[] {
    const plan = this.#plan(name);
    const { spec } = plan;
    const slots = this.#placeInputs(plan, args);
    const nIn = spec.inputs.length;
    for (let j = 0; j < spec.outputs.length; j++) plan.args[nIn + j] = slots[nIn + j]!;
    plan.fn.apply(null, plan.args);
    const buffer = this.memory.memory.buffer;
    const results = spec.outputs.map((o, j): WaxResult => {
      // slice() copies into a fresh, unshared buffer that outlives the next call.
      const data = new typedArrayOf[o.dtype](buffer, slots[nIn + j]!, sizeOf(o.shape)).slice();
      return { data, shape: [...o.shape], dtype: o.dtype };
    });
    return results.length === 1 ? results[0]! : results;
  }

  /**
   * Calls an entry and leaves its results in the shared memory: in `outputs` when given
   * (SharedArrays of the output shapes, reusable from call to call), else in new
   * SharedArrays, which the caller disposes. Always returns the list of outputs.
   */
  run(name: string, inputs: readonly ArgumentLike[], outputs?: readonly SharedArray[]): SharedArray[] {
    const plan = this.#plan(name);
    const { spec } = plan;
    const where = `${this.name}: ${name}`;
    if (outputs !== undefined && outputs.length !== spec.outputs.length) {
      throw new TypeError(`${where} has ${count(spec.outputs.length, "output")}, got ${count(outputs.length, "output array")}`);
    }
    this.#placeInputs(plan, inputs);
    const nIn = spec.inputs.length;
    const outs = spec.outputs.map((o, j) => {
      const out = outputs?.[j];
      if (out === undefined) return new SharedArray(this.memory, o.dtype, o.shape);
      const ok = out instanceof SharedArray && out.memory === this.memory && out.dtype === o.dtype && sameShape(out.shape, o.shape);
      if (!ok) throw new TypeError(`${where} output ${j}: expected a SharedArray ${fmt(o.dtype, o.shape)} in this module's memory, got ${describe(out)}`);
      // Kernels read inputs after writing outputs, so an output must not share an input's block.
      const aliased = plan.args.slice(0, nIn).indexOf(out.ptr);
      if (aliased >= 0) throw new TypeError(`${where} output ${j} is also argument ${aliased}; outputs need their own arrays`);
      return out;
    });
    outs.forEach((o, j) => (plan.args[nIn + j] = o.ptr));
    plan.fn.apply(null, plan.args);
    return outs;
  }

  /** Frees the consts, scratch and slots; the module cannot be called afterwards. */
  dispose(): void {
    for (const ptr of this.#blocks.splice(0)) this.memory.free(ptr);
    this.#plans.clear();
    this.#disposed = true;
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Checks the arguments and writes their addresses into the plan; returns the slots. */
  #placeInputs(plan: Plan, args: readonly ArgumentLike[]): number[] {
    const { spec } = plan;
    if (args.length !== spec.inputs.length) {
      const want = spec.inputs.map((t) => fmt(t.dtype, t.shape)).join(", ");
      throw new TypeError(`${this.name}: ${spec.name} takes ${count(spec.inputs.length, "argument")} (${want}), got ${args.length}`);
    }
    const slots = (plan.slots ??= [...spec.inputs, ...spec.outputs].map((t) => this.#alloc(sizeOf(t.shape) * elementBytes(t.dtype))));
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!, t = spec.inputs[i]!;
      const where = `${this.name}: ${spec.name} argument ${i}`;
      if (arg instanceof SharedArray) {
        if (arg.memory !== this.memory) throw new TypeError(`${where}: the SharedArray lives in another memory than the module's`);
        if (arg.dtype !== t.dtype || !sameShape(arg.shape, t.shape)) {
          throw new TypeError(`${where}: expected ${fmt(t.dtype, t.shape)}, got ${describe(arg)}`);
        }
        plan.args[i] = arg.ptr;
        continue;
      }
      const data = toTyped(arg, t.dtype, t.shape, where);
      const v = this.memory.views();
      if (data instanceof Float32Array) v.f32.set(data, slots[i]! >>> 2);
      else if (data instanceof Int32Array) v.i32.set(data, slots[i]! >>> 2);
      else v.u8.set(data, slots[i]!);
      plan.args[i] = slots[i]!;
    }
    return slots;
  }
}

function describe(x: unknown): string {
  if (x instanceof SharedArray) return `${x.disposed ? "a disposed " : ""}SharedArray ${fmt(x.dtype, x.shape)}`;
  if (ArrayBuffer.isView(x)) {
    const n = (x as unknown as ArrayLike<number>).length ?? x.byteLength;
    const dt = dtypeOfTyped(x);
    return dt ? `${fmt(dt, [n])} (a flat ${x.constructor.name} of ${n} elements)` : `a ${x.constructor.name} of ${n} elements`;
  }
  if (x === null) return "null";
  if (Array.isArray(x)) return "a JS array";
  return typeof x === "object" ? "an object without data and shape" : `${typeof x} ${String(x)}`;
}

/** The argument as a typed array of `dtype` with `size(shape)` elements, or a TypeError naming both sides. */
function toTyped(arg: ArgumentLike, dtype: ManifestDType, shape: readonly number[], where: string): TypedArray {
  const expected = fmt(dtype, shape), size = sizeOf(shape);
  const fail = (got: string): never => {
    throw new TypeError(`${where}: expected ${expected}, got ${got}`);
  };
  if (ArrayBuffer.isView(arg)) {
    const dt = dtypeOfTyped(arg);
    if (dt !== dtype) fail(`${describe(arg)}; pass a ${typedArrayOf[dtype].name}`);
    if ((arg as TypedArray).length !== size) fail(describe(arg));
    return arg as TypedArray;
  }
  if (typeof arg === "number" || typeof arg === "boolean" || Array.isArray(arg)) {
    const [values, given] = flatten(arg as Nested, where);
    if (!sameShape(given, shape)) fail(`${fmt(dtype, given)} (a ${Array.isArray(arg) ? "nested JS array" : typeof arg})`);
    return convert(values, dtype, where, expected);
  }
  if (typeof arg === "object" && arg !== null && "data" in arg && "shape" in arg) {
    const given = checkShape(arg.shape, where);
    const data = arg.data;
    const dt = ArrayBuffer.isView(data) ? dtypeOfTyped(data) : undefined;
    if (ArrayBuffer.isView(data) && dt !== dtype) fail(`${dt ?? data.constructor.name} data with shape [${given}]; pass a ${typedArrayOf[dtype].name}`);
    if (!sameShape(given, shape)) fail(`${fmt(dt ?? dtype, given)}`);
    if (data.length !== size) fail(`${fmt(dt ?? dtype, given)} with ${data.length} data elements`);
    return dt ? (data as TypedArray) : convert(Array.from(data), dtype, where, expected);
  }
  return fail(describe(arg));
}

function flatten(x: Nested, where: string): [(number | boolean)[], number[]] {
  const shape: number[] = [];
  for (let level: Nested = x; Array.isArray(level); level = (level as readonly Nested[])[0]!) shape.push(level.length);
  const out: (number | boolean)[] = [];
  const walk = (v: Nested, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(v)) throw new TypeError(`${where}: the nested array is ragged (shape [${shape}] from its first elements)`);
      out.push(v as number | boolean);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) throw new TypeError(`${where}: the nested array is ragged (shape [${shape}] from its first elements)`);
    for (const e of v) walk(e, depth + 1);
  };
  walk(x, 0);
  return [out, shape];
}

function convert(values: ArrayLike<unknown>, dtype: ManifestDType, where: string, expected: string): TypedArray {
  const out = new typedArrayOf[dtype](values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const ok =
      dtype === "bool" ? typeof v === "boolean" || v === 0 || v === 1
      : dtype === "int32" ? Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31
      : typeof v === "number";
    if (!ok) throw new TypeError(`${where}: expected ${expected}, got ${typeof v === "number" ? v : JSON.stringify(v)} at flat index ${i}, which is not a ${dtype} value`);
    out[i] = Number(v);
  }
  return out;
}

// A variable, not a literal, so that browser bundlers do not try to resolve a Node module.
const NODE_FS = "node:fs/promises";
const isNode = typeof process === "object" && typeof process.versions?.node === "string";

async function readBytes(source: string | URL): Promise<Uint8Array | ArrayBuffer> {
  const url = source instanceof URL ? source : isNode ? (/^(https?|data|blob|file):/.test(source) ? new URL(source) : null) : null;
  if (isNode && (url === null || url.protocol === "file:")) {
    const fs = (await import(NODE_FS)) as { readFile(p: string | URL): Promise<Uint8Array> };
    return fs.readFile(url ?? (source as string));
  }
  const res = await fetch(url ?? source);
  if (!res.ok) throw new Error(`${String(source)}: HTTP ${res.status} ${res.statusText}`);
  return res.arrayBuffer();
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const I32 = 0x7f;

function checkArity(where: string, spec: EntrySpec, params: number): void {
  const arity = spec.inputs.length + spec.outputs.length + 1 + spec.consts.length;
  if (params !== arity) {
    throw new ManifestError(
      `${where}: the manifest does not match the exports: ${spec.name} takes ${params} parameters, the manifest describes ${arity} ` +
        `(${count(spec.inputs.length, "input")}, ${count(spec.outputs.length, "output")}, scratch, ${count(spec.consts.length, "const")})`,
    );
  }
}

/**
 * Checks a module's bytes against its manifest: every entry an exported function of i32
 * addresses with no results, one shared memory import of at most 4 GiB, nothing that runs
 * or writes at instantiation (a start function, active data segments), and the
 * manifest's digest matching the code, so an edited manifest cannot describe the code
 * wrongly (an understated output would let it overwrite the next array; an overstated
 * one would return stale memory).
 */
function checkAgainstCode(bytes: Uint8Array, manifest: Manifest, where: string): void {
  let layout;
  try {
    layout = readLayout(bytes);
  } catch (e) {
    throw new ManifestError(`${where}: ${(e as Error).message}`);
  }
  for (const spec of manifest.entries) {
    const sig = layout.exports.get(spec.name)!;
    checkArity(where, spec, sig.params.length);
    if (!sig.params.every((t) => t === I32) || sig.results.length > 0) {
      throw new ManifestError(`${where}: entry ${spec.name} must take i32 addresses and return nothing (its type has parameters ${sig.params.map((t) => "0x" + t.toString(16)).join(",")} and ${sig.results.length} results)`);
    }
  }
  for (const m of layout.memories) {
    if (!m.shared || m.maximum === undefined || m.maximum > 65536) {
      throw new ManifestError(`${where}: its memory import must be shared with a maximum of at most 65536 pages`);
    }
  }
  if (layout.hasStart) throw new ManifestError(`${where}: has a start function, which would run at instantiation; wax modules have none`);
  if (layout.activeDataSegments > 0) {
    throw new ManifestError(`${where}: has ${count(layout.activeDataSegments, "active data segment")}, which would write into the shared memory at instantiation; wax modules have none`);
  }
  if (manifest.codeDigest === undefined) {
    throw new ManifestError(`${where}: the manifest has no codeDigest, so nothing binds it to the code (compile the module again with this version of wax)`);
  }
  const actual = manifestDigest(layout.code, manifest);
  if (actual !== manifest.codeDigest) {
    throw new ManifestError(
      `${where}: the manifest does not match the module's code: it records codeDigest ${manifest.codeDigest}, the code and manifest give ${actual}; ` +
        `the manifest was edited or belongs to another module`,
    );
  }
}


/**
 * Loads a compiled wax module from bytes, a WebAssembly.Module, a URL or a path (a file in
 * Node; fetched relative to the page in a browser). Rejects with a ManifestError naming
 * the file when it is not a wax module this runtime can call.
 */
export async function loadModule(
  source: Uint8Array | ArrayBuffer | WebAssembly.Module | URL | string,
  opts: LoadOptions = {},
): Promise<WaxModule & Record<string, EntryFunction>> {
  const where = opts.name ?? (typeof source === "string" ? source : source instanceof URL ? source.href : "module");
  let module: WebAssembly.Module;
  let bytes: Uint8Array | null = null;
  if (source instanceof WebAssembly.Module) module = source;
  else {
    const raw = typeof source === "string" || source instanceof URL ? await readBytes(source) : source;
    const given = raw instanceof Uint8Array ? raw : new Uint8Array(raw);
    bytes = given;
    try {
      module = await WebAssembly.compile(given as Uint8Array<ArrayBuffer>);
    } catch (e) {
      const isWasm = WASM_MAGIC.every((b, i) => given[i] === b);
      throw new ManifestError(
        isWasm
          ? `${where} could not be compiled by this engine (wax modules need WebAssembly SIMD and threads): ${(e as Error).message}`
          : `${where} is not a WebAssembly module: ${(e as Error).message}`,
      );
    }
  }
  const manifest = readManifest(module, where);
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module !== "env" || imp.name !== "memory" || imp.kind !== "memory") {
      throw new ManifestError(`${where}: imports ${imp.module}.${imp.name} (${imp.kind}); a wax module imports only the memory env.memory`);
    }
  }
  // A WebAssembly.Module carries no bytes to check: its exports' arity is checked when it is instantiated.
  if (bytes !== null) checkAgainstCode(bytes, manifest, where);
  if (opts.isolated && opts.memory !== undefined) throw new TypeError(`${where}: give isolated or memory, not both (an isolated module gets a memory of its own)`);
  if (opts.memory === undefined && typeof SharedArrayBuffer === "undefined") {
    throw new Error(
      "wax/runtime needs a shared WebAssembly.Memory, and SharedArrayBuffer is unavailable: serve the page cross-origin isolated, " +
        "with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp",
    );
  }
  const memory = opts.isolated ? new WaxMemory(1) : (opts.memory ?? waxMemory());
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, { env: { memory: memory.memory } });
  } catch (e) {
    throw new ManifestError(`${where} cannot be instantiated over the wax memory: ${(e as Error).message}`);
  }
  return new WaxModule(where, module, instance, manifest, memory) as WaxModule & Record<string, EntryFunction>;
}
