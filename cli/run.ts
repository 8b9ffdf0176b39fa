// `wax run model.wasm ENTRY --args '<json>'`: calls one entry through wax/runtime and
// prints its results as JSON, one nested list per output.

import { readFileSync } from "node:fs";
import { type EntrySpec, type TensorSpec, loadModule } from "../runtime/index.js";
import { CliError } from "./errors.js";
import { tensorType } from "./format.js";
import { readWaxModule } from "./wasm-file.js";

export interface RunOptions {
  args?: string;
  argsFile?: string;
}

type Json = number | boolean | string | null | Json[] | { [k: string]: Json };

/** NaN and the infinities travel as these strings, since JSON has no such numbers. */
const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

/** A JSON argument's shape and the narrowest dtype its values fit, or a CliError saying what is wrong. */
function describeJson(value: Json, where: string): { shape: number[]; dtype: "bool" | "int32" | "float32" | undefined; flat: (number | boolean)[] } {
  const shape: number[] = [];
  for (let v: Json = value; Array.isArray(v); v = v[0]!) shape.push(v.length);
  const flat: (number | boolean)[] = [];
  let bools = 0, ints = 0, floats = 0;
  const walk = (v: Json, depth: number, path: string): void => {
    if (depth < shape.length) {
      if (!Array.isArray(v) || v.length !== shape[depth]) {
        const got = Array.isArray(v) ? `${v.length} elements` : "a scalar";
        throw new CliError(`${where}: ragged nested list: element ${path || "[]"} has ${got}, its first sibling ${shape[depth]} elements`);
      }
      v.forEach((e, i) => walk(e, depth + 1, `${path}[${i}]`));
      return;
    }
    if (Array.isArray(v)) throw new CliError(`${where}: ragged nested list: element ${path} is a list where its siblings are numbers`);
    if (typeof v === "boolean") (bools++, flat.push(v));
    else if (typeof v === "number") (Number.isInteger(v) ? ints++ : floats++, flat.push(v));
    else if (typeof v === "string" && v in SPECIAL) (floats++, flat.push(SPECIAL[v]!));
    else throw new CliError(`${where}: element ${path || "(the value)"} is ${JSON.stringify(v)}, expected a number or a boolean`);
  };
  walk(value, 0, "");
  if (bools > 0 && ints + floats > 0) throw new CliError(`${where}: mixes booleans and numbers`);
  const dtype = bools > 0 ? "bool" : floats > 0 ? "float32" : ints > 0 ? "int32" : undefined;
  return { shape, dtype, flat };
}

/** Checks one JSON argument against the entry's input type and converts it. */
export function toTypedArray(value: Json, want: TensorSpec, where: string): Float32Array | Int32Array | Uint8Array {
  const { shape, dtype, flat } = describeJson(value, where);
  // JSON writes 1.0 as 1, so integers are fine float32 values.
  const fits = dtype === undefined || dtype === want.dtype || (dtype === "int32" && want.dtype === "float32");
  const sameShape = shape.length === want.shape.length && shape.every((d, i) => d === want.shape[i]);
  if (!fits || !sameShape) {
    throw new CliError(`${where}: expected ${tensorType(want)}, got ${tensorType({ shape, dtype: fits ? want.dtype : dtype! })}`);
  }
  if (want.dtype === "bool") return Uint8Array.from(flat as boolean[], (b) => (b ? 1 : 0));
  if (want.dtype === "int32") {
    const bad = (flat as number[]).findIndex((x) => x < -(2 ** 31) || x >= 2 ** 31);
    if (bad >= 0) throw new CliError(`${where}: ${flat[bad]} (flat index ${bad}) is out of the int32 range`);
    return Int32Array.from(flat as number[]);
  }
  return Float32Array.from(flat as number[]);
}

/** Shortest decimal that reads back as the same float32 (0.1, not 0.10000000149011612). */
function shortFloat32(x: number): number | string {
  if (!Number.isFinite(x)) return String(x);
  for (let p = 1; p < 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

function toNested(data: ArrayLike<number>, shape: readonly number[], dtype: string): Json {
  const leaf = (x: number): Json => (dtype === "bool" ? x !== 0 : dtype === "float32" ? shortFloat32(x) : x);
  const build = (offset: number, d: number): [Json, number] => {
    if (d === shape.length) return [leaf(data[offset]!), offset + 1];
    const out: Json[] = [];
    for (let i = 0; i < shape[d]!; i++) {
      const [v, next] = build(offset, d + 1);
      out.push(v);
      offset = next;
    }
    return [out, offset];
  };
  return build(0, 0)[0];
}

function readArgs(opts: RunOptions): { json: Json; source: string } | undefined {
  if (opts.args !== undefined && opts.argsFile !== undefined) throw new CliError("give --args or --args-file, not both");
  let text: string, source: string;
  if (opts.argsFile !== undefined) {
    source = opts.argsFile;
    try {
      text = readFileSync(opts.argsFile, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CliError(code === "ENOENT" ? `${source}: no such file` : `${source}: cannot read: ${(e as Error).message}`);
    }
  } else if (opts.args !== undefined) {
    source = "--args";
    text = opts.args;
  } else return undefined;
  try {
    return { json: JSON.parse(text) as Json, source };
  } catch (e) {
    throw new CliError(`${source}: not valid JSON: ${(e as Error).message}`);
  }
}

function signature(spec: EntrySpec): string {
  return spec.inputs.map(tensorType).join(", ");
}

export async function runCommand(file: string, entry: string, opts: RunOptions): Promise<void> {
  const { bytes, manifest } = readWaxModule(file);
  const spec = manifest.entries.find((e) => e.name === entry);
  if (!spec) {
    throw new CliError(`${file}: no entry named ${entry} (entries: ${manifest.entries.map((e) => e.name).join(", ") || "none"})`);
  }
  // Module problems (imports, exports that do not match the manifest) before argument ones.
  // A module from anywhere runs isolated: in a memory of its own, arguments copied in.
  const mod = await loadModule(bytes, { name: file, isolated: true });
  const where = `${file} entry ${entry}`;
  const given = readArgs(opts);
  const args = given?.json ?? [];
  const count = spec.inputs.length;
  if (!Array.isArray(args)) {
    throw new CliError(`${where}: ${given!.source} must be a JSON list with one element per argument (${count}: ${signature(spec) || "none"})`);
  }
  if (args.length !== count) {
    const hint = given === undefined ? "; pass them with --args '[...]' or --args-file" : "";
    throw new CliError(`${where}: expected ${count} argument${count === 1 ? "" : "s"} (${signature(spec) || "none"}), got ${args.length}${hint}`);
  }
  const inputs = spec.inputs.map((t, i) => toTypedArray(args[i]!, t, `${where} argument ${i}`));

  let results;
  try {
    results = mod.call(entry, ...inputs);
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) throw new CliError(`${where}: trapped: ${e.message}`, { cause: e });
    throw e;
  }
  const outs = Array.isArray(results) ? results : [results];
  const json = outs.map((r) => toNested(r.data as ArrayLike<number>, r.shape, r.dtype));
  process.stdout.write(JSON.stringify(json) + "\n");
}
