// An Array's text as JAX prints it: `Array([1. , 2.5], dtype=float32)`. JAX's repr wraps
// numpy's array2string (separator ', ', line width 75, summarised past 1,000 elements with
// 3 items at each edge); this is a port of the parts of numpy's arrayprint.py that apply
// to float32, int32 and bool: floats in the shortest form that reads back as the same
// float32 ("unique", at most 8 fractional digits), positional unless the magnitudes call
// for scientific notation, padded to a common width.

import type { DType, TypedArray } from "../dtypes.js";

const LINE_WIDTH = 75;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const PRECISION = 8;

/** JAX's repr of an array with these elements (row-major), shape, dtype and weak type. */
export function formatArray(buf: TypedArray, shape: readonly number[], dtype: DType, weakType: boolean): string {
  const prefix = "Array(";
  const dtypeStr = `dtype=${dtype}${weakType ? ", weak_type=True" : ""})`;
  const size = shape.reduce((a, b) => a * b, 1);
  const s = size === 0 ? `[], shape=${pyShape(shape)}` : array2string(buf, shape, dtype, prefix, ",");
  // JAX's own arithmetic (`- s.rfind('\n') + 1`) and its spaces-only separator, kept as they are.
  const lastLineLen = s.length - s.lastIndexOf("\n") + 1;
  const sep = lastLineLen + dtypeStr.length + 1 > LINE_WIDTH ? " ".repeat(prefix.length) : " ";
  return `${prefix}${s},${sep}${dtypeStr}`;
}

function pyShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** numpy's array2string(a, separator=", ", prefix, suffix) for a non-empty array. */
function array2string(buf: TypedArray, shape: readonly number[], dtype: DType, prefix: string, suffix: string): string {
  const size = buf.length;
  const summarize = size > THRESHOLD;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  // The elements that will be shown decide the format (numpy's _leading_trailing).
  const shown: number[] = [];
  const collect = (axis: number, offset: number): void => {
    if (axis === shape.length) {
      shown.push(buf[offset]!);
      return;
    }
    const n = shape[axis]!;
    const idx = summarize && n > 2 * EDGE_ITEMS ? [...range(0, EDGE_ITEMS), ...range(n - EDGE_ITEMS, n)] : range(0, n);
    for (const i of idx) collect(axis + 1, offset + i * strides[axis]!);
  };
  collect(0, 0);
  const format = formatter(shown, dtype, shape.length === 0);
  const lineWidth = LINE_WIDTH - suffix.length;
  const separator = ", ";
  const nextLinePrefix = " " + " ".repeat(prefix.length);

  const recurse = (axis: number, offset: number, hangingIndent: string, currWidth: number): string => {
    if (axis === shape.length) return format(buf[offset]!);
    const axesLeft = shape.length - axis;
    const nextHangingIndent = hangingIndent + " ";
    const nextWidth = currWidth - 1;
    const n = shape[axis]!;
    const showSummary = summarize && 2 * EDGE_ITEMS < n;
    const leading = showSummary ? EDGE_ITEMS : 0;
    const trailing = showSummary ? EDGE_ITEMS : n;
    const at = (i: number) => offset + (i < 0 ? n + i : i) * strides[axis]!;
    let s = "";
    if (axesLeft === 1) {
      const elemWidth = currWidth - Math.max(separator.trimEnd().length, 1);
      let line = hangingIndent;
      const extend = (word: string, width: number) => {
        let wrap = line.length + word.length > width;
        if (line.length <= hangingIndent.length) wrap = false; // wrapping would not help
        if (wrap) {
          s += line.trimEnd() + "\n";
          line = hangingIndent;
        }
        line += word;
      };
      for (let i = 0; i < leading; i++) {
        extend(recurse(axis + 1, at(i), nextHangingIndent, nextWidth), elemWidth);
        line += separator;
      }
      if (showSummary) {
        extend("...", elemWidth);
        line += separator;
      }
      for (let i = trailing; i > 1; i--) {
        extend(recurse(axis + 1, at(-i), nextHangingIndent, nextWidth), elemWidth);
        line += separator;
      }
      extend(recurse(axis + 1, at(-1), nextHangingIndent, nextWidth), elemWidth);
      s += line;
    } else {
      const lineSep = separator.trimEnd() + "\n".repeat(axesLeft - 1);
      for (let i = 0; i < leading; i++) s += hangingIndent + recurse(axis + 1, at(i), nextHangingIndent, nextWidth) + lineSep;
      if (showSummary) s += hangingIndent + "..." + lineSep;
      for (let i = trailing; i > 1; i--) s += hangingIndent + recurse(axis + 1, at(-i), nextHangingIndent, nextWidth) + lineSep;
      s += hangingIndent + recurse(axis + 1, at(-1), nextHangingIndent, nextWidth);
    }
    return "[" + s.slice(hangingIndent.length) + "]";
  };
  return recurse(0, 0, nextLinePrefix, lineWidth);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/** numpy's format function for the shown elements: BoolFormat, IntegerFormat or FloatingFormat. */
function formatter(values: number[], dtype: DType, scalar: boolean): (x: number) => string {
  if (dtype === "bool") {
    const trueStr = scalar ? "True" : " True";
    return (x) => (x ? trueStr : "False");
  }
  if (dtype === "int32") {
    const width = Math.max(...values.map((v) => String(v).length));
    return (x) => String(x).padStart(width);
  }
  return floatFormatter(values);
}

/** The shortest decimal digits that read back as float32 `x` (finite, non-zero): x = d.ddd × 10^exp. */
function shortestDigits(x: number): { digits: string; exp: number } {
  const a = Math.abs(x);
  for (let p = 1; p <= 9; p++) {
    const s = a.toExponential(p - 1);
    if (Math.fround(Number(s)) === a) return parseExponential(s);
  }
  return parseExponential(a.toExponential(8));
}

function parseExponential(s: string): { digits: string; exp: number } {
  const [mantissa, exp] = s.split("e") as [string, string];
  const digits = mantissa.replace(".", "").replace(/0+$/, "") || "0";
  return { digits, exp: Number(exp) };
}

/** Positional, unique, at most PRECISION fractional digits, trailing zeros trimmed (keeping the point). */
function positional(x: number): { int: string; frac: string } {
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  if (x === 0) return { int: `${sign}0`, frac: "" };
  let { digits, exp } = shortestDigits(x);
  if (digits.length - 1 - exp > PRECISION) {
    // More fractional digits than the precision: round the exact value there.
    const fixed = Math.abs(x).toFixed(PRECISION).replace(/0+$/, "");
    const [i, f] = fixed.split(".") as [string, string];
    return { int: sign + i, frac: f };
  }
  let int: string, frac: string;
  if (exp >= 0) {
    int = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    frac = digits.slice(exp + 1);
  } else {
    int = "0";
    frac = "0".repeat(-exp - 1) + digits;
  }
  return { int: sign + int, frac };
}

/** Scientific, unique, at most PRECISION fractional digits in the mantissa. */
function scientific(x: number): { int: string; frac: string; exp: number } {
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  if (x === 0) return { int: `${sign}0`, frac: "", exp: 0 };
  let { digits, exp } = shortestDigits(x);
  if (digits.length - 1 > PRECISION) ({ digits, exp } = parseExponential(Math.abs(x).toExponential(PRECISION)));
  return { int: sign + digits[0], frac: digits.slice(1), exp };
}

function floatFormatter(values: number[]): (x: number) => string {
  const finite = values.filter((v) => Number.isFinite(v));
  const absNonZero = finite.filter((v) => v !== 0).map(Math.abs);
  let expFormat = false;
  if (absNonZero.length > 0) {
    const max = Math.max(...absNonZero), min = Math.min(...absNonZero);
    expFormat = max >= 1e8 || min < 1e-4 || max / min > 1e3;
  }
  let padLeft = 0, padRight = 0, precision = 0, expSize = -1;
  if (finite.length > 0) {
    if (expFormat) {
      const parts = finite.map(scientific);
      expSize = Math.max(...parts.map((p) => Math.max(2, String(Math.abs(p.exp)).length)));
      precision = Math.max(...parts.map((p) => p.frac.length));
      padLeft = Math.max(...parts.map((p) => p.int.length));
      padRight = expSize + 2 + precision;
    } else {
      const parts = finite.map(positional);
      padLeft = Math.max(...parts.map((p) => p.int.length));
      padRight = Math.max(...parts.map((p) => p.frac.length));
    }
  }
  if (finite.length !== values.length) {
    const negInf = values.some((v) => v === -Infinity);
    const offset = padRight + 1;
    padLeft = Math.max(padLeft, 3 - offset, 3 + (negInf ? 1 : 0) - offset);
  }
  return (x) => {
    if (!Number.isFinite(x)) {
      const s = Number.isNaN(x) ? "nan" : x < 0 ? "-inf" : "inf";
      return s.padStart(padLeft + padRight + 1);
    }
    if (expFormat) {
      const p = scientific(x);
      const frac = p.frac.padEnd(precision, "0");
      const exp = `e${p.exp < 0 ? "-" : "+"}${String(Math.abs(p.exp)).padStart(expSize, "0")}`;
      return `${p.int.padStart(padLeft)}.${frac}${exp}`;
    }
    const p = positional(x);
    return `${p.int.padStart(padLeft)}.${p.frac.padEnd(padRight)}`;
  };
}
