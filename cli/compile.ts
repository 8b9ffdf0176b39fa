// `wax compile model.ts -o model.wasm`: every entry of a model into one standalone module.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, extname } from "node:path";
import { performance } from "node:perf_hooks";
import { buildModule } from "../compiler/aot/module.js";
import { CliError } from "./errors.js";
import { formatBytes, formatMs, table, tensorBytes, tensorType } from "./format.js";
import { type Entry, loadEntries } from "./load-user-module.js";
import { waxVersion } from "./version.js";

export interface CompileOptions {
  output?: string;
  export: string[];
  optimize: number;
  simd: boolean;
  wat: boolean;
  printJaxpr: boolean;
}

/** `model.ts` -> `model.wasm`; `out/model.wasm` -> `out/model.wat`. */
export function withExtension(path: string, ext: string): string {
  const old = extname(path);
  return (old ? path.slice(0, -old.length) : path) + ext;
}

function write(path: string, data: Uint8Array | string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
  } catch (e) {
    throw new CliError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

function signature(e: Entry): string {
  const { inAvals, outAvals } = e.lowered.jaxpr;
  return `(${inAvals.map(tensorType).join(", ")}) -> (${outAvals.map(tensorType).join(", ")})`;
}

export async function compileCommand(file: string, opts: CompileOptions): Promise<void> {
  const log = (s: string) => process.stderr.write(s + "\n");
  const output = opts.output ?? withExtension(file, ".wasm");
  const start = performance.now();

  const entries = await loadEntries(file, opts.export);
  log(`loaded ${file}: ${entries.length} ${entries.length === 1 ? "entry" : "entries"} traced in ${formatMs(performance.now() - start)}`);

  // Lowering per entry (buildModule lowers again; it is cheap next to Binaryen) for progress
  // and to name the entry a lowering error comes from.
  const rows = [["entry", "signature", "kernels", "lowered in"]];
  for (const e of entries) {
    const t = performance.now();
    let kernels: number;
    try {
      kernels = e.lowered.program().kernels.length;
    } catch (err) {
      throw new CliError(`${file} entry ${e.name}: cannot be lowered: ${(err as Error).message}`, { cause: err });
    }
    rows.push([e.name, signature(e), String(kernels), formatMs(performance.now() - t)]);
  }
  log(table(rows, [2, 3]));

  if (opts.printJaxpr) {
    for (const e of entries) process.stdout.write(`# ${e.name}\n${String(e.lowered.jaxpr)}\n\n`);
  }

  const t = performance.now();
  let built: ReturnType<typeof buildModule>;
  try {
    built = buildModule(entries, { optimize: opts.optimize, simd: opts.simd, text: opts.wat, generator: `wax ${waxVersion}` });
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`, { cause: err });
  }
  log(`binaryen -O${opts.optimize}${opts.simd ? " with SIMD" : " without SIMD"}: ${formatMs(performance.now() - t)}`);

  write(output, built.bytes);
  const wat = opts.wat ? withExtension(output, ".wat") : undefined;
  if (wat !== undefined) write(wat, built.text ?? "");
  const manifestBytes = JSON.stringify(built.manifest).length;
  const watNote = wat !== undefined ? ` and ${wat} (${formatBytes(Buffer.byteLength(built.text ?? ""))})` : "";
  log(`wrote ${output} (${formatBytes(built.bytes.length)}, manifest ${formatBytes(manifestBytes)})${watNote} in ${formatMs(performance.now() - start)}`);

  // Sizes per entry: what a caller allocates in the shared memory.
  const sizes = [["entry", "inputs", "outputs", "scratch", "consts"]];
  for (const s of built.manifest.entries) {
    const sum = (ts: { shape: number[]; dtype: string }[]) => formatBytes(ts.reduce((a, x) => a + tensorBytes(x), 0));
    sizes.push([s.name, sum(s.inputs), sum(s.outputs), formatBytes(s.scratchBytes), sum(s.consts)]);
  }
  log(table(sizes, [1, 2, 3, 4]));
}
