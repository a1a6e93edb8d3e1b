import { describe, expect, it } from 'vitest';
import { Admission, BoundedPool } from './admission.js';
import { ResourceExhaustedError } from './errors.js';

describe('Admission', () => {
  it('admits up to the limit and refuses beyond it', () => {
    const a = new Admission(10);
    a.acquire(6);
    a.acquire(4);
    expect(() => a.acquire(1)).toThrow(ResourceExhaustedError);
    a.release(5);
    a.acquire(5);
    expect(a.current).toBe(10);
    expect(a.refusals).toBe(1);
  });

  it('acquireWait waits its turn in arrival order; a release hands the room over before anyone else can take it', async () => {
    const a = new Admission(2);
    await a.acquireWait(2);
    const order: string[] = [];
    const first = a.acquireWait(1).then(() => order.push('first'));
    const second = a.acquireWait(1).then(() => order.push('second'));
    expect(a.queued).toBe(2);
    a.release(1);
    // The room went to the first waiter at once: a new caller finds the gateway full.
    expect(a.current).toBe(2);
    expect(() => a.acquire(1)).toThrow(ResourceExhaustedError);
    await first;
    expect(order).toEqual(['first']);
    a.release(1);
    await second;
    expect(order).toEqual(['first', 'second']);
    expect(a.queued).toBe(0);
    expect(a.current).toBe(2);
  });

  it('acquireWait leaves the queue when its signal fires, is bounded, and refuses what could never fit', async () => {
    const a = new Admission(1, 1);
    a.acquire(1);
    const ac = new AbortController();
    const waiting = a.acquireWait(1, ac.signal);
    await expect(a.acquireWait(1)).rejects.toBeInstanceOf(ResourceExhaustedError);
    expect(a.queueRefusals).toBe(1);
    ac.abort(new Error('stream closed'));
    await expect(waiting).rejects.toThrow('stream closed');
    expect(a.queued).toBe(0);
    a.release(1);
    expect(a.current).toBe(0);
    await expect(a.acquireWait(2)).rejects.toBeInstanceOf(ResourceExhaustedError);
  });
});

describe('BoundedPool', () => {
  it('never runs more than its concurrency and refuses beyond its queue', async () => {
    const pool = new BoundedPool(2, 3);
    let running = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    const task = () =>
      pool.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => gates.push(r));
        running--;
      });
    const accepted = Array.from({ length: 5 }, task);
    await expect(task()).rejects.toBeInstanceOf(ResourceExhaustedError);
    expect(pool.active).toBe(2);
    expect(pool.queued).toBe(3);
    while (gates.length || pool.active) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(accepted);
    expect(peak).toBe(2);
    expect(pool.active).toBe(0);
  });

  it('drops an aborted waiter from the queue', async () => {
    const pool = new BoundedPool(1, 5);
    let release!: () => void;
    const first = pool.run(() => new Promise<void>((r) => (release = r)));
    const ac = new AbortController();
    const second = pool.run(async () => 'ran', ac.signal);
    ac.abort(new Error('gone'));
    await expect(second).rejects.toThrow('gone');
    expect(pool.queued).toBe(0);
    release();
    await first;
    expect(pool.active).toBe(0);
    // A signal that fired before the call is refused at once, not queued forever.
    let hold!: () => void;
    const busy = pool.run(() => new Promise<void>((r) => (hold = r)));
    await expect(pool.run(async () => 'ran', ac.signal)).rejects.toThrow('gone');
    expect(pool.queued).toBe(0);
    hold();
    await busy;
  });
});
