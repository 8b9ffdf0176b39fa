// The jit demo, written once against a wax namespace so that the page (jit.html, with the
// browser bundle) and the test (with the library in Node, on the reference interpreter)
// compute the same things: the seed's jit(vmap(dot)), eager ops, and a small MLP under jit.

/** Runs the demo with `wax` (the library's namespace); returns results and first-call times in ms. */
export function demo(wax) {
  const { numpy: np, jit, vmap } = wax;
  const times = {};
  const timed = (name, f) => {
    const t0 = performance.now();
    const r = f();
    times[name] = performance.now() - t0;
    return r;
  };
  const rows = [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]];
  const a = np.array(rows, { dtype: "int32" }), b = np.array(rows.map((r) => r.map((v) => v + 4)), { dtype: "int32" });
  const seed = timed("first jit(vmap(dot))", () => jit(vmap((x, y) => np.dot(x, y)))(a, b).toList());
  const x = np.arange(12).astype("float32").reshape(3, 4).div(10);
  const eager = timed("first eager ops", () => [np.add(x, x).toList(), np.exp(x).toList(), np.sum(x, 1).toList()]);
  const w1 = np.remainder(np.arange(20), 7).astype("float32").sub(3).div(5).reshape(4, 5);
  const b1 = np.full([5], 0.1);
  const w2 = np.remainder(np.arange(10), 5).astype("float32").sub(2).div(4).reshape(5, 2);
  const mlp = (v) => np.nn.softmax(np.tanh(np.matmul(v, w1).add(b1)).matmul(w2), -1);
  const probs = timed("first jit(mlp)", () => jit(mlp)(x).toList());
  const perExample = timed("first jit(vmap(mlp))", () => jit(vmap(mlp))(x).toList());
  return { seed, eager, probs, perExample, times };
}
