// Timing helpers: warm up for a while, choose a loop count, repeat, and report the median
// with min–max. Ratios against a baseline measured in the same run are the only claims
// we make; absolute times are noisy (other processes share the machine).

export interface Timing {
  median: number; // µs per call
  min: number;
  max: number;
  samples: number; // repetitions measured
  loops: number; // calls per repetition
}

export interface TimeOptions {
  /** Repetitions measured (fewer when `budgetMs` runs out, never fewer than 3). */
  repeats?: number;
  /** About how long one repetition takes: the loop count is chosen for it. */
  targetMs?: number;
  /** Warm-up time, so that V8 tiers up the JS and the wasm involved (at least one call). */
  warmMs?: number;
  /** Stop repeating after this much measuring time, once 3 samples are in. */
  budgetMs?: number;
}

const DEFAULTS: Required<TimeOptions> = { repeats: 7, targetMs: 20, warmMs: 100, budgetMs: 4000 };

/** Times a synchronous `fn`. */
export function time(fn: () => unknown, opts: TimeOptions = {}): Timing {
  const o = { ...DEFAULTS, ...opts };
  const warmStart = performance.now();
  let calls = 0;
  do {
    fn();
    calls++;
  } while (performance.now() - warmStart < o.warmMs);
  const loops = loopCount((performance.now() - warmStart) / calls, o.targetMs);
  const samples: number[] = [];
  const start = performance.now();
  for (let r = 0; r < o.repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < loops; i++) fn();
    samples.push(((performance.now() - t0) * 1000) / loops);
    if (samples.length >= 3 && performance.now() - start > o.budgetMs) break;
  }
  return summarize(samples, loops);
}

/** Times an asynchronous `fn` (a peer whose results are awaited), one await per call. */
export async function timeAsync(fn: () => Promise<unknown>, opts: TimeOptions = {}): Promise<Timing> {
  const o = { ...DEFAULTS, ...opts };
  const warmStart = performance.now();
  let calls = 0;
  do {
    await fn();
    calls++;
  } while (performance.now() - warmStart < o.warmMs);
  const loops = loopCount((performance.now() - warmStart) / calls, o.targetMs);
  const samples: number[] = [];
  const start = performance.now();
  for (let r = 0; r < o.repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < loops; i++) await fn();
    samples.push(((performance.now() - t0) * 1000) / loops);
    if (samples.length >= 3 && performance.now() - start > o.budgetMs) break;
  }
  return summarize(samples, loops);
}

/** Times calls that cannot be repeated in a loop (a first call): `setup` is not timed. */
export async function timeEach(setup: () => () => unknown, repeats: number): Promise<Timing> {
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const fn = setup();
    const t0 = performance.now();
    await fn();
    samples.push((performance.now() - t0) * 1000);
  }
  return summarize(samples, 1);
}

function loopCount(msPerCall: number, targetMs: number): number {
  return Math.max(1, Math.min(1 << 24, Math.round(targetMs / Math.max(msPerCall, 1e-6))));
}

function summarize(samples: number[], loops: number): Timing {
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[s.length >> 1]!, min: s[0]!, max: s[s.length - 1]!, samples: s.length, loops };
}

export function formatTime(us: number): string {
  const [scale, unit] = us < 1 ? [1e-3, "ns"] : us < 1000 ? [1, "µs"] : us < 1e6 ? [1e3, "ms"] : [1e6, "s"];
  const v = us / scale;
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${unit}`;
}

/** "1.23 ms (1.20–1.31)": the median, then min–max in the median's unit. */
export function formatTiming(t: Timing): string {
  const [scale, unit] = t.median < 1 ? [1e-3, "ns"] : t.median < 1000 ? [1, "µs"] : t.median < 1e6 ? [1e3, "ms"] : [1e6, "s"];
  const digits = (v: number) => (v / scale < 10 ? 2 : v / scale < 100 ? 1 : 0);
  const f = (v: number) => (v / scale).toFixed(digits(t.median));
  return `${f(t.median)} ${unit} (${f(t.min)}–${f(t.max)})`;
}

export function formatRatio(r: number): string {
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r >= 1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

/** A fixed pseudo-random sequence in [-1, 1) (mulberry32), so every run sees the same inputs. */
export function randomFloat32(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}
