// Collectives over a named axis (JAX's lax.psum, pmean, pmax, pmin, all_gather,
// axis_index). The axis is bound by an enclosing vmap (or pmap) with that axisName;
// `bind` hands each collective to the trace that binds its axis, whose rules decide
// what it means there (under vmap: a reduction or iota over the batch dimension).

import { Array, type ArrayLike, ConcreteArray } from "../core/array.js";
import { asArray, scalarArray } from "../core/scalar.js";
import { type AxisFrame, Tracer, axisFrameOf, bind, bind1, lookupAxis } from "../core/trace.js";
import { divide } from "../numpy/elementwise.js";
import { evalPrimitive } from "../primitives/impl.js";
import { normalizeAxis } from "../shape.js";
import { treeFlatten, treeMap, treeUnflatten } from "../tree.js";
import { convertElementType } from "./lax.js";

/** What a collective returns for `x`: JS scalars come back as Arrays, pytrees keep their structure. */
export type Collected<T> = T extends number | boolean ? Array : T;

/** One axis name, or several reduced over together. */
export type AxisName = string | readonly string[];

function axisNames(axisName: AxisName, where: string): string[] {
  const names = typeof axisName === "string" ? [axisName] : [...axisName];
  if (names.length === 0 || !names.every((n) => typeof n === "string")) {
    throw new TypeError(`${where}: axis_name must be a string or a list of strings, got ${JSON.stringify(axisName)}`);
  }
  return names;
}

/** The product of the sizes of the named axes; NameError for an unbound name. */
function sizeOfAxes(names: readonly string[]): number {
  return names.reduce((n, name) => n * (axisFrameOf(lookupAxis(name)) as AxisFrame).axisSize, 1);
}

function leavesOf(x: unknown, where: string): [Array[], ReturnType<typeof treeFlatten>[1]] {
  const [leaves, tree] = treeFlatten(x);
  return [leaves.map((l, i) => asArray(l as ArrayLike, `${where} operand ${i}`)), tree];
}

/** JAX's lax.axis_size: the size of the named axis (the product, for several names), as a number. */
export function axisSize(axisName: AxisName): number {
  return sizeOfAxes(axisNames(axisName, "axis_size"));
}

/**
 * Sum over the named axis. Booleans are summed as int32. A value that is no tracer is the
 * same on every member of the axis, so, as JAX's psum does, its sum is computed at once:
 * the value times the axis size.
 */
export function psum<T>(x: T, axisName: AxisName): Collected<T> {
  const names = axisNames(axisName, "psum");
  const [leaves, tree] = leavesOf(x, "psum");
  if (!leaves.some((l) => l instanceof Tracer)) {
    const size = sizeOfAxes(names);
    return treeUnflatten(tree, leaves.map((l) => {
      let c = l as ConcreteArray;
      if (c.dtype === "bool") c = evalPrimitive("convert_element_type", [c], { new_dtype: "int32", weak_type: false })[0]!;
      return evalPrimitive("mul", [c, scalarArray(size, { dtype: c.dtype, weakType: c.weakType })], {})[0]!;
    })) as Collected<T>;
  }
  const args = leaves.map((l) => (l.dtype === "bool" ? convertElementType(l, "int32") : l));
  return treeUnflatten(tree, bind("psum", args, { axes: names, axis_index_groups: null })) as Collected<T>;
}

function reduceCollective(prim: "pmax" | "pmin") {
  return <T>(x: T, axisName: AxisName): Collected<T> => {
    const names = axisNames(axisName, prim);
    const [leaves, tree] = leavesOf(x, prim);
    return treeUnflatten(tree, bind(prim, leaves, { axes: names, axis_index_groups: null })) as Collected<T>;
  };
}

/** Maximum over the named axis. */
export const pmax = reduceCollective("pmax");
/** Minimum over the named axis. */
export const pmin = reduceCollective("pmin");

/** Mean over the named axis: psum divided by the axis size (true division, as JAX's). */
export function pmean<T>(x: T, axisName: AxisName): Collected<T> {
  const names = axisNames(axisName, "pmean");
  const n = sizeOfAxes(names);
  return treeMap((v) => divide(v as Array, n), psum(x, names)) as Collected<T>;
}

export interface AllGatherOptions {
  /** Where the gathered axis goes in the result (default 0). */
  axis?: number;
  /** Concatenate along `axis` instead of stacking along a new one. */
  tiled?: boolean;
}

/** Every member receives the values of all members, stacked along `axis`. */
export function allGather<T>(x: T, axisName: string, opts: AllGatherOptions = {}): Collected<T> {
  if (typeof axisName !== "string") {
    throw new TypeError(`allGather gathers over one axis name (a string), got ${JSON.stringify(axisName)}`);
  }
  const size = sizeOfAxes([axisName]);
  const tiled = opts.tiled ?? false;
  const [leaves, tree] = leavesOf(x, "allGather");
  return treeUnflatten(tree, leaves.map((l) => {
    if (tiled && l.ndim === 0) throw new TypeError("allGather with tiled=true requires operands of rank at least 1");
    return bind1("all_gather", [l], {
      all_gather_dimension: normalizeAxis(opts.axis ?? 0, tiled ? l.ndim : l.ndim + 1, "allGather axis"),
      axis_index_groups: null,
      axis_name: axisName,
      axis_size: size,
      tiled,
    });
  })) as Collected<T>;
}

/**
 * Sends each member's value to another member of the named axis: `perm` lists
 * (source, destination) pairs; a member no pair sends to receives zeros.
 */
export function ppermute<T>(x: T, axisName: string, perm: readonly (readonly [number, number])[]): Collected<T> {
  if (typeof axisName !== "string") throw new TypeError(`ppermute: axis_name must be a string, got ${JSON.stringify(axisName)}`);
  const n = sizeOfAxes([axisName]);
  const pairs = perm.map((p) => {
    if (!globalThis.Array.isArray(p) || p.length !== 2 || !p.every((i) => Number.isInteger(i) && i >= 0 && i < n)) {
      throw new RangeError(`ppermute: each pair must be two axis indices in [0, ${n}), got ${JSON.stringify(p)}`);
    }
    return [p[0], p[1]] as const;
  });
  const [leaves, tree] = leavesOf(x, "ppermute");
  return treeUnflatten(tree, leaves.map((l) => bind1("ppermute", [l], { axis_index_groups: null, axis_name: axisName, perm: pairs }))) as Collected<T>;
}

/**
 * The index of this member along the named axis, an int32 scalar. For several names, the
 * index in their row-major product (the first name varies slowest).
 */
export function axisIndex(axisName: AxisName): Array {
  const names = axisNames(axisName, "axisIndex");
  let idx: Array | null = null;
  for (const name of names) {
    const i = bind1("axis_index", [], { axis_name: name });
    idx = idx === null ? i : bind1("add", [bind1("mul", [idx, scalarArray(sizeOfAxes([name]), { dtype: "int32", weakType: true })], {}), i], {});
  }
  return idx!;
}
