// Partial evaluation, after Autodidax: values are either known (computed now, by the
// traces below) or unknown (staged into a jaxpr). Run under a JVP, with the primals known
// and the tangents unknown, it splits a function into its primal computation, which runs,
// and its linear tangent program, a jaxpr whose constants are the residuals.

import type { Array } from "../core/array.js";
import { type MainTrace, Trace, Tracer, abstractEval, bind, fullLower } from "../core/trace.js";
import { Jaxpr, type JaxprEqn, Var } from "../jaxpr/jaxpr.js";
import type { Params, Primitive } from "../primitives/params.js";
import type { ShapedArray } from "../shape.js";
import { NotImplementedError } from "./errors.js";
import { type SplitJaxpr, partialEvalJaxpr } from "./partial-eval-jaxpr.js";

type Recipe =
  | { kind: "lambda" }
  | { kind: "const"; val: Array }
  | { kind: "eqn"; eqn: EqnRecipe };

interface EqnRecipe {
  prim: Primitive;
  inputs: PartialEvalTracer[];
  params: Params;
  outs: PartialEvalTracer[];
}

const splits = new WeakMap<Jaxpr, Map<string, SplitJaxpr>>();

/**
 * A jitted call with some unknown operands splits in two: its known part runs now as one
 * call (giving the known outputs and the residuals), its unknown part is staged as
 * another call that reads the residuals.
 */
function partialEvalCall(trace: PartialEvalTrace, tracers: PartialEvalTracer[], params: Params<"xla_call">): Array[] {
  const inUnknown = tracers.map((t) => t.known === null);
  const key = inUnknown.map(Number).join("");
  let byKey = splits.get(params.call_jaxpr);
  if (!byKey) splits.set(params.call_jaxpr, (byKey = new Map()));
  let split = byKey.get(key);
  if (!split) byKey.set(key, (split = partialEvalJaxpr(params.call_jaxpr, inUnknown)));
  const knownIns = tracers.filter((t) => t.known !== null).map((t) => t.known!);
  const knownOuts = bind("xla_call", knownIns, { call_jaxpr: split.known, name: params.name, donated_invars: knownIns.map(() => false) });
  const nOuts = knownOuts.length - split.numResiduals;
  const residuals = knownOuts.slice(nOuts).map((r) => trace.instantiateConst(new PartialEvalTracer(trace, r.aval, r)));
  const inputs = [...residuals, ...tracers.filter((t) => t.known === null)];
  const staged = split.unknown.outAvals.map((a) => new PartialEvalTracer(trace, a, null));
  const eqn: EqnRecipe = {
    prim: "xla_call",
    inputs,
    params: { call_jaxpr: split.unknown, name: params.name, donated_invars: inputs.map(() => false) },
    outs: staged,
  };
  for (const o of staged) o.recipe = { kind: "eqn", eqn };
  let k = 0, j = 0;
  return split.outUnknown.map((u) => (u ? staged[k++]! : knownOuts[j++]!));
}

export class PartialEvalTracer extends Tracer {
  recipe: Recipe | null = null;
  constructor(
    readonly trace: PartialEvalTrace,
    readonly aval: ShapedArray,
    /** The value when known; null when it is staged out. */
    readonly known: Array | null,
  ) {
    super();
  }
  override fullLower(): Array {
    return this.known !== null ? fullLower(this.known) : this;
  }
}

/** Primitives whose partial evaluation is not "stage it whole when any operand is unknown". */
const partialEvalRules: { [P in Primitive]?: (trace: PartialEvalTrace, tracers: PartialEvalTracer[], params: Params<P>) => Array[] } = {
  xla_call: partialEvalCall,
  xla_pmap: () => {
    throw new NotImplementedError(
      "Reverse-mode differentiation of a pmap is not supported: differentiate inside the mapped function " +
        "(pmap(step) where step calls grad, then lax.pmean the gradients), as data-parallel training does.",
    );
  },
};

export class PartialEvalTrace extends Trace {
  newArg(aval: ShapedArray): PartialEvalTracer {
    const t = new PartialEvalTracer(this, aval, null);
    t.recipe = { kind: "lambda" };
    return t;
  }
  pure(x: Array): Array {
    return new PartialEvalTracer(this, x.aval, x);
  }
  lift(x: Tracer): Array {
    return new PartialEvalTracer(this, x.aval, x);
  }
  /** An unknown stand-in for a known value, recorded as a constant of the staged jaxpr. */
  instantiateConst(t: PartialEvalTracer): PartialEvalTracer {
    if (t.known === null) return t;
    const u = new PartialEvalTracer(this, t.aval, null);
    u.recipe = { kind: "const", val: t.known };
    return u;
  }
  processPrimitive<P extends Primitive>(prim: P, tracers: Array[], params: Params<P>): Array[] {
    const ts = tracers as PartialEvalTracer[];
    if (ts.every((t) => t.known !== null)) return bind(prim, ts.map((t) => t.known!), params);
    const rule = partialEvalRules[prim];
    if (rule) return rule(this, ts, params);
    const inputs = ts.map((t) => this.instantiateConst(t));
    const avals = abstractEval(prim, inputs.map((t) => t.aval), params);
    const outs = avals.map((a) => new PartialEvalTracer(this, a, null));
    const eqn: EqnRecipe = { prim, inputs, params, outs };
    for (const o of outs) o.recipe = { kind: "eqn", eqn };
    return outs;
  }
}

/** Staged values, turned into a jaxpr: inputs `ins`, outputs `outs`, constants (the residuals) with their values. */
export function tracersToJaxpr(ins: PartialEvalTracer[], outs: PartialEvalTracer[]): { jaxpr: Jaxpr; consts: Array[] } {
  const vars = new Map<PartialEvalTracer, Var>();
  const varOf = (t: PartialEvalTracer): Var => {
    let v = vars.get(t);
    if (!v) vars.set(t, (v = new Var(t.aval)));
    return v;
  };
  const invars = ins.map(varOf);
  const constvars: Var[] = [], consts: Array[] = [];
  const constOf = new Map<Array, Var>();
  const eqns: JaxprEqn[] = [];
  const seen = new Set<EqnRecipe>();
  const visited = new Set<PartialEvalTracer>(ins);
  // Depth-first from the outputs; equations are emitted after their inputs (a topological order).
  const visit = (root: PartialEvalTracer) => {
    const stack: [PartialEvalTracer, boolean][] = [[root, false]];
    while (stack.length > 0) {
      const [t, done] = stack.pop()!;
      const r = t.recipe!;
      if (r.kind === "eqn" && done) {
        if (seen.has(r.eqn)) continue;
        seen.add(r.eqn);
        eqns.push({
          primitive: r.eqn.prim,
          inputs: r.eqn.inputs.map(varOf),
          params: r.eqn.params,
          outBinders: r.eqn.outs.map(varOf),
        });
        continue;
      }
      if (visited.has(t)) continue;
      visited.add(t);
      if (r.kind === "lambda") throw new Error("partial eval: an unknown input that is not an argument");
      if (r.kind === "const") {
        const existing = constOf.get(r.val);
        if (existing) vars.set(t, existing);
        else {
          const v = varOf(t);
          constOf.set(r.val, v);
          constvars.push(v);
          consts.push(r.val);
        }
        continue;
      }
      if (seen.has(r.eqn)) continue;
      stack.push([t, true]);
      for (const i of r.eqn.inputs) if (!visited.has(i)) stack.push([i, false]);
    }
  };
  for (const o of outs) visit(o);
  return { jaxpr: new Jaxpr(constvars, invars, eqns, outs.map(varOf)), consts };
}

export type { MainTrace };
