// The browser example's model: a small two-layer classifier whose weights are closed
// over (so the compiled module carries them as consts), compiled ahead of time into one
// .wasm with two entries. test/browser.test.ts checks the page's numbers against these
// same functions run by the reference interpreter.

import { jit, numpy as np, ShapeDtypeStruct } from "../../compiler/index.js";
import type { Array as WaxArray } from "../../compiler/index.js";
import { buildModule } from "../../compiler/aot/module.js";

export const BATCH = 8, FEATURES = 4, HIDDEN = 6, CLASSES = 3;

/** Values k/4 for small integers k: exact in float32, so every engine sees the same inputs. */
const quarters = (n: number, a: number, b: number): number[] => Array.from({ length: n }, (_, i) => (((i * a) % b) - (b >> 1)) / 4);

const w1 = np.array(quarters(FEATURES * HIDDEN, 5, 7)).reshape([FEATURES, HIDDEN]);
const b1 = np.array(quarters(HIDDEN, 3, 5));
const w2 = np.array(quarters(HIDDEN * CLASSES, 7, 9)).reshape([HIDDEN, CLASSES]);
const b2 = np.array(quarters(CLASSES, 2, 3));

/** Class probabilities for a batch of feature rows. */
export function predict(x: WaxArray): WaxArray {
  const h = np.tanh(np.matmul(x, w1).add(b1));
  return np.nn.softmax(np.matmul(h, w2).add(b2), -1);
}

/** The most likely class of each row (int32) and whether its probability is above 0.6 (bool). */
export function classify(x: WaxArray): [WaxArray, WaxArray] {
  const p = predict(x);
  return [np.argmax(p, -1), np.greater(np.max(p, -1), 0.6)];
}

/** The page's input: BATCH rows of FEATURES values. */
export function exampleInput(): { data: number[]; shape: number[] } {
  return { data: quarters(BATCH * FEATURES, 3, 11), shape: [BATCH, FEATURES] };
}

/** The compiled module's bytes: entries predict and classify, for float32[BATCH, FEATURES]. */
export function buildExampleModule(): Uint8Array {
  const x = new ShapeDtypeStruct([BATCH, FEATURES], "float32");
  return buildModule([
    { name: "predict", lowered: jit(predict).lower(x) },
    { name: "classify", lowered: jit(classify).lower(x) },
  ]).bytes;
}
