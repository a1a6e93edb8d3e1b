// One bounded cache for the whole codebase: least recently used entries go first.

/**
 * A map of at most `capacity` entries that evicts the least recently used one (a `get` hit or a `set` makes an entry
 * the most recent). Built on Map's insertion order: a hit re-inserts its key, except when it is already the most
 * recent one, so the common case of one hot key (the same spec on every sample of a batch) costs one lookup.
 * A capacity of 0 (or less) keeps nothing.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  private newest: K | undefined;
  /** Lookups that found / did not find their key, since creation (for cache metrics). */
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The value for `key` (made the most recent), or undefined. */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (key !== this.newest) {
      this.map.delete(key);
      this.map.set(key, v);
      this.newest = key;
    }
    return v;
  }

  /** The value for `key` without making it the most recent or counting a hit or miss. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  /** True when `key` is cached (does not count as a use). */
  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Stores `value` as the most recent entry, evicting the least recently used beyond the capacity. */
  set(key: K, value: V): this {
    if (this.capacity <= 0) return this;
    this.map.delete(key);
    this.map.set(key, value);
    this.newest = key;
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
    return this;
  }

  /** The cached value for `key`, or `make()`'s, cached (a `make` that throws caches nothing). */
  getOrSet(key: K, make: () => V): V {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const v = make();
    this.set(key, v);
    return v;
  }

  delete(key: K): boolean {
    if (key === this.newest) this.newest = undefined;
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
    this.newest = undefined;
  }

  keys(): IterableIterator<K> {
    return this.map.keys();
  }
}
