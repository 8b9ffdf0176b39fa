// Seeded random programs (test/fuzz/) run on the reference interpreter, as eager wasm
// kernels and under jit, and each under one transformation of test/fuzz/modes.ts in turn
// (vmap, a static argument, pmap). A fixed slice of seeds runs here; `npm run fuzz --
// --seed N --count M` runs long sweeps with every mode and the CLI. A failing seed prints
// a shrunk reproduction: the program, its inputs, expected vs got, and its jaxpr.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np } from "../compiler/index.js";
import {
  type Failure, MODES, type Op, type Program, Reject, Rng, analyzeOp, analyzeProgram, checkModes, checkProgram,
  compareArrays, deadCodeEliminate, describeProgram, findFailure, formatReproduction, generateProgram, makeInput,
  modeFailureFinder, shrinkProgram, ulpDistance, valueInfo,
} from "./fuzz/index.js";

const SEEDS = { first: 1, count: 500 };

for (let seed = SEEDS.first; seed < SEEDS.first + SEEDS.count; seed++) {
  const mode = MODES[seed % MODES.length]!;
  test(`random program, seed ${seed} (and under ${mode})`, () => {
    const { program, infos } = generateProgram(seed);
    const failure = checkProgram(program, infos) ?? checkModes(program, [mode], infos);
    if (failure) {
      const small = shrinkProgram(program, failure, 400, modeFailureFinder(failure) ?? findFailure);
      assert.unreachable(`seed ${seed}: ${failure.mode}: ${failure.message}\n\nshrunk reproduction:\n${formatReproduction(small.program, small.failure)}`);
    }
  });
}

// ---- the generator itself -----------------------------------------------------------------

test("generation is deterministic in the seed", () => {
  const a = generateProgram(7), b = generateProgram(7), c = generateProgram(8);
  assert.is(describeProgram(a.program), describeProgram(b.program));
  assert.is.not(describeProgram(a.program), describeProgram(c.program));
  assert.equal(makeInput(a.program.inputs[0]!).data(), makeInput(b.program.inputs[0]!).data());
  const r1 = new Rng(3), r2 = new Rng(3);
  assert.equal([r1.next(), r1.word(), r1.int(0, 9)], [r2.next(), r2.word(), r2.int(0, 9)]);
});

test("the seeds in npm test cover every op kind, float, int32 and bool values, nested jits and inexact outputs", () => {
  const kinds = new Set<string>(), dtypes = new Set<string>();
  let inexact = 0, ops = 0, nested = 0;
  for (let seed = SEEDS.first; seed < SEEDS.first + SEEDS.count; seed++) {
    const { program, infos } = generateProgram(seed);
    program.ops.forEach((op) => kinds.add(op.kind));
    nested += program.ops.filter((op) => op.nested).length;
    infos.forEach((v) => dtypes.add(v.dtype));
    ops += program.ops.length;
    if (program.outputs.some((o) => infos[o]!.err > 0)) inexact++;
  }
  const all = [
    "unary", "binary", "scalar", "npbinary", "reduce", "npreduce", "argreduce", "transpose", "reshape", "squeeze",
    "expand", "broadcast", "slice", "index", "rev", "concat", "dynslice", "select", "where", "convert", "ipow",
    "dot", "matmul", "iota", "clip", "nn", "constant", "vmapped",
  ];
  assert.equal(all.filter((k) => !kinds.has(k)), [], "op kinds never generated");
  assert.equal([...dtypes].sort(), ["bool", "float32", "int32"]);
  assert.ok(ops >= SEEDS.count * 5, `only ${ops} ops`);
  assert.ok(inexact >= 5, `only ${inexact} programs with an inexact output`);
  assert.ok(nested >= 5, `only ${nested} ops run through a nested jit`);
});

test("the error analysis: exact ops stay exact, transcendentals get a bound, jumps of inexact values are rejected", () => {
  const input = (values: number[]) => valueInfo(np.array(values, { dtype: "float32" }));
  const x = input([0.5, -1.5, 3]);
  assert.is(x.err, 0);
  const e = analyzeOp({ kind: "unary", fn: "exp", args: [0], r: 0 }, [x]);
  assert.ok(e.err > 0 && e.err < 1e-5, `exp bound ${e.err}`);
  assert.is(analyzeOp({ kind: "binary", fn: "add", args: [0, 0], r: 0 }, [x, x]).err, 0);
  assert.ok(analyzeOp({ kind: "binary", fn: "add", args: [0, 0], r: 0 }, [e, e]).err >= 2 * e.err);
  assert.throws(() => analyzeOp({ kind: "unary", fn: "floor", args: [0], r: 0 }, [e]), (err: unknown) => err instanceof Reject);
  assert.throws(() => analyzeOp({ kind: "binary", fn: "lt", args: [0, 0], r: 0 }, [e, x]), (err: unknown) => err instanceof Reject);
  assert.throws(() => analyzeOp({ kind: "convert", dtype: "int32", args: [0], r: 0 }, [e]), (err: unknown) => err instanceof Reject);
  // Cancellation: exp(x) - exp(x) computed twice is 0, and a bound on 0 is no fair test.
  assert.throws(() => analyzeOp({ kind: "binary", fn: "sub", args: [0, 0], r: 0 }, [e, e]), (err: unknown) => err instanceof Reject);
  // Sums of small integers are exact in any order; sums of reals are not.
  const ints = input([1, -2, 3, 4, 5]);
  assert.is(analyzeOp({ kind: "reduce", fn: "sum", args: [0], r: 1 }, [ints]).err, 0);
  assert.ok(analyzeOp({ kind: "reduce", fn: "sum", args: [0], r: 1 }, [input([0.1, 0.2, 0.3, 0.7, 1.1])]).err > 0);
});

test("comparison helpers: ulps, NaN, ±0, infinities", () => {
  assert.is(ulpDistance(1, 1), 0);
  assert.is(ulpDistance(1, 1.0000001192092896), 1);
  assert.is(ulpDistance(0, -0), 0);
  assert.is(ulpDistance(NaN, NaN), 0);
  assert.is(ulpDistance(NaN, 1), Infinity);
  assert.is(ulpDistance(Infinity, 3.4028234663852886e38), Infinity);
  const a = np.array([1, -0, NaN], { dtype: "float32" });
  assert.is(compareArrays(a, np.array([1, -0, NaN], { dtype: "float32" }), { kind: "exact" }), "");
  assert.match(compareArrays(a, np.array([1, 0, NaN], { dtype: "float32" }), { kind: "exact" }), /at \[1\].*got -0, expected 0/);
  assert.is(compareArrays(a, np.array([1.0000001192092896, -0, NaN], { dtype: "float32" }), { kind: "ulps", ulps: 1 }), "");
  assert.match(compareArrays(a, np.array([1, 0], { dtype: "float32" }), { kind: "exact" }), /expected float32\[2\]/);
  assert.match(compareArrays(a, np.array([1.5, 0, NaN], { dtype: "float32" }), { kind: "abs", bound: 0.1 }), /got 1, expected 1\.5/);
});

// ---- shrinking and reproductions --------------------------------------------------------------

test("the shrinker removes ops and shrinks inputs while a failure persists", () => {
  // A synthetic failure: "any rev of a value with a dim of size >= 2". The shrinker should
  // find one rev of a small input.
  const rev: Op = { kind: "rev", args: [0], r: 0b11 };
  const program: Program = {
    seed: 0,
    inputs: [{ shape: [4, 5, 3], dtype: "float32", kind: "real", seed: 1 }, { shape: [7], dtype: "int32", kind: "small", seed: 2 }],
    ops: [
      { kind: "unary", fn: "exp", args: [0], r: 0 },
      { kind: "transpose", args: [2], r: 3 },
      { ...rev, args: [3] },
      { kind: "unary", fn: "neg", args: [1], r: 0 },
      { kind: "reduce", fn: "sum", args: [4], r: 1 },
    ],
    outputs: [6, 5],
  };
  analyzeProgram(program); // well-typed
  const fake = (p: Program): Failure | null => {
    let vals;
    try {
      vals = analyzeProgram(p);
    } catch {
      return null;
    }
    const bad = p.ops.some((op, k) => op.kind === "rev" && vals[op.args[0]!]!.shape.some((d) => d >= 2) && vals[p.inputs.length + k] !== undefined);
    return bad ? { mode: "jit", output: 0, message: "synthetic" } : null;
  };
  const first = fake(program)!;
  const { program: small } = shrinkProgram(program, first, 400, fake);
  assert.is(small.ops.length, 1, describeProgram(small));
  assert.is(small.ops[0]!.kind, "rev");
  assert.is(small.inputs.length, 1);
  assert.ok(small.inputs[0]!.shape.reduce((a, b) => a * b, 1) <= 2, `input shape ${small.inputs[0]!.shape}`);
  assert.is(small.inputs[0]!.kind, "int", "data simplified to small integers");
});

test("dead code elimination renumbers values and drops unused inputs", () => {
  const p: Program = {
    seed: 0,
    inputs: [{ shape: [3], dtype: "float32", kind: "int", seed: 1 }, { shape: [3], dtype: "float32", kind: "int", seed: 2 }],
    ops: [{ kind: "unary", fn: "neg", args: [0], r: 0 }, { kind: "unary", fn: "abs", args: [1], r: 0 }, { kind: "binary", fn: "add", args: [3, 3], r: 0 }],
    outputs: [4],
  };
  const q = deadCodeEliminate(p);
  assert.is(q.inputs.length, 1);
  assert.equal(q.inputs[0]!.seed, 2);
  assert.equal(q.ops.map((o) => [o.fn, o.args]), [["abs", [0]], ["add", [1, 1]]]);
  assert.equal(q.outputs, [2]);
});

test("a reproduction names the program, inputs, expected vs got, and prints the jaxpr", () => {
  const p: Program = {
    seed: 0,
    inputs: [{ shape: [2, 3], dtype: "float32", kind: "int", seed: 5 }],
    ops: [{ kind: "transpose", args: [0], r: 1 }, { kind: "unary", fn: "exp", args: [1], r: 0 }],
    outputs: [2],
  };
  assert.is(findFailure(p), null);
  const text = formatReproduction(p, { mode: "jit", output: 0, message: "at [0, 0]: got 1, expected 2 (allowed: exact)" });
  assert.match(text, /const v1 = lax\.transpose\(v0, \[1, 0\]\); \/\/ float32\[3,2\]/);
  assert.match(text, /const v2 = lax\.exp\(v1\); \/\/ float32\[3,2\]/);
  assert.match(text, /v0 = \[/);
  assert.match(text, /expected \[/);
  assert.match(text, /got {6}\[/);
  assert.match(text, /\{ lambda ; a:f32\[2,3\]\. let/);
  assert.match(text, /transpose\[permutation=\(1, 0\)\]/);
});

test.run();
