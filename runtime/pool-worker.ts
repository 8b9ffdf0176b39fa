// A pmap device: a worker thread that runs jobs posted in its slot of the control block
// (see pool.ts), over the shared wasm memory. It never returns to its event loop while
// waiting for work; modules arrive on its port and are taken synchronously when needed.

import { type MessagePort, receiveMessageOnPort, workerData } from "node:worker_threads";

import {
  ABORT_PTR, ARGS, CMD, CMD_RUN, CRASH, MODULE, NARGS, PENDING, READY, SEQ, SPIN_LIMIT, STATUS, ST_DEAD, ST_DONE, ST_ERROR,
} from "./pool-layout.js";

const { ctrl, base, memory, port } = workerData as { ctrl: Int32Array; base: number; memory: WebAssembly.Memory; port: MessagePort };
const instances: WebAssembly.Instance[] = [];
let job = 0; // is a job running?

function finish(status: number): void {
  Atomics.store(ctrl, base + STATUS, status);
  Atomics.sub(ctrl, PENDING, 1);
  Atomics.notify(ctrl, PENDING);
}

function raiseAbort(): void {
  const ptr = ctrl[base + ABORT_PTR]!;
  if (ptr === 0) return;
  const i32 = new Int32Array(memory.buffer);
  Atomics.store(i32, ptr >>> 2, 1);
  Atomics.notify(i32, (ptr >>> 2) - 1);
}

// A worker that exits (process.exit, an uncaught error) says so, so nobody waits for it.
process.on("exit", () => {
  Atomics.store(ctrl, base + STATUS, ST_DEAD);
  if (job) {
    raiseAbort();
    job = 0;
    Atomics.sub(ctrl, PENDING, 1);
  }
  Atomics.notify(ctrl, PENDING);
});

// Read the sequence number before saying we are ready: a job posted right after must count as new.
let seen = Atomics.load(ctrl, base + SEQ);
Atomics.store(ctrl, base + READY, 1);
Atomics.notify(ctrl, base + READY);
for (;;) {
  let spins = 0;
  const limit = Atomics.load(ctrl, SPIN_LIMIT);
  while (Atomics.load(ctrl, base + SEQ) === seen) {
    if (++spins > limit) Atomics.wait(ctrl, base + SEQ, seen);
  }
  seen = Atomics.load(ctrl, base + SEQ);
  const cmd = ctrl[base + CMD];
  if (cmd !== CMD_RUN) continue;
  job = 1;
  const mod = ctrl[base + MODULE]!;
  const args = Array.from({ length: ctrl[base + NARGS]! }, (_, i) => ctrl[base + ARGS + i]!);
  try {
    const crash = Atomics.exchange(ctrl, base + CRASH, 0);
    if (crash === 2) process.exit(70);
    if (crash === 1) throw new Error("injected fault");
    while (instances.length <= mod) {
      const msg = receiveMessageOnPort(port);
      if (!msg) throw new Error(`module ${mod} was never sent to this device`);
      instances.push(new WebAssembly.Instance((msg.message as { module: WebAssembly.Module }).module, { env: { memory } }));
    }
    (instances[mod]!.exports.main as (...a: number[]) => void)(...args);
    job = 0;
    finish(ST_DONE);
  } catch (e) {
    const aborted = e instanceof WebAssembly.RuntimeError && /unreachable/.test(e.message);
    port.postMessage({ error: String(e), aborted });
    raiseAbort();
    job = 0;
    finish(ST_ERROR);
  }
}
