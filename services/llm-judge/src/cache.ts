// A bounded LRU (the kit's) of judgments, keyed by a hash of everything that decides them; concurrent identical requests share one call.
import { createHash } from 'node:crypto';
import { Lru } from '@verimesh/kit';

export interface CacheStats {
  hits: number;
  misses: number;
  size: number;
  capacity: number;
}

export class JudgmentCache {
  private readonly entries: Lru<string, Promise<unknown>>;
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number) {
    this.entries = new Lru(capacity);
  }

  static key(parts: unknown): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
  }

  /**
   * The value for `key`, computing it at most once while it is cached. A request identical to one still in flight
   * waits for that call (a GRPO group's repeated responses cost one judgment) and counts as a hit. Failures are
   * not kept.
   */
  async get<T>(key: string, compute: () => Promise<T>): Promise<{ value: T; hit: boolean }> {
    if (this.capacity <= 0) {
      this.misses++;
      return { value: await compute(), hit: false };
    }
    const cached = this.entries.get(key);
    if (cached) {
      this.hits++;
      try {
        return { value: (await cached) as T, hit: true };
      } catch {
        // The shared call failed (possibly cancelled by its first caller's deadline): compute for this caller.
        this.hits--;
      }
    }
    this.misses++;
    const p = compute();
    this.entries.set(key, p);
    try {
      return { value: await p, hit: false };
    } catch (e) {
      if (this.entries.peek(key) === p) this.entries.delete(key);
      throw e;
    }
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, size: this.entries.size, capacity: this.capacity };
  }
}
