import { describe, expect, it } from 'vitest';
import { JudgmentCache } from './cache.js';

describe('JudgmentCache', () => {
  it('shares one call between identical requests in flight and evicts the least recently used', async () => {
    const cache = new JudgmentCache(2);
    let calls = 0;
    const judge = (v: string) => async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      return v;
    };
    const [x, y] = await Promise.all([cache.get('a', judge('A')), cache.get('a', judge('A2'))]);
    expect([x.value, x.hit, y.value, y.hit]).toEqual(['A', false, 'A', true]);
    await cache.get('b', judge('B'));
    await cache.get('a', judge('A3')); // a is now the most recent: b goes when c arrives
    await cache.get('c', judge('C'));
    expect((await cache.get('a', judge('A4'))).hit).toBe(true);
    expect((await cache.get('b', judge('B2'))).value).toBe('B2');
    expect(calls).toBe(4);
    expect(cache.stats()).toMatchObject({ size: 2, capacity: 2 });
  });

  it('keeps no failure: the next identical request computes again', async () => {
    const cache = new JudgmentCache(4);
    await expect(cache.get('k', () => Promise.reject(new Error('HTTP 503')))).rejects.toThrow('HTTP 503');
    expect(cache.stats().size).toBe(0);
    expect(await cache.get('k', async () => 'ok')).toEqual({ value: 'ok', hit: false });
  });
});
