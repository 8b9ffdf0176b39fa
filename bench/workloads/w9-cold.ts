// W9, cold start: what a new user meets first. Each sample is a fresh Node process that
// imports the library (jax-js also runs its `init("wasm")`), then times its first eager
// `add` of two f32[3] arrays, or its first call of the seed's jit(vmap(dot)) on i32[5,4],
// each read back into JS. Import time is reported beside it, not counted.

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type Impl, outcome } from "../case.js";
import { type Context, na } from "../context.js";
import type { Timing } from "../harness.js";
import { plainSeed, seedInputs } from "./w1-seed.js";

type Task = "add" | "seed";
type Lib = "wax" | "jax-js";

interface Sample {
  importMs: number;
  firstMs: number;
  result: number[];
}

const WAX = new URL("../../compiler/index.js", import.meta.url).href;

/** The script a fresh process runs: import, then one timed first call. */
function script(lib: Lib, task: Task): string {
  const { a, b } = seedInputs();
  const load = lib === "wax"
    ? `const { numpy: np, jit, vmap } = await import(${JSON.stringify(WAX)});`
    : `const jax = await import("@jax-js/jax"); await jax.init("wasm"); jax.defaultDevice("wasm"); const { numpy: np, jit, vmap } = jax;`;
  const arr = (data: Int32Array) => `np.array(new Int32Array(${JSON.stringify([...data])}), { shape: [5, 4]${lib === "wax" ? `, dtype: "int32"` : ", dtype: np.int32"} })`;
  const read = lib === "wax" ? "data()" : "dataSync()";
  const body = task === "add"
    ? `const x = np.array(new Float32Array([1, 2, 3])), y = np.array(new Float32Array([4, 5, 6]));
       const t1 = performance.now(); const r = np.add(x, y).${read};`
    : `const x = ${arr(a)}, y = ${arr(b)};
       const t1 = performance.now(); const r = jit(vmap((p, q) => np.dot(p, q)))(x, y).${read};`;
  return `const t0 = performance.now(); ${load}
    ${body}
    const t2 = performance.now();
    console.log(JSON.stringify({ importMs: t1 - t0, firstMs: t2 - t1, result: Array.from(r) }));
    process.exit(0);`;
}

function fresh(lib: Lib, task: Task): Sample {
  // Run from the repository so that @jax-js/jax resolves from its node_modules.
  const cwd = fileURLToPath(new URL("../../..", import.meta.url));
  const res = spawnSync(process.execPath, ["--input-type=module", "-e", script(lib, task)], { cwd, encoding: "utf8" });
  const line = res.stdout.trim().split("\n").pop() ?? "";
  if (res.status !== 0 || !line.startsWith("{")) throw new Error(`${lib} in a fresh process failed: ${(res.stderr || res.stdout).trim().split("\n").pop()}`);
  return JSON.parse(line) as Sample;
}

const median = (v: number[]) => [...v].sort((x, y) => x - y)[v.length >> 1]!;

function coldImpl(lib: Lib, task: Task, samples: number, imports: number[]): Impl {
  const times: number[] = [];
  const what = task === "add" ? "first np.add in a fresh process" : "first jit(vmap(dot)) call in a fresh process";
  return {
    lib,
    what,
    result: () => {
      const s = fresh(lib, task);
      times.push(s.firstMs * 1000);
      imports.push(s.importMs);
      return s.result;
    },
    measure: async () => {
      while (times.length < samples) {
        const s = fresh(lib, task);
        times.push(s.firstMs * 1000);
        imports.push(s.importMs);
      }
      const sorted = [...times].sort((x, y) => x - y);
      const t: Timing = { median: median(sorted), min: sorted[0]!, max: sorted[sorted.length - 1]!, samples: sorted.length, loops: 1 };
      return t;
    },
  };
}

export async function w9Cold(ctx: Context): Promise<void> {
  const samples = ctx.quick ? 2 : 5;
  const jaxLoaded = ctx.jax.api !== undefined;
  for (const task of ["add", "seed"] as Task[]) {
    const imports: Record<Lib, number[]> = { wax: [], "jax-js": [] };
    const { a, b } = seedInputs();
    await ctx.run({
      id: "W9",
      name: task === "add" ? "cold start: first np.add f32[3] + read" : "cold start: first jit(vmap(dot)) call i32[5,4] + read",
      tolerance: { rtol: 0, atol: 0 },
      reference: () => (task === "add" ? [5, 7, 9] : plainSeed(a, b)),
      impls: [
        coldImpl("wax", task, samples, imports.wax),
        na("plain JS", "nothing to compile"),
        jaxLoaded ? coldImpl("jax-js", task, samples, imports["jax-js"]) : na("jax-js", ctx.jax.info.note ?? "not loaded"),
        na("tfjs", task === "add" ? "not measured" : "no jit"),
      ],
      finish: (row) => {
        const ms = (v: number[]) => (v.length ? `${median(v).toFixed(0)} ms` : "—");
        row.note = `import (not counted): wax ${ms(imports.wax)}, jax-js ${ms(imports["jax-js"])} with init("wasm"); medians of ${samples} processes`;
        const w = outcome(row, "wax")?.timing, j = outcome(row, "jax-js")?.timing;
        if (!w) return;
        const wMs = w.median / 1000;
        if (task === "add") row.target = { text: "wax ≤ 20 ms", value: `${wMs.toFixed(1)} ms`, met: wMs <= 20 };
        else {
          const ratio = j ? w.median / j.median : undefined;
          row.target = {
            text: "wax ≤ 20 ms and ≤ 0.8× jax-js",
            value: `${wMs.toFixed(1)} ms${ratio !== undefined ? `, ${ratio.toFixed(2)}×` : ""}`,
            met: wMs <= 20 && (ratio === undefined || ratio <= 0.8),
          };
        }
      },
    });
  }
}
