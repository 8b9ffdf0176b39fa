// Errors the CLI expects: a user's mistake, reported as one line naming the file, entry
// or argument. Anything else is a bug or a wax error and is reported the same way, with
// its stack under --verbose.

export class CliError extends Error {
  override name = "CliError";
}

/** The one line `wax <command>: <message>` for an error, plus its stack when verbose. */
export function formatError(command: string, err: unknown, verbose: boolean): string {
  const e = err instanceof Error ? err : new Error(String(err));
  // Expected errors say it all; for others the class name (TypeError, ValueError...) helps.
  const plain = e instanceof CliError || e.name === "ManifestError";
  const message = (plain ? e.message : `${e.name}: ${e.message}`).split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
  let out = `wax${command ? ` ${command}` : ""}: ${message}`;
  if (verbose) {
    out += `\n${e.stack ?? ""}`;
    for (let c = e.cause; c instanceof Error; c = c.cause) out += `\ncaused by: ${c.stack ?? c.message}`;
  }
  return out;
}
