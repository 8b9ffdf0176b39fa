// jax-js (@jax-js/jax), the closest peer: JAX's API in TypeScript, kernels generated as
// wasm at run time. Used as its README says: `await init("wasm")`, arrays from typed
// arrays, `jit`/`vmap`, `.ref` for every argument that is used again (its arguments are
// consumed), `await y.blockUntilReady()` to wait for a result, `dispose()` to free it.

import type * as JaxJs from "@jax-js/jax";
import { type Peer, installedVersion } from "./peer.js";

export type JaxJsApi = typeof JaxJs;

export async function loadJaxJs(): Promise<Peer<JaxJsApi>> {
  const pkg = "@jax-js/jax";
  const info = { name: "jax-js", package: pkg, version: installedVersion(pkg), backend: "wasm", threads: "1", loaded: false };
  try {
    const jax = (await import("@jax-js/jax")) as JaxJsApi;
    // init() with no argument also probes WebGPU, which reads `navigator` (absent in Node 20).
    const got = await jax.init("wasm");
    if (!got.includes("wasm")) throw new Error(`init("wasm") returned ${JSON.stringify(got)}`);
    jax.defaultDevice("wasm");
    // Its wasm backend spreads kernels over a pool of Web Workers when both
    // SharedArrayBuffer and a global Worker exist; Node has no global (Web) Worker.
    const pooled = typeof SharedArrayBuffer !== "undefined" && typeof (globalThis as { Worker?: unknown }).Worker !== "undefined";
    const threads = pooled ? String(Math.max(1, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency || 4)) : "1";
    return {
      api: jax,
      info: {
        ...info,
        backend: `wasm (kernels generated at run time; device ${jax.defaultDevice()})`,
        threads,
        loaded: true,
        ...(pooled ? {} : { note: "no Web Worker global in Node, so its wasm worker pool is off (--threads does not apply)" }),
      },
    };
  } catch (e) {
    return { info: { ...info, note: `could not be loaded: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}` } };
  }
}
