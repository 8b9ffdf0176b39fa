// JVP rules of the call primitives: a jitted call (xla_call) or a pmap (xla_pmap) is
// differentiated by differentiating its jaxpr and calling that instead, so the JVP of a
// jitted function stays one compiled call and the JVP of a pmap runs on the devices.

import { type Array, ConcreteArray } from "../core/array.js";
import { bind } from "../core/trace.js";
import { type Jaxpr, convertConstvarsToInvars, evalJaxpr } from "../jaxpr/jaxpr.js";
import { ShapeDtypeStruct, traceToJaxpr } from "../jaxpr/trace.js";
import type { Params } from "../primitives/params.js";
import { jvpFlat } from "./jvp.js";
import type { JvpRule } from "./jvp-rules.js";
import { type Tangent, Zero, instantiate } from "./zero.js";

interface JvpCall {
  jaxpr: Jaxpr;
  consts: Array[];
}

const cache = new WeakMap<Jaxpr, Map<string, JvpCall>>();

/**
 * The jaxpr of (primals, nonzero tangents) => (primal outputs, tangent outputs) for
 * `jaxpr`, traced once per pattern of nonzero tangents and argument types.
 */
function jvpJaxpr(
  jaxpr: Jaxpr,
  specs: ShapeDtypeStruct[],
  nonzero: boolean[],
  name: string,
  axis?: { axisName: string; axisSize: number },
): JvpCall {
  const key = `${nonzero.map(Number).join("")}|${specs.map((s) => s.aval.key).join("")}`;
  let byKey = cache.get(jaxpr);
  if (!byKey) cache.set(jaxpr, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit) return hit;
  const n = specs.length;
  const body = (...xs: Array[]): Array[] => {
    const primals = xs.slice(0, n);
    let k = n;
    const tangents: Tangent[] = primals.map((p, i) => (nonzero[i] ? xs[k++]! : new Zero(p.aval)));
    const [outs, outTangents] = jvpFlat((...a) => evalJaxpr(jaxpr, [], a), primals, tangents);
    return [...outs, ...outTangents.map(instantiate)];
  };
  const tangentSpecs = specs.filter((_, i) => nonzero[i]);
  const t = traceToJaxpr(body, [...specs, ...tangentSpecs], name, axis).jaxpr;
  const made = { jaxpr: convertConstvarsToInvars(t.jaxpr), consts: t.consts };
  if (t.consts.every((c) => c instanceof ConcreteArray)) byKey.set(key, made);
  return made;
}

const specOf = (x: Array) => new ShapeDtypeStruct(x.shape, x.dtype, x.weakType);

export const callJvp: JvpRule<"xla_call"> = (primals, tangents, params: Params<"xla_call">) => {
  const nonzero = tangents.map((t) => !(t instanceof Zero));
  const name = `jvp(${params.name})`;
  const { jaxpr, consts } = jvpJaxpr(params.call_jaxpr, primals.map(specOf), nonzero, name);
  const operands = [...consts, ...primals, ...(tangents.filter((t) => !(t instanceof Zero)) as Array[])];
  const outs = bind("xla_call", operands, { call_jaxpr: jaxpr, name, donated_invars: operands.map(() => false) });
  const n = params.call_jaxpr.outs.length;
  return [outs.slice(0, n), outs.slice(n)];
};

/** The per-device jaxpr differentiated; tangents are mapped like their primals. */
export const pmapJvp: JvpRule<"xla_pmap"> = (primals, tangents, params) => {
  const nonzero = tangents.map((t) => !(t instanceof Zero));
  const shardSpecs = primals.map((p, i) => {
    const ax = params.in_axes[i];
    return new ShapeDtypeStruct(ax === null || ax === undefined ? [...p.shape] : p.shape.filter((_, k) => k !== ax), p.dtype, p.weakType);
  });
  const name = `jvp(${params.name})`;
  const axis = { axisName: params.axis_name, axisSize: params.axis_size };
  const { jaxpr, consts } = jvpJaxpr(params.call_jaxpr, shardSpecs, nonzero, name, axis);
  const live = tangents.map((t, i) => (t instanceof Zero ? -1 : i)).filter((i) => i >= 0);
  const operands = [...consts, ...primals, ...live.map((i) => tangents[i] as Array)];
  const inAxes = [...consts.map(() => null), ...params.in_axes, ...live.map((i) => params.in_axes[i]!)];
  const outs = bind("xla_pmap", operands, {
    ...params,
    name,
    call_jaxpr: jaxpr,
    donated_invars: operands.map(() => false),
    global_arg_shapes: operands.map(() => null),
    in_axes: inAxes,
    out_axes: [...params.out_axes, ...params.out_axes],
  });
  const n = params.call_jaxpr.outs.length;
  return [outs.slice(0, n), outs.slice(n)];
};
