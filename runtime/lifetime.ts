// Freeing array buffers in the shared memory: explicitly (dispose / using) or, for arrays
// the program forgets, when the garbage collector finalises them. Finalisers run between
// tasks, so a long synchronous loop that makes large arrays should dispose them.

import { waxMemory } from "./memory.js";

const registry = new FinalizationRegistry<number>((ptr) => waxMemory().free(ptr));

/** Frees `ptr` when `owner` is garbage collected, unless released first. */
export function track(owner: object, ptr: number): void {
  registry.register(owner, ptr, owner);
}

/** Frees `ptr` now and forgets `owner`'s finaliser. */
export function release(owner: object, ptr: number): void {
  registry.unregister(owner);
  waxMemory().free(ptr);
}
