// The ahead-of-time path: a batch of random programs, written as a model module that
// exports one lowered entry per program, compiled by the `wax` command into one .wasm,
// loaded with wax/runtime and called with each program's inputs; every entry must agree
// with the reference as closely as the oracle allows.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { numpy as np, withEagerBackend } from "../../compiler/index.js";
import { WaxMemory, loadModule, type WaxResult } from "../../runtime/index.js";
import { type Tolerance, compareArrays } from "./compare.js";
import { type GenerateOptions, generateProgram } from "./generate.js";
import { limits } from "./ops.js";
import { inputsOf, type Failure } from "./run.js";

const DIST = fileURLToPath(new URL("../../", import.meta.url)); // dist/

/** The model module's source: one entry `p<seed>` per program, lowered at its input types. */
export function modelSource(seeds: readonly number[], opts: GenerateOptions): string {
  return [
    `import { jit, ShapeDtypeStruct } from "wax";`,
    `import { generateProgram, limits, programFunction } from ${JSON.stringify(new URL("test/fuzz/index.js", `file://${DIST}`).href)};`,
    `const opts = ${JSON.stringify(opts)};`,
    `limits.maxElements = ${limits.maxElements};`,
    `export const entries = Object.fromEntries(${JSON.stringify(seeds)}.map((seed) => {`,
    `  const { program } = generateProgram(seed, opts);`,
    `  const specs = program.inputs.map((s) => new ShapeDtypeStruct(s.shape, s.dtype));`,
    `  return [\`p\${seed}\`, jit(programFunction(program)).lower(...specs)];`,
    `}));`,
    "",
  ].join("\n");
}

/**
 * Compiles the programs of `seeds` with `wax compile`, loads the module and checks every
 * entry. Returns the first failure with its seed, or null.
 */
export async function checkCli(
  seeds: readonly number[],
  opts: GenerateOptions = {},
  source: (seeds: readonly number[], opts: GenerateOptions) => string = modelSource,
): Promise<(Failure & { seed: number }) | null> {
  const dir = mkdtempSync(join(tmpdir(), "wax-fuzz-cli-"));
  try {
    const model = join(dir, "model.mjs"), wasm = join(dir, "model.wasm");
    writeFileSync(model, source(seeds, opts));
    const res = spawnSync(process.execPath, [join(DIST, "cli/main.js"), "compile", model, "-o", wasm], { encoding: "utf8" });
    if (res.status !== 0) {
      return { seed: seeds[0]!, mode: "cli", output: -1, message: `wax compile failed (seeds ${seeds.join(", ")}): ${res.stderr.trim()}` };
    }
    const mod = await loadModule(readFileSync(wasm), { name: "model.wasm", memory: new WaxMemory(1) });
    try {
      for (const seed of seeds) {
        const { program, infos } = generateProgram(seed, opts);
        const xs = inputsOf(program);
        let got: WaxResult[];
        try {
          const r = mod.call(`p${seed}`, ...xs.map((x) => ({ data: x.data(), shape: [...x.shape] })));
          got = Array.isArray(r) ? r : [r];
        } catch (e) {
          return { seed, mode: "cli", output: -1, message: `calling entry p${seed} threw ${(e as Error).stack ?? e}` };
        }
        for (let k = 0; k < program.outputs.length; k++) {
          const info = infos[program.outputs[k]!]!;
          const tol: Tolerance = info.err === 0 ? { kind: "exact" } : { kind: "abs", bound: 2 * info.err };
          const g = withEagerBackend("reference", () => np.array(got[k]!.data, { shape: got[k]!.shape, dtype: got[k]!.dtype }));
          const msg = compareArrays(g, info.ref, tol);
          if (msg) return { seed, mode: "cli", output: k, message: `entry p${seed}: ${msg}`, transform: "wax compile, then loadModule(...).call(...)" };
        }
      }
    } finally {
      mod.dispose();
    }
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
