#!/usr/bin/env node
// Builds the math library with AssemblyScript (`npm run build:wasm`):
//   dist/wasm/math.wasm       the library: functions and exports only (no memory, imports,
//                             globals, tables, data or start function)
//   dist/wasm/math-test.wasm  test-only array wrappers over an imported shared env.memory

import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const common = [
  "-O3", "--noAssert",
  "--runtime", "stub", // no allocator or GC is ever used; nothing of it remains
  "--use", "abort=", // no env.abort import
  "--noExportMemory",
  "--disableWarning", "112", // "exchange of v128 values is not supported by all embeddings"
];
const targets = [
  // Exactly the features used, SIMD and nontrapping-f2i, recorded in a target_features
  // section so that binaryen.readBinary enables them; a name section (--debug: names only,
  // the code is the same) so that the functions read as wasm/exp/exp_f32x4 and so on.
  [
    "wasm/math.ts", "dist/wasm/math.wasm",
    [
      "--enable", "simd", "--disable", "bulk-memory,sign-extension,mutable-globals",
      "--runPasses", "emit-target-features", "--debug",
    ],
  ],
  [
    "wasm/math-test.ts", "dist/wasm/math-test.wasm",
    ["--enable", "simd,threads", "--importMemory", "--sharedMemory", "--initialMemory", "1", "--maximumMemory", "65536"],
  ],
];

mkdirSync(join(root, "dist", "wasm"), { recursive: true });
for (const [entry, out, flags] of targets) {
  const { error } = await asc.main([entry, "-o", out, ...common, ...flags], {
    stdout: process.stdout,
    stderr: process.stderr,
  });
  if (error) {
    console.error(`asc ${entry} failed: ${error.message}`);
    process.exit(1);
  }
}
