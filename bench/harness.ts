// Timing helpers: warm up, repeat, report the median with min–max. Ratios against a
// baseline measured in the same run are the only claims we make; absolute times are noisy.

export interface Timing {
  median: number; // µs per call
  min: number;
  max: number;
}

/** Times `fn`, choosing a loop count so that one repetition takes about `targetMs`. */
export function time(fn: () => unknown, { repeats = 7, targetMs = 20 } = {}): Timing {
  // Warm up long enough for V8 to tier up both the JS and the wasm involved.
  const warmEnd = performance.now() + Math.max(100, targetMs * 3);
  for (let i = 0; i < 20 || performance.now() < warmEnd; i++) fn();
  let loops = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < loops; i++) fn();
    const dt = performance.now() - t0;
    if (dt >= targetMs / 4 || loops >= 1 << 24) {
      loops = Math.max(1, Math.round((loops * targetMs) / Math.max(dt, 1e-3)));
      break;
    }
    loops *= 4;
  }
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < loops; i++) fn();
    samples.push(((performance.now() - t0) * 1000) / loops);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[samples.length >> 1]!, min: samples[0]!, max: samples[samples.length - 1]! };
}

export function formatTime(us: number): string {
  if (us < 1) return `${(us * 1000).toFixed(0)} ns`;
  if (us < 1000) return `${us.toFixed(2)} µs`;
  return `${(us / 1000).toFixed(2)} ms`;
}
