// jax.tree_util for JavaScript pytrees (JS arrays and plain objects are containers,
// null/undefined empty ones, everything else a leaf): `treeUtil.treeMap(f, a, b)`,
// treeLeaves, treeStructure, treeFlatten, treeUnflatten, treeReduce.

import { type TreeDef, treeDefString, treeFlatten, treeUnflatten } from "./tree.js";

export { treeFlatten, treeUnflatten, type TreeDef };

/** The leaves of a pytree, in flattening order (object keys sorted). */
export function treeLeaves(tree: unknown): unknown[] {
  return treeFlatten(tree)[0];
}

/** The structure of a pytree, without its leaves. */
export function treeStructure(tree: unknown): TreeDef {
  return treeFlatten(tree)[1];
}

/** The subtrees of `tree` at the leaf positions of `def` (JAX's flatten_up_to). */
function flattenUpTo(def: TreeDef, tree: unknown, which: number): unknown[] {
  const out: unknown[] = [];
  const mismatch = (what: string): never => {
    throw new TypeError(
      `treeMap: argument ${which} does not have the structure of the first tree (${treeDefString(def)}): ${what}, got ${treeDefString(treeFlatten(tree)[1])}`,
    );
  };
  const walk = (d: TreeDef, t: unknown): void => {
    switch (d.kind) {
      case "leaf":
        out.push(t);
        return;
      case "none":
        if (t !== null && t !== undefined) mismatch("expected None");
        return;
      case "list":
        if (!Array.isArray(t) || t.length !== d.children.length) mismatch(`expected a list of length ${d.children.length}`);
        d.children.forEach((c, i) => walk(c, (t as unknown[])[i]));
        return;
      case "dict": {
        const keys = t !== null && typeof t === "object" && !Array.isArray(t) ? Object.keys(t).sort() : null;
        if (!keys || keys.join("\u0000") !== d.keys.join("\u0000")) mismatch(`expected an object with keys ${JSON.stringify(d.keys)}`);
        d.keys.forEach((k, i) => walk(d.children[i]!, (t as Record<string, unknown>)[k]));
      }
    }
  };
  walk(def, tree);
  return out;
}

/**
 * JAX's tree_map: `f` applied to each leaf of `tree`, with the matching leaves (or
 * subtrees) of `rest`, which must have `tree`'s structure (or `tree` as a prefix).
 */
export function treeMap(f: (leaf: any, ...rest: any[]) => unknown, tree: unknown, ...rest: unknown[]): unknown {
  if (typeof f !== "function") throw new TypeError(`treeMap: expected a function first, got ${typeof f}`);
  const [leaves, def] = treeFlatten(tree);
  const others = rest.map((r, i) => flattenUpTo(def, r, i + 2));
  return treeUnflatten(def, leaves.map((l, i) => f(l, ...others.map((o) => o[i]))));
}

/** JAX's tree_reduce: folds `f` over the leaves, from `initial` when given. */
export function treeReduce<T>(f: (acc: T, leaf: any) => T, tree: unknown, ...initial: [T] | []): T {
  const leaves = treeLeaves(tree);
  if (initial.length === 0) {
    if (leaves.length === 0) throw new TypeError("treeReduce of a tree with no leaves needs an initial value");
    return (leaves.slice(1) as unknown[]).reduce<T>((acc, l) => f(acc, l), leaves[0] as T);
  }
  return leaves.reduce<T>((acc, l) => f(acc, l), initial[0]);
}
