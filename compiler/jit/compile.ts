// jaxpr -> Executable: lower to kernels, emit wasm in the compile worker, instantiate.

import type { ConcreteArray } from "../core/array.js";
import { emitWasm } from "../backend/compile.js";
import type { EmitOptions } from "../backend/emit.js";
import type { Jaxpr } from "../jaxpr/jaxpr.js";
import { lowerJaxpr } from "../lower/lower.js";
import { Executable } from "./executable.js";

export interface CompileTimes {
  lower: number;
  emit: number;
  instantiate: number;
}

export let lastCompileTimes: CompileTimes = { lower: 0, emit: 0, instantiate: 0 };

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
