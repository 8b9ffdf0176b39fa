// A float64 evaluator of jaxprs, the oracle for the autodiff tests' finite differences.
// wax's reference interpreter stores float32, whose rounding swamps a central difference;
// this one computes each equation on JS numbers, written from the primitives' meaning in
// lax's documentation and sharing no code with wax's rules. Collectives run in lockstep:
// every value is a list with one array per member of the named axis.

import { numpy as np } from "../compiler/index.js";
import type { Array as WaxArray, ClosedJaxpr, DType, Jaxpr } from "../compiler/index.js";
import { Literal, Var, type Atom } from "../compiler/jaxpr/jaxpr.js";
import type { Params, Primitive } from "../compiler/primitives/params.js";

/** An array as plain data: a shape, a dtype and row-major values. */
export interface Data {
  shape: number[];
  dtype: DType;
  values: number[];
}

/** One value per member of the named axis (one member outside any). */
type Members = Data[];

export interface AxisEnv {
  name: string;
  size: number;
}

export function toData(x: WaxArray): Data {
  return { shape: [...x.shape], dtype: x.dtype, values: Array.from(x.data(), Number) };
}

export function fromData(d: Data): WaxArray {
  const Ctor = d.dtype === "float32" ? Float32Array : d.dtype === "int32" ? Int32Array : Uint8Array;
  return np.array(Ctor.from(d.values), { shape: d.shape, dtype: d.dtype });
}

export const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
export const stridesOf = (s: readonly number[]) => s.map((_, i) => sizeOf(s.slice(i + 1)));

/** Calls `f` with each multi-index of `shape` in row-major order; returns the values it gives. */
function generate(shape: readonly number[], f: (idx: number[]) => number): number[] {
  const out: number[] = [];
  const idx = shape.map(() => 0);
  for (let n = 0; n < sizeOf(shape); n++) {
    out.push(f(idx));
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

const offset = (strides: readonly number[], idx: readonly number[]) => idx.reduce((o, v, k) => o + v * strides[k]!, 0);

/** How a JS number is held in a dtype: int32 wraps, bool is 0/1, float64 is kept as it is. */
function cast(v: number, dtype: DType): number {
  if (dtype === "bool") return v ? 1 : 0;
  if (dtype === "int32") return Number.isFinite(v) ? Math.trunc(v) | 0 : 0;
  return v;
}

const UNARY: Record<string, (x: number, dtype: DType) => number> = {
  neg: (x) => -x,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
  floor: Math.floor,
  ceil: Math.ceil,
  abs: Math.abs,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  tanh: Math.tanh,
  logistic: (x) => 1 / (1 + Math.exp(-x)),
  sin: Math.sin,
  cos: Math.cos,
  not: (x, dt) => (dt === "bool" ? (x ? 0 : 1) : ~x),
  is_finite: (x) => (Number.isFinite(x) ? 1 : 0),
  stop_gradient: (x) => x,
};

const BINARY: Record<string, (a: number, b: number, dtype: DType) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b, dt) => (dt === "int32" ? Math.imul(a, b) : a * b),
  div: (a, b, dt) => (dt !== "int32" ? a / b : b === 0 ? -1 : Math.trunc(a / b)),
  rem: (a, b, dt) => (dt === "int32" && b === 0 ? a : a % b),
  pow: Math.pow,
  max: (a, b) => Math.max(a, b),
  min: (a, b) => Math.min(a, b),
  eq: (a, b) => Number(a === b),
  ne: (a, b) => Number(a !== b),
  lt: (a, b) => Number(a < b),
  le: (a, b) => Number(a <= b),
  gt: (a, b) => Number(a > b),
  ge: (a, b) => Number(a >= b),
  and: (a, b, dt) => (dt === "bool" ? Number(a && b) : a & b),
  or: (a, b, dt) => (dt === "bool" ? Number(a || b) : a | b),
};

/** Reads `x` at an index of the (lax-broadcast) result: rank 0, or size-1 dims repeated. */
function reader(x: Data): (idx: number[]) => number {
  if (x.shape.length === 0) return () => x.values[0]!;
  const st = stridesOf(x.shape).map((s, k) => (x.shape[k] === 1 ? 0 : s));
  return (idx) => x.values[offset(st, idx)]!;
}

/** Each output index's reduced operand offsets, folded with `step` from `init`. */
function reduce(x: Data, axes: readonly number[], outShape: number[], init: number, step: (acc: number, v: number, j: number) => number): number[] {
  const st = stridesOf(x.shape);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const red = axes.map((a) => x.shape[a]!);
  return generate(outShape, (idx) => {
    const base = kept.reduce((o, d, k) => o + idx[k]! * st[d]!, 0);
    let acc = init, j = 0;
    generate(red, (r) => {
      acc = step(acc, x.values[base + r.reduce((o, v, k) => o + v * st[axes[k]!]!, 0)]!, j++);
      return 0;
    });
    return acc;
  });
}

type Rule = (xs: Data[], params: any, out: { shape: number[]; dtype: DType }) => number[];

const RULES: Partial<Record<Primitive, Rule>> = {
  reduce_sum: ([x], p, o) => reduce(x!, p.axes, o.shape, 0, (a, v) => a + v),
  reduce_prod: ([x], p, o) => reduce(x!, p.axes, o.shape, 1, (a, v) => a * v),
  reduce_max: ([x], p, o) => reduce(x!, p.axes, o.shape, -Infinity, (a, v) => Math.max(a, v)),
  reduce_min: ([x], p, o) => reduce(x!, p.axes, o.shape, Infinity, (a, v) => Math.min(a, v)),
  argmax: ([x], p, o) => argReduce(x!, p.axes, o.shape, (a, b) => a > b),
  argmin: ([x], p, o) => argReduce(x!, p.axes, o.shape, (a, b) => a < b),
  select_n: ([which, ...cases], _p, o) => {
    const w = reader(which!);
    return generate(o.shape, (idx) => cases[w(idx)]!.values[offset(stridesOf(o.shape), idx)]!);
  },
  integer_pow: ([x], p) => x!.values.map((v) => Math.pow(v, p.y)),
  convert_element_type: ([x]) => x!.values,
  broadcast_in_dim: ([x], p, o) => {
    const st = stridesOf(x!.shape);
    return generate(o.shape, (idx) =>
      x!.values[p.broadcast_dimensions.reduce((off: number, d: number, i: number) => off + (x!.shape[i] === 1 ? 0 : idx[d]! * st[i]!), 0)]!);
  },
  reshape: ([x]) => x!.values,
  squeeze: ([x]) => x!.values,
  transpose: ([x], p, o) => {
    const st = stridesOf(x!.shape);
    return generate(o.shape, (idx) => x!.values[p.permutation.reduce((off: number, src: number, k: number) => off + idx[k]! * st[src]!, 0)]!);
  },
  rev: ([x], p, o) => {
    const st = stridesOf(x!.shape);
    return generate(o.shape, (idx) => x!.values[offset(st, idx.map((v, d) => (p.dimensions.includes(d) ? x!.shape[d]! - 1 - v : v)))]!);
  },
  concatenate: (xs, p, o) => {
    const d = p.dimension;
    return generate(o.shape, (idx) => {
      let at = idx[d]!, k = 0;
      while (at >= xs[k]!.shape[d]!) at -= xs[k++]!.shape[d]!;
      return xs[k]!.values[offset(stridesOf(xs[k]!.shape), idx.map((v, i) => (i === d ? at : v)))]!;
    });
  },
  slice: ([x], p, o) => {
    const st = stridesOf(x!.shape);
    return generate(o.shape, (idx) => x!.values[offset(st, idx.map((v, i) => p.start_indices[i] + v * (p.strides?.[i] ?? 1)))]!);
  },
  dynamic_slice: ([x, ...starts], p, o) => {
    // Start indices are clamped so that the slice lies inside the operand.
    const s = starts.map((a, i) => Math.min(Math.max(a.values[0]!, 0), x!.shape[i]! - p.slice_sizes[i]));
    const st = stridesOf(x!.shape);
    return generate(o.shape, (idx) => x!.values[offset(st, idx.map((v, i) => s[i]! + v))]!);
  },
  dot_general: ([x, y], p: Params<"dot_general">, o) => {
    const [[lc, rc], [lb, rb]] = p.dimension_numbers;
    const lfree = x!.shape.map((_, i) => i).filter((i) => !lc.includes(i) && !lb.includes(i));
    const rfree = y!.shape.map((_, i) => i).filter((i) => !rc.includes(i) && !rb.includes(i));
    const ls = stridesOf(x!.shape), rs = stridesOf(y!.shape);
    const cshape = lc.map((d) => x!.shape[d]!);
    return generate(o.shape, (idx) => {
      // Output dims: batch, then lhs free, then rhs free.
      let lo = 0, ro = 0, k = 0;
      lb.forEach((d, i) => ((lo += idx[k]! * ls[d]!), (ro += idx[k++]! * rs[rb[i]!]!)));
      lfree.forEach((d) => (lo += idx[k++]! * ls[d]!));
      rfree.forEach((d) => (ro += idx[k++]! * rs[d]!));
      let acc = 0;
      generate(cshape, (c) => {
        acc += x!.values[lo + c.reduce((s, v, i) => s + v * ls[lc[i]!]!, 0)]! * y!.values[ro + c.reduce((s, v, i) => s + v * rs[rc[i]!]!, 0)]!;
        return 0;
      });
      return acc;
    });
  },
  iota: (_xs, p, o) => generate(o.shape, (idx) => idx[p.dimension]!),
};

function argReduce(x: Data, axes: readonly number[], outShape: number[], better: (a: number, b: number) => boolean): number[] {
  let best = 0, at = 0;
  return reduce(x, axes, outShape, 0, (_acc, v, j) => {
    if (j === 0 || better(v, best)) [best, at] = [v, j];
    return at;
  });
}

/** Takes element `i` along `axis` of each value. */
function take(d: Data, axis: number, i: number): Data {
  const shape = d.shape.filter((_, k) => k !== axis);
  const st = stridesOf(d.shape);
  return { shape, dtype: d.dtype, values: generate(shape, (idx) => d.values[offset(st, [...idx.slice(0, axis), i, ...idx.slice(axis)])]!) };
}

/** Stacks equal-shaped values along a new `axis`. */
export function stack(ds: readonly Data[], axis: number): Data {
  const inner = ds[0]!.shape;
  const shape = [...inner.slice(0, axis), ds.length, ...inner.slice(axis)];
  const st = stridesOf(inner);
  return {
    shape,
    dtype: ds[0]!.dtype,
    values: generate(shape, (idx) => ds[idx[axis]!]!.values[offset(st, idx.filter((_, k) => k !== axis))]!),
  };
}

/** Element `i` along `axis`, for the tests that slice examples out of a batch. */
export { take };

function collective(prim: Primitive, ins: Members[], params: any, outs: { shape: number[]; dtype: DType }[], axis: AxisEnv | null): Members[] {
  const name: string = params.axis_name ?? params.axes?.[0];
  if (!axis || axis.name !== name || (params.axes && params.axes.length !== 1)) throw new Error(`f64: unbound axis name ${name} in ${prim}`);
  const n = axis.size;
  const members = Array.from({ length: n }, (_, m) => m);
  switch (prim) {
    case "psum":
    case "pmax":
    case "pmin": {
      const fold = (a: number, b: number) => (prim === "psum" ? a + b : prim === "pmax" ? Math.max(a, b) : Math.min(a, b));
      return ins.map((x, k) => {
        const values = x[0]!.values.map((_, j) => x.map((d) => d.values[j]!).reduce(fold));
        return members.map(() => ({ ...outs[k]!, values: values.map((v) => cast(v, outs[k]!.dtype)) }));
      });
    }
    case "all_gather": {
      const g = stack(ins[0]!, params.all_gather_dimension);
      return [members.map(() => ({ ...outs[0]!, values: g.values }))];
    }
    case "axis_index":
      return [members.map((m) => ({ ...outs[0]!, values: [m] }))];
    case "ppermute": {
      const x = ins[0]!;
      return [members.map((m) => {
        const from = params.perm.find((pair: number[]) => pair[1] === m);
        return { ...outs[0]!, values: from ? x[from[0]]!.values : x[m]!.values.map(() => 0) };
      })];
    }
    default:
      throw new Error(`f64: no rule for ${prim}`);
  }
}

/**
 * Watches evaluation: called with each equation's results (one list of members per
 * output), in evaluation order, nested jaxprs included; may return replacements.
 */
export type EqnHook = (primitive: Primitive, results: Data[][]) => Data[][] | void;

function evalMembers(jaxpr: Jaxpr, consts: readonly Data[], args: readonly Members[], axis: AxisEnv | null, hook?: EqnHook): Members[] {
  const n = axis?.size ?? 1;
  const env = new Map<Var, Members>();
  jaxpr.constvars.forEach((v, i) => env.set(v, Array.from({ length: n }, () => consts[i]!)));
  jaxpr.invars.forEach((v, i) => env.set(v, args[i]!));
  const read = (a: Atom): Members => {
    if (a instanceof Literal) return Array.from({ length: n }, () => ({ shape: [], dtype: a.aval.dtype, values: [a.val] }));
    return env.get(a)!;
  };
  for (const eqn of jaxpr.eqns) {
    const ins = eqn.inputs.map(read);
    const outs = eqn.outBinders.map((b) => ({ shape: [...b.aval.shape], dtype: b.aval.dtype }));
    let results: Members[];
    if (eqn.primitive === "xla_call" || eqn.primitive === "custom_jvp_call") {
      // Operands are the called jaxpr's consts, then its arguments; custom rules play no part in values.
      results = evalMembers((eqn.params as Params<"xla_call">).call_jaxpr, [], ins, axis, hook);
    } else if (eqn.primitive === "custom_vjp_call_jaxpr") {
      results = evalMembers((eqn.params as Params<"custom_vjp_call_jaxpr">).fun_jaxpr, [], ins, axis, hook);
    } else if (eqn.primitive === "xla_pmap") {
      results = pmapMembers(eqn.params as Params<"xla_pmap">, ins, n, hook);
    } else if (["psum", "pmax", "pmin", "all_gather", "axis_index", "ppermute"].includes(eqn.primitive)) {
      results = collective(eqn.primitive, ins, eqn.params, outs, axis);
    } else {
      const rule = RULES[eqn.primitive] ?? elementwise(eqn.primitive);
      const o = outs[0]!;
      results = [Array.from({ length: n }, (_, m) => ({ ...o, values: rule(ins.map((x) => x[m]!), eqn.params, o).map((v) => cast(v, o.dtype)) }))];
    }
    if (hook) results = hook(eqn.primitive, results) ?? results;
    eqn.outBinders.forEach((b, i) => {
      if (b instanceof Var) env.set(b, results[i]!);
    });
  }
  return jaxpr.outs.map(read);
}

function elementwise(prim: Primitive): Rule {
  const u = UNARY[prim], b = BINARY[prim];
  if (u) return ([x]) => x!.values.map((v) => u(v, x!.dtype));
  if (b) {
    return ([x, y], _p, o) => {
      const rx = reader(x!), ry = reader(y!);
      return generate(o.shape, (idx) => b(rx(idx), ry(idx), x!.dtype));
    };
  }
  throw new Error(`f64: no rule for ${prim}`);
}

/** pmap: each member of the outer axis runs the body once per member of the mapped axis. */
function pmapMembers(p: Params<"xla_pmap">, ins: Members[], outer: number, hook?: EqnHook): Members[] {
  const axis = { name: p.axis_name, size: p.axis_size };
  const perOuter = Array.from({ length: outer }, (_, m) => {
    const args = ins.map((x, i) => {
      const ax = p.in_axes[i];
      return Array.from({ length: axis.size }, (_, k) => (ax === null || ax === undefined ? x[m]! : take(x[m]!, ax, k)));
    });
    return evalMembers(p.call_jaxpr, [], args, axis, hook).map((o, k) => stack(o, p.out_axes[k]!));
  });
  return p.call_jaxpr.outs.map((_, k) => perOuter.map((o) => o[k]!));
}

/** Evaluates a closed jaxpr in float64 (`hook` watches each equation's results). */
export function evalF64(closed: ClosedJaxpr, args: readonly Data[], hook?: EqnHook): Data[] {
  return evalMembers(closed.jaxpr, closed.consts.map(toData), args.map((a) => [a]), null, hook).map((m) => m[0]!);
}

/**
 * Evaluates a per-member closed jaxpr in float64 with `axis` bound: `args[i][m]` is
 * argument i of member m, and so are the results.
 */
export function evalF64Members(closed: ClosedJaxpr, args: readonly Data[][], axis: AxisEnv): Data[][] {
  return evalMembers(closed.jaxpr, closed.consts.map(toData), args, axis);
}
