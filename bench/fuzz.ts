// npm run fuzz -- --seed N --count M: a long sweep of seeded random programs (see
// test/fuzz/), each run on the reference interpreter, as eager wasm kernels, under jit,
// and under every transformation of test/fuzz/modes.ts (vmap with random in/out axes,
// nesting and collectives; jit with a static argument; pmap), and in batches through
// `wax compile` and wax/runtime. Prints progress, and for every disagreement a shrunk
// reproduction (the program, its inputs, expected vs got, its jaxpr, the transformation).
// Exits 1 if any program disagreed.
//
//   --seed N          first seed (default 1)
//   --count M         number of programs (default 1000)
//   --max-dim D       largest dim of a random input (default 6; larger dims give bigger arrays)
//   --max-size S      largest input, in elements (default 1024)
//   --max-elements E  largest intermediate result, in elements (default 4096)
//   --min-ops A --max-ops B   ops per program (default 3 to 15)
//   --shrink-budget K candidate programs tried while shrinking (default 400)
//   --stop-after F    stop after F failures (default 5)
//   --modes LIST      transformations, comma-separated (default vmap,static,pmap,nested; "none" for none)
//   --cli-batch B     programs per `wax compile` batch (default 100; 0: no CLI check)
//   --quiet           no progress lines
//   --grad            differentiate the programs instead (test/fuzz/grad.ts): jvp against float64
//                     finite differences, vjp by the dot-product identity, and every 10th program's
//                     jvp and vjp run eagerly on wasm and under jit

import {
  MODES, type Mode, type Program, checkCli, checkModes, checkProgram, describeProgram, findFailure,
  formatReproduction, generateProgram, limits, modeFailureFinder, shrinkProgram,
  checkGradProgram, emptyGradStats, formatGradReproduction, gradDataKinds, shrinkGradProgram,
} from "../test/fuzz/index.js";

function option(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) {
    console.error(`fuzz: --${name} needs a number, got ${process.argv[i + 1]}`);
    process.exit(2);
  }
  return v;
}

const first = option("seed", 1);
const count = option("count", 1000);
const maxDim = option("max-dim", 6);
const maxInputSize = option("max-size", 1024);
const budget = option("shrink-budget", 400);
const stopAfter = option("stop-after", 5);
const minOps = option("min-ops", 3), maxOps = option("max-ops", 15);
const quiet = process.argv.includes("--quiet");
const grad = process.argv.includes("--grad");
const gradStats = emptyGradStats();
const cliBatch = grad ? 0 : option("cli-batch", 100);
const modesArg = process.argv.includes("--modes") ? process.argv[process.argv.indexOf("--modes") + 1]! : MODES.join(",");
const modes = (modesArg === "none" ? [] : modesArg.split(",")) as Mode[];
for (const m of modes) {
  if (!MODES.includes(m)) {
    console.error(`fuzz: unknown mode ${m}; the modes are ${MODES.join(", ")}`);
    process.exit(2);
  }
}
const genOpts = { maxDim, maxInputSize, minOps, maxOps, ...(grad ? { dataKinds: gradDataKinds } : {}) };
limits.maxElements = option("max-elements", 4096);

const t0 = performance.now();
let failures = 0, ops = 0, last = first - 1;
const failedSeeds: number[] = [];
let batch: number[] = [], cliPrograms = 0;
/** Compiles the batch's programs with the wax command and checks them through wax/runtime. */
async function flushCli(): Promise<void> {
  if (batch.length === 0) return;
  const f = await checkCli(batch, genOpts);
  cliPrograms += batch.length;
  batch = [];
  if (f) {
    failures++;
    failedSeeds.push(f.seed);
    console.log(`\n=== seed ${f.seed}: ${f.mode} disagrees with the reference: ${f.message.split("\n")[0]}`);
  }
}
for (let k = 0; k < count && failures < stopAfter; k++) {
  const seed = first + k;
  last = seed;
  let program: Program;
  try {
    const gen = generateProgram(seed, genOpts);
    program = gen.program;
    ops += program.ops.length;
    if (grad) {
      const execution = seed % 10 === 0;
      const failure = checkGradProgram(program, gen.infos, { execution, stats: gradStats });
      if (failure) {
        failures++;
        failedSeeds.push(seed);
        console.log(`\n=== seed ${seed}: the ${failure.mode} check fails: ${failure.message.split("\n")[0]}`);
        console.log(`--- the program as generated:\n${describeProgram(program)}`);
        const small = shrinkGradProgram(program, failure, budget, execution);
        console.log(`--- shrunk reproduction:\n${formatGradReproduction(small.program, small.failure)}\n`);
      }
    }
    const failure = grad ? null : checkProgram(program, gen.infos) ?? checkModes(program, modes, gen.infos);
    if (failure) {
      failures++;
      failedSeeds.push(seed);
      console.log(`\n=== seed ${seed}: ${failure.mode} disagrees with the reference: ${failure.message.split("\n")[0]}`);
      console.log(`--- the program as generated:\n${describeProgram(program)}`);
      const small = shrinkProgram(program, failure, budget, modeFailureFinder(failure) ?? findFailure);
      console.log(`--- shrunk reproduction:\n${formatReproduction(small.program, small.failure)}\n`);
    }
  } catch (e) {
    // A crash of the generator or the reference itself: report it as a failure too.
    failures++;
    failedSeeds.push(seed);
    console.log(`\n=== seed ${seed}: the harness threw: ${(e as Error).stack}`);
  }
  if (cliBatch > 0) {
    batch.push(seed);
    if (batch.length >= cliBatch) await flushCli();
  }
  if (!quiet && (k + 1) % 100 === 0) {
    const s = (performance.now() - t0) / 1000;
    console.log(`${k + 1}/${count} programs (seeds ${first}..${seed}), ${ops} ops, ${failures} failing, ${s.toFixed(1)} s`);
  }
}
if (failures < stopAfter) await flushCli();
const secs = (performance.now() - t0) / 1000;
if (grad) {
  const g = gradStats;
  console.log(
    `grad: ${g.programs} programs differentiated, ${g.checked} tangent elements against finite differences ` +
      `(${g.masked} masked as not smooth), ${g.identities} dot-product identities, ${g.executed} run eagerly and under jit`,
  );
}
console.log(
  `fuzz: seeds ${first}..${last}: ${failures === 0 ? "all agree" : `${failures} failing (seeds ${failedSeeds.join(", ")})`}; ` +
    `${ops} ops; modes: eager, jit${modes.map((m) => `, ${m}`).join("")}${cliPrograms > 0 ? `; ${cliPrograms} programs through wax compile + wax/runtime` : ""}; ${secs.toFixed(1)} s`,
);
process.exit(failures > 0 ? 1 : 0);
