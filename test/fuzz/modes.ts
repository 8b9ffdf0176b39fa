// Transformations of a random program, each checked against the reference run one
// example at a time (the oracle never goes through the transformation it checks):
//
//   vmap    one or two nested vmaps with random in_axes (some arguments unmapped, negative
//           axes) and out_axes, optionally ending in a collective (psum, pmax, pmin, pmean)
//           over one or both named axes; run eagerly on wasm and under jit.
//   static  jit with a static argument at a random position (negative argnums too) that
//           rotates the outputs: two calls with equal arrays and different static values
//           must not share a compiled entry.
//   pmap    pmap over the devices (1 or 2), random in_axes and out_axes, optionally a
//           collective over the device axis; run as is and under jit.
//   nested  pmap inside vmap, or vmap inside pmap, each level with random axes, optionally
//           a collective over one or both axis names; run as is and under jit.
//
// A mode's configuration derives from the program's seed, so a failure is reproducible
// and the shrinker can re-check smaller programs with the same mode.

import { deviceCount, jit, lax, numpy as np, pmap, vmap, withEagerBackend } from "../../compiler/index.js";
import type { Array as WaxArray } from "../../compiler/index.js";
import { Rng } from "../rng.js";
import { TINY, type Tolerance, U, compareArrays } from "./compare.js";
import { type InputSpec, type Program, Reject, makeInput } from "./ops.js";
import { type ValueInfo, analyzeProgram } from "./oracle.js";
import { type Failure, programFunction } from "./run.js";

export type Collective = "psum" | "pmax" | "pmin" | "pmean";

/** One level of mapping: its transformation, size, axis name, and per argument / per output axes. */
export interface Level {
  transform: "vmap" | "pmap";
  size: number;
  name: string;
  /** Per input: the mapped axis of the array this level sees, or null (not mapped). */
  inAxes: (number | null)[];
  /** Per output: where this level's batch axis goes. */
  outAxes: number[];
}

export type MapMode = "vmap" | "pmap" | "nested";

export interface MapConfig {
  transform: MapMode;
  /** Outermost first. */
  levels: Level[];
  /** A collective over these level names applied to each non-bool output, or none. */
  collective: { op: Collective; names: string[] } | null;
  /** Pass in_axes as one int when every input has the same one. */
  intInAxes: boolean;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const ref = <T>(f: () => T): T => withEagerBackend("reference", f);

/** The input specs of one example: a mapped input's data depends on the example's index at each level that maps it. */
function exampleInputs(p: Program, cfg: MapConfig, idx: number[]): InputSpec[] {
  return p.inputs.map((s, i) => {
    let seed = s.seed;
    cfg.levels.forEach((l, k) => {
      if (l.inAxes[i] !== null) seed = (Math.imul(seed ^ (idx[k]! + 1), 0x9e3779b1) + k) >>> 0;
    });
    return { ...s, seed };
  });
}

/** A random mapping of `p` (deterministic in its seed), given its output ranks. */
export function mapConfig(p: Program, transform: MapMode, outRanks: number[]): MapConfig {
  const g = new Rng(p.seed * 104729 + (transform === "pmap" ? 7 : transform === "nested" ? 13 : 3));
  // The transformation of each level, outermost first.
  const kinds: ("vmap" | "pmap")[] =
    transform === "nested" ? (g.chance(0.5) ? ["vmap", "pmap"] : ["pmap", "vmap"])
    : transform === "vmap" && g.chance(0.3) ? ["vmap", "vmap"]
    : [transform];
  const levels: Level[] = [];
  // Ranks as seen by each level, innermost first: every mapping level adds a dim.
  const inRanks = p.inputs.map((s) => s.shape.length);
  const outR = [...outRanks];
  const pending: { kind: "vmap" | "pmap"; size: number; name: string; mapped: boolean[] }[] = [];
  kinds.forEach((kind, k) => {
    const size = kind === "pmap" ? g.pick([1, Math.min(2, deviceCount())]) : g.pick([1, 2, 3]);
    let mapped = p.inputs.map(() => g.chance(0.75));
    if (!mapped.some(Boolean)) mapped = p.inputs.map((_, i) => i === 0);
    pending.push({ kind, size, name: kind === "pmap" ? "p" : ["b", "c"][k]!, mapped });
  });
  // Build from the innermost level outwards, so each level's axes fit the ranks it sees.
  for (let k = kinds.length - 1; k >= 0; k--) {
    const { kind, size, name, mapped } = pending[k]!;
    const pickAxis = (rank: number) => {
      const ax = g.int(0, rank);
      return g.chance(0.25) ? ax - (rank + 1) : ax; // negative: counted from the end
    };
    const inAxes = mapped.map((m, i) => (m ? pickAxis(inRanks[i]!) : null));
    const outAxes = outR.map((r) => (kind === "pmap" ? g.int(0, r) : pickAxis(r)));
    levels.unshift({ transform: kind, size, name, inAxes, outAxes });
    mapped.forEach((m, i) => m && inRanks[i]!++);
    outR.forEach((_, j) => outR[j]!++);
  }
  const nLevels = levels.length;
  const collective = g.chance(0.35)
    ? { op: g.pick(["psum", "pmax", "pmin", "pmean"] as Collective[]), names: nLevels === 2 && g.chance(0.3) ? levels.map((l) => l.name) : [g.pick(levels).name] }
    : null;
  const firstAxis = levels[0]!.inAxes[0];
  const intInAxes = levels.length === 1 && levels[0]!.inAxes.every((a) => a !== null && a === firstAxis) && g.chance(0.5);
  return { transform, levels, collective, intInAxes };
}

/** The mapped function: the program (with the collective epilogue), wrapped in one map per level. */
export function mappedFunction(p: Program, cfg: MapConfig): (...xs: WaxArray[]) => WaxArray[] {
  const fn = programFunction(p);
  const c = cfg.collective;
  let f: (...xs: WaxArray[]) => WaxArray[] = c === null ? fn : (...xs) => fn(...xs).map((o) => (o.dtype === "bool" ? o : collective(c.op, o, c.names)));
  for (let k = cfg.levels.length - 1; k >= 0; k--) {
    const l = cfg.levels[k]!;
    const inAxes = cfg.intInAxes ? l.inAxes[0]! : l.inAxes;
    const inner = f;
    f = (l.transform === "pmap"
      ? pmap(inner, l.name, { inAxes, outAxes: l.outAxes })
      : vmap(inner, inAxes, l.outAxes, { axisName: l.name })) as (...xs: WaxArray[]) => WaxArray[];
  }
  return f;
}

function collective(op: Collective, x: WaxArray, names: string[]): WaxArray {
  return (lax as unknown as Record<Collective, (x: WaxArray, n: string[]) => WaxArray>)[op](x, names);
}

/** The mapped inputs: examples stacked along each level's axis (made on the reference backend). */
export function mappedInputs(p: Program, cfg: MapConfig): WaxArray[] {
  return ref(() => p.inputs.map((_, i) => {
    const build = (k: number, idx: number[]): WaxArray => {
      if (k === cfg.levels.length) return makeInput(exampleInputs(p, cfg, idx)[i]!);
      const l = cfg.levels[k]!, ax = l.inAxes[i];
      if (ax === null || ax === undefined) return build(k + 1, [...idx, 0]);
      return np.stack(range(l.size).map((b) => build(k + 1, [...idx, b])), ax);
    };
    return build(0, []);
  }));
}

/** Example `idx`'s part of a mapped output: each level's batch axis taken in turn. */
function exampleOf(out: WaxArray, cfg: MapConfig, j: number, idx: number[]): WaxArray {
  return ref(() => cfg.levels.reduce((x, l, k) => np.moveaxis(x, l.outAxes[j]!, 0).slice(idx[k]!), out));
}

interface Example {
  idx: number[];
  infos: ValueInfo[];
}

/** What output `j` of example `e` must be (and how closely), the collective applied across examples. */
function expected(p: Program, cfg: MapConfig, examples: Example[], e: Example, j: number): { want: WaxArray; tol: Tolerance } {
  const v = p.outputs[j]!;
  const mine = e.infos[v]!;
  const c = cfg.collective;
  if (c === null || mine.dtype === "bool") return { want: mine.ref, tol: mine.err === 0 ? { kind: "exact" } : { kind: "abs", bound: 2 * mine.err } };
  // The examples this one's collective combines: those equal to it on every other level.
  const reduced = cfg.levels.map((l) => c.names.includes(l.name));
  const group = examples.filter((x) => x.idx.every((b, k) => reduced[k] || b === e.idx[k]));
  const vals = group.map((x) => x.infos[v]!);
  const n = vals.length;
  const err = vals.reduce((s, x) => s + x.err, 0);
  const want = ref(() => {
    const stacked = np.stack(vals.map((x) => x.ref), 0);
    if (c.op === "pmax") return lax.reduceMax(stacked, [0]);
    if (c.op === "pmin") return lax.reduceMin(stacked, [0]);
    const s = lax.reduceSum(stacked, [0]);
    return c.op === "psum" ? s : np.divide(s, n);
  });
  if (c.op === "pmax" || c.op === "pmin") return { want, tol: err === 0 ? { kind: "exact" } : { kind: "abs", bound: 2 * Math.max(...vals.map((x) => x.err)) } };
  if (mine.dtype === "int32") return { want, tol: { kind: "exact" } }; // int sums wrap alike; the mean divides one rounded value
  const mag = vals.reduce((s, x) => s + x.maxAbs, 0);
  if (mag > 1e37) throw new Reject("a collective sum that may overflow");
  const exactSum = err === 0 && vals.every((x) => x.integral) && mag < 2 ** 24;
  let bound = exactSum ? 0 : err + n * U * mag + TINY;
  if (c.op === "pmean") bound = exactSum ? 0 : bound / n + 2 * U * (mag / n) + TINY;
  // A sum of zeros is +0 or -0 by how it is formed (JAX's psum of a value unmapped over a
  // vmap axis multiplies it by the axis size: -0 stays -0, where the oracle's sum gives +0).
  return { want, tol: bound === 0 ? { kind: "exact", anyZeroSign: true } : { kind: "abs", bound: 2 * bound } };
}

/**
 * Checks one mapping of `p` (eagerly and under jit); the first disagreement, or null.
 * Reject: not a fair program. `transformed` replaces the function under test (the tests
 * pass broken ones to show that the check catches them).
 */
export function checkMapped(
  p: Program,
  transform: MapMode,
  infos: ValueInfo[] = analyzeProgram(p),
  transformed: (p: Program, cfg: MapConfig) => (...xs: WaxArray[]) => WaxArray[] = mappedFunction,
): Failure | null {
  const cfg = mapConfig(p, transform, p.outputs.map((o) => infos[o]!.shape.length));
  const idxs = cfg.levels.reduce<number[][]>((acc, l) => acc.flatMap((i) => range(l.size).map((b) => [...i, b])), [[]]);
  const examples: Example[] = idxs.map((idx) => ({ idx, infos: analyzeProgram({ ...p, inputs: exampleInputs(p, cfg, idx) }) }));
  const xs = mappedInputs(p, cfg);
  const f = transformed(p, cfg);
  const runs: [string, () => WaxArray[]][] = [
    [transform, () => withEagerBackend("wasm", () => f(...xs))],
    [`jit(${transform})`, () => withEagerBackend("wasm", () => jit(f)(...xs) as WaxArray[])],
  ];
  for (const [mode, run] of runs) {
    let got: WaxArray[];
    try {
      got = run();
    } catch (e) {
      return { mode, output: -1, message: `threw ${(e as Error).stack ?? e}`, transform: describeMapping(cfg) };
    }
    for (const e of examples) {
      for (let j = 0; j < p.outputs.length; j++) {
        const { want, tol } = expected(p, cfg, examples, e, j);
        const msg = compareArrays(exampleOf(got[j]!, cfg, j, e.idx), want, tol);
        if (msg) return { mode, output: j, message: `example [${e.idx}]: ${msg}`, transform: describeMapping(cfg) };
      }
    }
  }
  return null;
}

/** The mapping as code around the program `f`. */
export function describeMapping(cfg: MapConfig): string {
  let code = "f";
  if (cfg.collective) code = `(...xs) => f(...xs).map((o) => lax.${cfg.collective.op}(o, ${JSON.stringify(cfg.collective.names)}))`;
  for (let k = cfg.levels.length - 1; k >= 0; k--) {
    const l = cfg.levels[k]!;
    const inAxes = JSON.stringify(cfg.intInAxes ? l.inAxes[0] : l.inAxes);
    code = l.transform === "pmap"
      ? `pmap(${code}, "${l.name}", { inAxes: ${inAxes}, outAxes: ${JSON.stringify(l.outAxes)} })`
      : `vmap(${code}, ${inAxes}, ${JSON.stringify(l.outAxes)}, { axisName: "${l.name}" })`;
  }
  return `${code} // sizes ${cfg.levels.map((l) => l.size).join(" × ")}`;
}

/**
 * jit with a static argument: `s` (at a random position) rotates the outputs. Two calls
 * with the same arrays and static values 0 and 1 must give the unrotated and rotated outputs.
 */
export function checkStatic(p: Program, infos: ValueInfo[] = analyzeProgram(p), jitImpl: typeof jit = jit): Failure | null {
  const g = new Rng(p.seed * 15485863 + 11);
  const n = p.inputs.length;
  const pos = g.int(0, n);
  const argnum = g.chance(0.3) ? pos - (n + 1) : pos;
  const fn = programFunction(p);
  const f = jitImpl((...args: unknown[]) => {
    const s = args[pos] as number;
    const outs = fn(...(args.filter((_, i) => i !== pos) as WaxArray[]));
    return outs.map((_, k) => outs[(k + s) % outs.length]!);
  }, { staticArgnums: g.chance(0.5) ? argnum : [argnum] });
  const xs = p.inputs.map(makeInput);
  const transform = `jit((...args) => rotate(f(...args without args[${pos}]), args[${pos}]), { staticArgnums: ${argnum} })`;
  for (const s of [0, 1, 0]) {
    const args: unknown[] = [...xs];
    args.splice(pos, 0, s);
    let got: WaxArray[];
    try {
      got = withEagerBackend("wasm", () => f(...args) as WaxArray[]);
    } catch (e) {
      return { mode: "static", output: -1, message: `threw ${(e as Error).stack ?? e}`, transform };
    }
    for (let k = 0; k < p.outputs.length; k++) {
      const info = infos[p.outputs[(k + s) % p.outputs.length]!]!;
      const tol: Tolerance = info.err === 0 ? { kind: "exact" } : { kind: "abs", bound: 2 * info.err };
      const msg = compareArrays(got[k]!, info.ref, tol);
      if (msg) return { mode: "static", output: k, message: `static value ${s}: ${msg}`, transform };
    }
  }
  return null;
}

export type Mode = "vmap" | "static" | "pmap" | "nested";
export const MODES: readonly Mode[] = ["vmap", "static", "pmap", "nested"];

function checkMode(p: Program, mode: Mode, infos: ValueInfo[]): Failure | null {
  if (mode === "static") return checkStatic(p, infos);
  return checkMapped(p, mode, infos);
}

/** `p` under each of `modes`; the first disagreement, or null. A mode whose examples the oracle rejects is skipped. */
export function checkModes(p: Program, modes: readonly Mode[], infos: ValueInfo[] = analyzeProgram(p)): Failure | null {
  for (const mode of modes) {
    try {
      const f = checkMode(p, mode, infos);
      if (f) return f;
    } catch (e) {
      if (!(e instanceof Reject)) throw e;
    }
  }
  return null;
}

/** For the shrinker: the failure of `p` in the mode that `failure.mode` names, or null. */
export function modeFailureFinder(failure: Failure): ((p: Program) => Failure | null) | null {
  const mode = MODES.find((m) => failure.mode === m || failure.mode === `jit(${m})`);
  if (!mode) return null;
  return (p) => {
    try {
      return checkMode(p, mode, analyzeProgram(p));
    } catch (e) {
      if (e instanceof Reject) return null;
      throw e;
    }
  };
}
