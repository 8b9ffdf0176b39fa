// jit: trace once per argument signature, compile to one wasm module, cache it with its
// call plan. Called on concrete arrays it runs the module; called while tracing (inside
// makeJaxpr, vmap or another jit) it stages an `xla_call` equation, as JAX 0.4.1 does.

import { ConcreteArray } from "../core/array.js";
import { asArray, describe } from "../core/scalar.js";
import { activeMains, axisFrameOf, bind, isTracing } from "../core/trace.js";
import type { EmitOptions } from "../backend/emit.js";
import { buildModule, type ModuleOptions } from "../aot/module.js";
import { type ClosedJaxpr, convertConstvarsToInvars } from "../jaxpr/jaxpr.js";
import { checkArgnums, checkOptions, resolveArgnums, splitStatic } from "../jaxpr/static-args.js";
import { type TracedFunction, leafAval, traceToJaxpr } from "../jaxpr/trace.js";
import { lowerJaxpr } from "../lower/lower.js";
import type { Program } from "../lower/ir.js";
import { pyTuple } from "../shape.js";
import { type TreeDef, treeDefString, treeFlatten, treeUnflatten } from "../tree.js";
import { ValueError } from "../transforms/vmap.js";
import { type Runnable, compileJaxpr, compileOrInterpret } from "./compile.js";
import type { Executable } from "./executable.js";
import { LruCache } from "./lru.js";

export interface JitOptions {
  /** Positions of arguments that are not traced (an int or a list; negative counts from the end): their values are part of the cache key. */
  staticArgnums?: number | number[];
  /**
   * Positions of arguments whose buffers the call may take over (JAX's donate_argnums): a
   * donated array is deleted by the call, and its block is reused for an output of the
   * same shape and dtype where the program allows it. Using it afterwards is an error.
   */
  donateArgnums?: number | number[];
}

/** The options jit knows; any other key in its options object is an error naming it. */
const JIT_OPTIONS = ["staticArgnums", "donateArgnums"] as const satisfies readonly (keyof JitOptions)[];

/** Argument signatures each jitted function keeps compiled: the least recently used one is dropped past this many. */
export const JIT_CACHE_SIZE = 64;

interface CacheEntry {
  exe: Runnable;
  outTree: TreeDef;
}

/** A function compiled ahead of time for fixed argument types. */
export interface Compiled {
  (...args: unknown[]): unknown;
  readonly executable: Executable;
}

export class Lowered {
  constructor(
    readonly traced: TracedFunction,
    readonly name: string,
  ) {}

  /** The jaxpr being compiled. */
  get jaxpr(): ClosedJaxpr {
    return this.traced.jaxpr;
  }

  /** The kernel program lowering produced. */
  program(): Program {
    return lowerJaxpr(this.traced.jaxpr.jaxpr);
  }

  /** A callable for exactly these argument types; it checks each call's arguments against them. */
  compile(opts: EmitOptions = {}): Compiled {
    const consts = this.traced.jaxpr.consts as ConcreteArray[];
    const exe = compileJaxpr(this.traced.jaxpr.jaxpr, consts, opts);
    const inAvals = exe.inAvals, outTree = this.traced.outTree, name = this.name;
    const f = (...args: unknown[]): unknown => {
      const [leaves] = treeFlatten(args);
      if (leaves.length !== inAvals.length) {
        throw new TypeError(`${name}: expected ${inAvals.length} array arguments, got ${leaves.length}`);
      }
      const arrays = leaves.map((l, i) => {
        const a = asArray(l as never, `${name} argument ${i}`) as ConcreteArray;
        const want = inAvals[i]!;
        if (a.dtype !== want.dtype || a.shape.join() !== want.shape.join()) {
          throw new TypeError(
            `${name} argument ${i}: expected ${want.dtype}${pyTuple(want.shape)}, got ${a.dtype}${pyTuple(a.shape)}`,
          );
        }
        return a;
      });
      return treeUnflatten(outTree, exe.call(arrays));
    };
    return Object.assign(f, { executable: exe });
  }

  /**
   * The standalone wasm module (one entry, with its manifest): see the README's ABI
   * section. The entry is named after the function (`main` for an anonymous one).
   */
  wasm(opts: ModuleOptions = {}): Uint8Array {
    const name = /^[A-Za-z_$][\w$]*$/.test(this.name) ? this.name : "main";
    return buildModule([{ name, lowered: this }], opts).bytes;
  }
}

export type Jitted<F extends (...args: any[]) => any> = F & {
  lower(...args: unknown[]): Lowered;
};

function functionName(fn: Function): string {
  return fn.name || "<lambda>";
}

/** JAX's jit: `jit(fn, { staticArgnums })`. */
export function jit<F extends (...args: any[]) => any>(fn: F, opts: JitOptions = {}): Jitted<F> {
  if (typeof fn !== "function") throw new TypeError(`jit: expected a function, got ${describe(fn)}`);
  checkOptions(opts, JIT_OPTIONS, "jit()");
  const argnums = checkArgnums(opts.staticArgnums, "staticArgnums", "jit");
  const hasStatics = argnums.length > 0;
  const name = functionName(fn);
  const donateArgnums = checkArgnums(opts.donateArgnums, "donateArgnums", "jit");
  const both = donateArgnums.filter((i) => argnums.includes(i));
  if (both.length > 0) throw new ValueError(`jit ${name}: argument ${both[0]} is both static and donated (staticArgnums and donateArgnums overlap)`);
  const cache = new LruCache<string, CacheEntry>(JIT_CACHE_SIZE, (e) => e.exe.dispose?.());
  const split = (args: unknown[]) => splitStatic(fn, args, argnums, `jit ${name}`);

  /** Per leaf of the dynamic arguments: whether its argument is donated. */
  const donatedLeaves = (args: unknown[]): boolean[] | undefined => {
    if (donateArgnums.length === 0) return undefined;
    const where = `jit ${name}`;
    const donated = resolveArgnums(donateArgnums, args.length, "donateArgnums", where);
    const statics = resolveArgnums(argnums, args.length, "staticArgnums", where);
    const flags: boolean[] = [];
    args.forEach((a, i) => {
      if (statics.has(i)) {
        if (donated.has(i)) throw new ValueError(`${where}: argument ${i} is both static and donated (staticArgnums and donateArgnums overlap)`);
        return;
      }
      const n = a instanceof ConcreteArray ? 1 : treeFlatten(a)[0].length;
      for (let k = 0; k < n; k++) flags.push(donated.has(i));
    });
    return flags;
  };

  // One trace per signature (tree, avals, static values, and the named axes in scope, whose
  // sizes collectives bake in), shared by concrete calls and calls inside another trace,
  // as JAX's jit does. A trace that closed over tracers of an outer transformation is tied
  // to that trace, so it is not kept.
  const traces = new LruCache<string, { t: TracedFunction; callJaxpr: ReturnType<typeof convertConstvarsToInvars> }>(JIT_CACHE_SIZE);
  const traceOf = (args: unknown[]) => {
    const { dyn, call, staticKey } = split(args);
    const [leaves, tree] = treeFlatten(dyn);
    const axes = activeMains().map((m) => axisFrameOf(m)).filter((f) => f !== null).map((f) => `${f.axisName}=${f.axisSize}`);
    const key = `${treeDefString(tree)}|${leaves.map((l, i) => leafAval(l, `${name} argument leaf ${i}`).key).join("")}|${staticKey}|${axes.join(",")}`;
    let entry = traces.get(key);
    if (!entry) {
      const t = traceToJaxpr(call, dyn, name);
      entry = { t, callJaxpr: convertConstvarsToInvars(t.jaxpr.jaxpr) };
      if (t.jaxpr.consts.every((c) => c instanceof ConcreteArray)) {
        // The cache keeps the constants: scopes must not free them.
        (t.jaxpr.consts as ConcreteArray[]).forEach((c) => (c.pinned = true));
        traces.set(key, entry);
      }
    }
    return { ...entry, leaves };
  };

  const traced = (args: unknown[]): unknown => {
    const { t, callJaxpr, leaves } = traceOf(args);
    const operands = [...t.jaxpr.consts, ...leaves.map((l) => asArray(l as never, `${name} argument`))];
    const donatedArgs = donatedLeaves(args) ?? leaves.map(() => false);
    const donatedInvars = [...t.jaxpr.consts.map(() => false), ...donatedArgs];
    const outs = bind("xla_call", operands, { call_jaxpr: callJaxpr, name, donated_invars: donatedInvars });
    return treeUnflatten(t.outTree, outs);
  };

  const jitted = (...args: unknown[]): unknown => {
    // Fast path: positional Arrays, nothing static.
    let leaves: unknown[];
    let key: string;
    if (!hasStatics && args.every((a) => a instanceof ConcreteArray)) {
      leaves = args;
      key = `${args.length}|`;
      for (const a of args as ConcreteArray[]) key += a.aval.key;
    } else {
      const { dyn, staticKey } = split(args);
      let tree: TreeDef;
      [leaves, tree] = treeFlatten(dyn);
      if (isTracing(leaves)) return traced(args);
      leaves = leaves.map((l, i) => asArray(l as never, `${name} argument leaf ${i}`));
      key = `${treeDefString(tree)}|${(leaves as ConcreteArray[]).map((a) => a.aval.key).join("")}|${staticKey}`;
    }
    if (isTracing(leaves)) return traced(args);
    let entry = cache.get(key);
    if (!entry) {
      const { t } = traceOf(args); // on concrete arguments its constants are concrete, so traceOf pinned them
      entry = { exe: compileOrInterpret(t.jaxpr.jaxpr, t.jaxpr.consts as ConcreteArray[]), outTree: t.outTree };
      cache.set(key, entry);
    }
    const outs = entry.exe.call(leaves as ConcreteArray[], donatedLeaves(args));
    return entry.outTree.kind === "leaf" ? outs[0] : treeUnflatten(entry.outTree, outs);
  };

  const lower = (...args: unknown[]): Lowered => {
    const { dyn, call } = split(args);
    return new Lowered(traceToJaxpr(call, dyn, name), name);
  };

  Object.defineProperty(jitted, "name", { value: name });
  return Object.assign(jitted, { lower }) as unknown as Jitted<F>;
}
