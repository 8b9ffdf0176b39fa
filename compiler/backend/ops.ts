// Scalar and SIMD code for kernel expressions. Scalars: float32 as f32, int32 and bool
// as i32 (bool is 0/1). Vectors: 4 lanes in a v128; bool lanes are 0/1, not masks.
// Transcendentals call the AssemblyScript math library (wasm/), appended to the module.

import type { DType } from "../dtypes.js";
import { type BinaryOp, type Expr, type UnaryOp, children } from "../lower/ir.js";
import { T, type ValType } from "./builder.js";
import type { FnBuilder, Ref } from "./fn.js";

/** Where the values of loads and indices come from: the kernel's loop state. */
export interface Leaves {
  load(e: Extract<Expr, { op: "load" }>, vector: boolean): Ref;
  index(e: Extract<Expr, { op: "index" }>, vector: boolean): Ref;
}

const MATH = new Set(["exp", "log", "log1p", "expm1", "tanh", "logistic", "sin", "cos"]);

/** Library functions an expression calls, so the module keeps only those. */
export function mathCalls(e: Expr, out = new Set<string>()): Set<string> {
  if (e.op === "unary" && MATH.has(e.fn)) out.add(e.fn);
  if (e.op === "binary" && e.fn === "pow") out.add("pow");
  if (e.op === "binary" && e.fn === "rem" && e.dtype === "float32") out.add("fmod");
  for (const c of children(e)) mathCalls(c, out);
  return out;
}

export class ExprEmitter {
  constructor(
    readonly fb: FnBuilder,
    readonly leaves: Leaves,
  ) {}

  get m() {
    return this.fb.m;
  }
  scalarType(dtype: DType): ValType {
    return dtype === "float32" ? T.f32 : T.i32;
  }

  constant(dtype: DType, value: number, vector: boolean): Ref {
    const m = this.m;
    const s = dtype === "float32" ? m.f32.const(value) : m.i32.const(dtype === "bool" ? (value ? 1 : 0) : value | 0);
    return vector ? this.splat(dtype, s) : s;
  }

  splat(dtype: DType, s: Ref): Ref {
    return dtype === "float32" ? this.m.f32x4.splat(s) : this.m.i32x4.splat(s);
  }

  /** A mask (all ones per true lane) to 0/1 lanes. */
  maskToBool(mask: Ref): Ref {
    return this.m.v128.and(mask, this.m.i32x4.splat(this.m.i32.const(1)));
  }

  emit(e: Expr, vector: boolean): Ref {
    switch (e.op) {
      case "load":
        return this.leaves.load(e, vector);
      case "index":
        return this.leaves.index(e, vector);
      case "const":
        return this.constant(e.dtype, e.value, vector);
      case "unary":
        return this.unary(e.fn, e.x.dtype, this.emit(e.x, vector), vector);
      case "binary":
        return this.binary(e.fn, e.x.dtype, this.emit(e.x, vector), this.emit(e.y, vector), vector);
      case "convert":
        return this.convert(e.x.dtype, e.dtype, this.emit(e.x, vector), vector);
      case "select":
        return this.select(e, vector);
      case "ipow":
        return this.ipow(e.dtype, this.emit(e.x, vector), e.y, vector);
    }
  }

  /** Evaluates `value` once into a fresh local, returning [set, get]. */
  private temp(value: Ref, type: ValType): [Ref, () => Ref] {
    const l = this.fb.local(type);
    return [this.fb.set(l, value), () => this.fb.get(l, type)];
  }

  /** Applies a scalar op lane by lane: for ops with no SIMD instruction. */
  private scalarize(dtypeIn: DType, dtypeOut: DType, args: Ref[], f: (xs: Ref[]) => Ref): Ref {
    const m = this.m, v128 = T.v128;
    const sets: Ref[] = [];
    const gets = args.map((a) => {
      const [s, g] = this.temp(a, v128);
      sets.push(s);
      return g;
    });
    const lane = (g: () => Ref, i: number): Ref =>
      dtypeIn === "float32" ? m.f32x4.extract_lane(g(), i as never) : m.i32x4.extract_lane(g(), i as never);
    let acc = this.splat(dtypeOut, this.constant(dtypeOut, 0, false));
    for (let i = 0; i < 4; i++) {
      const r = f(gets.map((g) => lane(g, i)));
      acc = dtypeOut === "float32" ? m.f32x4.replace_lane(acc, i as never, r) : m.i32x4.replace_lane(acc, i as never, r);
    }
    return m.block(null, [...sets, acc], v128);
  }

  private callMath(name: string, args: Ref[], vector: boolean): Ref {
    // The library's export name; the encoder appends the function it names.
    return this.m.call(`${name}_${vector ? "f32x4" : "f32"}`, args, vector ? T.v128 : T.f32);
  }

  unary(fn: UnaryOp, dtype: DType, x: Ref, vector: boolean): Ref {
    const m = this.m;
    const f = dtype === "float32";
    if (MATH.has(fn)) return this.callMath(fn, [x], vector);
    switch (fn) {
      case "neg":
        if (vector) return f ? m.f32x4.neg(x) : m.i32x4.neg(x);
        return f ? m.f32.neg(x) : m.i32.sub(m.i32.const(0), x);
      case "abs":
        if (vector) return f ? m.f32x4.abs(x) : m.i32x4.abs(x);
        if (f) return m.f32.abs(x);
        return this.withTemp(x, T.i32, (g) => m.select(m.i32.lt_s(g(), m.i32.const(0)), m.i32.sub(m.i32.const(0), g()), g()));
      case "floor":
        return vector ? m.f32x4.floor(x) : m.f32.floor(x);
      case "ceil":
        return vector ? m.f32x4.ceil(x) : m.f32.ceil(x);
      case "sqrt":
        return vector ? m.f32x4.sqrt(x) : m.f32.sqrt(x);
      case "rsqrt":
        return vector ? m.f32x4.div(this.constant("float32", 1, true), m.f32x4.sqrt(x)) : m.f32.div(m.f32.const(1), m.f32.sqrt(x));
      case "sign":
        return this.sign(dtype, x, vector);
      case "not":
        if (dtype === "bool") return vector ? m.v128.xor(x, this.constant("int32", 1, true)) : m.i32.xor(x, m.i32.const(1));
        return vector ? m.v128.not(x) : m.i32.xor(x, m.i32.const(-1));
      case "is_finite":
        // x - x is 0 for finite x and NaN for infinities and NaN.
        return this.withTemp(x, vector ? T.v128 : T.f32, (g) =>
          vector
            ? this.maskToBool(m.f32x4.eq(m.f32x4.sub(g(), g()), this.constant("float32", 0, true)))
            : m.f32.eq(m.f32.sub(g(), g()), m.f32.const(0)),
        );
      default:
        throw new Error(`wax backend: no code for unary ${fn}`);
    }
  }

  private withTemp(x: Ref, type: ValType, f: (g: () => Ref) => Ref): Ref {
    const [s, g] = this.temp(x, type);
    const body = f(g);
    return this.m.block(null, [s, body], body.type);
  }

  private sign(dtype: DType, x: Ref, vector: boolean): Ref {
    const m = this.m;
    const type = vector ? T.v128 : this.scalarType(dtype);
    return this.withTemp(x, type, (g) => {
      if (dtype === "float32") {
        if (vector) {
          const one = this.constant("float32", 1, true), minus = this.constant("float32", -1, true), zero = this.constant("float32", 0, true);
          return m.v128.bitselect(one, m.v128.bitselect(minus, g(), m.f32x4.lt(g(), zero)), m.f32x4.gt(g(), zero));
        }
        return m.select(m.f32.gt(g(), m.f32.const(0)), m.f32.const(1), m.select(m.f32.lt(g(), m.f32.const(0)), m.f32.const(-1), g()));
      }
      if (vector) {
        const zero = this.constant("int32", 0, true);
        return m.i32x4.sub(m.i32x4.lt_s(g(), zero), m.i32x4.gt_s(g(), zero));
      }
      return m.i32.sub(m.i32.gt_s(g(), m.i32.const(0)), m.i32.lt_s(g(), m.i32.const(0)));
    });
  }

  binary(fn: BinaryOp, dtype: DType, x: Ref, y: Ref, vector: boolean): Ref {
    const m = this.m;
    if (dtype === "float32") {
      if (vector) {
        switch (fn) {
          case "add": return m.f32x4.add(x, y);
          case "sub": return m.f32x4.sub(x, y);
          case "mul": return m.f32x4.mul(x, y);
          case "div": return m.f32x4.div(x, y);
          case "max": return m.f32x4.max(x, y);
          case "min": return m.f32x4.min(x, y);
          case "pow": return this.callMath("pow", [x, y], true);
          case "rem": return this.scalarize("float32", "float32", [x, y], ([a, c]) => this.callMath("fmod", [a!, c!], false));
          case "eq": return this.maskToBool(m.f32x4.eq(x, y));
          case "ne": return this.maskToBool(m.f32x4.ne(x, y));
          case "lt": return this.maskToBool(m.f32x4.lt(x, y));
          case "le": return this.maskToBool(m.f32x4.le(x, y));
          case "gt": return this.maskToBool(m.f32x4.gt(x, y));
          case "ge": return this.maskToBool(m.f32x4.ge(x, y));
        }
      } else {
        switch (fn) {
          case "add": return m.f32.add(x, y);
          case "sub": return m.f32.sub(x, y);
          case "mul": return m.f32.mul(x, y);
          case "div": return m.f32.div(x, y);
          case "max": return m.f32.max(x, y);
          case "min": return m.f32.min(x, y);
          case "pow": return this.callMath("pow", [x, y], false);
          case "rem": return this.callMath("fmod", [x, y], false);
          case "eq": return m.f32.eq(x, y);
          case "ne": return m.f32.ne(x, y);
          case "lt": return m.f32.lt(x, y);
          case "le": return m.f32.le(x, y);
          case "gt": return m.f32.gt(x, y);
          case "ge": return m.f32.ge(x, y);
        }
      }
      throw new Error(`wax backend: no float32 code for ${fn}`);
    }
    // int32 and bool (0/1 in an i32)
    if (vector) {
      switch (fn) {
        case "add": return m.i32x4.add(x, y);
        case "sub": return m.i32x4.sub(x, y);
        case "mul": return m.i32x4.mul(x, y);
        case "max": return m.i32x4.max_s(x, y);
        case "min": return m.i32x4.min_s(x, y);
        case "and": return m.v128.and(x, y);
        case "or": return m.v128.or(x, y);
        case "eq": return this.maskToBool(m.i32x4.eq(x, y));
        case "ne": return this.maskToBool(m.i32x4.ne(x, y));
        case "lt": return this.maskToBool(m.i32x4.lt_s(x, y));
        case "le": return this.maskToBool(m.i32x4.le_s(x, y));
        case "gt": return this.maskToBool(m.i32x4.gt_s(x, y));
        case "ge": return this.maskToBool(m.i32x4.ge_s(x, y));
        case "div":
        case "rem":
          return this.scalarize("int32", "int32", [x, y], ([a, c]) => this.binary(fn, dtype, a!, c!, false));
      }
      throw new Error(`wax backend: no int32 SIMD code for ${fn}`);
    }
    switch (fn) {
      case "add": return m.i32.add(x, y);
      case "sub": return m.i32.sub(x, y);
      case "mul": return m.i32.mul(x, y);
      case "and": return m.i32.and(x, y);
      case "or": return m.i32.or(x, y);
      case "eq": return m.i32.eq(x, y);
      case "ne": return m.i32.ne(x, y);
      case "lt": return m.i32.lt_s(x, y);
      case "le": return m.i32.le_s(x, y);
      case "gt": return m.i32.gt_s(x, y);
      case "ge": return m.i32.ge_s(x, y);
      case "max":
      case "min": {
        const i32 = T.i32;
        const [sx, gx] = this.temp(x, i32), [sy, gy] = this.temp(y, i32);
        const cmp = fn === "max" ? m.i32.gt_s(gx(), gy()) : m.i32.lt_s(gx(), gy());
        return m.block(null, [sx, sy, m.select(cmp, gx(), gy())], i32);
      }
      case "div":
      case "rem":
        return this.intDivRem(fn, x, y);
    }
    throw new Error(`wax backend: no int32 code for ${fn}`);
  }

  /** XLA's integer division: x / 0 = -1, x % 0 = x, INT_MIN / -1 = INT_MIN, never a trap. */
  private intDivRem(fn: "div" | "rem", x: Ref, y: Ref): Ref {
    const m = this.m, i32 = T.i32;
    const [sx, gx] = this.temp(x, i32), [sy, gy] = this.temp(y, i32);
    const zero = m.i32.eqz(gy());
    const overflow = m.i32.and(m.i32.eq(gx(), m.i32.const(-2147483648)), m.i32.eq(gy(), m.i32.const(-1)));
    const safeY = m.select(m.i32.or(zero, overflow), m.i32.const(1), gy());
    const r = fn === "div"
      ? m.select(m.i32.eqz(gy()), m.i32.const(-1), m.i32.div_s(gx(), safeY))
      : m.select(m.i32.eqz(gy()), gx(), m.select(m.i32.eq(gy(), m.i32.const(-1)), m.i32.const(0), m.i32.rem_s(gx(), safeY)));
    return m.block(null, [sx, sy, r], i32);
  }

  convert(from: DType, to: DType, x: Ref, vector: boolean): Ref {
    const m = this.m;
    if (from === to) return x;
    if (to === "bool") {
      if (from === "float32") return vector ? this.maskToBool(m.f32x4.ne(x, this.constant("float32", 0, true))) : m.f32.ne(x, m.f32.const(0));
      return vector ? this.maskToBool(m.i32x4.ne(x, this.constant("int32", 0, true))) : m.i32.ne(x, m.i32.const(0));
    }
    if (to === "float32") return vector ? m.f32x4.convert_i32x4_s(x) : m.f32.convert_s.i32(x);
    if (from === "float32") return vector ? m.i32x4.trunc_sat_f32x4_s(x) : m.i32.trunc_s_sat.f32(x);
    return x; // bool -> int32: already 0/1
  }

  private select(e: Extract<Expr, { op: "select" }>, vector: boolean): Ref {
    const m = this.m;
    const type = vector ? T.v128 : this.scalarType(e.which.dtype);
    const [sw, gw] = this.temp(this.emit(e.which, vector), type);
    let acc = this.emit(e.cases[0]!, vector);
    e.cases.slice(1).forEach((c, j) => {
      const k = j + 1;
      const val = this.emit(c, vector);
      if (vector) {
        const mask = m.i32x4.eq(gw(), this.constant("int32", k, true));
        acc = m.v128.bitselect(val, acc, mask);
      } else {
        acc = m.select(k === 1 && e.cases.length === 2 ? gw() : m.i32.eq(gw(), m.i32.const(k)), val, acc);
      }
    });
    return m.block(null, [sw, acc], vector ? T.v128 : this.scalarType(e.dtype));
  }

  /** x ** y by square-and-multiply, with x evaluated once. */
  private ipow(dtype: DType, x: Ref, y: number, vector: boolean): Ref {
    const m = this.m;
    const type = vector ? T.v128 : this.scalarType(dtype);
    const mul = (a: Ref, c: Ref): Ref => this.binary("mul", dtype, a, c, vector);
    const base = this.fb.local(type), acc = this.fb.local(type);
    const stmts: Ref[] = [this.fb.set(base, x), this.fb.set(acc, this.constant(dtype, 1, vector))];
    let n = Math.abs(y);
    while (n > 0) {
      if (n & 1) stmts.push(this.fb.set(acc, mul(this.fb.get(acc, type), this.fb.get(base, type))));
      n >>= 1;
      if (n > 0) stmts.push(this.fb.set(base, mul(this.fb.get(base, type), this.fb.get(base, type))));
    }
    let result = this.fb.get(acc, type);
    if (y < 0) result = this.binary("div", dtype, this.constant(dtype, 1, vector), result, vector);
    return m.block(null, [...stmts, result], type);
  }
}
