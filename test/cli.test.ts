// The `wax` command end to end: compile the fixture models with the built CLI, inspect the
// modules, run them through `wax run` and through the plain WebAssembly API (placing the
// arguments by hand, as the README's ABI section says), and compare with the reference
// interpreter. Then every kind of bad input: one line on stderr, a non-zero exit code.

import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np, withEagerBackend } from "../compiler/index.js";
import * as model from "./fixtures/model.js";
import { expectClose } from "./util.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const cli = join(root, "dist/cli/main.js");
const fixture = (name: string) => join("test/fixtures", name);

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli/main.js ...args` from the repository root. */
function wax(...args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function ok(r: Result, what: string): Result {
  assert.is(r.code, 0, `${what} exited with ${r.code}: ${r.stderr}`);
  return r;
}

/** A failure: non-zero exit, exactly one line on stderr, which matches every pattern. */
function fails(r: Result, ...patterns: (string | RegExp)[]): void {
  assert.ok(r.code !== 0 && r.code !== null, `expected a failure, got exit code ${r.code}; stdout ${r.stdout}`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.is(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  for (const p of patterns) {
    const hit = typeof p === "string" ? lines[0]!.includes(p) : p.test(lines[0]!);
    assert.ok(hit, `stderr ${JSON.stringify(lines[0])} does not match ${String(p)}`);
  }
}

type Typed = Float32Array | Int32Array | Uint8Array;
interface Spec {
  shape: number[];
  dtype: "float32" | "int32" | "bool";
}

/**
 * Calls an entry with the plain WebAssembly API, following the ABI: a shared memory
 * imported as env.memory; the export takes the byte addresses of the inputs, the outputs,
 * a scratch block and the consts (from the manifest), each 16-byte aligned.
 */
function callByHand(bytes: Uint8Array, entry: string, inputs: Typed[]): Typed[] {
  const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  const manifest = JSON.parse(new TextDecoder().decode(WebAssembly.Module.customSections(module, "wax.manifest")[0]!));
  const spec = manifest.entries.find((e: { name: string }) => e.name === entry);
  const nbytes = (t: Spec) => t.shape.reduce((a, b) => a * b, 1) * (t.dtype === "bool" ? 1 : 4);
  const consts = (spec.consts as { data: string }[]).map((c) => new Uint8Array(Buffer.from(c.data, "base64")));
  // Lay everything out with a bump pointer; address 0 is left unused.
  let top = 16;
  const place = (n: number) => {
    const at = top;
    top += Math.max(16, Math.ceil(n / 16) * 16);
    return at;
  };
  const inPtrs = (spec.inputs as Spec[]).map((t) => place(nbytes(t)));
  const outPtrs = (spec.outputs as Spec[]).map((t) => place(nbytes(t)));
  const scratch = place(spec.scratchBytes);
  const constPtrs = consts.map((c) => place(c.length));
  const memory = new WebAssembly.Memory({ initial: Math.ceil(top / 65536), maximum: 65536, shared: true });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const u8 = new Uint8Array(memory.buffer);
  inputs.forEach((x, i) => u8.set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength), inPtrs[i]!));
  consts.forEach((c, i) => u8.set(c, constPtrs[i]!));
  (instance.exports[entry] as (...ptrs: number[]) => void)(...inPtrs, ...outPtrs, scratch, ...constPtrs);
  return (spec.outputs as Spec[]).map((t, j) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const Ctor = t.dtype === "float32" ? Float32Array : t.dtype === "int32" ? Int32Array : Uint8Array;
    return new Ctor(memory.buffer, outPtrs[j]!, n).slice();
  });
}

// Inputs and the reference interpreter's results for the fixture's entries.
const X = [[1, 2, 3], [4, 5, 6], [-7, 8, 0.5], [1, 0, 0]];
const B = [0.5, -0.5];
const T = 2.5;
const X8 = Array.from({ length: 8 }, (_, i) => [i, -i / 2, 1]);
const reference = withEagerBackend("reference", () => ({
  predict: model.mlp(np.array(X), np.array(B)).toList() as number[][],
  count: model.above(np.array(X), np.array(T)).map((a) => a.toList()) as [number[], boolean[][]],
  norms: np.sqrt(np.sum(np.multiply(np.array(X8), np.array(X8)), 1)).toList() as number[],
}));

const Cli = suite("cli");
const tmp = mkdtempSync(join(tmpdir(), "wax-cli-"));
const out = (name: string) => join(tmp, name);
let compiled: Record<"o2" | "o0" | "o3", Result>;

Cli.before(async () => {
  // The slow part (Binaryen) in parallel: the fixture with the defaults, the fixture -O0
  // without SIMD, and a JS model -O3 that lives outside the repository, so that "wax"
  // resolves through the CLI's hook, not through node_modules.
  copyFileSync(join(root, fixture("plain.mjs")), out("plain.mjs"));
  const [o2, o0, o3] = await Promise.all([
    wax("compile", fixture("model.ts"), "-o", out("model.wasm"), "--print-jaxpr", "--wat"),
    wax("compile", fixture("model.ts"), "-o", out("o0/model.wasm"), "-O0", "--no-simd", "--wat", "--export", "predict", "--export", "count"),
    wax("compile", out("plain.mjs"), "-O", "3"),
  ]);
  compiled = { o2: o2!, o0: o0!, o3: o3! };
});

Cli.after(() => rmSync(tmp, { recursive: true, force: true }));

Cli("--help and --version", async () => {
  const [help, version, ...sub] = await Promise.all([
    wax("--help"), wax("--version"),
    wax("compile", "--help"), wax("inspect", "--help"), wax("run", "--help"), wax("jaxpr", "--help"),
  ]);
  for (const c of ["compile", "inspect", "run", "jaxpr"]) assert.ok(ok(help!, "--help").stdout.includes(c), `--help lists ${c}`);
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  assert.is(ok(version!, "--version").stdout.trim(), pkg.version);
  const [compile, inspect, run, jaxpr] = sub.map((r, i) => ok(r, `subcommand ${i} --help`).stdout);
  for (const o of ["--output", "--export", "--optimize", "--no-simd", "--wat", "--print-jaxpr"]) assert.ok(compile!.includes(o), `compile --help: ${o}`);
  assert.ok(inspect!.includes("--json"));
  assert.ok(run!.includes("--args") && run!.includes("--args-file") && run!.includes("<entry>"));
  assert.ok(jaxpr!.includes("--export"));
  // No subcommand: the help, and a failure exit code.
  const none = await wax();
  assert.ok(none.code !== 0 && none.stderr.includes("Usage: wax"));
});

Cli("compile: progress and sizes on stderr, jaxprs on stdout", () => {
  const r = ok(compiled.o2, "compile");
  for (const name of ["predict", "count", "norms_b1", "norms_b8"]) assert.ok(r.stderr.includes(name), `progress names ${name}`);
  assert.ok(r.stderr.includes("(float32[4,3], float32[2]) -> (float32[4,2])"), r.stderr);
  assert.match(r.stderr, /entry\s+inputs\s+outputs\s+scratch\s+consts/);
  assert.match(r.stderr, /predict\s+56 B\s+32 B\s+\d+ B\s+24 B/);
  assert.ok(r.stdout.includes(`# predict\n${String(model.predict.jaxpr)}\n`), r.stdout);
  const bytes = readFileSync(out("model.wasm"));
  assert.ok(WebAssembly.validate(bytes), "the output validates");
  assert.ok(r.stderr.includes(`wrote ${out("model.wasm")}`));
  // The plain JS model outside the repository; the default output sits beside it.
  ok(compiled.o3, "compile plain.mjs -O 3");
  assert.ok(existsSync(out("plain.wasm")), "plain.wasm beside plain.mjs");
});

Cli("compile --wat, -O 0, --no-simd, --export", () => {
  ok(compiled.o0, "compile -O0 --no-simd");
  const simdText = readFileSync(out("model.wat"), "utf8");
  assert.ok(simdText.startsWith("(module"), "a .wat next to the .wasm");
  assert.match(simdText, /f32x4|v128/);
  const noSimd = readFileSync(out("o0/model.wasm"));
  assert.ok(WebAssembly.validate(noSimd));
  const manifest = JSON.parse(new TextDecoder().decode(WebAssembly.Module.customSections(new WebAssembly.Module(noSimd), "wax.manifest")[0]!));
  assert.ok(!manifest.features.includes("simd128"), `features ${manifest.features}`);
  assert.equal(manifest.entries.map((e: { name: string }) => e.name), ["predict", "count"]);
  const text = readFileSync(out("o0/model.wat"), "utf8");
  assert.not.match(text, /v128|f32x4|i32x4|i8x16/);
});

Cli("inspect: entries, shapes, dtypes, ABI, size, features", async () => {
  const [text, json] = await Promise.all([wax("inspect", out("model.wasm")), wax("inspect", out("model.wasm"), "--json")]);
  const t = ok(text, "inspect").stdout;
  const size = readFileSync(out("model.wasm")).length;
  assert.ok(t.includes("ABI version 1") && t.includes(`${size} bytes`), t);
  assert.ok(t.includes("SIMD") && t.includes("threads"), t);
  assert.match(t, /predict\s+float32\[4,3\], float32\[2\]\s+float32\[4,2\]/);
  assert.match(t, /count\s+float32\[4,3\], float32\[\]\s+int32\[4\], bool\[4,3\]/);
  const j = JSON.parse(ok(json, "inspect --json").stdout);
  assert.is(j.abi, 1);
  assert.is(j.bytes, size);
  assert.equal(j.features, ["simd128", "threads"]);
  const predict = j.entries.find((e: { name: string }) => e.name === "predict");
  assert.equal(predict.inputs, [{ shape: [4, 3], dtype: "float32" }, { shape: [2], dtype: "float32" }]);
  assert.equal(predict.outputs, [{ shape: [4, 2], dtype: "float32" }]);
  assert.equal(predict.consts, [{ shape: [3, 2], dtype: "float32", bytes: 24 }]);
});

Cli("run: results as JSON, equal to the reference interpreter", async () => {
  writeFileSync(out("args.json"), JSON.stringify([X8]));
  const [predict, count, norms, o0, dbl] = await Promise.all([
    wax("run", out("model.wasm"), "predict", "--args", JSON.stringify([X, B])),
    wax("run", out("model.wasm"), "count", "--args", JSON.stringify([X, T])),
    wax("run", out("model.wasm"), "norms_b8", "--args-file", out("args.json")),
    wax("run", out("o0/model.wasm"), "predict", "--args", JSON.stringify([X, B])),
    wax("run", out("plain.wasm"), "double", "--args", "[[1, -2, 3]]"),
  ]);
  expectClose(JSON.parse(ok(predict, "run predict").stdout), [reference.predict], 1e-5);
  assert.equal(JSON.parse(ok(count, "run count").stdout), reference.count);
  expectClose(JSON.parse(ok(norms, "run norms_b8").stdout), [reference.norms], 1e-5);
  expectClose(JSON.parse(ok(o0, "run -O0 --no-simd").stdout), [reference.predict], 1e-5);
  assert.equal(JSON.parse(ok(dbl, "run double (-O 3)").stdout), [[2, -4, 6]]);
});

Cli("the plain WebAssembly API, following the ABI", () => {
  const x = Float32Array.from(X.flat()), b = Float32Array.from(B), t = Float32Array.of(T);
  for (const file of ["model.wasm", "o0/model.wasm"]) {
    const bytes = readFileSync(out(file));
    const [y] = callByHand(bytes, "predict", [x, b]);
    expectClose(Array.from(y!), reference.predict.flat(), 1e-5);
    const [n, mask] = callByHand(bytes, "count", [x, t]);
    assert.equal(Array.from(n!), reference.count[0]);
    assert.equal(Array.from(mask!, (v) => v === 1), reference.count[1].flat());
  }
  const [norms] = callByHand(readFileSync(out("model.wasm")), "norms_b8", [Float32Array.from(X8.flat())]);
  expectClose(Array.from(norms!), reference.norms, 1e-5);
  const [doubled] = callByHand(readFileSync(out("plain.wasm")), "double", [Int32Array.of(1, -2, 3)]);
  assert.equal(Array.from(doubled!), [2, -4, 6]);
});

Cli("jaxpr: JAX's text of each entry", async () => {
  // A two-file TypeScript model outside any package: "wax" resolves through the CLI, and
  // its import/export syntax makes it an ES module.
  mkdirSync(out("outside"));
  writeFileSync(out("outside/layers.ts"), 'import { numpy as np } from "wax";\nexport const dense = (x: np.Array, w: np.Array): np.Array => np.nn.relu(np.matmul(x, w));\n');
  writeFileSync(
    out("outside/net.ts"),
    'import { jit, numpy as np, ShapeDtypeStruct } from "wax";\nimport { dense } from "./layers.js";\n' +
      'export const forward = jit((x: np.Array) => dense(x, np.ones([3, 5]))).lower(new ShapeDtypeStruct([2, 3], "float32"));\n',
  );
  const [one, all, outside] = await Promise.all([
    wax("jaxpr", fixture("model.ts"), "--export", "predict"),
    wax("jaxpr", fixture("model.ts")),
    wax("jaxpr", out("outside/net.ts")),
  ]);
  assert.match(ok(outside, "jaxpr of a model outside the repository").stdout, /^\{ lambda ; a:f32\[2,3\]\. let\n(.*\n)*    d:f32\[2,5\] = custom_jvp_call\[\n      call_jaxpr=\{ lambda ; e:f32\[2,5\]\. let f:f32\[2,5\] = max e 0\.0 in \(f,\) \}\n(.*\n)*    \] c\n  in \(d,\) \}\n$/);
  assert.is(ok(one, "jaxpr --export predict").stdout, `${String(model.predict.jaxpr)}\n`);
  const text = ok(all, "jaxpr").stdout;
  assert.ok(text.includes(`# count\n${String(model.count.jaxpr)}\n`), text);
  assert.ok(text.includes(`# norms_b8\n${String(model.entries.norms_b8!.jaxpr)}\n`), text);
});

// Hand-made modules: a custom section with a manifest, and optionally an export `predict`
// of type () -> void.
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
const str = (s: string) => [...leb(Buffer.byteLength(s)), ...Buffer.from(s)];
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
function handMade(manifest?: object, exportPredict = false): Uint8Array {
  const bytes = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
  if (exportPredict) {
    bytes.push(...section(1, [1, 0x60, 0, 0]), ...section(3, [1, 0]), ...section(7, [1, ...str("predict"), 0, 0]), ...section(10, [1, 2, 0, 0x0b]));
  }
  if (manifest) bytes.push(...section(0, [...str("wax.manifest"), ...Buffer.from(JSON.stringify(manifest))]));
  return Uint8Array.from(bytes);
}

Cli("bad modules: one line naming the file, exit code 1", async () => {
  const entry = { name: "predict", inputs: [{ shape: [2], dtype: "float32" }], outputs: [{ shape: [2], dtype: "float32" }], scratchBytes: 0, consts: [] };
  writeFileSync(out("not.wasm"), "this is not wasm\n");
  writeFileSync(out("empty.wasm"), handMade());
  writeFileSync(out("abi2.wasm"), handMade({ abi: 2, generator: "wax 9", features: [], entries: [] }));
  writeFileSync(out("missing.wasm"), handMade({ abi: 1, generator: "wax", features: [], entries: [entry] }));
  writeFileSync(out("arity.wasm"), handMade({ abi: 1, generator: "wax", features: [], entries: [entry] }, true));
  assert.ok(WebAssembly.validate(readFileSync(out("arity.wasm"))), "the hand-made module is valid wasm");
  const [notWasm, noManifest, abi2, missing, arity, arityInspect, nofile] = await Promise.all([
    wax("inspect", out("not.wasm")),
    wax("inspect", out("empty.wasm")),
    wax("inspect", out("abi2.wasm")),
    wax("inspect", out("missing.wasm")),
    wax("run", out("arity.wasm"), "predict", "--args", "[[1, 2]]"),
    wax("inspect", out("arity.wasm")),
    wax("run", out("nothere.wasm"), "predict"),
  ]);
  fails(notWasm!, /^wax inspect: /, out("not.wasm"), "not a WebAssembly module");
  fails(noManifest!, out("empty.wasm"), "not a wax module", "wax.manifest");
  fails(abi2!, out("abi2.wasm"), "ABI version 2 is not supported");
  fails(missing!, out("missing.wasm"), "entry predict", "does not export");
  fails(arity!, /^wax run: /, out("arity.wasm"), "does not match", "predict takes 0 parameters");
  ok(arityInspect!, "inspect shows what the manifest says");
  fails(nofile!, out("nothere.wasm"), "no such file");
});

Cli("bad models: one line naming the file or export, exit code 1", async () => {
  const [throwing, none, nope, notLowered, missing, verbose] = await Promise.all([
    wax("compile", fixture("throws.ts"), "-o", out("throws.wasm")),
    wax("compile", fixture("no-entries.ts"), "-o", out("none.wasm")),
    wax("compile", fixture("model.ts"), "--export", "nope", "-o", out("nope.wasm")),
    wax("jaxpr", fixture("model.ts"), "--export", "mlp"),
    wax("jaxpr", fixture("absent.ts")),
    wax("compile", fixture("throws.ts"), "-o", out("throws.wasm"), "--verbose"),
  ]);
  fails(throwing!, /^wax compile: /, "test/fixtures/throws.ts: failed to load (at test/fixtures/throws.ts:5:", "matmul");
  fails(none!, "test/fixtures/no-entries.ts: exports no entry points", "double is a jitted function");
  fails(nope!, "test/fixtures/model.ts: no entry named nope", "entries: count, norms_b1, norms_b8, predict");
  fails(notLowered!, /^wax jaxpr: /, "export mlp is a function, not a lowered function", "jit(mlp).lower(");
  fails(missing!, "test/fixtures/absent.ts: no such file");
  assert.ok(verbose!.code === 1 && verbose!.stderr.split("\n").length > 2 && verbose!.stderr.includes("    at "), "--verbose adds the stack");
  assert.ok(!existsSync(out("throws.wasm")) && !existsSync(out("nope.wasm")), "no output on failure");
  const badLevel = await wax("compile", fixture("model.ts"), "-O", "7");
  fails(badLevel, "-O", "0, 1, 2, 3 or 4");
});

Cli("a syntax error in the model: its file:line:column comes first (TypeScript through tsx, JavaScript through Node)", async () => {
  writeFileSync(out("syntax.ts"), 'import { jit } from "wax";\nexport const f = jit((x: number) => x)\n  .lower(;\n');
  writeFileSync(out("syntax.mjs"), "export const f = (;\n");
  const [ts, js, jaxpr] = await Promise.all([
    wax("compile", out("syntax.ts"), "-o", out("syntax.wasm")),
    wax("compile", out("syntax.mjs"), "-o", out("syntax.wasm")),
    wax("jaxpr", out("syntax.ts")),
  ]);
  fails(ts!, `wax compile: ${out("syntax.ts")}:3:10: ${out("syntax.ts")} failed to load: SyntaxError: Unexpected ";"`);
  fails(js!, `wax compile: ${out("syntax.mjs")}:1:19: ${out("syntax.mjs")} failed to load: SyntaxError: Unexpected token ';'`);
  fails(jaxpr!, new RegExp(`^wax jaxpr: ${out("syntax.ts").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:3:10: `));
});

Cli("bad arguments to wax run: count, shape, dtype, JSON", async () => {
  const W = out("model.wasm");
  const run = (entry: string, args: string) => wax("run", W, entry, "--args", args);
  const [count, shape, dtype, intDtype, ragged, json, notList, entry, both] = await Promise.all([
    run("predict", JSON.stringify([X])),
    run("predict", JSON.stringify([X.slice(0, 2), B])),
    run("count", JSON.stringify([X, true])),
    wax("run", out("plain.wasm"), "double", "--args", "[[1, 2.5, 3]]"),
    run("predict", JSON.stringify([[[1, 2, 3], [4, 5]], B])),
    run("predict", "[[1, 2"),
    run("predict", "{}"),
    run("nope", "[]"),
    wax("run", W, "predict", "--args", "[]", "--args-file", out("args.json")),
  ]);
  fails(count!, `wax run: ${W} entry predict: expected 2 arguments (float32[4,3], float32[2]), got 1`);
  fails(shape!, `wax run: ${W} entry predict argument 0: expected float32[4,3], got float32[2,3]`);
  fails(dtype!, `wax run: ${W} entry count argument 1: expected float32[], got bool[]`);
  fails(intDtype!, `entry double argument 0: expected int32[3], got float32[3]`);
  fails(ragged!, "entry predict argument 0: ragged nested list");
  fails(json!, "--args: not valid JSON");
  fails(notList!, "must be a JSON list with one element per argument");
  fails(entry!, `${W}: no entry named nope (entries: count, norms_b1, norms_b8, predict)`);
  fails(both!, "--args or --args-file, not both");
});

Cli.run();
