// Module resolution hooks (node:module register) for a user's model: `import ... from "wax"`
// resolves to the wax this CLI runs, wherever the model lives. One copy of the compiler
// means the model's lowered entries are the CLI's own `Lowered` values.
//
// And a model written with import/export loads as an ES module even where the nearest
// package.json does not say "type": "module" (a lone model.ts in a folder), as Node 22
// detects by syntax; wax itself is ES modules only, so a CommonJS model could not use it.

import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

interface ResolveContext {
  conditions: string[];
  parentURL?: string;
}
interface ResolveResult {
  url: string;
  format?: string;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<ResolveResult>;

export interface WaxLocations {
  /** URL of wax's main entry (dist/compiler/index.js). */
  wax: string;
  /** URL of wax/runtime (dist/runtime/index.js). */
  runtime: string;
}

let targets = new Map<string, string>();

export function initialize(data: WaxLocations): void {
  targets = new Map([
    ["wax", data.wax],
    ["wax/runtime", data.runtime],
  ]);
}

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<ResolveResult> {
  const url = targets.get(specifier);
  if (url !== undefined) return { url, format: "module", shortCircuit: true };
  const result = await nextResolve(specifier, context);
  if (result.format === "commonjs") {
    const file = userEsmFile(result.url);
    if (file !== undefined) return { url: pathToFileURL(file).href, format: "module" };
  }
  return result;
}

const ESM_SYNTAX = /^\s*(import\s*[\w{*"']|export\s)/m;

/**
 * The path of a user's .ts/.js file (not a dependency) written with import or export that
 * was about to load as CommonJS. tsx marks such URLs with queries for its CommonJS interop
 * (in the path as %3F... or after ?); they are dropped along with the format.
 */
function userEsmFile(url: string): string | undefined {
  if (!url.startsWith("file:") || url.includes("/node_modules/")) return undefined;
  const u = new URL(url);
  u.search = "";
  const path = fileURLToPath(u).replace(/\?.*$/, "");
  if (!/\.(ts|tsx|js|jsx)$/.test(path)) return undefined;
  try {
    return ESM_SYNTAX.test(readFileSync(path, "utf8")) ? path : undefined;
  } catch {
    return undefined;
  }
}
