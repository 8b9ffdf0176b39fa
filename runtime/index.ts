// wax/runtime: the small, dependency-free part of wax that runs compiled modules.
// It holds no compiler and no Binaryen.

export { WaxMemory, waxMemory, MAX_PAGES } from "./memory.js";
export { track, release } from "./lifetime.js";

/** Version of the compiled-module calling convention and manifest format. */
export const ABI_VERSION = 1;
