// Partial evaluation of a whole jaxpr (JAX's partial_eval_jaxpr_nounits): given which
// inputs are unknown, split it into a known jaxpr (known inputs -> known outputs and the
// residuals the rest needs) and an unknown one (residuals and unknown inputs -> unknown
// outputs). A jitted call differentiated in reverse mode is split this way, so its primal
// part still runs as one compiled call and its linear part is staged as another.

import { Jaxpr, type JaxprEqn, Literal, Var, type Atom } from "../jaxpr/jaxpr.js";

export interface SplitJaxpr {
  known: Jaxpr;
  unknown: Jaxpr;
  /** Which outputs the unknown jaxpr computes (the rest come from the known one, in order). */
  outUnknown: boolean[];
  numResiduals: number;
}

export function partialEvalJaxpr(jaxpr: Jaxpr, inUnknown: readonly boolean[]): SplitJaxpr {
  if (jaxpr.constvars.length > 0) throw new Error("partialEvalJaxpr expects a jaxpr without constvars");
  const unknown = new Set<Var>(jaxpr.invars.filter((_, i) => inUnknown[i]));
  const isUnknown = (a: Atom) => a instanceof Var && unknown.has(a);
  const knownEqns: JaxprEqn[] = [], unknownEqns: JaxprEqn[] = [];
  for (const eqn of jaxpr.eqns) {
    if (eqn.inputs.some(isUnknown)) {
      unknownEqns.push(eqn);
      for (const b of eqn.outBinders) if (b instanceof Var) unknown.add(b);
    } else knownEqns.push(eqn);
  }
  // Residuals: known variables that the unknown side reads.
  const residuals: Var[] = [];
  const seen = new Set<Var>();
  const needs = (a: Atom | undefined) => {
    if (a instanceof Var && !unknown.has(a) && !seen.has(a)) {
      seen.add(a);
      residuals.push(a);
    }
  };
  for (const eqn of unknownEqns) eqn.inputs.forEach(needs);
  const outUnknown = jaxpr.outs.map((o) => !(o instanceof Literal) && unknown.has(o));
  const knownOuts = jaxpr.outs.filter((_, i) => !outUnknown[i]);
  const known = new Jaxpr([], jaxpr.invars.filter((_, i) => !inUnknown[i]), knownEqns, [...knownOuts, ...residuals]);
  const unknownJaxpr = new Jaxpr([], [...residuals, ...jaxpr.invars.filter((_, i) => inUnknown[i])], unknownEqns, jaxpr.outs.filter((_, i) => outUnknown[i]));
  return { known, unknown: unknownJaxpr, outUnknown, numResiduals: residuals.length };
}
