// tfjs-core registers no gradients of its own: the union package (@tensorflow/tfjs)
// imports "@tensorflow/tfjs-core/dist/register_all_gradients", an ES module file that
// Node cannot load from tfjs-core (the package is CommonJS to Node). We do what a bundler
// does for a tfjs-core app: esbuild bundles that file, and importing the bundle registers
// tfjs's own gradient functions. They land in the registry the loaded tfjs-core uses,
// because tfjs keeps its engine and registries on globalThis.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";

let registered: Promise<void> | undefined;

export function registerTfjsGradients(): Promise<void> {
  return (registered ??= (async () => {
    const require = createRequire(import.meta.url);
    const core = dirname(require.resolve("@tensorflow/tfjs-core/package.json"));
    const esbuild = await import("esbuild");
    const out = esbuild.buildSync({
      entryPoints: [join(core, "dist/register_all_gradients.js")],
      bundle: true,
      format: "esm",
      platform: "neutral",
      write: false,
      logLevel: "silent",
    });
    const code = out.outputFiles[0]!.text;
    await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
  })());
}
