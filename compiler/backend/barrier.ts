// A barrier for the devices of a pmap, in wasm atomics over the shared memory. The block
// holds [count, generation, abort, spin limit]. The last device to arrive resets the
// count, bumps the generation and wakes the others; the others spin briefly (a futex wake
// costs tens of µs; the runtime sets the limit to 0 when devices outnumber cores), then
// wait with a timeout so that an abort (a device failed) is noticed within a millisecond,
// and trap.

import { T } from "./builder.js";
import type { FnBuilder, Ref } from "./fn.js";

const WAIT_NS = 1_000_000;

export function emitBarrier(fb: FnBuilder, n: number, block: Ref): Ref[] {
  const m = fb.m, i32 = T.i32;
  const b = fb.local(i32), gen = fb.local(i32), spins = fb.local(i32);
  const brk = fb.label("bar"), cont = fb.label("barl");
  const load = (offset: number) => m.i32.atomic.load(offset, fb.get(b, i32));
  return [
    fb.set(b, block),
    fb.set(gen, load(4)),
    m.if(
      m.i32.eq(m.i32.atomic.rmw.add(0, fb.get(b, i32), fb.i32(1)), fb.i32(n - 1)),
      m.block(null, [
        m.i32.atomic.store(0, fb.get(b, i32), fb.i32(0)),
        m.drop(m.i32.atomic.rmw.add(4, fb.get(b, i32), fb.i32(1))),
        m.drop(m.memory.atomic.notify(m.i32.add(fb.get(b, i32), fb.i32(4)), fb.i32(n))),
      ]),
      m.block(null, [
        fb.set(spins, fb.i32(0)),
        m.block(brk, [
          m.loop(
            cont,
            m.block(null, [
              m.br(brk, m.i32.ne(load(4), fb.get(gen, i32))),
              m.if(m.i32.ne(load(8), fb.i32(0)), m.unreachable()),
              fb.set(spins, m.i32.add(fb.get(spins, i32), fb.i32(1))),
              m.if(
                m.i32.gt_u(fb.get(spins, i32), load(12)),
                m.drop(m.memory.atomic.wait32(m.i32.add(fb.get(b, i32), fb.i32(4)), fb.get(gen, i32), m.i64.const(BigInt(WAIT_NS) as never))),
              ),
              m.br(cont),
            ]),
          ),
        ]),
      ]),
    ),
  ];
}
