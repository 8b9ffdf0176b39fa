// Running an xla_pmap equation on the device pool: the per-device jaxpr is compiled once
// (collectives become workspace kernels and barriers), instantiated on every device over
// the shared memory, and each call hands every device pointers to its shards.

import { availableParallelism } from "node:os";
import { DeviceError, devicePool } from "../../runtime/pool.js";
import { waxMemory } from "../../runtime/memory.js";
import { ConcreteArray } from "../core/array.js";
import { emitWasm } from "../backend/compile.js";
import type { Jaxpr } from "../jaxpr/jaxpr.js";
import * as lax from "../lax/lax.js";
import { elemBytes, type Program } from "../lower/ir.js";
import { lowerJaxpr } from "../lower/lower.js";
import type { Params } from "../primitives/params.js";
import type { ShapedArray } from "../shape.js";

interface ShardExecutable {
  program: Program;
  module: number;
  n: number;
  scratch: number[]; // per device
  devinfo: number[]; // per device
  workspace: number;
  barrier: number;
}

const cache = new WeakMap<Jaxpr, ShardExecutable>();

function shardExecutable(jaxpr: Jaxpr, axisName: string, n: number): ShardExecutable {
  let exe = cache.get(jaxpr);
  if (exe) return exe;
  const program = lowerJaxpr(jaxpr, { name: axisName, size: n });
  const { bytes } = emitWasm(program);
  const pool = devicePool();
  const module = pool.addModule(new WebAssembly.Module(bytes as BufferSource));
  const mem = waxMemory();
  const views = () => mem.views();
  const perms = program.pmap?.permSources ?? [];
  const devinfo = Array.from({ length: n }, (_, d) => {
    const p = mem.alloc(4 * (1 + perms.length));
    const i32 = views().i32;
    i32[p >>> 2] = d;
    perms.forEach((src, k) => (i32[(p >>> 2) + 1 + k] = src[d]!));
    return p;
  });
  const slotBytes = program.pmap?.slotBytes ?? 16;
  const workspace = mem.alloc((n + 1) * slotBytes);
  views().u8.fill(0, workspace, workspace + (n + 1) * slotBytes); // slot n stays zero: ppermute's "nothing sent"
  const barrier = mem.alloc(16);
  views().i32.fill(0, barrier >>> 2, (barrier >>> 2) + 4);
  const scratch = Array.from({ length: n }, () => (program.scratchBytes > 0 ? mem.alloc(program.scratchBytes) : 0));
  exe = { program, module, n, scratch, devinfo, workspace, barrier };
  cache.set(jaxpr, exe);
  return exe;
}

const bytesOf = (a: ShapedArray) => a.size * elemBytes(a.dtype);

/** Spinning only pays when every device has a core to itself. */
function spinLimit(n: number): number {
  return n <= availableParallelism() ? 4000 : 0;
}

/** Moves axis `from` of `x` to the front, so shard d is the d-th contiguous block. */
function mappedFirst(x: ConcreteArray, from: number): ConcreteArray {
  if (from === 0) return x;
  const perm = [from, ...x.shape.map((_, i) => i).filter((i) => i !== from)];
  return lax.transpose(x, perm) as ConcreteArray;
}

export function runPmap(args: ConcreteArray[], params: Params<"xla_pmap">): ConcreteArray[] {
  const { call_jaxpr: jaxpr, axis_name, axis_size: n, in_axes, out_axes } = params;
  const exe = shardExecutable(jaxpr, axis_name, n);
  const mem = waxMemory();
  const inputs = args.map((a, i) => (in_axes[i] === null || in_axes[i] === undefined ? a : mappedFirst(a, in_axes[i]!)));
  const ptrs = inputs.map((a) => a.place());
  const shardIn = jaxpr.inAvals.map(bytesOf);
  const outAvals = jaxpr.outAvals;
  const outPtrs = outAvals.map((a) => mem.alloc(n * bytesOf(a)));
  const i32 = mem.views().i32;
  Atomics.store(i32, exe.barrier >>> 2, 0);
  Atomics.store(i32, (exe.barrier >>> 2) + 2, 0);
  Atomics.store(i32, (exe.barrier >>> 2) + 3, spinLimit(n));
  const perDevice = Array.from({ length: n }, (_, d) => [
    ...ptrs.map((p, i) => (in_axes[i] === null || in_axes[i] === undefined ? p : p + d * shardIn[i]!)),
    ...outPtrs.map((p, j) => p + d * bytesOf(outAvals[j]!)),
    exe.scratch[d]!,
    exe.devinfo[d]!,
    exe.workspace,
    exe.barrier,
  ]);
  try {
    devicePool().run(exe.module, perDevice, exe.barrier + 8);
  } catch (e) {
    outPtrs.forEach((p) => mem.free(p)); // no half-written outputs escape
    throw e instanceof DeviceError ? e : new DeviceError(String(e), 0);
  }
  return outAvals.map((a, j) => {
    const stacked = ConcreteArray.resident(a.withShape([n, ...a.shape]), outPtrs[j]!);
    const oa = out_axes[j]!;
    if (oa === 0) return stacked;
    const perm = a.shape.map((_, i) => i + 1);
    perm.splice(oa, 0, 0);
    return lax.transpose(stacked, perm) as ConcreteArray;
  });
}
