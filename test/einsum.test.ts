import { test } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np, makeJaxpr } from "../compiler/index.js";
import { expectArray, expectError } from "./util.js";

const A = () => np.array([[1, 2, 3], [4, 5, 6]]); // 2x3 int32
const B = () => np.array([[1, 0, 2], [0, 1, 1]]); // 2x3
const C = () => np.array([[1, 2], [3, 4], [5, 6]]); // 3x2
const M = () => np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]]); // 3x3
const seedArrays = () => [
  np.stack([1, 2, 3, 4, 5].map(() => np.array([1, 2, 3, 4]))),
  np.stack([1, 2, 3, 4, 5].map(() => np.array([5, 6, 7, 8]))),
] as const;

test("the seed: 'ij,ij-> i' is a row-wise dot product", () => {
  const [a, b] = seedArrays();
  expectArray(np.einsum("ij,ij-> i", a, b), [70, 70, 70, 70, 70], "int32");
});

test("the seed's jaxpr is one dot_general, as JAX prints it", () => {
  const [a, b] = seedArrays();
  assert.is(
    String(makeJaxpr((x: np.Array, y: np.Array) => np.einsum("ij,ij->i", x, y))(a, b)),
    `{ lambda ; a:i32[5,4] b:i32[5,4]. let
    c:i32[5] = dot_general[
      dimension_numbers=(((1,), (1,)), ((0,), (0,)))
      precision=None
      preferred_element_type=None
    ] a b
  in (c,) }`,
  );
});

test("matrix product 'ij,jk->ik' stages a dot_general", () => {
  expectArray(np.einsum("ij,jk->ik", A(), C()), [[22, 28], [49, 64]], "int32");
  const text = String(makeJaxpr((x: np.Array, y: np.Array) => np.einsum("ij,jk->ik", x, y))(A(), C()));
  assert.ok(text.includes("dot_general"), text);
  assert.ok(text.includes("dimension_numbers=(((1,), (0,)), ((), ()))"), text);
});

test("two-operand explicit specs", () => {
  expectArray(np.einsum("ij,ij->i", A(), B()), [7, 11], "int32");
  expectArray(np.einsum("ij,ij->ij", A(), B()), [[1, 0, 6], [0, 5, 6]], "int32");
  expectArray(np.einsum("ij,kj->ik", A(), B()), [[7, 5], [16, 11]], "int32");
  expectArray(np.einsum("ij,jk->ki", A(), C()), [[22, 49], [28, 64]], "int32");
  expectArray(np.einsum("i,i->", np.array([1, 2, 3]), np.array([4, 5, 6])), 32, "int32");
  expectArray(np.einsum("i,j->ij", np.array([1, 2]), np.array([3, 4, 5])), [[3, 4, 5], [6, 8, 10]], "int32");
  expectArray(np.einsum("ij,j->i", A(), np.array([1, 0, -1])), [-2, -2], "int32");
  // Batch dim j sits at different positions: moved to the front of both operands.
  expectArray(np.einsum("ij,ji->j", A(), C()), [9, 26, 51], "int32");
  // Labels only one operand has and the output lacks are summed first.
  expectArray(np.einsum("ij,k->k", A(), np.array([1, 2])), [21, 42], "int32");
});

test("batched matrix product 'bij,bjk->bik'", () => {
  const x = np.array([[[1, 2], [3, 4]], [[0, 1], [1, 0]]]);
  const y = np.array([[[1, 0], [0, 1]], [[2, 3], [4, 5]]]);
  expectArray(np.einsum("bij,bjk->bik", x, y), [[[1, 2], [3, 4]], [[4, 5], [2, 3]]], "int32");
  expectArray(np.einsum("bij,bjk->b", x, y), [10, 14], "int32");
});

test("one-operand specs: transpose, sums, diagonal, trace", () => {
  expectArray(np.einsum("ij->ji", A()), [[1, 4], [2, 5], [3, 6]], "int32");
  expectArray(np.einsum("ij->", A()), 21, "int32");
  expectArray(np.einsum("ij->j", A()), [5, 7, 9], "int32");
  expectArray(np.einsum("ij->i", A()), [6, 15], "int32");
  expectArray(np.einsum("ij->ij", A()), [[1, 2, 3], [4, 5, 6]], "int32");
  expectArray(np.einsum("ii->i", M()), [1, 5, 9], "int32");
  expectArray(np.einsum("ii->", M()), 15, "int32");
  expectArray(np.einsum("ii", M()), 15, "int32");
  expectArray(np.einsum("iii->i", np.arange(8).reshape([2, 2, 2])), [0, 7], "int32");
  expectArray(np.einsum("iij->j", np.arange(8).reshape([2, 2, 2])), [6, 8], "int32");
  expectArray(np.einsum("->", np.array(3)), 3, "int32");
});

test("'ijk->kji' reverses the axes", () => {
  const t = np.arange(24).reshape([2, 3, 4]);
  const expected = [0, 1, 2, 3].map((k) => [0, 1, 2].map((j) => [0, 1].map((i) => 12 * i + 4 * j + k)));
  expectArray(np.einsum("ijk->kji", t), expected, "int32");
  expectArray(np.einsum("ijk->jk", t), [[12, 14, 16, 18], [20, 22, 24, 26], [28, 30, 32, 34]], "int32");
});

test("repeated labels combined with a second operand", () => {
  expectArray(np.einsum("ii,i->i", M(), np.array([1, 2, 3])), [1, 10, 27], "int32");
  expectArray(np.einsum("ii,j->j", M(), np.array([1, 2])), [15, 30], "int32");
});

test("implicit mode: labels used once, sorted", () => {
  expectArray(np.einsum("ij,jk", A(), C()), [[22, 28], [49, 64]], "int32");
  expectArray(np.einsum("ji", A()), [[1, 4], [2, 5], [3, 6]], "int32");
  expectArray(np.einsum("ij", A()), [[1, 2, 3], [4, 5, 6]], "int32");
  expectArray(np.einsum("i,i", np.array([1, 2, 3]), np.array([4, 5, 6])), 32, "int32");
  expectArray(np.einsum("ba,b", A(), np.array([1, -1])), [-3, -3, -3], "int32");
  // Uppercase sorts before lowercase, as in numpy.
  expectArray(np.einsum("aB", A()), [[1, 4], [2, 5], [3, 6]], "int32");
});

test("spaces anywhere", () => {
  expectArray(np.einsum(" i j , j k -> i k ", A(), C()), [[22, 28], [49, 64]], "int32");
  expectArray(np.einsum("ij ,jk", A(), C()), [[22, 28], [49, 64]], "int32");
});

test("ellipsis for leading broadcast dims", () => {
  const x = np.array([[[1, 2], [3, 4]], [[0, 1], [1, 0]]]);
  const y = np.array([[[1, 0], [0, 1]], [[2, 3], [4, 5]]]);
  expectArray(np.einsum("...ij,...jk->...ik", x, y), [[[1, 2], [3, 4]], [[4, 5], [2, 3]]], "int32");
  expectArray(np.einsum("...ij,...jk", x, y), [[[1, 2], [3, 4]], [[4, 5], [2, 3]]], "int32");
  expectArray(np.einsum("...ij->...ji", x), [[[1, 3], [2, 4]], [[0, 1], [1, 0]]], "int32");
  // '...' of different lengths broadcast right-aligned; it may stand for no dims.
  expectArray(np.einsum("...i,...i->...", A(), np.array([1, 1, 1])), [6, 15], "int32");
  expectArray(np.einsum("ij...->i", A()), [6, 15], "int32");
  // In explicit mode, '...' dims missing from the output are summed (opt_einsum, as JAX).
  expectArray(np.einsum("i...->i", A()), [6, 15], "int32");
  expectArray(np.einsum("i...", A()), [[1, 4], [2, 5], [3, 6]], "int32");
});

test("three or more operands, left to right", () => {
  const d = np.array([[1, 1], [0, 1]]);
  expectArray(np.einsum("ij,jk,kl->il", A(), C(), d), [[22, 50], [49, 113]], "int32");
  expectArray(np.einsum("ij,jk,kl", A(), C(), d), [[22, 50], [49, 113]], "int32");
  const v = (xs: number[]) => np.array(xs);
  expectArray(np.einsum("i,i,i->", v([1, 2, 3]), v([4, 5, 6]), v([1, 1, 2])), 50, "int32");
  expectArray(np.einsum("i,j,k->kji", v([1, 2]), v([1]), v([1, 10])), [[[1, 2]], [[10, 20]]], "int32");
  // 'k' of the first operand must survive the first step for the third operand.
  expectArray(np.einsum("ik,ij,k->j", np.ones([2, 2], { dtype: "int32" }), A(), v([1, 2])), [15, 21, 27], "int32");
});

test("size-1 dims broadcast against a label's size", () => {
  expectArray(np.einsum("ij,ij->ij", np.array([[1, 2, 3]]), B()), [[1, 0, 6], [0, 2, 3]], "int32");
  expectArray(np.einsum("ij,ij->", np.array([[1, 2, 3]]), B()), 12, "int32");
});

test("dtype promotion", () => {
  const f = np.array([0.5, 1.5], { dtype: "float32" });
  expectArray(np.einsum("ij,j->i", np.array([[1, 2], [3, 4]]), f), [3.5, 7.5], "float32");
  expectArray(np.einsum("i,j->ij", f, np.array([2, 4])), [[1, 2], [3, 6]], "float32");
  // A JS number is a weakly typed scalar operand: the array's dtype wins.
  expectArray(np.einsum(",i->i", 2, np.array([1, 2, 3])), [2, 4, 6], "int32");
  expectArray(np.einsum(",i->i", 0.5, np.array([1, 2, 3])), [0.5, 1, 1.5], "float32");
});

test("errors name what was wrong", () => {
  const a = A();
  expectError(() => np.einsum("ij,jk->ik", a), "Number of einsum subscripts must be equal to the number of operands: 'ij,jk->ik' has 2 input terms but 1 operand was given.", TypeError);
  expectError(() => np.einsum("ij", a, a), "'ij' has 1 input term but 2 operands were given", TypeError);
  expectError(() => np.einsum("ijk", a), "einsum(): operand 0 has 2 dimensions but the subscripts 'ijk' name 3", TypeError);
  expectError(() => np.einsum("ij,j->i", a, a), "einsum(): operand 1 has 2 dimensions but the subscripts 'j' name 1", TypeError);
  expectError(() => np.einsum("...ijk", a), "einsum(): operand 0 has 2 dimensions but the subscripts '...ijk' name at least 3", TypeError);
  expectError(
    () => np.einsum("ij,jk->ik", np.ones([2, 4]), np.ones([3, 5])),
    "Size of label 'j' for operand 1 (3) does not match previous terms (4).",
    TypeError,
  );
  expectError(() => np.einsum("...i,...i", np.ones([2, 3]), np.ones([4, 3])), "Size of '...' dimension 0 for operand 1 (4) does not match previous terms (2).");
  expectError(() => np.einsum("ii", a), "operand 0 repeats label 'i' on dimensions of sizes 2 and 3", TypeError);
  expectError(() => np.einsum("ij->k", a), "Output character 'k' did not appear in the input 'ij'.", SyntaxError);
  expectError(() => np.einsum("ij->ii", a), "Output character 'i' appeared more than once in the output 'ii'.", SyntaxError);
  expectError(() => np.einsum("i1", a), "Character '1' is not a valid symbol in 'i1'", SyntaxError);
  expectError(() => np.einsum("ij->i!", a), "Character '!' is not a valid symbol", SyntaxError);
  expectError(() => np.einsum("ij->i->j", a), "Subscripts can only contain one '->'", SyntaxError);
  expectError(() => np.einsum("ij-i", a), "Subscripts can only contain one '->'", SyntaxError);
  expectError(() => np.einsum("i..j", a), "Invalid ellipsis in 'i..j'", SyntaxError);
  expectError(() => np.einsum("......", a), "Invalid ellipsis", SyntaxError);
  const t = np.array([true, false]);
  expectError(() => np.einsum("i,i->", t, t), 'einsum does not support bool operands; convert with astype("int32") first', TypeError);
});

test.run();
