// `npm run bench` as a smoke test: `node dist/bench/run.js --quick` in a child process
// exits 0, prints both tables with a row for every workload (W1–W11), and writes its JSON,
// Markdown and SVG with the expected structure. No timing is asserted: only that every
// row was checked and, where it ran, timed.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = fileURLToPath(new URL("../../", import.meta.url));
const WORKLOADS = ["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9", "W10", "W11"];
const LIBS = ["wax", "plain JS", "jax-js", "tfjs"];
const STATUSES = ["ok", "n/a", "mismatch", "error"];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function bench(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "dist/bench/run.js"), ...args], { cwd: root });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

test("bench --quick: exits 0, prints every workload, writes JSON, Markdown and SVG", async () => {
  const out = mkdtempSync(join(tmpdir(), "wax-bench-"));
  try {
    const chartBefore = existsSync(join(root, "bench/chart.svg")) ? readFileSync(join(root, "bench/chart.svg"), "utf8") : null;
    const r = await bench("--quick", "--out", out);
    assert.is(r.code, 0, `bench exited with ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr.slice(-4000)}`);

    // Both tables: a row per workload in each.
    const rowLines = r.stdout.split("\n").filter((l) => /^W\d+\s/.test(l));
    for (const id of WORKLOADS) {
      assert.ok(rowLines.filter((l) => l.startsWith(`${id} `)).length >= 2, `no ${id} row in both tables:\n${r.stdout}`);
    }
    for (const header of ["workload", "vs plain JS", "vs jax-js", "vs tfjs", "target"]) assert.ok(r.stdout.includes(header), `missing column ${header}`);
    assert.match(r.stdout, /jax-js .*threads: \d/);
    assert.match(r.stdout, /tfjs .*threads: \d/);
    assert.match(r.stderr, /W3 /, "progress goes to stderr");

    // The JSON.
    const res = JSON.parse(readFileSync(join(out, "latest.json"), "utf8"));
    assert.is(res.schema, "wax-bench/1");
    assert.is(res.quick, true);
    assert.ok(Number.isInteger(res.threads) && res.threads >= 1);
    assert.type(res.machine.node, "string");
    assert.ok(res.machine.cpus >= 1);
    assert.equal(res.libraries.map((l: { name: string }) => l.name), LIBS);
    for (const lib of res.libraries) {
      for (const key of ["package", "version", "backend", "threads"]) assert.type(lib[key], "string", `${lib.name}.${key}`);
      assert.type(lib.loaded, "boolean");
    }
    assert.equal([...new Set(res.rows.map((row: { id: string }) => row.id))], WORKLOADS);
    for (const row of res.rows) {
      const where = `${row.id} ${row.name}`;
      assert.type(row.name, "string");
      assert.type(row.tolerance, "string");
      assert.equal(row.outcomes.map((o: { lib: string }) => o.lib), LIBS, where);
      for (const o of row.outcomes) {
        assert.ok(STATUSES.includes(o.status), `${where} ${o.lib}: status ${o.status}`);
        if (o.status === "ok") {
          const t = o.timing;
          assert.ok(t.min > 0 && t.min <= t.median && t.median <= t.max, `${where} ${o.lib}: timing ${JSON.stringify(t)}`);
        } else {
          assert.is(o.timing, undefined, `${where} ${o.lib}: a ${o.status} is not timed`);
          assert.type(o.note, "string", `${where} ${o.lib}: a ${o.status} says why`);
        }
      }
      assert.is(row.outcomes[0].status, "ok", `${where}: wax ran and agreed with the reference`);
      for (const [lib, ratio] of Object.entries(row.ratios)) {
        assert.ok(LIBS.slice(1).includes(lib) && (ratio as number) > 0, `${where}: ratio ${lib} ${ratio}`);
      }
      if (row.target) {
        assert.type(row.target.text, "string");
        assert.ok(row.target.met === null || typeof row.target.met === "boolean");
      }
    }
    assert.ok(res.rows.some((row: { gflops?: object }) => row.gflops), "W3 reports GFLOP/s");

    // Markdown and the chart.
    const md = readFileSync(join(out, "latest.md"), "utf8");
    for (const id of WORKLOADS) assert.ok(md.includes(`| ${id} |`), `latest.md lacks ${id}`);
    const svg = readFileSync(join(out, "latest.svg"), "utf8");
    assert.ok(svg.startsWith("<svg") && svg.trimEnd().endsWith("</svg>"), "latest.svg is an SVG document");
    assert.ok(svg.includes("W3 "), "the chart labels its rows");
    // A --quick run (or one with --out) leaves the committed chart alone.
    const chartAfter = existsSync(join(root, "bench/chart.svg")) ? readFileSync(join(root, "bench/chart.svg"), "utf8") : null;
    assert.is(chartAfter, chartBefore);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("bench: --filter runs only the named workloads; bad arguments exit 2 with usage", async () => {
  const out = mkdtempSync(join(tmpdir(), "wax-bench-"));
  try {
    const r = await bench("--quick", "--filter", "W1,W7", "--threads", "1", "--out", out);
    assert.is(r.code, 0, r.stderr.slice(-4000));
    const res = JSON.parse(readFileSync(join(out, "latest.json"), "utf8"));
    assert.equal([...new Set(res.rows.map((row: { id: string }) => row.id))], ["W1", "W7"]);
    assert.is(res.threads, 1);
    assert.equal(res.filter, ["W1", "W7"]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const bad = await bench("--filter", "W42");
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /unknown workload W42/);
  assert.match(bad.stderr, /usage:/);
});

test.run();
