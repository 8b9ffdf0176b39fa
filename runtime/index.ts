// wax/runtime: the small, dependency-free loader for compiled wax modules.
// It holds no compiler and no Binaryen. The loader, shared memory and calling
// convention arrive with the jit and CLI issues; the ABI version is fixed here so that
// both sides agree on it from the start.

/** Version of the compiled-module calling convention and manifest format. */
export const ABI_VERSION = 1;
