// What a run says about each library it measured: version, backend, threads, or why it
// could not be loaded. A peer that fails to load leaves the bench running; its cells say why.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface LibInfo {
  name: string; // "jax-js"
  package: string; // "@jax-js/jax"
  version: string;
  backend: string;
  threads: string; // "1", or "1 (pmap: 2 devices)"
  loaded: boolean;
  /** Why it was not loaded, or anything else a reader of the numbers must know. */
  note?: string;
}

export interface Peer<Api> {
  info: LibInfo;
  api?: Api; // absent when it could not be loaded
}

/** The installed version of a package, read from its package.json beside its entry point. */
export function installedVersion(pkg: string): string {
  try {
    const req = createRequire(import.meta.url);
    let dir = dirname(req.resolve(pkg));
    for (let i = 0; i < 5; i++, dir = dirname(dir)) {
      try {
        const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
        if (json.name === pkg) return json.version ?? "?";
      } catch {
        // not here; one level up
      }
    }
  } catch {
    // not installed
  }
  return "not installed";
}
