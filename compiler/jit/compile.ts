// jaxpr -> Executable: lower to kernels, emit wasm in the compile worker, instantiate.

import type { ConcreteArray } from "../core/array.js";
import { emitWasm } from "../backend/compile.js";
import type { EmitOptions } from "../backend/emit.js";
import { type Jaxpr, evalJaxpr } from "../jaxpr/jaxpr.js";
import { LoweringError, lowerJaxpr } from "../lower/lower.js";
import { Executable } from "./executable.js";

/** How long the last compileJaxpr spent in each phase, in ms (the benchmark reports it). */
export interface CompileTimes {
  lower: number;
  emit: number;
  instantiate: number;
}

export let lastCompileTimes: CompileTimes = { lower: 0, emit: 0, instantiate: 0 };

/** Something that runs a jaxpr on concrete arrays: a compiled module, or op by op. */
export interface Runnable {
  /** `donate[i]` deletes input i once it is no longer needed (its block may become an output's). */
  call(inputs: readonly ConcreteArray[], donate?: readonly boolean[]): ConcreteArray[];
  /** Frees what the runnable holds in the shared memory (a cache evicted it). */
  dispose?(): void;
}

/**
 * Compiles `jaxpr`; a jaxpr that cannot be one module but can run op by op (a pmap inside
 * jit: its devices are threads outside any one wasm call) runs op by op, each op compiled.
 */
export function compileOrInterpret(jaxpr: Jaxpr, consts: ConcreteArray[], opts: EmitOptions = {}): Runnable {
  try {
    return compileJaxpr(jaxpr, consts, opts);
  } catch (e) {
    if (!(e instanceof LoweringError && e.interpretable)) throw e;
    return {
      call: (inputs, donate) => {
        const outs = evalJaxpr(jaxpr, consts, inputs) as ConcreteArray[];
        // An output may be the input itself (an identity): then it is not deleted.
        donate?.forEach((d, i) => d && !outs.includes(inputs[i]!) && !inputs[i]!.isDisposed && inputs[i]!.deleteDonated());
        return outs;
      },
    };
  }
}

export function compileJaxpr(jaxpr: Jaxpr, consts: ConcreteArray[], opts: EmitOptions = {}): Executable {
  const t0 = performance.now();
  const program = lowerJaxpr(jaxpr);
  const t1 = performance.now();
  const { bytes } = emitWasm(program, opts);
  const t2 = performance.now();
  const exe = new Executable(program, bytes, jaxpr.inAvals, jaxpr.outAvals, consts, opts.entry);
  lastCompileTimes = { lower: t1 - t0, emit: t2 - t1, instantiate: performance.now() - t2 };
  return exe;
}
