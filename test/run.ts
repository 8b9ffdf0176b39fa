// Runs every uvu test file and ends with one plain summary line, "N passed, N failed".

import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const uvuMain = createRequire(import.meta.url).resolve("uvu");
const uvuBin = join(uvuMain.slice(0, uvuMain.lastIndexOf("node_modules/uvu/") + "node_modules/uvu/".length), "bin.js");
const pattern = process.argv[2] ?? "\\.test\\.js$";
const res = spawnSync(process.execPath, [uvuBin, here, pattern], { encoding: "utf8", maxBuffer: 1 << 28 });
process.stdout.write(res.stdout);
process.stderr.write(res.stderr);

// eslint-disable-next-line no-control-regex
const plain = (res.stdout + res.stderr).replace(/\u001b\[[0-9;]*m/g, "");
const count = (label: string): number => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0);
const total = count("Total"), passed = count("Passed"), skipped = count("Skipped");
const failed = Math.max(0, total - passed - skipped) || (res.status === 0 ? 0 : 1);
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(res.status ?? 1);
