// Summary totals and the results table; expected means computed by hand from the listed results.
import { describe, expect, it } from 'vitest';
import type { ComponentResultJson, ResultJson } from '@verimesh/proto';
import { Summary, fmt, formatTable } from './summary.js';

/** A component of a sum with weight 1 (its contribution is its score; 0 when skipped). */
const c = (score: number, status: ComponentResultJson['status'], detail?: string): ComponentResultJson => ({ score, status, weight: 1, contribution: score, ...(detail ? { detail } : {}) });
const results: ResultJson[] = [
  { id: 'a', reward: 1, status: 'ok', error: null, components: { f: c(1, 'ok'), x: c(1, 'ok', 'matches') }, flags: [] },
  { id: 'b', reward: 0, status: 'ok', error: null, components: { f: c(0, 'ok', 'not think_answer'), x: c(0, 'skipped') }, flags: ['degenerate', 'duplicate_in_group'] },
  { id: 'c', reward: 0.5, status: 'partial', error: 'x unavailable', components: { f: c(1, 'ok'), x: c(0, 'unavailable', 'down') }, flags: ['degenerate'] },
  { id: 'line-4', reward: 0, status: 'invalid', error: 'line 4: not valid JSON', components: {}, flags: [] },
];

describe('Summary', () => {
  it('counts, means rewards and leaves skipped components out of component means', () => {
    const s = new Summary();
    for (const r of results) s.add(r);
    const d = s.data();
    expect(d.count).toBe(4);
    expect(d.meanReward).toBeCloseTo(1.5 / 4, 12); // (1 + 0 + 0.5 + 0) / 4
    expect(d.statuses).toEqual({ ok: 2, partial: 1, invalid: 1 });
    expect(d.components.f).toEqual({ count: 3, mean: 2 / 3, statuses: { ok: 3 } });
    expect(d.components.x).toEqual({ count: 2, mean: 0.5, statuses: { ok: 1, skipped: 1, unavailable: 1 } }); // (1 + 0) / 2
    expect(s.format()).toMatch(/scored 4 samples: mean reward 0.375; invalid 1, ok 2, partial 1/);
    expect(d.groups).toEqual({ count: 0, allEqual: 0 });
    // Two of the four samples raised a sentinel; degenerate twice, duplicate_in_group once.
    expect(d.flags).toEqual({ flagged: 2, counts: { degenerate: 2, duplicate_in_group: 1 } });
    expect(s.format()).toMatch(/^flags: 2 of 4 samples flagged: degenerate 2, duplicate_in_group 1$/m);
  });
  it('counts groups whose rewards are all equal', () => {
    const s = new Summary();
    const r = (id: string, reward: number): ResultJson => ({ id, reward, status: 'ok', error: null, components: {}, flags: [] });
    s.add(r('a1', 1), 'a');
    s.add(r('a2', 1), 'a'); // group a: 1, 1 -> all equal
    s.add(r('b1', 1), 'b');
    s.add(r('b2', 0), 'b'); // group b: 1, 0 -> signal
    s.add(r('c1', 0.5), 'c'); // group c: one sample -> trivially all equal
    s.add(r('x', 0));
    expect(s.data().groups).toEqual({ count: 3, allEqual: 2 });
    expect(s.format()).toMatch(/groups: 3, of which 2 with all rewards equal/);
    expect(s.format()).toMatch(/^flags: none raised$/m);
  });
  it('formats numbers compactly', () => {
    expect(fmt(0.123456)).toBe('0.1235');
    expect(fmt(-0)).toBe('0');
    expect(fmt(2)).toBe('2');
  });
});

describe('formatTable', () => {
  it('shows one row per result with component statuses and the most useful detail', () => {
    const lines = formatTable(results).split('\n');
    expect(lines).toHaveLength(2 + results.length);
    expect(lines[0]).toMatch(/^id\s+reward\s+status\s+components\s+detail$/);
    expect(lines[2]).toMatch(/^a\s+1\s+ok\s+f=1 x=1\s+x: matches$/);
    expect(lines[3]).toMatch(/f=0 x=0\(skipped\)\s+f: not think_answer$/);
    expect(lines[4]).toMatch(/partial .*x=0\(unavailable\)\s+x unavailable$/);
    expect(lines[5]).toMatch(/^line-4 .*invalid .*line 4: not valid JSON$/);
  });
});
