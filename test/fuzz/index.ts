// Seeded random programs over wax's primitives, for differential testing of the wasm
// backend: each program runs on the reference interpreter (the oracle), as eager wasm
// kernels and under jit, and the three must agree.
//
// A program is a list of ops over numbered values (inputs first). Each op keeps its
// shape-independent choices (a function name, a dtype, an exponent) and a random word
// `r` from which shape-dependent parameters (axes, permutations, slices, reshapes) are
// derived when it runs, so a program stays well-typed while the shrinker changes its
// input shapes or removes ops.
//
// How close the backends must be is decided per value by a forward error analysis run
// on the reference values: a value is exact (bit-for-bit equal, NaN = NaN) when it comes
// from exact operations on exact values, and otherwise carries an absolute error bound
// (units: the float32 unit roundoff u = 2^-24, scaled by the magnitudes involved):
//   - add, sub, mul, div, sqrt, max, min, layout ops, selects, conversions, comparisons
//     and integer_pow with |y| <= 3 are correctly rounded in both backends: exact;
//   - exp, expm1, log, log1p, sin, cos, pow: within 1 ulp of the correctly rounded result,
//     logistic within 2, tanh within 6 (wasm/README.md), rsqrt (sqrt, then divide) within 2;
//   - float sums and dots: the reference accumulates in float64, the backend in float32
//     in another order: |error| <= n u sum|x_i| (n terms); exact when every term is an
//     integer and the sum of magnitudes is below 2^24, as then no rounding happens at all;
//   - errors of inputs propagate through each op by its derivative bound.
// Ops whose result would jump on a tiny input error (floor, sign, comparisons, argmax,
// float->int conversion, rem) are only applied to exact values, and an op is rejected
// when its error bound stops being small against its values (cancellation, log near 0),

export * from "./compare.js";
export * from "./ops.js";
export * from "./oracle.js";
export * from "./generate.js";
export * from "./run.js";
export { Rng } from "../rng.js";
export * from "./grad.js";
export * from "./modes.js";
export * from "./cli.js";
