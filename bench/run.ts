// npm run bench — what wax buys, side by side. Every workload runs in wax and in what a
// user would otherwise use (plain JS loops over typed arrays, jax-js, TensorFlow.js's wasm
// backend), in this run, on the same inputs; results are checked against the reference
// before anything is timed. Prints tables (progress on stderr) and writes JSON, Markdown
// and an SVG chart of the ratios to bench/results/ (a full run also updates bench/chart.svg).
//
//   node dist/bench/run.js [--quick] [--filter W3,W4] [--threads N] [--out DIR]

import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setDeviceCount } from "../compiler/index.js";
import { relaxedSimdAvailable } from "../compiler/backend/compile.js";
import { type Row, firstLine, runCase } from "./case.js";
import type { Context } from "./context.js";
import type { TimeOptions } from "./harness.js";
import { loadJaxJs } from "./peers/jaxjs.js";
import type { LibInfo } from "./peers/peer.js";
import { loadTfjs } from "./peers/tfjs.js";
import { type Results, markdownReport, terminalReport } from "./report.js";
import { ratioChart } from "./svg.js";
import { w1Seed } from "./workloads/w1-seed.js";
import { w2BatchedDot } from "./workloads/w2-batched-dot.js";
import { w3Matmul } from "./workloads/w3-matmul.js";
import { w4Elementwise } from "./workloads/w4-elementwise.js";
import { w5Softmax } from "./workloads/w5-softmax.js";
import { w6Mlp } from "./workloads/w6-mlp.js";
import { w7Sum } from "./workloads/w7-sum.js";
import { w8Pmap } from "./workloads/w8-pmap.js";
import { w9Compile } from "./workloads/w9-compile.js";
import { w10Train } from "./workloads/w10-train.js";
import { w11Temporaries } from "./workloads/w11-temporaries.js";

const WORKLOADS: [string, string, (ctx: Context) => Promise<void>][] = [
  // W9 first: nobody has compiled these functions yet (jax-js caches kernels globally).
  ["W9", "compile times", w9Compile],
  ["W1", "the seed: vmap(dot_product), first and steady jitted calls", w1Seed],
  ["W2", "batched dot, vmap of a vector dot", w2BatchedDot],
  ["W3", "matmul, GFLOP/s", w3Matmul],
  ["W4", "tanh(x * w + x) * 0.5", w4Elementwise],
  ["W5", "row softmax", w5Softmax],
  ["W6", "MLP forward pass, vmapped per-example function", w6Mlp],
  ["W7", "sum, against memory bandwidth", w7Sum],
  ["W8", "pmap scaling", w8Pmap],
  ["W10", "a training step: forward, backward, SGD update", w10Train],
  ["W11", "eager temporaries: np.exp alternating with np.sum(np.exp(x), -1)", w11Temporaries],
];

const USAGE = `usage: node dist/bench/run.js [--quick] [--filter W3,W4] [--threads N] [--out DIR]
  --quick      a short pass for smoke tests: small sizes, few repeats
  --filter     run only these workloads (${WORKLOADS.map((w) => w[0]).sort().join(", ")})
  --threads N  devices for pmap (W8), and threads asked of peers that have them (default: cores)
  --out DIR    where results go (default bench/results; only a full run there updates bench/chart.svg)`;

interface Options {
  quick: boolean;
  filter: string[] | null;
  threads: number;
  out: string | null;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { quick: false, filter: null, threads: availableParallelism(), out: null };
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) fail(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!, inline: string | undefined;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) [arg, inline] = [arg.slice(0, eq), arg.slice(eq + 1)];
    const take = () => inline ?? value(i++, arg);
    if (arg === "--quick") opts.quick = true;
    else if (arg === "--filter") {
      const ids = take().split(",").map((s) => s.trim().toUpperCase()).filter(Boolean);
      const unknown = ids.filter((id) => !WORKLOADS.some((w) => w[0] === id));
      if (unknown.length || ids.length === 0) fail(`--filter: unknown workload ${unknown.join(", ") || "(none given)"}`);
      opts.filter = ids;
    } else if (arg === "--threads") {
      const n = Number(take());
      if (!Number.isInteger(n) || n < 1) fail(`--threads must be a positive integer`);
      opts.threads = n;
    } else if (arg === "--out") opts.out = take();
    else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown argument ${arg}`);
  }
  return opts;
}

function fail(msg: string): never {
  console.error(`bench: ${msg}\n${USAGE}`);
  process.exit(2);
}

const root = fileURLToPath(new URL("../../", import.meta.url));
const started = performance.now();
const loadAtStart = loadavg()[0]!;
const log = (line: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  setDeviceCount(opts.threads);

  log("loading peers");
  const [jax, tf] = await Promise.all([loadJaxJs(), loadTfjs(opts.threads)]);
  for (const p of [jax, tf]) log(`  ${p.info.name} ${p.info.version}: ${p.info.loaded ? `${p.info.backend}, threads ${p.info.threads}` : p.info.note}`);
  const waxVersion = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
  const libraries: LibInfo[] = [
    {
      name: "wax",
      package: "wax",
      version: waxVersion,
      backend: `wasm SIMD from the direct encoder${relaxedSimdAvailable() ? " with relaxed SIMD (FMA)" : ""}, one shared memory`,
      threads: `1 (pmap in W8: up to ${opts.threads} devices)`,
      loaded: true,
    },
    { name: "plain JS", package: "node", version: process.version, backend: "loops over typed arrays", threads: "1", loaded: true },
    jax.info,
    tf.info,
  ];

  const timing: TimeOptions = opts.quick ? { repeats: 3, targetMs: 10, warmMs: 20, budgetMs: 300 } : { repeats: 7, targetMs: 60, warmMs: 150, budgetMs: 3000 };
  const rows: Row[] = [];
  const ctx: Context = {
    quick: opts.quick,
    threads: opts.threads,
    timing,
    jax,
    tf,
    log,
    run: async (c) => {
      const row = await runCase(c, timing, log);
      rows.push(row);
      return row;
    },
  };

  for (const [id, what, run] of WORKLOADS) {
    if (opts.filter && !opts.filter.includes(id)) continue;
    log(`== ${id} ${what}`);
    try {
      await run(ctx);
    } catch (e) {
      log(`${id} failed: ${(e as Error).stack ?? e}`);
      rows.push({
        id,
        name: what,
        tolerance: "",
        outcomes: [{ lib: "wax", what: "", status: "error", note: `the workload threw: ${firstLine(e)}` }],
        ratios: {},
      });
    }
  }
  const order = (id: string) => Number(id.slice(1));
  rows.sort((a, b) => order(a.id) - order(b.id)); // stable: sizes stay in order

  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  const results: Results = {
    schema: "wax-bench/1",
    date: new Date().toISOString(),
    quick: opts.quick,
    threads: opts.threads,
    filter: opts.filter,
    machine: { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: availableParallelism(), cpuModel: cpu, load: { start: loadAtStart, end: loadavg()[0]! } },
    libraries,
    timeUnit: "µs per call",
    ratio: "baseline median ÷ wax median: above 1, wax is faster",
    rows,
    seconds: (performance.now() - started) / 1000,
  };

  const outDir = resolve(opts.out ?? join(root, "bench/results"));
  mkdirSync(outDir, { recursive: true });
  const stamp = results.date.replace(/[:.]/g, "-").slice(0, 19);
  const json = JSON.stringify(results, null, 2) + "\n", svg = ratioChart(results), md = markdownReport(results) + "\n";
  writeFileSync(join(outDir, `bench-${stamp}.json`), json);
  writeFileSync(join(outDir, `bench-${stamp}.svg`), svg);
  for (const [name, text] of [["latest.json", json], ["latest.svg", svg], ["latest.md", md]] as const) writeFileSync(join(outDir, name), text);
  const full = !opts.quick && !opts.filter && opts.out === null;
  if (full) copyFileSync(join(outDir, "latest.svg"), join(root, "bench/chart.svg"));

  console.log(terminalReport(results));
  console.log(`\nresults: ${join(outDir, "latest.json")}, latest.md, latest.svg${full ? "; chart: bench/chart.svg" : ""}`);

  // A wrong answer from wax is a failure; a peer's is a finding, reported in its row.
  const waxWrong = rows.filter((r) => r.outcomes.some((o) => o.lib === "wax" && (o.status === "mismatch" || o.status === "error")));
  if (waxWrong.length) console.log(`\nwax failed ${waxWrong.length} row(s): ${waxWrong.map((r) => `${r.id} ${r.name}`).join("; ")}`);
  return waxWrong.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
