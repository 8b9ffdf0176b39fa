// The public autodiff API, JAX's names in camelCase: vjp, grad, valueAndGrad, linearize,
// jacfwd, jacrev, hessian. Arguments and results are pytrees; the work is done on flat
// lists of arrays by linearizeFlat / jvpFlat.

import { Array } from "../core/array.js";
import { asArray } from "../core/scalar.js";
import { fullLower } from "../core/trace.js";
import { isFloat } from "../dtypes.js";
import * as lax from "../lax/lax.js";
import { pyTuple } from "../shape.js";
import { type TreeDef, treeDefEqual, treeDefString, treeFlatten, treeUnflatten } from "../tree.js";
import { ValueError, vmap } from "../transforms/vmap.js";
import { JVPTracer, jvpFlat } from "./jvp.js";
import { applyLinear, linearizeFlat, pullBack } from "./vjp.js";
import { type Tangent, Zero, instantiate } from "./zero.js";

export type Argnums = number | readonly number[];

export interface GradOptions {
  /** `fn` returns `[output, aux]`; aux is returned beside the gradient, undifferentiated. */
  hasAux?: boolean;
  /** Accept integer and boolean inputs (their cotangents are zeros). */
  allowInt?: boolean;
}

const argnumsRepr = (a: Argnums) => (typeof a === "number" ? String(a) : pyTuple(a));

/** The argnums as a list, checked against the arguments with JAX's messages. */
function checkArgnums(argnums: Argnums, nargs: number, fnName: string): number[] {
  const list = typeof argnums === "number" ? [argnums] : [...argnums];
  if (!list.every((a) => Number.isInteger(a))) {
    throw new TypeError(`${fnName} argnums must be an int or a sequence of ints, got ${String(argnums)}`);
  }
  const norm = list.map((a) => (a < 0 ? a + nargs : a));
  const max = Math.max(...list.map((a) => (a < 0 ? -a - 1 : a)));
  if (norm.some((a) => a < 0 || a >= nargs)) {
    throw new TypeError(
      `Differentiating with respect to argnums=${argnumsRepr(argnums)} requires at least ${max + 1} positional arguments to be passed by the caller, but got only ${nargs} positional arguments.`,
    );
  }
  return norm;
}

/** The differentiated arguments' leaves as Arrays, and how to rebuild a full argument list from new leaves. */
function splitArgs(args: unknown[], nums: number[], where: string) {
  const [leaves, tree] = treeFlatten(nums.map((i) => args[i]));
  const xs = leaves.map((l, i) => asArray(l as never, `${where} argument leaf ${i}`));
  const rebuild = (ls: readonly unknown[]): unknown[] => {
    const parts = treeUnflatten(tree, ls) as unknown[];
    const full = args.slice();
    nums.forEach((n, k) => (full[n] = parts[k]));
    return full;
  };
  return { xs, tree, rebuild };
}

function checkRealInputs(xs: Array[], fnName: string): void {
  for (const x of xs) {
    if (!isFloat(x.dtype)) {
      throw new TypeError(
        `${fnName} requires real- or complex-valued inputs (input dtype that is a sub-dtype of np.inexact), but got ${x.dtype}. ` +
          `If you want to use Boolean- or integer-valued inputs, use vjp or set allow_int to True.`,
      );
    }
  }
}

/** Splits a has_aux result, with JAX's error for anything but a pair. */
function splitAux(out: unknown): [unknown, unknown] {
  if (!globalThis.Array.isArray(out) || out.length !== 2) {
    const kind = globalThis.Array.isArray(out) ? `a list of length ${out.length}` : typeof out === "object" ? (out?.constructor?.name ?? "null") : typeof out;
    throw new TypeError(`expected function with aux output to return a two-element tuple, but got type ${kind} with value ${String(out)}`);
  }
  return [out[0], out[1]];
}

/** Aux outputs are not differentiated: the primal of each value of this JVP. */
function stripTangents(tree: unknown, ins: readonly Array[]): unknown {
  const main = ins.find((x): x is JVPTracer => x instanceof JVPTracer)?.trace.main;
  const [leaves, def] = treeFlatten(tree);
  return treeUnflatten(def, leaves.map((l) => (l instanceof JVPTracer && l.trace.main === main ? fullLower(l.primal) : l)));
}

/** Linearizes `fn` at the pytree arguments `primals`: the flat linearization and both tree structures. */
function linearizeTree(fn: (...args: any[]) => unknown, primals: unknown[], where: string) {
  if (typeof fn !== "function") throw new TypeError(`${where}: expected a callable value, got ${String(fn)}`);
  const [leaves, inTree] = treeFlatten(primals);
  const xs = leaves.map((l, i) => asArray(l as never, `${where} primal leaf ${i}`));
  let outTree: TreeDef | undefined;
  const lin = linearizeFlat((...ls) => {
    const [outs, tree] = treeFlatten(fn(...(treeUnflatten(inTree, ls) as unknown[])));
    outTree = tree;
    return outs.map((o, i) => asArray(o as never, `${where} output leaf ${i}`));
  }, xs);
  return { lin, xs, inTree, outTree: outTree! };
}

/**
 * JAX's vjp: `const [out, vjpFn] = vjp(fn, ...primals)`; `vjpFn(cotangent)` returns the
 * cotangents of the primals, a list with one pytree per argument.
 */
export function vjp<F extends (...args: any[]) => any>(fn: F, ...primals: unknown[]): [ReturnType<F>, (ct: unknown) => unknown[]] {
  const { lin, xs, inTree, outTree } = linearizeTree(fn, primals, "vjp");
  const vjpFn = (ct: unknown): unknown[] => {
    const [cts, ctTree] = treeFlatten(ct);
    if (!treeDefEqual(ctTree, outTree)) {
      throw new TypeError(`Tree structure of cotangent input ${treeDefString(ctTree)}, does not match structure of primal output ${treeDefString(outTree)}.`);
    }
    const arrays = cts.map((c, i) => {
      const o = lin.outs[i]!;
      const a = asArray(c as never, "vjp cotangent");
      if (pyTuple(a.shape) !== pyTuple(o.shape)) {
        throw new ValueError(`Shape of cotangent input to vjp pullback function ${pyTuple(a.shape)} must be the same as the shape of corresponding primal input ${pyTuple(o.shape)}.`);
      }
      if (isFloat(o.dtype) && a.dtype !== o.dtype) {
        throw new ValueError(`Type of cotangent input to vjp pullback function (${a.dtype}) is not the expected tangent type (${o.dtype}) of corresponding primal output with dtype ${o.dtype}.`);
      }
      return isFloat(o.dtype) ? a : null;
    });
    return treeUnflatten(inTree, pullBack(lin, arrays, xs)) as unknown[];
  };
  return [treeUnflatten(outTree, lin.outs) as ReturnType<F>, vjpFn];
}

/**
 * JAX's value_and_grad: `valueAndGrad(fn, argnums)(...args)` returns `[value, gradient]`
 * (`[[value, aux], gradient]` with `{ hasAux: true }`). The gradient has the structure
 * of argument `argnums`, or is a list of them when `argnums` is a list.
 */
export function valueAndGrad<F extends (...args: any[]) => any>(fn: F, argnums: Argnums = 0, opts: GradOptions = {}) {
  return gradImpl(fn, argnums, opts, "value_and_grad");
}

/** JAX's grad: the gradient of a scalar-valued `fn` with respect to argument(s) `argnums`. */
export function grad<F extends (...args: any[]) => any>(fn: F, argnums: Argnums = 0, opts: GradOptions = {}) {
  const vg = gradImpl(fn, argnums, opts, "grad");
  return (...args: Parameters<F>): any => {
    const [value, g] = vg(...args);
    return opts.hasAux ? [g, (value as unknown[])[1]] : g;
  };
}

function gradImpl<F extends (...args: any[]) => any>(fn: F, argnums: Argnums, opts: GradOptions, fnName: string) {
  if (typeof fn !== "function") throw new TypeError(`Expected a callable value, got ${String(fn)}`);
  return (...args: Parameters<F>): [any, any] => {
    const nums = checkArgnums(argnums, args.length, fnName);
    const { xs, tree, rebuild } = splitArgs(args, nums, fnName);
    if (!opts.allowInt) checkRealInputs(xs, fnName);
    let aux: unknown;
    const lin = linearizeFlat((...ls) => {
      let out: unknown = fn(...rebuild(ls));
      if (opts.hasAux) {
        const [o, a] = splitAux(out);
        out = o;
        aux = stripTangents(a, ls);
      }
      const y = out instanceof Array || typeof out === "number" ? asArray(out as never, `${fnName} output`) : null;
      if (y === null || y.ndim !== 0) {
        const shape = y ? pyTuple(y.shape) : describeOutput(out);
        throw new TypeError(`Gradient only defined for scalar-output functions. Output ${y ? `had shape: ${shape}` : `was ${shape}`}.`);
      }
      if (!isFloat(y.dtype)) {
        throw new TypeError(
          `${fnName} requires real-valued outputs (output dtype that is a sub-dtype of np.floating), but got ${y.dtype}. For holomorphic differentiation, pass holomorphic=True. For differentiation of non-holomorphic functions involving complex outputs, use jax.vjp directly.`,
        );
      }
      return [y];
    }, xs);
    const out = lin.outs[0]!;
    const cts = pullBack(lin, [lax.full([], 1, out.dtype)], xs);
    const grads = treeUnflatten(tree, cts) as unknown[];
    const g = typeof argnums === "number" ? grads[0] : grads;
    return [opts.hasAux ? [out, aux] : out, g];
  };
}

function describeOutput(out: unknown): string {
  if (globalThis.Array.isArray(out)) return `a list of length ${out.length} (use hasAux for [output, aux])`;
  return out === null ? "null" : typeof out === "object" ? `an object` : `${typeof out} ${String(out)}`;
}

/** JAX's linearize: `[out, fJvp]`, where `fJvp(...tangents)` applies the derivative at `primals`. */
export function linearize<F extends (...args: any[]) => any>(fn: F, ...primals: unknown[]): [ReturnType<F>, (...tangents: unknown[]) => ReturnType<F>] {
  const { lin, inTree, outTree } = linearizeTree(fn, primals, "linearize");
  const fJvp = (...tangents: unknown[]): ReturnType<F> => {
    const [ts, tTree] = treeFlatten(tangents);
    if (!treeDefEqual(tTree, inTree)) {
      throw new TypeError(`linearized function called on tangent values inconsistent with the original primal values: ${treeDefString(tTree)} for ${treeDefString(inTree)}`);
    }
    return treeUnflatten(outTree, applyLinear(lin, ts.map((t) => asArray(t as never, "tangent")))) as ReturnType<F>;
  };
  return [treeUnflatten(outTree, lin.outs) as ReturnType<F>, fJvp];
}

// ---- Jacobians ----

const range = (n: number): number[] => globalThis.Array.from({ length: n }, (_, i) => i);

/** The identity of size n, as rows shaped like `shape`: a basis of tangents (or cotangents). */
function basis(n: number, shape: readonly number[], dtype: Array["dtype"]): Array {
  const eye = lax.convertElementType(lax.eq(lax.broadcastedIota("int32", [n, n], 0), lax.broadcastedIota("int32", [n, n], 1)), dtype);
  return lax.reshape(eye, [n, ...shape]);
}

/** A stacked [n, ...outShape] result as outShape + inShape. */
function stackedToJacobian(x: Array, outShape: readonly number[], inShape: readonly number[], leadingIsIn: boolean): Array {
  if (leadingIsIn) {
    const perm = [...range(outShape.length).map((i) => i + 1), 0];
    x = lax.transpose(x, perm);
  }
  return lax.reshape(x, [...outShape, ...inShape]);
}

/** Nests per-(output leaf, input leaf) Jacobians as JAX does: the output's structure, each leaf holding the input's. */
function assemble(jacs: Array[][], outTree: TreeDef, inTree: TreeDef, argnums: Argnums): unknown {
  return treeUnflatten(outTree, jacs.map((row) => {
    const perArg = treeUnflatten(inTree, row) as unknown[];
    return typeof argnums === "number" ? perArg[0] : perArg;
  }));
}

/** JAX's jacfwd: the Jacobian by forward mode, one JVP per input element (vmapped). */
export function jacfwd<F extends (...args: any[]) => any>(fn: F, argnums: Argnums = 0) {
  return (...args: Parameters<F>): any => {
    const nums = checkArgnums(argnums, args.length, "jacfwd");
    const { xs, tree, rebuild } = splitArgs(args, nums, "jacfwd");
    checkRealInputs(xs, "jacfwd");
    let outTree: TreeDef | undefined;
    const flat = (...ls: Array[]) => {
      const [outs, t] = treeFlatten(fn(...rebuild(ls)));
      outTree = t;
      return outs.map((o, i) => asArray(o as never, `jacfwd output leaf ${i}`));
    };
    const outs = flat(...xs);
    const perInput = xs.map((x, j) => {
      const push = (t: Array) => {
        const tangents: Tangent[] = xs.map((y, k) => (k === j ? t : new Zero(y.aval)));
        return jvpFlat(flat, xs, tangents)[1].map(instantiate);
      };
      const stacked = vmap(push)(basis(x.size, x.shape, x.dtype)) as Array[];
      return stacked.map((s, i) => stackedToJacobian(s, outs[i]!.shape, x.shape, true));
    });
    return assemble(outs.map((_, i) => perInput.map((col) => col[i]!)), outTree!, tree, argnums);
  };
}

/** JAX's jacrev: the Jacobian by reverse mode, one VJP per output element (vmapped). */
export function jacrev<F extends (...args: any[]) => any>(fn: F, argnums: Argnums = 0, opts: { allowInt?: boolean } = {}) {
  return (...args: Parameters<F>): any => {
    const nums = checkArgnums(argnums, args.length, "jacrev");
    const { xs, tree, rebuild } = splitArgs(args, nums, "jacrev");
    if (!opts.allowInt) checkRealInputs(xs, "jacrev");
    let outTree: TreeDef | undefined;
    const lin = linearizeFlat((...ls) => {
      const [outs, t] = treeFlatten(fn(...rebuild(ls)));
      outTree = t;
      return outs.map((o, i) => asArray(o as never, `jacrev output leaf ${i}`));
    }, xs);
    const rows = lin.outs.map((o, i) => {
      const pull = (ct: Array) => pullBack(lin, lin.outs.map((_, k) => (k === i ? ct : null)), xs);
      const stacked = vmap(pull)(basis(o.size, o.shape, o.dtype)) as Array[];
      return stacked.map((s, j) => stackedToJacobian(s, o.shape, xs[j]!.shape, false));
    });
    return assemble(rows, outTree!, tree, argnums);
  };
}

/** JAX's hessian: jacfwd of jacrev. */
export function hessian<F extends (...args: any[]) => any>(fn: F, argnums: Argnums = 0) {
  return jacfwd(jacrev(fn, argnums), argnums);
}
