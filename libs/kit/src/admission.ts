// Admission control: a bounded count of in-flight items; work beyond it is refused at once or waits in a bounded queue.
import { ResourceExhaustedError } from './errors.js';
import { WaitQueue } from './wait-queue.js';

/**
 * Items in flight across calls, at most `limit`. `acquire` refuses work beyond the limit (RESOURCE_EXHAUSTED: the
 * caller retries); `acquireWait` waits its turn instead (backpressure for streams), at most `queue` waiters.
 * A release hands freed room to the waiters first, in arrival order, so a waiter is never overtaken by a later one.
 * `current`, `queued` and `refusals` are what metrics read (verimesh_items_in_flight, _queued, admission refusals).
 */
export class Admission {
  private inFlight = 0;
  private readonly waiters: WaitQueue<void, number>;
  /** Calls refused for the in-flight limit (acquire beyond it), since start. */
  refusals = 0;

  constructor(
    readonly limit: number,
    queue = Infinity,
  ) {
    this.waiters = new WaitQueue(queue, (q) => `overloaded: ${this.inFlight} items in flight (limit ${this.limit}) and ${q} waiting; retry with backoff`);
  }

  /** Items admitted now. */
  get current(): number {
    return this.inFlight;
  }

  /** Waiters in acquireWait now. */
  get queued(): number {
    return this.waiters.length;
  }

  /** Waiters refused because the wait queue was full, since start. */
  get queueRefusals(): number {
    return this.waiters.refusals;
  }

  /** Admits n items or throws ResourceExhaustedError; pair every success with release(n). */
  acquire(n: number): void {
    if (this.inFlight + n > this.limit) {
      this.refusals++;
      throw new ResourceExhaustedError(`overloaded: ${this.inFlight} items in flight, limit ${this.limit}, this call brings ${n}; retry with backoff`);
    }
    this.inFlight += n;
  }

  /**
   * Admits n items, waiting (not failing) while there is no room or others wait before it. Rejects with the signal's
   * reason when it fires while waiting, with ResourceExhaustedError when the wait queue is full or n alone exceeds
   * the limit (it could never be admitted). Pair every success with release(n).
   */
  acquireWait(n: number, signal?: AbortSignal): Promise<void> {
    if (n > this.limit) return Promise.reject(new ResourceExhaustedError(`overloaded: ${n} items can never fit the limit of ${this.limit} in flight`));
    if (this.waiters.length === 0 && this.inFlight + n <= this.limit) {
      this.inFlight += n;
      return Promise.resolve();
    }
    return this.waiters.wait(signal, n);
  }

  release(n: number): void {
    this.inFlight = Math.max(0, this.inFlight - n);
    // Hand the room over: the waiter's items are counted here, before it resumes, so nobody can take its place.
    for (let w = this.waiters.peek(); w && this.inFlight + w.payload <= this.limit; w = this.waiters.peek()) {
      this.waiters.take();
      this.inFlight += w.payload;
      w.resolve();
    }
  }
}

/**
 * A bounded worker pool: at most `concurrency` tasks run, at most `queue` wait; beyond that run() rejects with
 * ResourceExhaustedError. For services whose items are expensive (sandbox runs, judge calls).
 */
export class BoundedPool {
  private running = 0;
  private readonly waiting: WaitQueue;

  constructor(
    readonly concurrency: number,
    readonly queue: number,
  ) {
    this.waiting = new WaitQueue(queue, (q) => `overloaded: ${this.running} running and ${q} queued (limits ${this.concurrency}/${this.queue})`);
  }

  get active(): number {
    return this.running;
  }
  get queued(): number {
    return this.waiting.length;
  }
  /** Tasks refused because the queue was full, since start. */
  get refusals(): number {
    return this.waiting.refusals;
  }

  /** Runs `task` when a slot is free; a waiter whose signal fires leaves the queue and rejects with its reason. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so `running` never exceeds `concurrency`.
    if (this.running >= this.concurrency) await this.waiting.wait(signal);
    else this.running++;
    try {
      return await task();
    } finally {
      if (!this.waiting.wake()) this.running--;
    }
  }
}
