// `wax jaxpr model.ts`: the jaxpr of each entry, in JAX's text format.

import { loadEntries } from "./load-user-module.js";

export async function jaxprCommand(file: string, opts: { export: string[] }): Promise<void> {
  const entries = await loadEntries(file, opts.export);
  // One entry prints exactly JAX's text; several are each headed by their name.
  const out = entries.map((e) => (entries.length === 1 ? "" : `# ${e.name}\n`) + String(e.lowered.jaxpr));
  process.stdout.write(out.join("\n\n") + "\n");
}
