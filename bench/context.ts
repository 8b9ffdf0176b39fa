// What every workload gets: the run's settings, the loaded peers, and helpers that turn
// "this library computes it like so" into an `Impl` that reads its result back, frees
// what each call allocates, and says why when the library is missing.

import type { Array as WaxArray } from "../compiler/index.js";
import { type Case, type Impl, type Lib, type Row, firstLine } from "./case.js";
import type { TimeOptions } from "./harness.js";
import type { JaxJsApi } from "./peers/jaxjs.js";
import type { Peer } from "./peers/peer.js";
import type { TfApi } from "./peers/tfjs.js";

export interface Context {
  quick: boolean;
  /** --threads: pmap's device count, and the thread count asked of peers that have threads. */
  threads: number;
  timing: TimeOptions;
  jax: Peer<JaxJsApi>;
  tf: Peer<TfApi>;
  /** Checks and times one case, and records its row. */
  run(c: Case): Promise<Row>;
  log(line: string): void;
}

type Body = Omit<Impl, "lib" | "what">;

/** An implementation by a peer, or a cell saying why there is none. */
export function peerImpl<A>(peer: Peer<A>, lib: Lib, what: string, build: (api: A) => Body): Impl {
  if (!peer.api) return { lib, what, na: peer.info.note ?? "not loaded" };
  try {
    return { lib, what, ...build(peer.api) };
  } catch (e) {
    return { lib, what, error: `setting up: ${firstLine(e)}` };
  }
}

/** A wax function called on wax arrays: the result read with data(), freed with dispose(). */
export function waxImpl(what: string, f: (...args: WaxArray[]) => unknown, args: WaxArray[], extra: Body = {}): Impl {
  const call = () => f(...args) as WaxArray;
  return {
    lib: "wax",
    what,
    result: () => {
      const y = call();
      const data = y.data();
      y.dispose();
      return data;
    },
    call: () => call().dispose(),
    ...extra,
  };
}

/** Plain JS: `f` fills and returns its output; the reference is its first result. */
export function plainImpl(what: string, f: () => ArrayLike<number>, extra: Body = {}): Impl {
  return { lib: "plain JS", what, result: f, call: f, ...extra };
}

export function na(lib: Lib, why: string): Impl {
  return { lib, what: "—", na: why };
}
