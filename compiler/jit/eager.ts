// Eager mode on the wasm backend: each primitive runs through its own compiled kernel,
// cached by (primitive, parameters, argument types) in a bounded LRU cache.

import { waxMemory } from "../../runtime/memory.js";
import { ConcreteArray, installMaterializer } from "../core/array.js";
import { type EagerExecutor, abstractEval, installCompiledExecutor } from "../core/trace.js";
import { Jaxpr, Var } from "../jaxpr/jaxpr.js";
import { BINARY_PRIMITIVES, type Params, type Primitive, UNARY_PRIMITIVES } from "../primitives/params.js";
import { elemBytes } from "../lower/ir.js";
import type { ShapedArray } from "../shape.js";
import { runPmap } from "../pmap/runner.js";
import { type Runnable, compileJaxpr, compileOrInterpret } from "./compile.js";
import { type Executable, SMALL_BYTES } from "./executable.js";
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

/** Elementwise primitives whose large results wait to be read, or fused into their consumer. */
const DEFERRED = new Set<Primitive>([
  ...UNARY_PRIMITIVES, ...BINARY_PRIMITIVES, "select_n", "integer_pow", "convert_element_type", "broadcast_in_dim",
]);
/** Pending operations in one chain at most: a longer chain is computed, so no chain grows for ever. */
const MAX_PENDING_DEPTH = 16;

export const executeEagerly: EagerExecutor = (prim, args, params) => {
  if (prim === "xla_pmap") return runPmap(args, params as Params<"xla_pmap">);
  if (prim === "xla_call" || prim === "custom_jvp_call" || prim === "custom_vjp_call_jaxpr") {
    // A jitted (or custom-derivative) function applied to concrete arrays: compile its whole
    // jaxpr once. (Its donated_invars are not acted on here: the arrays may be a caller's.)
    const p = params as Partial<Params<"xla_call"> & Params<"custom_vjp_call_jaxpr">>;
    const jaxpr = (p.call_jaxpr ?? p.fun_jaxpr)!;
    let exe = callCache.get(jaxpr);
    if (!exe) {
      exe = compileOrInterpret(jaxpr, []);
      callCache.set(jaxpr, exe);
    }
    return exe.call(args);
  }
  for (const a of args) if (a.isDeleted()) a.buffer; // throws the array's "disposed" or "deleted" error
  const pendingArgs = args.some((a) => a.pendingOp !== null);
  if (DEFERRED.has(prim)) {
    const [aval] = abstractEval(prim, args.map((a) => a.aval), params);
    const depth = 1 + Math.max(0, ...args.map((a) => a.pendingOp?.depth ?? 0));
    if (aval!.size * elemBytes(aval!.dtype) > SMALL_BYTES && depth <= MAX_PENDING_DEPTH) {
      return [ConcreteArray.pending(aval!, { prim, params: params as Params, inputs: [...args], depth })];
    }
  }
  if (pendingArgs) return runFused([{ prim, params: params as Params, inputs: args }]);
  const key = `${prim}|${JSON.stringify(params)}|${args.map((a) => a.aval.key).join(",")}`;
  let exe = cache.get(key);
  if (!exe) {
    exe = compileJaxpr(singleEqn(prim, args.map((a) => a.aval), params), []);
    cache.set(key, exe);
  }
  return exe.call(args as ConcreteArray[]);
};

/**
 * Runs `ops` (the last is the one asked for) together with the pending operations they
 * read, as one compiled program whose inputs are the arrays that have values: pending
 * temporaries never get a buffer.
 */
function runFused(ops: { prim: Primitive; params: Params; inputs: ConcreteArray[] }[]): ConcreteArray[] {
  const vars = new Map<ConcreteArray, Var>();
  const leaves: ConcreteArray[] = [];
  const invars: Var[] = [];
  const eqns: Jaxpr["eqns"] = [];
  const keyParts: string[] = [];
  const keyOf = new Map<Var, string>();
  const varOf = (a: ConcreteArray): Var => {
    let v = vars.get(a);
    if (v) return v;
    const op = a.pendingOp;
    if (op === null) {
      v = new Var(a.aval);
      invars.push(v);
      leaves.push(a.forReader());
      keyOf.set(v, `i${invars.length - 1}`);
    } else {
      v = emit(op)[0]!;
    }
    vars.set(a, v);
    return v;
  };
  const emit = (op: { prim: Primitive; params: Params; inputs: ConcreteArray[] }): Var[] => {
    const ins = op.inputs.map(varOf);
    const outs = abstractEval(op.prim, ins.map((v) => v.aval), op.params as never).map((a) => new Var(a));
    eqns.push({ primitive: op.prim, inputs: ins, params: op.params as never, outBinders: outs });
    keyParts.push(`${op.prim}${JSON.stringify(op.params)}(${ins.map((v) => keyOf.get(v)).join(",")})`);
    outs.forEach((v, k) => keyOf.set(v, `e${eqns.length - 1}.${k}`));
    return outs;
  };
  let outs: Var[] = [];
  for (const op of ops) outs = emit(op);
  const key = `fused|${invars.map((v) => v.aval.key).join(",")}|${keyParts.join(";")}`;
  let exe = cache.get(key);
  if (!exe) {
    exe = compileJaxpr(new Jaxpr([], invars, eqns, outs), []);
    cache.set(key, exe);
  }
  return exe.call(leaves);
}

installMaterializer((a) => runFused([a.pendingOp!])[0]!);

/** How many compiled eager kernels are cached now (tests). */
export function eagerCacheSize(): number {
  return cache.size;
}

installCompiledExecutor(executeEagerly);
