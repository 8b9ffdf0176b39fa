// pmap: map an axis across devices (worker threads sharing one memory), with collectives
// over the named axis. Tracing gives the per-device jaxpr; the call is an `xla_pmap`
// equation, so makeJaxpr shows it as JAX does and vmap and jit compose with it.

import { deviceCount } from "../../runtime/pool.js";
import { type Array as WaxArray, ConcreteArray } from "../core/array.js";
import { asArray, describe } from "../core/scalar.js";
import { bind } from "../core/trace.js";
import { type Jaxpr, convertConstvarsToInvars } from "../jaxpr/jaxpr.js";
import { ShapeDtypeStruct, type TracedFunction, traceToJaxpr } from "../jaxpr/trace.js";
import { normalizeAxis } from "../shape.js";
import { broadcastPrefix, treeDefString, treeFlatten, treeUnflatten } from "../tree.js";
import { ValueError, checkSpecLeaves } from "../transforms/vmap.js";

export interface PmapOptions {
  /** Which axis of each argument to map (a pytree prefix; null: not mapped). Default 0. */
  inAxes?: unknown;
  /** Where the mapped axis goes in each output (a pytree prefix of the output). Default 0. */
  outAxes?: unknown;
  /** Devices to use: their count must equal the mapped size. Default: the first ones. */
  devices?: { id: number }[];
}

export function pmap<F extends (...args: any[]) => any>(fn: F, axisName: string, opts: PmapOptions = {}): (...args: Parameters<F>) => ReturnType<F> {
  if (typeof fn !== "function") throw new TypeError(`pmap: expected a function, got ${describe(fn)}`);
  if (typeof axisName !== "string" || axisName === "") throw new TypeError(`pmap: axisName must be a non-empty string, got ${JSON.stringify(axisName)}`);
  checkSpecLeaves(opts.inAxes === undefined ? 0 : opts.inAxes, "in_axes", "pmap");
  checkSpecLeaves(opts.outAxes === undefined ? 0 : opts.outAxes, "out_axes", "pmap");
  const name = fn.name || "<lambda>";
  // One trace (and one open jaxpr, the key of the compiled per-device module) per signature.
  const cache = new Map<string, { traced: TracedFunction; jaxpr: Jaxpr }>();
  return ((...args: unknown[]) => {
    const [leaves, inTree] = treeFlatten(args);
    const specs = broadcastPrefix(opts.inAxes === undefined ? 0 : opts.inAxes, args, "pmap in_axes") as (number | null)[];
    const arrays = leaves.map((l, i) => asArray(l as never, `pmap argument leaf ${i}`));
    const axes = arrays.map((a, i) => {
      const s = specs[i];
      if (s === null || s === undefined) return null;
      if (!Number.isInteger(s)) throw new ValueError(`pmap in_axes must be ints or None, got ${JSON.stringify(s)}`);
      if (a.ndim === 0) {
        throw new ValueError(`pmap was requested to map its argument along axis ${s}, which implies that its rank should be at least 1, but is only 0 (its shape is ())`);
      }
      return normalizeAxis(s as number, a.ndim, "pmap in_axes");
    });
    const sizes = new Map<number, number[]>();
    axes.forEach((ax, i) => {
      if (ax === null) return;
      const n = arrays[i]!.shape[ax]!;
      sizes.set(n, [...(sizes.get(n) ?? []), i]);
    });
    if (sizes.size === 0) throw new ValueError("pmap requires at least one argument with a mapped axis (in_axes not all None)");
    if (sizes.size > 1) {
      const lines = [...sizes.entries()].map(([n, idx]) => `  * ${idx.length} axes had size ${n}, e.g. axis ${axes[idx[0]!]} of argument leaf ${idx[0]}`);
      throw new ValueError(`pmap got inconsistent sizes for array axes to be mapped:\n${lines.join(";\n")}`);
    }
    const n = [...sizes.keys()][0]!;
    const available = opts.devices ? opts.devices.length : deviceCount();
    if (n > available) {
      throw new ValueError(`compiling computation that requires ${n} logical devices, but only ${available} devices are available (num_replicas=${n}, num_partitions=1)`);
    }
    if (opts.devices && opts.devices.length !== n) {
      throw new ValueError(`pmap got devices of length ${opts.devices.length}, but the mapped axis has size ${n}`);
    }
    const shardSpecs = arrays.map((a, i) => {
      const ax = axes[i];
      const shape = ax === null ? [...a.shape] : a.shape.filter((_, k) => k !== ax);
      return new ShapeDtypeStruct(shape, a.dtype, a.weakType);
    });
    const key = `${treeDefString(inTree)}|${axes.join(",")}|${shardSpecs.map((s) => s.aval.key).join("")}|${n}`;
    let entry = cache.get(key);
    if (!entry) {
      const body = (...xs: WaxArray[]) => fn(...(treeUnflatten(inTree, xs) as unknown[]));
      const t = traceToJaxpr(body, shardSpecs, name, { axisName, axisSize: n });
      entry = { traced: t, jaxpr: convertConstvarsToInvars(t.jaxpr.jaxpr) };
      // A traced body that closes over tracers of an outer transformation cannot be cached.
      if (t.jaxpr.consts.every((c) => c instanceof ConcreteArray)) {
        (t.jaxpr.consts as ConcreteArray[]).forEach((c) => (c.pinned = true)); // kept by the cache: scopes must not free them
        cache.set(key, entry);
      }
    }
    const { traced, jaxpr } = entry;
    const outSpecs = broadcastPrefix(opts.outAxes === undefined ? 0 : opts.outAxes, treeUnflatten(traced.outTree, traced.jaxpr.outAvals.map(() => 0)), "pmap out_axes") as (number | null)[];
    const outAxes = traced.jaxpr.outAvals.map((a, j) => {
      const s = outSpecs[j];
      if (s === null || s === undefined || !Number.isInteger(s)) throw new ValueError(`pmap out_axes must be ints, got ${JSON.stringify(s)}`);
      return normalizeAxis(s, a.ndim + 1, "pmap out_axes");
    });
    const consts = traced.jaxpr.consts;
    const outs = bind("xla_pmap", [...consts, ...arrays], {
      axis_name: axisName,
      axis_size: n,
      backend: null,
      call_jaxpr: jaxpr,
      devices: null,
      donated_invars: [...consts, ...arrays].map(() => false),
      global_arg_shapes: [...consts, ...arrays].map(() => null),
      global_axis_size: null,
      in_axes: [...consts.map(() => null), ...axes],
      name,
      out_axes: outAxes,
    });
    return treeUnflatten(traced.outTree, outs);
  }) as (...args: Parameters<F>) => ReturnType<F>;
}
