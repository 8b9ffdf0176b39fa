// Runs every uvu test file and ends with one plain summary line, "N passed, N failed".
// The memory tests run in processes of their own: they measure what the garbage collector
// reclaims, which depends on what else the process has allocated.

import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const uvuMain = createRequire(import.meta.url).resolve("uvu");
const uvuBin = join(uvuMain.slice(0, uvuMain.lastIndexOf("node_modules/uvu/") + "node_modules/uvu/".length), "bin.js");
const pattern = new RegExp(process.argv[2] ?? "\\.test\\.js$");
const OWN_PROCESS = new Set(["memory.test.js", "memory-high.test.js"]);

const files = readdirSync(here).filter((f) => pattern.test(f)).sort();
const shared = files.filter((f) => !OWN_PROCESS.has(f));
const alone = files.filter((f) => OWN_PROCESS.has(f));
const escape = (f: string) => f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const runs = [
  ...(shared.length > 0 ? [`^(${shared.map(escape).join("|")})$`] : []),
  ...alone.map((f) => `^${escape(f)}$`),
];

let passed = 0, failed = 0, skipped = 0, status = 0;
for (const filter of runs) {
  const res = spawnSync(process.execPath, [uvuBin, here, filter], { encoding: "utf8", maxBuffer: 1 << 28 });
  process.stdout.write(res.stdout);
  process.stderr.write(res.stderr);
  // eslint-disable-next-line no-control-regex
  const plain = (res.stdout + res.stderr).replace(/\u001b\[[0-9;]*m/g, "");
  const count = (label: string): number => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0);
  const total = count("Total");
  passed += count("Passed");
  skipped += count("Skipped");
  failed += Math.max(0, total - count("Passed") - count("Skipped")) || (res.status === 0 ? 0 : 1);
  if (res.status !== 0) status = res.status ?? 1;
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? status || 1 : 0);
