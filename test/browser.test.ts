// The browser examples in headless Chromium (driven by playwright-core; the system's
// /usr/bin/chromium, else the one the @sparticuz/chromium dev dependency ships): the page loads the
// compiled model with the bundled runtime over a shared memory, cross-origin isolated, and
// shows results equal to the reference interpreter's and a time per call. Without the
// COOP/COEP headers the page shows the runtime's explanation instead. A second page
// (jit.html) runs the whole library's browser bundle: jit, eager ops, vmap and an MLP,
// traced and compiled in the page by the direct wasm encoder.

import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as wax from "../compiler/index.js";
import { chromium, type Browser, type Page } from "playwright-core";
import { numpy as np, withEagerBackend } from "../compiler/index.js";
import { writeExample } from "../examples/browser/build-model.js";
import { classify, exampleInput, predict } from "../examples/browser/model.js";
import { findChromium } from "./chromium.js";
import { expectClose } from "./util.js";

const ROOT = new URL("../../", import.meta.url); // dist/test -> the repository root
const PAGE = "examples/browser/index.html";

interface Server {
  url: string;
  close(): Promise<void>;
}
type Serve = (opts: { port?: number; isolate?: boolean }) => Promise<Server>;

let browser: Browser | undefined;
const servers: Server[] = [];

async function launch(): Promise<Browser> {
  if (browser) return browser;
  const { executablePath } = await findChromium();
  return (browser = await chromium.launch({
    executablePath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  }));
}

async function openExample(isolate: boolean, path = PAGE): Promise<{ page: Page; errors: string[] }> {
  const { serve } = (await import(new URL("examples/browser/serve.mjs", ROOT).href)) as { serve: Serve };
  const server = await serve({ port: 0, isolate });
  servers.push(server);
  const page = await (await launch()).newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(server.url + path);
  await page.waitForFunction(() => document.getElementById("status")?.textContent !== "loading…", null, { timeout: 60_000 });
  return { page, errors };
}

const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [Number(x)]);

test.before(() => {
  // The page fetches these from dist/examples/browser/.
  writeExample(fileURLToPath(new URL("dist/examples/browser/", ROOT)));
});

test.after(async () => {
  await browser?.close();
  for (const s of servers) await s.close();
});

test("the example page runs the compiled model in Chromium, cross-origin isolated, with the reference's numbers", async () => {
  const { page, errors } = await openExample(true);
  const error = await page.textContent("#error");
  assert.is(error, "", `the page failed: ${error} ${errors.join("\n")}`);
  assert.is(await page.textContent("#status"), "done");
  assert.is(await page.evaluate(() => globalThis.crossOriginIsolated), true);
  assert.is(await page.textContent("#isolated"), "true");

  const shown = JSON.parse((await page.textContent("#result"))!) as {
    entries: string[];
    predict: { shape: number[]; dtype: string; data: number[] };
    classify: { shape: number[]; dtype: string; data: number[] }[];
  };
  const { data, shape } = exampleInput();
  const [probs, labels, confident] = withEagerBackend("reference", () => {
    const x = np.array(data).reshape(shape);
    return [predict(x), ...classify(x)].map((a) => ({ shape: a.shape, dtype: a.dtype, data: flat(a.toList()) }));
  });
  assert.equal(shown.entries, ["predict", "classify"]);
  assert.equal(shown.predict.shape, probs!.shape);
  assert.is(shown.predict.dtype, "float32");
  expectClose(shown.predict.data, probs!.data, 1e-5);
  assert.equal(shown.classify, [labels, confident]);
  assert.ok(new Set(confident!.data).size === 2, "the example has confident and unsure rows");

  for (const id of ["#per-call", "#per-call-zero-copy"]) {
    const text = (await page.textContent(id))!;
    const us = Number(/^([\d.]+) µs$/.exec(text)?.[1]);
    assert.ok(us > 0 && us < 10_000, `${id} shows ${JSON.stringify(text)}`);
  }
  assert.equal(errors, []);
});

test("served without COOP/COEP, the page explains that it needs cross-origin isolation", async () => {
  const { page } = await openExample(false);
  assert.is(await page.evaluate(() => globalThis.crossOriginIsolated), false);
  assert.is(await page.textContent("#status"), "failed");
  assert.match((await page.textContent("#error"))!, /Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp/);
});

test("jit, eager ops, vmap and an MLP run in the page from the browser bundle, with the reference's numbers", async () => {
  const { page, errors } = await openExample(true, "examples/browser/jit.html");
  assert.is(await page.textContent("#error"), "", errors.join("\n"));
  assert.is(await page.textContent("#status"), "done");
  const shown = JSON.parse((await page.textContent("#result"))!) as Record<string, unknown>;
  // The oracle: the same demo on the reference interpreter, jit left out.
  const { demo } = (await import(new URL("examples/browser/jit-demo.js", ROOT).href)) as { demo: (w: unknown) => Record<string, unknown> };
  const want = withEagerBackend("reference", () => demo({ ...wax, jit: (f: unknown) => f }));
  for (const key of ["seed", "eager", "probs", "perExample"]) expectClose(flat(shown[key]), flat(want[key]), 1e-5);
  const times = JSON.parse((await page.textContent("#times"))!) as Record<string, number>;
  assert.ok(Object.values(times).every((t) => t > 0 && t < 5000), JSON.stringify(times));
  assert.equal(errors, []);
});

test.run();
