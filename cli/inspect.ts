// `wax inspect model.wasm`: what a compiled module exports and needs.

import { formatBytes, table, tensorBytes, tensorType } from "./format.js";
import { readWaxModule } from "./wasm-file.js";

const FEATURE_NAMES: Record<string, string> = {
  simd128: "SIMD (128-bit)",
  threads: "threads (shared memory, atomics)",
  "relaxed-simd": "relaxed SIMD",
};

export function inspectCommand(file: string, opts: { json?: boolean }): void {
  const { bytes, manifest, imports } = readWaxModule(file);
  if (opts.json) {
    const entries = manifest.entries.map((e) => ({
      name: e.name,
      inputs: e.inputs,
      outputs: e.outputs,
      scratchBytes: e.scratchBytes,
      consts: e.consts.map((c) => ({ shape: c.shape, dtype: c.dtype, bytes: tensorBytes(c) })),
    }));
    const out = { file, bytes: bytes.length, abi: manifest.abi, generator: manifest.generator, features: manifest.features, imports, entries };
    // Indented, but shapes (lists of numbers) on one line.
    const text = JSON.stringify(out, null, 2).replace(/\[\s*([-\d.,\s]*?)\s*\]/g, (_, inner: string) => `[${inner.split(/,\s*/).filter(Boolean).join(", ")}]`);
    process.stdout.write(text + "\n");
    return;
  }
  const lines = [
    `${file}: wax module, ABI version ${manifest.abi}, ${bytes.length} bytes (${formatBytes(bytes.length)}), made by ${manifest.generator}`,
    `features: ${manifest.features.map((f) => FEATURE_NAMES[f] ?? f).join(", ") || "none beyond WebAssembly 1.0"}`,
    `imports: ${imports.map((i) => `${i.module}.${i.name} (${i.kind === "memory" ? "a shared WebAssembly.Memory" : i.kind})`).join(", ") || "nothing"}`,
    `entries (each called as name(inputs..., outputs..., scratch, consts...), every argument a byte address):`,
  ];
  const rows = [["entry", "arguments", "results", "scratch", "consts"]];
  for (const e of manifest.entries) {
    const consts = e.consts.length === 0 ? "-" : `${e.consts.length} (${formatBytes(e.consts.reduce((a, c) => a + tensorBytes(c), 0))})`;
    rows.push([e.name, e.inputs.map(tensorType).join(", ") || "-", e.outputs.map(tensorType).join(", "), formatBytes(e.scratchBytes), consts]);
  }
  process.stdout.write(lines.join("\n") + "\n" + table(rows, [3]) + "\n");
}
