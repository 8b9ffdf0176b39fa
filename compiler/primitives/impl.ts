// Reference implementations: plain TypeScript over typed arrays. This is the oracle every
// backend is tested against, so each rule favours the obviously right over the fast.

import { ConcreteArray } from "../core/array.js";
import { evalJaxpr } from "../jaxpr/jaxpr.js";

import { type DType, type TypedArray, typedArrayFor } from "../dtypes.js";
import { ShapedArray, stridesOf } from "../shape.js";
import { abstractEvalRules } from "./abstract.js";
import {
  BINARY_PRIMITIVES, COLLECTIVE_REDUCE_PRIMITIVES, UNARY_PRIMITIVES,
  type BinaryPrimitive, type Params, type Primitive, type RuleTable, type UnaryPrimitive,
} from "./params.js";

export type ImplRule<P extends Primitive> = (args: ConcreteArray[], params: Params<P>) => ConcreteArray[];
type Rules = RuleTable<{ [P in Primitive]: ImplRule<P> }>;

/** Stores a JS number into a dtype the way the hardware would (f32 rounding, int32 wrap, bool). */
function store(dtype: DType): (v: number) => number {
  if (dtype === "int32") return (v) => v | 0;
  if (dtype === "bool") return (v) => (v ? 1 : 0);
  return (v) => v; // Float32Array rounds on store
}

function fill(aval: ShapedArray, f: (i: number, idx: number[]) => number): ConcreteArray {
  const buf = typedArrayFor(aval.dtype, aval.size);
  const put = store(aval.dtype);
  const shape = aval.shape;
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < buf.length; i++) {
    buf[i] = put(f(i, idx));
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return new ConcreteArray(aval, buf);
}

/** Reads an operand at an output multi-index, broadcasting rank-0 and size-1 dims. */
function broadcastReader(x: ConcreteArray): (idx: number[]) => number {
  const buf = x.buffer;
  if (x.ndim === 0) return () => buf[0]!;
  const strides = stridesOf(x.shape).map((s, i) => (x.shape[i] === 1 ? 0 : s));
  return (idx) => {
    let o = 0;
    for (let d = 0; d < strides.length; d++) o += idx[d]! * strides[d]!;
    return buf[o]!;
  };
}

function outAval<P extends Primitive>(prim: P, args: ConcreteArray[], params: Params<P>): ShapedArray[] {
  return abstractEvalRules[prim](args.map((a) => a.aval), params);
}

const INT_MIN = -2147483648;

function intDiv(a: number, b: number): number {
  if (b === 0) return -1; // XLA's result for integer division by zero
  if (a === INT_MIN && b === -1) return INT_MIN;
  return Math.trunc(a / b);
}

function intRem(a: number, b: number): number {
  if (b === 0) return a;
  if (b === -1) return 0;
  return a % b;
}

const UNARY_FNS: Record<UnaryPrimitive, (x: number, dtype: DType) => number> = {
  neg: (x) => -x,
  sign: (x) => (Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? -1 : x),
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
  not: (x, dtype) => (dtype === "bool" ? (x ? 0 : 1) : ~x),
  is_finite: (x) => (Number.isFinite(x) ? 1 : 0),
  stop_gradient: (x) => x,
};

const BINARY_FNS: Record<BinaryPrimitive, (a: number, b: number, dtype: DType) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b, dt) => (dt === "int32" ? Math.imul(a, b) : a * b),
  div: (a, b, dt) => (dt === "int32" ? intDiv(a, b) : a / b),
  rem: (a, b, dt) => (dt === "int32" ? intRem(a, b) : a % b),
  // C's powf, as XLA: 1 ** anything and anything ** 0 are 1, and so is (-1) ** ±Inf (JS gives NaN).
  pow: (a, b) => (a === 1 || b === 0 || (a === -1 && (b === Infinity || b === -Infinity)) ? 1 : Math.pow(a, b)),
  max: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  min: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  and: (a, b, dt) => (dt === "bool" ? (a && b ? 1 : 0) : a & b),
  or: (a, b, dt) => (dt === "bool" ? (a || b ? 1 : 0) : a | b),
};

function unaryImpl(prim: UnaryPrimitive): ImplRule<UnaryPrimitive> {
  const f = UNARY_FNS[prim];
  return (args, params) => {
    const x = args[0]!;
    const buf = x.buffer;
    return [fill(outAval(prim, args, params)[0]!, (i) => f(buf[i]!, x.dtype))];
  };
}

function binaryImpl(prim: BinaryPrimitive): ImplRule<BinaryPrimitive> {
  const f = BINARY_FNS[prim];
  return (args, params) => {
    const [x, y] = args as [ConcreteArray, ConcreteArray];
    const rx = broadcastReader(x), ry = broadcastReader(y);
    return [fill(outAval(prim, args, params)[0]!, (_, idx) => f(rx(idx), ry(idx), x.dtype))];
  };
}

/** Maps each output multi-index of a reduction to the operand offsets it reduces over. */
function reduceImpl(
  x: ConcreteArray,
  axes: readonly number[],
  aval: ShapedArray,
  init: number,
  step: (acc: number, v: number, j: number) => number,
): ConcreteArray {
  const buf = x.buffer;
  const strides = stridesOf(x.shape);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const redShape = axes.map((a) => x.shape[a]!);
  const redStrides = axes.map((a) => strides[a]!);
  const redSize = redShape.reduce((a, b) => a * b, 1);
  return fill(aval, (_, idx) => {
    let base = 0;
    kept.forEach((d, k) => (base += idx[k]! * strides[d]!));
    let acc = init;
    for (let j = 0; j < redSize; j++) {
      let off = base, r = j;
      for (let k = redShape.length - 1; k >= 0; k--) {
        off += (r % redShape[k]!) * redStrides[k]!;
        r = Math.floor(r / redShape[k]!);
      }
      acc = step(acc, buf[off]!, j);
    }
    return acc;
  });
}

function lowest(dtype: DType): number {
  return dtype === "float32" ? -Infinity : dtype === "int32" ? INT_MIN : 0;
}
function highest(dtype: DType): number {
  return dtype === "float32" ? Infinity : dtype === "int32" ? 2147483647 : 1;
}

function argReduceImpl(prim: "argmax" | "argmin"): ImplRule<"argmax" | "argmin"> {
  const better = prim === "argmax" ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  return (args, params) => {
    const x = args[0]!;
    const aval = outAval(prim, args, params)[0]!;
    // Scan keeping (best value, best index) packed in closure state: NaN wins, first occurrence kept.
    let best = 0, bestIdx = 0;
    return [reduceImpl(x, params.axes, aval, 0, (_acc, v, j) => {
      if (j === 0 || (!Number.isNaN(best) && (Number.isNaN(v) || better(v, best)))) {
        best = v;
        bestIdx = j;
      }
      return bestIdx;
    })];
  };
}

function unbound(prim: string): ImplRule<Primitive> {
  return (_args, params) => {
    const p = params as { axes?: readonly string[]; axis_name?: string };
    const name = p.axis_name ?? p.axes?.[0];
    throw new NameError(`unbound axis name: ${name} (${prim} must run inside vmap or pmap with that axis name)`);
  };
}

/** JAX raises NameError for an unbound axis name; JS has none, so we name ours the same. */
export class NameError extends Error {
  override name = "NameError";
}

function dotGeneralImpl(args: ConcreteArray[], params: Params<"dot_general">): ConcreteArray[] {
  const [x, y] = args as [ConcreteArray, ConcreteArray];
  const aval = outAval("dot_general", args, params)[0]!;
  const [[lc, rc], [lb, rb]] = params.dimension_numbers;
  const ls = stridesOf(x.shape), rs = stridesOf(y.shape);
  const lfree = x.shape.map((_, i) => i).filter((i) => !lc.includes(i) && !lb.includes(i));
  const rfree = y.shape.map((_, i) => i).filter((i) => !rc.includes(i) && !rb.includes(i));
  const cshape = lc.map((d) => x.shape[d]!);
  const csize = cshape.reduce((a, b) => a * b, 1);
  const xb = x.buffer, yb = y.buffer;
  const intMath = x.dtype === "int32";
  return [fill(aval, (_, idx) => {
    let lo = 0, ro = 0, k = 0;
    for (let i = 0; i < lb.length; i++, k++) {
      lo += idx[k]! * ls[lb[i]!]!;
      ro += idx[k]! * rs[rb[i]!]!;
    }
    for (const d of lfree) lo += idx[k++]! * ls[d]!;
    for (const d of rfree) ro += idx[k++]! * rs[d]!;
    let acc = 0;
    for (let j = 0; j < csize; j++) {
      let l = lo, r = ro, rem = j;
      for (let c = cshape.length - 1; c >= 0; c--) {
        const i = rem % cshape[c]!;
        rem = Math.floor(rem / cshape[c]!);
        l += i * ls[lc[c]!]!;
        r += i * rs[rc[c]!]!;
      }
      acc = intMath ? (acc + Math.imul(xb[l]!, yb[r]!)) | 0 : acc + xb[l]! * yb[r]!;
    }
    return acc;
  })];
}

function copyOf(x: ConcreteArray, aval: ShapedArray): ConcreteArray {
  return new ConcreteArray(aval, x.buffer.slice() as TypedArray);
}

export const implRules: Rules = {
  ...(Object.fromEntries(UNARY_PRIMITIVES.map((p) => [p, unaryImpl(p)])) as { [P in UnaryPrimitive]: ImplRule<P> }),
  ...(Object.fromEntries(BINARY_PRIMITIVES.map((p) => [p, binaryImpl(p)])) as { [P in BinaryPrimitive]: ImplRule<P> }),
  ...(Object.fromEntries(COLLECTIVE_REDUCE_PRIMITIVES.map((p) => [p, unbound(p)])) as {
    [P in (typeof COLLECTIVE_REDUCE_PRIMITIVES)[number]]: ImplRule<P>;
  }),
  all_gather: unbound("all_gather"),
  axis_index: unbound("axis_index"),

  reduce_sum: (args, p) => {
    const x = args[0]!, aval = outAval("reduce_sum", args, p)[0]!;
    // A sum of one term is that term (XLA turns such a reduce into a reshape), so -0 stays -0;
    // starting from -0, the identity of float addition, gives exactly that.
    const one = p.axes.every((d) => x.shape[d] === 1);
    return [reduceImpl(x, p.axes, aval, one ? -0 : 0, (a, v) => (x.dtype === "int32" ? (a + v) | 0 : a + v))];
  },
  reduce_prod: (args, p) => {
    const x = args[0]!, aval = outAval("reduce_prod", args, p)[0]!;
    return [reduceImpl(x, p.axes, aval, 1, (a, v) => (x.dtype === "int32" ? Math.imul(a, v) : a * v))];
  },
  reduce_max: (args, p) => {
    const x = args[0]!, aval = outAval("reduce_max", args, p)[0]!;
    return [reduceImpl(x, p.axes, aval, lowest(x.dtype), (a, v) => BINARY_FNS.max(a, v, x.dtype))];
  },
  reduce_min: (args, p) => {
    const x = args[0]!, aval = outAval("reduce_min", args, p)[0]!;
    return [reduceImpl(x, p.axes, aval, highest(x.dtype), (a, v) => BINARY_FNS.min(a, v, x.dtype))];
  },
  argmax: argReduceImpl("argmax"),
  argmin: argReduceImpl("argmin"),

  select_n: (args, p) => {
    const [pred, ...cases] = args as [ConcreteArray, ...ConcreteArray[]];
    const pb = pred.buffer, scalar = pred.ndim === 0;
    const bufs = cases.map((c) => c.buffer);
    return [fill(outAval("select_n", args, p)[0]!, (i) => {
      const which = pb[scalar ? 0 : i]!;
      if (which < 0 || which >= bufs.length) throw new RangeError(`select_n predicate ${which} out of range`);
      return bufs[which]![i]!;
    })];
  },

  integer_pow: (args, p) => {
    const x = args[0]!, buf = x.buffer;
    const int = x.dtype === "int32";
    return [fill(outAval("integer_pow", args, p)[0]!, (i) => {
      const v = buf[i]!;
      let acc = 1;
      for (let k = 0; k < Math.abs(p.y); k++) acc = int ? Math.imul(acc, v) : Math.fround(acc * v);
      return p.y < 0 ? 1 / acc : acc;
    })];
  },

  convert_element_type: (args, p) => {
    const x = args[0]!, buf = x.buffer;
    const conv = (v: number): number => {
      if (p.new_dtype === "bool") return v !== 0 ? 1 : 0;
      if (p.new_dtype === "int32" && x.dtype === "float32") {
        // Saturating truncation toward zero (wasm's i32.trunc_sat_f32_s); NaN becomes 0.
        if (Number.isNaN(v)) return 0;
        return Math.max(INT_MIN, Math.min(2147483647, Math.trunc(v)));
      }
      return v;
    };
    return [fill(outAval("convert_element_type", args, p)[0]!, (i) => conv(buf[i]!))];
  },

  broadcast_in_dim: (args, p) => {
    const x = args[0]!, buf = x.buffer;
    const strides = stridesOf(x.shape);
    return [fill(outAval("broadcast_in_dim", args, p)[0]!, (_, idx) => {
      let o = 0;
      p.broadcast_dimensions.forEach((d, i) => {
        if (x.shape[i] !== 1) o += idx[d]! * strides[i]!;
      });
      return buf[o]!;
    })];
  },

  reshape: (args, p) => [copyOf(args[0]!, outAval("reshape", args, p)[0]!)],
  squeeze: (args, p) => [copyOf(args[0]!, outAval("squeeze", args, p)[0]!)],

  transpose: (args, p) => {
    const x = args[0]!, buf = x.buffer, strides = stridesOf(x.shape);
    return [fill(outAval("transpose", args, p)[0]!, (_, idx) => {
      let o = 0;
      p.permutation.forEach((src, i) => (o += idx[i]! * strides[src]!));
      return buf[o]!;
    })];
  },

  rev: (args, p) => {
    const x = args[0]!, buf = x.buffer, strides = stridesOf(x.shape);
    return [fill(outAval("rev", args, p)[0]!, (_, idx) => {
      let o = 0;
      idx.forEach((v, d) => (o += (p.dimensions.includes(d) ? x.shape[d]! - 1 - v : v) * strides[d]!));
      return buf[o]!;
    })];
  },

  concatenate: (args, p) => {
    const d = p.dimension;
    const offsets: number[] = [];
    let acc = 0;
    for (const a of args) {
      offsets.push(acc);
      acc += a.shape[d]!;
    }
    const readers = args.map((a) => ({ buf: a.buffer, strides: stridesOf(a.shape) }));
    return [fill(outAval("concatenate", args, p)[0]!, (_, idx) => {
      let k = args.length - 1;
      while (idx[d]! < offsets[k]!) k--;
      const { buf, strides } = readers[k]!;
      let o = 0;
      idx.forEach((v, i) => (o += (i === d ? v - offsets[k]! : v) * strides[i]!));
      return buf[o]!;
    })];
  },

  slice: (args, p) => {
    const x = args[0]!, buf = x.buffer, strides = stridesOf(x.shape);
    return [fill(outAval("slice", args, p)[0]!, (_, idx) => {
      let o = 0;
      idx.forEach((v, i) => (o += (p.start_indices[i]! + v * (p.strides ? p.strides[i]! : 1)) * strides[i]!));
      return buf[o]!;
    })];
  },

  dynamic_slice: (args, p) => {
    const [x, ...starts] = args as [ConcreteArray, ...ConcreteArray[]];
    const buf = x.buffer, strides = stridesOf(x.shape);
    // XLA clamps start indices so the slice stays in bounds.
    const s = starts.map((a, i) => Math.min(Math.max(a.buffer[0]!, 0), x.shape[i]! - p.slice_sizes[i]!));
    return [fill(outAval("dynamic_slice", args, p)[0]!, (_, idx) => {
      let o = 0;
      idx.forEach((v, i) => (o += (s[i]! + v) * strides[i]!));
      return buf[o]!;
    })];
  },

  dot_general: dotGeneralImpl,

  xla_call: (args, { call_jaxpr }) => evalJaxpr(call_jaxpr, [], args) as ConcreteArray[],
  custom_jvp_call: (args, { call_jaxpr }) => evalJaxpr(call_jaxpr, [], args) as ConcreteArray[],
  custom_vjp_call_jaxpr: (args, { fun_jaxpr }) => evalJaxpr(fun_jaxpr, [], args) as ConcreteArray[],
  custom_lin: () => {
    throw new TypeError("can't apply forward-mode autodiff (jvp) to a custom_vjp function.");
  },
  ppermute: unbound("ppermute"),
  // pmap means the same as vmap with the axis named: the reference runs it that way.
  xla_pmap: (args, params) => {
    if (!pmapReference) throw new Error("the vmap module is not loaded");
    return pmapReference(args, params);
  },

  iota: (args, p) => [fill(outAval("iota", args, p)[0]!, (_, idx) => idx[p.dimension]!)],
};

let pmapReference: ImplRule<"xla_pmap"> | undefined;

/** Installed by the vmap module (a static import here would be a cycle). */
export function setPmapReference(rule: ImplRule<"xla_pmap">): void {
  pmapReference = rule;
}

export function evalPrimitive<P extends Primitive>(prim: P, args: ConcreteArray[], params: Params<P>): ConcreteArray[] {
  return (implRules[prim] as ImplRule<P>)(args, params);
}
