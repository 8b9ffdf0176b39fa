#!/usr/bin/env node
// The `wax` command. Subcommands (compile, inspect, run, jaxpr) arrive with the CLI issue;
// until then it prints its help and version.

import { readFileSync } from "node:fs";
import { Command } from "commander";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

const program = new Command()
  .name("wax")
  .description("Compile traced TypeScript array functions to SIMD WebAssembly")
  .version(pkg.version);

program.action(() => program.help());
program.parse();
