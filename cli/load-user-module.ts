// Loading a user's model (TypeScript or JavaScript, no build step) and finding its entry
// points. TypeScript goes through tsx; `import ... from "wax"` in the model resolves to this
// CLI's wax, and a model with import/export loads as an ES module (./resolve-wax.ts).
//
// An entry is an exported `Lowered` value:
//   export const predict = jit(f).lower(new ShapeDtypeStruct([4, 3], "float32"));
// or a member of an exported `entries` object, for names made in a loop:
//   export const entries = { predict_b1: ..., predict_b8: ... };

import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire, register } from "node:module";
import { relative, resolve as resolvePath } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Lowered } from "../compiler/index.js";
import { CliError } from "./errors.js";
import type { WaxLocations } from "./resolve-wax.js";

export interface Entry {
  name: string;
  lowered: Lowered;
}

let hooksInstalled = false;

async function installHooks(): Promise<void> {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // tsx globally (this process only runs the user's model), then the "wax" mapping, which
  // runs first in the chain, so the URL it gives is the very one the CLI imported.
  const { register: registerTsx } = await import("tsx/esm/api");
  registerTsx();
  const data: WaxLocations = {
    wax: new URL("../compiler/index.js", import.meta.url).href,
    runtime: new URL("../runtime/index.js", import.meta.url).href,
  };
  register("./resolve-wax.js", { parentURL: import.meta.url, data });
}

const WAX_DIST = fileURLToPath(new URL("../", import.meta.url));

/** Where in the user's code an error was thrown, e.g. `model.ts:4:9`: its stack's first frame outside wax and node_modules. */
function userFrame(err: unknown): string | undefined {
  const stack = err instanceof Error ? err.stack : undefined;
  if (!stack) return undefined;
  for (const line of stack.split("\n").slice(1)) {
    // "at fn (/path:1:2)" or "at /path:1:2"; not node:internal/... frames.
    const m = /(?:\(|at )((?:file:\/\/)?\/[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m) continue;
    const path = m[1]!.startsWith("file:") ? fileURLToPath(m[1]!.replace(/\?.*$/, "")) : m[1]!;
    if (path.startsWith(WAX_DIST) || path.includes("/node_modules/")) continue;
    return `${shownPath(path)}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

/** `path` as the user would write it: relative to the working directory when it is under it. */
function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}

/**
 * Where a syntax error in the model is (`model.ts:3:10`, columns from 1) and what it is.
 * tsx reports esbuild's TransformError with `file:line:column` (column from 0) in its
 * message; for a JavaScript file Node rejected, whose SyntaxError carries no location,
 * esbuild (tsx's own dependency) parses the file again to find it.
 */
function syntaxError(e: Error, path: string): { at: string; message: string } | undefined {
  const located = (file: string, line: number, column: number, message: string) => ({ at: `${shownPath(file)}:${line}:${column + 1}`, message });
  if (e.name === "TransformError") {
    const m = /^(.+?):(\d+):(\d+): ERROR: (.+)$/m.exec(e.message);
    return m ? located(m[1]!, Number(m[2]), Number(m[3]), m[4]!) : undefined;
  }
  if (e.name !== "SyntaxError") return undefined;
  try {
    const fromTsx = createRequire(createRequire(import.meta.url).resolve("tsx"));
    const esbuild = fromTsx("esbuild") as typeof import("esbuild");
    const loader = /\.[cm]?tsx?$/.test(path) ? "ts" : "js";
    esbuild.transformSync(readFileSync(path, "utf8"), { loader, format: "esm", sourcefile: path });
  } catch (parseError) {
    const first = (parseError as { errors?: { text: string; location: { file: string; line: number; column: number } | null }[] }).errors?.[0];
    if (first?.location) return located(first.location.file || path, first.location.line, first.location.column, e.message);
  }
  return undefined;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "function") return typeof (v as { lower?: unknown }).lower === "function" ? "a jitted function" : "a function";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return `a ${(v as object).constructor?.name ?? "plain"} object`;
  return `a ${typeof v}`;
}

function isLowered(v: unknown, where: string): v is Lowered {
  if (v instanceof Lowered) return true;
  if (v !== null && typeof v === "object" && (v as object).constructor?.name === "Lowered") {
    throw new CliError(`${where} is a Lowered from another copy of wax; import jit from "wax" in the model`);
  }
  return false;
}

/** Imports `file` (path as the user typed it) and returns its module namespace. */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  const path = resolvePath(file);
  if (!existsSync(path)) throw new CliError(`${file}: no such file`);
  if (statSync(path).isDirectory()) throw new CliError(`${file}: is a directory, not a module`);
  await installHooks();
  try {
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const syntax = syntaxError(e, path);
    if (syntax) throw new CliError(`${syntax.at}: ${file} failed to load: SyntaxError: ${syntax.message}`, { cause: e });
    const at = userFrame(e);
    throw new CliError(`${file}: failed to load${at ? ` (at ${at})` : ""}: ${e.name}: ${e.message}`, { cause: e });
  }
}

const ENTRY_HINT =
  'an entry is an exported jit(f).lower(...) value, e.g. export const predict = jit(f).lower(new ShapeDtypeStruct([4, 3], "float32"))';

/**
 * The entries of a loaded model, in name order (a module namespace sorts its exports); `only` picks some by name (in that
 * order) and makes a missing or unlowerable name an error.
 */
export function findEntries(file: string, mod: Record<string, unknown>, only: string[] = []): Entry[] {
  const all = new Map<string, Lowered>();
  const add = (name: string, v: Lowered, where: string) => {
    if (all.has(name)) throw new CliError(`${file}: two entries are named ${name} (${where} and an export)`);
    all.set(name, v);
  };
  for (const [name, v] of Object.entries(mod)) {
    if (name === "entries" && v !== null && typeof v === "object" && !(v instanceof Lowered)) {
      for (const [k, w] of Object.entries(v as Record<string, unknown>)) {
        const where = `${file}: entries.${k}`;
        if (!isLowered(w, where)) throw new CliError(`${where} is ${describeValue(w)}, not a lowered function (${ENTRY_HINT})`);
        add(k, w, `entries.${k}`);
      }
    } else if (name !== "default" && isLowered(v, `${file}: export ${name}`)) {
      add(name, v, `export ${name}`);
    }
  }

  if (only.length > 0) {
    return only.map((name) => {
      const v = all.get(name);
      if (v) return { name, lowered: v };
      if (name in mod) {
        const w = mod[name];
        const hint =
          typeof w !== "function" ? ENTRY_HINT
          : typeof (w as { lower?: unknown }).lower === "function" ? `export ${name}.lower(new ShapeDtypeStruct(shape, dtype), ...) with its argument types instead`
          : `export jit(${name}).lower(new ShapeDtypeStruct(shape, dtype), ...) with its argument types instead`;
        throw new CliError(`${file}: export ${name} is ${describeValue(w)}, not a lowered function (${hint})`);
      }
      const known = [...all.keys()];
      throw new CliError(`${file}: no entry named ${name} (${known.length ? `entries: ${known.join(", ")}` : "the module has no entries"})`);
    });
  }

  if (all.size === 0) {
    const jitted = Object.entries(mod).filter(([, v]) => typeof v === "function" && typeof (v as { lower?: unknown }).lower === "function");
    const more = jitted.length
      ? `; ${jitted.map(([n]) => n).join(", ")} ${jitted.length === 1 ? "is a jitted function" : "are jitted functions"}: export .lower(...) of ${jitted.length === 1 ? "it" : "them"} with argument types`
      : "default" in mod && mod.default instanceof Lowered ? "; a default export is not an entry: give it a name" : "";
    throw new CliError(`${file}: exports no entry points (${ENTRY_HINT})${more}`);
  }
  return [...all].map(([name, lowered]) => ({ name, lowered }));
}

/** Loads a model (path as the user typed it, which errors repeat) and its entries. */
export async function loadEntries(file: string, only: string[] = []): Promise<Entry[]> {
  return findEntries(file, await importUserModule(file), only);
}
