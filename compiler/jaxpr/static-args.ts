// Static arguments (jit's and makeJaxpr's staticArgnums): positions whose values are passed
// through untraced and become part of the cache key. As in JAX, one int or a list of ints;
// negative positions count from the end of each call's arguments.

import { describe } from "../core/scalar.js";

/** Checks an argnums option (an int or a list of ints) and returns it as a list. */
export function checkArgnums(value: unknown, option: string, where: string): number[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === "number" ? [value] : globalThis.Array.isArray(value) ? value : undefined;
  if (!list || !list.every((i) => Number.isInteger(i))) {
    let shown: string;
    try {
      shown = JSON.stringify(value) ?? String(value);
    } catch {
      shown = String(value);
    }
    throw new TypeError(`${where}: ${option} must be an int or a list of ints, got ${shown}`);
  }
  return [...new Set(list as number[])];
}

/** The options an options object may carry; anything else is a mistake worth naming. */
export function checkOptions(opts: unknown, known: readonly string[], where: string): void {
  if (opts === undefined) return;
  if (typeof opts !== "object" || opts === null || globalThis.Array.isArray(opts)) {
    throw new TypeError(`${where}: expected an options object such as { ${known.join(", ")} }, got ${describe(opts)}`);
  }
  for (const k of Object.keys(opts)) {
    if (known.includes(k)) continue;
    const hint = k === "staticArgnames" ? " (JavaScript functions have no keyword arguments: name static arguments by position with staticArgnums)" : "";
    throw new TypeError(`${where} got an unexpected option '${k}'; it takes { ${known.join(", ")} }${hint}`);
  }
}

export interface SplitArgs {
  /** The traced arguments, in order. */
  dyn: unknown[];
  /** Calls the user's function with the static arguments put back in place. */
  call: (...dyn: unknown[]) => unknown;
  /** The static values as a cache key. */
  staticKey: string;
}

/** The argument positions `argnums` names in a call with `nargs` arguments (negative ones count from the end). */
export function resolveArgnums(argnums: readonly number[], nargs: number, option: string, where: string): Set<number> {
  const out = new Set<number>();
  for (const i of argnums) {
    const k = i < 0 ? i + nargs : i;
    if (k < 0 || k >= nargs) throw new RangeError(`${where}: ${option} ${i} is out of range for ${nargs} arguments`);
    out.add(k);
  }
  return out;
}

/** Splits a call's arguments into traced and static ones. */
export function splitStatic(fn: (...args: any[]) => unknown, args: unknown[], argnums: readonly number[], where: string): SplitArgs {
  if (argnums.length === 0) return { dyn: args, call: fn, staticKey: "" };
  const statics = resolveArgnums(argnums, args.length, "staticArgnums", where);
  const dyn = args.filter((_, i) => !statics.has(i));
  const staticVals = args.filter((_, i) => statics.has(i));
  const call = (...d: unknown[]) => {
    let k = 0;
    return fn(...args.map((a, i) => (statics.has(i) ? a : d[k++])));
  };
  let staticKey: string;
  try {
    staticKey = `${[...statics].sort((a, b) => a - b).join(",")}:${JSON.stringify(staticVals, staticReplacer)}`;
  } catch {
    throw new TypeError(`${where}: static arguments must be plain data (numbers, strings, booleans, lists, objects) or functions`);
  }
  return { dyn, call, staticKey };
}

// Functions are keyed by identity (JAX hashes them so); undefined is kept apart from null.
const functionIds = new WeakMap<Function, number>();
let nextFunctionId = 0;
function staticReplacer(_key: string, v: unknown): unknown {
  if (typeof v === "function") {
    if (!functionIds.has(v)) functionIds.set(v, nextFunctionId++);
    return `<function ${functionIds.get(v)}>`;
  }
  if (v === undefined) return "<undefined>";
  return v;
}
