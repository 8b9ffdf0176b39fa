// Transposition of linear jaxprs (JAX's backward_pass): cotangents flow from the outputs
// back to the inputs, through one transpose rule per linear primitive. In a rule, the
// operands being transposed are `UndefinedPrimal`s; the others are known values (the
// residuals). A cotangent of `null` is zero.

import { type Array, ConcreteArray } from "../core/array.js";
import { bind, bind1 } from "../core/trace.js";
import { Jaxpr, Literal, Var, type Atom, convertConstvarsToInvars } from "../jaxpr/jaxpr.js";
import { ShapeDtypeStruct, traceToJaxpr } from "../jaxpr/trace.js";
import * as lax from "../lax/lax.js";
import type { Params, Primitive, RuleTable } from "../primitives/params.js";
import type { ShapedArray } from "../shape.js";
import { NotImplementedError } from "./errors.js";
import { broadcastTo, unbroadcast, zeros } from "./zero.js";
import { customLinTranspose } from "./custom.js";

/** An operand of a linear equation that is being transposed (JAX's ad.UndefinedPrimal). */
export class UndefinedPrimal {
  constructor(readonly aval: ShapedArray) {}
}

type Operand = Array | UndefinedPrimal;
type Ct = Array | null;

export type TransposeRule<P extends Primitive> = (cts: Ct[], args: Operand[], params: Params<P>) => Ct[];

const range = (n: number): number[] => globalThis.Array.from({ length: n }, (_, i) => i);
const undef = (x: Operand | undefined): x is UndefinedPrimal => x instanceof UndefinedPrimal;

/** Evaluates the transpose of a linear jaxpr: cotangents of `jaxpr.invars` from those of its outputs. */
export function backwardPass(jaxpr: Jaxpr, consts: readonly Array[], cts: readonly Ct[]): Ct[] {
  const primal = new Map<Var, Array>();
  jaxpr.constvars.forEach((v, i) => primal.set(v, consts[i]!));
  const ctEnv = new Map<Var, Array>();
  const addCt = (a: Atom, ct: Ct) => {
    if (ct === null || !(a instanceof Var) || primal.has(a)) return;
    const prev = ctEnv.get(a);
    ctEnv.set(a, prev === undefined ? ct : lax.add(prev, ct));
  };
  const read = (a: Atom): Operand => {
    if (a instanceof Literal) return a.toArray();
    return primal.get(a) ?? new UndefinedPrimal(a.aval);
  };
  jaxpr.outs.forEach((o, i) => addCt(o, cts[i] ?? null));
  for (let k = jaxpr.eqns.length - 1; k >= 0; k--) {
    const eqn = jaxpr.eqns[k]!;
    const ctsOut = eqn.outBinders.map((b) => {
      if (!(b instanceof Var)) return null;
      const ct = ctEnv.get(b) ?? null;
      ctEnv.delete(b);
      return ct;
    });
    if (ctsOut.every((c) => c === null)) continue;
    const rule = transposeRules[eqn.primitive] as TransposeRule<Primitive> | null;
    if (!rule) {
      throw new NotImplementedError(`Transpose rule (for reverse-mode differentiation) for '${eqn.primitive}' not implemented`);
    }
    const args = eqn.inputs.map(read);
    const ctsIn = rule(ctsOut, args, eqn.params);
    eqn.inputs.forEach((a, i) => {
      if (undef(args[i])) addCt(a, ctsIn[i] ?? null);
    });
  }
  return jaxpr.invars.map((v) => ctEnv.get(v) ?? null);
}

// ---- rules ----

/** A cotangent of the operand's shape and dtype (size-1 and rank-0 broadcasting undone). */
function fit(ct: Array, x: Operand): Array {
  const aval = x.aval ?? (x as Array).aval;
  let r = unbroadcast(ct, aval);
  if (r.dtype !== aval.dtype) r = lax.convertElementType(r, aval.dtype, aval.weakType);
  return r;
}

function unaryLinear<P extends Primitive>(f: (ct: Array, x: Operand, params: Params<P>) => Array): TransposeRule<P> {
  return ([ct], [x], params) => [ct ? f(ct, x!, params) : null];
}

const addT: TransposeRule<"add"> = ([ct], [x, y]) => [undef(x) && ct ? fit(ct, x) : null, undef(y) && ct ? fit(ct, y) : null];
const subT: TransposeRule<"sub"> = ([ct], [x, y]) => [undef(x) && ct ? fit(ct, x) : null, undef(y) && ct ? fit(lax.neg(ct), y) : null];

const mulT: TransposeRule<"mul"> = ([ct], [x, y]) => {
  if (!ct) return [null, null];
  if (undef(x) && undef(y)) throw new Error("mul transpose: both operands are linear; the program is not linear");
  return undef(x) ? [fit(lax.mul(ct, y as Array), x), null] : [null, fit(lax.mul(x as Array, ct), y!)];
};

const divT: TransposeRule<"div"> = ([ct], [x, y]) => {
  if (undef(y)) throw new Error("div transpose: the divisor is linear; the program is not linear");
  return [ct && undef(x) ? fit(lax.div(ct, y as Array), x) : null, null];
};

const convertT: TransposeRule<"convert_element_type"> = ([ct], [x]) => [ct ? lax.convertElementType(ct, x!.aval.dtype, x!.aval.weakType) : null];

/** Sums over the broadcast dimensions; operand dimensions of size 1 are summed and kept. */
const broadcastInDimT: TransposeRule<"broadcast_in_dim"> = ([ct], [x], { broadcast_dimensions: bd }) => {
  if (!ct) return [null];
  const shape = x!.aval.shape;
  const keep = bd.filter((_, i) => shape[i] !== 1 || ct.shape[bd[i]!] === 1);
  const summed = lax.reduceSum(ct, range(ct.ndim).filter((i) => !keep.includes(i)));
  return [lax.reshape(summed, shape)];
};

const transposeT = unaryLinear<"transpose">((ct, _x, { permutation }) => {
  const inv = range(permutation.length);
  permutation.forEach((p, i) => (inv[p] = i));
  return lax.transpose(ct, inv);
});

/** The cotangent of a slice: zeros around it (and between strided elements). */
const sliceT = unaryLinear<"slice">((ct, x, { start_indices, strides }) => {
  const shape = x.aval.shape;
  if (ct.size === 0) return zeros({ shape, dtype: ct.dtype });
  let y = ct;
  for (let d = 0; d < shape.length; d++) {
    const s = strides?.[d] ?? 1;
    const n = y.shape[d]!;
    const zerosOf = (k: number, base: Array) => zeros({ shape: base.shape.map((m, i) => (i === d ? k : m)), dtype: ct.dtype });
    if (s > 1 && n > 0) {
      // Interleave s-1 zeros after each element: stack along a new axis, then merge.
      const expanded = lax.expandDims(y, [d + 1]);
      const pad = zeros({ shape: expanded.shape.map((m, i) => (i === d + 1 ? s - 1 : m)), dtype: ct.dtype });
      const merged = lax.reshape(lax.concatenate([expanded, pad], d + 1), y.shape.map((m, i) => (i === d ? m * s : m)));
      y = lax.slice(merged, merged.shape.map(() => 0), merged.shape.map((m, i) => (i === d ? (n - 1) * s + 1 : m)));
    }
    const lo = start_indices[d]!, hi = shape[d]! - lo - y.shape[d]!;
    const parts = [lo > 0 ? zerosOf(lo, y) : null, y, hi > 0 ? zerosOf(hi, y) : null].filter((p): p is Array => p !== null);
    y = lax.concatenate(parts, d);
  }
  return y;
});

const concatenateT: TransposeRule<"concatenate"> = ([ct], args, { dimension }) => {
  if (!ct) return args.map(() => null);
  let at = 0;
  return args.map((x) => {
    const n = x.aval.shape[dimension]!;
    const start = at;
    at += n;
    if (!undef(x)) return null;
    return lax.slice(ct, ct.shape.map((_, i) => (i === dimension ? start : 0)), ct.shape.map((m, i) => (i === dimension ? start + n : m)));
  });
};

/**
 * The cotangent of a dynamic slice placed back at its (clamped) start: a contraction with
 * one 0/1 matrix per dimension, which stays differentiable and batchable.
 */
const dynamicSliceT: TransposeRule<"dynamic_slice"> = ([ct], [x, ...idx], { slice_sizes }) => {
  if (!ct) return [null, ...idx.map(() => null)];
  const shape = x!.aval.shape;
  let y = ct;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!, s = slice_sizes[d]!;
    const start = lax.min(lax.max(idx[d] as Array, 0), n - s);
    const rows = lax.broadcastedIota("int32", [n, s], 0), cols = lax.broadcastedIota("int32", [n, s], 1);
    const onehot = lax.convertElementType(lax.eq(rows, lax.add(cols, broadcastTo(start, [n, s]))), ct.dtype);
    y = lax.dotGeneral(onehot, y, [[[1], [y.ndim - 1]], [[], []]]);
  }
  return [y, ...idx.map(() => null)];
};

const reduceSumT = unaryLinear<"reduce_sum">((ct, x, { axes }) => {
  const shape = x.aval.shape;
  return lax.broadcastInDim(ct, shape, range(shape.length).filter((i) => !axes.includes(i)));
});

const selectT: TransposeRule<"select_n"> = ([ct], [which, ...cases]) => {
  if (undef(which)) throw new Error("select_n transpose: the predicate must be known");
  if (!ct) return [null, ...cases.map(() => null)];
  const z = zeros(ct.aval);
  return [
    null,
    ...cases.map((c, i) => {
      if (!undef(c)) return null;
      const picked = bind1("select_n", [which as Array, ...cases.map((_, j) => (j === i ? ct : z))], {});
      return fit(picked, c);
    }),
  ];
};

/** JAX's _dot_general_transpose_lhs; the rhs rule swaps the operands. */
function dotTransposeLhs(g: Array, x: { aval: ShapedArray }, y: Array, dn: Params<"dot_general">["dimension_numbers"], swapAns: boolean): Array {
  const [[xc, yc], [xb, yb]] = dn;
  const xNdim = x.aval.ndim, yNdim = y.ndim;
  const xKept = range(xNdim).filter((i) => !xc.includes(i) && !xb.includes(i));
  const yKept = range(yNdim).filter((i) => !yc.includes(i) && !yb.includes(i));
  const nb = xb.length;
  const ansBatch = range(nb);
  const ansY = swapAns ? range(yKept.length).map((i) => nb + i) : range(yKept.length).map((i) => nb + xKept.length + i);
  const dims = [[ansY, yKept], [ansBatch, [...yb]]] as const;
  const order = range(yc.length).sort((a, b) => yc[a]! - yc[b]!);
  const xcSortedByY = order.map((i) => xc[i]!);
  const pre = [...xb, ...xKept, ...xcSortedByY];
  const outAxes = range(pre.length).sort((a, b) => pre[a]! - pre[b]!);
  let r = lax.transpose(lax.dotGeneral(g, y, dims), outAxes);
  if (r.dtype !== x.aval.dtype) r = lax.convertElementType(r, x.aval.dtype);
  return r;
}

const dotGeneralT: TransposeRule<"dot_general"> = ([ct], [x, y], { dimension_numbers: dn }) => {
  if (!ct) return [null, null];
  if (undef(x) && undef(y)) throw new Error("dot_general transpose: both operands are linear; the program is not linear");
  if (undef(x)) return [dotTransposeLhs(ct, x, y as Array, dn, false), null];
  const [[xc, yc], [xb, yb]] = dn;
  return [null, dotTransposeLhs(ct, y!, x as Array, [[yc, xc], [yb, xb]], true)];
};

/** JAX 0.4.1 transposes psum to psum: every member's cotangent reaches every input. */
const psumT: TransposeRule<"psum"> = (cts, args, params) => {
  const live = cts.map((c, i) => (c !== null && undef(args[i]) ? i : -1)).filter((i) => i >= 0);
  const summed = bind("psum", live.map((i) => cts[i]!), params);
  const out: Ct[] = args.map(() => null);
  live.forEach((i, k) => (out[i] = summed[k]!));
  return out;
};

/** Each member's slice of the summed cotangents of the gathered value. */
const allGatherT = unaryLinear<"all_gather">((ct, x, params) => {
  const summed = bind1("psum", [ct], { axes: [params.axis_name], axis_index_groups: null });
  const d = params.all_gather_dimension, n = params.tiled ? x.aval.shape[d]! : 1;
  const me = lax.mul(bind1("axis_index", [], { axis_name: params.axis_name }), n);
  const starts = summed.shape.map((_, i) => (i === d ? me : 0));
  const part = lax.dynamicSlice(summed, starts, summed.shape.map((m, i) => (i === d ? n : m)));
  return lax.reshape(part, x.aval.shape);
});

const ppermuteT = unaryLinear<"ppermute">((ct, _x, params) =>
  bind1("ppermute", [ct], { ...params, perm: params.perm.map(([s, t]) => [t, s] as const) }),
);

const transposedCalls = new WeakMap<Jaxpr, Map<string, { jaxpr: Jaxpr; consts: Array[] }>>();

/** The linear part of a jitted call transposes to another jitted call: its backward pass, traced. */
const callT: TransposeRule<"xla_call"> = (cts, args, params) => {
  const jaxpr = params.call_jaxpr;
  const linear = args.map(undef);
  const knowns = args.filter((a): a is Array => !undef(a));
  const live = cts.map((c) => c !== null);
  const specs = [...knowns, ...(cts.filter((c) => c !== null) as Array[])].map((x) => new ShapeDtypeStruct(x.shape, x.dtype, x.weakType));
  const key = `${linear.map(Number).join("")}|${live.map(Number).join("")}|${specs.map((s) => s.aval.key).join("")}`;
  let byKey = transposedCalls.get(jaxpr);
  if (!byKey) transposedCalls.set(jaxpr, (byKey = new Map()));
  let made = byKey.get(key);
  if (!made) {
    const view = new Jaxpr(jaxpr.invars.filter((_, i) => !linear[i]), jaxpr.invars.filter((_, i) => linear[i]), jaxpr.eqns, jaxpr.outs);
    const body = (...xs: Array[]) => {
      let k = knowns.length;
      const cs = live.map((l) => (l ? xs[k++]! : null));
      return backwardPass(view, xs.slice(0, knowns.length), cs).map((ct, i) => ct ?? zeros(view.invars[i]!.aval));
    };
    const t = traceToJaxpr(body, specs, `transpose(${params.name})`).jaxpr;
    made = { jaxpr: convertConstvarsToInvars(t.jaxpr), consts: t.consts };
    if (t.consts.every((c) => c instanceof ConcreteArray)) byKey.set(key, made);
  }
  const operands = [...made.consts, ...knowns, ...(cts.filter((c) => c !== null) as Array[])];
  const res = bind("xla_call", operands, { call_jaxpr: made.jaxpr, name: `transpose(${params.name})`, donated_invars: operands.map(() => false) });
  let k = 0;
  return args.map((a) => (undef(a) ? res[k++]! : null));
};

export const transposeRules: RuleTable<{ [P in Primitive]: TransposeRule<P> | null }> = {
  neg: unaryLinear((ct) => lax.neg(ct)),
  add: addT,
  sub: subT,
  mul: mulT,
  div: divT,
  convert_element_type: convertT,
  broadcast_in_dim: broadcastInDimT,
  reshape: unaryLinear((ct, x) => lax.reshape(ct, x.aval.shape)),
  squeeze: unaryLinear((ct, x) => lax.reshape(ct, x.aval.shape)),
  transpose: transposeT,
  rev: unaryLinear((ct, _x, { dimensions }) => lax.rev(ct, dimensions)),
  slice: sliceT,
  concatenate: concatenateT,
  dynamic_slice: dynamicSliceT,
  reduce_sum: reduceSumT,
  select_n: selectT,
  dot_general: dotGeneralT,
  psum: psumT,
  all_gather: allGatherT,
  ppermute: ppermuteT,
  // Not linear in any operand: they never appear in a linear program.
  sign: null, floor: null, ceil: null, abs: null, sqrt: null, rsqrt: null, exp: null, log: null, log1p: null,
  expm1: null, tanh: null, logistic: null, sin: null, cos: null, not: null, is_finite: null, stop_gradient: null,
  rem: null, pow: null, max: null, min: null, eq: null, ne: null, lt: null, le: null, gt: null, ge: null, and: null, or: null,
  reduce_max: null, reduce_min: null, reduce_prod: null, pmax: null, pmin: null, integer_pow: null,
  argmax: null, argmin: null, iota: null, axis_index: null,
  xla_call: callT,
  xla_pmap: null, custom_jvp_call: null, custom_vjp_call_jaxpr: null,
  custom_lin: (cts, args, params) => customLinTranspose(cts, args, params),
};
