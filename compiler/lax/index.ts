// The lax namespace.
export * from "./lax.js";
export * from "./collectives.js";
export * from "./cumulative.js";
