// Eager mode on the wasm backend: each primitive runs through its own compiled kernel,
// cached by (primitive, parameters, argument types).

import type { ConcreteArray } from "../core/array.js";
import { type EagerExecutor, abstractEval, installCompiledExecutor } from "../core/trace.js";
import { Jaxpr, Var } from "../jaxpr/jaxpr.js";
import type { Params, Primitive } from "../primitives/params.js";
import type { ShapedArray } from "../shape.js";
import { runPmap } from "../pmap/runner.js";
import { type Runnable, compileJaxpr, compileOrInterpret } from "./compile.js";
import type { Executable } from "./executable.js";

const cache = new Map<string, Executable>();
const callCache = new WeakMap<Jaxpr, Runnable>();

function singleEqn<P extends Primitive>(prim: P, avals: ShapedArray[], params: Params<P>): Jaxpr {
  const invars = avals.map((a) => new Var(a));
  const outs = abstractEval(prim, avals, params).map((a) => new Var(a));
  return new Jaxpr([], invars, [{ primitive: prim, inputs: invars, params, outBinders: outs }], outs);
}

export const executeEagerly: EagerExecutor = (prim, args, params) => {
  if (prim === "xla_pmap") return runPmap(args, params as Params<"xla_pmap">);
  if (prim === "xla_call" || prim === "custom_jvp_call" || prim === "custom_vjp_call_jaxpr") {
    // A jitted (or custom-derivative) function applied to concrete arrays: compile its whole jaxpr once.
    const p = params as Partial<Params<"xla_call"> & Params<"custom_vjp_call_jaxpr">>;
    const jaxpr = (p.call_jaxpr ?? p.fun_jaxpr)!;
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

installCompiledExecutor(executeEagerly);
