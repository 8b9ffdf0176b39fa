// A seeded property test over every primitive: for random shapes, dtypes, parameters,
// in_axes and out_axes, vmap(f) equals f applied eagerly (the reference interpreter) to
// each example, stacked along out_axes. Slicing out examples and stacking results is
// done here in plain JS on the data, so the oracle shares no code with the batching rules.
// Collectives have no per-example meaning, so their oracle combines the examples in JS.
// Each case is also traced with makeJaxpr(vmap(f)) and the jaxpr evaluated.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  customJvp, customVjp, deviceCount, evalJaxpr, jit, lax, linearize, makeJaxpr, numpy as np, pmap, vmap,
} from "../compiler/index.js";
import type { Array as WaxArray, DType } from "../compiler/index.js";
import { bind, bind1 } from "../compiler/core/trace.js";
import {
  ALL_PRIMITIVES, BINARY_PRIMITIVES, REDUCE_PRIMITIVES, UNARY_PRIMITIVES, type Primitive,
} from "../compiler/primitives/params.js";

import { Rng } from "./rng.js";

// ---- plain-JS array data: slicing out an example, stacking results ----

interface Data {
  shape: number[];
  dtype: DType;
  values: number[];
}

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const stridesOf = (s: readonly number[]) => s.map((_, i) => sizeOf(s.slice(i + 1)));

function toData(x: WaxArray): Data {
  return { shape: [...x.shape], dtype: x.dtype, values: Array.from(x.data(), Number) };
}

function fromData(d: Data): WaxArray {
  const Ctor = d.dtype === "float32" ? Float32Array : d.dtype === "int32" ? Int32Array : Uint8Array;
  return np.array(Ctor.from(d.values), { shape: d.shape, dtype: d.dtype });
}

/** Element `i` along `axis`. */
function take(d: Data, axis: number, i: number): Data {
  const shape = d.shape.filter((_, k) => k !== axis);
  const st = stridesOf(d.shape);
  const values: number[] = [];
  const idx = new Array(shape.length).fill(0);
  for (let n = 0; n < sizeOf(shape); n++) {
    let off = i * st[axis]!;
    idx.forEach((v, k) => (off += v * st[k < axis ? k : k + 1]!));
    values.push(d.values[off]!);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]!) break;
      idx[k] = 0;
    }
  }
  return { shape, dtype: d.dtype, values };
}

/** Stacks equal-shaped data along a new `axis`. */
function stack(ds: Data[], axis: number): Data {
  const inner = ds[0]!.shape;
  const shape = [...inner.slice(0, axis), ds.length, ...inner.slice(axis)];
  const values: number[] = [];
  const idx = new Array(shape.length).fill(0);
  const st = stridesOf(inner);
  for (let n = 0; n < sizeOf(shape); n++) {
    let off = 0;
    idx.forEach((v, k) => {
      if (k !== axis) off += v * st[k < axis ? k : k - 1]!;
    });
    values.push(ds[idx[axis]]!.values[off]!);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]!) break;
      idx[k] = 0;
    }
  }
  return { shape, dtype: ds[0]!.dtype, values };
}

function randomData(rng: Rng, shape: number[], dtype: DType, lo = -4, hi = 4): Data {
  const values = Array.from({ length: sizeOf(shape) }, () =>
    dtype === "float32" ? rng.int(lo * 4, hi * 4) / 4 : dtype === "int32" ? rng.int(lo, hi) : rng.int(0, 1),
  );
  return { shape, dtype, values };
}

function sameValue(a: number, b: number): boolean {
  if (Number.isNaN(b)) return Number.isNaN(a);
  return a === b || Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

// ---- cases: a per-example function of random operands ----

interface Operand {
  data: Data;
  /** Whether this operand may be left unmapped (always true except where noted). */
  mayBeUnmapped?: boolean;
}

interface Case {
  prim: Primitive;
  operands: Operand[];
  /** The per-example function: its result is one array or a list of them. */
  f: (...xs: WaxArray[]) => WaxArray | WaxArray[];
  /** For collectives: the per-example results from all examples' operands (indexed [example][operand]). */
  oracle?: (examples: Data[][]) => Data[][];
}

const FLOAT: DType[] = ["float32"];
const NUMBER: DType[] = ["float32", "int32"];
const ANY: DType[] = ["float32", "int32", "bool"];
const INT_OR_BOOL: DType[] = ["int32", "bool"];
const UNARY_DTYPES: Record<string, DType[]> = {
  neg: NUMBER, sign: NUMBER, abs: NUMBER, not: INT_OR_BOOL, stop_gradient: ANY,
};
const BINARY_DTYPES: Record<string, DType[]> = {
  add: NUMBER, sub: NUMBER, mul: NUMBER, div: NUMBER, rem: NUMBER, pow: FLOAT, and: INT_OR_BOOL, or: INT_OR_BOOL,
};

const op = (rng: Rng, shape: number[], dtype: DType): Operand => ({ data: randomData(rng, shape, dtype) });

function unaryCase(rng: Rng, prim: Primitive): Case {
  const dtype = rng.pick(UNARY_DTYPES[prim] ?? FLOAT);
  return { prim, operands: [op(rng, rng.shape(0, 3), dtype)], f: (x) => bind1(prim, [x], {}) };
}

function binaryCase(rng: Rng, prim: Primitive): Case {
  const dtype = rng.pick(BINARY_DTYPES[prim] ?? ANY);
  const base = rng.shape(0, 3);
  // lax broadcasting: a rank-0 operand, or equal ranks with some dims of size 1.
  const variant = () => (rng.chance(0.25) ? [] : base.map((d) => (rng.chance(0.3) ? 1 : d)));
  return { prim, operands: [op(rng, variant(), dtype), op(rng, variant(), dtype)], f: (x, y) => bind1(prim, [x, y], {}) };
}

function reduceCase(rng: Rng, prim: Primitive): Case {
  const dtype = rng.pick(prim === "reduce_sum" || prim === "reduce_prod" ? NUMBER : ANY);
  const shape = rng.shape(1, 3);
  const axes = rng.subset(shape.length);
  return { prim, operands: [op(rng, shape, dtype)], f: (x) => bind1(prim, [x], { axes } as never) };
}

function argCase(rng: Rng, prim: "argmax" | "argmin"): Case {
  const shape = rng.shape(1, 3);
  const axes = [rng.int(0, shape.length - 1)];
  return {
    prim,
    operands: [op(rng, shape, rng.pick(NUMBER))],
    f: (x) => bind1(prim, [x], { axes, index_dtype: "int32" }),
  };
}

/** Elementwise combination of the examples' operands, for psum/pmax/pmin. */
function combine(examples: Data[][], k: number, fn: (a: number, b: number) => number): Data {
  const first = examples[0]![k]!;
  const values = first.values.map((_, j) => examples.map((e) => e[k]!.values[j]!).reduce((a, b) => fn(a, b)));
  return { ...first, values };
}

function reduceCollectiveCase(rng: Rng, prim: "psum" | "pmax" | "pmin"): Case {
  const dtype = rng.pick(NUMBER);
  const operands = Array.from({ length: rng.int(1, 2) }, () => op(rng, rng.shape(0, 2), dtype));
  const fn = prim === "psum" ? (dtype === "int32" ? (a: number, b: number) => (a + b) | 0 : (a: number, b: number) => Math.fround(a + b))
    : prim === "pmax" ? Math.max : Math.min;
  return {
    prim,
    operands,
    f: (...xs) => bind(prim, xs, { axes: ["i"], axis_index_groups: null }),
    oracle: (ex) => ex.map(() => operands.map((_, k) => combine(ex, k, fn))),
  };
}

function allGatherCase(rng: Rng): Case {
  const shape = rng.shape(rng.chance(0.5) ? 0 : 1, 2);
  const tiled = shape.length > 0 && rng.chance(0.5);
  const dim = rng.int(0, tiled ? shape.length - 1 : shape.length);
  return {
    prim: "all_gather",
    operands: [op(rng, shape, rng.pick(ANY))],
    f: (x) => lax.allGather(x, "i", { axis: dim, tiled }),
    oracle: (ex) => {
      let g = stack(ex.map((e) => e[0]!), dim);
      if (tiled) g = { ...g, shape: [...g.shape.slice(0, dim), g.shape[dim]! * g.shape[dim + 1]!, ...g.shape.slice(dim + 2)] };
      return ex.map(() => [g]);
    },
  };
}

function axisIndexCase(rng: Rng): Case {
  return {
    prim: "axis_index",
    operands: [op(rng, rng.shape(0, 2), "int32")],
    f: (x) => bind1("add", [x, bind1("axis_index", [], { axis_name: "i" })], {}),
    oracle: (ex) => ex.map((e, b) => [{ ...e[0]!, values: e[0]!.values.map((v) => v + b) }]),
  };
}

/** Member k sends to k + 1; the first member receives zeros. */
function ppermuteCase(rng: Rng): Case {
  const shape = rng.shape(0, 2);
  const dtype = rng.pick(ANY);
  return {
    prim: "ppermute",
    operands: [op(rng, shape, dtype)],
    f: (x) => {
      const n = lax.psum(1, "i").item() as number; // the axis size, known while tracing
      return [lax.ppermute(x, "i", Array.from({ length: n - 1 }, (_, k) => [k, k + 1] as const))];
    },
    oracle: (ex) => ex.map((_, b) => [b === 0 ? { ...ex[0]![0]!, values: ex[0]![0]!.values.map(() => 0) } : ex[b - 1]![0]!]),
  };
}

/** pmap inside vmap: the batch rides along on every device. */
function pmapCase(rng: Rng): Case {
  const shape = [rng.int(1, Math.min(2, deviceCount())), ...rng.shape(0, 2)];
  return {
    prim: "xla_pmap",
    operands: [op(rng, shape, "float32")],
    f: (x) => pmap((v: WaxArray) => lax.psum(v, "j").mul(v), "j")(x) as WaxArray,
  };
}

function selectCase(rng: Rng): Case {
  const shape = rng.shape(0, 3);
  const dtype = rng.pick(ANY);
  const n = rng.int(1, 3);
  const predShape = rng.chance(0.4) ? [] : shape;
  const pred = n === 2 && rng.chance(0.5)
    ? randomData(rng, predShape, "bool")
    : { shape: predShape, dtype: "int32" as DType, values: Array.from({ length: sizeOf(predShape) }, () => rng.int(0, n - 1)) };
  const cases = Array.from({ length: n }, () => op(rng, shape, dtype));
  return { prim: "select_n", operands: [{ data: pred }, ...cases], f: (...xs) => bind1("select_n", xs, {}) };
}

function broadcastInDimCase(rng: Rng): Case {
  const outShape = rng.shape(0, 3);
  const dims = rng.subset(outShape.length);
  const inShape = dims.map((d) => (rng.chance(0.3) ? 1 : outShape[d]!));
  return {
    prim: "broadcast_in_dim",
    operands: [op(rng, inShape, rng.pick(ANY))],
    f: (x) => bind1("broadcast_in_dim", [x], { shape: outShape, broadcast_dimensions: dims }),
  };
}

function reshapeCase(rng: Rng): Case {
  const shape = rng.shape(0, 3, 4);
  let n = sizeOf(shape);
  const sizes: number[] = [];
  while (n > 1 && sizes.length < 3) {
    const divisors = Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
    const d = rng.pick(divisors);
    sizes.push(d);
    n /= d;
  }
  if (n > 1) sizes.push(n);
  if (rng.chance(0.3)) sizes.splice(rng.int(0, sizes.length), 0, 1);
  return {
    prim: "reshape",
    operands: [op(rng, shape, rng.pick(ANY))],
    f: (x) => bind1("reshape", [x], { new_sizes: sizes, dimensions: null }),
  };
}

function transposeCase(rng: Rng): Case {
  const shape = rng.shape(0, 3);
  const perm = rng.shuffle(shape.map((_, i) => i));
  return { prim: "transpose", operands: [op(rng, shape, rng.pick(ANY))], f: (x) => bind1("transpose", [x], { permutation: perm }) };
}

function squeezeCase(rng: Rng): Case {
  const shape = rng.shape(1, 3).map((d) => (rng.chance(0.5) ? 1 : d));
  const dims = shape.map((d, i) => (d === 1 && rng.chance(0.7) ? i : -1)).filter((i) => i >= 0);
  return { prim: "squeeze", operands: [op(rng, shape, rng.pick(ANY))], f: (x) => bind1("squeeze", [x], { dimensions: dims }) };
}

function revCase(rng: Rng): Case {
  const shape = rng.shape(1, 3);
  const dims = rng.subset(shape.length);
  return { prim: "rev", operands: [op(rng, shape, rng.pick(ANY))], f: (x) => bind1("rev", [x], { dimensions: dims }) };
}

function concatenateCase(rng: Rng): Case {
  const shape = rng.shape(1, 3);
  const dim = rng.int(0, shape.length - 1);
  const dtype = rng.pick(ANY);
  const operands = Array.from({ length: rng.int(2, 3) }, () =>
    op(rng, shape.map((d, i) => (i === dim ? rng.int(1, 3) : d)), dtype),
  );
  return { prim: "concatenate", operands, f: (...xs) => bind1("concatenate", xs, { dimension: dim }) };
}

function sliceCase(rng: Rng): Case {
  const shape = rng.shape(1, 3, 4);
  const start = shape.map((d) => rng.int(0, d - 1));
  const limit = shape.map((d, i) => rng.int(start[i]!, d));
  const strides = rng.chance(0.5) ? null : shape.map(() => rng.int(1, 2));
  return {
    prim: "slice",
    operands: [op(rng, shape, rng.pick(ANY))],
    f: (x) => bind1("slice", [x], { start_indices: start, limit_indices: limit, strides }),
  };
}

function dynamicSliceCase(rng: Rng): Case {
  const shape = rng.shape(1, 3, 4);
  const sizes = shape.map((d) => rng.int(0, d));
  // Start indices are operands too, so vmap may batch them; some are out of range (clamped).
  const starts = shape.map((d) => ({ data: { shape: [], dtype: "int32" as DType, values: [rng.int(-1, d + 1)] } }));
  return {
    prim: "dynamic_slice",
    operands: [op(rng, shape, rng.pick(ANY)), ...starts],
    f: (x, ...idx) => bind1("dynamic_slice", [x, ...idx], { slice_sizes: sizes }),
  };
}

/** A jitted function called inside the vmapped one: its jaxpr is batched as a whole. */
function xlaCallCase(rng: Rng): Case {
  const shape = rng.shape(0, 3);
  const inner = jit(function inner(x: WaxArray, y: WaxArray) {
    return np.multiply(np.sin(x), y).add(1.5);
  });
  return { prim: "xla_call", operands: [op(rng, shape, "float32"), op(rng, shape, "float32")], f: (x, y) => inner(x, y) };
}

/** Functions with custom derivatives: under vmap the function (and its rules) are batched as a whole. */
function customCase(rng: Rng, prim: "custom_jvp_call" | "custom_vjp_call_jaxpr"): Case {
  const shape = rng.shape(0, 3);
  const body = (x: WaxArray, y: WaxArray) => np.log1p(np.exp(np.multiply(x, y)));
  const f = prim === "custom_jvp_call"
    ? customJvp(body).defjvp(([x, y], [tx, ty]) => [body(x, y), np.multiply(np.nn.sigmoid(np.multiply(x, y)), np.add(np.multiply(tx, y), np.multiply(x, ty)))])
    : customVjp(body).defvjp((x, y) => [body(x, y), [x, y]], ([x, y], g) => [np.multiply(g, y), np.multiply(g, x)]);
  return { prim, operands: [op(rng, shape, "float32"), op(rng, shape, "float32")], f: (x, y) => f(x, y) };
}

function dotGeneralCase(rng: Rng): Case {
  const nb = rng.int(0, 1), nc = rng.int(0, 2), nl = rng.int(0, 1), nr = rng.int(0, 1);
  const bs = Array.from({ length: nb }, () => rng.int(1, 3));
  const cs = Array.from({ length: nc }, () => rng.int(1, 3));
  const ls = Array.from({ length: nl }, () => rng.int(1, 3));
  const rs = Array.from({ length: nr }, () => rng.int(1, 3));
  // Each side's dims in a random order: which positions hold batch, contracting, free dims.
  const place = (free: number[]) => {
    const kinds = rng.shuffle([...bs.map((_, i) => ["b", i] as const), ...cs.map((_, i) => ["c", i] as const), ...free.map((_, i) => ["f", i] as const)]);
    const shape = kinds.map(([k, i]) => (k === "b" ? bs[i]! : k === "c" ? cs[i]! : free[i]!));
    const pos = (kind: string) => kinds.map(([k, i], p) => [k, i, p] as const).filter(([k]) => k === kind).sort((a, b) => a[1] - b[1]).map(([, , p]) => p);
    return { shape, batch: pos("b"), contract: pos("c") };
  };
  const l = place(ls), r = place(rs);
  const dtype = rng.pick(NUMBER);
  return {
    prim: "dot_general",
    operands: [op(rng, l.shape, dtype), op(rng, r.shape, dtype)],
    f: (x, y) =>
      bind1("dot_general", [x, y], {
        dimension_numbers: [[l.contract, r.contract], [l.batch, r.batch]],
        precision: null,
        preferred_element_type: null,
      }),
  };
}

function iotaCase(rng: Rng): Case {
  const shape = rng.shape(1, 3);
  const dim = rng.int(0, shape.length - 1);
  const dtype = rng.pick(NUMBER);
  return {
    prim: "iota",
    operands: [op(rng, shape, dtype)],
    f: (x) => bind1("add", [x, bind1("iota", [], { dtype, shape, dimension: dim })], {}),
  };
}

function makeCase(rng: Rng, prim: Primitive): Case {
  if ((UNARY_PRIMITIVES as readonly string[]).includes(prim)) return unaryCase(rng, prim);
  if ((BINARY_PRIMITIVES as readonly string[]).includes(prim)) return binaryCase(rng, prim);
  if ((REDUCE_PRIMITIVES as readonly string[]).includes(prim)) return reduceCase(rng, prim);
  switch (prim) {
    case "psum":
    case "pmax":
    case "pmin":
      return reduceCollectiveCase(rng, prim);
    case "all_gather":
      return allGatherCase(rng);
    case "axis_index":
      return axisIndexCase(rng);
    case "ppermute":
      return ppermuteCase(rng);
    case "xla_pmap":
      return pmapCase(rng);
    case "argmax":
    case "argmin":
      return argCase(rng, prim);
    case "select_n":
      return selectCase(rng);
    case "integer_pow": {
      const dtype = rng.pick(NUMBER);
      const y = dtype === "int32" ? rng.int(0, 3) : rng.int(-2, 3);
      return { prim, operands: [op(rng, rng.shape(0, 3), dtype)], f: (x) => bind1("integer_pow", [x], { y }) };
    }
    case "convert_element_type": {
      const to = rng.pick(ANY);
      return {
        prim,
        operands: [op(rng, rng.shape(0, 3), rng.pick(ANY))],
        f: (x) => bind1("convert_element_type", [x], { new_dtype: to, weak_type: false }),
      };
    }
    case "broadcast_in_dim":
      return broadcastInDimCase(rng);
    case "reshape":
      return reshapeCase(rng);
    case "transpose":
      return transposeCase(rng);
    case "squeeze":
      return squeezeCase(rng);
    case "rev":
      return revCase(rng);
    case "concatenate":
      return concatenateCase(rng);
    case "slice":
      return sliceCase(rng);
    case "dynamic_slice":
      return dynamicSliceCase(rng);
    case "dot_general":
      return dotGeneralCase(rng);
    case "iota":
      return iotaCase(rng);
    case "xla_call":
      return xlaCallCase(rng);
    case "custom_jvp_call":
    case "custom_vjp_call_jaxpr":
      return customCase(rng, prim);
    default:
      throw new Error(`no property case for primitive ${prim}`);
  }
}

// ---- the check ----

function runCase(rng: Rng, c: Case): void {
  const size = rng.int(1, 3);
  // Each operand mapped at a random axis (sometimes written negative) or left unmapped.
  const inAxes = c.operands.map((o) => {
    if (rng.chance(0.3)) return null;
    const axis = rng.int(0, o.data.shape.length);
    return rng.chance(0.3) ? axis - (o.data.shape.length + 1) : axis;
  });
  const args: WaxArray[] = [];
  const examples: Data[][] = Array.from({ length: size }, () => []);
  c.operands.forEach((o, k) => {
    const spec = inAxes[k];
    if (spec === null) {
      args.push(fromData(o.data));
      examples.forEach((e) => e.push(o.data));
      return;
    }
    const axis = spec < 0 ? spec + o.data.shape.length + 1 : spec;
    const perExample = Array.from({ length: size }, () => randomData(rng, o.data.shape, o.data.dtype));
    if (c.prim === "dynamic_slice" && k > 0) perExample.forEach((d) => (d.values = [rng.int(-1, c.operands[0]!.data.shape[k - 1]! + 1)]));
    if (c.prim === "select_n" && k === 0 && o.data.dtype === "int32") {
      perExample.forEach((d) => (d.values = d.values.map(() => rng.int(0, c.operands.length - 2))));
    }
    args.push(fromData(stack(perExample, axis)));
    perExample.forEach((d, b) => examples[b]!.push(d));
  });

  // Expected: f on each example (or the collective's oracle), as plain data.
  const perExampleOut: Data[][] = c.oracle
    ? c.oracle(examples)
    : examples.map((e) => {
        const out = c.f(...e.map(fromData));
        return (Array.isArray(out) ? out : [out]).map(toData);
      });
  const nOut = perExampleOut[0]!.length;
  const outAxes = perExampleOut[0]!.map((d) => {
    const axis = rng.int(0, d.shape.length);
    return rng.chance(0.3) ? axis - (d.shape.length + 1) : axis;
  });
  const multi = nOut > 1 || (c.oracle !== undefined && c.prim !== "all_gather" && c.prim !== "axis_index");
  const opts = { axisName: "i", axisSize: inAxes.every((a) => a === null) ? size : null };
  const fn = (...xs: WaxArray[]) => {
    const out = c.f(...xs);
    return multi ? out : Array.isArray(out) ? out[0]! : out;
  };
  const mapped = vmap(fn, inAxes, multi ? outAxes : outAxes[0]!, opts);
  const got = mapped(...args) as WaxArray | WaxArray[];
  const gotList = Array.isArray(got) ? got : [got];
  // The same under makeJaxpr: BatchTrace above a JaxprTrace, then the jaxpr evaluated.
  const closed = makeJaxpr(mapped)(...args);
  const traced = evalJaxpr(closed.jaxpr, closed.consts, args);
  const what = `${c.prim}: in_axes=${JSON.stringify(inAxes)} out_axes=${JSON.stringify(outAxes)} shapes=${JSON.stringify(c.operands.map((o) => o.data.shape))} size=${size}`;
  assert.is(gotList.length, nOut, what);
  gotList.forEach((g, k) => {
    const ax = outAxes[k]! < 0 ? outAxes[k]! + perExampleOut[0]![k]!.shape.length + 1 : outAxes[k]!;
    const want = stack(perExampleOut.map((o) => o[k]!), ax);
    for (const [how, result] of [["eager", g], ["traced", traced[k]!]] as const) {
      const actual = toData(result);
      assert.equal(actual.shape, want.shape, `shape of ${how} ${what}`);
      assert.is(actual.dtype, want.dtype, `dtype of ${how} ${what}`);
      actual.values.forEach((v, j) => {
        if (!sameValue(v, want.values[j]!)) assert.unreachable(`${how} ${what}: element ${j} is ${v}, expected ${want.values[j]}`);
      });
    }
  });
}

test("vmap(f) equals f applied to each example, for every primitive", () => {
  const rng = new Rng(20240607);
  const covered = new Set<Primitive>();
  for (const prim of ALL_PRIMITIVES) {
    // custom_lin only exists inside a linearized custom_vjp function, which cannot run forward: see below.
    if (prim === "custom_lin") {
      covered.add(prim);
      continue;
    }
    for (let trial = 0; trial < 12; trial++) {
      runCase(rng, makeCase(rng, prim));
      covered.add(prim);
    }
  }
  assert.equal([...covered].sort(), [...ALL_PRIMITIVES].sort());
});

test("custom_lin (a custom_vjp's linear part) refuses forward mode under vmap too, with JAX's message", () => {
  const f = customVjp((x: WaxArray) => np.sin(x)).defvjp((x) => [np.sin(x), np.cos(x)], (c, g) => [np.multiply(c, g)]);
  const [, fJvp] = linearize(f, np.array([0.5, 1], { dtype: "float32" }));
  assert.throws(() => vmap(fJvp)(np.ones([3, 2])), /can't apply forward-mode autodiff \(jvp\) to a custom_vjp function/);
});

test("composed: nested vmap of a random chain equals the double loop", () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 20; trial++) {
    const [n, m, k] = [rng.int(1, 3), rng.int(1, 3), rng.int(1, 4)];
    const x = randomData(rng, [n, m, k], "float32");
    // Per example (a vector of length k): softmax-weighted sum, centred.
    const g = (v: WaxArray) => np.subtract(np.multiply(np.nn.softmax(v), v), np.mean(v));
    const inner = rng.chance(0.5) ? 0 : 1;
    const outer = rng.chance(0.5) ? 0 : 1;
    // Put n at `outer` and m at `inner` (of the remaining axes).
    const xs = inner === 0 && outer === 0 ? x : toData(np.moveaxis(fromData(x), [0, 1], outer === 0 ? [0, inner + 1] : [1, inner === 0 ? 0 : 2]));
    const got = toData(vmap(vmap(g, inner), outer)(fromData(xs)));
    const rows: Data[] = [];
    for (let a = 0; a < n; a++) {
      const r: Data[] = [];
      for (let b = 0; b < m; b++) r.push(toData(g(fromData(take(take(x, 0, a), 0, b)))));
      rows.push(stack(r, 0));
    }
    const want = stack(rows, 0);
    assert.equal(got.shape, want.shape);
    got.values.forEach((v, j) => assert.ok(sameValue(v, want.values[j]!), `element ${j}: ${v} vs ${want.values[j]}`));
  }
});

test.run();
