import { describe, expect, it } from 'vitest';
import { ResourceExhaustedError } from './errors.js';
import { WaitQueue } from './wait-queue.js';

const settled = async <T>(p: Promise<T>): Promise<'pending' | { value: T } | { error: unknown }> => {
  const marker = Symbol();
  const r = await Promise.race([p.then((value) => ({ value }), (error: unknown) => ({ error })), new Promise((res) => setImmediate(() => res(marker)))]);
  return r === marker ? 'pending' : (r as { value: T } | { error: unknown });
};

describe('WaitQueue', () => {
  it('hands values to waiters in arrival order', async () => {
    const q = new WaitQueue<string>(10);
    const a = q.wait();
    const b = q.wait();
    expect(q.length).toBe(2);
    expect(q.wake('first')).toBe(true);
    expect(q.wake('second')).toBe(true);
    expect(q.wake('nobody')).toBe(false);
    expect(await a).toBe('first');
    expect(await b).toBe('second');
    expect(q.length).toBe(0);
  });

  it('refuses beyond its capacity with an "overloaded" ResourceExhaustedError and counts refusals', async () => {
    const q = new WaitQueue(2, (n, c) => `OCR overloaded: ${n} images queued (limit ${c})`);
    const kept = [q.wait(), q.wait()];
    const refused = q.wait();
    await expect(refused).rejects.toBeInstanceOf(ResourceExhaustedError);
    await expect(refused).rejects.toThrow('OCR overloaded: 2 images queued (limit 2)');
    expect(q.refusals).toBe(1);
    expect(q.length).toBe(2);
    q.wake();
    q.wake();
    await Promise.all(kept);
    const def = new WaitQueue(0);
    await expect(def.wait()).rejects.toThrow(/^overloaded: /);
  });

  it('drops a waiter whose signal fires, rejecting with its reason; an aborted signal is refused at once', async () => {
    const q = new WaitQueue<number>(5);
    const ac = new AbortController();
    const gone = q.wait(ac.signal);
    const stays = q.wait();
    ac.abort(new Error('client went away'));
    await expect(gone).rejects.toThrow('client went away');
    expect(q.length).toBe(1);
    expect(q.wake(7)).toBe(true);
    expect(await stays).toBe(7);
    await expect(q.wait(ac.signal)).rejects.toThrow('client went away');
    const plain = new AbortController();
    const p = q.wait(plain.signal);
    plain.abort('not an error');
    await expect(p).rejects.toThrow('aborted while queued');
    expect(q.length).toBe(0);
  });

  it('a waiter taken off the queue no longer reacts to its signal; peek leaves it in place', async () => {
    const q = new WaitQueue<string, { job: number }>(5);
    const ac = new AbortController();
    const p = q.wait(ac.signal, { job: 1 });
    const second = q.wait(undefined, { job: 2 });
    expect(q.peek()?.payload).toEqual({ job: 1 });
    expect(q.length).toBe(2);
    const w = q.take()!;
    expect(w.payload).toEqual({ job: 1 });
    ac.abort(new Error('too late'));
    expect(await settled(p)).toBe('pending');
    w.resolve('done');
    expect(await p).toBe('done');
    q.rejectAll(new Error('shutting down'));
    await expect(second).rejects.toThrow('shutting down');
    expect(q.take()).toBeUndefined();
  });
});
