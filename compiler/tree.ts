// Pytrees: JS arrays and plain objects are containers; everything else is a leaf.
// `null` and `undefined` are empty containers, as None is in JAX.

export type TreeDef =
  | { kind: "leaf" }
  | { kind: "none"; value: null | undefined }
  | { kind: "list"; children: TreeDef[] }
  | { kind: "dict"; keys: string[]; children: TreeDef[] };

export const LEAF: TreeDef = { kind: "leaf" };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

export function treeFlatten(tree: unknown): [unknown[], TreeDef] {
  const leaves: unknown[] = [];
  const walk = (t: unknown): TreeDef => {
    if (t === null || t === undefined) return { kind: "none", value: t };
    if (Array.isArray(t)) return { kind: "list", children: t.map(walk) };
    if (isPlainObject(t)) {
      // Sorted keys, as JAX sorts dict keys, so {a, b} and {b, a} share a structure.
      const keys = Object.keys(t).sort();
      return { kind: "dict", keys, children: keys.map((k) => walk(t[k])) };
    }
    leaves.push(t);
    return LEAF;
  };
  const def = walk(tree);
  return [leaves, def];
}

export function treeUnflatten(def: TreeDef, leaves: readonly unknown[]): unknown {
  let i = 0;
  const build = (d: TreeDef): unknown => {
    switch (d.kind) {
      case "leaf":
        if (i >= leaves.length) throw new Error(`treeUnflatten: too few leaves for ${treeDefString(def)}`);
        return leaves[i++];
      case "none":
        return d.value;
      case "list":
        return d.children.map(build);
      case "dict":
        return Object.fromEntries(d.keys.map((k, j) => [k, build(d.children[j]!)]));
    }
  };
  const out = build(def);
  if (i !== leaves.length) {
    throw new Error(`treeUnflatten: ${leaves.length} leaves given for a structure with ${i}: ${treeDefString(def)}`);
  }
  return out;
}

export function treeLeafCount(def: TreeDef): number {
  switch (def.kind) {
    case "leaf":
      return 1;
    case "none":
      return 0;
    default:
      return def.children.reduce((n, c) => n + treeLeafCount(c), 0);
  }
}

/** A readable form of a structure, in the spirit of JAX's PyTreeDef repr: `[*, {'a': *}]`. */
export function treeDefString(def: TreeDef): string {
  switch (def.kind) {
    case "leaf":
      return "*";
    case "none":
      return "None";
    case "list":
      return `[${def.children.map(treeDefString).join(", ")}]`;
    case "dict":
      return `{${def.keys.map((k, i) => `'${k}': ${treeDefString(def.children[i]!)}`).join(", ")}}`;
  }
}

export function treeDefEqual(a: TreeDef, b: TreeDef): boolean {
  return treeDefString(a) === treeDefString(b);
}

export function treeMap(f: (leaf: unknown) => unknown, tree: unknown): unknown {
  const [leaves, def] = treeFlatten(tree);
  return treeUnflatten(def, leaves.map(f));
}

/**
 * Expands a prefix tree (like vmap's in_axes) to one entry per leaf of `full`.
 * A leaf of the prefix applies to the whole subtree under it.
 */
export function broadcastPrefix(prefix: unknown, full: unknown, what = "prefix"): unknown[] {
  const out: unknown[] = [];
  const walk = (p: unknown, t: unknown, path: string): void => {
    const [, tdef] = treeFlatten(t);
    const pIsNode = Array.isArray(p) || isPlainObject(p);
    if (!pIsNode) {
      for (let k = treeLeafCount(tdef); k > 0; k--) out.push(p);
      return;
    }
    if (Array.isArray(p)) {
      if (!Array.isArray(t) || t.length !== p.length) {
        throw new TypeError(
          `${what} tree structure mismatch at ${path || "root"}: expected a list of length ${p.length} matching ${treeDefString(treeFlatten(p)[1])}, got ${treeDefString(tdef)}`,
        );
      }
      p.forEach((pc, i) => walk(pc, t[i], `${path}[${i}]`));
      return;
    }
    const keys = Object.keys(p as object).sort();
    if (!isPlainObject(t) || Object.keys(t).sort().join() !== keys.join()) {
      throw new TypeError(
        `${what} tree structure mismatch at ${path || "root"}: expected an object with keys ${JSON.stringify(keys)}, got ${treeDefString(tdef)}`,
      );
    }
    for (const k of keys) walk((p as Record<string, unknown>)[k], t[k], `${path}.${k}`);
  };
  walk(prefix, full, "");
  return out;
}
