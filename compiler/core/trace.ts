// The trace stack, after JAX's Autodidax: eager evaluation, jaxpr tracing, vmap (and
// later jvp and pmap) are interpreters of the same primitives. `bind` finds the innermost
// interpreter among its arguments (or the dynamic one that makeJaxpr installs, or for a
// collective the one binding its axis name), raises every argument into it and lets it
// process the primitive.

import type { ShapedArray } from "../shape.js";
import { abstractEvalRules } from "../primitives/abstract.js";
import { NameError, evalPrimitive } from "../primitives/impl.js";
import type { Params, Primitive } from "../primitives/params.js";
import { Array, ConcreteArray } from "./array.js";

export type TraceClass = new (main: MainTrace) => Trace;

export class MainTrace {
  active = true;
  constructor(
    readonly level: number,
    readonly traceType: TraceClass,
    readonly globalData: unknown,
  ) {}
}

export abstract class Trace {
  constructor(readonly main: MainTrace) {}
  /** Wraps a concrete value as a value of this trace. */
  abstract pure(x: ConcreteArray): Array;
  /** Wraps a tracer of a lower (outer) trace as a value of this trace. */
  abstract lift(x: Tracer): Array;
  abstract processPrimitive<P extends Primitive>(prim: P, tracers: Array[], params: Params<P>): Array[];
}

/** A value being traced by some interpreter; subclasses carry what that interpreter needs. */
export abstract class Tracer extends Array {
  abstract readonly trace: Trace;
  /** The value with this trace's wrapping removed when it adds nothing (Autodidax's full_lower). */
  fullLower(): Array {
    return this;
  }
  override toString(): string {
    return `Traced<ShapedArray(${this.dtype}[${this.shape.join(",")}])>with<${this.trace.constructor.name}(level=${this.trace.main.level})>`;
  }
}

/** Raised when a tracer outlives the transformation that made it (JAX's UnexpectedTracerError). */
export class UnexpectedTracerError extends Error {
  override name = "UnexpectedTracerError";
}

/** Runs one primitive on concrete arrays; the wasm backend installs itself here. */
export type EagerExecutor = <P extends Primitive>(prim: P, args: ConcreteArray[], params: Params<P>) => ConcreteArray[];

let eagerExecutor: EagerExecutor = evalPrimitive;
let eagerBackend: "reference" | "wasm" = "reference";
let compiledExecutor: EagerExecutor | null = null;

/** Called once by the jit module: eager operations then run as compiled kernels. */
export function installCompiledExecutor(exec: EagerExecutor): void {
  compiledExecutor = exec;
  setEagerBackend("wasm");
}

/**
 * Chooses how eager operations run: "wasm" (compiled kernels, the default once wax is
 * loaded) or "reference" (the plain TypeScript interpreter, the oracle in tests).
 */
export function setEagerBackend(backend: "reference" | "wasm"): void {
  if (backend === "wasm" && !compiledExecutor) throw new Error("the wasm backend is not loaded");
  eagerBackend = backend;
  eagerExecutor = backend === "wasm" ? compiledExecutor! : evalPrimitive;
}

export function getEagerBackend(): "reference" | "wasm" {
  return eagerBackend;
}

/** Runs `fn` with eager operations on `backend`, restoring the previous choice after. */
export function withEagerBackend<T>(backend: "reference" | "wasm", fn: () => T): T {
  const prev = eagerBackend;
  setEagerBackend(backend);
  try {
    return fn();
  } finally {
    setEagerBackend(prev);
  }
}

/** Whether any of `xs` is being traced by a transformation (or a dynamic trace is active). */
export function isTracing(xs: readonly unknown[]): boolean {
  if (dynamicTrace) return true;
  return xs.some((x) => x instanceof Tracer);
}

export class EvalTrace extends Trace {
  pure(x: ConcreteArray): Array {
    return x;
  }
  lift(x: Tracer): Array {
    return x;
  }
  processPrimitive<P extends Primitive>(prim: P, tracers: Array[], params: Params<P>): Array[] {
    return eagerExecutor(prim, tracers as ConcreteArray[], params);
  }
}

const traceStack: MainTrace[] = [new MainTrace(0, EvalTrace, null)];
let dynamicTrace: MainTrace | null = null;

/** Runs `fn` with a new interpreter pushed on the trace stack. */
export function withMain<T>(traceType: TraceClass, globalData: unknown, fn: (main: MainTrace) => T): T {
  const main = new MainTrace(traceStack.length, traceType, globalData);
  traceStack.push(main);
  try {
    return fn(main);
  } finally {
    traceStack.pop();
    main.active = false;
  }
}

/** Makes `main` receive every bind, even of concrete values (JAX's omnistaging). */
export function withDynamic<T>(main: MainTrace, fn: () => T): T {
  const prev = dynamicTrace;
  dynamicTrace = main;
  try {
    return fn();
  } finally {
    dynamicTrace = prev;
  }
}

/** The traces currently on the stack, innermost last (used to look up named axes). */
export function activeMains(): readonly MainTrace[] {
  return traceStack;
}

function checkLive(t: Tracer): void {
  if (!t.trace.main.active) {
    throw new UnexpectedTracerError(
      `Encountered an unexpected tracer: ${String(t)} escaped the transformation that created it ` +
        `(for example it was stored in an outer variable). Return it from the function instead.`,
    );
  }
}

/** What a trace that binds a named axis (vmap or pmap with an axis name) keeps as its globalData. */
export interface AxisFrame {
  readonly axisName: string | null;
  readonly axisSize: number;
}

/** The axis frame of `main`, if it binds a named axis. */
export function axisFrameOf(main: MainTrace): AxisFrame | null {
  const g = main.globalData as Partial<AxisFrame> | null;
  return g !== null && typeof g === "object" && typeof g.axisName === "string" ? (g as AxisFrame) : null;
}

/** The innermost trace binding axis `name` (JAX's core.axis_frame); NameError when none does. */
export function lookupAxis(name: string): MainTrace {
  for (let i = traceStack.length - 1; i >= 0; i--) {
    if (axisFrameOf(traceStack[i]!)?.axisName === name) return traceStack[i]!;
  }
  const bound = traceStack.map(axisFrameOf).filter((f) => f !== null).reverse().map((f) => `'${f.axisName}'`);
  throw new NameError(
    `unbound axis name: ${name}. The following axis names (e.g. defined by pmap) are available to collective operations: [${bound.join(", ")}]`,
  );
}

/** The axis names a collective refers to; such a primitive goes to the trace binding them. */
export function usedAxisNames<P extends Primitive>(prim: P, params: Params<P>): string[] {
  switch (prim) {
    case "psum":
    case "pmax":
    case "pmin":
      return [...(params as Params<"psum">).axes];
    case "all_gather":
    case "axis_index":
    case "ppermute":
      return [(params as Params<"axis_index">).axis_name];
    default:
      return [];
  }
}

export function findTopTrace(xs: readonly Array[], axisMains: readonly MainTrace[] = []): Trace {
  let top = traceStack[0]!;
  for (const x of xs) {
    if (x instanceof Tracer) {
      checkLive(x);
      if (x.trace.main.level > top.level) top = x.trace.main;
    }
  }
  for (const m of axisMains) if (m.level > top.level) top = m;
  if (dynamicTrace && dynamicTrace.level > top.level) top = dynamicTrace;
  return new top.traceType(top);
}

export function fullRaise(trace: Trace, x: Array): Array {
  if (!(x instanceof Tracer)) {
    if (!(x instanceof ConcreteArray)) throw new TypeError(`expected an Array, got ${String(x)}`);
    return trace.pure(x);
  }
  checkLive(x);
  if (x.trace.main === trace.main) return x;
  if (x.trace.main.level < trace.main.level) return trace.lift(x);
  throw new UnexpectedTracerError(
    `Can't lift ${String(x)} to level ${trace.main.level}: a tracer from an inner transformation leaked out of it.`,
  );
}

export function fullLower(x: Array): Array {
  return x instanceof Tracer ? x.fullLower() : x;
}

export function bind<P extends Primitive>(prim: P, args: readonly Array[], params: Params<P>): Array[] {
  const trace = findTopTrace(args, usedAxisNames(prim, params).map(lookupAxis));
  const tracers = args.map((a) => fullRaise(trace, a));
  return trace.processPrimitive(prim, tracers, params).map(fullLower);
}

export function bind1<P extends Primitive>(prim: P, args: readonly Array[], params: Params<P>): Array {
  return bind(prim, args, params)[0]!;
}

export function abstractEval<P extends Primitive>(prim: P, avals: ShapedArray[], params: Params<P>): ShapedArray[] {
  return abstractEvalRules[prim](avals, params);
}
