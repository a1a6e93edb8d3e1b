import { describe, expect, it } from 'vitest';
import { lazy } from './lazy.js';

describe('lazy', () => {
  it('starts once on first use; concurrent callers share the start', async () => {
    let starts = 0;
    const engine = lazy(async () => {
      starts++;
      await new Promise((r) => setTimeout(r, 5));
      return { id: starts };
    });
    expect(engine.peek()).toBeUndefined();
    expect(starts).toBe(0);
    const [a, b] = await Promise.all([engine(), engine()]);
    expect(a).toBe(b);
    expect(await engine()).toBe(a);
    expect(starts).toBe(1);
  });

  it('forgets a failed start, so the next call tries again; every caller of the failed start sees its error', async () => {
    let calls = 0;
    const svc = lazy(() => {
      calls++;
      if (calls === 1) throw new Error('model server down');
      return 'up';
    });
    const [x, y] = await Promise.allSettled([svc(), svc()]);
    expect(x).toMatchObject({ status: 'rejected', reason: new Error('model server down') });
    expect(y).toMatchObject({ status: 'rejected' });
    expect(svc.peek()).toBeUndefined();
    expect(await svc()).toBe('up');
    expect(calls).toBe(2);
  });

  it('reset hands back the value and starts afresh on the next call', async () => {
    let n = 0;
    const v = lazy(() => ++n);
    expect(await v()).toBe(1);
    expect(await v.reset()).toBe(1);
    expect(v.peek()).toBeUndefined();
    expect(await v()).toBe(2);
  });
});
