// The math.equiv table in process (judge(), the code a worker runs), and the whose-fault rules of SPEC 4.1.
import { describe, expect, it } from 'vitest';
import { PAIRS, type Pair } from '../test/pairs.js';
import { judge, type Job } from './judge.js';

export function jobOf(pair: Pair): Job {
  return {
    response: pair.response,
    reference: pair.gold,
    extract: pair.params?.extract,
    targets: pair.params?.targets ?? 'both',
    options: { precision: pair.params?.precision ?? 6, strict: pair.params?.strict ?? true, setRelation: pair.params?.set_relation ?? false },
  };
}

describe('math.equiv table (in process)', () => {
  it('has at least 150 pairs, equal and near-miss, in every category', () => {
    expect(PAIRS.length).toBeGreaterThanOrEqual(150);
    const categories = new Set(PAIRS.map((p) => p.category));
    for (const c of ['integer', 'thousands', 'decimal-comma', 'fraction', 'rounding', 'huge', 'radical', 'complex', 'symbolic', 'percent', 'units', 'text', 'degrees', 'extraction', 'think', 'interval', 'set', 'tuple', 'matrix', 'equation', 'inequality', 'targets', 'hole']) {
      expect(categories, c).toContain(c);
      expect(PAIRS.filter((p) => p.category === c && p.expect === 1).length, `${c} equal pairs`).toBeGreaterThan(0);
    }
    expect(PAIRS.filter((p) => p.expect === 0).length).toBeGreaterThan(60);
  });

  it.each(PAIRS.map((p, i) => [i, p] as const))('#%i', (_i, pair) => {
    const v = judge(jobOf(pair));
    expect(v.kind, pair.why).toBe('scored');
    if (v.kind === 'scored') expect(v.score, `${pair.category}: ${pair.why}\n  gold ${pair.gold}\n  response ${pair.response}\n  ${v.detail}`).toBe(pair.expect);
  });
});

describe('red team', () => {
  const score = (reference: string, response: string): number | undefined => {
    const v = judge({ response, reference, extract: undefined, targets: 'both', options: { precision: 6, strict: true, setRelation: false } });
    return v.kind === 'scored' ? v.score : undefined;
  };
  it('a chain whose constant sides differ through a symbol is false, whatever its last side says', () => {
    expect(score('5', '\\boxed{x = 4 = y = 5}')).toBe(0); // says 4 = 5: was read by its last side
    expect(score('5', '\\boxed{x = 7 = t = 5}')).toBe(0);
    expect(score('5', '\\boxed{x = 2 + 3 = y = 5}')).toBe(1); // every constant is 5
    expect(score('5', '\\boxed{a + b = 2 + 3 = 5}')).toBe(1);
  });
});

describe('whose fault', () => {
  const job = (reference: string, response: string): Job => ({ response, reference, extract: undefined, targets: 'both', options: { precision: 6, strict: true, setRelation: false } });

  it('a reference that cannot be parsed is invalid, naming reference.answer', () => {
    for (const ref of ['\\frac{1}{', 'The capital of France is Paris, and its river is the Seine.', '\\boxed{}']) {
      const v = judge(job(ref, '\\boxed{1}'));
      expect(v.kind, ref).toBe('invalid');
      if (v.kind === 'invalid') expect(v.field).toBe('reference.answer');
    }
  });

  it('an answer that cannot be parsed scores 0 with a detail', () => {
    for (const response of ['\\boxed{\\frac{1}{', 'I do not know.', '', '<think>\\boxed{5}</think>']) {
      const v = judge(job('5', response));
      expect(v.kind, response).toBe('scored');
      if (v.kind === 'scored') {
        expect(v.score).toBe(0);
        expect(v.detail.length).toBeGreaterThan(0);
      }
    }
  });
});
