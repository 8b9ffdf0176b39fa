// The results, three ways: tables for the terminal, a Markdown table for the README, and
// JSON with everything measured (times in µs).

import { BASELINES, LIBS, type Lib, type Outcome, type Row, outcome } from "./case.js";
import { formatRatio, formatTime, formatTiming } from "./harness.js";
import type { LibInfo } from "./peers/peer.js";

export interface Machine {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  /** The 1-minute load average when the run started and when it ended: other processes share the cores. */
  load: { start: number; end: number };
}

export interface Results {
  schema: "wax-bench/1";
  date: string; // ISO
  quick: boolean;
  threads: number;
  filter: string[] | null;
  machine: Machine;
  libraries: LibInfo[];
  /** The unit of every timing. */
  timeUnit: "µs per call";
  /** How to read `ratios`. */
  ratio: string;
  rows: Row[];
  seconds: number;
}

export const RATIO_MEANING = "baseline median time ÷ wax median time: above 1×, wax is faster";

/** Numbered notes under a table; the same text gets the same number. */
class Footnotes {
  readonly list: string[] = [];
  mark(text: string): string {
    let i = this.list.indexOf(text);
    if (i < 0) i = this.list.push(text) - 1;
    return `[${i + 1}]`;
  }
}

const SHORT = 26;

function cell(o: Outcome | undefined, notes: Footnotes): string {
  if (!o) return "";
  switch (o.status) {
    case "ok":
      return formatTiming(o.timing!) + (o.note ? ` ${notes.mark(`${o.lib}: ${o.note}`)}` : "");
    case "n/a": {
      const text = `n/a: ${o.note}`;
      return text.length <= SHORT ? text : `n/a ${notes.mark(`${o.lib}: ${o.note}`)}`;
    }
    case "mismatch":
      return `MISMATCH ${notes.mark(`${o.lib} result differs from the reference: ${o.note}`)}`;
    case "error":
      return `error ${notes.mark(`${o.lib} failed: ${o.note}`)}`;
  }
}

function ratioCell(row: Row, lib: Exclude<Lib, "wax">): string {
  const r = row.ratios[lib];
  if (r !== undefined) return formatRatio(r);
  const o = outcome(row, lib), w = outcome(row, "wax");
  if (w && w.status !== "ok") return w.status === "mismatch" ? "wax MISMATCH" : `wax ${w.status}`;
  if (!o) return "";
  return o.status === "ok" ? "—" : o.status === "mismatch" ? "MISMATCH" : o.status;
}

function waxCell(row: Row): string {
  const w = outcome(row, "wax");
  if (!w?.timing) return w ? (w.status === "mismatch" ? "MISMATCH" : w.status) : "";
  const g = row.gflops?.wax;
  return formatTime(w.timing.median) + (g !== undefined ? `, ${g.toFixed(1)} GFLOP/s` : "");
}

function targetCell(row: Row): [string, string] {
  const t = row.target;
  if (!t) return ["", ""];
  return [`${t.text}: ${t.value}`, t.met === null ? "—" : t.met ? "yes" : "NO"];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => r.map((s, i) => (s ?? "").padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function libraryLines(libs: LibInfo[]): string[] {
  return libs.map((l) => {
    const v = l.loaded ? `${l.package} ${l.version}` : `${l.package} (${l.version})`;
    return `  ${l.name.padEnd(8)} ${v}; ${l.backend}; threads: ${l.threads}${l.note ? ` — ${l.note}` : ""}`;
  });
}

export function terminalReport(res: Results): string {
  const notes = new Footnotes();
  const name = (row: Row) => row.name + (row.note ? ` ${notes.mark(`${row.id} ${row.name}: ${row.note}`)}` : "");
  const times = table(
    ["id", "workload", ...LIBS],
    res.rows.map((row) => [row.id, name(row), ...LIBS.map((lib) => cell(outcome(row, lib), notes))]),
  );
  const ratios = table(
    ["id", "workload", "wax", ...BASELINES.map((b) => `vs ${b}`), "target", "met"],
    res.rows.map((row) => [row.id, row.name, waxCell(row), ...BASELINES.map((b) => ratioCell(row, b)), ...targetCell(row)]),
  );
  const tolerances = [...new Map(res.rows.map((r) => [`${r.id} ${r.name}`, r.tolerance])).entries()];
  return [
    `wax bench${res.quick ? " --quick" : ""} — ${res.date.slice(0, 10)}, node ${res.machine.node}, ${res.machine.platform}, ` +
      `${res.machine.cpus} cores (${res.machine.cpuModel}); --threads ${res.threads}; ` +
      `load average ${res.machine.load.start.toFixed(1)} at the start, ${res.machine.load.end.toFixed(1)} at the end`,
    "libraries:",
    ...libraryLines(res.libraries),
    "",
    "Times per call: median (min–max) over repeated runs after warm-up. Every result was checked",
    "against the reference (plain JS, float64 arithmetic) before timing; tolerances below.",
    "",
    times,
    "",
    `wax's speed-up: ${RATIO_MEANING}.`,
    "",
    ratios,
    "",
    ...(notes.list.length ? ["notes:", ...notes.list.map((n, i) => `  [${i + 1}] ${n}`), ""] : []),
    "tolerances (|got − ref|):",
    ...compactTolerances(tolerances),
    "",
    `${res.seconds.toFixed(0)} s in all`,
  ].join("\n");
}

function compactTolerances(list: [string, string][]): string[] {
  const byId = new Map<string, Set<string>>();
  for (const [key, tol] of list) {
    const id = key.split(" ")[0]!;
    byId.set(id, (byId.get(id) ?? new Set()).add(tol));
  }
  return [...byId.entries()].map(([id, tols]) => `  ${id}: ${id === "W9" ? "as in each workload's own row" : [...tols].join("; ")}`);
}

/** A Markdown table for the README: wax's time, each baseline's time with wax's speed-up. */
export function markdownReport(res: Results): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const base = (row: Row, lib: Exclude<Lib, "wax">) => {
    const o = outcome(row, lib);
    if (!o) return "";
    if (o.status !== "ok") return o.status === "n/a" ? `n/a: ${o.note}` : o.status === "mismatch" ? "mismatch" : "error";
    const r = row.ratios[lib];
    return `${formatTime(o.timing!.median)}${r !== undefined ? ` (**${formatRatio(r)}**)` : ""}`;
  };
  const lines = [
    `| | workload | wax | plain JS | jax-js | tfjs | target |`,
    `|---|---|---|---|---|---|---|`,
    ...res.rows.map((row) => {
      const [t, met] = targetCell(row);
      return `| ${row.id} | ${esc(row.name)} | ${esc(waxCell(row))} | ${BASELINES.map((b) => esc(base(row, b))).join(" | ")} | ${esc(t ? `${t} (${met})` : "")} |`;
    }),
  ];
  return [
    `Median time per call; in brackets, wax's speed-up (${RATIO_MEANING}).`,
    "",
    ...lines,
    "",
    `${res.date.slice(0, 10)}, node ${res.machine.node}, ${res.machine.cpus} cores (${res.machine.cpuModel}), --threads ${res.threads}` +
      `${res.quick ? ", --quick" : ""}; load average ${res.machine.load.start.toFixed(1)} at the start, ${res.machine.load.end.toFixed(1)} at the end.`,
    ...res.libraries.map((l) => `- ${l.name}: ${l.package} ${l.version}; ${l.backend}; threads: ${l.threads}${l.note ? ` — ${l.note}` : ""}`),
  ].join("\n");
}
