// The lax namespace.
export * from "./lax.js";
