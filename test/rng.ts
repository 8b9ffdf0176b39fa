// A small deterministic PRNG (mulberry32) for the seeded property tests and the fuzzer.

export class Rng {
  constructor(private s: number) {
    this.s = s | 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  word(): number {
    return Math.floor(this.next() * 4294967296);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** A shape of rank in [minRank, maxRank] with dims in [1, maxDim]. */
  shape(minRank: number, maxRank: number, maxDim = 3): number[] {
    return Array.from({ length: this.int(minRank, maxRank) }, () => this.int(1, maxDim));
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
  /** A random subset of 0..n-1, in order. */
  subset(n: number): number[] {
    return Array.from({ length: n }, (_, i) => i).filter(() => this.chance(0.5));
  }
}
