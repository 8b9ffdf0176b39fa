// The runners: a program on the reference interpreter, as eager wasm kernels and under
// jit must agree (./modes.ts adds vmap, static arguments, pmap and the CLI); a failing
// program is shrunk and printed as a self-contained reproduction.

import { jit, makeJaxpr, withEagerBackend } from "../../compiler/index.js";
import type { Array as WaxArray } from "../../compiler/index.js";
import { type Tolerance, compareArrays } from "./compare.js";
import { type DataKind, type InputSpec, type Op, type Program, Reject, applyOp, makeInput } from "./ops.js";
import { type ValueInfo, analyzeProgram } from "./oracle.js";

// ---- running -------------------------------------------------------------------------------

/** The program as a JS function of its inputs, returning its outputs as a list. */
export function programFunction(p: Program): (...xs: WaxArray[]) => WaxArray[] {
  return (...xs) => {
    const env = [...xs];
    for (const op of p.ops) env.push(applyOp(op, op.args.map((a) => env[a]!), op.args.map(valueName)).out);
    return p.outputs.map((o) => env[o]!);
  };
}

const valueName = (i: number) => `v${i}`;

export function inputsOf(p: Program): WaxArray[] {
  return p.inputs.map(makeInput);
}

export interface Failure {
  /** "eager", "jit", or a transformation of ./modes.ts ("vmap", "jit(vmap)", "static", "pmap", "jit(pmap)", "cli"). */
  mode: string;
  /** Which output, or -1 for a crash. */
  output: number;
  message: string;
  /** For a transformation: how the program `f` was transformed, as code. */
  transform?: string;
}

/** Runs `p` on the reference, eagerly on wasm and under jit; the first disagreement, or null. */
export function checkProgram(p: Program, infos: ValueInfo[] = analyzeProgram(p)): Failure | null {
  const fn = programFunction(p);
  const xs = inputsOf(p);
  const want = withEagerBackend("reference", () => fn(...xs));
  const runs: [string, () => WaxArray[]][] = [
    ["eager", () => withEagerBackend("wasm", () => fn(...xs))],
    ["jit", () => withEagerBackend("wasm", () => jit(fn)(...xs) as WaxArray[])],
  ];
  for (const [mode, run] of runs) {
    let got: WaxArray[];
    try {
      got = run();
    } catch (e) {
      return { mode, output: -1, message: `threw ${(e as Error).stack ?? e}` };
    }
    for (let k = 0; k < p.outputs.length; k++) {
      const err = infos[p.outputs[k]!]!.err;
      const tol: Tolerance = err === 0 ? { kind: "exact" } : { kind: "abs", bound: 2 * err };
      const msg = compareArrays(got[k]!, want[k]!, tol);
      if (msg) return { mode, output: k, message: msg };
    }
  }
  return null;
}

// ---- shrinking -----------------------------------------------------------------------------

/** Drops ops and inputs that no output depends on, renumbering values. */
export function deadCodeEliminate(p: Program): Program {
  const nIn = p.inputs.length;
  const live = new Set(p.outputs);
  for (let k = p.ops.length - 1; k >= 0; k--) if (live.has(nIn + k)) p.ops[k]!.args.forEach((a) => live.add(a));
  const renum = new Map<number, number>();
  const inputs = p.inputs.filter((_, i) => live.has(i));
  p.inputs.forEach((_, i) => live.has(i) && renum.set(i, renum.size));
  const ops: Op[] = [];
  p.ops.forEach((op, k) => {
    if (!live.has(nIn + k)) return;
    ops.push({ ...op, args: op.args.map((a) => renum.get(a)!) });
    renum.set(nIn + k, renum.size);
  });
  return { ...p, inputs, ops, outputs: p.outputs.map((o) => renum.get(o)!) };
}

/** The failure of `p`, or null when it passes or is not a fair program (the analysis rejects it). */
export function findFailure(p: Program): Failure | null {
  let infos: ValueInfo[];
  try {
    infos = analyzeProgram(p);
  } catch (e) {
    if (e instanceof Reject) return null;
    throw e;
  }
  return checkProgram(p, infos);
}

/** Smaller variants of `p`, most aggressive first. */
function* candidates(p: Program): Generator<Program> {
  const nIn = p.inputs.length;
  // One output only: each value in turn, earliest first.
  for (let v = nIn; v < nIn + p.ops.length; v++) {
    if (p.outputs.length === 1 && p.outputs[0] === v) continue;
    yield deadCodeEliminate({ ...p, outputs: [v] });
  }
  // Bypass an op: its users read one of its operands instead.
  for (let k = p.ops.length - 1; k >= 0; k--) {
    for (const a of new Set(p.ops[k]!.args)) {
      const v = nIn + k;
      const sub = (x: number) => (x === v ? a : x > v ? x - 1 : x);
      const ops = p.ops.filter((_, j) => j !== k).map((op) => ({ ...op, args: op.args.map(sub) }));
      yield deadCodeEliminate({ ...p, ops, outputs: p.outputs.map(sub) });
    }
  }
  // Smaller inputs: fewer dims, smaller dims, simpler data.
  for (let i = 0; i < nIn; i++) {
    const s = p.inputs[i]!;
    const withInput = (spec: Partial<InputSpec>) => ({ ...p, inputs: p.inputs.map((x, j) => (j === i ? { ...x, ...spec } : x)) });
    for (let d = 0; d < s.shape.length; d++) yield withInput({ shape: s.shape.filter((_, j) => j !== d) });
    for (let d = 0; d < s.shape.length; d++) {
      for (const n of [1, 2, Math.floor(s.shape[d]! / 2), s.shape[d]! - 1]) {
        if (n >= 1 && n < s.shape[d]!) yield withInput({ shape: s.shape.map((x, j) => (j === d ? n : x)) });
      }
    }
    const simpler: DataKind = s.dtype === "float32" ? "int" : s.dtype === "int32" ? "small" : "bits";
    if (s.kind !== simpler) yield withInput({ kind: simpler });
  }
}

/** Shrinks a failing program while it still fails; returns the smallest found and its failure. */
export function shrinkProgram(
  p: Program,
  failure: Failure,
  budget = 400,
  fails: (p: Program) => Failure | null = findFailure,
): { program: Program; failure: Failure } {
  let best = deadCodeEliminate(p), bestFailure = failure, tries = 0;
  for (let progress = true; progress && tries < budget; ) {
    progress = false;
    for (const c of candidates(best)) {
      if (++tries > budget) break;
      const f = fails(c);
      if (f) {
        best = c;
        bestFailure = f;
        progress = true;
        break;
      }
    }
  }
  return { program: best, failure: bestFailure };
}

// ---- printing ------------------------------------------------------------------------------

/** The program as JS source over wax ops, with each value's type. */
export function describeProgram(p: Program): string {
  const xs = inputsOf(p);
  const lines: string[] = [];
  const names = p.inputs.map((_, i) => valueName(i));
  lines.push(`// seed ${p.seed}`);
  p.inputs.forEach((s, i) => lines.push(`// ${valueName(i)}: ${s.dtype}[${s.shape}] (${s.kind} data, seed ${s.seed})`));
  lines.push(`(${names.join(", ")}) => {`);
  withEagerBackend("reference", () => {
    const env = [...xs];
    p.ops.forEach((op, k) => {
      const v = p.inputs.length + k;
      try {
        const { out, code } = applyOp(op, op.args.map((a) => env[a]!), op.args.map(valueName));
        env.push(out);
        lines.push(`  const ${valueName(v)} = ${code}; // ${out.dtype}[${out.shape}]`);
      } catch (e) {
        lines.push(`  // ${valueName(v)}: ${op.kind} failed: ${(e as Error).message}`);
        env.push(env[0]!);
      }
    });
  });
  lines.push(`  return [${p.outputs.map(valueName).join(", ")}];`, "}");
  return lines.join("\n");
}

function dataString(x: WaxArray): string {
  const d = Array.from(x.data(), (v) => (Object.is(v, -0) ? "-0" : String(v)));
  return d.length > 64 ? `[${d.slice(0, 64).join(", ")}, ...] (${d.length} elements)` : `[${d.join(", ")}]`;
}

/** A self-contained report: the program, its inputs, expected vs got, and its jaxpr. */
export function formatReproduction(p: Program, failure: Failure): string {
  const fn = programFunction(p);
  const xs = inputsOf(p);
  const out: string[] = [describeProgram(p), ""];
  xs.forEach((x, i) => out.push(`${valueName(i)} = ${dataString(x)}`));
  out.push("", `${failure.mode} disagrees with the reference${failure.output >= 0 ? ` on output ${failure.output}` : ""}: ${failure.message}`);
  if (failure.transform) out.push(`the transformation, with f the program above: ${failure.transform}`);
  if (failure.output >= 0 && (failure.mode === "eager" || failure.mode === "jit")) {
    const want = withEagerBackend("reference", () => fn(...xs))[failure.output]!;
    let got: WaxArray | string;
    try {
      got = failure.mode === "jit" ? (jit(fn)(...xs) as WaxArray[])[failure.output]! : fn(...xs)[failure.output]!;
    } catch (e) {
      got = String(e);
    }
    out.push(`expected ${dataString(want)}`, `got      ${typeof got === "string" ? got : dataString(got)}`);
  }
  try {
    out.push("", String(makeJaxpr(fn)(...xs)));
  } catch (e) {
    out.push("", `(makeJaxpr failed: ${(e as Error).message})`);
  }
  return out.join("\n");
}
