// The random programs differentiated (test/fuzz/grad.ts): jvp against float64 central
// differences, vjp by the dot-product identity, and some programs' jvp and vjp run
// eagerly on wasm and under jit. A fixed slice of seeds runs here; `npm run fuzz --
// --grad --seed N --count M` runs long sweeps. A failing seed prints a shrunk reproduction.

import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Program } from "./fuzz/index.js";
import {
  analyzeProgram, makeInput, checkGradProgram, emptyGradStats, findGradFailure, formatGradReproduction, generateProgram, gradDataKinds, shrinkGradProgram,
} from "./fuzz/index.js";

const SEEDS = { first: 1, count: 60 };
const stats = emptyGradStats();

for (let seed = SEEDS.first; seed < SEEDS.first + SEEDS.count; seed++) {
  test(`random program differentiated, seed ${seed}`, () => {
    const { program, infos } = generateProgram(seed, { dataKinds: gradDataKinds });
    const execution = seed % 10 === 0;
    const failure = checkGradProgram(program, infos, { execution, stats });
    if (failure) {
      const small = shrinkGradProgram(program, failure, 200, execution);
      assert.unreachable(`seed ${seed}: ${failure.mode}: ${failure.message}\n\nshrunk reproduction:\n${formatGradReproduction(small.program, small.failure)}`);
    }
  });
}

test("the slice differentiates programs, checks tangents and identities, and masks few elements", () => {
  assert.ok(stats.programs >= SEEDS.count / 2, `only ${stats.programs} programs differentiated`);
  assert.ok(stats.identities >= stats.programs / 2, `only ${stats.identities} identities`);
  assert.ok(stats.checked >= 1000, `only ${stats.checked} tangent elements checked`);
  assert.ok(stats.masked <= stats.checked / 10, `${stats.masked} masked of ${stats.checked}`);
  assert.ok(stats.executed >= 3, `only ${stats.executed} run in float32`);
});

// Hand-made programs over one float32 input.
const program = (kind: "real" | "int", shape: number[], ops: Program["ops"]): Program => ({
  seed: 3, inputs: [{ shape, dtype: "float32", kind, seed: 11 }], ops, outputs: [ops.length],
});

test("a smooth program's tangents are checked element by element, with one identity", () => {
  const p = program("real", [3], [{ kind: "unary", fn: "sin", args: [0], r: 0 }, { kind: "unary", fn: "tanh", args: [1], r: 0 }]);
  const s = emptyGradStats();
  assert.is(checkGradProgram(p, analyzeProgram(p), { stats: s }), null);
  assert.equal([s.programs, s.checked, s.masked, s.identities], [1, 3, 0, 1]);
});

test("kinks are masked: abs at 0, where finite differences see neither slope", () => {
  const p = program("int", [16], [{ kind: "unary", fn: "abs", args: [0], r: 0 }]);
  const zeros = Array.from(makeInput(p.inputs[0]!).data()).filter((v) => v === 0).length;
  assert.ok(zeros >= 1, "the input has a 0");
  const s = emptyGradStats();
  assert.is(checkGradProgram(p, analyzeProgram(p), { stats: s }), null);
  assert.equal([s.checked, s.masked], [16 - zeros, zeros]);
});

test("stop_gradient is a constant to the finite differences too; sqrt(x - x) has JAX's NaN tangent, masked", () => {
  const p = program("real", [3], [{ kind: "unary", fn: "stopGradient", args: [0], r: 0 }, { kind: "binary", fn: "mul", args: [0, 1], r: 0 }]);
  assert.is(findGradFailure(p), null);
  const q = program("real", [3], [{ kind: "binary", fn: "sub", args: [0, 0], r: 0 }, { kind: "unary", fn: "sqrt", args: [1], r: 0 }]);
  assert.is(findGradFailure(q), null);
});

test.run();
