// Custom derivatives (JAX's custom_jvp and custom_vjp): a function with its own
// differentiation rule, for numerical stability or speed. Called under any
// transformation it is one primitive (custom_jvp_call / custom_vjp_call_jaxpr) holding the
// traced function and the user's rules, so the rule survives jit and vmap and is applied
// when the JVP reaches it. Called on concrete arrays outside any transformation it is
// simply the function.

import type { Array } from "../core/array.js";
import { asArray } from "../core/scalar.js";
import { bind, isTracing } from "../core/trace.js";
import { type Jaxpr, convertConstvarsToInvars, evalJaxpr } from "../jaxpr/jaxpr.js";
import { ShapeDtypeStruct, traceToJaxpr } from "../jaxpr/trace.js";
import type { CustomBwdFn, CustomFwdFn, CustomJvpFn, Params } from "../primitives/params.js";
import { pyTuple } from "../shape.js";
import { type TreeDef, treeDefEqual, treeDefString, treeFlatten, treeUnflatten } from "../tree.js";
import { type BatchRule, bdimAtFront } from "../transforms/batching.js";
import { vmap } from "../transforms/vmap.js";
import type { AxisFrame } from "../core/trace.js";
import type { JvpRule } from "./jvp-rules.js";
import type { TransposeRule } from "./transpose.js";
import { Zero, instantiate, zeros } from "./zero.js";

type Fn = (...args: any[]) => any;

export interface CustomJvpFunction<F extends Fn> {
  (...args: Parameters<F>): ReturnType<F>;
  /** Sets the rule: `(primals, tangents) => [primalOut, tangentOut]`, primals and tangents being the argument lists. */
  defjvp(rule: (primals: Parameters<F>, tangents: Parameters<F>) => [ReturnType<F>, ReturnType<F>]): CustomJvpFunction<F>;
}

export interface CustomVjpFunction<F extends Fn> {
  (...args: Parameters<F>): ReturnType<F>;
  /**
   * Sets the rules: `fwd(...args) => [out, residuals]`; `bwd(residuals, cotangent)` returns
   * one cotangent per argument (null for a zero one).
   */
  defvjp(fwd: (...args: Parameters<F>) => [ReturnType<F>, unknown], bwd: (residuals: any, ct: ReturnType<F>) => unknown[]): CustomVjpFunction<F>;
}

/** The traced function, its inputs flattened: operands are consts then argument leaves. */
interface Staged {
  jaxpr: Jaxpr;
  consts: Array[];
  leaves: Array[];
  inTree: TreeDef;
  outTree: TreeDef;
}

function stage(fn: Fn, args: unknown[], name: string): Staged {
  const [raw, inTree] = treeFlatten(args);
  const leaves = raw.map((l, i) => asArray(l as never, `${name} argument leaf ${i}`));
  const specs = leaves.map((x) => new ShapeDtypeStruct(x.shape, x.dtype, x.weakType));
  const t = traceToJaxpr(fn, treeUnflatten(inTree, specs) as unknown[], name);
  return { jaxpr: convertConstvarsToInvars(t.jaxpr.jaxpr), consts: t.jaxpr.consts, leaves, inTree, outTree: t.outTree };
}

/** The leaves of `value`, which must have the structure `tree`, as arrays with the avals `like`. */
function leavesLike(value: unknown, tree: TreeDef, like: readonly { shape: readonly number[]; dtype: string }[], what: string): Array[] {
  const [raw, t] = treeFlatten(value);
  if (!treeDefEqual(t, tree)) throw new TypeError(`${what} must have the structure ${treeDefString(tree)}, got ${treeDefString(t)}`);
  return raw.map((l, i) => {
    const a = asArray(l as never, what);
    const want = like[i]!;
    if (a.dtype !== want.dtype || pyTuple(a.shape) !== pyTuple(want.shape)) {
      throw new TypeError(`${what}: leaf ${i} should be ${want.dtype}${pyTuple(want.shape)}, got ${a.dtype}${pyTuple(a.shape)}`);
    }
    return a;
  });
}

/** JAX's custom_jvp: `const f = customJvp(fn).defjvp((primals, tangents) => [out, tangentOut])`. */
export function customJvp<F extends Fn>(fn: F): CustomJvpFunction<F> {
  if (typeof fn !== "function") throw new TypeError(`customJvp: expected a callable value, got ${String(fn)}`);
  let rule: ((primals: any, tangents: any) => [unknown, unknown]) | null = null;
  const name = fn.name || "<lambda>";
  const f = ((...args: unknown[]) => {
    if (!rule) throw new TypeError(`No JVP defined for custom_jvp function ${name} using defjvp.`);
    const [leaves] = treeFlatten(args);
    if (!isTracing(leaves)) return fn(...args);
    const s = stage(fn, args, name);
    const outAvals = s.jaxpr.outAvals;
    const jvpFn: CustomJvpFn = (ps, ts) => {
      const [out, tout] = rule!(treeUnflatten(s.inTree, ps), treeUnflatten(s.inTree, ts));
      return [
        leavesLike(out, s.outTree, outAvals, `the custom_jvp rule of ${name}: primal output`),
        leavesLike(tout, s.outTree, outAvals, `the custom_jvp rule of ${name}: tangent output`),
      ];
    };
    Object.defineProperty(jvpFn, "name", { value: `${name}_jvp` });
    const outs = bind("custom_jvp_call", [...s.consts, ...s.leaves], {
      call_jaxpr: s.jaxpr, jvp_jaxpr_thunk: jvpFn, num_consts: s.consts.length,
    });
    return treeUnflatten(s.outTree, outs);
  }) as unknown as CustomJvpFunction<F>;
  f.defjvp = (r) => {
    if (typeof r !== "function") throw new TypeError(`defjvp: expected a callable rule, got ${String(r)}`);
    rule = r as typeof rule;
    return f;
  };
  Object.defineProperty(f, "name", { value: name });
  return f;
}

/** JAX's custom_vjp: `const f = customVjp(fn).defvjp(fwd, bwd)`. */
export function customVjp<F extends Fn>(fn: F): CustomVjpFunction<F> {
  if (typeof fn !== "function") throw new TypeError(`customVjp: expected a callable value, got ${String(fn)}`);
  let rules: { fwd: Fn; bwd: (res: any, ct: any) => unknown[] } | null = null;
  const name = fn.name || "<lambda>";
  const f = ((...args: unknown[]) => {
    if (!rules) throw new TypeError(`No VJP defined for custom_vjp function ${name} using defvjp.`);
    const [leaves] = treeFlatten(args);
    if (!isTracing(leaves)) return fn(...args);
    const s = stage(fn, args, name);
    const { fwd, bwd } = rules;
    const outAvals = s.jaxpr.outAvals, inAvals = s.leaves.map((x) => x.aval);
    let resTree: TreeDef | undefined;
    const fwdFn: CustomFwdFn = (ps) => {
      const r = fwd(...(treeUnflatten(s.inTree, ps) as unknown[]));
      if (!globalThis.Array.isArray(r) || r.length !== 2) {
        throw new TypeError(`Custom VJP fwd rule ${name} must produce a pair (list of length 2) representing primal outputs and residuals`);
      }
      const [resLeaves, tree] = treeFlatten(r[1]);
      resTree = tree;
      return [leavesLike(r[0], s.outTree, outAvals, `the custom_vjp fwd rule of ${name}: primal output`), resLeaves.map((l) => asArray(l as never, "residual"))];
    };
    const bwdFn: CustomBwdFn = (res, cts) => {
      const out = bwd(treeUnflatten(resTree!, res), treeUnflatten(s.outTree, cts));
      if (!globalThis.Array.isArray(out) || out.length !== args.length) {
        throw new TypeError(
          `Custom VJP bwd rule must produce a list with one entry per argument of the primal function ${name} (${args.length}), got ${globalThis.Array.isArray(out) ? `length ${out.length}` : typeof out}`,
        );
      }
      const perArg = treeUnflatten(s.inTree, inAvals.map((a) => a)) as unknown[];
      return out.flatMap((ct, i) => {
        const [argAvals, argTree] = treeFlatten(perArg[i]);
        const avals = argAvals as typeof inAvals;
        if (ct === null || ct === undefined) return avals.map((a) => zeros(a));
        return leavesLike(ct, argTree, avals, `the custom_vjp bwd rule of ${name}: cotangent of argument ${i}`);
      });
    };
    Object.defineProperty(fwdFn, "name", { value: `${name}_fwd` });
    Object.defineProperty(bwdFn, "name", { value: `${name}_bwd` });
    const outs = bind("custom_vjp_call_jaxpr", [...s.consts, ...s.leaves], {
      fun_jaxpr: s.jaxpr, fwd_jaxpr_thunk: fwdFn, bwd: bwdFn, num_consts: s.consts.length,
    });
    return treeUnflatten(s.outTree, outs);
  }) as unknown as CustomVjpFunction<F>;
  f.defvjp = (fwd, bwd) => {
    if (typeof fwd !== "function" || typeof bwd !== "function") throw new TypeError("defvjp: expected callable fwd and bwd rules");
    rules = { fwd, bwd };
    return f;
  };
  Object.defineProperty(f, "name", { value: name });
  return f;
}

// ---- rules ----

function checkConstTangents(tangents: readonly unknown[], n: number, kind: string): void {
  if (tangents.slice(0, n).some((t) => !(t instanceof Zero))) {
    throw new TypeError(
      `Detected differentiation of a ${kind} function with respect to a closed-over value. That isn't supported because the custom ${kind === "custom_jvp" ? "JVP" : "VJP"} rule only specifies how to differentiate the ${kind} function with respect to explicit input parameters. Pass the value as an argument instead.`,
    );
  }
}

export const customJvpCallJvp: JvpRule<"custom_jvp_call"> = (primals, tangents, params) => {
  const n = params.num_consts;
  checkConstTangents(tangents, n, "custom_jvp");
  return params.jvp_jaxpr_thunk(primals.slice(n), tangents.slice(n).map(instantiate));
};

export const customVjpCallJvp: JvpRule<"custom_vjp_call_jaxpr"> = (primals, tangents, params) => {
  const n = params.num_consts;
  checkConstTangents(tangents, n, "custom_vjp");
  const [outs, res] = params.fwd_jaxpr_thunk(primals.slice(n));
  const touts = bind("custom_lin", [...res, ...tangents.slice(n).map(instantiate)], {
    bwd: params.bwd, num_res: res.length, out_avals: outs.map((o) => o.aval),
  });
  return [outs, touts];
};

/** The transpose of a custom VJP's linear part is the user's bwd. */
export const customLinTranspose: TransposeRule<"custom_lin"> = (cts, args, params) => {
  const res = args.slice(0, params.num_res) as Array[];
  const full = cts.map((c, i) => c ?? zeros(params.out_avals[i]!));
  return [...res.map(() => null), ...params.bwd(res, full)];
};

// Under vmap, every operand moves its batch dim to the front (unbatched ones are
// broadcast), and the function and its rules are vmapped over it.

function batchedOperands(vals: Array[], dims: (number | null)[], frame: AxisFrame): Array[] {
  return vals.map((v, k) => bdimAtFront(v, dims[k] ?? null, frame.axisSize));
}

/** `f` vmapped over the frame's axis, under its name, so collectives inside it reduce over the batch. */
const vmapped = <A extends unknown[], R>(f: (...a: A) => R, frame: AxisFrame) =>
  ((...a: A) => (vmap(f as any, 0, 0, { axisName: frame.axisName, axisSize: frame.axisSize }) as any)(...a)) as (...a: A) => R;

function batchJaxpr(jaxpr: Jaxpr, moved: Array[], name: string, frame: AxisFrame): { jaxpr: Jaxpr; consts: Array[] } {
  const body = vmapped((...a: Array[]) => evalJaxpr(jaxpr, [], a), frame);
  const t = traceToJaxpr(body, moved.map((v) => new ShapeDtypeStruct(v.shape, v.dtype, v.weakType)), name).jaxpr;
  return { jaxpr: convertConstvarsToInvars(t.jaxpr), consts: t.consts };
}

export const customJvpCallBatcher: BatchRule<"custom_jvp_call"> = (vals, dims, params, frame) => {
  const moved = batchedOperands(vals, dims, frame);
  const b = batchJaxpr(params.call_jaxpr, moved, "custom_jvp_call", frame);
  const rule = params.jvp_jaxpr_thunk;
  const outs = bind("custom_jvp_call", [...b.consts, ...moved], {
    call_jaxpr: b.jaxpr,
    jvp_jaxpr_thunk: Object.defineProperty(vmapped(rule, frame), "name", { value: rule.name }),
    num_consts: b.consts.length + params.num_consts,
  } as Params<"custom_jvp_call">);
  return [outs, outs.map(() => 0)];
};

export const customVjpCallBatcher: BatchRule<"custom_vjp_call_jaxpr"> = (vals, dims, params, frame) => {
  const moved = batchedOperands(vals, dims, frame);
  const b = batchJaxpr(params.fun_jaxpr, moved, "custom_vjp_call_jaxpr", frame);
  const { fwd_jaxpr_thunk: fwd, bwd } = params;
  const outs = bind("custom_vjp_call_jaxpr", [...b.consts, ...moved], {
    fun_jaxpr: b.jaxpr,
    fwd_jaxpr_thunk: Object.defineProperty(vmapped(fwd, frame), "name", { value: fwd.name }),
    bwd: Object.defineProperty(vmapped(bwd, frame), "name", { value: bwd.name }),
    num_consts: b.consts.length + params.num_consts,
  } as Params<"custom_vjp_call_jaxpr">);
  return [outs, outs.map(() => 0)];
};

/** custom_lin has no forward meaning, batched or not. */
export const customLinBatcher: BatchRule<"custom_lin"> = () => {
  throw new TypeError("can't apply forward-mode autodiff (jvp) to a custom_vjp function.");
};
