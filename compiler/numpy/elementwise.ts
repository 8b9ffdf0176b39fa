// numpy ufuncs, each as JAX defines it in terms of lax primitives.

import type { Array, ArrayLike } from "../core/array.js";
import { asArray } from "../core/scalar.js";
import * as lax from "../lax/lax.js";
import { broadcastShapes } from "../shape.js";
import { broadcastArrays, promoteArgs, promoteArgsInexact, promoteDtypes } from "./promote.js";

type Bin = (x: ArrayLike, y: ArrayLike) => Array;

function binary(name: string, op: Bin, onBool?: Bin): Bin {
  return (x, y) => {
    const [a, b] = promoteArgs([x, y], name) as [Array, Array];
    if (a.dtype === "bool") {
      if (!onBool) throw new TypeError(`${name} does not support bool operands; convert with astype first`);
      return onBool(a, b);
    }
    return op(a, b);
  };
}

export const add = binary("add", lax.add, lax.bitwiseOr);
export const subtract = binary("subtract", lax.sub);
export const multiply = binary("multiply", lax.mul, lax.bitwiseAnd);
export const maximum = binary("maximum", lax.max, lax.max);
export const minimum = binary("minimum", lax.min, lax.min);
export const equal = binary("equal", lax.eq, lax.eq);
export const notEqual = binary("notEqual", lax.ne, lax.ne);
export const less = binary("less", lax.lt, lax.lt);
export const lessEqual = binary("lessEqual", lax.le, lax.le);
export const greater = binary("greater", lax.gt, lax.gt);
export const greaterEqual = binary("greaterEqual", lax.ge, lax.ge);

/** True division: integer operands are promoted to float32. */
export function divide(x: ArrayLike, y: ArrayLike): Array {
  const [a, b] = promoteArgsInexact([x, y], "divide") as [Array, Array];
  return lax.div(a, b);
}
export const trueDivide = divide;

/** Remainder with the sign of the divisor, like Python's %. */
export function remainder(x: ArrayLike, y: ArrayLike): Array {
  const [a, b] = promoteArgs([x, y], "remainder") as [Array, Array];
  if (a.dtype === "bool") throw new TypeError("remainder does not support bool operands");
  const trunc = lax.rem(a, b);
  const nonzero = lax.ne(trunc, 0);
  const plus = lax.bitwiseAnd(lax.ne(lax.lt(trunc, 0), lax.lt(b, 0)), nonzero);
  return lax.select(plus, lax.add(trunc, b), trunc);
}
export const mod = remainder;

/** Floor division, rounding toward negative infinity like Python's //. */
export function floorDivide(x: ArrayLike, y: ArrayLike): Array {
  const [a, b] = promoteArgs([x, y], "floorDivide") as [Array, Array];
  if (a.dtype === "bool") throw new TypeError("floorDivide does not support bool operands");
  if (a.dtype === "int32") {
    const q = lax.div(a, b);
    const fix = lax.bitwiseAnd(lax.ne(lax.sign(a), lax.sign(b)), lax.ne(lax.rem(a, b), 0));
    return lax.select(fix, lax.sub(q, 1), q);
  }
  const m = lax.rem(a, b);
  const d = lax.div(lax.sub(a, m), b);
  const fix = lax.bitwiseAnd(lax.ne(m, 0), lax.ne(lax.sign(b), lax.sign(m)));
  // (a - m) / b is an integer up to rounding; floor(d + 0.5) rounds it, as JAX's lax.round does.
  return lax.floor(lax.add(lax.select(fix, lax.sub(d, 1), d), 0.5));
}

/** x ** y. An integer JS exponent becomes lax.integer_pow, as in JAX. */
export function power(x: ArrayLike, y: ArrayLike): Array {
  if (typeof y === "number" && Number.isInteger(y) && typeof x === "object") {
    if (x.dtype === "bool") throw new TypeError("power does not support bool operands");
    if (x.dtype === "int32" && y < 0) throw new RangeError("Integers to negative integer powers are not allowed.");
    return lax.integerPow(x, y);
  }
  const [a, b] = promoteArgs([x, y], "power") as [Array, Array];
  if (a.dtype === "float32") return lax.pow(a, b);
  if (a.dtype === "bool") throw new TypeError("power does not support bool operands");
  // int ** int array: square-and-multiply over the 31 exponent bits; negative exponents give 0 (|x| > 1).
  let acc: Array = lax.full(broadcastShapes(a.shape, b.shape), 1, "int32");
  let base = a, e = b;
  for (let bit = 0; bit < 31; bit++) {
    acc = lax.select(lax.ne(lax.rem(e, 2), 0), lax.mul(acc, base), acc);
    base = lax.mul(base, base);
    e = lax.div(e, 2);
  }
  return lax.select(lax.lt(b, 0), lax.select(lax.eq(lax.abs(a), 1), lax.integerPow(a, 1), lax.full(acc.shape, 0, "int32")), acc);
}

function numeric(name: string, op: (x: Array) => Array): (x: ArrayLike) => Array {
  return (x) => {
    const a = asArray(x, name);
    if (a.dtype === "bool") throw new TypeError(`${name} does not support bool operands`);
    return op(a);
  };
}

function inexact(op: (x: Array) => Array, name: string): (x: ArrayLike) => Array {
  return (x) => op(promoteArgsInexact([x], name)[0]!);
}

export const negative = numeric("negative", lax.neg);
export const abs = (x: ArrayLike): Array => {
  const a = asArray(x, "abs");
  return a.dtype === "bool" ? a : lax.abs(a);
};
export const absolute = abs;
export const sign = numeric("sign", lax.sign);
export const square = numeric("square", (a) => lax.integerPow(a, 2));
export const sqrt = inexact(lax.sqrt, "sqrt");
export const exp = inexact(lax.exp, "exp");
export const log = inexact(lax.log, "log");
export const log1p = inexact(lax.log1p, "log1p");
export const expm1 = inexact(lax.expm1, "expm1");
export const tanh = inexact(lax.tanh, "tanh");
export const sin = inexact(lax.sin, "sin");
export const cos = inexact(lax.cos, "cos");
export const floor = (x: ArrayLike): Array => {
  const a = asArray(x, "floor");
  return a.dtype === "float32" ? lax.floor(a) : a;
};
export const ceil = (x: ArrayLike): Array => {
  const a = asArray(x, "ceil");
  return a.dtype === "float32" ? lax.ceil(a) : a;
};
export const isfinite = (x: ArrayLike): Array => {
  const a = asArray(x, "isfinite");
  return a.dtype === "float32" ? lax.isFinite(a) : lax.full(a.shape, true, "bool");
};

export const isnan = (x: ArrayLike): Array => {
  const a = asArray(x, "isnan");
  return a.dtype === "float32" ? lax.ne(a, a) : lax.full(a.shape, false, "bool");
};
export const isinf = (x: ArrayLike): Array => {
  const a = asArray(x, "isinf");
  return a.dtype === "float32" ? lax.eq(lax.abs(a), Infinity) : lax.full(a.shape, false, "bool");
};

/** np.round: to the nearest integer (times 10^-decimals), halves to even, as numpy and JAX. */
export const round = (x: ArrayLike, decimals = 0): Array => {
  const a = asArray(x, "round");
  if (a.dtype !== "float32") return a;
  if (!Number.isInteger(decimals)) throw new TypeError(`round: decimals must be an integer, got ${decimals}`);
  const scale = 10 ** decimals;
  const v = decimals === 0 ? a : lax.mul(a, scale);
  const r = lax.floor(v), frac = lax.sub(v, r);
  const odd = lax.ne(lax.sub(r, lax.mul(lax.floor(lax.mul(r, 0.5)), 2)), 0);
  const up = lax.bitwiseOr(lax.gt(frac, 0.5), lax.bitwiseAnd(lax.eq(frac, 0.5), odd));
  const rounded = lax.select(up, lax.add(r, 1), r);
  return decimals === 0 ? rounded : lax.div(rounded, scale);
};
export const around = round;

function toBool(x: ArrayLike, where: string): Array {
  const a = asArray(x, where);
  return a.dtype === "bool" ? a : lax.ne(a, 0);
}

export function logicalAnd(x: ArrayLike, y: ArrayLike): Array {
  const [a, b] = promoteArgs([toBool(x, "logicalAnd"), toBool(y, "logicalAnd")], "logicalAnd") as [Array, Array];
  return lax.bitwiseAnd(a, b);
}
export function logicalOr(x: ArrayLike, y: ArrayLike): Array {
  const [a, b] = promoteArgs([toBool(x, "logicalOr"), toBool(y, "logicalOr")], "logicalOr") as [Array, Array];
  return lax.bitwiseOr(a, b);
}
export function logicalNot(x: ArrayLike): Array {
  return lax.bitwiseNot(toBool(x, "logicalNot"));
}

/** np.where(condition, x, y): elementwise choice, with broadcasting of all three. */
export function where(condition: ArrayLike, x?: ArrayLike, y?: ArrayLike): Array {
  if (x === undefined || y === undefined) {
    throw new TypeError(
      "np.where with one argument (nonzero) has a data-dependent shape and is not supported; pass x and y",
    );
  }
  const c = toBool(condition, "where");
  const [a, b] = promoteDtypes([x, y], "where") as [Array, Array];
  const [cc, aa, bb] = broadcastArrays([c, a, b]) as [Array, Array, Array];
  return lax.select(cc, aa, bb);
}

/** np.clip(x, min, max), as JAX 0.4: maximum(min, x) then minimum(max, x). */
export function clip(x: ArrayLike, min?: ArrayLike | null, max?: ArrayLike | null): Array {
  let a = asArray(x, "clip");
  if (min !== undefined && min !== null) a = maximum(min, a);
  if (max !== undefined && max !== null) a = minimum(max, a);
  return a;
}
