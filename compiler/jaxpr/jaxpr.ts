// The jaxpr IR: typed variables, literals, equations, and an evaluator that re-binds
// each equation, so evaluating a jaxpr under any trace (eager, vmap, another jaxpr
// trace) applies that trace's rules.

import { type Array, ConcreteArray } from "../core/array.js";
import { bind } from "../core/trace.js";
import { castScalar, typedArrayFor } from "../dtypes.js";
import type { Params, Primitive } from "../primitives/params.js";
import { ShapedArray } from "../shape.js";
import { printJaxpr } from "./print.js";

export class Var {
  constructor(readonly aval: ShapedArray) {}
}

/** An output that nothing reads; prints as `_`. */
export class DropVar {
  constructor(readonly aval: ShapedArray) {}
}

/** A scalar constant written inline (`mul a 2.0`). */
export class Literal {
  constructor(
    readonly val: number,
    readonly aval: ShapedArray,
  ) {}
  toArray(): ConcreteArray {
    const buf = typedArrayFor(this.aval.dtype, 1);
    buf[0] = castScalar(this.val, this.aval.dtype);
    return new ConcreteArray(this.aval, buf);
  }
}

export type Atom = Var | Literal;

export interface JaxprEqn<P extends Primitive = Primitive> {
  primitive: P;
  inputs: Atom[];
  params: Params<P>;
  outBinders: (Var | DropVar)[];
}

export class Jaxpr {
  constructor(
    readonly constvars: Var[],
    readonly invars: Var[],
    readonly eqns: JaxprEqn[],
    readonly outs: Atom[],
  ) {}
  get inAvals(): ShapedArray[] {
    return this.invars.map((v) => v.aval);
  }
  get outAvals(): ShapedArray[] {
    return this.outs.map((v) => v.aval);
  }
  toString(): string {
    return printJaxpr(this);
  }
}

/** A jaxpr with values for its constvars, as `makeJaxpr` returns. */
export class ClosedJaxpr {
  constructor(
    readonly jaxpr: Jaxpr,
    readonly consts: Array[],
  ) {}
  get inAvals(): ShapedArray[] {
    return this.jaxpr.inAvals;
  }
  get outAvals(): ShapedArray[] {
    return this.jaxpr.outAvals;
  }
  /** JAX's text format at width 80. */
  toString(): string {
    return printJaxpr(this.jaxpr);
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** The same jaxpr with its constvars as leading invars (JAX's convert_constvars_jaxpr). */
export function convertConstvarsToInvars(jaxpr: Jaxpr): Jaxpr {
  return new Jaxpr([], [...jaxpr.constvars, ...jaxpr.invars], jaxpr.eqns, jaxpr.outs);
}

/** Evaluates a jaxpr by binding each equation under whatever traces are active. */
export function evalJaxpr(jaxpr: Jaxpr, consts: readonly Array[], args: readonly Array[]): Array[] {
  if (consts.length !== jaxpr.constvars.length || args.length !== jaxpr.invars.length) {
    throw new TypeError(
      `evalJaxpr: expected ${jaxpr.constvars.length} consts and ${jaxpr.invars.length} args, got ${consts.length} and ${args.length}`,
    );
  }
  const env = new Map<Var, Array>();
  jaxpr.constvars.forEach((v, i) => env.set(v, consts[i]!));
  jaxpr.invars.forEach((v, i) => env.set(v, args[i]!));
  const read = (a: Atom): Array => {
    if (a instanceof Literal) return a.toArray();
    const v = env.get(a);
    if (!v) throw new Error("evalJaxpr: variable read before it was written");
    return v;
  };
  for (const eqn of jaxpr.eqns) {
    const outs = bind(eqn.primitive, eqn.inputs.map(read), eqn.params);
    eqn.outBinders.forEach((b, i) => {
      if (b instanceof Var) env.set(b, outs[i]!);
    });
  }
  return jaxpr.outs.map(read);
}
