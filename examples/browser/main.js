// The browser example: load the compiled model with the bundled wax runtime, run it on
// the example input, and show the results and the time per call.

import { loadModule } from "../../dist/runtime/wax-runtime.min.js";

const $ = (id) => document.getElementById(id);
const MODEL = "../../dist/examples/browser/model.wasm";
const INPUT = "../../dist/examples/browser/input.json";

/** Microseconds per call of `fn`, over batches of calls for at least `ms` milliseconds. */
function perCall(fn, ms = 300) {
  for (let i = 0; i < 100; i++) fn();
  let calls = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < 200; i++) fn();
    calls += 200;
    elapsed = performance.now() - t0;
  } while (elapsed < ms);
  return (elapsed * 1000) / calls;
}

function showTable(probs, labels, confident) {
  const [rows, classes] = probs.shape;
  const head = `<tr><th>row</th>${Array.from({ length: classes }, (_, c) => `<th>p(class ${c})</th>`).join("")}<th>class</th><th>confident</th></tr>`;
  const body = Array.from({ length: rows }, (_, r) => {
    const ps = Array.from({ length: classes }, (_, c) => `<td>${probs.data[r * classes + c].toFixed(4)}</td>`).join("");
    return `<tr><td>${r}</td>${ps}<td>${labels.data[r]}</td><td>${confident.data[r] ? "yes" : "no"}</td></tr>`;
  }).join("");
  $("table").innerHTML = head + body;
}

async function main() {
  $("isolated").textContent = String(globalThis.crossOriginIsolated);
  const [mod, input] = await Promise.all([loadModule(MODEL), fetch(INPUT).then((r) => r.json())]);
  const x = { data: new Float32Array(input.data), shape: input.shape };

  const probs = mod.predict(x);
  const [labels, confident] = mod.classify(x);
  showTable(probs, labels, confident);
  $("result").textContent = JSON.stringify({
    entries: mod.entries,
    predict: { shape: probs.shape, dtype: probs.dtype, data: Array.from(probs.data) },
    classify: [labels, confident].map((r) => ({ shape: r.shape, dtype: r.dtype, data: Array.from(r.data) })),
  });

  $("per-call").textContent = `${perCall(() => mod.predict(x)).toFixed(2)} µs`;
  // Zero copy: the input and the output live in the shared memory and are reused.
  const xs = mod.alloc("float32", input.shape);
  xs.data.set(x.data);
  const outs = mod.run("predict", [xs]);
  $("per-call-zero-copy").textContent = `${perCall(() => mod.run("predict", [xs], outs)).toFixed(2)} µs`;
  xs.dispose();
  outs.forEach((o) => o.dispose());

  $("status").textContent = "done";
  $("result").dataset.ready = "true";
}

main().catch((e) => {
  $("status").textContent = "failed";
  $("error").textContent = `${e.name}: ${e.message}`;
});
