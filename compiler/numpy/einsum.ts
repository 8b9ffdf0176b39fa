// np.einsum as jax.numpy.einsum does it: parse the subscripts (numpy's rules, opt_einsum's
// messages), then for each step sum out labels no one else needs, take diagonals of repeated
// labels, contract the pair with one dot_general, and transpose to the output order at the end.
// Operands are contracted left to right (JAX asks opt_einsum for an order; we keep the user's).

import type { Array, ArrayLike } from "../core/array.js";
import { asArray } from "../core/scalar.js";
import * as lax from "../lax/lax.js";
import { promoteDtypes } from "./promote.js";

/** A term is one label per dimension; '...' becomes internal labels that are not letters. */
type Term = string[];

interface Subscripts {
  inputs: Term[];
  output: Term;
}

const ELLIPSIS_BASE = 0x100;
const isEllipsisLabel = (l: string): boolean => l.charCodeAt(0) >= ELLIPSIS_BASE;
const describeLabel = (l: string): string =>
  isEllipsisLabel(l) ? `'...' dimension ${l.charCodeAt(0) - ELLIPSIS_BASE}` : `label '${l}'`;

/** np.einsum(spec, ...operands): explicit ('ij,jk->ik') or implicit ('ij,jk') subscripts. */
export function einsum(spec: string, ...operands: ArrayLike[]): Array {
  if (typeof spec !== "string") {
    throw new TypeError(`einsum(): the first argument must be a subscripts string like 'ij,jk->ik', got ${typeof spec}`);
  }
  const args = operands.map((x, i) => asArray(x, `einsum operand ${i}`));
  const { inputs, output } = parseSubscripts(spec, args.map((x) => x.shape));
  const xs = promoteDtypes(args, "einsum");
  if (xs[0]!.dtype === "bool") {
    throw new TypeError(`einsum does not support bool operands; convert with astype("int32") first`);
  }

  let acc = xs[0]!, names = inputs[0]!;
  if (xs.length === 1) [acc, names] = sumUnneeded(acc, names, new Set(output));
  for (let k = 1; k < xs.length; k++) {
    // Labels still needed after this step: the output's and those of operands not yet contracted.
    const keep = new Set([...output, ...inputs.slice(k + 1).flat()]);
    [acc, names] = contractPair(acc, names, xs[k]!, inputs[k]!, keep);
  }
  return lax.transpose(acc, output.map((l) => names.indexOf(l)));
}

/**
 * Splits `spec` into one term per operand and the output term, replacing '...' by internal
 * labels (right-aligned across operands, as broadcasting aligns shapes), and checks every
 * operand's rank and every label's size.
 */
function parseSubscripts(spec: string, shapes: readonly (readonly number[])[]): Subscripts {
  const s = spec.replace(/\s+/g, "");
  for (const c of s) {
    if (!/[a-zA-Z,.\->]/.test(c)) {
      throw new SyntaxError(`einsum(): Character '${c}' is not a valid symbol in '${spec}'; subscripts are letters a-z and A-Z.`);
    }
  }
  const arrows = s.split("->");
  if (arrows.length > 2 || /[->]/.test(arrows.join(""))) {
    throw new SyntaxError(`einsum(): Subscripts can only contain one '->', and '-' and '>' only as part of it; got '${spec}'.`);
  }
  const [lhs, rhs] = arrows as [string, string | undefined];
  const terms = lhs.split(",");
  if (terms.length !== shapes.length) {
    throw new TypeError(
      `einsum(): Number of einsum subscripts must be equal to the number of operands: '${spec}' has ${terms.length} input term${terms.length === 1 ? "" : "s"} but ${shapes.length} operand${shapes.length === 1 ? " was" : "s were"} given.`,
    );
  }

  // How many dimensions each operand's '...' stands for.
  const ellipsisDims = terms.map((t, i) => {
    checkEllipsis(t, spec);
    const named = t.replace("...", "").length;
    const ndim = shapes[i]!.length;
    if (t.includes("...") ? ndim < named : ndim !== named) {
      throw new TypeError(
        `einsum(): operand ${i} has ${ndim} dimension${ndim === 1 ? "" : "s"} but the subscripts '${t}' name ${t.includes("...") ? "at least " : ""}${named}`,
      );
    }
    return t.includes("...") ? ndim - named : 0;
  });
  const nEllipsis = Math.max(0, ...ellipsisDims);
  const ellipsis = globalThis.Array.from({ length: nEllipsis }, (_, k) => String.fromCharCode(ELLIPSIS_BASE + k));
  const expand = (t: string, n: number): Term => {
    const at = t.indexOf("...");
    if (at < 0) return [...t];
    return [...t.slice(0, at), ...ellipsis.slice(nEllipsis - n), ...t.slice(at + 3)];
  };
  const inputs = terms.map((t, i) => expand(t, ellipsisDims[i]!));
  checkSizes(inputs, shapes);

  const counts = new Map<string, number>();
  for (const l of inputs.flat()) counts.set(l, (counts.get(l) ?? 0) + 1);
  let output: Term;
  if (rhs === undefined) {
    // Implicit mode (numpy): the '...' dims, then the labels used exactly once, sorted.
    const once = [...counts].filter(([l, c]) => c === 1 && !isEllipsisLabel(l)).map(([l]) => l).sort();
    output = [...ellipsis, ...once];
  } else {
    checkEllipsis(rhs, spec);
    output = expand(rhs, nEllipsis);
    const seen = new Set<string>();
    for (const l of output) {
      if (seen.has(l)) throw new SyntaxError(`einsum(): Output character '${l}' appeared more than once in the output '${rhs}'.`);
      seen.add(l);
      if (!counts.has(l)) throw new SyntaxError(`einsum(): Output character '${l}' did not appear in the input '${lhs}'.`);
    }
  }
  return { inputs, output };
}

function checkEllipsis(term: string, spec: string): void {
  if (term.includes(".") && (term.split(".").length !== 4 || !term.includes("..."))) {
    throw new SyntaxError(`einsum(): Invalid ellipsis in '${term}' of '${spec}'; write exactly three dots '...', at most once per term.`);
  }
}

/** A label names one size: equal everywhere, except that size 1 broadcasts (as in opt_einsum). */
function checkSizes(inputs: Term[], shapes: readonly (readonly number[])[]): void {
  const sizes = new Map<string, number>();
  inputs.forEach((term, i) => {
    const own = new Map<string, number>();
    term.forEach((l, p) => {
      const dim = shapes[i]![p]!;
      const first = own.get(l);
      if (first !== undefined && first !== dim) {
        throw new TypeError(
          `einsum(): operand ${i} repeats ${describeLabel(l)} on dimensions of sizes ${first} and ${dim}; a repeated label takes a diagonal, so the sizes must be equal.`,
        );
      }
      own.set(l, dim);
      const prev = sizes.get(l);
      if (prev === undefined || prev === 1) sizes.set(l, dim);
      else if (dim !== 1 && dim !== prev) {
        throw new TypeError(`Size of ${describeLabel(l)} for operand ${i} (${dim}) does not match previous terms (${prev}).`);
      }
    });
  });
}

/**
 * Sums out what no one else needs: labels of `x` that are not in `keep` (JAX's sum_uniques),
 * and the extra copies of repeated labels, after masking off everything but their diagonal
 * (JAX's sum_repeats).
 */
function sumUnneeded(x: Array, names: Term, keep: ReadonlySet<string>): [Array, Term] {
  const count = (l: string) => names.filter((m) => m === l).length;
  const uniques = names.map((l, i) => (count(l) === 1 && !keep.has(l) ? i : -1)).filter((i) => i >= 0);
  if (uniques.length > 0) {
    x = lax.reduceSum(x, uniques);
    names = names.filter((_, i) => !uniques.includes(i));
  }
  for (const l of new Set(names)) {
    if (count(l) < 2) continue;
    const axes = names.map((m, i) => (m === l ? i : -1)).filter((i) => i >= 0);
    x = lax.select(diagonalMask(x.shape, axes), x, lax.full(x.shape, 0, x.dtype));
    const summed = keep.has(l) ? axes.slice(0, -1) : axes;
    x = lax.reduceSum(x, summed);
    names = names.filter((_, i) => !summed.includes(i));
  }
  return [x, names];
}

/** True where the indices along all of `axes` are equal (JAX's _delta, as bools). */
function diagonalMask(shape: readonly number[], axes: readonly number[]): Array {
  const base = axes.map((a) => shape[a]!);
  const iotas = base.map((_, i) => lax.broadcastedIota("int32", base, i));
  let eye = lax.eq(iotas[0]!, iotas[1]!);
  for (let i = 1; i + 1 < iotas.length; i++) eye = lax.bitwiseAnd(eye, lax.eq(iotas[i]!, iotas[i + 1]!));
  return lax.broadcastInDim(eye, shape, axes);
}

/** Drops size-1 dims whose label the other operand has with a larger size (broadcasting). */
function squeezeBroadcast(x: Array, names: Term, otherShape: readonly number[], otherNames: Term): [Array, Term] {
  const drop = names
    .map((l, i) => {
      const j = otherNames.indexOf(l);
      return x.shape[i] === 1 && j >= 0 && otherShape[j] !== 1 ? i : -1;
    })
    .filter((i) => i >= 0);
  return [lax.squeeze(x, drop), names.filter((_, i) => !drop.includes(i))];
}

/** One pairwise step: shared labels still needed are batch dims, the other shared ones contract. */
function contractPair(lhs: Array, ln: Term, rhs: Array, rn: Term, keep: ReadonlySet<string>): [Array, Term] {
  [lhs, ln] = squeezeBroadcast(lhs, ln, rhs.shape, rn);
  [rhs, rn] = squeezeBroadcast(rhs, rn, lhs.shape, ln);
  [lhs, ln] = sumUnneeded(lhs, ln, new Set([...keep, ...rn]));
  [rhs, rn] = sumUnneeded(rhs, rn, new Set([...keep, ...ln]));

  const shared = ln.filter((l) => rn.includes(l));
  const batch = shared.filter((l) => keep.has(l));
  const contracted = shared.filter((l) => !keep.has(l));
  // Like JAX, move batch dims to the front of both operands unless they are already there.
  let lb = batch.map((l) => ln.indexOf(l)), rb = batch.map((l) => rn.indexOf(l));
  const front = batch.map((_, i) => i);
  if (lb.some((d, i) => d !== rb[i] || d !== front[i])) {
    [lhs, ln] = moveToFront(lhs, ln, lb);
    [rhs, rn] = moveToFront(rhs, rn, rb);
    lb = rb = front;
  }
  const lc = contracted.map((l) => ln.indexOf(l)), rc = contracted.map((l) => rn.indexOf(l));
  const out = lax.dotGeneral(lhs, rhs, [[lc, rc], [lb, rb]]);
  const free = (n: Term) => n.filter((l) => !shared.includes(l));
  return [out, [...batch, ...free(ln), ...free(rn)]];
}

function moveToFront(x: Array, names: Term, dims: readonly number[]): [Array, Term] {
  const perm = [...dims, ...names.map((_, i) => i).filter((i) => !dims.includes(i))];
  return [lax.transpose(x, perm), perm.map((i) => names[i]!)];
}
