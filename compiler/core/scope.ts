// scope(fn, ...args): frees what a piece of synchronous code leaves behind. The garbage
// collector's finalisers only run between tasks, so a synchronous loop that makes large
// arrays would otherwise hold every one of them until it ends.

import { treeFlatten } from "../tree.js";
import { ConcreteArray, adoptInScope, enterScope, exitScope } from "./array.js";

/**
 * Calls `fn(...args)`, then frees every array created during the call and every array
 * in `args`, except the arrays `fn` returns (anywhere in a returned pytree). Returned
 * arrays belong to the enclosing scope, if there is one. Arrays made before the call and
 * not passed in `args` are never touched, nor are constants that compiled functions
 * keep. Handing a loop's state to the scope makes the loop run in constant memory:
 *
 *     for (let i = 0; i < 10_000; i++) x = scope((x) => np.add(np.multiply(x, 1.0001), 1), x);
 *
 * If `fn` throws, everything it created (and `args`) is freed and the error propagates.
 */
export function scope<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R {
  if (typeof fn !== "function") throw new TypeError(`scope: expected a function, got ${typeof fn}`);
  enterScope();
  let result: R;
  let created: ConcreteArray[];
  try {
    result = fn(...args);
  } catch (e) {
    created = exitScope();
    freeAll([...created, ...treeFlatten(args)[0]], new Set());
    throw e;
  }
  created = exitScope();
  const kept = new Set(treeFlatten(result)[0].filter((x): x is ConcreteArray => x instanceof ConcreteArray));
  const mine = new Set<unknown>([...created, ...treeFlatten(args)[0]]);
  for (const a of kept) if (mine.has(a)) adoptInScope(a);
  freeAll(mine, kept);
  return result;
}

function freeAll(arrays: Iterable<unknown>, kept: Set<ConcreteArray>): void {
  for (const a of arrays) {
    if (a instanceof ConcreteArray && !kept.has(a) && !a.pinned) a.dispose();
  }
}
