// Forward-mode differentiation as an interpreter, after Autodidax: a JVPTracer carries a
// primal value and its tangent; JVPTrace applies each primitive's JVP rule. Tangents that
// are known to be zero stay symbolic (`Zero`), so unused inputs cost nothing.

import { type Array } from "../core/array.js";
import { asArray } from "../core/scalar.js";
import { type MainTrace, Trace, Tracer, bind, fullLower, fullRaise, withMain } from "../core/trace.js";
import type { Params, Primitive } from "../primitives/params.js";
import { ShapedArray, pyTuple } from "../shape.js";
import { treeDefEqual, treeDefString, treeFlatten, treeUnflatten } from "../tree.js";
import { type Tangent, Zero, instantiate, isFloat } from "./zero.js";
import { type JvpRule, jvpRules } from "./jvp-rules.js";
import { ValueError } from "../transforms/vmap.js";
import { NotImplementedError } from "./errors.js";

export class JVPTracer extends Tracer {
  constructor(
    readonly trace: JVPTrace,
    readonly primal: Array,
    readonly tangent: Tangent,
  ) {
    super();
  }
  get aval(): ShapedArray {
    return this.primal.aval;
  }
  /** A value with a zero tangent is just its primal to every other trace (JAX's full_lower). */
  override fullLower(): Array {
    return this.tangent instanceof Zero ? fullLower(this.primal) : this;
  }
}

export class JVPTrace extends Trace {
  pure(x: Array): Array {
    return new JVPTracer(this, x, new Zero(x.aval));
  }
  lift(x: Tracer): Array {
    return new JVPTracer(this, x, new Zero(x.aval));
  }
  processPrimitive<P extends Primitive>(prim: P, tracers: Array[], params: Params<P>): Array[] {
    const ts = tracers as JVPTracer[];
    const primals = ts.map((t) => t.primal), tangents = ts.map((t) => t.tangent);
    if (tangents.every((t) => t instanceof Zero)) {
      return bind(prim, primals, params).map((p) => new JVPTracer(this, p, new Zero(p.aval)));
    }
    const rule = jvpRules[prim] as JvpRule<P> | null;
    if (!rule) throw new NotImplementedError(`Differentiation rule for '${prim}' not implemented`);
    const [outs, outTangents] = rule(primals, tangents, params);
    return outs.map((p, i) => {
      const t = outTangents[i]!;
      // Integer and boolean results carry no tangent (JAX's float0).
      return new JVPTracer(this, p, isFloat(p.dtype) ? t : new Zero(p.aval));
    });
  }
}

/** Runs `fn` on primals paired with tangents; returns the primal and tangent outputs. */
export function jvpFlat(
  fn: (...xs: Array[]) => Array[],
  primals: readonly Array[],
  tangents: readonly Tangent[],
): [Array[], Tangent[]] {
  return withMain(JVPTrace, null, (main: MainTrace) => {
    const trace = new JVPTrace(main);
    const ins = primals.map((p, i) => new JVPTracer(trace, p, tangents[i]!));
    const outs = fn(...ins).map((o) => fullRaise(trace, o) as JVPTracer);
    return [outs.map((t) => fullLower(t.primal)), outs.map((t) => (t.tangent instanceof Zero ? t.tangent : fullLower(t.tangent)))];
  });
}

/**
 * JAX's jvp: `jvp(fn, primals, tangents)` evaluates `fn(...primals)` and its directional
 * derivative along `tangents`; returns `[primalsOut, tangentsOut]`. `primals` and
 * `tangents` are lists with one pytree per positional argument, of the same structure.
 */
export function jvp<F extends (...args: any[]) => any>(
  fn: F,
  primals: readonly unknown[],
  tangents: readonly unknown[],
): [ReturnType<F>, ReturnType<F>] {
  if (typeof fn !== "function") throw new TypeError(`jvp: expected a callable value, got ${String(fn)}`);
  if (!globalThis.Array.isArray(primals) || !globalThis.Array.isArray(tangents)) {
    throw new TypeError(
      `primal and tangent arguments to jax.jvp must be tuples or lists; found ${describeKind(primals)} and ${describeKind(tangents)}.`,
    );
  }
  const [pLeaves, pTree] = treeFlatten(primals);
  const [tLeaves, tTree] = treeFlatten(tangents);
  if (!treeDefEqual(pTree, tTree)) {
    throw new TypeError(
      `primal and tangent arguments to jax.jvp must have the same tree structure; primals have tree structure ${treeDefString(pTree)} whereas tangents have tree structure ${treeDefString(tTree)}.`,
    );
  }
  const ps = pLeaves.map((l) => asArray(l as never, "jvp primal"));
  const ts = tLeaves.map((l, i) => {
    const t = asArray(l as never, "jvp tangent"), p = ps[i]!;
    if (isFloat(p.dtype) && t.dtype !== p.dtype) {
      throw new TypeError(
        `primal and tangent arguments to jax.jvp do not match; dtypes must be equal, or in case of int/bool primal dtype the tangent dtype must be float0.Got primal dtype ${p.dtype} and so expected tangent dtype ${p.dtype}, but got tangent dtype ${t.dtype} instead.`,
      );
    }
    if (pyTuple(t.shape) !== pyTuple(p.shape)) {
      throw new ValueError(`jvp called with different primal and tangent shapes;Got primal shape ${pyTuple(p.shape)} and tangent shape as ${pyTuple(t.shape)}`);
    }
    return isFloat(p.dtype) ? t : new Zero(p.aval);
  });
  let outTree: ReturnType<typeof treeFlatten>[1] | undefined;
  const flat = (...xs: Array[]): Array[] => {
    const out = fn(...(treeUnflatten(pTree, xs) as unknown[]));
    const [leaves, tree] = treeFlatten(out);
    outTree = tree;
    return leaves.map((l, i) => asArray(l as never, `jvp output leaf ${i}`));
  };
  const [outs, outTangents] = jvpFlat(flat, ps, ts);
  return [treeUnflatten(outTree!, outs) as ReturnType<F>, treeUnflatten(outTree!, outTangents.map(instantiate)) as ReturnType<F>];
}

function describeKind(x: unknown): string {
  return globalThis.Array.isArray(x) ? "list" : x === null ? "None" : typeof x;
}
