// Which Chromium the browser tests drive: $WAX_CHROMIUM if set, else the system's
// (/usr/bin/chromium, e.g. Debian's package) when there is one, else the headless Linux x64
// build that the @sparticuz/chromium dev dependency ships inside its npm tarball, so that
// `npm ci && npm test` needs nothing else.

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export const SYSTEM_CHROMIUM = "/usr/bin/chromium";

export interface ChromiumBinary {
  executablePath: string;
  /** Where it came from, for messages: the system path or the npm package and version. */
  source: string;
}

/** $WAX_CHROMIUM, else the system Chromium, else the npm one (unpacked once into node_modules/.cache). */
export async function findChromium(): Promise<ChromiumBinary> {
  const chosen = process.env.WAX_CHROMIUM;
  if (chosen) {
    if (!existsSync(chosen)) throw new Error(`WAX_CHROMIUM is ${chosen}, which does not exist`);
    return { executablePath: chosen, source: `WAX_CHROMIUM=${chosen}` };
  }
  if (existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, source: SYSTEM_CHROMIUM };
  return npmChromium();
}

async function npmChromium(): Promise<ChromiumBinary> {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve("@sparticuz/chromium"); // its exports map hides package.json
  } catch {
    throw new Error(
      `no Chromium for the browser tests: ${SYSTEM_CHROMIUM} is missing and the dev dependency @sparticuz/chromium is not installed (run npm ci)`,
    );
  }
  const pkgDir = entry.slice(0, entry.lastIndexOf("@sparticuz/chromium") + "@sparticuz/chromium".length);
  const { version } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { version: string };
  const source = `@sparticuz/chromium ${version}`;
  // The package unpacks its brotli files into os.tmpdir() and trusts whatever it finds
  // there, so give it a directory of its own per version, and unpack into a scratch
  // directory first: an interrupted unpacking never leaves a half-written binary behind.
  const modules = dirname(dirname(pkgDir));
  const cache = join(modules, ".cache", `wax-chromium-${version}`);
  const binary = join(cache, "chromium");
  if (existsSync(binary)) return { executablePath: binary, source };

  const scratch = `${cache}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = scratch;
  try {
    const { default: Chromium } = (await import("@sparticuz/chromium")) as { default: { executablePath(): Promise<string> } };
    const unpacked = await Chromium.executablePath();
    if (dirname(unpacked) !== scratch) throw new Error(`${source} unpacked to ${unpacked}, not under ${scratch}`);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  try {
    renameSync(scratch, cache);
  } catch (e) {
    // Another process unpacked it first: use theirs.
    rmSync(scratch, { recursive: true, force: true });
    if (!existsSync(binary)) throw e;
  }
  return { executablePath: binary, source };
}
