// Shapes, abstract values and axis helpers shared by every layer.

import { type DType, shortName } from "./dtypes.js";

export type Shape = readonly number[];

/** Python's str() of a tuple of ints: `()`, `(3,)`, `(3, 4)`. */
export function pyTuple(xs: readonly (number | string)[]): string {
  const items = xs.map((x) => (typeof x === "string" ? `'${x}'` : String(x)));
  if (items.length === 1) return `(${items[0]},)`;
  return `(${items.join(", ")})`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Row-major strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** The abstract value of an array: what tracing knows about it. */
export class ShapedArray {
  readonly shape: Shape;
  constructor(
    shape: Shape,
    readonly dtype: DType,
    readonly weakType = false,
  ) {
    this.shape = Object.freeze([...shape]);
  }
  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    return sizeOf(this.shape);
  }
  #key: string | undefined;
  /** A string naming dtype, weak type and shape, for cache keys. */
  get key(): string {
    return (this.#key ??= `${this.dtype}${this.weakType ? "~" : ""}[${this.shape.join(",")}]`);
  }
  /** JAX's short form, as printed in jaxprs: `f32[5,4]`. */
  strShort(): string {
    return `${shortName(this.dtype)}[${this.shape.join(",")}]`;
  }
  toString(): string {
    return this.strShort();
  }
  equals(o: ShapedArray): boolean {
    return this.dtype === o.dtype && this.weakType === o.weakType && shapeEqual(this.shape, o.shape);
  }
  withShape(shape: Shape): ShapedArray {
    return new ShapedArray(shape, this.dtype, this.weakType);
  }
}

export function checkShape(shape: unknown, where: string): number[] {
  const s = typeof shape === "number" ? [shape] : shape;
  if (!Array.isArray(s) || !s.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(
      `${where}: shape must be a sequence of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
  return [...s];
}

/** A user's value in an error message: JSON where it has one ("1" for a string), else String. */
export function showValue(x: unknown): string {
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

/** Normalises a possibly negative axis, with numpy's AxisError wording. */
export function normalizeAxis(axis: number, ndim: number, where = "axis"): number {
  if (typeof axis !== "number" || !Number.isInteger(axis)) {
    throw new TypeError(`${where} must be an integer, got ${showValue(axis)}`);
  }
  if (axis < -ndim || axis >= ndim) {
    throw new RangeError(`${where} ${axis} is out of bounds for array of dimension ${ndim}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** An axis argument that may be one int or a list of them, as a list; anything else is a TypeError. */
export function axisList(axes: number | readonly number[], where = "axis"): number[] {
  if (typeof axes === "number") return [axes];
  if (!Array.isArray(axes)) throw new TypeError(`${where} must be an integer or a list of integers, got ${showValue(axes)}`);
  return [...axes];
}

/** Normalises one axis or a list of axes and rejects duplicates. */
export function normalizeAxes(axes: number | readonly number[], ndim: number, where = "axis"): number[] {
  const list = axisList(axes, where);
  const out = list.map((a) => normalizeAxis(a, ndim, where));
  if (new Set(out).size !== out.length) {
    throw new RangeError(`repeated axis in ${where}: ${pyTuple(list)}`);
  }
  return out;
}

/** numpy broadcasting of several shapes, with JAX's error wording. */
export function broadcastShapes(...shapes: Shape[]): number[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    const off = ndim - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!;
      const o = out[off + i]!;
      if (o === 1) out[off + i] = d;
      else if (d !== 1 && d !== o) {
        throw new TypeError(
          `Incompatible shapes for broadcasting: shapes=[${shapes.map((x) => pyTuple(x)).join(", ")}]`,
        );
      }
    }
  }
  return out;
}
