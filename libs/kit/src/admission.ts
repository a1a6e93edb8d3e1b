// Admission control: a bounded count of in-flight items; work beyond it is refused at once, never queued without bound.
import { ResourceExhaustedError } from './errors.js';

export class Admission {
  private inFlight = 0;
  constructor(readonly limit: number) {}

  get current(): number {
    return this.inFlight;
  }

  /** Admits n items or throws ResourceExhaustedError; pair every success with release(n). */
  acquire(n: number): void {
    if (this.inFlight + n > this.limit) {
      throw new ResourceExhaustedError(`overloaded: ${this.inFlight} items in flight, limit ${this.limit}, this call brings ${n}; retry with backoff`);
    }
    this.inFlight += n;
  }

  release(n: number): void {
    this.inFlight = Math.max(0, this.inFlight - n);
  }
}

/**
 * A bounded worker pool: at most `concurrency` tasks run, at most `queue` wait; beyond that run() rejects with
 * ResourceExhaustedError. For services whose items are expensive (sandbox runs, judge calls).
 */
export class BoundedPool {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(
    readonly concurrency: number,
    readonly queue: number,
  ) {}

  get active(): number {
    return this.running;
  }
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so `running` never exceeds `concurrency`.
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue) {
        throw new ResourceExhaustedError(`overloaded: ${this.running} running and ${this.waiting.length} queued (limits ${this.concurrency}/${this.queue})`);
      }
      await new Promise<void>((resolve, reject) => {
        const go = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = (): void => {
          const i = this.waiting.indexOf(go);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted while queued'));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(go);
      });
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
