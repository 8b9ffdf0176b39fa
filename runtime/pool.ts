// Devices for pmap: worker threads that share the process's one WebAssembly.Memory, so
// shards are read and written in place. The calling thread is device 0 and does a shard
// itself; devices 1..n-1 are workers started once and kept.
//
// Dispatch goes through a small SharedArrayBuffer (one slot of int32s per worker): the
// caller writes a job and bumps the slot's sequence number; a worker spins briefly (a
// futex wake-up costs about 45 µs, a short spin about 1 µs) and then sleeps in
// Atomics.wait. Workers report completion by decrementing a shared counter. A worker
// that throws or exits reports it in its slot and raises the abort flag that wasm
// barriers watch, so no device waits forever; the pool then replaces it.

import { availableParallelism } from "node:os";
import { Worker, MessageChannel, type MessagePort, receiveMessageOnPort } from "node:worker_threads";
import { waxMemory } from "./memory.js";

import {
  ABORT_PTR, ARGS, CMD, CMD_RUN, CRASH, MAX_ARGS, MODULE, NARGS, PENDING, READY, SEQ, SLOT, SPIN_LIMIT, STATUS,
  ST_DEAD, ST_ERROR, ST_IDLE,
} from "./pool-layout.js";

const SPIN = 20000; // iterations a waiter spins before sleeping, when every device has a core

export class DeviceError extends Error {
  override name = "DeviceError";
  constructor(
    message: string,
    readonly device: number,
  ) {
    super(message);
  }
}

let configuredCount: number | undefined;

/** Sets the number of devices (before first use), as JAX's --xla_force_host_platform_device_count does. */
export function setDeviceCount(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`device count must be a positive integer, got ${n}`);
  if (pool) throw new Error("setDeviceCount must be called before the first pmap (the device pool is already running)");
  configuredCount = n;
}

/** How many devices pmap can use: WAX_NUM_DEVICES, setDeviceCount, or the available cores. */
export function deviceCount(): number {
  if (configuredCount !== undefined) return configuredCount;
  const env = globalThis.process?.env?.WAX_NUM_DEVICES;
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`WAX_NUM_DEVICES must be a positive integer, got ${JSON.stringify(env)}`);
    return n;
  }
  return Math.max(1, availableParallelism());
}

export interface Device {
  id: number;
  platform: "wasm";
  /** Device 0 is the calling thread; the others are worker threads. */
  kind: "main-thread" | "worker";
}

export function devices(): Device[] {
  return Array.from({ length: deviceCount() }, (_, id) => ({ id, platform: "wasm", kind: id === 0 ? "main-thread" : "worker" }));
}

interface WorkerHandle {
  worker: Worker;
  port: MessagePort;
  loaded: number; // modules sent so far
}

class Pool {
  readonly ctrl: Int32Array;
  readonly workers: (WorkerHandle | null)[] = [];
  readonly modules: WebAssembly.Module[] = [];
  readonly instances: WebAssembly.Instance[] = [];

  constructor(readonly size: number) {
    this.ctrl = new Int32Array(new SharedArrayBuffer((size + 1) * SLOT * 4));
  }

  /** Registers a module with every device; returns its index. */
  addModule(module: WebAssembly.Module): number {
    this.modules.push(module);
    this.instances.push(new WebAssembly.Instance(module, { env: { memory: waxMemory().memory } }));
    return this.modules.length - 1;
  }

  private spawn(d: number): WorkerHandle {
    const { port1, port2 } = new MessageChannel();
    const base = d * SLOT;
    Atomics.store(this.ctrl, base + READY, 0);
    Atomics.store(this.ctrl, base + STATUS, ST_IDLE);
    const worker = new Worker(new URL("./pool-worker.js", import.meta.url), {
      workerData: { ctrl: this.ctrl, base, memory: waxMemory().memory, port: port2 },
      transferList: [port2],
    });
    worker.unref();
    port1.unref();
    // Wait (briefly) for the worker to come up, so a job is never posted into the void.
    const deadline = Date.now() + 10_000;
    while (Atomics.load(this.ctrl, base + READY) === 0) {
      Atomics.wait(this.ctrl, base + READY, 0, 50);
      if (Date.now() > deadline) throw new DeviceError(`device ${d}: worker did not start within 10 s`, d);
    }
    const h = { worker, port: port1, loaded: 0 };
    this.workers[d] = h;
    return h;
  }

  private handle(d: number): WorkerHandle {
    const h = this.workers[d];
    if (h && Atomics.load(this.ctrl, d * SLOT + STATUS) !== ST_DEAD) return h;
    if (h) void h.worker.terminate();
    return this.spawn(d);
  }

  /** Makes the next job on device `d` fail the given way (tests of fault handling). */
  injectFault(d: number, how: "throw" | "exit"): void {
    if (d < 1 || d >= this.size) throw new RangeError(`injectFault: device ${d} is not a worker device`);
    this.handle(d);
    Atomics.store(this.ctrl, d * SLOT + CRASH, how === "throw" ? 1 : 2);
  }

  /**
   * Runs module `mod`'s entry on devices 0..n-1 with per-device arguments, synchronously.
   * `abortPtr` is the address of the wasm barrier's abort word.
   */
  run(mod: number, args: number[][], abortPtr: number): void {
    const n = args.length;
    if (n > this.size) throw new DeviceError(`need ${n} devices, the pool has ${this.size}`, n - 1);
    const ctrl = this.ctrl;
    const handles = args.map((_, d) => (d === 0 ? null : this.handle(d)));
    for (let d = 1; d < n; d++) {
      const h = handles[d]!;
      while (h.loaded < this.modules.length) h.port.postMessage({ module: this.modules[h.loaded++] });
      if (args[d]!.length > MAX_ARGS) throw new Error(`pmap: too many arguments (${args[d]!.length} > ${MAX_ARGS})`);
    }
    Atomics.store(ctrl, PENDING, n - 1);
    Atomics.store(ctrl, SPIN_LIMIT, n <= availableParallelism() ? SPIN : 0);
    for (let d = 1; d < n; d++) {
      const base = d * SLOT;
      ctrl[base + CMD] = CMD_RUN;
      ctrl[base + MODULE] = mod;
      ctrl[base + NARGS] = args[d]!.length;
      ctrl[base + ABORT_PTR] = abortPtr;
      args[d]!.forEach((a, i) => (ctrl[base + ARGS + i] = a));
      Atomics.store(ctrl, base + STATUS, ST_IDLE);
      Atomics.add(ctrl, base + SEQ, 1);
      Atomics.notify(ctrl, base + SEQ, 1);
    }
    let mainError: unknown;
    try {
      (this.instances[mod]!.exports.main as (...a: number[]) => void)(...args[0]!);
    } catch (e) {
      mainError = e;
      abort(abortPtr);
    }
    // Wait for the workers: spin, then sleep in short slices, watching for deaths.
    let spins = 0;
    const spinLimit = ctrl[SPIN_LIMIT]!;
    for (;;) {
      const pending = Atomics.load(ctrl, PENDING);
      if (pending <= 0) break;
      if (++spins < spinLimit) continue;
      Atomics.wait(ctrl, PENDING, pending, 20);
      for (let d = 1; d < n; d++) {
        if (Atomics.load(ctrl, d * SLOT + STATUS) === ST_DEAD) abort(abortPtr);
      }
    }
    // Report the first device that failed on its own (not one that stopped because of the abort).
    const failures: DeviceError[] = [];
    for (let d = 1; d < n; d++) {
      const st = Atomics.load(ctrl, d * SLOT + STATUS);
      if (st === ST_DEAD) failures.push(new DeviceError(`device ${d} (worker thread) died during the call; it has been replaced`, d));
      else if (st === ST_ERROR) {
        const msg = receiveMessageOnPort(handles[d]!.port)?.message as { error?: string; aborted?: boolean } | undefined;
        if (!msg?.aborted) failures.push(new DeviceError(`device ${d} (worker thread) failed: ${msg?.error ?? "unknown error"}`, d));
      }
    }
    if (failures.length > 0) throw failures[0];
    if (mainError !== undefined) {
      if (!isAbortTrap(mainError)) throw new DeviceError(`device 0 (calling thread) failed: ${String(mainError)}`, 0);
      throw new DeviceError("a device aborted the call", 0);
    }
  }
}

function isAbortTrap(e: unknown): boolean {
  return e instanceof WebAssembly.RuntimeError && /unreachable/.test(e.message);
}

/** Raises the barrier's abort flag and wakes everyone waiting on it. */
export function abort(abortPtr: number): void {
  if (abortPtr === 0) return;
  const i32 = waxMemory().views().i32;
  Atomics.store(i32, abortPtr >>> 2, 1);
  Atomics.notify(i32, (abortPtr >>> 2) - 1); // the generation word the barrier waits on
}

let pool: Pool | undefined;

/** The device pool, started on first use with `deviceCount()` devices. */
export function devicePool(): Pool {
  return (pool ??= new Pool(deviceCount()));
}

export type { Pool };
