// Hungarian assignment checked against brute force over all assignments.
import { describe, expect, it } from 'vitest';
import { hungarian } from './index.js';

function bruteBest(w: number[][]): number {
  const rows = w.length;
  const cols = w[0]?.length ?? 0;
  let best = 0;
  const used = new Array<boolean>(cols).fill(false);
  const rec = (i: number, acc: number): void => {
    if (i === rows) { best = Math.max(best, acc); return; }
    rec(i + 1, acc); // row unmatched
    for (let j = 0; j < cols; j++) if (!used[j]) { used[j] = true; rec(i + 1, acc + (w[i]?.[j] ?? 0)); used[j] = false; }
  };
  rec(0, 0);
  return best;
}

describe('hungarian', () => {
  it('finds the maximum-weight assignment (vs brute force) on random rectangular matrices', () => {
    let seed = 5;
    const r = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let t = 0; t < 60; t++) {
      const rows = 1 + Math.floor(r() * 5);
      const cols = 1 + Math.floor(r() * 5);
      const w = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (r() < 0.3 ? 0 : r())));
      const pairs = hungarian(w);
      expect(pairs.length).toBe(Math.min(rows, cols));
      expect(new Set(pairs.map((p) => p[0])).size).toBe(pairs.length);
      expect(new Set(pairs.map((p) => p[1])).size).toBe(pairs.length);
      const total = pairs.reduce((s, [i, j]) => s + (w[i]?.[j] ?? 0), 0);
      expect(total).toBeCloseTo(bruteBest(w), 12);
    }
  });
  it('prefers the global optimum over the greedy choice', () => {
    // Greedy takes (0,0)=0.9 then (1,1)=0.1 → 1.0; optimum is (0,1)+(1,0) = 0.8 + 0.8.
    expect(hungarian([[0.9, 0.8], [0.8, 0.1]])).toEqual([[0, 1], [1, 0]]);
    expect(hungarian([])).toEqual([]);
  });
});
