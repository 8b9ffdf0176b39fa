// TensorFlow.js with its WebAssembly backend (@tensorflow/tfjs-core +
// @tensorflow/tfjs-backend-wasm, XNNPACK kernels). Loaded as its README says for a custom
// location: `setWasmPaths(<the package's dist directory>)` before `tf.setBackend("wasm")`,
// so the .wasm files come from node_modules (no network). It picks the SIMD binary when
// the engine validates SIMD; the threaded one only outside Node (tfjs#3830).

import { createRequire } from "node:module";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import type * as TfCore from "@tensorflow/tfjs-core";
import type * as TfWasm from "@tensorflow/tfjs-backend-wasm";
import { type Peer, installedVersion } from "./peer.js";

export type TfApi = typeof TfCore;

export async function loadTfjs(threads: number): Promise<Peer<TfApi>> {
  const core = "@tensorflow/tfjs-core", wasmPkg = "@tensorflow/tfjs-backend-wasm";
  const info = {
    name: "tfjs",
    package: `${core} + ${wasmPkg}`,
    version: `${installedVersion(core)} / ${installedVersion(wasmPkg)}`,
    backend: "wasm",
    threads: "1",
    loaded: false,
  };
  try {
    const tf = (await import("@tensorflow/tfjs-core")) as TfApi;
    const wasm = (await import("@tensorflow/tfjs-backend-wasm")) as typeof TfWasm;
    // The dist directory holds tfjs-backend-wasm{,-simd,-threaded-simd}.wasm.
    const dist = dirname(createRequire(import.meta.url).resolve(wasmPkg));
    wasm.setWasmPaths(`${dist}/`);
    wasm.setThreadsCount(threads); // honoured by the threaded binary only
    if (!(await tf.setBackend("wasm"))) throw new Error(`tf.setBackend("wasm") failed (wasm files in ${pathToFileURL(dist).href})`);
    await tf.ready();
    if (tf.getBackend() !== "wasm") throw new Error(`the active backend is ${tf.getBackend()}, not wasm`);
    const simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
    const multithread = Boolean(await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"));
    const binary = multithread && simd ? "tfjs-backend-wasm-threaded-simd.wasm" : simd ? "tfjs-backend-wasm-simd.wasm" : "tfjs-backend-wasm.wasm";
    const actual = wasm.getThreadsCount();
    return {
      api: tf,
      info: {
        ...info,
        backend: `wasm, ${binary} (XNNPACK)`,
        threads: String(actual),
        loaded: true,
        ...(multithread ? {} : { note: "tfjs turns its threaded wasm binary off under Node (tfjs#3830), so --threads does not apply" }),
      },
    };
  } catch (e) {
    return { info: { ...info, note: `could not be loaded: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}` } };
  }
}
