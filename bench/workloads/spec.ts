// A jitted workload described once — its wax function, the same function for jax-js, its
// inputs, its plain JS loops — so that its row (W2–W7) and its compile-time row (W9) are
// built from the same pieces.

import type { Array as JaxArray } from "@jax-js/jax";
import { jit, numpy as np } from "../../compiler/index.js";
import type { Array as WaxArray } from "../../compiler/index.js";
import type { Case, Impl, Row, Tolerance } from "../case.js";
import { type Context, peerImpl, waxImpl } from "../context.js";
import type { JaxJsApi } from "../peers/jaxjs.js";
import type { TfApi } from "../peers/tfjs.js";

export interface Input {
  data: Float32Array | Int32Array;
  shape: number[];
}

export type TfTensor = ReturnType<TfApi["tensor"]>;

export interface JitSpec {
  id: string;
  name: string;
  inputs: Input[];
  /** The wax function, not yet jitted. */
  wax: (...xs: WaxArray[]) => WaxArray;
  waxWhat: string;
  /** The same function for jax-js, passing `.ref` for every argument it uses twice. */
  jax: (jax: JaxJsApi) => (...xs: JaxArray[]) => JaxArray;
  jaxWhat: string;
  /** Plain JS loops; they compute in float64 and store float32. Their result is the reference. */
  plain: () => Float32Array | Int32Array;
  plainWhat: string;
  tolerance: Tolerance;
}

export function waxArrays(inputs: Input[]): WaxArray[] {
  return inputs.map((i) => np.array(i.data, { shape: i.shape }));
}

export function jaxArrays(jax: JaxJsApi, inputs: Input[]): JaxArray[] {
  return inputs.map((i) => jax.numpy.array(i.data, { shape: i.shape, dtype: i.data instanceof Int32Array ? jax.numpy.int32 : jax.numpy.float32 }));
}

export function tfTensors(tf: TfApi, inputs: Input[]): TfTensor[] {
  return inputs.map((i) => tf.tensor(i.data, i.shape, i.data instanceof Int32Array ? "int32" : "float32"));
}

/** wax: jit(spec.wax) on wax copies of the inputs; large results are freed with dispose(). */
export function waxJitImpl(spec: JitSpec): Impl {
  const xs = waxArrays(spec.inputs);
  return waxImpl(spec.waxWhat, jit(spec.wax), xs, { cleanup: () => xs.forEach((x) => x.dispose()) });
}

/** jax-js: jit(spec.jax) on jax-js copies of the inputs, awaited with blockUntilReady(). */
export function jaxJitImpl(ctx: Context, spec: JitSpec): Impl {
  return peerImpl(ctx.jax, "jax-js", spec.jaxWhat, (jax) => {
    const xs = jaxArrays(jax, spec.inputs);
    const f = jax.jit(spec.jax(jax));
    const call = () => f(...xs.map((x) => x.ref));
    return {
      result: () => call().dataSync(), // dataSync consumes the result
      callAsync: async () => {
        const y = call();
        await y.blockUntilReady();
        y.dispose();
      },
      cleanup: () => {
        xs.forEach((x) => x.dispose());
        f.dispose();
      },
    };
  });
}

/** tfjs: an expression of eager ops on tfjs copies of the inputs (tf.tidy frees intermediates). */
export function tfExprImpl(ctx: Context, spec: JitSpec, what: string, expr: (tf: TfApi, xs: TfTensor[]) => TfTensor, caveat?: string): Impl {
  return peerImpl(ctx.tf, "tfjs", what, (tf) => {
    const xs = tfTensors(tf, spec.inputs);
    const call = () => tf.tidy(() => expr(tf, xs));
    return {
      result: () => {
        const y = call();
        const data = y.dataSync();
        y.dispose();
        return data;
      },
      call: () => call().dispose(),
      cleanup: () => xs.forEach((x) => x.dispose()),
      ...(caveat ? { caveat } : {}),
    };
  });
}

/** The plain JS loops; their first result, copied, is the reference. */
export function plainAndReference(spec: JitSpec): { plain: Impl; reference: () => ArrayLike<number> } {
  let ref: Float32Array | Int32Array | undefined;
  const reference = () => (ref ??= spec.plain().slice());
  return { plain: { lib: "plain JS", what: spec.plainWhat, result: spec.plain, call: spec.plain }, reference };
}

/** Runs the row of a jitted workload: wax, plain JS, jax-js, and tfjs's expression (or why not). */
export async function runJitSpec(
  ctx: Context,
  spec: JitSpec,
  tfjs: Impl,
  extra: Pick<Case, "flops" | "finish"> = {},
): Promise<Row> {
  const { plain, reference } = plainAndReference(spec);
  return ctx.run({
    id: spec.id,
    name: spec.name,
    tolerance: spec.tolerance,
    reference,
    impls: [waxJitImpl(spec), plain, jaxJitImpl(ctx, spec), tfjs],
    ...extra,
  });
}
