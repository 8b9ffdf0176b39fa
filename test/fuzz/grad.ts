// Differentiating the random programs: every program the generator makes is also a test of
// wax's autodiff rules. With respect to its float32 inputs (int and bool inputs held
// fixed) and for its float32 outputs:
//   - jvp: the tangents of jvp(program) along a random direction v equal central finite
//     differences of the program along v;
//   - vjp: <vjp(u), v> = <u, jvp(v)> for a random cotangent u (the dot-product identity,
//     which checks the transpose rules against the JVP just checked);
//   - execution: jvp and vjp run eagerly on wasm and under jit (jit(vjp) is jit(grad) of
//     <u, program>) agree with the same derivatives within float32 rounding.
// The rules are what is under test, so the first two checks evaluate the jaxprs that
// makeJaxpr records for the program, its jvp and its vjp in float64 (test/f64.ts, which
// shares no code with wax): float32 rounding then plays no part, and the tolerances are
//   - finite differences: step h = 1e-6 along v; a difference quotient is off by its
//     float64 rounding (the generator's float32 error bound of the value, rescaled from
//     u = 2^-24 to 2^-53, over h) plus truncation O(h² f''') (below 1e-12 f''');
//   - everything else: a relative 1e-6 of the output's largest tangent, which no float64
//     computation of a well-posed program comes near and every wrong rule exceeds.
// Derivatives only exist where the program is smooth: an output element is masked where
// a kink, a tie, a jump (floor, comparisons, argmax) or a pole lies within 2h of the
// point, found by the three second differences on the five-point stencil disagreeing
// (smooth: all ≈ h² f''; a kink of slope jump J at distance d: one of them ≥ J h / 2,
// while the others stay near 0, so an unmasked element is off by at most the
// tolerance), and where any stencil value is not finite; and the whole program where an
// int or bool value changes inside the stencil.

import { jit, jvp, makeJaxpr, vjp, withEagerBackend } from "../../compiler/index.js";
import type { Array as WaxArray, ClosedJaxpr, DType } from "../../compiler/index.js";
import { type Data, evalF64, fromData, toData } from "../f64.js";
import { Rng } from "../rng.js";
import type { Failure } from "./run.js";
import { describeProgram, inputsOf, programFunction, shrinkProgram } from "./run.js";
import { type DataKind, type Program, Reject, kindsFor } from "./ops.js";
import { type ValueInfo, analyzeProgram } from "./oracle.js";
import { U } from "./compare.js";

/** Finite data away from the integers (whose kinks and ties the masking would only hide). */
export const gradDataKinds = (dtype: DType): DataKind[] => (dtype === "float32" ? ["real", "real", "pos"] : kindsFor(dtype));

export type GradMode = "jvp" | "vjp" | "eager-jvp" | "eager-vjp" | "jit-vjp";

export interface GradFailure {
  mode: GradMode;
  /** Which output (jvp) or input (vjp), or -1 for the identity or a crash. */
  output: number;
  message: string;
}

export interface GradStats {
  /** Programs with a float32 input and output, whose derivatives were checked. */
  programs: number;
  /** Output elements whose tangent was checked against finite differences. */
  checked: number;
  /** Output elements masked as not smooth (kinks, ties, jumps, poles, non-finite values). */
  masked: number;
  /** Dot-product identities checked (skipped when a side is not finite). */
  identities: number;
  /** Programs also run in float32, eagerly and under jit. */
  executed: number;
}

export const emptyGradStats = (): GradStats => ({ programs: 0, checked: 0, masked: 0, identities: 0, executed: 0 });

const H = 1e-6;
const TOL = 1e-6;
/** float32 execution against the float64 derivatives: a gross-error check (see checkExecution). */
const EXEC_TOL = 1e-2;
const EPS64 = 2 ** -53;

/** The program as a function of its float32 inputs, returning its float32 outputs; null if it has none of either. */
export function differentiable(p: Program): { f: (...xs: WaxArray[]) => WaxArray[]; floatIn: number[]; floatOut: number[] } | null {
  const all = inputsOf(p);
  const floatIn = p.inputs.map((s, i) => (s.dtype === "float32" ? i : -1)).filter((i) => i >= 0);
  const fn = programFunction(p);
  const outs = withEagerBackend("reference", () => fn(...all));
  const floatOut = outs.map((o, k) => (o.dtype === "float32" ? k : -1)).filter((k) => k >= 0);
  if (floatIn.length === 0 || floatOut.length === 0) return null;
  const f = (...xs: WaxArray[]) => {
    const args = [...all];
    floatIn.forEach((i, k) => (args[i] = xs[k]!));
    const o = fn(...args);
    return floatOut.map((k) => o[k]!);
  };
  return { f, floatIn, floatOut };
}

const randomLike = (g: Rng, d: Data): Data => ({ ...d, values: d.values.map(() => Math.fround(2 * g.next() - 1)) });
const shifted = (a: Data, v: Data, s: number): Data => ({ ...a, values: a.values.map((x, i) => x + s * v.values[i]!) });

function inner(as: readonly Data[], bs: readonly Data[]): { sum: number; abs: number } {
  let sum = 0, abs = 0;
  as.forEach((a, k) => a.values.forEach((x, j) => ((sum += x * bs[k]!.values[j]!), (abs += Math.abs(x * bs[k]!.values[j]!)))));
  return { sum, abs };
}

/** A float64 evaluation that notes whether any float value was not finite, and the largest magnitude. */
function watched(closed: ClosedJaxpr, args: Data[]): { outs: Data[]; infinite: boolean; largest: number } {
  let infinite = false, largest = 0;
  const outs = evalF64(closed, args, (_prim, results) => {
    for (const members of results) {
      for (const d of members) {
        if (d.dtype !== "float32") continue;
        for (const v of d.values) {
          if (!Number.isFinite(v)) infinite = true;
          else if (Math.abs(v) > largest) largest = Math.abs(v);
        }
      }
    }
  });
  return { outs, infinite, largest };
}

const maxAbs = (xs: readonly number[]) => xs.reduce((m, x) => (Number.isFinite(x) ? Math.max(m, Math.abs(x)) : m), 0);

/**
 * Checks the derivatives of `p` (see the top of this file); the first failure, or null.
 * `execution` also runs jvp and vjp in float32, eagerly on wasm and under jit.
 */
export function checkGradProgram(p: Program, infos: ValueInfo[], opts: { execution?: boolean; stats?: GradStats } = {}): GradFailure | null {
  const d = differentiable(p);
  if (!d) return null;
  if (opts.stats) opts.stats.programs++;
  const { f, floatIn, floatOut } = d;
  const xs = floatIn.map((i) => inputsOf(p)[i]!);
  const n = xs.length;
  const g = new Rng(p.seed * 31 + 7);
  const xData = xs.map(toData);
  const vData = xData.map((x) => randomLike(g, x));
  const vs = vData.map(fromData);
  let progJ: ClosedJaxpr, jvpJ: ClosedJaxpr, vjpJ: ClosedJaxpr, uData: Data[];
  try {
    progJ = makeJaxpr(f)(...xs);
    jvpJ = makeJaxpr((...a: WaxArray[]) => jvp(f, a.slice(0, n), a.slice(n))[1])(...xs, ...vs);
  } catch (e) {
    return { mode: "jvp", output: -1, message: `tracing threw ${(e as Error).stack ?? e}` };
  }

  // 1. jvp against central differences of the program, both in float64.
  // stop_gradient's value is a constant to differentiation: frozen at the point's value.
  // And a comparison, index or rounding to int whose value changes inside the stencil (a
  // tie exactly at the point: stop_gradient(x) == x) puts the point on a seam between
  // smooth pieces, even where the values happen to join up: no element is checked.
  const frozen: Data[][][] = [];
  const discrete: string[] = [];
  let seam = false;
  const at = (s: number) => {
    let k = 0, d = 0;
    return evalF64(progJ, xData.map((x, i) => shifted(x, vData[i]!, s)), (prim, results) => {
      const flat = results.flat();
      if (flat.some((r) => r.dtype !== "float32")) {
        const key = JSON.stringify(flat.map((r) => r.values));
        if (s === 0) discrete.push(key);
        else if (discrete[d++] !== key) seam = true;
      }
      if (prim !== "stop_gradient") return;
      if (s === 0) frozen.push(results);
      else return frozen[k++];
    });
  };
  const f0 = at(0);
  const [m2, m1, p1, p2] = [-2, -1, 1, 2].map((k) => at(k * H)) as [Data[], Data[], Data[], Data[]];
  const jvpRun = watched(jvpJ, [...xData, ...vData]);
  const tangents = jvpRun.outs;
  uData = f0.map((o) => randomLike(g, o));
  for (let k = 0; k < f0.length; k++) {
    const info = infos[p.outputs[floatOut[k]!]!]!;
    const fd = p1[k]!.values.map((y, j) => (y - m1[k]!.values[j]!) / (2 * H));
    const t = tangents[k]!.values;
    // float64 rounding of each stencil value, from the float32 error bound of the value.
    const rho = 4 * (info.err * (EPS64 / U) + EPS64 * Math.max(info.maxAbs, maxAbs(p2[k]!.values), maxAbs(m2[k]!.values)));
    // The mask first (its scale from the jvp: a jump's difference quotient is huge), then
    // the check, relative to the largest tangent either way among the smooth elements.
    const smooth = fd.map((_, j) => {
      const y = [m2, m1, f0, p1, p2].map((s) => s[k]!.values[j]!);
      const second = [0, 1, 2].map((c) => y[c]! - 2 * y[c + 1]! + y[c + 2]!);
      const spread = Math.max(...second) - Math.min(...second);
      return y.every(Number.isFinite) && spread / H <= TOL * maxAbs(t) + (9 * rho) / H;
    });
    const allowed = TOL * Math.max(maxAbs(t), maxAbs(fd.filter((_, j) => smooth[j]))) + rho / H;
    for (let j = 0; j < fd.length; j++) {
      // A derivative that meets an infinity (sqrt'(0) times a zero tangent) is NaN, as in JAX.
      if (seam || !smooth[j] || (!Number.isFinite(t[j]!) && jvpRun.infinite)) {
        if (opts.stats) opts.stats.masked++;
        // No cotangent where the output is not differentiable (on a seam, the rules still
        // linearize one piece, consistently in both modes).
        if (!seam) uData[k]!.values[j] = 0;
        continue;
      }
      if (opts.stats) opts.stats.checked++;
      if (!(Math.abs(t[j]! - fd[j]!) <= allowed)) {
        return { mode: "jvp", output: k, message: `tangent at flat ${j}: jvp gives ${t[j]}, finite differences ${fd[j]} (allowed ±${allowed.toPrecision(3)})` };
      }
    }
  }

  // 2. <vjp(u), v> = <u, jvp(v)>, both sides in float64.
  const us = uData.map(fromData);
  try {
    vjpJ = makeJaxpr((...a: WaxArray[]) => vjp(f, ...a.slice(0, n))[1](a.slice(n)) as WaxArray[])(...xs, ...us);
  } catch (e) {
    return { mode: "vjp", output: -1, message: `tracing threw ${(e as Error).stack ?? e}` };
  }
  const vjpRun = watched(vjpJ, [...xData, ...uData]);
  const cts = vjpRun.outs;
  for (let i = 0; i < n; i++) {
    if (cts[i]!.shape.join() !== xData[i]!.shape.join()) return { mode: "vjp", output: i, message: `cotangent shape [${cts[i]!.shape}], expected [${xData[i]!.shape}]` };
  }
  const lhs = inner(cts, vData), rhs = inner(uData, tangents);
  if (Number.isFinite(lhs.sum) && Number.isFinite(rhs.sum)) {
    if (opts.stats) opts.stats.identities++;
    // Relative to the terms, and to what float64 rounding inside either map can reach
    // (cancellation of intermediates: x/x has the tangent t/x - t(x/x)/x).
    const l1 = (ds: Data[]) => ds.reduce((s, d) => s + d.values.reduce((a, v) => a + Math.abs(v), 0), 0);
    const floor = 1e-12 * (jvpRun.largest * l1(uData) + vjpRun.largest * l1(vData));
    if (!(Math.abs(lhs.sum - rhs.sum) <= TOL * (lhs.abs + rhs.abs) + floor)) {
      return { mode: "vjp", output: -1, message: `<vjp(u), v> = ${lhs.sum} but <u, jvp(v)> = ${rhs.sum}` };
    }
  }
  if (!opts.execution) return null;
  if (opts.stats) opts.stats.executed++;
  return checkExecution(f, xs, vs, us, { tangents, cotangents: cts, largest: Math.max(jvpRun.largest, vjpRun.largest) });
}

/**
 * jvp and vjp run in float32 (eagerly on wasm, and vjp under jit) against the float64
 * values of the same jaxprs. Float32 rounding is amplified by the program's conditioning,
 * which nothing bounds for derivatives, so this is a gross-error check (wrong axes,
 * dropped terms, crashes): element by element within 1e-2 of the result's largest
 * magnitude, plus 1e-4 (about 1700 float32 roundings) of the largest value the float64
 * evaluation met, for results that cancel to near zero.
 */
function checkExecution(
  f: (...xs: WaxArray[]) => WaxArray[], xs: WaxArray[], vs: WaxArray[], us: WaxArray[],
  want64: { tangents: Data[]; cotangents: Data[]; largest: number },
): GradFailure | null {
  const { tangents, cotangents: cts, largest } = want64;
  const close = (mode: GradMode, got: WaxArray[], want: Data[]): GradFailure | null => {
    for (let k = 0; k < want.length; k++) {
      const w = want[k]!.values, gv = Array.from(got[k]!.data());
      const bound = EXEC_TOL * (maxAbs(w) + 1e-2 * largest);
      for (let j = 0; j < w.length; j++) {
        if (!Number.isFinite(w[j]!)) continue;
        if (!(Math.abs(gv[j]! - w[j]!) <= bound)) return { mode, output: k, message: `at flat ${j}: got ${gv[j]}, float64 gives ${w[j]} (allowed ±${bound.toPrecision(3)})` };
      }
    }
    return null;
  };
  const n = xs.length;
  const runs: [GradMode, () => WaxArray[], Data[]][] = [
    ["eager-jvp", () => jvp(f, xs, vs)[1], tangents],
    ["eager-vjp", () => vjp(f, ...xs)[1](us) as WaxArray[], cts],
    ["jit-vjp", () => jit((...a: WaxArray[]) => vjp(f, ...a.slice(0, n))[1](a.slice(n)) as WaxArray[])(...xs, ...us) as WaxArray[], cts],
  ];
  for (const [mode, run, want] of runs) {
    let got: WaxArray[];
    try {
      got = withEagerBackend("wasm", run);
    } catch (e) {
      return { mode, output: -1, message: `threw ${(e as Error).stack ?? e}` };
    }
    const bad = close(mode, got, want);
    if (bad) return bad;
  }
  return null;
}

/** The grad failure of `p`, or null when it passes or the analysis rejects it. */
export function findGradFailure(p: Program, execution = false): GradFailure | null {
  let infos: ValueInfo[];
  try {
    infos = analyzeProgram(p);
  } catch (e) {
    if (e instanceof Reject) return null;
    throw e;
  }
  return checkGradProgram(p, infos, { execution });
}

/** Shrinks a program whose derivatives fail, with the fuzzer's shrinker. */
export function shrinkGradProgram(p: Program, failure: GradFailure, budget = 400, execution = false): { program: Program; failure: GradFailure } {
  // The shrinker only carries failures through; their mode is ours, not the forward fuzzer's.
  const r = shrinkProgram(p, failure as unknown as Failure, budget, (q) => findGradFailure(q, execution) as unknown as Failure | null);
  return { program: r.program, failure: r.failure as unknown as GradFailure };
}

/** A self-contained report: the program, its inputs, the failure, and the jaxprs differentiated. */
export function formatGradReproduction(p: Program, failure: GradFailure): string {
  const out = [describeProgram(p), ""];
  inputsOf(p).forEach((x, i) => out.push(`v${i} = [${Array.from(x.data()).join(", ")}]`));
  out.push("", `${failure.mode} check fails${failure.output >= 0 ? ` on ${failure.mode.endsWith("vjp") ? "input" : "output"} ${failure.output}` : ""}: ${failure.message}`);
  const d = differentiable(p);
  if (d) {
    const xs = d.floatIn.map((i) => inputsOf(p)[i]!);
    const n = xs.length;
    try {
      out.push("", "the program, of its float32 inputs:", String(makeJaxpr(d.f)(...xs)));
      out.push("", "its jvp:", String(makeJaxpr((...a: WaxArray[]) => jvp(d.f, a.slice(0, n), a.slice(n))[1])(...xs, ...xs)));
      const outs = withEagerBackend("reference", () => d.f(...xs));
      out.push("", "its vjp:", String(makeJaxpr((...a: WaxArray[]) => vjp(d.f, ...a.slice(0, n))[1](a.slice(n)) as WaxArray[])(...xs, ...outs)));
    } catch (e) {
      out.push("", `(makeJaxpr failed: ${(e as Error).message})`);
    }
  }
  return out.join("\n");
}
