// The math_worker pool with real worker threads: a full queue is refused as overloaded, a cancelled item frees its worker.
import { afterAll, describe, expect, it } from 'vitest';
import { DeadlineError, componentStatusOf } from '@verimesh/kit';
import type { Job } from './judge.js';
import { MathPool } from './pool.js';

const job = (response: string, reference = 'x'): Job => ({ response, reference, extract: undefined, targets: 'both', options: { precision: 6, strict: true, setRelation: false } });
// The engine sums this term by term: hours of work, so only its budget or a cancellation ends it.
const endless = job('\\boxed{\\sum_{k=1}^{10^{9}} k}', '5');

describe('MathPool', () => {
  const pool = new MathPool({ workers: 1, queue: 0, memoryMb: 128 });
  afterAll(() => pool.stop());

  it('refuses an item beyond workers + queue as overloaded; an overrun worker is replaced', async () => {
    await pool.warm();
    const never = new AbortController().signal;
    const first = pool.run(endless, 500, Date.now() + 10_000, never);
    const refused = await pool.run(job('\\boxed{1}', '1'), 10_000, Date.now() + 10_000, never).catch((e: unknown) => e);
    expect(componentStatusOf(refused)).toBe('unavailable');
    expect(String(refused)).toMatch(/overloaded/);
    await expect(first).rejects.toThrow(DeadlineError);
    expect(pool.replaced).toBe(1);
    expect(await pool.run(job('\\boxed{1}', '1'), 10_000, Date.now() + 10_000, never)).toMatchObject({ kind: 'scored', score: 1 });
  });

  it('a cancelled item terminates its worker at once; a replacement serves the next', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const running = pool.run(endless, 10_000, Date.now() + 10_000, ac.signal);
    setTimeout(() => ac.abort(new DeadlineError('cancelled by the test')), 20);
    await expect(running).rejects.toThrow('cancelled by the test');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(pool.replaced).toBe(2);
    expect(await pool.run(job('\\boxed{2}', '2'), 10_000, Date.now() + 10_000, new AbortController().signal)).toMatchObject({ kind: 'scored', score: 1 });
  });
});
