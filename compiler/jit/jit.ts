// jit: trace once per argument signature, compile to one wasm module, cache it with its
// call plan. Called on concrete arrays it runs the module; called while tracing (inside
// makeJaxpr, vmap or another jit) it stages an `xla_call` equation, as JAX 0.4.1 does.

import { ConcreteArray } from "../core/array.js";
import { asArray, describe } from "../core/scalar.js";
import { activeMains, axisFrameOf, bind, isTracing } from "../core/trace.js";
import type { EmitOptions } from "../backend/emit.js";
import { buildModule, type ModuleOptions } from "../aot/module.js";
import { type ClosedJaxpr, convertConstvarsToInvars } from "../jaxpr/jaxpr.js";
import { checkArgnums, checkOptions, splitStatic } from "../jaxpr/static-args.js";
import { type TracedFunction, leafAval, traceToJaxpr } from "../jaxpr/trace.js";
import { lowerJaxpr } from "../lower/lower.js";
import type { Program } from "../lower/ir.js";
import { pyTuple } from "../shape.js";
import { type TreeDef, treeDefString, treeFlatten, treeUnflatten } from "../tree.js";
import { type Runnable, compileJaxpr, compileOrInterpret } from "./compile.js";
import type { Executable } from "./executable.js";

export interface JitOptions {
  /** Positions of arguments that are not traced (an int or a list; negative counts from the end): their values are part of the cache key. */
  staticArgnums?: number | number[];
}

/** The options jit knows; any other key in its options object is an error naming it. */
const JIT_OPTIONS = ["staticArgnums"] as const satisfies readonly (keyof JitOptions)[];

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
  const cache = new Map<string, CacheEntry>();
  const split = (args: unknown[]) => splitStatic(fn, args, argnums, `jit ${name}`);

  // One trace per signature (tree, avals, static values, and the named axes in scope, whose
  // sizes collectives bake in), shared by concrete calls and calls inside another trace,
  // as JAX's jit does. A trace that closed over tracers of an outer transformation is tied
  // to that trace, so it is not kept.
  const traces = new Map<string, { t: TracedFunction; callJaxpr: ReturnType<typeof convertConstvarsToInvars> }>();
  const traceOf = (args: unknown[]) => {
    const { dyn, call, staticKey } = split(args);
    const [leaves, tree] = treeFlatten(dyn);
    const axes = activeMains().map((m) => axisFrameOf(m)).filter((f) => f !== null).map((f) => `${f.axisName}=${f.axisSize}`);
    const key = `${treeDefString(tree)}|${leaves.map((l, i) => leafAval(l, `${name} argument leaf ${i}`).key).join("")}|${staticKey}|${axes.join(",")}`;
    let entry = traces.get(key);
    if (!entry) {
      const t = traceToJaxpr(call, dyn, name);
      entry = { t, callJaxpr: convertConstvarsToInvars(t.jaxpr.jaxpr) };
      if (t.jaxpr.consts.every((c) => c instanceof ConcreteArray)) traces.set(key, entry);
    }
    return { ...entry, leaves };
  };

  const traced = (args: unknown[]): unknown => {
    const { t, callJaxpr, leaves } = traceOf(args);
    const operands = [...t.jaxpr.consts, ...leaves.map((l) => asArray(l as never, `${name} argument`))];
    const outs = bind("xla_call", operands, { call_jaxpr: callJaxpr, name, donated_invars: operands.map(() => false) });
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
      const { t } = traceOf(args);
      entry = { exe: compileOrInterpret(t.jaxpr.jaxpr, t.jaxpr.consts as ConcreteArray[]), outTree: t.outTree };
      cache.set(key, entry);
    }
    const outs = entry.exe.call(leaves as ConcreteArray[]);
    return entry.outTree.kind === "leaf" ? outs[0] : treeUnflatten(entry.outTree, outs);
  };

  const lower = (...args: unknown[]): Lowered => {
    const { dyn, call } = split(args);
    return new Lowered(traceToJaxpr(call, dyn, name), name);
  };

  Object.defineProperty(jitted, "name", { value: name });
  return Object.assign(jitted, { lower }) as unknown as Jitted<F>;
}
