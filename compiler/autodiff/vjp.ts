// Reverse mode by linearize-and-transpose, as in JAX: the JVP runs under partial
// evaluation with the primals known and the tangents unknown, which computes the primal
// outputs now and stages the tangent computation as a linear jaxpr (residuals as its
// constants); transposing that jaxpr gives the cotangents. Every step binds primitives,
// so under jit the whole gradient is one jaxpr, and under vmap it is batched.

import type { Array } from "../core/array.js";
import { type MainTrace, withMain } from "../core/trace.js";
import { type Jaxpr, evalJaxpr } from "../jaxpr/jaxpr.js";
import { isFloat } from "../dtypes.js";
import { jvpFlat } from "./jvp.js";
import { PartialEvalTrace, PartialEvalTracer, tracersToJaxpr } from "./partial-eval.js";
import { backwardPass } from "./transpose.js";
import { type Tangent, Zero, instantiate } from "./zero.js";

export interface Linearized {
  /** The primal outputs. */
  outs: Array[];
  /** The tangent program: its inputs are the tangents of the float inputs, its outputs the nonzero output tangents. */
  jaxpr: Jaxpr;
  consts: Array[];
  /** Which inputs the jaxpr takes a tangent for, and which outputs it gives one for. */
  inputsUsed: boolean[];
  outputsUsed: boolean[];
}

/** Splits `fn` at `primals` into its outputs and its linear tangent program. */
export function linearizeFlat(fn: (...xs: Array[]) => Array[], primals: readonly Array[]): Linearized {
  const inputsUsed = primals.map((p) => isFloat(p.dtype));
  return withMain(PartialEvalTrace, null, (main: MainTrace) => {
    const pe = new PartialEvalTrace(main);
    const args = primals.map((p, i) => (inputsUsed[i] ? pe.newArg(p.aval) : null));
    const tangents: Tangent[] = primals.map((p, i) => args[i] ?? new Zero(p.aval));
    const [outs, outTangents] = jvpFlat(fn, primals, tangents);
    const outputsUsed = outTangents.map((t) => !(t instanceof Zero));
    const staged = outTangents
      .filter((t): t is Array => !(t instanceof Zero))
      .map((t) => pe.instantiateConst(t instanceof PartialEvalTracer && t.trace.main === main ? t : new PartialEvalTracer(pe, t.aval, t)));
    const { jaxpr, consts } = tracersToJaxpr(args.filter((a): a is PartialEvalTracer => a !== null), staged);
    return { outs, jaxpr, consts, inputsUsed, outputsUsed };
  });
}

/** The JVP of a linearized function: tangents of every input to tangents of every output. */
export function applyLinear(lin: Linearized, tangents: readonly Array[]): Array[] {
  const ins = tangents.filter((_, i) => lin.inputsUsed[i]);
  const res = evalJaxpr(lin.jaxpr, lin.consts, ins);
  let k = 0;
  return lin.outs.map((o, i) => (lin.outputsUsed[i] ? res[k++]! : instantiate(new Zero(o.aval))));
}

/** Cotangents of every input from cotangents of every output (null: zero). */
export function pullBack(lin: Linearized, cts: readonly (Array | null)[], primals: readonly Array[]): Array[] {
  const used = cts.filter((_, i) => lin.outputsUsed[i]);
  const res = backwardPass(lin.jaxpr, lin.consts, used);
  let k = 0;
  return primals.map((p, i) => {
    const ct = lin.inputsUsed[i] ? res[k++] ?? null : null;
    return ct ?? instantiate(new Zero(p.aval));
  });
}
