import { describe, expect, it } from 'vitest';
import { drainOnSignal } from './drain.js';
import { createLogger } from './log.js';

describe('drainOnSignal', () => {
  it('drains once on the first signal, logs it, and removes its handlers', async () => {
    const lines: string[] = [];
    const before = process.listenerCount('SIGTERM');
    const beforeInt = process.listenerCount('SIGINT');
    let drains = 0;
    const h = drainOnSignal(
      async () => {
        drains++;
      },
      { exit: false, log: createLogger('t', 'info', (l) => lines.push(l)) },
    );
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    expect(process.listenerCount('SIGINT')).toBe(beforeInt + 1);
    // Call our handler rather than emitting the signal: the test runner may listen for SIGTERM too.
    (process.listeners('SIGTERM').at(-1) as () => void)();
    expect(await h.drained).toBe('SIGTERM');
    expect(drains).toBe(1);
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(process.listenerCount('SIGINT')).toBe(beforeInt);
    expect(lines.map((l) => JSON.parse(l) as { msg: string; signal: string })).toEqual([expect.objectContaining({ msg: 'signal received', signal: 'SIGTERM' })]);
  });

  it('a failing drain is logged and still settles', async () => {
    const lines: string[] = [];
    const h = drainOnSignal(() => Promise.reject(new Error('stuck')), { exit: false, signals: ['SIGUSR2'], log: createLogger('t', 'info', (l) => lines.push(l)) });
    process.emit('SIGUSR2');
    expect(await h.drained).toBe('SIGUSR2');
    expect(lines.some((l) => l.includes('"shutdown failed"') && l.includes('stuck'))).toBe(true);
  });

  it('dispose removes the handlers without draining', () => {
    const before = process.listenerCount('SIGTERM');
    const h = drainOnSignal(async () => undefined, { exit: false, watchParent: true });
    h.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
