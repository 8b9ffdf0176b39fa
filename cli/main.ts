#!/usr/bin/env node
// The `wax` command: compile a model's entry points to one standalone .wasm, inspect such
// a module, run one of its entries, or print the jaxprs. Each subcommand lives in its own
// file and is imported when used, so `wax inspect` does not load the compiler.

import { Command, InvalidArgumentError, Option } from "commander";
import { formatError } from "./errors.js";
import { waxVersion } from "./version.js";

const collect = (value: string, previous: string[]): string[] => [...previous, ...value.split(",").filter(Boolean)];

function optLevel(value: string): number {
  if (!/^[0-4]$/.test(value)) throw new InvalidArgumentError("the optimisation level is 0, 1, 2, 3 or 4.");
  return Number(value);
}

const program = new Command()
  .name("wax")
  .description("Compile traced TypeScript array functions to SIMD WebAssembly, in the spirit of JAX.")
  .version(waxVersion, "-V, --version", "print the version of wax")
  .option("--verbose", "print the stack trace of an error")
  .helpOption("-h, --help", "print help")
  .showSuggestionAfterError()
  // Commander's own errors (unknown option, missing argument) in the CLI's one-line style.
  .configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, "wax: ")) })
  .addHelpText(
    "after",
    `
Examples:
  $ wax compile model.ts -o model.wasm        every exported jit(f).lower(...) into one module
  $ wax inspect model.wasm                    entries, shapes, dtypes, ABI version, features
  $ wax run model.wasm predict --args '[[[1,2,3],[4,5,6],[7,8,9],[1,0,0]], [0.5,-0.5]]'
  $ wax jaxpr model.ts --export predict       the jaxpr, in JAX's text format`,
  );

let running = "";
let reported = false;

function report(err: unknown): void {
  // A failing model can reject more than once (its import, then a dependent module); one line is enough.
  if (!reported) process.stderr.write(formatError(running, err, Boolean(program.opts().verbose)) + "\n");
  reported = true;
  process.exitCode = 1;
}
// Errors a user's model throws outside our await (a stray promise, a timer).
process.on("unhandledRejection", report);
process.on("uncaughtException", report);

/** Runs a subcommand's action, turning any error into one line on stderr and exit code 1. */
function action<A extends unknown[]>(name: string, fn: (...args: A) => void | Promise<void>) {
  return async (...args: A): Promise<void> => {
    running = name;
    try {
      await fn(...args);
    } catch (err) {
      report(err);
    }
  };
}

const exportOption = () =>
  new Option("-e, --export <name>", "compile only this entry (repeatable, or comma-separated)").argParser(collect).default([], "every entry");

program
  .command("compile")
  .summary("compile a model's entry points into one standalone .wasm")
  .description(
    "Compile the entry points of a TypeScript or JavaScript module into one standalone .wasm.\n" +
      "An entry is an exported lowered function, export const predict = jit(f).lower(new ShapeDtypeStruct([4, 3], \"float32\")),\n" +
      "or a member of an exported object, export const entries = { name: jit(f).lower(...) }.\n" +
      "The module imports wax as \"wax\" and runs as is, with no build step (TypeScript through tsx).",
  )
  .argument("<module>", "the model: a .ts, .mts, .js or .mjs file")
  .option("-o, --output <file>", "the .wasm to write (default: the module's path with .wasm)")
  .addOption(exportOption())
  .addOption(new Option("-O, --optimize <level>", "Binaryen optimisation level, 0 to 4").argParser(optLevel).default(2))
  .option("--no-simd", "emit no SIMD instructions (for engines without WebAssembly SIMD)")
  .option("--wat", "also write the text format next to the output (model.wat)")
  .option("--print-jaxpr", "print each entry's jaxpr on stdout")
  .addHelpText("after", "\nProgress and a table of sizes go to stderr; --print-jaxpr writes to stdout.")
  .action(
    action("compile", async (file: string, opts: { output?: string; export: string[]; optimize: number; simd: boolean; wat?: boolean; printJaxpr?: boolean }) => {
      const { compileCommand } = await import("./compile.js");
      await compileCommand(file, { ...opts, wat: Boolean(opts.wat), printJaxpr: Boolean(opts.printJaxpr) });
    }),
  );

program
  .command("inspect")
  .summary("show a compiled module's entries, ABI version, size and features")
  .description("Show a compiled module's entries (argument and result shapes and dtypes), ABI version, size and required features.")
  .argument("<wasm>", "a .wasm written by wax compile")
  .option("--json", "print machine-readable JSON")
  .action(
    action("inspect", async (file: string, opts: { json?: boolean }) => {
      const { inspectCommand } = await import("./inspect.js");
      inspectCommand(file, opts);
    }),
  );

program
  .command("run")
  .summary("call one entry of a compiled module; print its results as JSON")
  .description(
    "Call one entry of a compiled module and print its results as JSON: a list with one nested list per output.\n" +
      "Arguments are a JSON list with one nested list (or number, or boolean) per input, e.g. '[[[1, 2], [3, 4]], 0.5]'.\n" +
      'NaN and infinities are written as the strings "NaN", "Infinity" and "-Infinity", in and out.',
  )
  .argument("<wasm>", "a .wasm written by wax compile")
  .argument("<entry>", "the entry to call (see wax inspect)")
  .option("-a, --args <json>", "the arguments, as JSON")
  .option("-f, --args-file <file>", "read the arguments from a JSON file")
  .action(
    action("run", async (file: string, entry: string, opts: { args?: string; argsFile?: string }) => {
      const { runCommand } = await import("./run.js");
      await runCommand(file, entry, opts);
    }),
  );

program
  .command("jaxpr")
  .summary("print the jaxpr of each entry point, in JAX's text format")
  .description("Print the jaxpr of each entry point of a module, in JAX's text format (several entries are each headed by # name).")
  .argument("<module>", "the model: a .ts, .mts, .js or .mjs file")
  .addOption(exportOption())
  .action(
    action("jaxpr", async (file: string, opts: { export: string[] }) => {
      const { jaxprCommand } = await import("./jaxpr.js");
      await jaxprCommand(file, opts);
    }),
  );

await program.parseAsync();
