// JVP rules, one per primitive (JAX's ad.primitive_jvps). A rule takes the primal operands
// and their tangents (symbolic `Zero`s where known to vanish) and returns the primal
// outputs with theirs. Tangents are always combined linearly, with primal-only factors, so
// that partial evaluation can split the linear part off for transposition.

import type { Array } from "../core/array.js";
import { bind, bind1 } from "../core/trace.js";
import * as lax from "../lax/lax.js";
import type { BINARY_PRIMITIVES, Params, Primitive, RuleTable, UNARY_PRIMITIVES } from "../primitives/params.js";
import { type Tangent, Zero, addTangents, broadcastTo, constLike, instantiate, isFloat } from "./zero.js";
import { callJvp, pmapJvp } from "./call-rules.js";
import { customJvpCallJvp, customVjpCallJvp } from "./custom.js";

export type JvpRule<P extends Primitive> = (primals: Array[], tangents: Tangent[], params: Params<P>) => [Array[], Tangent[]];

const range = (n: number): number[] => globalThis.Array.from({ length: n }, (_, i) => i);

// ---- generic rules ----

/** Outputs that do not change under small changes of the inputs (comparisons, rounding, indices). */
function zeroJvp<P extends Primitive>(prim: P): JvpRule<P> {
  return (primals, _tangents, params) => {
    const outs = bind(prim, primals, params);
    return [outs, outs.map((o) => new Zero(o.aval))];
  };
}

/** Linear in every operand: the tangent is the primitive applied to the tangents. */
function linearJvp<P extends Primitive>(prim: P): JvpRule<P> {
  return (primals, tangents, params) => {
    const outs = bind(prim, primals, params);
    const ts = bind(prim, tangents.map(instantiate), params);
    return [outs, ts];
  };
}

/**
 * JAX's defjvp: `contributions[i](g, ans, ...primals)` is the tangent contribution of
 * operand i given its tangent g; contributions of zero tangents are skipped, the rest summed.
 */
type Contribution = (g: Array, ans: Array, ...xs: Array[]) => Array;
function defjvp<P extends Primitive>(prim: P, ...contributions: (Contribution | null)[]): JvpRule<P> {
  return (primals, tangents, params) => {
    const ans = bind1(prim, primals, params);
    let t: Tangent = new Zero(ans.aval);
    tangents.forEach((g, i) => {
      const c = contributions[i];
      if (g instanceof Zero || !c) return;
      t = addTangents(t, broadcastTo(c(g, ans, ...primals), ans.shape));
    });
    return [[ans], [t]];
  };
}

const unaryJvp = (prim: Primitive, f: Contribution) => defjvp(prim, f);

// ---- elementwise rules (formulas as in JAX's lax.py) ----

const c = constLike;

/** `_balanced_eq`: 1 where x alone attains the result, 1/2 where x and y tie. */
function balancedEq(x: Array, z: Array, y: Array): Array {
  const one = c(z, 1), zero = c(z, 0), two = c(z, 2);
  return lax.div(lax.select(lax.eq(x, z), broadcastTo(one, z.shape), broadcastTo(zero, z.shape)),
    lax.select(lax.eq(y, z), broadcastTo(two, z.shape), broadcastTo(one, z.shape)));
}

/** `x` with zeros replaced by ones (JAX's _replace_zero). */
const replaceZero = (x: Array) => lax.select(lax.eq(x, c(x, 0)), broadcastTo(c(x, 1), x.shape), x);

const elementwiseJvps = {
  neg: linearJvp("neg"),
  sign: zeroJvp("sign"),
  floor: zeroJvp("floor"),
  ceil: zeroJvp("ceil"),
  not: zeroJvp("not"),
  is_finite: zeroJvp("is_finite"),
  stop_gradient: zeroJvp("stop_gradient"),
  abs: unaryJvp("abs", (g, _ans, x) => lax.select(lax.ge(x!, c(x!, 0)), g, lax.neg(g))),
  sqrt: unaryJvp("sqrt", (g, ans) => lax.mul(g, lax.div(c(ans, 0.5), ans))),
  rsqrt: unaryJvp("rsqrt", (g, ans, x) => lax.mul(g, lax.mul(c(ans, -0.5), lax.div(ans, x!)))),
  exp: unaryJvp("exp", (g, ans) => lax.mul(g, ans)),
  log: unaryJvp("log", (g, _ans, x) => lax.div(g, x!)),
  log1p: unaryJvp("log1p", (g, _ans, x) => lax.div(g, lax.add(x!, c(x!, 1)))),
  expm1: unaryJvp("expm1", (g, ans) => lax.mul(g, lax.add(ans, c(ans, 1)))),
  tanh: unaryJvp("tanh", (g, ans) => lax.mul(g, lax.sub(c(ans, 1), lax.mul(ans, ans)))),
  logistic: unaryJvp("logistic", (g, ans) => lax.mul(g, lax.mul(ans, lax.sub(c(ans, 1), ans)))),
  sin: unaryJvp("sin", (g, _ans, x) => lax.mul(g, lax.cos(x!))),
  cos: unaryJvp("cos", (g, _ans, x) => lax.neg(lax.mul(g, lax.sin(x!)))),

  add: defjvp("add", (g) => g, (g) => g),
  sub: defjvp("sub", (g) => g, (g) => lax.neg(g)),
  mul: defjvp("mul", (g, _ans, _x, y) => lax.mul(g, y!), (g, _ans, x) => lax.mul(x!, g)),
  div: defjvp("div", (g, _ans, _x, y) => lax.div(g, y!), (g, ans, _x, y) => lax.neg(lax.mul(g, lax.div(ans, y!)))),
  rem: defjvp("rem", (g) => g, (g, _ans, x, y) => {
    const q = lax.div(x!, y!);
    return lax.mul(lax.neg(g), lax.mul(lax.sign(q), lax.floor(lax.abs(q))));
  }),
  pow: defjvp(
    "pow",
    (g, _ans, x, y) => {
      const jac = lax.mul(replaceZero(y!), lax.pow(x!, lax.sub(y!, c(y!, 1))));
      const shape = jac.shape;
      return lax.mul(g, lax.select(broadcastTo(lax.eq(y!, c(y!, 0)), shape), broadcastTo(c(jac, 0), shape), jac));
    },
    (g, ans, x) => lax.mul(g, lax.mul(lax.log(replaceZero(x!)), ans)),
  ),
  max: defjvp("max", (g, ans, x, y) => lax.mul(g, balancedEq(x!, ans, y!)), (g, ans, x, y) => lax.mul(g, balancedEq(y!, ans, x!))),
  min: defjvp("min", (g, ans, x, y) => lax.mul(g, balancedEq(x!, ans, y!)), (g, ans, x, y) => lax.mul(g, balancedEq(y!, ans, x!))),
  eq: zeroJvp("eq"),
  ne: zeroJvp("ne"),
  lt: zeroJvp("lt"),
  le: zeroJvp("le"),
  gt: zeroJvp("gt"),
  ge: zeroJvp("ge"),
  and: zeroJvp("and"),
  or: zeroJvp("or"),
} satisfies { [P in (typeof UNARY_PRIMITIVES)[number] | (typeof BINARY_PRIMITIVES)[number]]: JvpRule<P> };

// ---- reductions ----

/** JAX's _reduce_chooser_jvp_rule: the tangent averaged over the positions attaining the extremum. */
function chooserJvp(prim: "reduce_max" | "reduce_min"): JvpRule<typeof prim> {
  return ([x], [t], params) => {
    const ans = bind1(prim, [x!], params);
    if (t instanceof Zero) return [[ans], [new Zero(ans.aval)]];
    const keep = x!.shape.map((d, i) => (params.axes.includes(i) ? 1 : d));
    const at = lax.convertElementType(lax.eq(x!, broadcastTo(lax.reshape(ans, keep), x!.shape)), t!.dtype);
    const counts = lax.reduceSum(at, params.axes);
    return [[ans], [lax.div(lax.reduceSum(lax.mul(t!, at), params.axes), counts)]];
  };
}

/** Products along the last axis of everything before each element, exclusive (log-depth scan). */
function exclusiveCumprod(x: Array): Array {
  const n = x.shape[x.ndim - 1]!;
  const lead = x.shape.slice(0, -1);
  const ones = (k: number) => lax.full([...lead, k], 1, x.dtype);
  const shift = (y: Array, k: number) =>
    lax.concatenate([ones(k), lax.slice(y, y.shape.map(() => 0), [...lead, n - k])], y.ndim - 1);
  let y = shift(x, 1);
  for (let k = 1; k < n; k *= 2) y = lax.mul(y, shift(y, k));
  return y;
}

/** The product rule over the reduced axes: each element's tangent times the product of the others. */
const reduceProdJvp: JvpRule<"reduce_prod"> = ([x], [t], params) => {
  const ans = bind1("reduce_prod", [x!], params);
  if (t instanceof Zero || x!.size === 0) return [[ans], [new Zero(ans.aval)]];
  const kept = range(x!.ndim).filter((i) => !params.axes.includes(i));
  const perm = [...kept, ...params.axes];
  const n = params.axes.reduce((a, i) => a * x!.shape[i]!, 1);
  const flat = (v: Array) => lax.reshape(lax.transpose(v, perm), [...kept.map((i) => x!.shape[i]!), n]);
  const xf = flat(x!);
  const before = exclusiveCumprod(xf);
  const after = lax.rev(exclusiveCumprod(lax.rev(xf, [xf.ndim - 1])), [xf.ndim - 1]);
  const others = lax.mul(before, after);
  return [[ans], [lax.reduceSum(lax.mul(flat(t!), others), [xf.ndim - 1])]];
};

// ---- shapes, selection, contraction ----

const integerPowJvp: JvpRule<"integer_pow"> = ([x], [t], params) => {
  const ans = bind1("integer_pow", [x!], params);
  if (t instanceof Zero || params.y === 0) return [[ans], [new Zero(ans.aval)]];
  const d = params.y === 1 ? c(x!, 1) : lax.mul(c(x!, params.y), lax.integerPow(x!, params.y - 1));
  return [[ans], [broadcastTo(lax.mul(t!, d), ans.shape)]];
};

const selectJvp: JvpRule<"select_n"> = ([which, ...cases], [, ...tangents], params) => {
  const ans = bind1("select_n", [which!, ...cases], params);
  return [[ans], [bind1("select_n", [which!, ...tangents.map(instantiate)], params)]];
};

const convertJvp: JvpRule<"convert_element_type"> = ([x], [t], params) => {
  const ans = bind1("convert_element_type", [x!], params);
  if (t instanceof Zero || !isFloat(params.new_dtype) || !isFloat(x!.dtype)) return [[ans], [new Zero(ans.aval)]];
  return [[ans], [bind1("convert_element_type", [t!], params)]];
};

const dynamicSliceJvp: JvpRule<"dynamic_slice"> = ([x, ...idx], [t], params) => {
  const ans = bind1("dynamic_slice", [x!, ...idx], params);
  if (t instanceof Zero) return [[ans], [new Zero(ans.aval)]];
  return [[ans], [bind1("dynamic_slice", [t!, ...idx], params)]];
};

const dotGeneralJvp: JvpRule<"dot_general"> = ([x, y], [tx, ty], params) => {
  const ans = bind1("dot_general", [x!, y!], params);
  let t: Tangent = new Zero(ans.aval);
  if (!(tx instanceof Zero)) t = addTangents(t, bind1("dot_general", [tx!, y!], params));
  if (!(ty instanceof Zero)) t = addTangents(t, bind1("dot_general", [x!, ty!], params));
  return [[ans], [t]];
};

/** psum is linear in each operand; only operands with tangents are summed again. */
const psumJvp: JvpRule<"psum"> = (primals, tangents, params) => {
  const outs = bind("psum", primals, params);
  const live = tangents.map((t, i) => (t instanceof Zero ? -1 : i)).filter((i) => i >= 0);
  const summed = bind("psum", live.map((i) => tangents[i] as Array), params);
  const ts: Tangent[] = outs.map((o) => new Zero(o.aval));
  live.forEach((i, k) => (ts[i] = summed[k]!));
  return [outs, ts];
};

/** null: the primitive has no derivative wax can compute (JAX has none either). */
export const jvpRules: RuleTable<{ [P in Primitive]: JvpRule<P> | null }> = {
  ...elementwiseJvps,
  reduce_sum: linearJvp("reduce_sum"),
  reduce_max: chooserJvp("reduce_max"),
  reduce_min: chooserJvp("reduce_min"),
  reduce_prod: reduceProdJvp,
  psum: psumJvp,
  pmax: null,
  pmin: null,
  select_n: selectJvp,
  integer_pow: integerPowJvp,
  convert_element_type: convertJvp,
  broadcast_in_dim: linearJvp("broadcast_in_dim"),
  reshape: linearJvp("reshape"),
  transpose: linearJvp("transpose"),
  squeeze: linearJvp("squeeze"),
  rev: linearJvp("rev"),
  concatenate: linearJvp("concatenate"),
  slice: linearJvp("slice"),
  dynamic_slice: dynamicSliceJvp,
  argmax: zeroJvp("argmax"),
  argmin: zeroJvp("argmin"),
  dot_general: dotGeneralJvp,
  iota: zeroJvp("iota"),
  all_gather: linearJvp("all_gather"),
  axis_index: zeroJvp("axis_index"),
  ppermute: linearJvp("ppermute"),
  xla_call: callJvp,
  xla_pmap: pmapJvp,
  custom_jvp_call: (primals, tangents, params) => customJvpCallJvp(primals, tangents, params),
  custom_vjp_call_jaxpr: (primals, tangents, params) => customVjpCallJvp(primals, tangents, params),
  // Only its transpose is defined: forward mode through a custom_vjp function is an error, as in JAX.
  custom_lin: null,
};

