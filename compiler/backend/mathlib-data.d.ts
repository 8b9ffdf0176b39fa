// Declares dist/compiler/backend/mathlib-data.js, which wasm/build.mjs generates from the
// compiled math library (see mathlib.ts and wasm/extract.mjs).

/** By export name: value types (binary encoding), base64 instructions and their patches. */
export declare const mathLibrary: Record<
  string,
  { params: number[]; results: number[]; locals: number[]; code: string; patches: [number, number, 0 | 1, number][] }
>;
