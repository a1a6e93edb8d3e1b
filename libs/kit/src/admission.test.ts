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
  });
});
