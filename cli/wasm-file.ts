// Reading a compiled wax module from disk, with one clear error per way it can be wrong:
// missing, not wasm, not valid wasm, no manifest, another ABI, manifest and exports apart.

import { readFileSync, statSync } from "node:fs";
import { type Manifest, readManifest } from "../runtime/index.js";
import { CliError } from "./errors.js";

export interface WaxModuleFile {
  bytes: Uint8Array;
  module: WebAssembly.Module;
  manifest: Manifest;
  imports: WebAssembly.ModuleImportDescriptor[];
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

export function readWaxModule(file: string): WaxModuleFile {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    if (statSync(file).isDirectory()) throw new CliError(`${file}: is a directory, not a .wasm file`);
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === "ENOENT" ? `${file}: no such file` : `${file}: cannot read: ${(e as Error).message}`);
  }
  if (!WASM_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new CliError(`${file}: not a WebAssembly module (it does not start with the bytes \\0asm)`);
  }
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (e) {
    throw new CliError(`${file}: invalid WebAssembly (or it needs features this engine lacks: wax modules use SIMD and threads): ${(e as Error).message}`);
  }
  const manifest = readManifest(module, file);
  const imports = WebAssembly.Module.imports(module);
  for (const imp of imports) {
    if (imp.module !== "env" || imp.name !== "memory" || imp.kind !== "memory") {
      throw new CliError(`${file}: imports ${imp.module}.${imp.name} (${imp.kind}); a wax module imports only the memory env.memory`);
    }
  }
  return { bytes, module, manifest, imports };
}
