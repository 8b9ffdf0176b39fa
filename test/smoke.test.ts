import { test } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np, makeJaxpr } from "../compiler/index.js";

test("example 2 of jaxpr-format.md prints exactly", () => {
  const f = (x: np.Array) => np.divide(np.tanh(np.add(np.multiply(x, 2.5), 1)), 3);
  assert.is(
    String(makeJaxpr(f)(np.zeros([3]))),
    `{ lambda ; a:f32[3]. let
    b:f32[3] = mul a 2.5
    c:f32[3] = add b 1.0
    d:f32[3] = tanh c
    e:f32[3] = div d 3.0
  in (e,) }`,
  );
});

test.run();
