// vmap as an interpreter, after Autodidax: a BatchTracer is a value with one more
// dimension (its batch dim) than the function sees; BatchTrace applies each primitive's
// batching rule. Because it is an ordinary trace, nested vmaps, makeJaxpr(vmap(f)) and
// vmap of evalJaxpr compose with no special cases.

import { Array, type ArrayLike, type ConcreteArray } from "../core/array.js";
import { evalJaxpr } from "../jaxpr/jaxpr.js";
import { setPmapReference } from "../primitives/impl.js";
import { asArray } from "../core/scalar.js";
import {
  type AxisFrame, MainTrace, Trace, Tracer, bind, fullLower, fullRaise, lookupAxis, usedAxisNames, withMain,
} from "../core/trace.js";
import type { Params, Primitive } from "../primitives/params.js";
import { ShapedArray, normalizeAxis, pyTuple } from "../shape.js";
import { type TreeDef, broadcastPrefix, treeDefString, treeFlatten, treeUnflatten } from "../tree.js";
import {
  type BatchDim, type BatchRule, type CollectivePrimitive, type CollectiveRule, batchingRules, broadcastAxis,
  collectiveRules, jaxprUsesAxis, moveBatchAxis,
} from "./batching.js";

/** JAX raises ValueError for a bad vmap spec or inconsistent sizes; JS has none, so ours is named the same. */
export class ValueError extends Error {
  override name = "ValueError";
}

export class BatchTracer extends Tracer {
  constructor(
    readonly trace: BatchTrace,
    readonly val: Array,
    readonly batchDim: BatchDim,
  ) {
    super();
  }
  #aval: ShapedArray | undefined;
  get aval(): ShapedArray {
    if (this.#aval) return this.#aval;
    const a = this.val.aval;
    return (this.#aval = this.batchDim === null ? a : a.withShape(a.shape.filter((_, i) => i !== this.batchDim)));
  }
  override fullLower(): Array {
    return this.batchDim === null ? fullLower(this.val) : this;
  }
}

export class BatchTrace extends Trace {
  /** The mapped axis: its name (null when vmap was given none) and size. */
  get frame(): AxisFrame {
    return this.main.globalData as AxisFrame;
  }
  pure(x: Array): Array {
    return new BatchTracer(this, x, null);
  }
  lift(x: Tracer): Array {
    return new BatchTracer(this, x, null);
  }

  /** A jit or pmap call whose body has a collective over this axis. */
  private callUsesAxis<P extends Primitive>(prim: P, params: Params<P>): boolean {
    const name = this.frame.axisName;
    if (name === null) return false;
    if (prim === "xla_call") return jaxprUsesAxis((params as Params<"xla_call">).call_jaxpr, name);
    if (prim === "xla_pmap") return jaxprUsesAxis((params as Params<"xla_pmap">).call_jaxpr, name) && (params as Params<"xla_pmap">).axis_name !== name;
    return false;
  }

  processPrimitive<P extends Primitive>(prim: P, tracers: Array[], params: Params<P>): Array[] {
    const ts = tracers as BatchTracer[];
    const vals = ts.map((t) => t.val), dims = ts.map((t) => t.batchDim);
    let outs: Array[], outDims: BatchDim[];
    if (usedAxisNames(prim, params).some((n) => lookupAxis(n) === this.main)) {
      const rule = collectiveRules[prim as CollectivePrimitive] as unknown as CollectiveRule<CollectivePrimitive>;
      [outs, outDims] = rule(this.frame, vals, dims, params as Params<CollectivePrimitive>);
    } else if (dims.every((d) => d === null) && !this.callUsesAxis(prim, params)) {
      return bind(prim, vals, params);
    } else {
      [outs, outDims] = (batchingRules[prim] as BatchRule<P>)(vals, dims, params, this.frame);
    }
    return outs.map((v, i) => new BatchTracer(this, v, outDims[i]!));
  }
}

/** An in_axes/out_axes spec: an axis or null per leaf, or a pytree prefix of them. */
export type AxisSpec = number | null | undefined | readonly AxisSpec[] | { readonly [key: string]: AxisSpec };

export interface VmapOptions {
  /** Names the mapped axis for collectives (lax.psum(x, axisName), ...). */
  axisName?: string | null;
  /** The number of examples, needed when no argument is mapped. */
  axisSize?: number | null;
}

/**
 * JAX's vmap: `vmap(fn, inAxes, outAxes)(...args)` maps `fn` over axis `inAxes` of its
 * arguments and stacks the results along `outAxes`.
 */
export function vmap<F extends (...args: any[]) => any>(
  fn: F,
  inAxes: AxisSpec = 0,
  outAxes: AxisSpec = 0,
  opts: VmapOptions = {},
): (...args: Parameters<F>) => ReturnType<F> {
  if (typeof fn !== "function") throw new TypeError(`Expected a callable value, got ${String(fn)}`);
  checkSpecLeaves(inAxes, "in_axes");
  checkSpecLeaves(outAxes, "out_axes");
  const axisName = opts.axisName ?? null;
  const axisSize = opts.axisSize ?? null;
  if (axisName !== null && typeof axisName !== "string") {
    throw new TypeError(`vmap axis_name must be a string, got ${String(axisName)}`);
  }
  if (axisSize !== null && !(Number.isInteger(axisSize) && axisSize >= 0)) {
    throw new TypeError(`vmap axis_size must be a non-negative integer, got ${axisSize}`);
  }
  return ((...args: unknown[]) => {
    if (globalThis.Array.isArray(inAxes) && inAxes.length !== args.length) {
      throw new ValueError(
        "vmap in_axes must be an int, None, or a tuple of entries corresponding to the positional arguments " +
          `passed to the function, but got len(in_axes)=${inAxes.length}, len(args)=${args.length}`,
      );
    }
    const [leaves, inTree] = treeFlatten(args);
    const specs = flattenAxes("vmap in_axes", inAxes, args, inTree);
    const inputs = leaves.map((l, i) => (specs[i] === null ? null : asArray(l as never, "vmap argument")));
    const inDims = inputs.map((x, i) => (x === null ? null : mappedAxis(x, specs[i]!)));
    const size = mappedAxisSize(fn, args, inputs, inDims, specs, axisSize);
    const frame: AxisFrame = { axisName, axisSize: size };
    return withMain(BatchTrace, frame, (main: MainTrace) => {
      const trace = new BatchTrace(main);
      const inTracers = leaves.map((l, i) => (inputs[i] === null ? l : new BatchTracer(trace, inputs[i]!, inDims[i]!)));
      const out = fn(...(treeUnflatten(inTree, inTracers) as unknown[]));
      const [outLeaves, outTree] = treeFlatten(out);
      const outSpecs = flattenAxes("vmap out_axes", outAxes, out, outTree);
      const paths = leafPaths(outTree);
      const results = outLeaves.map((o, i) => {
        const t = fullRaise(trace, asArray(checkOutput(o), `vmap output leaf ${i}`)) as BatchTracer;
        return matchAxis(t.val, t.batchDim, outSpecs[i]!, size, paths[i]!, axisName);
      });
      return treeUnflatten(outTree, results);
    });
  }) as (...args: Parameters<F>) => ReturnType<F>;
}

/** The normalised axis of `x` that `spec` maps, with JAX's error when `x` lacks it. */
function mappedAxis(x: Array, spec: number): number {
  if (spec >= x.ndim || spec < -x.ndim) {
    const minRank = spec >= 0 ? spec + 1 : -spec;
    throw new ValueError(
      `vmap was requested to map its argument along axis ${spec}, which implies that its rank should be at least ` +
        `${minRank}, but is only ${x.ndim} (its shape is ${pyTuple(x.shape)})`,
    );
  }
  return spec < 0 ? spec + x.ndim : spec;
}

/** Moves (or broadcasts) a result's batch dim to where out_axes asks (JAX's matchaxis). */
function matchAxis(x: Array, src: BatchDim, dst: number | null, size: number, path: string, axisName: string | null): Array {
  if (src === null && dst === null) return x;
  if (dst === null) {
    if (axisName !== null) throw new ValueError(`vmap has mapped output (axis_name=${axisName}) but out_axes is None`);
    throw new ValueError(`at vmap out_axes${path}, got axis spec None but output was batched on axis ${src}`);
  }
  const ndim = src === null ? x.ndim + 1 : x.ndim;
  if (dst >= ndim || dst < -ndim) {
    throw new ValueError(
      `vmap out_axes${path}: axis ${dst} is out of bounds for array of dimension ${ndim} (the batched output has shape ${pyTuple(src === null ? [size, ...x.shape] : x.shape)})`,
    );
  }
  const d = normalizeAxis(dst, ndim);
  return src === null ? broadcastAxis(x, size, d) : moveBatchAxis(x, src, d);
}

// ---- specs ----

/** Python's repr of an axis spec, for messages: `(0, None)`, `{'a': 1}`. */
function specRepr(spec: unknown): string {
  if (spec === null || spec === undefined) return "None";
  if (globalThis.Array.isArray(spec)) return spec.length === 1 ? `(${specRepr(spec[0])},)` : `(${spec.map(specRepr).join(", ")})`;
  if (typeof spec === "object") {
    return `{${Object.keys(spec).map((k) => `'${k}': ${specRepr((spec as Record<string, unknown>)[k])}`).join(", ")}}`;
  }
  if (typeof spec === "boolean") return spec ? "True" : "False";
  if (typeof spec === "string") return `'${spec}'`;
  return String(spec);
}

/** JAX's check that every leaf of an in_axes/out_axes spec is an int (or None). */
export function checkSpecLeaves(spec: unknown, what: "in_axes" | "out_axes", transform: "vmap" | "pmap" = "vmap"): void {
  const [leaves] = treeFlatten(spec);
  if (!leaves.every((l) => Number.isInteger(l))) {
    throw new TypeError(
      `${transform} ${what} must be an int, None, or (nested) container with those types as leaves, but got ${specRepr(spec)}.`,
    );
  }
}

/** An output leaf must be an array or a scalar: JAX's message otherwise. */
function checkOutput(x: unknown): ArrayLike {
  if (x instanceof Array || typeof x === "number" || typeof x === "boolean") return x;
  const type = x === null ? "null" : typeof x === "object" ? (x.constructor?.name ?? "Object") : typeof x;
  let shown: string;
  if (typeof x === "function") shown = `<function ${x.name || "<lambda>"}>`;
  else if (typeof x === "string") shown = `'${x}'`;
  else shown = String(x);
  throw new TypeError(`Output from batched function ${shown} with type ${type} is not a valid JAX type`);
}

/** One axis (or null) per leaf of `value`, from a spec that is a prefix of its structure. */
function flattenAxes(name: string, spec: AxisSpec, value: unknown, tree: TreeDef): (number | null)[] {
  try {
    return broadcastPrefix(spec, value, name).map((a) => (a === undefined ? null : (a as number | null)));
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    throw new ValueError(
      `${name} specification must be a tree prefix of the corresponding value, got specification ${specRepr(spec)} for value tree ${treeDefString(tree)}.`,
    );
  }
}

/** The key path of every leaf, in flattening order: `[0]['a']`. */
function leafPaths(tree: TreeDef, prefix = "", out: string[] = []): string[] {
  switch (tree.kind) {
    case "leaf":
      out.push(prefix);
      break;
    case "none":
      break;
    case "list":
      tree.children.forEach((c, i) => leafPaths(c, `${prefix}[${i}]`, out));
      break;
    case "dict":
      tree.children.forEach((c, i) => leafPaths(c, `${prefix}['${tree.keys[i]}']`, out));
      break;
  }
  return out;
}

// ---- the mapped axis size, with JAX's _mapped_axis_size messages ----

/**
 * The parameter names of `fn` as written in its source, for messages that name the
 * argument (JAX uses inspect.signature); null when they cannot be read, e.g. when a
 * parameter is destructured.
 */
function parameterNames(fn: Function): { names: string[]; rest: string | null } | null {
  let src: string;
  try {
    src = Function.prototype.toString.call(fn);
  } catch {
    return null;
  }
  const ident = /^[A-Za-z_$][\w$]*$/;
  const single = /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  if (single) return { names: [single[1]!], rest: null };
  const open = src.indexOf("(");
  if (open < 0) return null;
  const parts: string[] = [];
  let depth = 0, start = open + 1, end = -1;
  for (let i = open; i < src.length && end < 0; i++) {
    const c = src[i]!;
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) {
      depth--;
      if (depth === 0) end = i;
    } else if (c === "," && depth === 1) {
      parts.push(src.slice(start, i));
      start = i + 1;
    }
  }
  if (end < 0) return null;
  parts.push(src.slice(start, end));
  const names: string[] = [];
  let rest: string | null = null;
  for (const raw of parts) {
    const p = raw.trim();
    if (p === "") continue;
    if (p.startsWith("...")) {
      if (!ident.test(p.slice(3).trim())) return null;
      rest = p.slice(3).trim();
      continue;
    }
    const name = p.split("=")[0]!.trim();
    if (!ident.test(name)) return null;
    names.push(name);
  }
  return { names, rest };
}

/** `argument x[0] of type float32[3]` for each leaf of the arguments (JAX's key paths). */
function argumentDescriptions(fn: Function, args: unknown[], inputs: (Array | null)[], leaves: number): string[] {
  const sig = parameterNames(fn);
  const bindable = sig !== null && (sig.rest !== null || args.length <= sig.names.length);
  const paths: string[] = [];
  args.forEach((a, i) => {
    const [, def] = treeFlatten(a);
    let base: string;
    if (!bindable) base = `args[${i}]`;
    else if (i < sig.names.length) base = `argument ${sig.names[i]}`;
    else base = `argument ${sig.rest}[${i - sig.names.length}]`;
    paths.push(...leafPaths(def, base));
  });
  if (paths.length !== leaves) throw new Error("vmap: argument paths do not match the leaves");
  return paths.map((p, i) => {
    const x = inputs[i];
    return x ? `${p} of type ${x.dtype}[${x.shape.join(",")}]` : p;
  });
}

function mappedAxisSize(
  fn: Function,
  args: unknown[],
  inputs: (Array | null)[],
  dims: BatchDim[],
  specs: (number | null)[],
  axisSize: number | null,
): number {
  const sizes = inputs.map((x, i) => (x === null ? null : x.shape[dims[i]!]!));
  const distinct = [...new Set(sizes.filter((s): s is number => s !== null))];
  if (axisSize !== null ? distinct.every((s) => s === axisSize) : distinct.length === 1) {
    return axisSize ?? distinct[0]!;
  }
  if (distinct.length === 0) {
    if (inputs.length === 0) {
      throw new ValueError(
        `vmap wrapped function must be passed at least one argument containing an array, got empty *args=${specRepr(args)} and **kwargs={}`,
      );
    }
    throw new ValueError("vmap must have at least one non-None value in in_axes or axis_size must be specified");
  }
  const where = argumentDescriptions(fn, args, inputs, inputs.length);
  // Counter.most_common(): by count, ties in order of first appearance.
  const counts = distinct.map((s) => ({ s, n: sizes.filter((t) => t === s).length })).sort((a, b) => b.n - a.n);
  const lines = ["vmap got inconsistent sizes for array axes to be mapped:"];
  if (axisSize !== null) lines.push(`  * the \`axis_size\` argument was ${axisSize};`);
  counts.forEach(({ s, n }, k) => {
    const i = sizes.indexOf(s);
    const at = `axis ${specs[i]} of ${where[i]}`;
    if (n === 1) lines.push(`  * one axis had size ${s}: ${at};`);
    else lines.push(`  * ${k === 0 ? "most" : "some"} axes (${n} of them) had size ${s}, e.g. ${at};`);
  });
  throw new ValueError(lines.join("\n").slice(0, -1));
}

// The reference meaning of pmap: vmap with the axis named.
setPmapReference((args, { call_jaxpr, axis_name, axis_size, in_axes, out_axes }) =>
  vmap((...xs: Array[]) => evalJaxpr(call_jaxpr, [], xs), [...in_axes], [...out_axes], { axisName: axis_name, axisSize: axis_size })(
    ...args,
  ) as ConcreteArray[],
);
