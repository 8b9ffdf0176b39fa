// A map that keeps its most recently used entries: compiled programs are cached per
// shape, and a program that sees ever new shapes must not keep every kernel for ever.

export class LruCache<K, V> {
  readonly #map = new Map<K, V>();

  /** `onEvict` releases what an evicted value holds (its slots and scratch in the shared memory). */
  constructor(
    readonly capacity: number,
    readonly onEvict: (value: V) => void = () => {},
  ) {}

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      // Map iterates in insertion order: re-inserting marks the entry most recently used.
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    while (this.#map.size > this.capacity) this.#evictOldest();
  }

  /** Evicts every entry (memory pressure). */
  clear(): void {
    while (this.#map.size > 0) this.#evictOldest();
  }

  #evictOldest(): void {
    const [k, v] = this.#map.entries().next().value as [K, V];
    this.#map.delete(k);
    this.onEvict(v);
  }
}
