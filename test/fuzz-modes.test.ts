// The fuzzer's transformations (test/fuzz/modes.ts, test/fuzz/cli.ts): what the npm test
// seeds cover, that each check catches a broken transformation (so a pass means
// something), and one batch of programs through `wax compile` and wax/runtime.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { deviceCount, jit, lax } from "../compiler/index.js";
import type { Array as WaxArray } from "../compiler/index.js";
import {
  type MapConfig, MODES, type Program, Reject, checkCli, checkMapped, checkStatic, generateProgram, mapConfig, mappedFunction,
  modelSource,
} from "./fuzz/index.js";

const SEEDS = Array.from({ length: 500 }, (_, i) => i + 1); // as in jit-programs.test.ts
const outRanks = (seed: number) => {
  const { program, infos } = generateProgram(seed);
  return { program, ranks: program.outputs.map((o) => infos[o]!.shape.length) };
};

test("the npm test seeds map programs every way: nested vmaps, pmap inside vmap and vmap inside pmap, unmapped and negative axes, each collective, pmap on 2 devices", () => {
  const seen = new Set<string>();
  for (const seed of SEEDS) {
    const mode = MODES[seed % MODES.length]!;
    if (mode === "static") continue;
    const { program, ranks } = outRanks(seed);
    const cfg = mapConfig(program, mode, ranks);
    seen.add(`${mode} levels ${cfg.levels.length}`);
    if (mode === "nested") seen.add(`nested ${cfg.levels.map((l) => l.transform).join(" of ")}${cfg.levels.some((l) => l.transform === "pmap" && l.size > 1) ? " on 2 devices" : ""}`);
    if (cfg.collective) seen.add(`${mode} ${cfg.collective.op}${cfg.collective.names.length > 1 ? " over both axes" : ""}`);
    for (const l of cfg.levels) {
      if (l.inAxes.some((a) => a === null)) seen.add(`${mode} unmapped input`);
      if (l.inAxes.some((a) => a !== null && a < 0)) seen.add(`${mode} negative in_axes`);
      if (l.outAxes.some((a) => a < 0)) seen.add(`${mode} negative out_axes`);
      if (l.size > 1) seen.add(`${mode} size > 1`);
    }
    if (cfg.intInAxes) seen.add(`${mode} one int for in_axes`);
  }
  const want = [
    "vmap levels 1", "vmap levels 2", "vmap psum", "vmap pmax", "vmap pmin", "vmap pmean", "vmap pmax over both axes",
    "vmap unmapped input", "vmap negative in_axes", "vmap negative out_axes", "vmap size > 1", "vmap one int for in_axes",
    "pmap levels 1", "pmap psum", "pmap pmean", "pmap unmapped input", "pmap negative in_axes",
    "nested levels 2", "nested psum", "nested psum over both axes", "nested vmap of pmap", "nested pmap of vmap",
    ...(deviceCount() >= 2 ? ["pmap size > 1", "nested vmap of pmap on 2 devices", "nested pmap of vmap on 2 devices"] : []),
  ];
  assert.equal(want.filter((w) => !seen.has(w)), [], `covered: ${[...seen].sort().join("; ")}`);
});

/** The first npm-test seed whose mapping has more than one example, fits `ok`, and that the oracle accepts. */
function seedWith(mode: "vmap" | "pmap", ok: (cfg: MapConfig, p: Program) => boolean): number {
  const seed = SEEDS.find((s) => {
    const { program, ranks } = outRanks(s);
    const cfg = mapConfig(program, mode, ranks);
    if (!cfg.levels.some((l) => l.size > 1) || !ok(cfg, program)) return false;
    try {
      return checkMapped(program, mode) === null;
    } catch (e) {
      if (e instanceof Reject) return false;
      throw e;
    }
  });
  assert.ok(seed !== undefined, `no seed for ${mode}`);
  return seed!;
}

test("checkMapped catches a mapping that mixes up examples or drops the collective", () => {
  // Examples reversed along the batch: every example reads another's inputs.
  const seed = seedWith("vmap", (cfg) => cfg.collective === null && cfg.levels.length === 1 && cfg.levels[0]!.inAxes.every((a) => a === 0));
  const { program } = generateProgram(seed);
  const reversed = (p: Program, cfg: MapConfig) => {
    const f = mappedFunction(p, cfg);
    return (...xs: WaxArray[]) => f(...xs.map((x) => lax.rev(x, [0])));
  };
  assert.ok(checkMapped(program, "vmap") === null, "the real vmap passes");
  const caught = checkMapped(program, "vmap", undefined, reversed);
  assert.ok(caught !== null && caught.mode === "vmap" && /example \[/.test(caught.message), JSON.stringify(caught));

  for (const mode of ["vmap", "pmap"] as const) {
    if (mode === "pmap" && deviceCount() < 2) continue;
    const s = seedWith(mode, (cfg) => cfg.collective?.op === "psum");
    const p = generateProgram(s).program;
    const noCollective = (q: Program, cfg: MapConfig) => mappedFunction(q, { ...cfg, collective: null });
    assert.ok(checkMapped(p, mode) === null, `the real ${mode} passes`);
    assert.ok(checkMapped(p, mode, undefined, noCollective) !== null, `${mode}: a missing psum is caught`);
  }
});

test("checkStatic catches a jit that ignores static values in its cache key", () => {
  const seed = SEEDS.find((s) => {
    const { program, infos } = generateProgram(s);
    const outs = program.outputs.map((o) => infos[o]!);
    return outs.length > 1 && outs[0]!.ref.shape.join() !== outs[1]!.ref.shape.join();
  })!;
  const { program } = generateProgram(seed);
  assert.is(checkStatic(program), null);
  const forgetful = ((fn: (...a: unknown[]) => unknown, opts: never) => {
    let first: unknown;
    return (...args: unknown[]) => (first ??= jit(fn, opts)(...args));
  }) as unknown as typeof jit;
  const caught = checkStatic(program, undefined, forgetful);
  assert.ok(caught !== null && caught.mode === "static" && caught.message.startsWith("static value 1"), JSON.stringify(caught));
});

test("a batch of programs compiled by the wax command and run through wax/runtime agree with the reference", async () => {
  const f = await checkCli([1, 2, 3, 4, 5, 6, 7, 8]);
  assert.is(f, null, f ? `${f.seed}: ${f.message}` : "");
  // The check itself: entries that compute another program (here the seeds' functions swapped) fail it.
  const swapped = (seeds: readonly number[], opts: object) =>
    modelSource(seeds, opts).replace("generateProgram(seed, opts)", "generateProgram(seed === 1 ? 4 : seed === 4 ? 1 : seed, opts)");
  const caught = await checkCli([1, 4], {}, swapped);
  assert.ok(caught !== null && caught.mode === "cli" && caught.seed === 1, JSON.stringify(caught));
});

test.run();
