// Dead-code elimination: equations none of whose results reach an output are dropped
// (a gradient's jaxpr keeps the forward pass's loss value, which grad does not return).

import { Jaxpr, type JaxprEqn, Var } from "./jaxpr.js";

export function dce(jaxpr: Jaxpr): Jaxpr {
  const live = new Set<Var>();
  for (const o of jaxpr.outs) if (o instanceof Var) live.add(o);
  const kept: JaxprEqn[] = [];
  for (let k = jaxpr.eqns.length - 1; k >= 0; k--) {
    const eqn = jaxpr.eqns[k]!;
    if (!eqn.outBinders.some((b) => b instanceof Var && live.has(b))) continue;
    kept.push(eqn);
    for (const a of eqn.inputs) if (a instanceof Var) live.add(a);
  }
  if (kept.length === jaxpr.eqns.length) return jaxpr;
  return new Jaxpr(jaxpr.constvars, jaxpr.invars, kept.reverse(), jaxpr.outs);
}
