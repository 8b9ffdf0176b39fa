// Tracing into a jaxpr: JaxprTrace records each primitive as an equation. makeJaxpr runs
// it as the dynamic trace, so even binds of concrete values (np.zeros inside the function)
// are staged out, as JAX does since omnistaging.

import { Array, ConcreteArray } from "../core/array.js";
import { asArray, describe } from "../core/scalar.js";
import { MainTrace, Trace, Tracer, abstractEval, fullRaise, withDynamic, withMain } from "../core/trace.js";
import { checkDType, scalarType, type DType, type DTypeLike } from "../dtypes.js";
import { evalPrimitive } from "../primitives/impl.js";
import type { Params, Primitive } from "../primitives/params.js";
import { ShapedArray, checkShape, type Shape } from "../shape.js";
import { type TreeDef, treeFlatten, treeUnflatten } from "../tree.js";
import { checkArgnums, checkOptions, splitStatic } from "./static-args.js";
import { type Atom, ClosedJaxpr, DropVar, Jaxpr, type JaxprEqn, Literal, Var } from "./jaxpr.js";

/** A shape and dtype standing in for an argument (JAX's jax.ShapeDtypeStruct). */
export class ShapeDtypeStruct {
  readonly shape: Shape;
  readonly dtype: DType;
  constructor(shape: readonly number[], dtype: DTypeLike = "float32", readonly weakType = false) {
    this.shape = checkShape(shape, "ShapeDtypeStruct");
    this.dtype = checkDType(dtype, "ShapeDtypeStruct");
  }
  get aval(): ShapedArray {
    return new ShapedArray(this.shape, this.dtype, this.weakType);
  }
}

export class JaxprTracer extends Tracer {
  constructor(
    readonly trace: JaxprTrace,
    readonly aval: ShapedArray,
  ) {
    super();
  }
}

/** Collects the equations, arguments and constants of one jaxpr being traced. */
export class JaxprBuilder {
  /** Set when tracing the body of a pmap: collectives over this axis are staged out. */
  axisName: string | undefined;
  axisSize = 0;
  eqns: JaxprEqn[] = [];
  tracerToVar = new Map<JaxprTracer, Var>();
  constTracers = new Map<Array, JaxprTracer>();
  constVals = new Map<Var, Array>();

  addVar(t: JaxprTracer): Var {
    if (this.tracerToVar.has(t)) throw new Error("tracer already has a variable");
    const v = new Var(t.aval);
    this.tracerToVar.set(t, v);
    return v;
  }

  getVar(t: JaxprTracer): Var {
    const v = this.tracerToVar.get(t);
    if (!v) throw new Error(`tracer ${String(t)} does not belong to this jaxpr`);
    return v;
  }

  addConst(t: JaxprTracer, val: Array): Var {
    const v = this.addVar(t);
    this.constVals.set(v, val);
    return v;
  }

  /** Builds the jaxpr: scalar constants become inline literals, unused outputs `_`. */
  build(inTracers: JaxprTracer[], outTracers: JaxprTracer[]): ClosedJaxpr {
    const literal = (v: Var): Literal | undefined => {
      const c = this.constVals.get(v);
      if (c instanceof ConcreteArray && c.ndim === 0) return new Literal(c.buffer[0]!, c.aval);
      return undefined;
    };
    const atom = (v: Var): Atom => literal(v) ?? v;
    const outVars = outTracers.map((t) => this.getVar(t));
    const used = new Set<Var>(outVars);
    for (const e of this.eqns) for (const a of e.inputs) if (a instanceof Var) used.add(a);
    const constvars = [...this.constVals.keys()].filter((v) => used.has(v) && !literal(v));
    const eqns = this.eqns.map((e) => ({
      ...e,
      inputs: e.inputs.map((a) => (a instanceof Var ? atom(a) : a)),
      outBinders: e.outBinders.map((b) => (b instanceof Var && !used.has(b) ? new DropVar(b.aval) : b)),
    }));
    const jaxpr = new Jaxpr(constvars, inTracers.map((t) => this.getVar(t)), eqns, outVars.map(atom));
    return new ClosedJaxpr(jaxpr, constvars.map((v) => this.constVals.get(v)!));
  }
}

export class JaxprTrace extends Trace {
  get builder(): JaxprBuilder {
    return this.main.globalData as JaxprBuilder;
  }

  newArg(aval: ShapedArray): JaxprTracer {
    const t = new JaxprTracer(this, aval);
    this.builder.addVar(t);
    return t;
  }

  private constTracer(val: Array): JaxprTracer {
    let t = this.builder.constTracers.get(val);
    if (!t) {
      t = new JaxprTracer(this, val.aval);
      this.builder.constTracers.set(val, t);
      this.builder.addConst(t, val);
    }
    return t;
  }

  pure(x: ConcreteArray): Array {
    return this.constTracer(x);
  }
  lift(x: Tracer): Array {
    return this.constTracer(x);
  }

  processPrimitive<P extends Primitive>(prim: P, tracers: Array[], params: Params<P>): Array[] {
    const ts = tracers as JaxprTracer[];
    // JAX folds conversions of constants, so `x * 2.0` prints the literal `2.0`.
    if (prim === "convert_element_type") {
      const c = this.builder.constVals.get(this.builder.getVar(ts[0]!));
      if (c instanceof ConcreteArray) return [this.constTracer(evalPrimitive(prim, [c], params)[0]!)];
    }
    const avalsOut = abstractEval(prim, ts.map((t) => t.aval), params);
    const outs = avalsOut.map((a) => new JaxprTracer(this, a));
    this.builder.eqns.push({
      primitive: prim,
      inputs: ts.map((t) => this.builder.getVar(t)),
      params,
      outBinders: outs.map((t) => this.builder.addVar(t)),
    });
    return outs;
  }
}

/** The abstract value of an argument leaf: arrays keep theirs, JS scalars are weak. */
export function leafAval(x: unknown, where: string): ShapedArray {
  if (x instanceof Array) return x.aval;
  if (x instanceof ShapeDtypeStruct) return x.aval;
  if (typeof x === "number" || typeof x === "boolean") {
    const t = scalarType(x);
    return new ShapedArray([], t.dtype, t.weakType);
  }
  throw new TypeError(`${where}: expected Arrays, numbers or ShapeDtypeStructs as leaves, got ${describe(x)}`);
}

export interface TracedFunction {
  jaxpr: ClosedJaxpr;
  inTree: TreeDef;
  outTree: TreeDef;
}

/** Traces `fn` on abstract values of `args` (leaves: Arrays, scalars or ShapeDtypeStructs). */
export function traceToJaxpr(
  fn: (...args: any[]) => unknown,
  args: unknown[],
  where = "makeJaxpr",
  axis?: { axisName: string; axisSize: number },
): TracedFunction {
  const [leaves, inTree] = treeFlatten(args);
  const avals = leaves.map((l, i) => leafAval(l, `${where} argument leaf ${i}`));
  const builder = new JaxprBuilder();
  if (axis) {
    builder.axisName = axis.axisName;
    builder.axisSize = axis.axisSize;
  }
  return withMain(JaxprTrace, builder, (main: MainTrace) =>
    withDynamic(main, () => {
      const trace = new JaxprTrace(main);
      const inTracers = avals.map((a) => trace.newArg(a));
      const out = fn(...(treeUnflatten(inTree, inTracers) as unknown[]));
      const [outLeaves, outTree] = treeFlatten(out);
      const outTracers = outLeaves.map((l, i) => {
        return fullRaise(trace, asArray(l as never, `${where} output leaf ${i}`)) as JaxprTracer;
      });
      return { jaxpr: builder.build(inTracers, outTracers), inTree, outTree };
    }),
  );
}

export interface MakeJaxprOptions {
  /** Positions of arguments passed through as Python-style static values, not traced (an int or a list). */
  staticArgnums?: number | number[];
}

/** JAX's make_jaxpr: `makeJaxpr(f)(...args)` returns the ClosedJaxpr of `f` at those argument types. */
export function makeJaxpr(fn: (...args: any[]) => unknown, opts: MakeJaxprOptions = {}) {
  if (typeof fn !== "function") throw new TypeError(`makeJaxpr: expected a function, got ${describe(fn)}`);
  checkOptions(opts, ["staticArgnums"], "makeJaxpr()");
  const argnums = checkArgnums(opts.staticArgnums, "staticArgnums", "makeJaxpr");
  return (...args: unknown[]): ClosedJaxpr => {
    const { dyn, call } = splitStatic(fn, args, argnums, "makeJaxpr");
    return traceToJaxpr(call, dyn).jaxpr;
  };
}
