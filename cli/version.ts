// The package version, for --version and the manifest's generator field.

import { readFileSync } from "node:fs";

export const waxVersion: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;
