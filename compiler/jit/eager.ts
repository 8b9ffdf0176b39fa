// Eager mode on the wasm backend: each primitive runs through its own compiled kernel,
// cached by (primitive, parameters, argument types) in a bounded LRU cache.

import { waxMemory } from "../../runtime/memory.js";
import type { ConcreteArray } from "../core/array.js";
import { type EagerExecutor, abstractEval, installCompiledExecutor } from "../core/trace.js";
import { Jaxpr, Var } from "../jaxpr/jaxpr.js";
import type { Params, Primitive } from "../primitives/params.js";
import type { ShapedArray } from "../shape.js";
import { runPmap } from "../pmap/runner.js";
import { type Runnable, compileJaxpr, compileOrInterpret } from "./compile.js";
import type { Executable } from "./executable.js";
import { LruCache } from "./lru.js";

/** Compiled eager kernels kept: the least recently used one is dropped past this many. */
export const EAGER_CACHE_SIZE = 256;

const cache = new LruCache<string, Executable>(EAGER_CACHE_SIZE, (exe) => exe.dispose());
const callCache = new WeakMap<Jaxpr, Runnable>();
// Under memory pressure, kernels not in use give back their slots and scratch.
waxMemory().onPressure(() => cache.clear());

function singleEqn<P extends Primitive>(prim: P, avals: ShapedArray[], params: Params<P>): Jaxpr {
  const invars = avals.map((a) => new Var(a));
  const outs = abstractEval(prim, avals, params).map((a) => new Var(a));
  return new Jaxpr([], invars, [{ primitive: prim, inputs: invars, params, outBinders: outs }], outs);
}

export const executeEagerly: EagerExecutor = (prim, args, params) => {
  if (prim === "xla_pmap") return runPmap(args, params as Params<"xla_pmap">);
  if (prim === "xla_call") {
    // A jitted function applied to concrete arrays: compile its whole jaxpr once. (Its
    // donated_invars are not acted on here: the arrays may be a caller's, passed through.)
    const jaxpr = (params as Params<"xla_call">).call_jaxpr;
    let exe = callCache.get(jaxpr);
    if (!exe) {
      exe = compileOrInterpret(jaxpr, []);
      callCache.set(jaxpr, exe);
    }
    return exe.call(args);
  }
  const key = `${prim}|${JSON.stringify(params)}|${args.map((a) => a.aval.key).join(",")}`;
  let exe = cache.get(key);
  if (!exe) {
    exe = compileJaxpr(singleEqn(prim, args.map((a) => a.aval), params), []);
    cache.set(key, exe);
  }
  return exe.call(args as ConcreteArray[]);
};

/** How many compiled eager kernels are cached now (tests). */
export function eagerCacheSize(): number {
  return cache.size;
}

installCompiledExecutor(executeEagerly);
