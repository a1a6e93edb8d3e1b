// Nearest-time matching of predicted frames, checked against the plain R × E scan it replaced (an independent method).
import { describe, expect, it } from 'vitest';
import { matchTimes, parseFrames, type FrameEntry } from './frames.js';

/** The definition written out: every entry looked at, the nearest within tolerance, ties to the first written. */
function bruteMatch(refTimes: readonly number[], entries: readonly FrameEntry[], tolerance: number): number[] {
  return refTimes.map((rt) => {
    let best = -1;
    let bestD = Infinity;
    entries.forEach((e, i) => {
      const d = Math.abs(e.time - rt);
      if (d <= tolerance + 1e-9 && d < bestD) [best, bestD] = [i, d];
    });
    return best;
  });
}

describe('matchTimes', () => {
  it('matches the brute-force scan on random times, with repeated times and equidistant ties', () => {
    let seed = 11;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      // Times on a 0.25 s grid so that repeats and exact ties (0.5 before and after a reference) are common.
      const entries: FrameEntry[] = Array.from({ length: Math.floor(rnd() * 12) }, (_, i) => ({ time: Math.floor(rnd() * 16) / 4, value: i, label: String(i) }));
      const refs = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 16) / 4);
      const tol = [0, 0.25, 0.5, 10][round % 4]!;
      expect(matchTimes(refs, entries, tol), JSON.stringify({ refs, entries: entries.map((e) => e.time), tol })).toEqual(bruteMatch(refs, entries, tol));
    }
  });
  it('takes the first written of equally near entries', () => {
    const e = (time: number): FrameEntry => ({ time, value: null, label: '' });
    expect(matchTimes([1], [e(1.5), e(0.5)], 0.5)).toEqual([0]);
    expect(matchTimes([1], [e(0.5), e(1.5)], 0.5)).toEqual([0]);
    expect(matchTimes([1], [e(2), e(1), e(1)], 0)).toEqual([1]);
    expect(matchTimes([1], [], 1)).toEqual([-1]);
  });
});

describe('parseFrames: Python-style answers through the shared reader', () => {
  it('reads bare numeric keys, single quotes and tuples', () => {
    const isBox = (v: unknown): boolean => Array.isArray(v) && v.length === 4;
    const p = parseFrames("{0.5: (1, 2, 3, 4), 1.0: [5, 6, 7, 8],}", 'seconds', undefined, isBox, true);
    expect(p.entries.map((e) => [e.time, e.value])).toEqual([[0.5, [1, 2, 3, 4]], [1, [5, 6, 7, 8]]]);
    const q = parseFrames("[{'time': 0.5, 'box': [1, 2, 3, 4]}, {'time': 1, 'box': [5, 6, 7, 8]}]", 'seconds', undefined, isBox, true);
    expect(q.entries.map((e) => e.time)).toEqual([0.5, 1]);
  });
});
