// Declares dist/compiler/backend/mathlib-data.js, which wasm/build.mjs generates from the
// compiled math library (see mathlib.ts).

/** By export name: parameter and result types (binary value types) and the base64 body. */
export declare const mathLibrary: Record<string, { params: number[]; results: number[]; body: string }>;
