// The gateway's sentinel rules on their own: degenerate (seq-rep-4, counted by hand below), duplicates, format_fail_max.
import { SENTINEL_FLAGS } from '@verimesh/proto';
import { describe, expect, it } from 'vitest';
import { DuplicateTracker, flagsOf, formatFailMax, isDegenerate, maskOf } from './sentinels.js';

/** seq-rep-4 by the definition, on whitespace tokens (no token here is longer than 16 characters). */
function seqRep4(text: string): number {
  const t = text.split(/[\s]+/).filter(Boolean);
  const grams = t.slice(3).map((_, i) => t.slice(i, i + 4).join(' '));
  return 1 - new Set(grams).size / grams.length;
}

describe('degenerate', () => {
  const heron =
    "<think>To find the area of the triangle we use Heron's formula. The sides are 3, 4 and 5, so the semi-perimeter is 6. " +
    'Then the area is the square root of 6 times 3 times 2 times 1, which is the square root of 36, that is 6.</think><answer>6</answer>';
  const code = '```python\ndef fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n\nassert fib(1) == 1\nassert fib(10) == 55\n```';
  const table = `<table>${Array.from({ length: 30 }, (_, i) => `<tr><td>${i}</td><td>${i * i}</td></tr>`).join('')}</table>`;
  const boxes = `<answer>[${Array.from({ length: 12 }, (_, i) => `{"bbox_2d": [${i * 10}, ${i * 7}, ${i * 10 + 50}, ${i * 7 + 40}], "label": "cup"}`).join(', ')}]</answer>`;
  it.each([
    ['a repeated line (30 copies)', `<think>${'I think the answer is B.\n'.repeat(30)}</think><answer>B</answer>`, true],
    ['one token repeated', 'the '.repeat(100), true],
    ['a sentence looping on one line', `${'The answer is 42. '.repeat(20)}`, true],
    ['one character without spaces (16-character chunks)', '!'.repeat(5000), true],
    ['three copies of a paragraph', 'We add the first ten integers and get fifty five in total after adding them all up.\n'.repeat(3), true],
    ['two copies of a paragraph', 'We add the first ten integers and get fifty five in total after adding them all up.\n'.repeat(2), false],
    ['reasoning prose', heron, false],
    ['code with asserts', code, false],
    ['an HTML table (one long token, chunked)', table, false],
    ['twelve boxes with one label', boxes, false],
    ['short: 19 tokens of one word', 'yes '.repeat(19), false],
  ])('%s → %s', (_name, text, want) => {
    expect(isDegenerate(text)).toBe(want);
  });
  it('agrees with seq-rep-4 computed from its definition at the 0.5 threshold', () => {
    const unit = 'alpha beta gamma delta epsilon zeta eta theta iota kappa';
    // k copies of a 10-token line: 10k − 3 4-grams, 10 distinct ones → seq-rep-4 = 1 − 10 / (10k − 3).
    for (const k of [1, 2, 3, 5]) {
      const text = `${unit}\n`.repeat(k) + 'lambda mu nu xi omicron pi rho sigma tau upsilon';
      expect(isDegenerate(text), `k = ${k}`).toBe(seqRep4(text) >= 0.5);
    }
    expect(seqRep4(`${unit}\n`.repeat(3))).toBeCloseTo(1 - 10 / 27, 12);
  });
  it('reads a 10 MiB response in one pass (linear; no timing asserted)', () => {
    const loop = 'the answer is 42 '.repeat(616_000); // ≈ 10.5 M characters
    const distinct = Array.from({ length: 1_200_000 }, (_, i) => `w${i}`).join(' ');
    expect(isDegenerate(loop)).toBe(true);
    expect(isDegenerate(distinct)).toBe(false);
  });
});

describe('duplicate_in_group', () => {
  it('flags the copies, not the first, per group', () => {
    const t = new DuplicateTracker();
    expect(['A', 'B', 'A', 'A', 'B'].map((r) => t.seen('g', r))).toEqual([false, false, true, true, true]);
    expect(t.seen('h', 'A')).toBe(false); // another group
  });
  it('a stream remembers a bounded window: the oldest groups are forgotten first', () => {
    const t = new DuplicateTracker(2, 10);
    t.seen('g1', 'x');
    t.seen('g2', 'y');
    t.seen('g3', 'z'); // three groups > 2: g1 forgotten
    expect(t.seen('g1', 'x')).toBe(false);
    expect(t.seen('g3', 'z')).toBe(true);
    t.seen('g3', 'a very long response'); // over 10 characters: older groups go
    expect(t.seen('g2', 'y')).toBe(false);
  });
});

describe('format_fail_max', () => {
  const c = (verifier: string, score: number, status = 'ok') => ({ verifier, score, status });
  it('a maxed component while text.format failed', () => {
    expect(formatFailMax([c('text.format', 0), c('text.exact', 1)])).toBe(true);
    expect(formatFailMax([c('text.format', 1), c('text.exact', 1)])).toBe(false);
    expect(formatFailMax([c('text.format', 0), c('text.exact', 0.9)])).toBe(false);
    // text.length's 0 means "not too long", not a maximum; stand-in scores of failed components do not count.
    expect(formatFailMax([c('text.format', 0), c('text.length', 0)])).toBe(false);
    expect(formatFailMax([c('text.format', 0), c('code.tests', 1, 'error')])).toBe(false);
    expect(formatFailMax([c('text.format', 0, 'invalid'), c('text.exact', 1)])).toBe(false);
  });
});

describe('flag masks', () => {
  it('lists are sorted and unique; unknown names are dropped', () => {
    expect(flagsOf(maskOf(['tamper', 'box_spam', 'tamper', 'no_such_flag']))).toEqual(['box_spam', 'tamper']);
    expect(flagsOf(maskOf([...SENTINEL_FLAGS]))).toEqual([...SENTINEL_FLAGS].sort());
    expect(flagsOf(0)).toEqual([]);
  });
});
