// dot, matmul, vdot, inner, outer and tensordot in every rank combination.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np } from "../compiler/index.js";
import { expectArray, expectError } from "./util.js";

const A = () => np.array([[1, 2], [3, 4]]);
const B = () => np.array([[5, 6], [7, 8]]);
// C[k][j][m] = 4k + 2j + m
const C = () => np.reshape(np.arange(8), [2, 2, 2]);

test("dot with a 0-d operand multiplies", () => {
  expectArray(np.dot(2, np.array([1, 2])), [2, 4], "int32");
  expectArray(np.dot(np.array([[1, 2]]), 1.5), [[1.5, 3]], "float32");
  expectArray(np.dot(np.array(3), np.array(4)), 12, "int32");
});

test("dot of 1-D and 2-D operands", () => {
  expectArray(np.dot(np.array([1, 2, 3]), np.array([4, 5, 6])), 32, "int32");
  expectArray(np.dot(A(), np.array([5, 6])), [17, 39], "int32");
  expectArray(np.dot(np.array([5, 6]), A()), [23, 34], "int32");
  expectArray(np.dot(A(), B()), [[19, 22], [43, 50]], "int32");
  expectArray(np.dot(np.array([[1, 2, 3]]), np.array([[1], [0], [-1]])), [[-2]], "int32");
  expectArray(np.dot(np.array([0.5, 1]), np.array([2, 4])), 5, "float32");
});

test("dot of N-D operands contracts the last axis of a with the second-to-last of b", () => {
  // (2,2,2)·(2,): x[..., 0] - x[..., 1]
  expectArray(np.dot(C(), np.array([1, -1])), [[-1, -1], [-1, -1]], "int32");
  // (2,2)·(2,2,2): out[i][k][m] = sum_j A[i][j] C[k][j][m]
  expectArray(np.dot(A(), C()), [[[4, 7], [16, 19]], [[8, 15], [36, 43]]], "int32");
  // (2,)·(2,2,2): out[k][m] = C[k][0][m] - C[k][1][m]
  expectArray(np.dot(np.array([1, -1]), C()), [[-2, -2], [-2, -2]], "int32");
  const r = np.dot(np.ones([2, 3, 4]), np.ones([5, 4, 6]));
  assert.equal([...r.shape], [2, 3, 5, 6]);
  expectArray(np.sum(r), 2 * 3 * 5 * 6 * 4, "float32");
});

test("matmul of 1-D and 2-D operands", () => {
  expectArray(np.matmul(np.array([1, 2, 3]), np.array([4, 5, 6])), 32, "int32");
  expectArray(np.matmul(A(), np.array([5, 6])), [17, 39], "int32");
  expectArray(np.matmul(np.array([5, 6]), A()), [23, 34], "int32");
  expectArray(np.matmul(A(), B()), [[19, 22], [43, 50]], "int32");
  expectArray(np.matmul(np.array([[1, 2, 3]]), np.array([[1], [0], [-1]])), [[-2]], "int32");
});

test("batched matmul", () => {
  // C[k] @ diag(1, 2) doubles the second column of each matrix
  expectArray(np.matmul(C(), np.array([[1, 0], [0, 2]])), [[[0, 2], [2, 6]], [[4, 10], [6, 14]]], "int32");
  expectArray(np.matmul(np.array([[0, 1], [1, 0]]), C()), [[[2, 3], [0, 1]], [[6, 7], [4, 5]]], "int32");
  expectArray(np.matmul(C(), C()), [[[2, 3], [6, 11]], [[46, 55], [66, 79]]], "int32");
  // with 1-D operands
  expectArray(np.matmul(C(), np.array([1, -1])), [[-1, -1], [-1, -1]], "int32");
  expectArray(np.matmul(np.array([1, -1]), C()), [[-2, -2], [-2, -2]], "int32");
});

test("matmul broadcasts batch dimensions", () => {
  // X[i] = (i + 1) I with shape (2, 1, 2, 2); Y[j] = [[1, j], [0, 1]] with shape (3, 2, 2)
  const X = np.array([[[[1, 0], [0, 1]]], [[[2, 0], [0, 2]]]]);
  const Y = np.array([[[1, 0], [0, 1]], [[1, 1], [0, 1]], [[1, 2], [0, 1]]]);
  const r = np.matmul(X, Y);
  assert.equal([...r.shape], [2, 3, 2, 2]);
  expectArray(r, [
    [[[1, 0], [0, 1]], [[1, 1], [0, 1]], [[1, 2], [0, 1]]],
    [[[2, 0], [0, 2]], [[2, 2], [0, 2]], [[2, 4], [0, 2]]],
  ], "int32");
  // a size-1 batch dim against a larger one: (1,2,2) @ (3,2,2), Z[j] = j I
  const Z = np.array([[[0, 0], [0, 0]], [[1, 0], [0, 1]], [[2, 0], [0, 2]]]);
  expectArray(np.matmul(np.array([[[1, 2], [3, 4]]]), Z), [[[0, 0], [0, 0]], [[1, 2], [3, 4]], [[2, 4], [6, 8]]], "int32");
  // and the other way round: (3,2,2) @ (1,2,2)
  expectArray(np.matmul(Z, np.array([[[1, 2], [3, 4]]])), [[[0, 0], [0, 0]], [[1, 2], [3, 4]], [[2, 4], [6, 8]]], "int32");
  // a 2-D operand against a batch: (2,2) @ (2,2,2)
  const s = np.matmul(np.ones([3, 2]), np.ones([4, 2, 5]));
  assert.equal([...s.shape], [4, 3, 5]);
  expectArray(np.max(s), 2, "float32");
});

test("matmul promotes dtypes", () => {
  expectArray(np.matmul(A(), np.array([[0.5], [0.25]])), [[1], [2.5]], "float32");
});

test("vdot flattens both operands", () => {
  expectArray(np.vdot(A(), np.array([[1, 1], [2, 2]])), 17, "int32");
  expectArray(np.vdot(np.array([1.5, 2]), np.array([2, 2])), 7, "float32");
});

test("inner contracts the last axes", () => {
  expectArray(np.inner(np.array([1, 2, 3]), np.array([4, 5, 6])), 32, "int32");
  expectArray(np.inner(A(), B()), [[17, 23], [39, 53]], "int32");
  expectArray(np.inner(2, np.array([1, 2])), [2, 4], "int32");
  expectArray(np.inner(np.array([1, -1]), C()), [[-1, -1], [-1, -1]], "int32");
});

test("outer flattens and multiplies every pair", () => {
  expectArray(np.outer(np.array([1, 2]), np.array([3, 4, 5])), [[3, 4, 5], [6, 8, 10]], "int32");
  expectArray(np.outer(A(), np.array([1, 10])), [[1, 10], [2, 20], [3, 30], [4, 40]], "int32");
  expectArray(np.outer(np.array([0.5]), np.array([2])), [[1]], "float32");
});

test("tensordot with a count and with axis lists", () => {
  const M = np.array([[1, 2, 3], [4, 5, 6]]);
  expectArray(np.tensordot(M, M), 91, "int32");
  expectArray(np.tensordot(M, np.array([[1, 0], [0, 1], [1, 1]]), 1), [[4, 5], [10, 11]], "int32");
  expectArray(np.tensordot(np.array([1, 2]), np.array([3, 4]), 0), [[3, 4], [6, 8]], "int32");
  expectArray(np.tensordot(M, np.array([[1, 0], [0, 1], [1, 1]]), [[0, 1], [1, 0]]), 15, "int32");
  expectArray(np.tensordot(M, M, [0, 0]), [[17, 22, 27], [22, 29, 36], [27, 36, 45]], "int32");
  expectArray(np.tensordot(M, M, [[1], [1]]), [[14, 32], [32, 77]], "int32");
  expectArray(np.tensordot(M, M, [-1, -1]), [[14, 32], [32, 77]], "int32");
  const t = np.tensordot(np.reshape(np.arange(24), [2, 3, 4]), np.ones([3, 2], { dtype: "int32" }), [[1], [0]]);
  assert.equal([...t.shape], [2, 4, 2]);
  // sum over j of 12i + 4j + k = 36i + 12 + 3k
  expectArray(t, [[[12, 12], [15, 15], [18, 18], [21, 21]], [[48, 48], [51, 51], [54, 54], [57, 57]]], "int32");
});

test("contraction size mismatches name the shapes", () => {
  expectError(() => np.dot(np.ones([3]), np.ones([2])), "Incompatible shapes for dot: got (3,) and (2,).");
  expectError(() => np.dot(np.ones([2, 3]), np.ones([2, 3])), "Incompatible shapes for dot: got (2, 3) and (2, 3).");
  expectError(() => np.dot(np.ones([2, 2, 3]), np.ones([2, 3])), /contracting dimensions.*\(3,\) and \(2,\)/);
  expectError(() => np.matmul(np.ones([2, 3]), np.ones([2, 3])), /size 2 is different from 3/);
  expectError(() => np.matmul(np.ones([2, 2, 2]), np.ones([3, 2, 2])), "Incompatible shapes for matmul arguments: (2, 2, 2) and (3, 2, 2)");
  expectError(() => np.matmul(np.ones([2]), 3), /ndim at least 1/);
  expectError(() => np.tensordot(np.ones([2, 3]), np.ones([2, 3]), 1), /contracting dimensions.*\(3,\) and \(2,\)/);
  expectError(() => np.tensordot(np.ones([2, 3]), np.ones([3]), 2), /Number of tensordot axes \(axes 2\) exceeds input ranks \(\(2, 3\) and \(3,\)\)/);
  expectError(() => np.tensordot(np.ones([2, 3]), np.ones([3, 2]), [[0, 1], [0]]), "tensordot requires axes lists to have equal length");
  expectError(() => np.inner(np.ones([2, 3]), np.ones([2])), /contracting dimensions.*\(3,\) and \(2,\)/);
});

test.run();
