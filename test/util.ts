// Shared test helpers: compare arrays with hand-computed values.

import * as assert from "uvu/assert";
import type { Array as WaxArray } from "../compiler/index.js";

/** Asserts `x` has the given shape, dtype and values (nested lists; floats compared with a tolerance). */
export function expectArray(x: WaxArray, expected: unknown, dtype?: string, tol = 1e-6): void {
  if (dtype !== undefined) assert.is(x.dtype, dtype, `dtype: got ${x.dtype}, expected ${dtype}`);
  expectClose(x.toList(), expected, tol);
}

export function expectClose(actual: unknown, expected: unknown, tol = 1e-6, path = ""): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected a list, got ${JSON.stringify(actual)}`);
    const a = actual as unknown[];
    assert.is(a.length, expected.length, `${path}: length ${a.length} vs ${expected.length}`);
    expected.forEach((e, i) => expectClose(a[i], e, tol, `${path}[${i}]`));
    return;
  }
  if (typeof expected === "number" && typeof actual === "number") {
    if (Number.isNaN(expected)) return assert.ok(Number.isNaN(actual), `${path}: expected NaN, got ${actual}`);
    if (!Number.isFinite(expected)) return assert.is(actual, expected, `${path}`);
    const ok = Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
    assert.ok(ok, `${path}: got ${actual}, expected ${expected} (tol ${tol})`);
    return;
  }
  assert.is(actual, expected, `${path}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

/** Asserts that `fn` throws an error whose message matches `pattern`. */
export function expectError(fn: () => unknown, pattern: RegExp | string, type?: new (...a: never[]) => Error): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error, `expected an error matching ${String(pattern)}, nothing was thrown`);
  const msg = (err as Error).message;
  if (typeof pattern === "string") assert.ok(msg.includes(pattern), `error message ${JSON.stringify(msg)} does not include ${JSON.stringify(pattern)}`);
  else assert.ok(pattern.test(msg), `error message ${JSON.stringify(msg)} does not match ${String(pattern)}`);
  if (type) assert.ok(err instanceof type, `expected ${type.name}, got ${(err as Error).constructor.name}`);
}
