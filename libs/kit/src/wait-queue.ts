// An abort-aware, bounded FIFO of waiters: the one way work waits here for a slot, a worker or a batch.
import { ResourceExhaustedError } from './errors.js';

/** A waiter taken off the queue: the taker settles it (hands it a value, or fails it). */
export interface Waiter<T, P> {
  /** What the waiter brought (a job to run, a count of items); undefined when it brought nothing. */
  readonly payload: P;
  resolve(value: T): void;
  reject(err: unknown): void;
}

interface Entry<T, P> extends Waiter<T, P> {
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** The error a waiter gets when its signal fires: the signal's reason when that is an Error. */
export function abortReason(signal: AbortSignal, what = 'aborted while queued'): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(what);
}

/**
 * Waiters in arrival order. `wait()` joins the queue, or is refused at once with ResourceExhaustedError (an
 * "overloaded" message) when `capacity` are already waiting: never an unbounded queue unless the caller says so with
 * `Infinity` (and bounds the work elsewhere). A waiter whose signal fires leaves the queue and rejects with the
 * signal's reason. Whoever frees a slot calls `wake(value)` (or `take()` to see the payload first).
 *
 * `length` and `refusals` are what metrics read (verimesh_items_queued, admission refusals with reason queue_full).
 */
export class WaitQueue<T = void, P = undefined> {
  private readonly waiting = new Set<Entry<T, P>>();
  /** Waiters refused because the queue was full, since start. */
  refusals = 0;

  constructor(
    readonly capacity: number,
    private readonly overloaded: (queued: number, capacity: number) => string = (q, c) => `overloaded: ${q} waiting, limit ${c}; retry with backoff`,
  ) {}

  /** How many wait now. */
  get length(): number {
    return this.waiting.size;
  }

  /** Waits until a `wake()` hands this waiter a value. Rejects at once when full or when `signal` already fired. */
  wait(signal?: AbortSignal, payload?: P): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.waiting.size >= this.capacity) {
      this.refusals++;
      return Promise.reject(new ResourceExhaustedError(this.overloaded(this.waiting.size, this.capacity)));
    }
    return new Promise<T>((resolve, reject) => {
      const entry: Entry<T, P> = { payload: payload as P, resolve, reject, signal, onAbort: undefined };
      if (signal) {
        entry.onAbort = () => {
          if (this.waiting.delete(entry)) reject(abortReason(signal));
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.waiting.add(entry);
    });
  }

  /** The oldest waiter, left in the queue (to check whether its payload fits before taking it). */
  peek(): Waiter<T, P> | undefined {
    for (const e of this.waiting) return e;
    return undefined;
  }

  /** Removes the oldest waiter and returns it; its signal no longer matters, and the caller must settle it. */
  take(): Waiter<T, P> | undefined {
    for (const e of this.waiting) {
      this.waiting.delete(e);
      if (e.onAbort) e.signal!.removeEventListener('abort', e.onAbort);
      return e;
    }
    return undefined;
  }

  /** Hands `value` to the oldest waiter; false when nobody waits. */
  wake(value: T): boolean {
    const w = this.take();
    w?.resolve(value);
    return w !== undefined;
  }

  /** Fails every waiter (at shutdown). */
  rejectAll(err: unknown): void {
    for (let w = this.take(); w; w = this.take()) w.reject(err);
  }
}
