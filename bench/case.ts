// One benchmark row: a workload at one size, run by wax and by each baseline on the same
// inputs. Every implementation's result is compared with the reference before anything
// is timed; one that differs is reported as a mismatch and not timed at all.

import { type TimeOptions, type Timing, formatTiming, time, timeAsync } from "./harness.js";

export type Lib = "wax" | "plain JS" | "jax-js" | "tfjs";
export type Baseline = Exclude<Lib, "wax">;
export const LIBS: readonly Lib[] = ["wax", "plain JS", "jax-js", "tfjs"];
export const BASELINES: readonly Baseline[] = ["plain JS", "jax-js", "tfjs"];

/** Elementwise: |got − want| ≤ atol + rtol·|want|. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

export interface Impl {
  lib: Lib;
  /** How it ran, in the library's own terms: "jit(vmap(dot))", "tf.matMul", "i-k-j loops". */
  what: string;
  /** Set when this library cannot run the workload: why ("no vmap"). */
  na?: string;
  /** Set when setting it up failed: what went wrong. */
  error?: string;
  /** What a reader must know to compare it ("no vmap: written batched"). */
  caveat?: string;
  /** One call, its result read back as numbers: compared with the reference. */
  result?: () => ArrayLike<number> | Promise<ArrayLike<number>>;
  /** One call to time, freeing what it allocates. */
  call?: () => unknown;
  /** The same for a library whose results are awaited. */
  callAsync?: () => Promise<unknown>;
  /** A measurement of its own, for calls that cannot repeat in a loop (first calls). */
  measure?: () => Promise<Timing>;
  timing?: TimeOptions;
  /** Frees this implementation's inputs once the row is done. */
  cleanup?: () => void;
}

export interface Case {
  id: string;
  name: string;
  tolerance: Tolerance;
  /** The expected result: float64 arithmetic, the plain JS loops unless said otherwise. */
  reference: () => ArrayLike<number>;
  impls: Impl[];
  /** Floating-point operations per call: the row shows GFLOP/s. */
  flops?: number;
  /** After timing: extra measurements, a target, a note. */
  finish?: (row: Row) => void | Promise<void>;
}

export interface Outcome {
  lib: Lib;
  what: string;
  status: "ok" | "n/a" | "mismatch" | "error";
  /** Why it was not run, how it differed, what it threw, or (when ok) a caveat. */
  note?: string;
  timing?: Timing;
}

export interface Target {
  text: string; // "≥ 8× plain JS"
  value: string; // what was measured
  met: boolean | null; // null: not applicable in this run (another device count, --quick)
}

export interface Row {
  id: string;
  name: string;
  tolerance: string;
  outcomes: Outcome[];
  /** Baseline median ÷ wax median: above 1, wax is faster. */
  ratios: Partial<Record<Baseline, number>>;
  gflops?: Partial<Record<Lib, number>>;
  note?: string;
  target?: Target;
}

export function outcome(row: Row, lib: Lib): Outcome | undefined {
  return row.outcomes.find((o) => o.lib === lib);
}

export function describeTolerance(t: Tolerance): string {
  if (t.rtol === 0 && t.atol === 0) return "exact";
  return `|err| ≤ ${t.atol} + ${t.rtol}·|ref|`;
}

/** The first element outside the tolerance, described, or null when all agree. */
export function compare(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): string | null {
  if (got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  let bad = -1, count = 0;
  for (let i = 0; i < want.length; i++) {
    const g = Number(got[i]), w = Number(want[i]);
    if (!(Math.abs(g - w) <= tol.atol + tol.rtol * Math.abs(w))) {
      if (bad < 0) bad = i;
      count++;
    }
  }
  if (bad < 0) return null;
  return `${count} of ${want.length} elements differ, first at ${bad}: ${got[bad]} vs ${want[bad]} (${describeTolerance(tol)})`;
}

/** Checks every implementation, then times those whose results agree. */
export async function runCase(c: Case, timing: TimeOptions, log: (line: string) => void): Promise<Row> {
  log(`${c.id} ${c.name}`);
  const outcomes: Outcome[] = c.impls.map((impl) => ({ lib: impl.lib, what: impl.what, status: "ok" }));
  let reference: ArrayLike<number> | undefined;
  try {
    reference = c.reference();
  } catch (e) {
    for (const o of outcomes) Object.assign(o, { status: "error", note: `the reference threw: ${firstLine(e)}` });
  }
  c.impls.forEach((impl, i) => {
    const o = outcomes[i]!;
    if (impl.na !== undefined) Object.assign(o, { status: "n/a", note: impl.na });
    else if (impl.error !== undefined) Object.assign(o, { status: "error", note: impl.error });
    else if (impl.caveat !== undefined && o.status === "ok") o.note = impl.caveat;
  });
  for (const [i, impl] of c.impls.entries()) {
    const o = outcomes[i]!;
    if (o.status !== "ok" || !reference) continue;
    try {
      const got = await impl.result!();
      const diff = compare(got, reference, c.tolerance);
      if (diff !== null) Object.assign(o, { status: "mismatch", note: diff });
    } catch (e) {
      Object.assign(o, { status: "error", note: firstLine(e) });
    }
    log(`  check ${impl.lib.padEnd(8)} ${impl.what}: ${o.status}${o.note ? ` (${o.note})` : ""}`);
  }
  for (const [i, impl] of c.impls.entries()) {
    const o = outcomes[i]!;
    if (o.status !== "ok") continue;
    try {
      const opts = { ...timing, ...impl.timing };
      o.timing = impl.measure ? await impl.measure() : impl.call ? time(impl.call, opts) : await timeAsync(impl.callAsync!, opts);
      log(`  time  ${impl.lib.padEnd(8)} ${impl.what}: ${formatTiming(o.timing)}`);
    } catch (e) {
      Object.assign(o, { status: "error", note: firstLine(e) });
      log(`  time  ${impl.lib.padEnd(8)} ${impl.what}: error (${o.note})`);
    }
  }
  for (const impl of c.impls) {
    try {
      impl.cleanup?.();
    } catch {
      // a peer that cannot free its inputs leaks them; the numbers stand
    }
  }
  const row: Row = { id: c.id, name: c.name, tolerance: describeTolerance(c.tolerance), outcomes, ratios: {} };
  const wax = outcome(row, "wax")?.timing;
  for (const b of BASELINES) {
    const t = outcome(row, b)?.timing;
    if (wax && t) row.ratios[b] = t.median / wax.median;
  }
  if (c.flops !== undefined) {
    row.gflops = {};
    for (const o of outcomes) if (o.timing) row.gflops[o.lib] = c.flops / o.timing.median / 1e3;
  }
  await c.finish?.(row);
  return row;
}

export function firstLine(e: unknown): string {
  const msg = e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e);
  const line = msg.split("\n")[0]!;
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
